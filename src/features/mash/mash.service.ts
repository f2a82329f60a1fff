import { randomUUID } from 'node:crypto';
import type { CompletionListener } from '../conversations/conversations.service.js';
import type { AppContext } from '../../platform/context.js';
import type { Database, Executor, Tx } from '../../platform/db/database.js';
import type { MashEnquiryRow, Rag } from '../../platform/db/schema.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { ragDeadline, timeLeft, deadlineState, countdownWords, type RagTarget } from '../../domain/mash-deadlines.js';
import { isIsoDate, londonDateOf, todayInLondon } from '../../domain/dates.js';
import { LAWFUL_BASES, isCodeIn } from '../../domain/codes.js';
import type { FieldError } from '../../domain/person-rules.js';
import { MashRepository } from './mash.repository.js';
import { enterRowScope, leaveRowScope } from '../../platform/db/row-scope.js';
import { queueMashDecisionRecord } from './mash-decision-record.js';

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
  /** The coordinator's dashboard of open enquiries. */
  dashboard: ['cads-worker', 'team-manager', 'mash-coordinator'] as Role[],
};

export interface DashboardFilters {
  /** 'open' (not yet decided, the default), one status, or 'all'. */
  status?: string;
  rag?: string;
  /** Only enquiries with a request past due. */
  overdueOnly?: boolean;
  /** A reference, or part of one. */
  reference?: string;
  page?: number;
}

