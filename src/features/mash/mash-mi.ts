import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import { enterRowScope } from '../../platform/db/row-scope.js';
import { HttpError } from '../../platform/http/errors.js';
import { parsePeriodQuery, type PeriodQuery } from '../../platform/http/period.js';
import { addDays, formatDateLong, londonWallTimeToInstant, todayInLondon } from '../../domain/dates.js';

/**
 * MASH management information for one authority: enquiries by rating, partner agencies' answers
 * on time and late, and how long it takes from a conversation to the MASH decision. Only counts
 * and durations, never a child, so reading them is not audited; every query is scoped to the
 * principal's authority, and runs under the row-level-security role as the MASH's own work does.
 */
export const MI_ROLES: Role[] = ['team-manager', 'mash-coordinator', 'mi-analyst'];

export const DEFAULT_PERIOD_DAYS = 28;

/** London calendar dates, both included. */
export interface MiPeriod {
  from: string;
  to: string;
}

const RATINGS = ['red', 'amber', 'green', 'unrated'] as const;
type RatingKey = (typeof RATINGS)[number];

export interface RagRow {
  rating: RatingKey;
  label: string;
  open: number;
  closed: number;
  total: number;
}

export interface AgencyRow {
  code: string;
  label: string;
  onTime: number;
  late: number;
  /** Not answered and past due now. */
  openOverdue: number;
  /** Not answered and not yet due, or withdrawn. */
  other: number;
  sent: number;
  /** On time as a share of those answered, '–' when none were. */
  onTimeRate: string;
}

export interface TimeToDecision {
  decisions: number;
  /** Milliseconds, or null when there were no decisions. */
  medianMs: number | null;
  p90Ms: number | null;
  median: string;
  p90: string;
}

export interface MashMi {
  period: MiPeriod & { fromLabel: string; toLabel: string };
  enquiries: { rows: RagRow[]; totals: { open: number; closed: number; total: number } };
  agencies: { rows: AgencyRow[]; totals: Omit<AgencyRow, 'code' | 'label'> };
  timeToDecision: TimeToDecision;
}

/** '1 day 4 hours', '3 hours 20 minutes', '45 minutes'. */
export function durationWords(ms: number | null): string {
  if (ms === null) return 'No decisions';
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const part = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  const words = [days ? part(days, 'day') : '', hours ? part(hours, 'hour') : '', !days && mins ? part(mins, 'minute') : ''].filter(Boolean);
  return words.length ? words.join(' ') : 'Less than a minute';
}

function rate(part: number, whole: number): string {
  return whole === 0 ? '–' : `${Math.round((part / whole) * 100)}%`;
}

export class MashMiService {
  constructor(private readonly ctx: AppContext) {}

  /** The 28 days up to and including today (London). */
  defaultPeriod(): MiPeriod {
    const to = todayInLondon(this.ctx.clock.now());
    return { from: addDays(to, -(DEFAULT_PERIOD_DAYS - 1)), to };
  }

  /** The period the page asks for (see parsePeriodQuery); blank ends take the default's. */
  parsePeriod(query: Record<string, unknown>): PeriodQuery {
    return parsePeriodQuery(query, this.defaultPeriod());
  }

