import { randomUUID } from 'node:crypto';
import type { Database, Tx } from '../../platform/db/database.js';
import type { ConversationRow, ConversationVersionRow } from '../../platform/db/schema.js';
import type { Principal } from '../../platform/auth/roles.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';
import type { Clock } from '../../platform/context.js';
import type { AuthorityProfiles } from '../../platform/authorities.js';
import type { AuthorityProfile } from '../../domain/authority-profile.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { ConversationsRepository, type ChildFields, type ChildWithPerson, type VersionFields } from './conversations.repository.js';
import { validateForCompletion, type ConversationDraft, type FieldError } from '../../domain/conversation-rules.js';
import { needsPrimaryNeed, PRIMARY_NEEDS } from '../../domain/cin-census.js';
import { decisionDeadline } from '../../domain/working-days.js';
import type { ServiceCalendars } from '../../platform/calendars.js';
import { evaluateAccumulation, longestLookbackDays } from '../../domain/accumulation.js';
import { displayName } from '../../domain/names.js';
import { londonDateOf } from '../../domain/dates.js';
import { finalSurvivorId } from '../../platform/db/merged-persons.js';
import { outOfHoursFields } from '../handover/out-of-hours.js';

export const SECTIONS = [
  { key: 'caller', title: 'Caller' },
  { key: 'children', title: 'Children' },
  { key: 'family', title: 'Family and household' },
  { key: 'concern', title: 'Where the child is and the concern' },
  { key: 'consent', title: 'Parents informed and consent' },
  { key: 'analysis', title: 'Worries, strengths and what needs to happen' },
  { key: 'outcome', title: 'Agreed outcome' },
] as const;
export type SectionKey = (typeof SECTIONS)[number]['key'];

/** Which section of the record a completion error belongs to, so the worker is sent to the right page. */
export function sectionOfField(field: string): SectionKey {
  if (field.startsWith('caller-')) return 'caller';
  if (field === 'children') return 'children';
  const child = field.match(/^children-\d+-(.+)$/);
  if (child) return ['where-now', 'safe-tonight'].includes(child[1]!) ? 'concern' : 'outcome';
  if (field.startsWith('concern-') || field === 'immediacy') return 'concern';
  if (field.startsWith('consent-') || field === 'parents-informed' || field === 'lawful-basis') return 'consent';
  return 'analysis';
}

export interface EditableConversation {
  conversation: ConversationRow;
  version: ConversationVersionRow;
  children: ChildWithPerson[];
  isAmendment: boolean;
}

export class ConcurrentEditError extends HttpError {
  constructor() {
    super(409, 'Someone else has saved this conversation', 'Another person saved changes to this conversation after you opened it. Your changes have not been saved. Open the conversation again to see the latest version, then make your changes again.');
  }
}

/** Told about each completed version inside its transaction (the written record is queued this way). */
export interface CompletionListener {
  queueOnCompletion(tx: Tx, conversation: ConversationRow, version: number, recipient: string | null, requestedBy: string | null): Promise<unknown>;
}

