import { randomUUID } from 'node:crypto';
import type { CompletionListener } from '../conversations/conversations.service.js';
import type { AppContext } from '../../platform/context.js';
import type { Database, Tx } from '../../platform/db/database.js';
import type { MashEnquiryRow, Rag } from '../../platform/db/schema.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { ragDeadline, timeLeft, deadlineState, countdownWords, type RagTarget } from '../../domain/mash-deadlines.js';
import { isIsoDate, londonDateOf, todayInLondon } from '../../domain/dates.js';
import { LAWFUL_BASES, isCodeIn } from '../../domain/codes.js';
import type { FieldError } from '../../domain/person-rules.js';
import { MashRepository } from './mash.repository.js';

export const TEXT_MAX = 5000;
export const RAGS: readonly Rag[] = ['red', 'amber', 'green'];

export type Refusal = { ok: false; errors: FieldError[] };

/** Who may do what in the MASH. The routes say the same; the service checks again. */
export const MASH_ROLES = {
  create: ['team-manager', 'mash-coordinator'] as Role[],
  rate: ['team-manager', 'mash-coordinator'] as Role[],
  send: ['team-manager', 'mash-coordinator'] as Role[],
  collate: ['cads-worker', 'team-manager', 'mash-coordinator'] as Role[],
  decide: ['team-manager'] as Role[],
  respond: ['partner-practitioner'] as Role[],
};

export interface ResponseInput {
  kind: string;
  nothingKnown: boolean;
  holds: string | null;
  sourceSystem: string | null;
  checkedOn: string | null;
  riskInformation: string | null;
  lawfulBasisCode: string | null;
  correctsId?: string | null;
}

function forbidden(): HttpError {
  return new HttpError(403, 'You cannot do this', 'Your role does not allow this in the MASH.');
}

function conflict(): HttpError {
  return new HttpError(409, 'Someone else changed this enquiry', 'Another person changed this MASH enquiry while you were working on it. Reload it to see their change, then try again.');
}

function must(principal: Principal, roles: Role[]): void {
  if (!roles.includes(principal.role)) throw forbidden();
}

function actor(principal: Principal): string | null {
  return principal.kind === 'user' ? principal.id : null;
}

function text(v: string | null | undefined): string {
  return (v ?? '').trim();
}

function selfAudit(principal: Principal): AuditContext {
  return { principal, ip: null, requestId: null };
}

/**
 * The MASH: enquiries, their RAG rating and deadline, check requests to partner agencies, the
 * agencies' (immutable) responses, collation and the manager's decision. Every read of a child's
 * details and every change is audited in the same transaction. Every query is scoped to the
 * principal's authority (and, for partners, to their agency); anything else is "not found".
 */
export class MashService {
  readonly repo = new MashRepository();
  constructor(private readonly ctx: AppContext) {}

  private get db(): Database {
    return this.ctx.db;
  }

  private mashProfile(authorityId: string) {
    return this.ctx.profiles.get(authorityId).mash;
  }

  private target(authorityId: string, rag: Rag): RagTarget {
    const r = this.mashProfile(authorityId).ratings.find((x) => x.code === rag);
    if (!r) throw new HttpError(422, 'Rating not used here', `This authority does not use the ${rag} rating.`);
    return r.target;
  }

  /** The authorities a partner serves through the hub. For now: their own. */
  private servedAuthorities(principal: Principal): string[] {
    return [principal.authorityId];
  }