export const DASHBOARD_PAGE_SIZE = 50;
const STATUSES = ['awaiting-rating', 'checks', 'collation', 'decision', 'closed'] as const;

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

  /**
   * The authorities whose MASH work this principal may see. The authority's own staff: their own
   * authority only, always. A partner agency (practitioner or their agency's system): their own
   * authority and any other an administrator has granted that shares the same hub – a joint MASH such
   * as Staffordshire and Stoke-on-Trent's. A grant to an authority outside the hub counts for nothing.
   */
  async servedAuthorities(db: Executor, principal: Principal): Promise<string[]> {
    if (principal.role !== 'partner-practitioner') return [principal.authorityId];
    const rows =
      principal.kind === 'user'
        ? await db.selectFrom('user_served_authorities').select('authority_id').where('user_id', '=', principal.id).execute()
        : await db.selectFrom('service_account_served_authorities').select('authority_id').where('service_account_id', '=', principal.id).execute();
    const hub = this.mashProfile(principal.authorityId).hub.id;
    const extra = rows.map((r) => r.authority_id).filter((a) => a !== principal.authorityId && this.ctx.profiles.has(a) && this.mashProfile(a).hub.id === hub);
    return [principal.authorityId, ...extra.sort()];
  }

  /**
   * Starts a MASH transaction: works out whom the principal acts for and switches the transaction to
   * the row-level-security role with that scope (the second line behind the queries' own conditions).
   */
  private async scope(tx: Tx, principal: Principal): Promise<string[]> {
    const authorities = await this.servedAuthorities(tx, principal);
    const partner = principal.role === 'partner-practitioner';
    // A partner without an agency has nothing to answer for: refuse rather than scope to nothing.
    if (partner && !principal.agencyCode) throw forbidden();
    await enterRowScope(tx, { authorities, agency: partner ? principal.agencyCode : null });
    return authorities;
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
      await this.scope(tx, principal);
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
      await this.scope(tx, principal);
      const enquiry = await this.repo.findEnquiry(tx, principal.authorityId, enquiryId);
      if (!enquiry) throw notFound('MASH enquiry');
      const childIds = await this.repo.childIds(tx, enquiryId);
      await recordAudit(tx, audit, { action: 'mash.enquiry-viewed', enquiryId, personIds: childIds });
      const now = this.ctx.clock.now();
      const mash = this.mashProfile(principal.authorityId);
      const requests = await this.repo.requests(tx, enquiryId);
      return {
        enquiry,
        childIds,
        children: await this.repo.people(tx, principal.authorityId, childIds),
        ratingChanges: await this.repo.ratingChanges(tx, enquiryId),
        requests: requests.map((r) => ({
          ...r,
          agencyLabel: mash.checkAgencies.find((a) => a.code === r.agency_code)?.label ?? r.agency_code,
          ...this.deadlineOf(principal.authorityId, enquiry.rag, r.due_at, r.answered_at, now),
        })),
        deadline: enquiry.due_at ? this.deadlineOf(principal.authorityId, enquiry.rag, enquiry.due_at, enquiry.decided_at, now) : null,
      };
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
      await this.scope(tx, principal);
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
      await this.scope(tx, principal);
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
      const authorities = await this.scope(tx, principal);
      const rows = await this.repo.requestsForAgency(tx, authorities, agency);
      const people = (
        await Promise.all(authorities.map((a) => this.repo.searchDetails(tx, a, [...new Set(rows.filter((r) => r.authority_id === a).map((r) => r.enquiry_id))])))
      ).flat();
      const result = rows.map((r) => {
        const calendar = this.ctx.calendars.forAuthority(r.authority_id);
        const mash = this.mashProfile(r.authority_id);
        const clock = r.rag ? this.target(r.authority_id, r.rag).clock : 'working-hours';
        const left = timeLeft(clock, now, r.due_at, calendar);
        const household = this.household(people, r.enquiry_id);
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
    if (!agency) throw forbidden();
    const now = this.ctx.clock.now();
    return this.db.transaction().execute(async (tx): Promise<{ ok: true; responseId: string } | Refusal> => {
      const authorities = await this.scope(tx, principal);
      const req = await this.repo.lockRequestForAgency(tx, authorities, agency, requestId);
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
        // The practitioner on the page, or their agency's system through the API.
        responded_by: principal.kind === 'user' ? principal.id : null,
        responded_by_account: principal.kind === 'service-account' ? principal.id : null,
        responded_at: now,
      });
      if (!isQuestion) {
        await this.repo.markAnswered(tx, req.id, now);
        // Whether every agency has now answered is the system's question, not this agency's: under
        // the partner's row scope only its own request is visible, so count outside it.
        await leaveRowScope(tx);
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
      await this.scope(tx, principal);
      const enquiry = await this.repo.findEnquiry(tx, principal.authorityId, enquiryId);
      if (!enquiry) throw notFound('MASH enquiry');
      const childIds = await this.repo.childIds(tx, enquiryId);
      const requests = await this.repo.requests(tx, enquiryId);
      const responses = withAnswers(await this.repo.responses(tx, requests.map((r) => r.id)), await this.repo.answers(tx, requests.map((r) => r.id)));
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
      return {
        enquiry,
        childIds,
        children: await this.repo.people(tx, principal.authorityId, childIds),
        deadline: enquiry.due_at ? this.deadlineOf(principal.authorityId, enquiry.rag, enquiry.due_at, enquiry.decided_at, now) : null,
        agencies,
      };
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
      await this.scope(tx, principal);
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
      await this.scope(tx, principal);
      const e = await this.repo.lockEnquiry(tx, principal.authorityId, enquiryId);
      if (!e) throw notFound('MASH enquiry');
      if (lockVersion !== undefined && e.lock_version !== lockVersion) throw conflict();
      if (e.status === 'closed') return { ok: false, errors: [{ field: 'decisionCode', message: 'This enquiry has already been decided' }] };
      if (!e.rag) return { ok: false, errors: [{ field: 'decisionCode', message: 'Rate the enquiry before deciding it' }] };
      const res = await this.repo.decide(tx, e.id, e.lock_version, {
        decision_code: decisionCode, decision_rationale: text(rationale), decided_by: actor(principal), decided_at: this.ctx.clock.now(),
      });
      if (Number(res.numUpdatedRows) !== 1) throw conflict();
      const childIds = await this.repo.childIds(tx, e.id);
      await recordAudit(tx, audit, { action: 'mash.decided', enquiryId: e.id, personIds: childIds, details: { decisionCode } });
      // Telling the original caller is the system's work (it queues a job), outside the row scope.
      const decided = (await this.repo.findEnquiry(tx, e.authority_id, e.id))!;
      await leaveRowScope(tx);
      const recordId = await queueMashDecisionRecord(this.ctx, tx, decided, actor(principal));
      if (recordId) await tx.updateTable('mash_enquiries').set({ decision_record_id: recordId }).where('id', '=', e.id).execute();
      return { ok: true };
    });
  }

  /** The other authorities of this authority's hub (Stoke-on-Trent's: Staffordshire). */
  hubPartners(authorityId: string): { id: string; name: string }[] {
    const hub = this.mashProfile(authorityId).hub.id;
    return this.ctx.profiles.all().filter((p) => p.id !== authorityId && p.mash.hub.id === hub).map((p) => ({ id: p.id, name: p.name }));
  }

  /**
   * For an administrator: the authority's partner practitioners and which other authorities of the
   * hub each serves. Names and agencies only, no children.
   */
  async partnerGrants(principal: Principal) {
    must(principal, ['administrator']);
    const users = await this.db
      .selectFrom('users')
      .select(['id', 'display_name', 'email', 'agency_code', 'disabled_at'])
      .where('authority_id', '=', principal.authorityId)
      .where('role', '=', 'partner-practitioner')
      .orderBy('agency_code').orderBy('display_name')
      .execute();
    const grants = users.length
      ? await this.db.selectFrom('user_served_authorities').select(['user_id', 'authority_id']).where('user_id', 'in', users.map((u) => u.id)).execute()
      : [];
    return users.map((u) => ({ ...u, serves: grants.filter((g) => g.user_id === u.id).map((g) => g.authority_id) }));
  }

  /**
   * Sets which other authorities of the hub a partner practitioner of this authority serves. Only the
   * hub's authorities can be granted; the change is audited with what was added and removed.
   */
  async setPartnerGrants(principal: Principal, userId: string, authorityIds: string[], audit: AuditContext = selfAudit(principal)): Promise<{ ok: true } | Refusal> {
    must(principal, ['administrator']);
    const allowed = new Set(this.hubPartners(principal.authorityId).map((a) => a.id));
    const wanted = [...new Set(authorityIds)];
    if (wanted.some((a) => !allowed.has(a))) return { ok: false, errors: [{ field: 'authorities', message: 'Choose only authorities that share this MASH' }] };
    return this.db.transaction().execute(async (tx) => {
      const user = await tx.selectFrom('users').select('id').where('id', '=', userId).where('authority_id', '=', principal.authorityId).where('role', '=', 'partner-practitioner').forUpdate().executeTakeFirst();
      if (!user) throw notFound('partner practitioner');
      const current = (await tx.selectFrom('user_served_authorities').select('authority_id').where('user_id', '=', userId).execute()).map((r) => r.authority_id);
      const added = wanted.filter((a) => !current.includes(a));
      const removed = current.filter((a) => !wanted.includes(a));
      if (removed.length) await tx.deleteFrom('user_served_authorities').where('user_id', '=', userId).where('authority_id', 'in', removed).execute();
      if (added.length) {
        const now = this.ctx.clock.now();
        await tx.insertInto('user_served_authorities').values(added.map((authority_id) => ({ user_id: userId, authority_id, granted_by: actor(principal), granted_at: now }))).execute();
      }
      if (added.length || removed.length) await recordAudit(tx, audit, { action: 'mash.partner-authorities-changed', userId, details: { added, removed } });
      return { ok: true as const };
    });
  }

  /**
   * The MASH answers a partner agency's question on one of this enquiry's requests. Once only; the
   * answer is never changed, and the agency sees it on its request.
   */
  async answerQuestion(principal: Principal, enquiryId: string, questionId: string, answer: string, audit: AuditContext = selfAudit(principal)): Promise<{ ok: true } | Refusal> {
    must(principal, MASH_ROLES.collate);
    const field = `answer-${questionId}`;
    if (!text(answer)) return { ok: false, errors: [{ field, message: 'Enter your answer to the agency’s question' }] };
    if (answer.length > TEXT_MAX) return { ok: false, errors: [{ field, message: `The answer must be ${TEXT_MAX} characters or fewer` }] };
    return this.db.transaction().execute(async (tx): Promise<{ ok: true } | Refusal> => {
      await this.scope(tx, principal);
      const e = await this.repo.lockEnquiry(tx, principal.authorityId, enquiryId);
      if (!e) throw notFound('MASH enquiry');
      const question = await tx
        .selectFrom('mash_check_responses as x')
        .innerJoin('mash_check_requests as r', 'r.id', 'x.request_id')
        .select(['x.id', 'x.request_id', 'r.agency_code'])
        .where('x.id', '=', questionId)
        .where('x.kind', '=', 'question')
        .where('r.enquiry_id', '=', e.id)
        .executeTakeFirst();
      if (!question) throw notFound('question');
      if ((await this.repo.answers(tx, [question.request_id])).some((a) => a.question_id === question.id)) {
        return { ok: false, errors: [{ field, message: 'This question has already been answered' }] };
      }
      await this.repo.insertAnswer(tx, {
        id: randomUUID(), request_id: question.request_id, question_id: question.id, answer: text(answer),
        answered_by: actor(principal), answered_at: this.ctx.clock.now(),
      });
      await recordAudit(tx, audit, {
        action: 'mash.question-answered', enquiryId: e.id, personIds: await this.repo.childIds(tx, e.id),
        details: { requestId: question.request_id, questionId: question.id },
      });
      return { ok: true };
    });
  }

  /** How a request's deadline stands now, on its enquiry's rating clock. */
  private deadlineOf(authorityId: string, rag: Rag | null, due: Date, answeredAt: Date | null, now: Date) {
    const calendar = this.ctx.calendars.forAuthority(authorityId);
    const clock = rag ? this.target(authorityId, rag).clock : 'working-hours';
    const left = timeLeft(clock, now, due, calendar);
    return {
      state: deadlineState(clock, due, now, answeredAt, calendar, this.mashProfile(authorityId).dueSoonMinutes * 60_000),
      timeLeftMs: left,
      countdown: countdownWords(left),
    };
  }

  /** The instant before which an open request on each rating's clock counts as due soon. */
  private dueSoonBefore(authorityId: string, now: Date): Record<Rag, Date> {
    const calendar = this.ctx.calendars.forAuthority(authorityId);
    const minutes = this.mashProfile(authorityId).dueSoonMinutes;
    const out = {} as Record<Rag, Date>;
    for (const rag of RAGS) {
      const clock = this.mashProfile(authorityId).ratings.find((r) => r.code === rag)?.target.clock ?? 'working-hours';
      out[rag] = clock === 'working-hours' ? calendar.addWorkingHours(now, minutes / 60) : new Date(now.getTime() + minutes * 60_000);
    }
    return out;
  }

  /**
   * The MASH dashboard: headline figures and one page of the authority's enquiries, awaiting a rating
   * first and then by deadline, each with its requests' countdowns. It names children, so it is audited
   * with the children on the page.
   */
  async dashboard(principal: Principal, filters: DashboardFilters = {}, audit: AuditContext = selfAudit(principal)) {
    must(principal, MASH_ROLES.dashboard);
    const now = this.ctx.clock.now();
    const status = filters.status ?? 'open';
    const statuses = status === 'all' ? [...STATUSES] : status === 'open' ? STATUSES.filter((x) => x !== 'closed') : STATUSES.filter((x) => x === status);
    const rag = RAGS.includes(filters.rag as Rag) ? (filters.rag as Rag) : null;
    const page = Math.max(1, Math.min(10_000, Math.floor(filters.page ?? 1)));
    const reference = text(filters.reference).slice(0, 40) || null;
    const authorityId = principal.authorityId;
    const mash = this.mashProfile(authorityId);
    return this.db.transaction().execute(async (tx) => {
      await this.scope(tx, principal);
      const [summary, data] = await Promise.all([
        this.repo.dashboardSummary(tx, authorityId, now, this.dueSoonBefore(authorityId, now)),
        this.repo.dashboardPage(tx, authorityId, {
          statuses: statuses.length ? statuses : ['awaiting-rating'], rag, overdueOnly: !!filters.overdueOnly, reference, now,
          limit: DASHBOARD_PAGE_SIZE, offset: (page - 1) * DASHBOARD_PAGE_SIZE,
        }),
      ]);
      const [waitingAll, waitingHere] = await Promise.all([
        this.repo.questionsWaiting(tx, authorityId),
        this.repo.questionsWaiting(tx, authorityId, data.rows.map((e) => e.id)),
      ]);
      const enquiries = data.rows.map((e) => {
        const requests = data.requests
          .filter((r) => r.enquiry_id === e.id)
          .map((r) => ({
            id: r.id, agencyCode: r.agency_code,
            agencyLabel: mash.checkAgencies.find((a) => a.code === r.agency_code)?.label ?? r.agency_code,
            status: r.status, dueAt: r.due_at, answeredAt: r.answered_at,
            ...this.deadlineOf(authorityId, e.rag, r.due_at, r.answered_at, now),
          }));
        return {
          ...e,
          children: data.children.filter((c) => c.enquiry_id === e.id).map((c) => ({ id: c.id, givenName: c.given_name, familyName: c.family_name })),
          deadline: e.due_at ? this.deadlineOf(authorityId, e.rag, e.due_at, e.decided_at, now) : null,
          requests,
          answered: requests.filter((r) => r.status === 'answered').length,
          overdue: requests.filter((r) => r.state === 'overdue').length,
          dueSoon: requests.filter((r) => r.state === 'due-soon').length,
          questionsWaiting: waitingHere.find((w) => w.enquiryId === e.id)?.count ?? 0,
        };
      });
      const personIds = [...new Set(data.children.map((c) => c.id))];
      if (personIds.length) {
        await recordAudit(tx, audit, { action: 'mash.dashboard-viewed', personIds, details: { enquiryIds: enquiries.map((e) => e.id), page } });
      }
      return {
        now, summary: { ...summary, questionsWaiting: waitingAll.reduce((n, w) => n + w.count, 0) }, enquiries, page, pageSize: DASHBOARD_PAGE_SIZE, total: data.total,
        filters: { status, rag, overdueOnly: !!filters.overdueOnly, reference },
      };
    });
  }

  /**
   * One request, for the partner agency it is addressed to: what they need to search (names, dates of
   * birth and addresses of the children's households), the questions, the countdown, and their own
   * agency's earlier responses to it. Any other request – another agency's, another authority's, a
   * guessed id – is not found.
   */
  async requestForAgency(principal: Principal, requestId: string, audit: AuditContext = selfAudit(principal)) {
    must(principal, MASH_ROLES.respond);
    const agency = principal.agencyCode;
    if (!agency) throw forbidden();
    const now = this.ctx.clock.now();
    return this.db.transaction().execute(async (tx) => {
      const authorities = await this.scope(tx, principal);
      const req = await this.repo.requestForAgency(tx, authorities, agency, requestId);
      if (!req) throw notFound('check request');
      const people = await this.repo.searchDetails(tx, req.authority_id, [req.enquiry_id]);
      const household = this.household(people, req.enquiry_id);
      const responses = withAnswers(await this.repo.responses(tx, [req.id]), await this.repo.answers(tx, [req.id]));
      await recordAudit(tx, audit, {
        action: 'mash.requests-viewed', personIds: household.map((p) => p.personId), details: { agencyCode: agency, requestIds: [req.id] },
      });
      const mash = this.mashProfile(req.authority_id);
      return {
        id: req.id, reference: req.reference, authorityId: req.authority_id, authorityName: this.ctx.profiles.get(req.authority_id).name,
        agencyCode: req.agency_code, agencyLabel: mash.checkAgencies.find((a) => a.code === req.agency_code)?.label ?? req.agency_code,
        questions: req.questions, status: req.status, sentAt: req.sent_at, dueAt: req.due_at, answeredAt: req.answered_at,
        ...this.deadlineOf(req.authority_id, req.rag, req.due_at, req.answered_at, now),
        people: household,
        responses: responses.map((x) => ({ ...x, correctedBy: responses.filter((y) => y.corrects_id === x.id).map((y) => y.id) })),
      };
    });
  }

  /** The household of an enquiry's children, each person once, from searchDetails rows. */
  private household(people: Awaited<ReturnType<MashRepository['searchDetails']>>, enquiryId: string) {
    const seen = new Set<string>();
    const rows = people.filter((p) => p.enquiry_id === enquiryId);
    const childIds = new Set(rows.map((p) => p.child_id));
    return rows
      .filter((p) => !seen.has(p.id) && seen.add(p.id))
      .map((p) => ({
        personId: p.id,
        isChild: childIds.has(p.id),
        givenName: p.given_name, familyName: p.family_name,
        dateOfBirth: p.date_of_birth, expectedDateOfBirth: p.expected_date_of_birth,
        address: { line1: p.address_line_1, line2: p.address_line_2, town: p.town, postcode: p.postcode },
      }));
  }

  /** Open requests past their deadline, across every authority, for the overdue alert job. No children's details. */
  async overdueRequests(now: Date = this.ctx.clock.now()) {
    const rows = await this.repo.overdue(this.db, now);
    return rows.map((r) => ({ ...r, overdueBy: countdownWords(r.due_at.getTime() - now.getTime()) }));
  }
}

/** Each question among `responses` with the MASH's answer to it (or null); other kinds get null. */
function withAnswers<R extends { id: string; kind: string }, A extends { question_id: string }>(responses: R[], answers: A[]) {
  return responses.map((x) => ({ ...x, answer: x.kind === 'question' ? (answers.find((a) => a.question_id === x.id) ?? null) : null }));
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
