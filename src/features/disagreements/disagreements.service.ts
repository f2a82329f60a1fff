import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Executor, Tx } from '../../platform/db/database.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { parsePeriodQuery, type Period, type PeriodQuery } from '../../platform/http/period.js';
import type { FieldError } from '../../domain/person-rules.js';
import { labelOf } from '../../domain/authority-profile.js';
import { addDays, formatDateLong, londonDateOf, londonWallTimeToInstant, todayInLondon } from '../../domain/dates.js';
import {
  allowedResults, dueWords, isLate, nextStage, RESULT_LABELS, stageAt, stageDeadline, validateStageResponse, workingDaysBetween,
  type EscalationStage, type StageResult,
} from '../../domain/escalation.js';
import { ConversationFacts, DisagreementsRepository, type DisagreementListRow } from './disagreements.repository.js';
import { toCsv } from '../../platform/http/tabular.js';

/** Who sees the managers' list of disagreements (with children's names). */
export const LIST_ROLES: Role[] = ['team-manager'];
/** Who sees the counts (no child). */
export const MI_ROLES: Role[] = ['team-manager', 'mi-analyst', 'administrator'];
/** Who may open a disagreement and read it: the people who read children's records. */
export const READ_ROLES: Role[] = ['cads-worker', 'team-manager', 'mash-coordinator', 'edt-worker'];
/** Who may record one by hand and answer stage 1 (the worker's stage). */
export const RAISE_ROLES: Role[] = ['cads-worker', 'team-manager'];
/** Who may answer the later stages (the team manager records the service manager's and head of service's answers too). */
export const LATER_STAGE_ROLES: Role[] = ['team-manager'];

export const DEFAULT_PERIOD_DAYS = 28;
const TEXT_MAX = 10000;

export type Filter = 'open' | 'overdue' | 'closed';
export const FILTERS: { code: Filter; label: string }[] = [
  { code: 'open', label: 'Open' },
  { code: 'overdue', label: 'Overdue' },
  { code: 'closed', label: 'Closed' },
];

export type RespondResult =
  | { ok: true; status: 'open' | 'resolved' | 'unresolved'; stage: number; reference: string }
  | { ok: false; errors: FieldError[] }
  | { ok: false; conflict: string };

export type RaiseResult = { ok: true; id: string; reference: string } | { ok: false; errors: FieldError[] };

const childName = (r: { given_name: string | null; family_name: string | null }) => [r.given_name, r.family_name].filter(Boolean).join(' ') || 'Name not known';

/**
 * Professional disagreements: a caller who does not agree with the outcome recommended for a child
 * can escalate it under the partnership's resolving professional disagreements policy. Each one
 * moves through the authority's stages, each due within so many working days, until it is resolved
 * or, after the last stage, closed unresolved. Stage responses are never changed once given.
 */
export class DisagreementsService {
  readonly repo = new DisagreementsRepository();
  private readonly facts = new ConversationFacts();
  constructor(private readonly ctx: AppContext) {}

  private stages(authorityId: string): EscalationStage[] {
    return this.ctx.profiles.get(authorityId).disagreementPolicy.stages;
  }

  private working(authorityId: string) {
    return this.ctx.calendars.forAuthority(authorityId).working;
  }

  private async reference(tx: Executor, authorityId: string, now: Date): Promise<string> {
    const n = await this.repo.nextNumber(tx);
    const prefix = this.ctx.profiles.get(authorityId).service.referencePrefix;
    return `${prefix}-PD-${londonDateOf(now).slice(0, 4)}-${String(n).padStart(5, '0')}`;
  }