  private async insertEnquiry(
    tx: Tx,
    authorityId: string,
    input: { childIds: string[]; reason: string; questions: string; conversationId: string | null },
    createdBy: string | null,
    audit: AuditContext,
  ): Promise<MashEnquiryRow> {
    const childIds = [...new Set(input.childIds)];
    const people = await this.repo.peopleIn(tx, authorityId, childIds);
    if (people.length !== childIds.length) throw notFound('child or person');
    const mash = this.mashProfile(authorityId);
    const now = this.ctx.clock.now();
    const n = await this.repo.nextReferenceNumber(tx);
    // The authority's own reference prefix, as conversations use (NFK-MASH-2026-000001).
    const prefix = this.ctx.profiles.get(authorityId).service.referencePrefix;
    const reference = `${prefix}-MASH-${londonDateOf(now).slice(0, 4)}-${String(n).padStart(6, '0')}`;
    const id = randomUUID();
    await this.repo.insertEnquiry(tx, {
      id, authority_id: authorityId, hub_id: mash.hub.id, reference, conversation_id: input.conversationId,
      reason: input.reason, questions: input.questions, status: 'awaiting-rating', created_by: createdBy, created_at: now,
    });
    await this.repo.insertChildren(tx, id, childIds);
    await recordAudit(tx, audit, { action: 'mash.enquiry-created', enquiryId: id, personIds: childIds, details: { reference, conversationId: input.conversationId } });
    return (await this.repo.findEnquiry(tx, authorityId, id))!;
  }

  /**
   * An enquiry for the children of a completed conversation whose outcome is MASH checks, in the
   * conversation's own transaction. The coordinator rates it next.
   */
  async createFromConversation(
    tx: Tx,
    conversation: { id: string; authority_id: string; reference: string },
    childIds: string[],
    createdBy: string | null,
    audit: AuditContext = { principal: null, ip: null, requestId: null },
  ): Promise<MashEnquiryRow> {
    return this.insertEnquiry(
      tx,
      conversation.authority_id,
      {
        childIds,
        reason: `MASH checks agreed in conversation ${conversation.reference}`,
        questions: 'What does each agency know about the children and their household, and is there any risk information?',
        conversationId: conversation.id,
      },
      createdBy,
      audit,
    );
  }

  /**
   * Called inside the transaction that completes a conversation version: the children whose agreed
   * outcome starts a MASH enquiry (the profile's `startsMashEnquiry`) get one, from that conversation.
   * A corrected version does not open a second enquiry: children newly given that outcome join the first.
   */
  async onConversationCompleted(tx: Tx, conversation: { id: string; authority_id: string; reference: string }, version: number, createdBy: string | null): Promise<void> {
    const profile = this.ctx.profiles.get(conversation.authority_id);
    const codes = profile.outcomes.filter((o) => o.startsMashEnquiry).map((o) => o.code);
    if (codes.length === 0) return;
    const children = await tx
      .selectFrom('conversation_children')
      .select('person_id')
      .where('conversation_id', '=', conversation.id)
      .where('version', '=', version)
      .where('outcome_code', 'in', codes)
      .orderBy('position')
      .execute();
    if (children.length === 0) return;
    const childIds = children.map((c) => c.person_id);
    const existing = await tx.selectFrom('mash_enquiries').select('id').where('conversation_id', '=', conversation.id).executeTakeFirst();
    if (existing) {
      await this.repo.insertChildren(tx, existing.id, childIds);
      return;
    }
    await this.createFromConversation(tx, conversation, childIds, createdBy);
  }

  /** An enquiry opened by a team manager or MASH coordinator. */
  async create(
    principal: Principal,
    input: { childIds: string[]; reason: string; questions: string; conversationId?: string | null },
    audit: AuditContext = selfAudit(principal),
  ): Promise<{ ok: true; enquiry: MashEnquiryRow } | Refusal> {
    must(principal, MASH_ROLES.create);
    const errors: FieldError[] = [];
    if (!input.childIds.length) errors.push({ field: 'children', message: 'Select at least one child' });
    if (!text(input.reason)) errors.push({ field: 'reason', message: 'Enter why the MASH needs to check with partner agencies' });
    else if (input.reason.length > TEXT_MAX) errors.push({ field: 'reason', message: `The reason must be ${TEXT_MAX} characters or fewer` });
    if (!text(input.questions)) errors.push({ field: 'questions', message: 'Enter the questions the agencies should answer' });
    else if (input.questions.length > TEXT_MAX) errors.push({ field: 'questions', message: `The questions must be ${TEXT_MAX} characters or fewer` });
    if (errors.length) return { ok: false, errors };
    return this.db.transaction().execute(async (tx) => {
      if (input.conversationId) {
        const c = await tx.selectFrom('conversations').select('id').where('authority_id', '=', principal.authorityId).where('id', '=', input.conversationId).executeTakeFirst();
        if (!c) throw notFound('conversation');
      }
      const enquiry = await this.insertEnquiry(
        tx, principal.authorityId,
        { childIds: input.childIds, reason: text(input.reason), questions: text(input.questions), conversationId: input.conversationId ?? null },
        actor(principal), audit,
      );
      return { ok: true as const, enquiry };
    });
  }

