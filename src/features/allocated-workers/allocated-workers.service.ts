import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/database.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { parseDateParts, todayInLondon, formatDateLong, formatDateTimeLondon } from '../../domain/dates.js';
import { childFieldId, type FieldError } from '../../domain/conversation-rules.js';
import { kindLabel, parseAllocation, type AllocationInput, type AllocationValues } from '../../domain/allocation-rules.js';
import { displayName } from '../../domain/names.js';
import type { CompletionHook } from '../conversations/completion.js';
import { NotificationSender } from '../mash/notifications.js';
import { escapeHtml } from '../written-records/render-html.js';
import { AllocatedWorkersRepository, type AllocationWithNames, type NoticeView } from './allocated-workers.repository.js';

export { ALLOCATION_KINDS, kindLabel, parseAllocation, type AllocationKind, type AllocationInput, type AllocationValues } from '../../domain/allocation-rules.js';

/** Who may record, change and end a child's allocated worker. */
export const MANAGE_ALLOCATIONS: Role[] = ['team-manager', 'cads-worker'];
/** Who may be passed a conversation and acknowledge it (the roles a linked worker can have). */
export const ACKNOWLEDGE_ROLES: Role[] = ['cads-worker', 'team-manager', 'early-help-practitioner', 'edt-worker'];

/** What the pages show about a child's current allocated worker. */
export interface AllocationSummary {
  id: string;
  personId: string;
  kind: string;
  kindLabel: string;
  workerName: string;
  team: string;
  phone: string;
  email: string;
  startDate: string;
  userId: string | null;
}

function summary(a: AllocationWithNames): AllocationSummary {
  return {
    id: a.id, personId: a.person_id, kind: a.kind, kindLabel: kindLabel(a.kind), workerName: a.worker_name, team: a.team,
    phone: a.phone, email: a.email, startDate: a.start_date, userId: a.user_id,
  };
}

/** "Passed to Olu Adeyemi (social worker) on 23 November 2026 at 10am; acknowledged by … on …" */
export function noticeText(n: NoticeView): string {
  const passed = `Passed to ${n.worker_name} (${kindLabel(n.kind).toLowerCase()}, ${n.team}) on ${formatDateTimeLondon(n.notified_at)}`;
  return n.acknowledged_at
    ? `${passed}; acknowledged${n.acknowledged_by_name ? ` by ${n.acknowledged_by_name}` : ''} on ${formatDateTimeLondon(n.acknowledged_at)}`
    : `${passed}; not yet acknowledged`;
}

export type AcknowledgeResult = { ok: true; reference: string } | { ok: false; reference: string; acknowledgedBy: string; acknowledgedAt: Date };

/**
 * Allocated workers: a child's allocated social worker or family practitioner, who callers should
 * contact directly; and conversations CADS passes to them, which they acknowledge.
 */
export class AllocatedWorkersService {
  readonly repo = new AllocatedWorkersRepository();
  constructor(private readonly ctx: AppContext) {}

  private today() {
    return todayInLondon(this.ctx.clock.now());
  }

  private async person(db: AppContext['db'] | Tx, principal: Principal, personId: string) {
    const p = await this.repo.person(db, principal.authorityId, personId);
    if (!p) throw notFound('child or person');
    return p;
  }

  /** A child's allocations, current first; reading them is audited like the record. */
  async history(principal: Principal, personId: string, audit: AuditContext) {
    return this.ctx.db.transaction().execute(async (tx) => {
      const person = await this.person(tx, principal, personId);
      const allocations = await this.repo.history(tx, principal.authorityId, [personId]);
      await recordAudit(tx, audit, { action: 'allocation.history-viewed', entityId: personId, personIds: [personId] });
      return { person, allocations: allocations.map((a) => ({ ...a, kindLabel: kindLabel(a.kind) })) };
    });
  }

  /** What the add and change forms need: the child and the staff a worker can be linked to. */
  async formFor(principal: Principal, personId: string) {
    const person = await this.person(this.ctx.db, principal, personId);
    const users = await this.repo.linkableUsers(this.ctx.db, principal.authorityId);
    return { person, users };
  }

  /** An allocation of this authority, or 404. */
  async get(principal: Principal, id: string) {
    const a = await this.repo.find(this.ctx.db, principal.authorityId, id);
    if (!a) throw notFound('allocation');
    return { ...a, kindLabel: kindLabel(a.kind) };
  }