  /** Opens a disagreement at stage 1, due in stage 1's working days from `now`. */
  private async open(
    tx: Tx,
    audit: AuditContext,
    input: {
      authorityId: string; conversationId: string; version: number; personId: string; outcomeCode: string | null; disagreement: string;
      caller: { name: string | null; role: string | null; agencyCode: string | null }; source: 'completion' | 'by-hand'; raisedBy: string | null; now: Date;
    },
  ): Promise<{ id: string; reference: string }> {
    const first = stageAt(this.stages(input.authorityId), 1);
    const { dueOn, dueAt } = stageDeadline(input.now, this.working(input.authorityId), first.respondWithinWorkingDays);
    const id = randomUUID();
    const reference = await this.reference(tx, input.authorityId, input.now);
    await this.repo.insert(
      tx,
      {
        id, authority_id: input.authorityId, reference, conversation_id: input.conversationId, conversation_version: input.version, person_id: input.personId,
        outcome_code: input.outcomeCode, disagreement: input.disagreement, caller_name: input.caller.name, caller_role: input.caller.role,
        caller_agency_code: input.caller.agencyCode, source: input.source, raised_by: input.raisedBy, raised_at: input.now,
      },
      { id: randomUUID(), disagreement_id: id, stage: 1, stage_code: first.code, stage_label: first.label, who: first.who, working_days: first.respondWithinWorkingDays, opened_at: input.now, due_on: dueOn, due_at: dueAt },
    );
    await recordAudit(tx, audit, {
      action: 'disagreement.raised', entityId: id, conversationId: input.conversationId, personIds: [input.personId],
      details: { reference, source: input.source, stage: 1, dueOn },
    });
    return { id, reference };
  }

  /**
   * The completion hook: for each child whose outcome the caller did not agree with, a disagreement
   * at stage 1 (unless one is already open for that child from this conversation, as after an
   * amendment that keeps the disagreement).
   */
  async onConversationCompleted(tx: Tx, conversation: { id: string; authority_id: string }, version: number, requestedBy: string | null): Promise<void> {
    const children = (await this.facts.children(tx, conversation.id, version)).filter((c) => c.caller_agreed === false);
    if (children.length === 0) return;
    const now = this.ctx.clock.now();
    const caller = await this.facts.caller(tx, conversation.id, version);
    const user = requestedBy ? await this.facts.user(tx, requestedBy) : undefined;
    const principal: Principal | null = user
      ? { kind: 'user', id: user.id, authorityId: user.authority_id, role: user.role as Role, displayName: user.display_name, agencyCode: user.agency_code, teamId: user.team_id, email: user.email }
      : null;
    const audit: AuditContext = { principal, ip: null, requestId: null };
    for (const c of children) {
      if (await this.repo.openFor(tx, conversation.id, c.person_id)) continue;
      await this.open(tx, audit, {
        authorityId: conversation.authority_id, conversationId: conversation.id, version, personId: c.person_id, outcomeCode: c.outcome_code,
        disagreement: c.disagreement_note?.trim() || 'Not recorded', caller: { name: caller?.caller_name ?? null, role: caller?.caller_role ?? null, agencyCode: caller?.caller_agency_code ?? null },
        source: 'completion', raisedBy: requestedBy, now,
      });
    }
  }

  /** What the "record a professional disagreement" page needs: the completed conversation's children and caller. */
  async raiseForm(principal: Principal, conversationId: string) {
    const c = await this.facts.conversation(this.ctx.db, principal.authorityId, conversationId);
    if (!c || c.status !== 'completed') throw notFound('completed conversation');
    const [caller, children] = await Promise.all([this.facts.caller(this.ctx.db, c.id, c.current_version), this.facts.children(this.ctx.db, c.id, c.current_version)]);
    const profile = this.ctx.profiles.get(principal.authorityId);
    return {
      conversation: c,
      caller,
      children: children.map((k) => ({ personId: k.person_id, name: childName(k), outcome: labelOf(profile.outcomes, k.outcome_code ?? '') })),
    };
  }

  /** Records a disagreement by hand (the caller came back later, say). */
  async raiseByHand(principal: Principal, conversationId: string, input: { personId: string; disagreement: string; callerName: string }, audit: AuditContext): Promise<RaiseResult> {
    must(principal, RAISE_ROLES);
    const form = await this.raiseForm(principal, conversationId);
    const errors: FieldError[] = [];
    const child = form.children.find((k) => k.personId === input.personId);
    if (!child) errors.push({ field: 'person', message: 'Select the child whose outcome the caller disagrees with' });
    if (!input.disagreement) errors.push({ field: 'disagreement', message: 'Enter what the caller disagrees with, and why' });
    else if (input.disagreement.length > TEXT_MAX) errors.push({ field: 'disagreement', message: `What the caller disagrees with must be ${TEXT_MAX.toLocaleString('en-GB')} characters or fewer` });
    if (input.callerName.length > 200) errors.push({ field: 'caller-name', message: 'The caller’s name must be 200 characters or fewer' });
    if (errors.length || !child) return { ok: false, errors };
    const now = this.ctx.clock.now();
    return this.ctx.db.transaction().execute(async (tx) => {
      const c = form.conversation;
      const k = (await this.facts.children(tx, c.id, c.current_version)).find((x) => x.person_id === child.personId)!;
      if (await this.repo.openFor(tx, c.id, k.person_id)) {
        return { ok: false as const, errors: [{ field: 'person', message: `There is already an open disagreement about ${child.name} from this conversation` }] };
      }
      const r = await this.open(tx, audit, {
        authorityId: principal.authorityId, conversationId: c.id, version: c.current_version, personId: k.person_id, outcomeCode: k.outcome_code, disagreement: input.disagreement,
        caller: { name: input.callerName || form.caller?.caller_name || null, role: form.caller?.caller_role ?? null, agencyCode: form.caller?.caller_agency_code ?? null },
        source: 'by-hand', raisedBy: principal.id, now,
      });
      return { ok: true as const, ...r };
    });
  }