export class ConversationsService {
  readonly repo = new ConversationsRepository();
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly profiles: AuthorityProfiles,
    private readonly calendars: ServiceCalendars,
    private readonly onCompleted: CompletionListener | null = null,
  ) {}

  profileFor(principal: Principal): AuthorityProfile {
    return this.profiles.get(principal.authorityId);
  }

  async start(principal: Principal, audit: AuditContext, callerPhone: string | null = null): Promise<string> {
    const profile = this.profileFor(principal);
    const id = randomUUID();
    const now = this.clock.now();
    await this.db.transaction().execute(async (tx) => {
      const reference = await this.newReference(tx, profile, now);
      const service = principal.role === 'edt-worker' ? 'edt' : 'cads';
      await this.repo.insertConversation(tx, {
        id,
        authority_id: principal.authorityId,
        reference,
        service,
        worker_id: principal.id,
        team_id: principal.teamId,
        started_at: now,
        // Out of hours (EDT's, or anyone's while CADS is closed): on the handover list until accepted.
        ...outOfHoursFields(service, this.calendars.forAuthority(principal.authorityId), profile, now),
      });
      await this.repo.insertVersion(tx, { conversation_id: id, version: 1, created_by: principal.id, caller_phone: callerPhone });
      await recordAudit(tx, audit, { action: 'conversation.created', conversationId: id, personIds: [] });
    });
    return id;
  }

  /** A reference callers can quote, like NFK-2026-000123: the authority's prefix, the year, a number. */
  private async newReference(tx: Tx, profile: AuthorityProfile, now: Date): Promise<string> {
    const n = await this.repo.nextReferenceNumber(tx);
    return `${profile.service.referencePrefix}-${londonDateOf(now).slice(0, 4)}-${String(n).padStart(6, '0')}`;
  }

  /** The version that can still be edited: the draft, or an amendment in progress. */
  private async editable(tx: Database | Tx, principal: Principal, id: string): Promise<EditableConversation> {
    const conversation = await this.repo.find(tx, principal.authorityId, id);
    if (!conversation) throw notFound('conversation');
    const versionNo = conversation.status === 'draft' ? conversation.current_version : conversation.current_version + 1;
    const version = await this.repo.version(tx, id, versionNo);
    if (!version || version.status !== 'draft') {
      throw new HttpError(409, 'This conversation is completed', 'A completed conversation cannot be changed. To correct it, choose “Correct this record” and give a reason: that creates a new version.');
    }
    const children = await this.repo.children(tx, id, versionNo);
    return { conversation, version, children, isAmendment: conversation.status === 'completed' };
  }

  /** For the section pages: the editable version, its children and the section statuses. */
  async loadDraft(principal: Principal, id: string, audit?: AuditContext) {
    const e = await this.db.transaction().execute(async (tx) => {
      const found = await this.editable(tx, principal, id);
      // Showing a draft to someone is a view of the children in it.
      if (audit) await recordAudit(tx, audit, { action: 'conversation.viewed', conversationId: id, personIds: found.children.map((c) => c.person_id) });
      return found;
    });
    const errors = validateForCompletion(toDraft(e.version, e.children), completionProfile(this.profileFor(principal)));
    return { ...e, statuses: sectionStatuses(e, errors) };
  }

  /** Saves one section of a draft. Only format checks apply here; completeness is checked on completion. */
  async saveSection(
    principal: Principal,
    id: string,
    lockVersion: number,
    section: SectionKey,
    fields: VersionFields,
    childFields: Map<string, ChildFields>,
    audit: AuditContext,
  ): Promise<void> {
    const now = this.clock.now();
    await this.db.transaction().execute(async (tx) => {
      const e = await this.editable(tx, principal, id);
      if (!(await this.repo.bumpLock(tx, id, lockVersion))) throw new ConcurrentEditError();
      if (Object.keys(fields).length) await this.repo.updateVersion(tx, id, e.version.version, fields, now);
      for (const [personId, f] of childFields) {
        if (e.children.some((c) => c.person_id === personId)) await this.repo.updateChild(tx, id, e.version.version, personId, f);
      }
      await recordAudit(tx, audit, { action: 'conversation.draft-saved', conversationId: id, personIds: e.children.map((c) => c.person_id), details: { section, version: e.version.version } });
    });
  }

  async addChild(principal: Principal, id: string, chosenId: string, audit: AuditContext): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const e = await this.editable(tx, principal, id);
      // A record merged into another is the same child: the conversation goes on the record kept.
      const personId = await finalSurvivorId(tx, principal.authorityId, chosenId);
      if (!personId) throw notFound('child');
      if (e.children.some((c) => c.person_id === personId)) return;
      await this.repo.insertChild(tx, { conversation_id: id, version: e.version.version, person_id: personId, position: e.children.length });
      await this.repo.bumpLock(tx, id, e.conversation.lock_version);
      await recordAudit(tx, audit, { action: 'conversation.child-added', conversationId: id, personIds: [personId] });
    });
  }

  async removeChild(principal: Principal, id: string, personId: string, audit: AuditContext): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const e = await this.editable(tx, principal, id);
      await this.repo.deleteChild(tx, id, e.version.version, personId);
      await this.repo.bumpLock(tx, id, e.conversation.lock_version);
      await recordAudit(tx, audit, { action: 'conversation.child-removed', conversationId: id, personIds: [personId] });
    });
  }

  /**
   * Validates everything and, if it is all there, locks the version for good. Sets the decision
   * deadline when an outcome needs a decision, and records accumulation flags that fire.
   */
  async complete(principal: Principal, id: string, lockVersion: number, audit: AuditContext): Promise<{ ok: true } | { ok: false; errors: FieldError[] }> {
    return this.db.transaction().execute(async (tx) => {
      const e = await this.editable(tx, principal, id);
      const errors = validateForCompletion(toDraft(e.version, e.children), completionProfile(this.profileFor(principal)));
      if (errors.length) return { ok: false as const, errors };
      if (!(await this.repo.bumpLock(tx, id, lockVersion))) throw new ConcurrentEditError();
      await this.completeIn(tx, principal, e, audit);
      return { ok: true as const };
    });
  }

  /** Locks a validated version for good, sets the decision deadline and records accumulation flags. */
  private async completeIn(tx: Tx, principal: Principal, e: EditableConversation, audit: AuditContext): Promise<void> {
    const profile = this.profileFor(principal);
    const now = this.clock.now();
    const id = e.conversation.id;
    const needsDecision = e.children.some((c) => profile.outcomes.find((o) => o.code === c.outcome_code)?.requiresDecision);
    const due = needsDecision ? decisionDeadline(e.conversation.started_at, this.calendars.forAuthority(principal.authorityId).working, profile.decisionDeadlineWorkingDays) : null;
    await this.repo.markVersionCompleted(tx, id, e.version.version, principal.id, now);
    await this.repo.markConversationCompleted(tx, id, e.version.version, now, due);

    const outcomeLabels = Object.fromEntries(profile.outcomes.map((o) => [o.code, o.label]));
    // A day's margin: the rules count London calendar days.
    const since = new Date(now.getTime() - (longestLookbackDays(profile.accumulationRules) + 1) * 86_400_000);
    const history = await this.repo.childrenHistory(tx, principal.authorityId, e.children.map((c) => c.person_id), since);
    const flagRows = e.children.flatMap((child) =>
      evaluateAccumulation(
        history.filter((h) => h.person_id === child.person_id).map((h) => ({ id: h.id, occurredAt: h.started_at, outcomeCode: h.outcome_code ?? '' })),
        now,
        profile.accumulationRules,
        { outcomeLabels },
      ).map((f) => ({
        id: randomUUID(),
        authority_id: principal.authorityId,
        person_id: child.person_id,
        rule_key: JSON.stringify(f.rule),
        message: f.message,
        conversation_id: id,
        raised_at: now,
      })),
    );
    await this.repo.insertFlags(tx, flagRows);
    await this.onCompleted?.queueOnCompletion(tx, e.conversation, e.version.version, e.version.caller_email, principal.kind === 'user' ? principal.id : null);
    await recordAudit(tx, audit, { action: 'conversation.completed', conversationId: id, personIds: e.children.map((c) => c.person_id), details: { version: e.version.version } });
  }

  /**
   * Records a whole conversation in one transaction (the API's way in): the caller's system
   * sends everything at once, so either all of it is saved or none of it.
   */
  async createWhole(
    principal: Principal,
    fields: VersionFields,
    children: ({ person_id: string; position: number } & ChildFields)[],
    complete: boolean,
    audit: AuditContext,
    // issue10-G: more work in the same transaction once the conversation is written (the API's idempotency key)
    alsoInTransaction?: (tx: Tx, saved: { id: string; reference: string; status: 'draft' | 'completed' }) => Promise<void>,
  ): Promise<{ id: string; reference: string; status: 'draft' | 'completed' }> {
    const profile = this.profileFor(principal);
    const id = randomUUID();
    const now = this.clock.now();
    return this.db.transaction().execute(async (tx) => {
      // A record merged into another is the same child: the conversation goes on the record kept.
      const resolved: typeof children = [];
      for (const c of children) {
        const survivor = await finalSurvivorId(tx, principal.authorityId, c.person_id);
        if (!survivor) throw notFound('child');
        resolved.push({ ...c, person_id: survivor });
      }
      children = resolved;
      if (new Set(children.map((c) => c.person_id)).size !== children.length) {
        throw new HttpError(422, 'The same child is named twice', 'Two of the children are the same child (one record was merged into the other). Name them once.');
      }
      const found = await tx
        .selectFrom('persons')
        .select(['id', 'given_name', 'family_name', 'date_of_birth', 'expected_date_of_birth'])
        .where('authority_id', '=', principal.authorityId)
        .where('id', 'in', children.map((c) => c.person_id))
        .execute();
      if (found.length !== new Set(children.map((c) => c.person_id)).size) throw notFound('child');
      const reference = await this.newReference(tx, profile, now);
      const service = principal.role === 'edt-worker' ? ('edt' as const) : ('cads' as const);
      const conversation = {
        id, authority_id: principal.authorityId, reference, service, worker_id: principal.id, team_id: principal.teamId, started_at: now,
        ...outOfHoursFields(service, this.calendars.forAuthority(principal.authorityId), profile, now),
      };
      await this.repo.insertConversation(tx, conversation);
      await this.repo.insertVersion(tx, { ...fields, conversation_id: id, version: 1, created_by: principal.id });
      const childRows = children.map((c) => ({ ...c, conversation_id: id, version: 1 }));
      await this.repo.insertChildren(tx, childRows);
      await recordAudit(tx, audit, { action: 'conversation.created', conversationId: id, personIds: children.map((c) => c.person_id) });
      if (complete) {
        // Everything needed is already in hand: no need to read back what was just written.
        const e: EditableConversation = {
          conversation: { ...conversation, status: 'draft', current_version: 1, completed_at: null, decision_due_at: null, lock_version: 0, created_at: now, handover_accepted_by: null, handover_accepted_at: null },
          version: { ...emptyVersion(id, principal.id, now), ...fields } as ConversationVersionRow,
          children: childRows.map((c) => ({ ...emptyChild(), ...c, ...found.find((f) => f.id === c.person_id)! })) as ChildWithPerson[],
          isAmendment: false,
        };
        const errors = validateForCompletion(toDraft(e.version, e.children), completionProfile(profile));
        if (errors.length) throw new HttpError(422, 'The conversation is not complete', errors.map((x) => x.message).join('. '), { errors });
        await this.completeIn(tx, principal, e, audit);
      }
      const saved = { id, reference, status: complete ? ('completed' as const) : ('draft' as const) };
      if (alsoInTransaction) await alsoInTransaction(tx, saved); // issue10-G
      return saved;
    });
  }

  /** Starts a correction: a new draft version copied from the current one, with the reason. */
  async startAmendment(principal: Principal, id: string, reason: string, audit: AuditContext): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const c = await this.repo.findForUpdate(tx, principal.authorityId, id);
      if (!c) throw notFound('conversation');
      if (c.status !== 'completed') throw new HttpError(409, 'This conversation is still a draft', 'Drafts can be changed directly.');
      const next = c.current_version + 1;
      if (await this.repo.version(tx, id, next)) return; // already being corrected: carry on with that draft
      const current = await this.repo.version(tx, id, c.current_version);
      const children = await this.repo.children(tx, id, c.current_version);
      const { conversation_id: _c, version: _v, status: _s, created_at: _ca, updated_at: _u, completed_at: _co, completed_by: _cb, created_by: _cr, amendment_reason: _a, ...content } = current!;
      await this.repo.insertVersion(tx, { ...content, conversation_id: id, version: next, created_by: principal.id, amendment_reason: reason });
      for (const ch of children) {
        const { given_name: _g, family_name: _f, date_of_birth: _d, expected_date_of_birth: _e, ...row } = ch;
        await this.repo.insertChild(tx, { ...row, version: next });
      }
      await this.repo.bumpLock(tx, id, c.lock_version);
      await recordAudit(tx, audit, { action: 'conversation.amendment-started', conversationId: id, personIds: children.map((x) => x.person_id), details: { version: next, reason } });
    });
  }

  /** The record as completed (or the draft), for reading; the read is audited. */
  async view(principal: Principal, id: string, audit: AuditContext, versionNo?: number) {
    return this.db.transaction().execute(async (tx) => {
      const conversation = await this.repo.find(tx, principal.authorityId, id);
      if (!conversation) throw notFound('conversation');
      const shownVersion = versionNo ?? conversation.current_version;
      const version = await this.repo.version(tx, id, shownVersion);
      if (!version || (versionNo && version.status !== 'completed')) throw notFound('version');
      const [children, versions, decisions, worker] = [
        await this.repo.children(tx, id, shownVersion),
        await this.repo.versions(tx, id),
        await this.repo.decisions(tx, id),
        await tx.selectFrom('users').select(['display_name', 'email', 'phone']).where('id', '=', conversation.worker_id).executeTakeFirstOrThrow(),
      ];
      await recordAudit(tx, audit, { action: 'conversation.viewed', conversationId: id, personIds: children.map((c) => c.person_id) });
      const amendmentInProgress = versions.some((v) => v.status === 'draft' && v.version > conversation.current_version);
      return { conversation, version, children, versions, decisions, worker, amendmentInProgress };
    });
  }

  async recordDecision(
    principal: Principal,
    id: string,
    input: { personId: string; decisionCode: string; primaryNeed?: string; rationale: string },
    audit: AuditContext,
  ): Promise<{ ok: true } | { ok: false; errors: FieldError[] }> {
    const profile = this.profileFor(principal);
    const errors: FieldError[] = [];
    const decided = profile.decisions.some((d) => d.code === input.decisionCode);
    if (!decided) errors.push({ field: 'decision', message: 'Select the decision' });
    const need = input.primaryNeed?.trim() || null;
    if (need && !PRIMARY_NEEDS.some((n) => n.code === need)) errors.push({ field: 'primary-need', message: 'Select the primary need from the list' });
    else if (!need && decided && needsPrimaryNeed(input.decisionCode)) {
      errors.push({ field: 'primary-need', message: 'Select the primary need, or “N0 Not stated” if it is not known yet' });
    }
    if (!input.rationale.trim()) errors.push({ field: 'rationale', message: 'Enter the reasons for the decision' });
    if (errors.length) return { ok: false, errors };
    await this.db.transaction().execute(async (tx) => {
      const c = await this.repo.findForUpdate(tx, principal.authorityId, id);
      if (!c || c.status !== 'completed') throw notFound('conversation');
      const children = await this.repo.children(tx, id, c.current_version);
      const child = children.find((x) => x.person_id === input.personId);
      if (!child || !profile.outcomes.find((o) => o.code === child.outcome_code)?.requiresDecision) throw notFound('child needing a decision');
      const existing = await this.repo.decisions(tx, id);
      if (existing.some((d) => d.person_id === input.personId)) throw new HttpError(409, 'A decision has already been recorded', 'Each child has one decision on a conversation.');
      await this.repo.insertDecision(tx, {
        id: randomUUID(),
        authority_id: principal.authorityId,
        conversation_id: id,
        person_id: input.personId,
        decision_code: input.decisionCode,
        primary_need_code: need,
        rationale: input.rationale.trim(),
        decided_by: principal.id,
        decided_at: this.clock.now(),
      });
      await recordAudit(tx, audit, { action: 'decision.recorded', conversationId: id, personIds: [input.personId], details: { decisionCode: input.decisionCode, primaryNeed: need } });
    });
    return { ok: true };
  }

  workList(principal: Principal, scope: 'mine' | 'team') {
    const profile = this.profileFor(principal);
    const decisionOutcomes = profile.outcomes.filter((o) => o.requiresDecision).map((o) => o.code);
    const s = scope === 'mine' ? { workerId: principal.id } : principal.teamId ? { teamId: principal.teamId } : { workerId: principal.id };
    return this.repo.workList(this.db, principal.authorityId, s, decisionOutcomes);
  }
}