  /**
   * Records a child's allocated worker. A child has one current allocated worker: one already
   * recorded is ended today, and stays in the history.
   */
  async add(principal: Principal, personId: string, input: AllocationInput, audit: AuditContext): Promise<{ ok: true; id: string } | { ok: false; errors: FieldError[] }> {
    await this.person(this.ctx.db, principal, personId);
    const users = await this.repo.linkableUsers(this.ctx.db, principal.authorityId);
    const today = this.today();
    const parsed = parseAllocation(input, today, users.map((u) => u.id));
    if (!parsed.ok) return parsed;
    const now = this.ctx.clock.now();
    const id = randomUUID();
    await this.ctx.db.transaction().execute(async (tx) => {
      await this.person(tx, principal, personId);
      const current = await this.repo.currentForUpdate(tx, principal.authorityId, personId);
      if (current) {
        const endDate = current.start_date > today ? current.start_date : today;
        await this.repo.update(tx, principal.authorityId, current.id, {
          end_date: endDate, end_reason: 'Replaced by a new allocated worker', ended_at: now, ended_by: principal.id, updated_at: now, updated_by: principal.id,
        });
        await recordAudit(tx, audit, { action: 'allocation.ended', entityId: current.id, personIds: [personId], details: { endDate } });
      }
      await this.repo.insert(tx, {
        id, authority_id: principal.authorityId, person_id: personId, ...parsed.values,
        created_by: principal.id, created_at: now, updated_by: principal.id, updated_at: now,
      });
      await recordAudit(tx, audit, { action: 'allocation.added', entityId: id, personIds: [personId], details: { kind: parsed.values.kind, linkedUser: parsed.values.user_id !== null, replacedId: current?.id ?? null } });
    });
    return { ok: true, id };
  }

  /** Corrects a current allocation's details (a new phone number, a team renamed). */
  async change(principal: Principal, id: string, input: AllocationInput, audit: AuditContext): Promise<{ ok: true; personId: string } | { ok: false; errors: FieldError[] }> {
    const existing = await this.get(principal, id);
    if (existing.ended_at) throw new HttpError(409, 'This allocation has ended', 'An ended allocation cannot be changed. Record a new allocated worker instead.');
    const users = await this.repo.linkableUsers(this.ctx.db, principal.authorityId);
    const parsed = parseAllocation(input, this.today(), users.map((u) => u.id));
    if (!parsed.ok) return parsed;
    const now = this.ctx.clock.now();
    const fields = (Object.keys(parsed.values) as (keyof AllocationValues)[]).filter((k) => parsed.values[k] !== existing[k]);
    await this.ctx.db.transaction().execute(async (tx) => {
      const current = await this.repo.currentForUpdate(tx, principal.authorityId, existing.person_id);
      if (current?.id !== id) throw new HttpError(409, 'This allocation has ended', 'Someone ended this allocation while you were changing it.');
      await this.repo.update(tx, principal.authorityId, id, { ...parsed.values, updated_at: now, updated_by: principal.id });
      await recordAudit(tx, audit, { action: 'allocation.changed', entityId: id, personIds: [existing.person_id], details: { fields } });
    });
    return { ok: true, personId: existing.person_id };
  }

  /** Ends an allocation on a given date (today or earlier, not before it started). */
  async end(principal: Principal, id: string, input: { day: string; month: string; year: string; reason: string }, audit: AuditContext): Promise<{ ok: true; personId: string } | { ok: false; errors: FieldError[] }> {
    const existing = await this.get(principal, id);
    if (existing.ended_at) throw new HttpError(409, 'This allocation has already ended', `It ended on ${formatDateLong(existing.end_date!)}.`);
    const errors: FieldError[] = [];
    const date = parseDateParts(input, { label: 'the date the allocation ended', mustBePast: true, allowToday: true, today: this.today() });
    if (!date.ok) errors.push({ field: date.field === 'all' ? 'end-day' : `end-${date.field}`, message: date.message });
    else if (date.date < existing.start_date) errors.push({ field: 'end-day', message: `The date the allocation ended must be on or after it started, ${formatDateLong(existing.start_date)}` });
    if (input.reason.length > 2000) errors.push({ field: 'reason', message: 'Reason must be 2,000 characters or fewer' });
    if (errors.length || !date.ok) return { ok: false, errors };
    const now = this.ctx.clock.now();
    await this.ctx.db.transaction().execute(async (tx) => {
      const current = await this.repo.currentForUpdate(tx, principal.authorityId, existing.person_id);
      if (current?.id !== id) throw new HttpError(409, 'This allocation has already ended', 'Someone ended it while you were on this page.');
      await this.repo.update(tx, principal.authorityId, id, { end_date: date.date, end_reason: input.reason || null, ended_at: now, ended_by: principal.id, updated_at: now, updated_by: principal.id });
      await recordAudit(tx, audit, { action: 'allocation.ended', entityId: id, personIds: [existing.person_id], details: { endDate: date.date } });
    });
    return { ok: true, personId: existing.person_id };
  }

