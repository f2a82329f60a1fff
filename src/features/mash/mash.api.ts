import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import type { Role } from '../../platform/auth/roles.js';
import { auditContext } from '../../platform/http/forms.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { MASH_ROLES, MashService, TEXT_MAX } from './mash.service.js';

/**
 * The MASH through the API. A partner agency's system (a service account with the role
 * partner-practitioner and its agency's code) reads the check requests addressed to its agency –
 * only what it needs to search its own systems – and answers them; MASH staff systems read an
 * enquiry. The service scopes everything (authority, hub grants, agency) and audits every read.
 *
 * Ids are UUIDs: anything else is simply not found (404), as a guessed id of someone else's is.
 * A response that does not fit the schema is refused with its field errors (422) and nothing is saved.
 */

const problem = z.object({
  type: z.string(), title: z.string(), status: z.number(), detail: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
const idParams = z.object({ id: z.uuid().describe('A UUID; anything else is not found') });
const security = [{ bearer: [] }];
const tags = ['mash'];

const deadlineState = z.enum(['on-time', 'due-soon', 'overdue', 'met', 'late']).describe('How the deadline stands now: on-time, due-soon or overdue while open; met or late once answered');

const personToSearch = z.object({
  personId: z.string(),
  isChild: z.boolean().describe('One of the enquiry’s children (otherwise a member of their household)'),
  givenName: z.string().nullable(),
  familyName: z.string().nullable(),
  dateOfBirth: z.string().nullable(),
  expectedDateOfBirth: z.string().nullable().describe('For an unborn child'),
  address: z.object({ line1: z.string().nullable(), line2: z.string().nullable(), town: z.string().nullable(), postcode: z.string().nullable() }),
  // issue10-F: a restricted record: its name, date of birth and address are withheld (null).
  restricted: z.boolean().optional().describe('A restricted record: a person must open the request in Front Door and give a reason to see who to search for'),
  restrictedReference: z.string().optional(),
}).describe('Names, dates of birth and addresses only: what an agency needs to search its systems');

const requestSummary = z.object({
  id: z.string(),
  reference: z.string().describe('The MASH enquiry reference'),
  authority: z.object({ id: z.string(), name: z.string() }),
  status: z.enum(['open', 'answered', 'withdrawn']),
  sentAt: z.string(),
  dueAt: z.string(),
  answeredAt: z.string().nullable(),
  state: deadlineState,
  countdown: z.string().describe('In words, say "2 hours 30 minutes left" or "overdue by 30 minutes"'),
  people: z.array(personToSearch),
});

const responseOut = z.object({
  id: z.string(),
  kind: z.enum(['response', 'question', 'correction']),
  nothingKnown: z.boolean(),
  holds: z.string().nullable(),
  sourceSystem: z.string().nullable(),
  checkedOn: z.string().nullable(),
  riskInformation: z.string().nullable(),
  lawfulBasisCode: z.string().nullable(),
  correctsId: z.string().nullable(),
  correctedBy: z.array(z.string()).describe('Later corrections of this response'),
  respondedAt: z.string(),
  responderName: z.string().nullable(),
  mashAnswer: z.object({ answer: z.string(), answeredAt: z.string() }).nullable().describe('For a question: the MASH’s answer, once given'),
});

const requestDetail = requestSummary.extend({
  agency: z.object({ code: z.string(), label: z.string() }),
  questions: z.string().describe('What the MASH asks the agency'),
  responses: z.array(responseOut).describe('This agency’s earlier answers to the request, oldest first'),
});

const nullableText = (max: number) => z.string().max(max).nullable().default(null);
const responseIn = z.strictObject({
  kind: z.enum(['response', 'question', 'correction']).describe('A response (or "nothing known"), a question back to the MASH (the request stays open), or a correction of an earlier response'),
  nothingKnown: z.boolean().default(false),
  holds: nullableText(TEXT_MAX).describe('What the agency holds; for a question, the question'),
  sourceSystem: nullableText(200).describe('The system searched (required unless a question)'),
  checkedOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Use YYYY-MM-DD').nullable().default(null).describe('YYYY-MM-DD, today or earlier (required unless a question)'),
  riskInformation: nullableText(TEXT_MAX),
  lawfulBasisCode: z.string().max(100).nullable().default(null).describe('The lawful basis for sharing (required unless a question)'),
  correctsId: z.uuid().nullable().default(null).describe('For a correction: the earlier response it corrects'),
});

const enquiryOut = z.object({
  id: z.string(),
  reference: z.string(),
  authorityId: z.string(),
  status: z.enum(['awaiting-rating', 'checks', 'collation', 'decision', 'closed']),
  rag: z.enum(['red', 'amber', 'green']).nullable(),
  createdAt: z.string(),
  dueAt: z.string().nullable(),
  state: deadlineState.nullable(),
  countdown: z.string().nullable(),
  reason: z.string(),
  questions: z.string(),
  decisionCode: z.string().nullable(),
  children: z.array(z.object({ id: z.string(), givenName: z.string().nullable(), familyName: z.string().nullable(), dateOfBirth: z.string().nullable(), expectedDateOfBirth: z.string().nullable() })),
  requests: z.array(z.object({
    id: z.string(), agencyCode: z.string(), agencyLabel: z.string(), status: z.enum(['open', 'answered', 'withdrawn']),
    dueAt: z.string(), answeredAt: z.string().nullable(), state: deadlineState, countdown: z.string(),
  })),
  ratingChanges: z.array(z.object({ from: z.string().nullable(), to: z.string(), reason: z.string().nullable(), changedAt: z.string(), dueAfter: z.string() })),
});

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * The schema-checked input, or the refusal: an id that is not a UUID is not found (as a guessed one
 * is), and a body that does not fit is a 422 naming each field. Checked in the handler (the route
 * attaches validation errors rather than throwing them) so the answer is the API's own problem+json.
 */
function checkInput(request: FastifyRequest, what: string): void {
  const err = request.validationError as (Error & { validation?: { instancePath?: string; message?: string }[]; validationContext?: string }) | undefined;
  if (!err) return;
  if (err.validationContext === 'params') throw notFound(what);
  const errors = (err.validation ?? []).map((v) => ({ field: (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.') || 'body', message: v.message ?? 'Not valid' }));
  throw new HttpError(422, 'The request was not valid', errors.map((e) => `${e.field}: ${e.message}`).join('. ') || 'Check the request and try again.', { errors });
}

export function mashApiRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const mash = new MashService(ctx);
  const partner = { access: { roles: MASH_ROLES.respond } };
  const staff = { access: { roles: ['mash-coordinator', 'team-manager'] as Role[] } };
  const authorityOf = (id: string) => ({ id, name: ctx.profiles.has(id) ? ctx.profiles.get(id).name : id });

  app.get('/api/v1/mash/requests', {
    config: partner,
    schema: {
      summary: "The check requests addressed to this agency, in every authority it serves",
      description: 'For a partner agency’s system. Each request carries only the names, dates of birth and addresses to search, never the concern.',
      tags, security,
      response: { 200: z.object({ requests: z.array(requestSummary) }), 403: problem },
    },
  }, async (request) => {
    const rows = await mash.requestsForAgency(request.principal!, auditContext(request));
    return {
      requests: rows.map((r) => ({
        id: r.id, reference: r.reference, authority: authorityOf(r.authorityId), status: r.status,
        sentAt: iso(r.sentAt), dueAt: iso(r.dueAt), answeredAt: isoOrNull(r.answeredAt),
        state: r.deadline, countdown: r.countdown, people: r.people,
      })),
    };
  });

  app.get('/api/v1/mash/requests/:id', {
    config: partner,
    attachValidation: true,
    schema: {
      summary: 'One check request addressed to this agency, with the agency’s earlier responses',
      tags, security, params: idParams,
      response: { 200: requestDetail, 403: problem, 404: problem },
    },
  }, async (request) => {
    checkInput(request, 'check request');
    const r = await mash.requestForAgency(request.principal!, request.params.id, auditContext(request));
    return {
      id: r.id, reference: r.reference, authority: { id: r.authorityId, name: r.authorityName }, status: r.status,
      sentAt: iso(r.sentAt), dueAt: iso(r.dueAt), answeredAt: isoOrNull(r.answeredAt), state: r.state, countdown: r.countdown,
      people: r.people, agency: { code: r.agencyCode, label: r.agencyLabel }, questions: r.questions,
      responses: r.responses.map((x) => ({
        id: x.id, kind: x.kind, nothingKnown: x.nothing_known, holds: x.holds, sourceSystem: x.source_system, checkedOn: x.checked_on,
        riskInformation: x.risk_information, lawfulBasisCode: x.lawful_basis_code, correctsId: x.corrects_id, correctedBy: x.correctedBy,
        respondedAt: iso(x.responded_at), responderName: x.responder_name,
        mashAnswer: x.answer ? { answer: x.answer.answer, answeredAt: iso(x.answer.answered_at) } : null,
      })),
    };
  });

  app.post('/api/v1/mash/requests/:id/responses', {
    config: partner,
    attachValidation: true,
    schema: {
      summary: 'Answer a check request: a response, a question back to the MASH, or a correction',
      description: 'Responses are never changed: a correction is a new response pointing at the one it corrects. A refused body saves nothing.',
      tags, security, params: idParams, body: responseIn,
      response: { 201: z.object({ id: z.string() }), 403: problem, 404: problem, 422: problem },
    },
  }, async (request, reply) => {
    checkInput(request, 'check request');
    const b = request.body;
    const result = await mash.respond(request.principal!, request.params.id, {
      kind: b.kind, nothingKnown: b.nothingKnown, holds: b.holds, sourceSystem: b.sourceSystem, checkedOn: b.checkedOn,
      riskInformation: b.riskInformation, lawfulBasisCode: b.lawfulBasisCode, correctsId: b.correctsId,
    }, auditContext(request));
    if (!result.ok) {
      throw new HttpError(422, 'The response was not valid', result.errors.map((e) => e.message).join('. '), { errors: result.errors });
    }
    return reply.code(201).send({ id: result.responseId });
  });

  app.get('/api/v1/mash/enquiries/:id', {
    config: staff,
    attachValidation: true,
    schema: {
      summary: 'A MASH enquiry: its children, rating, deadline and check requests',
      tags, security, params: idParams,
      response: { 200: enquiryOut, 403: problem, 404: problem },
    },
  }, async (request) => {
    checkInput(request, 'MASH enquiry');
    const v = await mash.view(request.principal!, request.params.id, auditContext(request));
    const e = v.enquiry;
    return {
      id: e.id, reference: e.reference, authorityId: e.authority_id, status: e.status, rag: e.rag,
      createdAt: iso(e.created_at), dueAt: isoOrNull(e.due_at), state: v.deadline?.state ?? null, countdown: v.deadline?.countdown ?? null,
      reason: e.reason, questions: e.questions, decisionCode: e.decision_code,
      children: v.children.map((c) => ({ id: c.id, givenName: c.given_name, familyName: c.family_name, dateOfBirth: c.date_of_birth, expectedDateOfBirth: c.expected_date_of_birth })),
      requests: v.requests.map((r) => ({
        id: r.id, agencyCode: r.agency_code, agencyLabel: r.agencyLabel, status: r.status, dueAt: iso(r.due_at), answeredAt: isoOrNull(r.answered_at),
        state: r.state, countdown: r.countdown,
      })),
      ratingChanges: v.ratingChanges.map((c) => ({ from: c.from_rag, to: c.to_rag, reason: c.reason, changedAt: iso(c.changed_at), dueAfter: iso(c.due_after) })),
    };
  });
}