function emptyVersion(conversationId: string, createdBy: string, now: Date): ConversationVersionRow {
  return {
    conversation_id: conversationId, version: 1, status: 'draft', amendment_reason: null,
    caller_name: null, caller_role: null, caller_agency_code: null, caller_agency_other: null, caller_phone: null, caller_email: null, caller_type: null,
    concern_categories: [], concern_detail: null, immediacy: null, support_to_date: null,
    parents_informed: null, consent_given: null, consent_reason_codes: [], consent_reason_detail: null, lawful_basis_code: null,
    worries: null, strengths: null, needs_to_happen: null,
    created_by: createdBy, created_at: now, updated_at: now, completed_by: null, completed_at: null,
  };
}

function emptyChild() {
  return { where_now: null, safe_tonight: null, outcome_code: null, caller_agreed: null, disagreement_note: null, next_steps: null, next_steps_by: null, level_code: null };
}

export function completionProfile(p: AuthorityProfile) {
  return {
    outcomeCodes: p.outcomes.map((o) => o.code),
    concernCategoryCodes: p.concernCategories.map((c) => c.code),
    levelCodes: p.levels.map((l) => l.code),
    agencyCodes: p.agencies.map((a) => a.code),
  };
}

export function toDraft(v: ConversationVersionRow, children: ChildWithPerson[]): ConversationDraft {
  return {
    caller: {
      name: v.caller_name,
      role: v.caller_role,
      agencyCode: v.caller_agency_code,
      agencyOther: v.caller_agency_other,
      phone: v.caller_phone,
      email: v.caller_email,
      callerType: v.caller_type,
    },
    children: children.map((c) => ({
      personId: c.person_id,
      childLabel: displayName(c),
      whereNow: c.where_now,
      safeTonight: c.safe_tonight,
      outcomeCode: c.outcome_code,
      callerAgreed: c.caller_agreed,
      disagreementNote: c.disagreement_note,
      nextSteps: c.next_steps,
      levelCode: c.level_code,
    })),
    concernCategories: v.concern_categories,
    concernDetail: v.concern_detail,
    immediacy: v.immediacy as ConversationDraft['immediacy'],
    supportToDate: v.support_to_date,
    parentsInformed: v.parents_informed,
    consentGiven: v.consent_given,
    consentReasonCodes: v.consent_reason_codes,
    consentReasonDetail: v.consent_reason_detail,
    lawfulBasisCode: v.lawful_basis_code,
    worries: v.worries,
    strengths: v.strengths,
    needsToHappen: v.needs_to_happen,
  };
}