  /** An enquiry with its children and rating history, for MASH staff. Audited: it names the children. */
  async view(principal: Principal, enquiryId: string, audit: AuditContext = selfAudit(principal)) {
    must(principal, MASH_ROLES.collate);
    return this.db.transaction().execute(async (tx) => {
      const enquiry = await this.repo.findEnquiry(tx, principal.authorityId, enquiryId);
      if (!enquiry) throw notFound('MASH enquiry');
      const childIds = await this.repo.childIds(tx, enquiryId);
      await recordAudit(tx, audit, { action: 'mash.enquiry-viewed', enquiryId, personIds: childIds });
      return { enquiry, childIds, ratingChanges: await this.repo.ratingChanges(tx, enquiryId), requests: await this.repo.requests(tx, enquiryId) };
    });
  }

  /**
   * Sets or changes the RAG rating. The first rating needs no reason; a change does. The deadline
   * always runs from when the enquiry was created (created_at), on the new rating's clock: changing
   * the rating keeps the original start, so a case moved from amber to red becomes due sooner rather
   * than getting a fresh four hours. Every open request's deadline moves with it.
   */
  async rate(
    principal: Principal,
    enquiryId: string,
    rag: string,
    reason: string | null,
    lockVersion: number,
    audit: AuditContext = selfAudit(principal),
  ): Promise<{ ok: true; dueAt: Date } | Refusal> {
    must(principal, MASH_ROLES.rate);
    if (!RAGS.includes(rag as Rag)) return { ok: false, errors: [{ field: 'rag', message: 'Select red, amber or green' }] };
    const to = rag as Rag;
    const target = this.target(principal.authorityId, to);
    return this.db.transaction().execute(async (tx): Promise<{ ok: true; dueAt: Date } | Refusal> => {
      const e = await this.repo.lockEnquiry(tx, principal.authorityId, enquiryId);
      if (!e) throw notFound('MASH enquiry');
      if (e.lock_version !== lockVersion) throw conflict();
      if (e.status === 'closed') return { ok: false, errors: [{ field: 'rag', message: 'This enquiry has been decided: its rating can no longer change' }] };
      const why = text(reason);
      if (e.rag) {
        if (e.rag === to) return { ok: false, errors: [{ field: 'rag', message: `The enquiry is already rated ${to}` }] };
        if (!why) return { ok: false, errors: [{ field: 'reason', message: 'Enter why the rating is changing' }] };
        if (why.length > TEXT_MAX) return { ok: false, errors: [{ field: 'reason', message: `The reason must be ${TEXT_MAX} characters or fewer` }] };
      }
      const now = this.ctx.clock.now();
      // From the enquiry's creation, not from now: see above.
      const dueAt = ragDeadline(target, e.created_at, this.ctx.calendars.forAuthority(principal.authorityId));
      const res = await this.repo.setRating(tx, e.id, lockVersion, {
        rag: to, rated_at: now, rated_by: actor(principal), due_at: dueAt, ...(e.status === 'awaiting-rating' ? { status: 'checks' as const } : {}),
      });
      if (Number(res.numUpdatedRows) !== 1) throw conflict();
      await this.repo.insertRatingChange(tx, {
        id: randomUUID(), enquiry_id: e.id, from_rag: e.rag, to_rag: to, reason: e.rag ? why : why || null,
        changed_by: actor(principal), changed_at: now, due_before: e.due_at, due_after: dueAt,
      });
      await this.repo.redueOpenRequests(tx, e.id, dueAt);
      const childIds = await this.repo.childIds(tx, e.id);
      await recordAudit(tx, audit, { action: 'mash.rated', enquiryId: e.id, personIds: childIds, details: { from: e.rag, to, reason: why || null, dueAt: dueAt.toISOString() } });
      return { ok: true, dueAt };
    });
  }