  private canRespond(principal: Principal, stage: number): boolean {
    return stage === 1 ? RAISE_ROLES.includes(principal.role) : LATER_STAGE_ROLES.includes(principal.role);
  }

  /** One disagreement with its stages, audited as a view of the child's record. */
  async view(principal: Principal, id: string, audit: AuditContext) {
    return this.ctx.db.transaction().execute(async (tx) => {
      const d = await this.repo.find(tx, principal.authorityId, id);
      if (!d) throw notFound('disagreement');
      const stages = await this.repo.stages(tx, id);
      await recordAudit(tx, audit, { action: 'disagreement.viewed', entityId: id, conversationId: d.conversation_id, personIds: [d.person_id] });
      return this.describe(principal, d, stages);
    });
  }

  private describe(principal: Principal, d: DisagreementListRow, stages: Awaited<ReturnType<DisagreementsRepository['stages']>>) {
    const profile = this.ctx.profiles.get(principal.authorityId);
    const policy = profile.disagreementPolicy;
    const now = this.ctx.clock.now();
    const working = this.working(principal.authorityId);
    const current = stages.find((s) => s.stage === d.current_stage && s.responded_at === null) ?? null;
    const stageCount = Math.max(policy.stages.length, d.current_stage);
    return {
      disagreement: d,
      childName: childName(d),
      outcomeLabel: d.outcome_code ? labelOf(profile.outcomes, d.outcome_code) : 'Not recorded',
      agencyLabel: d.caller_agency_code ? labelOf(profile.agencies, d.caller_agency_code) : null,
      stages: stages.map((s) => ({ ...s, resultLabel: s.result ? RESULT_LABELS[s.result] : null })),
      current: current ? { ...current, overdue: isLate(current.due_at, now), dueWords: dueWords(current.due_on, now, working) } : null,
      policy,
      stageCount,
      results: current ? allowedResults(current.stage, stageCount) : [],
      resultLabels: RESULT_LABELS,
      nextStage: current ? nextStage(policy.stages, current.stage) : null,
      canRespond: current !== null && this.canRespond(principal, current.stage),
    };
  }

