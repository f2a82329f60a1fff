import type { AppContext } from '../../platform/context.js';
import type { Principal } from '../../platform/auth/roles.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';
import { notFound } from '../../platform/http/errors.js';
import { labelOf } from '../../domain/authority-profile.js';
import type { ServiceCalendar } from '../../domain/service-calendar.js';
import { londonWallTimeToInstant, todayInLondon } from '../../domain/dates.js';
import { HandoverRepository, type HandoverRow } from './handover.repository.js';

export interface HandoverItem extends HandoverRow {
  outcomeLabels: string[];
  /** When the service opened (or opens) after the conversation started: when CADS's clock starts. */
  handedOverAt: Date | null;
  overdue: boolean;
  /** "Due in 1 hour 40 minutes", while not overdue and the due time is known. */
  dueIn: string | null;
}

export type AcceptResult =
  | { ok: true; reference: string }
  | { ok: false; reference: string; acceptedBy: string; acceptedAt: Date; byYou: boolean };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "2 hours 5 minutes", "45 minutes", "1 minute": how long until something, rounded up to the minute. */
export function durationWords(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return plural(m, 'minute');
  return m === 0 ? plural(h, 'hour') : `${plural(h, 'hour')} ${plural(m, 'minute')}`;
}

/**
 * The Emergency Duty Team's handover: conversations recorded out of hours that CADS must accept at
 * the start of the next working day. Nothing leaves the list until a worker accepts it, and
 * anything not accepted in time shows as overdue.
 */
export class HandoverService {
  readonly repo = new HandoverRepository();
  constructor(private readonly ctx: AppContext) {}

  private calendar(authorityId: string): ServiceCalendar {
    return this.ctx.calendars.forAuthority(authorityId);
  }

  /** The next opening at or after `at`; null when the calendar cannot say. */
  private openingAfter(calendar: ServiceCalendar, at: Date): Date | null {
    try {
      return calendar.nextOpening(at);
    } catch {
      return null;
    }
  }

  private item(principal: Principal, calendar: ServiceCalendar, row: HandoverRow, now: Date): HandoverItem {
    const profile = this.ctx.profiles.get(principal.authorityId);
    const due = row.handover_due_at;
    const overdue = row.handover_accepted_at === null && due !== null && now.getTime() > due.getTime();
    return {
      ...row,
      outcomeLabels: (row.outcomes ?? []).map((code) => labelOf(profile.outcomes, code)),
      handedOverAt: this.openingAfter(calendar, row.started_at),
      overdue,
      dueIn: row.handover_accepted_at === null && due !== null && !overdue ? durationWords(due.getTime() - now.getTime()) : null,
    };
  }

  /**
   * The handover list: what is waiting (the service has opened since it was recorded), what is
   * still inside the night or weekend (so EDT's work is visible), and what was accepted today.
   */
  async list(principal: Principal) {
    const now = this.ctx.clock.now();
    const calendar = this.calendar(principal.authorityId);
    const startOfToday = londonWallTimeToInstant(todayInLondon(now), { hour: 0 });
    const [open, accepted] = await Promise.all([
      this.repo.waiting(this.ctx.db, principal.authorityId),
      this.repo.acceptedSince(this.ctx.db, principal.authorityId, startOfToday),
    ]);
    const items = open.map((r) => this.item(principal, calendar, r, now));
    // A conversation whose next opening cannot be worked out is shown as waiting rather than hidden.
    const handedOver = (i: HandoverItem) => i.handedOverAt === null || i.handedOverAt.getTime() <= now.getTime();
    return {
      now,
      waiting: items.filter(handedOver),
      outOfHours: items.filter((i) => !handedOver(i)),
      acceptedToday: accepted.map((r) => this.item(principal, calendar, r, now)),
      acceptWithinWorkingHours: this.ctx.profiles.get(principal.authorityId).edtHandover.acceptWithinWorkingHours,
    };
  }

  /** For the home page's banner: how many are waiting to be accepted, and how many of them are overdue. */
  async summary(principal: Principal): Promise<{ waiting: number; overdue: number }> {
    const now = this.ctx.clock.now();
    const calendar = this.calendar(principal.authorityId);
    const rows = await this.repo.waitingTimes(this.ctx.db, principal.authorityId);
    const waiting = rows.filter((r) => {
      const next = this.openingAfter(calendar, r.started_at);
      return next === null || next.getTime() <= now.getTime();
    });
    return { waiting: waiting.length, overdue: waiting.filter((r) => r.handover_due_at !== null && now.getTime() > r.handover_due_at.getTime()).length };
  }

  /**
   * A CADS worker takes on an out-of-hours conversation. Only the first acceptance counts: a second
   * worker is told who got there first, and nothing changes.
   */
  async accept(principal: Principal, id: string, audit: AuditContext): Promise<AcceptResult> {
    const now = this.ctx.clock.now();
    return this.ctx.db.transaction().execute(async (tx): Promise<AcceptResult> => {
      const c = await this.repo.find(tx, principal.authorityId, id);
      if (!c) throw notFound('out-of-hours conversation');
      if (c.handover_accepted_at === null && (await this.repo.accept(tx, principal.authorityId, id, principal.id, now))) {
        await recordAudit(tx, audit, {
          action: 'conversation.handover-accepted',
          conversationId: id,
          personIds: await this.repo.personIds(tx, id),
          details: { dueAt: c.handover_due_at?.toISOString() ?? null, overdue: c.handover_due_at !== null && now.getTime() > c.handover_due_at.getTime() },
        });
        return { ok: true, reference: c.reference };
      }
      // Someone else accepted it between our read and our update: read again to name them.
      const after = c.handover_accepted_at === null ? await this.repo.find(tx, principal.authorityId, id) : c;
      return {
        ok: false,
        reference: c.reference,
        acceptedBy: after?.accepted_by_name ?? 'Someone else',
        acceptedAt: after?.handover_accepted_at ?? now,
        byYou: after?.handover_accepted_by === principal.id,
      };
    });
  }
}