  /** The current allocated worker of each of these people who has one, by person id (for search results and the pages). */
  async activeForPeople(principal: Principal, personIds: string[]): Promise<Record<string, AllocationSummary>> {
    const rows = await this.repo.current(this.ctx.db, principal.authorityId, [...new Set(personIds)]);
    return Object.fromEntries(rows.map((a) => [a.person_id, summary(a)]));
  }

  /** The children of a conversation's latest version who have an allocated worker, with that worker (for a call's screen; audited when any are shown). */
  async activeForConversation(principal: Principal, conversationId: string, audit: AuditContext) {
    const c = await this.ctx.db.selectFrom('conversations').select(['id', 'current_version', 'status']).where('id', '=', conversationId).where('authority_id', '=', principal.authorityId).executeTakeFirst();
    if (!c) return [];
    const version = c.status === 'completed' ? c.current_version + 1 : c.current_version;
    let children = await this.repo.versionChildren(this.ctx.db, c.id, version);
    if (!children.length) children = await this.repo.versionChildren(this.ctx.db, c.id, c.current_version);
    const active = await this.activeForPeople(principal, children.map((x) => x.person_id));
    const shown = children.filter((x) => active[x.person_id]).map((x) => ({ name: displayName(x), personId: x.person_id, allocation: active[x.person_id]! }));
    // Naming the children on the call's screen is a view of them.
    if (shown.length) await recordAudit(this.ctx.db, audit, { action: 'conversation.viewed', conversationId, personIds: shown.map((x) => x.personId) });
    return shown;
  }

  /**
   * On completion: each child whose outcome passes the conversation to their allocated worker is
   * checked to have one (otherwise the completion is refused and nothing is saved), then a notice
   * is kept, the worker is emailed (no child named) and, when they use Front Door, given a task.
   */
  completionHook(): CompletionHook {
    return async (tx, conversation, version, requestedBy) => {
      const profile = this.ctx.profiles.get(conversation.authority_id);
      const codes = new Set(profile.outcomes.filter((o) => o.passesToAllocatedWorker).map((o) => o.code));
      if (!codes.size) return;
      const children = await this.repo.versionChildren(tx, conversation.id, version);
      const passing = children.map((c, i) => ({ ...c, index: i })).filter((c) => c.outcome_code && codes.has(c.outcome_code));
      if (!passing.length) return;
      const current = await this.repo.current(tx, conversation.authority_id, passing.map((c) => c.person_id));
      const missing = passing.filter((c) => !current.some((a) => a.person_id === c.person_id));
      if (missing.length) {
        const outcomeLabel = profile.outcomes.find((o) => codes.has(o.code))!.label;
        const fieldErrors: FieldError[] = missing.map((c) => ({
          field: childFieldId(c.index, 'outcome'),
          message: `${displayName(c)} has no allocated worker, so the outcome cannot be “${outcomeLabel}”. Choose another outcome, or record their allocated worker on their record first`,
        }));
        throw new HttpError(422, 'No allocated worker', fieldErrors.map((e) => e.message).join('. '), { fieldErrors });
      }
      const now = this.ctx.clock.now();
      const sender = new NotificationSender(this.ctx);
      for (const child of passing) {
        const a = current.find((x) => x.person_id === child.person_id)!;
        const noticeId = randomUUID();
        const added = await this.repo.insertNotice(tx, {
          id: noticeId, authority_id: conversation.authority_id, conversation_id: conversation.id, version, person_id: child.person_id,
          allocation_id: a.id, notified_at: now, notified_by: requestedBy, acknowledged_at: null, acknowledged_by: null,
        });
        if (!added) continue;
        const facts = {
          serviceName: profile.service.name, reference: conversation.reference, kind: kindLabel(a.kind).toLowerCase(), workerName: a.worker_name,
          signInUrl: `${this.ctx.config.baseUrl}/sign-in?next=${encodeURIComponent('/')}`, usesFrontDoor: a.user_id !== null,
          phone: profile.phoneLines.find((l) => l.for === 'professionals')?.number ?? profile.phoneLines[0]!.number,
        };
        await sender.queue(tx, [{
          authorityId: conversation.authority_id, kind: 'allocated-worker-passed', mashRequestId: null, subjectType: 'allocated-worker-notice', subjectId: noticeId,
          to: a.email, subject: passedSubject(facts), text: passedText(facts), html: passedHtml(facts),
        }]);
        if (a.user_id) {
          await this.repo.insertTask(tx, {
            id: randomUUID(), authority_id: conversation.authority_id, assigned_to: a.user_id, conversation_id: conversation.id, subject_id: noticeId,
            detail: `Conversation ${conversation.reference} was passed to you as the child's allocated ${facts.kind}. Read it and acknowledge it.`, created_at: now,
          });
        }
      }
    };
  }