  /** Sends a check request to each chosen agency, due when the enquiry is. Sending again to an agency already asked does nothing. */
  async sendRequests(
    principal: Principal,
    enquiryId: string,
    agencyCodes: string[],
    audit: AuditContext = selfAudit(principal),
  ): Promise<{ ok: true; sent: string[] } | Refusal> {
    must(principal, MASH_ROLES.send);
    const allowed = new Set(this.mashProfile(principal.authorityId).checkAgencies.map((a) => a.code));
    const codes = [...new Set(agencyCodes)];
    return this.db.transaction().execute(async (tx): Promise<{ ok: true; sent: string[] } | Refusal> => {
      const e = await this.repo.lockEnquiry(tx, principal.authorityId, enquiryId);
      if (!e) throw notFound('MASH enquiry');
      const unknown = codes.filter((c) => !allowed.has(c));
      if (unknown.length) throw new HttpError(422, 'Unknown agency', `The MASH cannot ask ${unknown.join(', ')} for checks: choose from the agencies in the list.`, { errors: [{ field: 'agencies', message: 'Choose agencies from the list' }] });
      if (!codes.length) return { ok: false, errors: [{ field: 'agencies', message: 'Select at least one agency' }] };
      if (!e.rag || !e.due_at) return { ok: false, errors: [{ field: 'rag', message: 'Rate the enquiry red, amber or green before asking agencies for checks' }] };
      if (e.status === 'closed') return { ok: false, errors: [{ field: 'agencies', message: 'This enquiry has been decided' }] };
      const now = this.ctx.clock.now();
      const inserted = await this.repo.insertRequests(
        tx,
        codes.map((agency_code) => ({ id: randomUUID(), enquiry_id: e.id, authority_id: e.authority_id, agency_code, due_at: e.due_at!, sent_at: now, sent_by: actor(principal), status: 'open' as const })),
      );
      const sent = inserted.map((r) => r.agency_code);
      if (sent.length) {
        if (e.status !== 'checks') await this.repo.setStatus(tx, e.id, 'checks');
        await recordAudit(tx, audit, { action: 'mash.requests-sent', enquiryId: e.id, personIds: await this.repo.childIds(tx, e.id), details: { agencyCodes: sent } });
      }
      return { ok: true, sent };
    });
  }

  /**
   * A partner practitioner's requests: only their agency's, only in the authorities they serve, and
   * for each only what they need to search their systems – the names, dates of birth and addresses
   * of the children and their households. Never the concern, the outcome or anything else.
   */
  async requestsForAgency(principal: Principal, audit: AuditContext = selfAudit(principal)) {
    must(principal, MASH_ROLES.respond);
    const agency = principal.agencyCode;
    if (!agency) throw forbidden();
    const now = this.ctx.clock.now();
    return this.db.transaction().execute(async (tx) => {
      const authorities = this.servedAuthorities(principal);
      const rows = await this.repo.requestsForAgency(tx, authorities, agency);
      const people = (
        await Promise.all(authorities.map((a) => this.repo.searchDetails(tx, a, [...new Set(rows.filter((r) => r.authority_id === a).map((r) => r.enquiry_id))])))
      ).flat();
      const result = rows.map((r) => {
        const calendar = this.ctx.calendars.forAuthority(r.authority_id);
        const mash = this.mashProfile(r.authority_id);
        const clock = r.rag ? this.target(r.authority_id, r.rag).clock : 'working-hours';
        const left = timeLeft(clock, now, r.due_at, calendar);
        const seen = new Set<string>();
        const household = people
          .filter((p) => p.enquiry_id === r.enquiry_id && !seen.has(p.id) && seen.add(p.id))
          .map((p) => ({
            personId: p.id,
            isChild: p.id === p.child_id || people.some((q) => q.enquiry_id === r.enquiry_id && q.child_id === p.id),
            givenName: p.given_name, familyName: p.family_name,
            dateOfBirth: p.date_of_birth, expectedDateOfBirth: p.expected_date_of_birth,
            address: { line1: p.address_line_1, line2: p.address_line_2, town: p.town, postcode: p.postcode },
          }));
        return {
          id: r.id, reference: r.reference, authorityId: r.authority_id, agencyCode: r.agency_code, status: r.status,
          sentAt: r.sent_at, dueAt: r.due_at, answeredAt: r.answered_at,
          deadline: deadlineState(clock, r.due_at, now, r.answered_at, calendar, mash.dueSoonMinutes * 60_000),
          timeLeft: left, countdown: countdownWords(left),
          people: household,
        };
      });
      if (result.length) {
        await recordAudit(tx, audit, {
          action: 'mash.requests-viewed',
          personIds: [...new Set(result.flatMap((r) => r.people.map((p) => p.personId)))],
          details: { agencyCode: agency, requestIds: result.map((r) => r.id) },
        });
      }
      return result;
    });
  }

