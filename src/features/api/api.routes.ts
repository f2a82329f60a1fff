import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { CAN, isRole, type Principal } from '../../platform/auth/roles.js';
import { auditContext } from '../../platform/http/forms.js';
import { HttpError } from '../../platform/http/errors.js';
import { PeopleService } from '../people/people.service.js';
import { WrittenRecordsService } from '../written-records/written-records.service.js';
import { completionListener } from '../conversations/completion.js';
import { ConversationsService, completionProfile, toDraft } from '../conversations/conversations.service.js';
import { validateForCompletion } from '../../domain/conversation-rules.js';
import { normaliseUkPhone } from '../../domain/phone.js';
import type { Person } from '../../platform/db/schema.js';
import { idempotencyKeyOf, isKeyTaken, keepAnswer, requestFingerprint, storedAnswer } from './idempotency.js'; // issue10-G

const uuid = z.string().uuid();
const idParams = z.object({ id: uuid });
const problem = z.object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string(), errors: z.array(z.object({ field: z.string(), message: z.string() })).optional() });

const personOut = z.object({
  id: z.string(),
  givenName: z.string().nullable(),
  familyName: z.string().nullable(),
  dateOfBirth: z.string().nullable(),
  expectedDateOfBirth: z.string().nullable(),
  sex: z.string(),
  ethnicity: z.string().nullable(),
  nhsNumber: z.string().nullable(),
  upn: z.string().nullable(),
  postcode: z.string().nullable(),
  householdId: z.string().nullable(),
  // issue10-F: set on a restricted record withheld from the caller (its name and details are null).
  restricted: z.boolean().optional().describe('A restricted record: known to the service, but its details are withheld. Opening it needs a person to give a reason in Front Door'),
  restrictedReference: z.string().optional().describe('The restricted record’s reference, given instead of its name'),
});
const toPersonOut = (p: Pick<Person, 'id' | 'given_name' | 'family_name' | 'date_of_birth' | 'expected_date_of_birth' | 'sex' | 'ethnicity' | 'nhs_number' | 'upn' | 'postcode' | 'household_id'>) => ({
  id: p.id, givenName: p.given_name, familyName: p.family_name, dateOfBirth: p.date_of_birth,
  expectedDateOfBirth: p.expected_date_of_birth, sex: p.sex, ethnicity: p.ethnicity, nhsNumber: p.nhs_number,
  upn: p.upn, postcode: p.postcode, householdId: p.household_id,
});

const personIn = z.object({
  givenName: z.string().max(100).default(''),
  familyName: z.string().max(100),
  unborn: z.boolean().default(false),
  dateOfBirth: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().describe('YYYY-MM-DD; the expected date when unborn'),
  sex: z.enum(['M', 'F', 'U']).default('U'),
  ethnicity: z.string().optional(),
  nhsNumber: z.string().optional(),
  upn: z.string().optional(),
  addressLine1: z.string().optional(),
  town: z.string().optional(),
  postcode: z.string().optional(),
  schoolSetting: z.string().optional(),
  gpPractice: z.string().optional(),
  firstLanguage: z.string().optional(),
  disabilityCodes: z.array(z.string()).default([]),
  differentChildReason: z.string().max(1000).optional().describe('Required when a record that is likely the same person already exists (the 422 lists them)'),
});

const childIn = z.object({
  personId: uuid,
  whereNow: z.string().max(20000).nullable().default(null),
  safeTonight: z.enum(['yes', 'no', 'unknown']).nullable().default(null),
  outcomeCode: z.string().nullable().default(null),
  levelCode: z.string().nullable().default(null),
  callerAgreed: z.boolean().nullable().default(null),
  disagreementNote: z.string().max(20000).nullable().default(null),
  nextSteps: z.string().max(20000).nullable().default(null),
  nextStepsBy: z.string().max(500).nullable().default(null),
});