  /**
   * The response at the current stage: resolved (closes it), escalated (opens the next stage, due in
   * its working days from now) or, at the last stage, not resolved (closes it unresolved). A stage
   * already answered, or a form for another stage than the current one, is refused as a conflict.
   */
  async respond(principal: Principal, id: string, input: { stage: string; response: string; result: string; agreedOutcome: string; nextSteps: string }, audit: AuditContext): Promise<RespondResult> {
    const now = this.ctx.clock.now();
    const policy = this.stages(principal.authorityId);
    return this.ctx.db.transaction().execute(async (tx): Promise<RespondResult> => {
      const d = await this.repo.lock(tx, principal.authorityId, id);
      if (!d) throw notFound('disagreement');
      const stages = await this.repo.stages(tx, id);
      const current = stages.find((s) => s.stage === d.current_stage);
      const postedStage = Number(input.stage);
      if (d.status !== 'open' || !current || current.responded_at !== null) {
        return { ok: false, conflict: `${d.reference} is closed: its last stage has already been answered. A response cannot be changed or added.` };
      }
      if (input.stage !== '' && postedStage !== current.stage) {
        return { ok: false, conflict: `Stage ${postedStage} of ${d.reference} has already been answered; it is now at stage ${current.stage}. Read the latest response before answering.` };
      }
      if (!this.canRespond(principal, current.stage)) {
        throw new HttpError(403, 'You cannot do this', 'Only a team manager can record the response at this stage.');
      }
      const stageCount = Math.max(policy.length, current.stage);
      const errors = validateStageResponse(input, current.stage, stageCount);
      if (errors.length) return { ok: false, errors };
      const result = input.result as StageResult;
      const onTime = !isLate(current.due_at, now);
      if (!(await this.repo.respond(tx, current.id, { response: input.response, result, respondedBy: principal.id, respondedAt: now, onTime }))) {
        return { ok: false, conflict: `Stage ${current.stage} of ${d.reference} has already been answered.` };
      }
      let next: { stage: number; dueOn: string } | null = null;
      if (result === 'escalate') {
        const s = nextStage(policy, current.stage)!;
        const { dueOn, dueAt } = stageDeadline(now, this.working(principal.authorityId), s.respondWithinWorkingDays);
        const stage = current.stage + 1;
        await this.repo.insertStage(tx, { id: randomUUID(), disagreement_id: id, stage, stage_code: s.code, stage_label: s.label, who: s.who, working_days: s.respondWithinWorkingDays, opened_at: now, due_on: dueOn, due_at: dueAt });
        await this.repo.update(tx, id, { current_stage: stage });
        next = { stage, dueOn };
      } else {
        await this.repo.update(tx, id, {
          status: result === 'resolved' ? 'resolved' : 'unresolved',
          closed_at: now,
          closing_note: result === 'resolved' ? input.agreedOutcome : input.nextSteps,
        });
      }
      await recordAudit(tx, audit, {
        action: 'disagreement.responded', entityId: id, conversationId: d.conversation_id, personIds: [d.person_id],
        details: { stage: current.stage, result, onTime, nextStage: next?.stage ?? null, nextDueOn: next?.dueOn ?? null },
      });
      return { ok: true, status: result === 'escalate' ? 'open' : result === 'resolved' ? 'resolved' : 'unresolved', stage: next?.stage ?? current.stage, reference: d.reference };
    });
  }

  /** The managers' list: open, overdue or closed disagreements, with each one's current stage and due date. */
  async list(principal: Principal, filter: Filter, audit: AuditContext) {
    must(principal, LIST_ROLES);
    const now = this.ctx.clock.now();
    const working = this.working(principal.authorityId);
    const profile = this.ctx.profiles.get(principal.authorityId);
    return this.ctx.db.transaction().execute(async (tx) => {
      const rows = await this.repo.list(tx, principal.authorityId, filter, now);
      const counts = await this.repo.openCounts(tx, principal.authorityId, now);
      if (rows.length) {
        await recordAudit(tx, audit, { action: 'disagreement.list-viewed', personIds: [...new Set(rows.map((r) => r.person_id))], details: { filter, disagreementIds: rows.map((r) => r.id) } });
      }
      return {
        counts,
        items: rows.map((r) => ({
          ...r,
          childName: childName(r),
          outcomeLabel: r.outcome_code ? labelOf(profile.outcomes, r.outcome_code) : 'Not recorded',
          overdue: r.status === 'open' && r.due_at !== null && isLate(r.due_at, now),
          dueWords: r.status === 'open' && r.due_on ? dueWords(r.due_on, now, working) : null,
        })),
      };
    });
  }

  /** For the home page: how many are open, and how many of them overdue. */
  summary(principal: Principal) {
    return this.repo.openCounts(this.ctx.db, principal.authorityId, this.ctx.clock.now());
  }

  /** The disagreements about a conversation's children, for its record page. */
  async forConversation(principal: Principal, conversationId: string) {
    const now = this.ctx.clock.now();
    const rows = await this.repo.forConversation(this.ctx.db, principal.authorityId, conversationId);
    return rows.map((r) => ({ ...r, childName: childName(r), overdue: r.status === 'open' && r.due_at !== null && isLate(r.due_at, now) }));
  }

