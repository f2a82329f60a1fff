import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import type { Role } from '../../platform/auth/roles.js';
import { auditContext } from '../../platform/http/forms.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { formatDateTimeLondon } from '../../domain/dates.js';
import { CONSENT_NOT_SOUGHT_REASONS, IMMEDIACY_OPTIONS, LAWFUL_BASES } from '../../domain/codes.js';
import { REFERRAL_MAX_CHILDREN, REFERRAL_TEXT_MAX } from '../../domain/referral-rules.js';
import { ReferralsService } from './referrals.service.js';

/**
 * Written referrals through the API, for an emergency service's own system (a police PPN or
 * notification feed, an ambulance service's safeguarding system): a service account with the
 * role partner-practitioner and an accepted agency code. Any other account is refused with the
 * number to phone. A body that does not fit is refused with its field errors and nothing saved;
 * the same incident sent again is answered with the referral already made.
 */

const problem = z.object({
  type: z.string(), title: z.string(), status: z.number(), detail: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  phone: z.string().optional(),
});
const idParams = z.object({ id: z.uuid().describe('A UUID; anything else is not found') });
const security = [{ bearer: [] }];
const tags = ['referrals'];

const text = (max: number) => z.string().max(max);
const codesOf = (list: readonly { code: string }[]) => list.map((x) => x.code) as [string, ...string[]];

const childIn = z.strictObject({
  givenName: text(100).default(''),
  familyName: text(100).default(''),
  dateOfBirth: z.iso.date().nullable().default(null).describe('YYYY-MM-DD, when known'),
  expectedDateOfBirth: z.iso.date().nullable().default(null).describe('YYYY-MM-DD, for an unborn child'),
  addressLine1: text(200).default(''),
  town: text(100).default(''),
  postcode: text(10).default(''),
  whereNow: text(1000).describe('Where the child is now'),
});

const referralIn = z.strictObject({
  referrer: z.strictObject({
    name: text(200),
    role: text(200).describe('For example police constable, paramedic'),
    phone: text(40).describe('A UK number CADS can call back'),
    email: text(320).default(''),
  }),
  incident: z.strictObject({
    reference: text(60).min(1).describe('The agency’s own incident number (police occurrence or PPN number, ambulance incident number): the same reference sent twice is one referral'),
    at: z.iso.datetime({ offset: true }).describe('When it happened, ISO 8601 with an offset'),
    place: text(500),
    postcode: text(10).default(''),
  }),
  children: z.array(childIn).min(1).max(REFERRAL_MAX_CHILDREN),
  concernCategories: z.array(z.string().max(60)).min(1).describe('Codes from the authority’s concern categories'),
  whatHappened: text(REFERRAL_TEXT_MAX),
  immediacy: z.enum(codesOf(IMMEDIACY_OPTIONS)),
  parentsInformed: z.enum(['yes', 'no']),
  consentGiven: z.enum(['yes', 'no']),
  consentReasonCodes: z.array(z.enum(codesOf(CONSENT_NOT_SOUGHT_REASONS))).default([]).describe('When consent was not sought'),
  consentReasonDetail: text(REFERRAL_TEXT_MAX).default(''),
  lawfulBasisCode: z.enum(codesOf(LAWFUL_BASES)).nullable().default(null).describe('When consent was not sought'),
});

const statusEnum = z.enum(['waiting', 'conversation', 'decided', 'duplicate']).describe('waiting (in the CADS queue), conversation (CADS phoned back), decided, or duplicate (closed as the same incident as another referral)');
const created = z.object({ id: z.string(), reference: z.string(), status: statusEnum, receivedAt: z.string(), dueAt: z.string() });
const repeated = created.extend({
  duplicateOf: z.object({ id: z.string(), reference: z.string() }).describe('The referral already made for this incident'),
  notice: z.string(),
  repeats: z.number().describe('How many times the incident has been sent again'),
});
const statusOut = created.extend({
  statusLabel: z.string(),
  incidentReference: z.string(),
  repeats: z.number(),
  decision: z.string().nullable().describe('Once decided: the decision'),
});