  /** The figures for the principal's own authority over `period`. */
  async figures(principal: Principal, period: MiPeriod): Promise<MashMi> {
    if (!MI_ROLES.includes(principal.role)) throw new HttpError(403, 'You cannot do this', 'Your role does not allow you to see MASH reports.');
    const authorityId = principal.authorityId;
    const from = londonWallTimeToInstant(period.from, { hour: 0 });
    const to = londonWallTimeToInstant(addDays(period.to, 1), { hour: 0 });
    const now = this.ctx.clock.now();
    const mash = this.ctx.profiles.get(authorityId).mash;
    const { enquiries, requests, times } = await this.ctx.db.transaction().execute(async (tx) => {
      await enterRowScope(tx, { authorities: [authorityId], agency: null });
      return {
        enquiries: await enquiriesByRag(tx, authorityId, from, to),
        requests: await requestsByAgency(tx, authorityId, from, to, now),
        times: await timeToDecision(tx, authorityId, from, to),
      };
    });

    const ragLabel = (k: RatingKey) => (k === 'unrated' ? 'Not yet rated' : mash.ratings.find((r) => r.code === k)?.label ?? k);
    const ragRows = RATINGS.map((k): RagRow => {
      const open = enquiries.filter((e) => (e.rag ?? 'unrated') === k && !e.closed).reduce((n, e) => n + Number(e.n), 0);
      const closed = enquiries.filter((e) => (e.rag ?? 'unrated') === k && e.closed).reduce((n, e) => n + Number(e.n), 0);
      return { rating: k, label: ragLabel(k), open, closed, total: open + closed };
    }).filter((r) => r.rating !== 'unrated' || r.total > 0);

    // Every configured agency, in the profile's order, then any no longer configured that had requests.
    const codes = [...mash.checkAgencies.map((a) => a.code), ...requests.map((r) => r.agency_code).filter((c) => !mash.checkAgencies.some((a) => a.code === c))];
    const agencyRows = [...new Set(codes)].map((code): AgencyRow => {
      const r = requests.find((x) => x.agency_code === code);
      const onTime = Number(r?.on_time ?? 0), late = Number(r?.late ?? 0), openOverdue = Number(r?.open_overdue ?? 0), sent = Number(r?.sent ?? 0);
      return {
        code, label: mash.checkAgencies.find((a) => a.code === code)?.label ?? code,
        onTime, late, openOverdue, other: sent - onTime - late - openOverdue, sent, onTimeRate: rate(onTime, onTime + late),
      };
    });
    const sum = (k: 'onTime' | 'late' | 'openOverdue' | 'other' | 'sent') => agencyRows.reduce((n, r) => n + r[k], 0);

    const medianMs = times.median === null ? null : Number(times.median) * 1000;
    const p90Ms = times.p90 === null ? null : Number(times.p90) * 1000;
    return {
      period: { ...period, fromLabel: formatDateLong(period.from), toLabel: formatDateLong(period.to) },
      enquiries: {
        rows: ragRows,
        totals: { open: ragRows.reduce((n, r) => n + r.open, 0), closed: ragRows.reduce((n, r) => n + r.closed, 0), total: ragRows.reduce((n, r) => n + r.total, 0) },
      },
      agencies: {
        rows: agencyRows,
        totals: { onTime: sum('onTime'), late: sum('late'), openOverdue: sum('openOverdue'), other: sum('other'), sent: sum('sent'), onTimeRate: rate(sum('onTime'), sum('onTime') + sum('late')) },
      },
      timeToDecision: { decisions: Number(times.n), medianMs, p90Ms, median: durationWords(medianMs), p90: durationWords(p90Ms) },
    };
  }
}

/** Enquiries opened in the period, by their rating now and whether they have been decided. */
function enquiriesByRag(db: Executor, authorityId: string, from: Date, to: Date) {
  return db
    .selectFrom('mash_enquiries')
    .select(['rag', sql<boolean>`status = 'closed'`.as('closed'), (eb) => eb.fn.countAll<string>().as('n')])
    .where('authority_id', '=', authorityId)
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .groupBy(['rag', sql`status = 'closed'`])
    .execute();
}

/**
 * Check requests sent in the period, by agency: answered by their deadline (answered_at <= due_at),
 * answered after it, not answered and past due now, and the rest (not yet due, or withdrawn).
 */
function requestsByAgency(db: Executor, authorityId: string, from: Date, to: Date, now: Date) {
  return db
    .selectFrom('mash_check_requests')
    .select([
      'agency_code',
      (eb) => eb.fn.countAll<string>().as('sent'),
      sql<string>`count(*) filter (where status = 'answered' and answered_at <= due_at)`.as('on_time'),
      sql<string>`count(*) filter (where status = 'answered' and answered_at > due_at)`.as('late'),
      sql<string>`count(*) filter (where status = 'open' and due_at < ${now})`.as('open_overdue'),
    ])
    .where('authority_id', '=', authorityId)
    .where('sent_at', '>=', from)
    .where('sent_at', '<', to)
    .groupBy('agency_code')
    .execute();
}

/**
 * Enquiries decided in the period that came from a conversation: the median and 90th percentile
 * of the time from the start of that conversation (conversations.started_at) to the decision, in
 * seconds. Enquiries opened by a manager have no conversation and are left out.
 */
async function timeToDecision(db: Executor, authorityId: string, from: Date, to: Date) {
  const seconds = sql<number>`extract(epoch from (e.decided_at - c.started_at))`;
  return db
    .selectFrom('mash_enquiries as e')
    .innerJoin('conversations as c', 'c.id', 'e.conversation_id')
    .select([
      (eb) => eb.fn.countAll<string>().as('n'),
      sql<string | null>`percentile_cont(0.5) within group (order by ${seconds})`.as('median'),
      sql<string | null>`percentile_cont(0.9) within group (order by ${seconds})`.as('p90'),
    ])
    .where('e.authority_id', '=', authorityId)
    .where('e.status', '=', 'closed')
    .where('e.decided_at', '>=', from)
    .where('e.decided_at', '<', to)
    .executeTakeFirstOrThrow();
}