  /** A line per disagreement under each conversation in a chronology: where it stands, in words. */
  async chronologyLines(principal: Principal, conversationIds: string[]): Promise<{ conversationId: string; text: string; href: string }[]> {
    const ds = await this.repo.forConversations(this.ctx.db, principal.authorityId, conversationIds);
    const stages = await this.repo.stagesOf(this.ctx.db, ds.map((d) => d.id));
    return ds.map((d) => {
      let text: string;
      if (d.status === 'resolved') text = `Caller disagreed – resolved at stage ${d.current_stage}`;
      else if (d.status === 'unresolved') text = `Caller disagreed – not resolved after stage ${d.current_stage}`;
      else if (stages.some((s) => s.disagreement_id === d.id && s.result === 'escalate')) text = `Caller disagreed – escalated to stage ${d.current_stage}`;
      else text = 'Caller disagreed – open at stage 1';
      return { conversationId: d.conversation_id, text: `${text} (${d.reference})`, href: `/disagreements/${d.id}` };
    });
  }

  defaultPeriod(): Period {
    const to = todayInLondon(this.ctx.clock.now());
    return { from: addDays(to, -(DEFAULT_PERIOD_DAYS - 1)), to };
  }

  parsePeriod(query: Record<string, unknown>): PeriodQuery {
    return parsePeriodQuery(query, this.defaultPeriod());
  }

  /**
   * Counts for disagreements raised in the period (London dates, both included): how many, how many
   * were resolved at each stage, how many closed unresolved, how many are still open and overdue now,
   * and the average working days from raising to resolution.
   */
  async figures(principal: Principal, period: Period) {
    must(principal, MI_ROLES);
    const authorityId = principal.authorityId;
    const now = this.ctx.clock.now();
    const working = this.working(authorityId);
    const policy = this.stages(authorityId);
    const from = londonWallTimeToInstant(period.from, { hour: 0 });
    const to = londonWallTimeToInstant(addDays(period.to, 1), { hour: 0 });
    const { disagreements, stages } = await this.repo.raisedBetween(this.ctx.db, authorityId, from, to);
    const maxStage = Math.max(policy.length, ...disagreements.map((d) => d.current_stage));
    const resolvedAt = Array.from({ length: maxStage }, (_, i) => ({
      stage: i + 1,
      label: policy[i]?.label ?? `Stage ${i + 1}`,
      resolved: disagreements.filter((d) => d.status === 'resolved' && d.current_stage === i + 1).length,
      reached: stages.filter((s) => s.stage === i + 1).length,
      late: stages.filter((s) => s.stage === i + 1 && (s.on_time === false || (s.responded_at === null && isLate(s.due_at, now)))).length,
    }));
    const open = disagreements.filter((d) => d.status === 'open');
    const overdue = open.filter((d) => stages.some((s) => s.disagreement_id === d.id && s.stage === d.current_stage && s.responded_at === null && isLate(s.due_at, now)));
    const resolved = disagreements.filter((d) => d.status === 'resolved' && d.closed_at);
    let averageWorkingDaysToResolve: number | null = null;
    if (resolved.length) {
      const total = resolved.reduce((sum, d) => sum + workingDaysBetween(londonDateOf(d.raised_at), londonDateOf(d.closed_at!), working), 0);
      averageWorkingDaysToResolve = Math.round((total / resolved.length) * 10) / 10;
    }
    return {
      period: { ...period, fromLabel: formatDateLong(period.from), toLabel: formatDateLong(period.to) },
      raised: disagreements.length,
      resolved: resolved.length,
      resolvedAt,
      unresolved: disagreements.filter((d) => d.status === 'unresolved').length,
      open: open.length,
      overdue: overdue.length,
      averageWorkingDaysToResolve,
    };
  }

  /** The figures as CSV rows (measure, value): one table a spreadsheet opens as it is. */
  figuresCsv(f: Awaited<ReturnType<DisagreementsService['figures']>>): string {
    const rows: [string, string | number][] = [
      ['Period from', f.period.from],
      ['Period to', f.period.to],
      ['Disagreements raised', f.raised],
      ...f.resolvedAt.map((s) => [`Resolved at ${s.label}`, s.resolved] as [string, number]),
      ['Resolved (all stages)', f.resolved],
      ['Not resolved after the last stage', f.unresolved],
      ['Still open', f.open],
      ['Open and overdue now', f.overdue],
      ['Average working days to resolve', f.averageWorkingDaysToResolve ?? ''],
    ];
    return toCsv({ headers: ['Measure', 'Value'], rows });
  }
}

function must(principal: Principal, roles: Role[]): void {
  if (!roles.includes(principal.role)) throw new HttpError(403, 'You cannot do this', 'Your role does not allow this.');
}