/** The refusal for a body or id that does not fit (422 with field errors; 404 for an id). */
function checkInput(request: FastifyRequest): void {
  const err = request.validationError as (Error & { validation?: { instancePath?: string; message?: string }[]; validationContext?: string }) | undefined;
  if (!err) return;
  if (err.validationContext === 'params') throw notFound('written referral');
  const errors = (err.validation ?? []).map((v) => ({ field: (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.') || 'body', message: v.message ?? 'Not valid' }));
  throw new HttpError(422, 'The referral was not valid', errors.map((e) => `${e.field}: ${e.message}`).join('. ') || 'Check the referral and try again. Nothing was saved.', { errors });
}

export function referralsApiRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const referrals = new ReferralsService(ctx);
  const partner = { access: { roles: ['partner-practitioner'] as Role[] } };

  app.post('/api/v1/referrals', {
    config: partner,
    attachValidation: true,
    schema: {
      summary: 'Send a written referral (emergency services only)',
      description: 'For police and ambulance systems. The same incident reference from the same agency is one referral: sending it again answers 200 with the referral already made and records the repeat. Any other agency is refused (403) and told to phone. A refused body saves nothing.',
      tags, security, body: referralIn,
      response: { 200: repeated, 201: created, 403: problem, 422: problem },
    },
  }, async (request, reply) => {
    const p = request.principal!;
    if (!referrals.acceptedAgency(p)) throw referrals.refusal(p);
    checkInput(request);
    const b = request.body;
    const result = await referrals.submit(p, {
      referrer: b.referrer,
      children: b.children.map((c) => ({ ...c, unborn: c.expectedDateOfBirth !== null && c.dateOfBirth === null })),
      incident: { reference: b.incident.reference, at: new Date(b.incident.at), place: b.incident.place, postcode: b.incident.postcode },
      concernCategories: b.concernCategories, whatHappened: b.whatHappened, immediacy: b.immediacy, parentsInformed: b.parentsInformed, consentGiven: b.consentGiven,
      consentReasonCodes: b.consentReasonCodes, consentReasonDetail: b.consentReasonDetail, lawfulBasisCode: b.lawfulBasisCode ?? '',
    }, 'api', auditContext(request));
    if (!result.ok) {
      const errors = result.errors.map((e) => ({ field: e.path, message: e.message }));
      throw new HttpError(422, 'The referral was not valid', errors.map((e) => `${e.field}: ${e.message}`).join('. '), { errors });
    }
    const r = result.referral;
    const base = { id: r.id, reference: r.reference, status: r.status, receivedAt: r.received_at.toISOString(), dueAt: r.due_at.toISOString() };
    if (result.created) return reply.code(201).send(base);
    return reply.code(200).send({
      ...base,
      duplicateOf: { id: r.id, reference: r.reference },
      notice: `Incident ${r.incident_reference} was already referred as ${r.reference} on ${formatDateTimeLondon(r.received_at)}. This repeat has been recorded on that referral; no new referral was made.`,
      repeats: result.repeats,
    });
  });

  app.get('/api/v1/referrals/:id', {
    config: partner,
    attachValidation: true,
    schema: {
      summary: 'A written referral this agency sent: its status',
      description: 'Only the sending agency can read it, and only its status: not the child’s record.',
      tags, security, params: idParams,
      response: { 200: statusOut, 403: problem, 404: problem },
    },
  }, async (request) => {
    checkInput(request);
    const s = await referrals.forSender(request.principal!, request.params.id, auditContext(request));
    const r = s.referral;
    return {
      id: r.id, reference: r.reference, status: r.status, receivedAt: r.received_at.toISOString(), dueAt: r.due_at.toISOString(),
      statusLabel: s.statusLabel, incidentReference: r.incident_reference, repeats: s.repeats, decision: s.decisionLabel,
    };
  });
}