  /**
   * An agency's answer to a request: a response (or "nothing known"), a question back to the MASH
   * (the request stays open), or a correction of an earlier response of the same request. Each is a
   * new row that is never changed.
   */
  async respond(
    principal: Principal,
    requestId: string,
    input: ResponseInput,
    audit: AuditContext = selfAudit(principal),
  ): Promise<{ ok: true; responseId: string } | Refusal> {
    must(principal, MASH_ROLES.respond);
    const agency = principal.agencyCode;
    if (!agency || principal.kind !== 'user') throw forbidden();
    const now = this.ctx.clock.now();
    return this.db.transaction().execute(async (tx): Promise<{ ok: true; responseId: string } | Refusal> => {
      const req = await this.repo.lockRequestForAgency(tx, this.servedAuthorities(principal), agency, requestId);
      if (!req) throw notFound('check request');
      const errors = this.validateResponse(input, now);
      if (input.kind === 'correction' && !errors.some((e) => e.field === 'correctsId')) {
        const earlier = input.correctsId ? await this.repo.findResponse(tx, req.id, input.correctsId) : undefined;
        if (!earlier) errors.push({ field: 'correctsId', message: 'Choose which of your agency’s earlier responses to this request you are correcting' });
      }
      if (req.status === 'withdrawn') errors.push({ field: 'kind', message: 'This request has been withdrawn' });
      if (errors.length) return { ok: false, errors };
      const isQuestion = input.kind === 'question';
      const responseId = randomUUID();
      await this.repo.insertResponse(tx, {
        id: responseId, request_id: req.id, kind: input.kind as 'response' | 'question' | 'correction',
        nothing_known: !isQuestion && input.nothingKnown,
        holds: text(input.holds) || null,
        source_system: isQuestion ? null : text(input.sourceSystem),
        checked_on: isQuestion ? null : input.checkedOn,
        risk_information: isQuestion ? null : text(input.riskInformation) || null,
        lawful_basis_code: isQuestion ? null : input.lawfulBasisCode,
        corrects_id: input.kind === 'correction' ? input.correctsId! : null,
        responded_by: principal.id, responded_at: now,
      });
      if (!isQuestion) {
        await this.repo.markAnswered(tx, req.id, now);
        if ((await this.repo.openRequestCount(tx, req.enquiry_id)) === 0) {
          const e = await this.repo.findEnquiry(tx, req.authority_id, req.enquiry_id);
          if (e && e.status === 'checks') await this.repo.setStatus(tx, e.id, 'collation');
        }
      }
      await recordAudit(tx, audit, {
        action: 'mash.response-recorded', enquiryId: req.enquiry_id, personIds: await this.repo.childIds(tx, req.enquiry_id),
        details: { requestId: req.id, responseId, kind: input.kind, agencyCode: agency },
      });
      return { ok: true, responseId };
    });
  }