const conversationIn = z.object({
  caller: z.object({
    type: z.enum(['professional', 'public']),
    name: z.string().max(200),
    role: z.string().max(200).nullable().default(null),
    agencyCode: z.string().nullable().default(null),
    agencyOther: z.string().max(200).nullable().default(null),
    phone: z.string().max(40).nullable().default(null),
    email: z.string().max(320).nullable().default(null),
  }),
  children: z.array(childIn).min(1).max(20),
  concernCategories: z.array(z.string()).default([]),
  concernDetail: z.string().max(20000).nullable().default(null),
  immediacy: z.enum(['immediate', 'soon', 'not-immediate']).nullable().default(null),
  supportToDate: z.string().max(20000).nullable().default(null),
  parentsInformed: z.enum(['yes', 'no']).nullable().default(null),
  consentGiven: z.enum(['yes', 'no']).nullable().default(null),
  consentReasonCodes: z.array(z.string()).default([]),
  consentReasonDetail: z.string().max(20000).nullable().default(null),
  lawfulBasisCode: z.string().nullable().default(null),
  worries: z.string().max(20000).nullable().default(null),
  strengths: z.string().max(20000).nullable().default(null),
  needsToHappen: z.string().max(20000).nullable().default(null),
  workerEmail: z.string().email().describe('The social worker who held the conversation; it goes on their list'),
  complete: z.boolean().default(false).describe('Validate everything and complete (lock) the record'),
});

const conversationOut = z.object({
  id: z.string(),
  reference: z.string(),
  status: z.enum(['draft', 'completed']),
  version: z.number(),
  startedAt: z.string(),
  decisionDueAt: z.string().nullable(),
  caller: z.object({ type: z.string().nullable(), name: z.string().nullable(), agencyCode: z.string().nullable() }),
  children: z.array(z.object({ personId: z.string(), outcomeCode: z.string().nullable(), levelCode: z.string().nullable(), callerAgreed: z.boolean().nullable() })),
  consentGiven: z.string().nullable(),
  consentReasonCodes: z.array(z.string()),
});