  /**
   * The allocated worker (or a team manager) acknowledges a conversation passed to them. Only the
   * first acknowledgement counts; a second is told who acknowledged it and when.
   */
  async acknowledge(principal: Principal, noticeId: string, audit: AuditContext): Promise<AcknowledgeResult> {
    const now = this.ctx.clock.now();
    return this.ctx.db.transaction().execute(async (tx): Promise<AcknowledgeResult> => {
      const n = await this.repo.notice(tx, principal.authorityId, noticeId);
      if (!n) throw notFound('conversation passed to you');
      if (n.user_id !== principal.id && principal.role !== 'team-manager') {
        throw new HttpError(403, 'Not passed to you', 'This conversation was passed to another allocated worker. Only they, or a team manager, can acknowledge it.');
      }
      if (n.acknowledged_at === null && (await this.repo.acknowledge(tx, principal.authorityId, noticeId, principal.id, now))) {
        await this.repo.closeTasks(tx, principal.authorityId, noticeId, principal.id, now);
        await recordAudit(tx, audit, { action: 'allocated-worker.acknowledged', entityId: noticeId, personIds: [n.person_id], details: { conversationId: n.conversation_id, allocationId: n.allocation_id } });
        return { ok: true, reference: n.reference };
      }
      const after = await this.repo.notice(tx, principal.authorityId, noticeId);
      return { ok: false, reference: n.reference, acknowledgedBy: after?.acknowledged_by_name ?? 'Someone', acknowledgedAt: after?.acknowledged_at ?? now };
    });
  }

  /** What is waiting for this person to acknowledge. */
  async waitingFor(principal: Principal) {
    const rows = await this.repo.waitingFor(this.ctx.db, principal.authorityId, principal.id);
    return rows.map((r) => ({ ...r, childName: displayName(r), kindLabel: kindLabel(r.kind), concern: r.concern_detail && r.concern_detail.length > 300 ? `${r.concern_detail.slice(0, 300)}…` : r.concern_detail }));
  }

  async noticesForConversations(principal: Principal, conversationIds: string[]) {
    const rows = await this.repo.noticesForConversations(this.ctx.db, principal.authorityId, conversationIds);
    return rows.map((n) => ({ ...n, childName: displayName(n), text: noticeText(n) }));
  }
}

interface PassedFacts {
  serviceName: string;
  reference: string;
  kind: string;
  workerName: string;
  signInUrl: string;
  usesFrontDoor: boolean;
  phone: string;
}

export function passedSubject(f: PassedFacts): string {
  return `${f.reference}: a conversation passed to you as allocated worker`;
}

function passedLines(f: PassedFacts): string[] {
  return [
    `Dear ${f.workerName},`,
    `${f.serviceName} has passed conversation ${f.reference} to you, as the allocated ${f.kind} of a child it was about. The caller was told to contact you directly.`,
    f.usesFrontDoor
      ? 'Sign in to Front Door to read the conversation and acknowledge it. It is on your home page until you do:'
      : `To hear what was discussed, phone ${f.serviceName} on ${f.phone} and quote ${f.reference}.`,
  ];
}

export function passedText(f: PassedFacts): string {
  return [
    ...passedLines(f),
    ...(f.usesFrontDoor ? [f.signInUrl] : []),
    'This email does not name the child: their details are only in Front Door.',
    f.serviceName,
  ].join('\n\n') + '\n';
}

export function passedHtml(f: PassedFacts): string {
  const p = 'margin:0 0 15px 0;font-size:16px;line-height:1.5;color:#0b0c0c;';
  const a = 'color:#1d70b8;text-decoration:underline;';
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(passedSubject(f))}</title></head>
<body style="margin:0;padding:20px 15px;font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;color:#0b0c0c;">
<h1 style="margin:0 0 20px 0;font-size:24px;line-height:1.25;">Conversation passed to you</h1>
${passedLines(f).map((l) => `<p style="${p}">${escapeHtml(l)}</p>`).join('\n')}
${f.usesFrontDoor ? `<p style="${p}"><a href="${escapeHtml(f.signInUrl)}" style="${a}">${escapeHtml(f.signInUrl)}</a></p>` : ''}
<p style="${p}">This email does not name the child: their details are only in Front Door.</p>
<p style="${p}">${escapeHtml(f.serviceName)}</p>
</body>
</html>
`;
}