  private validateResponse(input: ResponseInput, now: Date): FieldError[] {
    const errors: FieldError[] = [];
    const long = (field: string, v: string | null, label: string) => {
      if (v && v.length > TEXT_MAX) errors.push({ field, message: `${label} must be ${TEXT_MAX} characters or fewer` });
    };
    if (!['response', 'question', 'correction'].includes(input.kind)) {
      return [{ field: 'kind', message: 'Select whether this is a response, a question or a correction' }];
    }
    if (input.kind === 'question') {
      // A question back to the MASH is written in `holds`.
      if (!text(input.holds)) errors.push({ field: 'holds', message: 'Enter your question for the MASH' });
      long('holds', input.holds, 'The question');
      return errors;
    }
    if (input.kind === 'correction' && !input.correctsId) errors.push({ field: 'correctsId', message: 'Choose which earlier response you are correcting' });
    if (input.nothingKnown && text(input.holds)) errors.push({ field: 'holds', message: 'You said nothing is known: remove what your agency holds, or untick "nothing known"' });
    if (!input.nothingKnown && !text(input.holds)) errors.push({ field: 'holds', message: 'Enter what your agency holds, or select "nothing known"' });
    long('holds', input.holds, 'What your agency holds');
    if (!text(input.sourceSystem)) errors.push({ field: 'sourceSystem', message: 'Enter the system you searched' });
    else if (input.sourceSystem!.length > 200) errors.push({ field: 'sourceSystem', message: 'The system must be 200 characters or fewer' });
    if (!input.checkedOn) errors.push({ field: 'checkedOn', message: 'Enter the date you checked' });
    else if (!isIsoDate(input.checkedOn)) errors.push({ field: 'checkedOn', message: 'The date checked must be a real date' });
    else if (input.checkedOn > todayInLondon(now)) errors.push({ field: 'checkedOn', message: 'The date checked must be today or in the past' });
    long('riskInformation', input.riskInformation, 'The risk information');
    if (!isCodeIn(LAWFUL_BASES, input.lawfulBasisCode)) errors.push({ field: 'lawfulBasisCode', message: 'Select the lawful basis for sharing' });
    return errors;
  }

  /** Every request and its responses, side by side per agency, with the enquiry's children. Audited. */
  async collation(principal: Principal, enquiryId: string, audit: AuditContext = selfAudit(principal)) {
    must(principal, MASH_ROLES.collate);
    const now = this.ctx.clock.now();
    return this.db.transaction().execute(async (tx) => {
      const enquiry = await this.repo.findEnquiry(tx, principal.authorityId, enquiryId);
      if (!enquiry) throw notFound('MASH enquiry');
      const childIds = await this.repo.childIds(tx, enquiryId);
      const requests = await this.repo.requests(tx, enquiryId);
      const responses = await this.repo.responses(tx, requests.map((r) => r.id));
      const calendar = this.ctx.calendars.forAuthority(principal.authorityId);
      const mash = this.mashProfile(principal.authorityId);
      const clock = enquiry.rag ? this.target(principal.authorityId, enquiry.rag).clock : 'working-hours';
      const agencies = requests.map((r) => {
        const left = timeLeft(clock, now, r.due_at, calendar);
        return {
          request: r,
          agencyLabel: mash.checkAgencies.find((a) => a.code === r.agency_code)?.label ?? r.agency_code,
          deadline: deadlineState(clock, r.due_at, now, r.answered_at, calendar, mash.dueSoonMinutes * 60_000),
          countdown: countdownWords(left),
          responses: responses.filter((x) => x.request_id === r.id).map((x) => ({ ...x, correctedBy: responses.filter((y) => y.corrects_id === x.id).map((y) => y.id) })),
        };
      });
      await recordAudit(tx, audit, { action: 'mash.collation-viewed', enquiryId, personIds: childIds });
      return { enquiry, childIds, agencies };
    });
  }