export function apiRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const people = new PeopleService(ctx.db, ctx.clock, ctx.profiles);
  const conversations = new ConversationsService(ctx.db, ctx.clock, ctx.profiles, ctx.calendars, completionListener(ctx));
  const read = { access: { roles: CAN.readChildRecords } };
  const write = { access: { roles: CAN.recordConversations } };
  const security = [{ bearer: [] }];

  app.post('/api/v1/people/search', {
    config: read,
    schema: {
      summary: 'Search for a child before creating one',
      tags: ['people'], security,
      body: z.object({ name: z.string().default(''), dateOfBirth: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(), ageYears: z.number().int().optional(), postcode: z.string().default(''), nhsNumber: z.string().default('') }),
      response: {
        200: z.object({
          results: z.array(z.object({
            person: personOut,
            score: z.number().describe('Match probability as a percentage'),
            probability: z.number(),
            band: z.enum(['very-likely', 'likely', 'possible', 'unlikely']),
            reasons: z.array(z.string()).describe('Plain-English evidence that this is the child'),
            against: z.array(z.string()).describe('Plain-English evidence that it is not'),
          })),
        }),
        400: problem,
      },
    },
  }, async (request) => {
    const b = request.body;
    const [y = '', m = '', d = ''] = b.dateOfBirth ? b.dateOfBirth.split('-') : [];
    const parsed = people.parseSearch({ name: b.name, dobDay: d, dobMonth: m, dobYear: y, age: b.ageYears?.toString() ?? '', postcode: b.postcode, nhsNumber: b.nhsNumber });
    if (!parsed.ok) throw new HttpError(400, 'The search was not valid', parsed.errors.map((e) => e.message).join('. '), { errors: parsed.errors });
    const results = await people.search(request.principal!, parsed.criteria, auditContext(request));
    return { results: results.map((r) => ({ person: toPersonOut(r.person), score: r.score, probability: r.probability, band: r.band, reasons: r.reasons, against: r.against })) };
  });

  app.get('/api/v1/people/:id', {
    config: read,
    schema: { summary: 'A person, with their family links', tags: ['people'], security, params: idParams, response: { 200: personOut.extend({ mergedIntoId: z.string().nullable().describe('Set when this record was merged into another: read that one instead'), family: z.array(z.object({ id: z.string(), relationshipType: z.string(), livesWithChild: z.boolean(), direction: z.string() })) }), 404: problem } },
  }, async (request) => {
    const v = await people.view(request.principal!, request.params.id, auditContext(request));
    return { ...toPersonOut(v.person), mergedIntoId: v.person.merged_into_id ?? null, family: v.family.map((f) => ({ id: f.id, relationshipType: f.relationship_type, livesWithChild: f.lives_with_child, direction: f.direction })) };
  });

  app.post('/api/v1/people', {
    config: read,
    schema: { summary: 'Create a person (search first)', tags: ['people'], security, body: personIn, response: { 201: z.object({ id: z.string() }), 422: problem } },
  }, async (request, reply) => {
    const b = request.body;
    const [y = '', m = '', d = ''] = b.dateOfBirth ? b.dateOfBirth.split('-') : [];
    const created = await people.create(request.principal!, {
      givenName: b.givenName, familyName: b.familyName, aliasGiven: '', aliasFamily: '', unborn: b.unborn,
      dob: { day: d, month: m, year: y }, sex: b.sex, ethnicity: b.ethnicity ?? '', nhsNumber: b.nhsNumber ?? '', upn: b.upn ?? '',
      addressLine1: b.addressLine1 ?? '', addressLine2: '', town: b.town ?? '', postcode: b.postcode ?? '', schoolSetting: b.schoolSetting ?? '',
      gpPractice: b.gpPractice ?? '', firstLanguage: b.firstLanguage ?? '', interpreterNeeded: '', disabilityCodes: b.disabilityCodes,
    }, auditContext(request), { differentChildReason: b.differentChildReason ?? null });
    if (!created.ok) {
      throw new HttpError(422, 'The person was not valid', created.errors.map((e) => e.message).join('. '), {
        errors: created.errors,
        ...(created.likely ? { likelyExisting: created.likely.map((l) => ({ personId: l.person.id, probability: l.probability, reasons: l.reasons })) } : {}),
      });
    }
    return reply.code(201).send({ id: created.id });
  });

  app.get('/api/v1/people/:id/chronology', {
    config: read,
    schema: { summary: "A child's chronology and accumulation flags", tags: ['people'], security, params: idParams, response: { 200: z.object({ entries: z.array(z.object({ conversationId: z.string(), reference: z.string(), startedAt: z.string(), aboutThisChild: z.boolean(), children: z.array(z.object({ personId: z.string(), outcomeCode: z.string().nullable() })) })), flags: z.array(z.object({ message: z.string(), conversationIds: z.array(z.string()) })) }), 404: problem } },
  }, async (request) => {
    const c = await people.chronology(request.principal!, request.params.id, auditContext(request));
    return {
      entries: c.entries.map((e) => ({ conversationId: e.conversationId, reference: e.reference, startedAt: e.startedAt.toISOString(), aboutThisChild: e.aboutThisChild, children: e.children.map((x) => ({ personId: x.personId, outcomeCode: x.outcomeCode })) })),
      flags: c.flags.map((f) => ({ message: f.message, conversationIds: f.conversationIds })),
    };
  });

  app.get('/api/v1/outcomes', {
    config: { access: { roles: CAN.everyone } },
    schema: { summary: "The authority's outcome list", tags: ['conversations'], security, response: { 200: z.object({ outcomes: z.array(z.object({ code: z.string(), label: z.string(), requiresDecision: z.boolean() })) }) } },
  }, async (request) => ({ outcomes: ctx.profiles.get(request.principal!.authorityId).outcomes.map((o) => ({ code: o.code, label: o.label, requiresDecision: o.requiresDecision })) }));

  app.post('/api/v1/conversations', {
    config: write,
    schema: {
      summary: 'Record a conversation, optionally completing it',
      // issue10-G
      description: 'Send an Idempotency-Key header (a UUID, say) to make a retry safe: the same key with the same body gives back the first answer (header idempotent-replayed: true) and saves nothing new; the same key with a different body is refused with 422.',
      tags: ['conversations'], security, body: conversationIn,
      headers: z.object({ 'idempotency-key': z.string().optional().describe('1–200 visible ASCII characters; one per conversation (issue10-G)') }).passthrough(),
      response: { 201: z.object({ id: z.string(), reference: z.string(), status: z.string() }), 400: problem, 404: problem, 422: problem },
    },
  }, async (request, reply) => {
    const b = request.body;
    // issue10-G: a retry with the same Idempotency-Key gets the first answer back and saves nothing new.
    const idempotencyKey = idempotencyKeyOf(request.headers);
    const fingerprint = idempotencyKey ? requestFingerprint(b) : '';
    const replay = async () => {
      const stored = idempotencyKey ? await storedAnswer(ctx.db, request.principal!, idempotencyKey, fingerprint) : null;
      if (stored) reply.header('idempotent-replayed', 'true');
      return stored ? reply.code(stored.status as 201).send(stored.body) : null;
    };
    const replayed = await replay();
    if (replayed) return replayed;
    // The integration is the actor (and is audited as such); the worker who took the call owns the record.
    const worker = await ctx.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', ['email']), '=', b.workerEmail.toLowerCase()))
      .where('authority_id', '=', request.principal!.authorityId)
      .where('disabled_at', 'is', null)
      .executeTakeFirst();
    if (!worker || !isRole(worker.role) || !CAN.recordConversations.includes(worker.role)) {
      throw new HttpError(422, 'Unknown worker', 'workerEmail must be an active worker of this authority who records conversations.', { errors: [{ field: 'workerEmail', message: 'Unknown worker' }] });
    }
    const p: Principal = { kind: 'user', id: worker.id, authorityId: worker.authority_id, role: worker.role, displayName: worker.display_name, agencyCode: worker.agency_code, teamId: worker.team_id, email: worker.email };
    const profile = ctx.profiles.get(p.authorityId);
    const phone = b.caller.phone ? normaliseUkPhone(b.caller.phone)?.national ?? b.caller.phone : null;
    const version = {
      caller_type: b.caller.type, caller_name: b.caller.name, caller_role: b.caller.role, caller_agency_code: b.caller.agencyCode,
      caller_agency_other: b.caller.agencyOther, caller_phone: phone, caller_email: b.caller.email,
      concern_categories: b.concernCategories, concern_detail: b.concernDetail, immediacy: b.immediacy, support_to_date: b.supportToDate,
      parents_informed: b.parentsInformed, consent_given: b.consentGiven, consent_reason_codes: b.consentReasonCodes,
      consent_reason_detail: b.consentReasonDetail, lawful_basis_code: b.lawfulBasisCode, worries: b.worries, strengths: b.strengths, needs_to_happen: b.needsToHappen,
    };
    const childRows = b.children.map((c, i) => ({
      person_id: c.personId, position: i, where_now: c.whereNow, safe_tonight: c.safeTonight, outcome_code: c.outcomeCode, caller_agreed: c.callerAgreed,
      disagreement_note: c.disagreementNote, next_steps: c.nextSteps, next_steps_by: c.nextStepsBy, level_code: c.levelCode,
    }));
    // Check everything before writing anything, so a rejected request leaves nothing behind.
    if (b.complete) {
      const errors = validateForCompletion(
        toDraft({ ...version, conversation_id: '', version: 1, status: 'draft', amendment_reason: null, created_by: p.id, created_at: new Date(), updated_at: new Date(), completed_at: null, completed_by: null } as never, childRows.map((c) => ({ ...c, conversation_id: '', version: 1, given_name: null, family_name: null, date_of_birth: null, expected_date_of_birth: null })) as never),
        completionProfile(profile),
      );
      if (errors.length) throw new HttpError(422, 'The conversation is not complete', errors.map((e) => e.message).join('. '), { errors });
    }
    // issue10-G: the key is kept in the conversation's transaction; losing a race for it means the other request saved it.
    let result;
    try {
      result = await conversations.createWhole(p, version, childRows, b.complete, auditContext(request), idempotencyKey
        ? (tx, saved) => keepAnswer(tx, request.principal!, idempotencyKey, fingerprint, saved.id, { status: 201, body: saved })
        : undefined);
    } catch (err) {
      if (!isKeyTaken(err)) throw err;
      const answer = await replay();
      if (!answer) throw err;
      return answer;
    }
    return reply.code(201).send(result);
  });

  app.get('/api/v1/conversations/:id', {
    config: read,
    schema: { summary: 'A conversation (current version) with its outcomes', tags: ['conversations'], security, params: idParams, response: { 200: conversationOut, 404: problem } },
  }, async (request) => {
    const v = await conversations.view(request.principal!, request.params.id, auditContext(request));
    return {
      id: v.conversation.id, reference: v.conversation.reference, status: v.conversation.status, version: v.version.version,
      startedAt: v.conversation.started_at.toISOString(), decisionDueAt: v.conversation.decision_due_at?.toISOString() ?? null,
      caller: { type: v.version.caller_type, name: v.version.caller_name, agencyCode: v.version.caller_agency_code },
      children: v.children.map((c) => ({ personId: c.person_id, outcomeCode: c.outcome_code, levelCode: c.level_code, callerAgreed: c.caller_agreed })),
      consentGiven: v.version.consent_given, consentReasonCodes: v.version.consent_reason_codes,
    };
  });
}