type Status = 'Completed' | 'In progress' | 'Not yet started' | 'Cannot start yet';

function sectionStatuses(e: EditableConversation, errors: FieldError[]): Record<SectionKey, Status> {
  const v = e.version;
  const has = (...vals: unknown[]) => vals.some((x) => (Array.isArray(x) ? x.length > 0 : x !== null && x !== undefined && x !== ''));
  const started: Record<SectionKey, boolean> = {
    caller: has(v.caller_name, v.caller_agency_code, v.caller_email, v.caller_role),
    children: e.children.length > 0,
    family: e.children.length > 0,
    concern: has(v.concern_categories, v.concern_detail, v.immediacy, ...e.children.map((c) => c.where_now)),
    consent: has(v.parents_informed, v.consent_given),
    analysis: has(v.worries, v.strengths, v.needs_to_happen),
    outcome: has(...e.children.map((c) => c.outcome_code)),
  };
  const bad = new Set(errors.map((x) => sectionOfField(x.field)));
  const out = {} as Record<SectionKey, Status>;
  for (const { key } of SECTIONS) {
    if (key !== 'children' && key !== 'caller' && e.children.length === 0 && (key === 'family' || key === 'outcome')) out[key] = 'Cannot start yet';
    else if (!started[key]) out[key] = 'Not yet started';
    else out[key] = bad.has(key) ? 'In progress' : 'Completed';
  }
  return out;
}