  /** The MASH social worker's analysis: risks, strengths and what is unknown. Moves the enquiry to decision. */
  async saveAnalysis(
    principal: Principal,
    enquiryId: string,
    input: { risks: string; strengths: string; unknowns: string },
    lockVersion: number,
    audit: AuditContext = selfAudit(principal),
  ): Promise<{ ok: true } | Refusal> {
    must(principal, MASH_ROLES.collate);
    const errors: FieldError[] = [];
    for (const [field, v, label] of [['risks', input.risks, 'the risks'], ['strengths', input.strengths, 'the strengths'], ['unknowns', input.unknowns, 'what is unknown']] as const) {
      if (!text(v)) errors.push({ field, message: `Enter ${label}` });
      else if (v.length > TEXT_MAX) errors.push({ field, message: `This must be ${TEXT_MAX} characters or fewer` });
    }
    if (errors.length) return { ok: false, errors };
    return this.db.transaction().execute(async (tx): Promise<{ ok: true } | Refusal> => {
      const e = await this.repo.lockEnquiry(tx, principal.authorityId, enquiryId);
      if (!e) throw notFound('MASH enquiry');
      if (e.lock_version !== lockVersion) throw conflict();
      if (e.status === 'closed') return { ok: false, errors: [{ field: 'risks', message: 'This enquiry has been decided' }] };
      const res = await this.repo.saveAnalysis(tx, e.id, lockVersion, {
        analysis_risks: text(input.risks), analysis_strengths: text(input.strengths), analysis_unknowns: text(input.unknowns),
        analysed_by: actor(principal), analysed_at: this.ctx.clock.now(),
      });
      if (Number(res.numUpdatedRows) !== 1) throw conflict();
      await recordAudit(tx, audit, { action: 'mash.analysis-saved', enquiryId: e.id, personIds: await this.repo.childIds(tx, e.id) });
      return { ok: true };
    });
  }

  /** The team manager's decision, from the authority's MASH outcomes, with a rationale. Closes the enquiry. */
  async decide(
    principal: Principal,
    enquiryId: string,
    decisionCode: string,
    rationale: string,
    lockVersion?: number,
    audit: AuditContext = selfAudit(principal),
  ): Promise<{ ok: true } | Refusal> {
    must(principal, MASH_ROLES.decide);
    const errors: FieldError[] = [];
    if (!this.mashProfile(principal.authorityId).outcomes.some((o) => o.code === decisionCode)) errors.push({ field: 'decisionCode', message: 'Select what happens next' });
    if (!text(rationale)) errors.push({ field: 'rationale', message: 'Enter the reasons for the decision' });
    else if (rationale.length > TEXT_MAX) errors.push({ field: 'rationale', message: `The reasons must be ${TEXT_MAX} characters or fewer` });
    if (errors.length) return { ok: false, errors };
    return this.db.transaction().execute(async (tx): Promise<{ ok: true } | Refusal> => {
      const e = await this.repo.lockEnquiry(tx, principal.authorityId, enquiryId);
      if (!e) throw notFound('MASH enquiry');
      if (lockVersion !== undefined && e.lock_version !== lockVersion) throw conflict();
      if (e.status === 'closed') return { ok: false, errors: [{ field: 'decisionCode', message: 'This enquiry has already been decided' }] };
      if (!e.rag) return { ok: false, errors: [{ field: 'decisionCode', message: 'Rate the enquiry before deciding it' }] };
      const res = await this.repo.decide(tx, e.id, e.lock_version, {
        decision_code: decisionCode, decision_rationale: text(rationale), decided_by: actor(principal), decided_at: this.ctx.clock.now(),
      });
      if (Number(res.numUpdatedRows) !== 1) throw conflict();
      await recordAudit(tx, audit, { action: 'mash.decided', enquiryId: e.id, personIds: await this.repo.childIds(tx, e.id), details: { decisionCode } });
      return { ok: true };
    });
  }

  /** Open requests past their deadline, across every authority, for the overdue alert job. No children's details. */
  async overdueRequests(now: Date = this.ctx.clock.now()) {
    const rows = await this.repo.overdue(this.db, now);
    return rows.map((r) => ({ ...r, overdueBy: countdownWords(r.due_at.getTime() - now.getTime()) }));
  }
}

/**
 * The conversation completion listener with MASH enquiries added: the written record is queued as
 * before, then enquiries are opened for the children whose outcome asks for one, in the same transaction.
 */
export function withMashEnquiries(ctx: AppContext, inner: CompletionListener): CompletionListener {
  const mash = new MashService(ctx);
  return {
    async queueOnCompletion(tx, conversation, version, recipient, requestedBy) {
      const queued = await inner.queueOnCompletion(tx, conversation, version, recipient, requestedBy);
      await mash.onConversationCompleted(tx, conversation, version, requestedBy);
      return queued;
    },
  };
}
