import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import type { DB } from '../../platform/db/schema.js';
import type { Executor } from '../../platform/db/database.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import type { Period } from '../../platform/http/period.js';
import { addDays, daysBetween, londonWallTimeToInstant } from '../../domain/dates.js';
import { ASSESSMENT_DECISIONS, S47_DECISIONS, S47_OUTCOMES } from './mi-refresh.js';
import { CONSENT_NOT_SOUGHT_REASONS } from '../../domain/codes.js';

export const MI_DASHBOARD_ROLES: Role[] = ['team-manager', 'mi-analyst'];

/** What the dashboard can be narrowed to, besides the period. Empty means "all". */
export interface MiFilters {
  teamId: string;
  workerId: string;
  agency: string;
  concern: string;
  level: string;
  outcome: string;
  /** 'in' opening hours, 'out' of hours, or '' for both. */
  hours: '' | 'in' | 'out';
}
export const NO_FILTERS: MiFilters = { teamId: '', workerId: '', agency: '', concern: '', level: '', outcome: '', hours: '' };

/** The figures a drill-down can open, and what each counts. */
export const DRILLS = {
  conversations: 'Conversations',
  referrals: 'Social care referrals',
  assessments: 'Decided: child and family assessment',
  s47: 'Decided: strategy discussion or section 47',
  'no-consent': 'Conversations without consent',
  'decided-late': 'Decisions made after their deadline',
  'decision-overdue': 'Decisions overdue and not yet made',
  repeat: 'Repeat conversations about the same child within 12 months',
  flags: 'Conversations that raised accumulation flags',
  'out-of-hours': 'Out-of-hours conversations',
  outcome: 'Children with this outcome',
  day: 'Conversations on this day',
} as const;
export type DrillKind = keyof typeof DRILLS;


type Facts = SelectQueryBuilder<DB, 'mi_conversation_facts', object>;

export interface MiDashboard {
  asOf: Date | null;
  waiting: number;
  /** `children` counts a child once per conversation; `distinctChildren` once however many conversations. */
  volume: { days: { day: string; conversations: number; children: number }[]; weeks: { week: string; conversations: number; children: number }[]; conversations: number; children: number; distinctChildren: number | null };
  outcomes: { code: string; label: string; children: number }[];
  conversion: { conversations: number; children: number; referrals: number; assessments: number; s47: number };
  consent: { yes: number; no: number; notRecorded: number; reasons: { code: string; label: string; n: number }[] };
  decisions: { needed: number; decided: number; inTime: number; late: number; overdue: number; notYetDue: number };
  repeat: { children: number; repeats: number };
  flags: { raised: number; conversations: number };
  edt: { outOfHours: number; accepted: number; acceptedInTime: number; waiting: number };
  calls: { offered: number; answered: number; abandoned: number; callbacks: number; outOfHours: number; answeredInTarget: number; medianAnswerSeconds: number | null };
}

export class MiService {
  constructor(private readonly ctx: AppContext) {}

  /** The London-day bounds of a period as instants: [from 00:00, day after `to` 00:00). */
  static instants(period: Period): { from: Date; to: Date } {
    return { from: londonWallTimeToInstant(period.from, { hour: 0 }), to: londonWallTimeToInstant(addDays(period.to, 1), { hour: 0 }) };
  }

  private facts(db: Executor, authorityId: string, period: Period, f: MiFilters): Facts {
    const t = 'mi_conversation_facts' as const;
    let q = db.selectFrom(t).where(`${t}.authority_id`, '=', authorityId).where(`${t}.day`, '>=', period.from).where(`${t}.day`, '<=', period.to);
    if (f.teamId) q = q.where(`${t}.team_id`, '=', f.teamId);
    if (f.workerId) q = q.where(`${t}.worker_id`, '=', f.workerId);
    if (f.agency) q = q.where(`${t}.caller_agency_code`, '=', f.agency);
    if (f.concern) q = q.where(sql<boolean>`mi_conversation_facts.concern_categories @> array[${f.concern}]::text[]`);
    if (f.level) q = q.where(`${t}.level_code`, '=', f.level);
    if (f.outcome) q = q.where(`${t}.outcome_code`, '=', f.outcome);
    if (f.hours) q = q.where(`${t}.out_of_hours`, '=', f.hours === 'out');
    return q;
  }

  /** Every figure of the dashboard for the principal's authority, from one consistent snapshot. */
  async dashboard(principal: Principal, period: Period, f: MiFilters, opts: { source?: 'facts' | 'daily' } = {}): Promise<MiDashboard> {
    const profile = this.ctx.profiles.get(principal.authorityId);
    const now = this.ctx.clock.now();
    const a = principal.authorityId;
    return this.ctx.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(async (tx) => {
        const daily = opts.source ? opts.source === 'daily' : useDaily(period, f);
        const { totals, days, outcomes, reasons } = daily ? await this.fromDaily(tx, a, period, f, now) : await this.fromFacts(tx, a, period, f, now);
        const calls = await this.calls(tx, a, period);
        const state = await tx.selectFrom('mi_refresh_state').select('refreshed_at').where('authority_id', '=', a).executeTakeFirst();
        const waiting = await tx.selectFrom('mi_dirty_conversations').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();

        const dayList = everyDay(period).map((day) => {
          const d = days.find((x) => x.day === day);
          return { day, conversations: d?.conversations ?? 0, children: d?.children ?? 0 };
        });
        const weeks = new Map<string, { week: string; conversations: number; children: number }>();
        for (const d of dayList) {
          const w = mondayOf(d.day);
          const cur = weeks.get(w) ?? { week: w, conversations: 0, children: 0 };
          cur.conversations += d.conversations;
          cur.children += d.children;
          weeks.set(w, cur);
        }
        const reasonCounts = new Map(reasons.map((r) => [r.code, r.n]));
        const reasonLabel = (code: string) => CONSENT_NOT_SOUGHT_REASONS.find((x) => x.code === code)?.label ?? code;
        const outcomeLabel = (code: string | null) => (code ? (profile.outcomes.find((o) => o.code === code)?.label ?? code) : 'Not recorded');
        return {
          asOf: state?.refreshed_at ?? null,
          waiting: waiting.n,
          volume: { days: dayList, weeks: [...weeks.values()], conversations: totals.conversations, children: totals.children, distinctChildren: totals.distinct_children },
          outcomes: profile.outcomes
            .map((o) => ({ code: o.code, label: o.label, children: outcomes.find((x) => x.outcome_code === o.code)?.n ?? 0 }))
            .concat(outcomes.filter((x) => !profile.outcomes.some((o) => o.code === x.outcome_code)).map((x) => ({ code: x.outcome_code ?? '', label: outcomeLabel(x.outcome_code), children: x.n }))),
          conversion: { conversations: totals.conversations, children: totals.children, referrals: totals.referrals, assessments: totals.assessments, s47: totals.s47 },
          consent: {
            yes: totals.consent_yes,
            no: totals.consent_no,
            notRecorded: totals.conversations - totals.consent_yes - totals.consent_no,
            reasons: [...reasonCounts.entries()].map(([code, count]) => ({ code, label: reasonLabel(code), n: count })).sort((x, y) => y.n - x.n),
          },
          decisions: {
            needed: totals.decisions_needed,
            decided: totals.decided,
            inTime: totals.in_time,
            late: totals.decided - totals.in_time,
            overdue: totals.overdue,
            notYetDue: totals.decisions_needed - totals.decided - totals.overdue,
          },
          repeat: { children: totals.children, repeats: totals.repeats },
          flags: { raised: totals.flags, conversations: totals.flag_rows },
          edt: { outOfHours: totals.ooh, accepted: totals.ooh_accepted, acceptedInTime: totals.ooh_in_time, waiting: totals.ooh_waiting },
          calls,
        };
      });
  }

  /** The figures from the per-child rows: any filters, any period (quick for short periods). */
  private async fromFacts(tx: Executor, a: string, period: Period, f: MiFilters, now: Date): Promise<Figures> {
    const n = (e: string) => sql<number>`coalesce(sum(case when ${sql.raw(e)} then 1 else 0 end), 0)::int`;
    const totals = await this.facts(tx, a, period, f)
      .select([
        n('first_child').as('conversations'),
        sql<number>`count(*)::int`.as('children'),
        sql<number>`count(distinct child_key)::int`.as('distinct_children'),
        n('social_care_referral').as('referrals'),
        sql<number>`coalesce(sum(case when decision_code = any(${ASSESSMENT_DECISIONS}::text[]) then 1 else 0 end), 0)::int`.as('assessments'),
        sql<number>`coalesce(sum(case when decision_code = any(${S47_DECISIONS}::text[]) or outcome_code = any(${S47_OUTCOMES}::text[]) then 1 else 0 end), 0)::int`.as('s47'),
        n("first_child and consent_given = 'yes'").as('consent_yes'),
        n("first_child and consent_given = 'no'").as('consent_no'),
        n('requires_decision').as('decisions_needed'),
        n('requires_decision and decided_at is not null').as('decided'),
        n('requires_decision and decided_at is not null and decided_at <= decision_due_at').as('in_time'),
        sql<number>`coalesce(sum(case when requires_decision and decided_at is null and decision_due_at < ${now} then 1 else 0 end), 0)::int`.as('overdue'),
        n('repeat_within_12_months').as('repeats'),
        sql<number>`coalesce(sum(accumulation_flags), 0)::int`.as('flags'),
        n('accumulation_flags > 0').as('flag_rows'),
        n('first_child and out_of_hours').as('ooh'),
        n('first_child and out_of_hours and handover_accepted_at is not null').as('ooh_accepted'),
        n('first_child and out_of_hours and handover_accepted_at is not null and handover_accepted_at <= handover_due_at').as('ooh_in_time'),
        n('first_child and out_of_hours and handover_due_at is not null and handover_accepted_at is null').as('ooh_waiting'),
      ])
      .executeTakeFirstOrThrow();
    const days = await this.facts(tx, a, period, f)
      .select(['day', n('first_child').as('conversations'), sql<number>`count(*)::int`.as('children')])
      .groupBy('day')
      .orderBy('day')
      .execute();
    const outcomes = await this.facts(tx, a, period, f).select(['outcome_code', sql<number>`count(*)::int`.as('n')]).groupBy('outcome_code').execute();
    const reasons = await sql<{ code: string; n: number }>`
      select r.code, count(*)::int as n from (${this.facts(tx, a, period, f).where('first_child', '=', true).where('consent_given', '=', 'no').select(sql<string>`unnest(consent_reason_codes)`.as('code'))}) r
      group by r.code`.execute(tx);
    return { totals, days, outcomes, reasons: reasons.rows };
  }

  /**
   * The same figures from the per-day totals (mi_daily), for any period with at most one filter:
   * a few rows a day instead of every child's. Decisions overdue now come from the per-child rows
   * through their partial index, and so, for periods up to DISTINCT_CHILDREN_DAYS, does the number
   * of different children (longer periods count a child once per conversation: distinctChildren is null).
   */
  private async fromDaily(tx: Executor, a: string, period: Period, f: MiFilters, now: Date): Promise<Figures> {
    const [dim, value] = singleFilter(f);
    const base = () => tx.selectFrom('mi_daily').where('authority_id', '=', a).where('dim', '=', dim).where('value', '=', value).where('day', '>=', period.from).where('day', '<=', period.to);
    const s = (c: string) => sql<number>`coalesce(sum(${sql.ref(c)}), 0)::int`;
    const t = await base()
      .select([
        s('conversations').as('conversations'), s('children').as('children'), s('referrals').as('referrals'), s('assessments').as('assessments'), s('s47').as('s47'),
        s('consent_yes').as('consent_yes'), s('consent_no').as('consent_no'), s('decisions_needed').as('decisions_needed'), s('decided').as('decided'),
        s('in_time').as('in_time'), s('repeats').as('repeats'), s('flags').as('flags'), s('flag_rows').as('flag_rows'), s('ooh').as('ooh'),
        s('ooh_accepted').as('ooh_accepted'), s('ooh_in_time').as('ooh_in_time'), s('ooh_waiting').as('ooh_waiting'),
      ])
      .executeTakeFirstOrThrow();
    const overdue = await this.facts(tx, a, period, f)
      .where('requires_decision', '=', true)
      .where('decided_at', 'is', null)
      .where('decision_due_at', '<', now)
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    const days = await base().select(['day', s('conversations').as('conversations'), s('children').as('children')]).groupBy('day').orderBy('day').execute();
    const outcomes = (await base().select(['outcome_code', s('children').as('n')]).groupBy('outcome_code').execute()).map((o) => ({ outcome_code: o.outcome_code || null, n: o.n }));
    const reasons = await tx
      .selectFrom('mi_daily_reasons')
      .where('authority_id', '=', a).where('dim', '=', dim).where('value', '=', value).where('day', '>=', period.from).where('day', '<=', period.to)
      .select(['reason as code', s('conversations').as('n')])
      .groupBy('reason')
      .execute();
    let distinct: number | null = null;
    if (daysBetween(period.from, period.to) + 1 <= DISTINCT_CHILDREN_DAYS) {
      distinct = (await this.facts(tx, a, period, f).select(sql<number>`count(distinct child_key)::int`.as('n')).executeTakeFirstOrThrow()).n;
    }
    return { totals: { ...t, overdue: overdue.n, distinct_children: distinct }, days, outcomes, reasons };
  }

  /** Calls offered in the period (the phone line's own table: only the period applies, not the other filters). */
  private async calls(db: Executor, authorityId: string, period: Period): Promise<MiDashboard['calls']> {
    const { from, to } = MiService.instants(period);
    const profile = this.ctx.profiles.get(authorityId);
    const targets = JSON.stringify(Object.fromEntries(profile.queues.map((q) => [q.code, q.answerTargetSeconds])));
    const r = await sql<MiDashboard['calls']>`
      select count(*)::int as offered,
        count(*) filter (where outcome = 'answered')::int as answered,
        count(*) filter (where outcome = 'abandoned')::int as abandoned,
        count(*) filter (where outcome = 'callback')::int as callbacks,
        count(*) filter (where outcome in ('out-of-hours', 'closed'))::int as "outOfHours",
        count(*) filter (where answered_at is not null and extract(epoch from answered_at - coalesce(queued_at, offered_at))
          <= coalesce((${targets}::jsonb ->> queue_code)::int, 60))::int as "answeredInTarget",
        (percentile_cont(0.5) within group (order by extract(epoch from answered_at - coalesce(queued_at, offered_at)))
          filter (where answered_at is not null))::float8 as "medianAnswerSeconds"
      from calls where authority_id = ${authorityId} and offered_at >= ${from} and offered_at < ${to}`.execute(db);
    return r.rows[0]!;
  }

  /** The conversations behind a figure (at most `limit`, newest first), for the drill-down list. */
  async drill(principal: Principal, period: Period, f: MiFilters, kind: DrillKind, value: string, limit = 500) {
    const now = this.ctx.clock.now();
    let q = this.facts(this.ctx.db, principal.authorityId, period, f);
    const where = (e: (eb: ExpressionBuilder<DB, 'mi_conversation_facts'>) => ReturnType<ExpressionBuilder<DB, 'mi_conversation_facts'>['and']>) => (q = q.where(e));
    switch (kind) {
      case 'conversations': break;
      case 'referrals': q = q.where('social_care_referral', '=', true); break;
      case 'assessments': q = q.where('decision_code', 'in', ASSESSMENT_DECISIONS); break;
      case 's47': where((eb) => eb.or([eb('decision_code', 'in', S47_DECISIONS), eb('outcome_code', 'in', S47_OUTCOMES)])); break;
      case 'no-consent': q = q.where('consent_given', '=', 'no'); break;
      case 'decided-late': q = q.where('requires_decision', '=', true).where(sql<boolean>`decided_at > decision_due_at`); break;
      case 'decision-overdue': q = q.where('requires_decision', '=', true).where('decided_at', 'is', null).where('decision_due_at', '<', now); break;
      case 'repeat': q = q.where('repeat_within_12_months', '=', true); break;
      case 'flags': q = q.where('accumulation_flags', '>', 0); break;
      case 'out-of-hours': q = q.where('out_of_hours', '=', true); break;
      case 'outcome': q = q.where('outcome_code', '=', value); break;
      case 'day': q = q.where('day', '=', value); break;
    }
    return q
      .innerJoin('persons as p', 'p.id', 'mi_conversation_facts.person_id')
      .innerJoin('users as u', 'u.id', 'mi_conversation_facts.worker_id')
      .select([
        'mi_conversation_facts.conversation_id', 'mi_conversation_facts.reference', 'mi_conversation_facts.started_at', 'mi_conversation_facts.outcome_code',
        'mi_conversation_facts.person_id', 'mi_conversation_facts.out_of_hours', 'p.given_name', 'p.family_name', 'u.display_name as worker_name',
      ])
      .orderBy('mi_conversation_facts.started_at', 'desc')
      .limit(limit)
      .execute();
  }
}

interface Figures {
  totals: {
    conversations: number; children: number; distinct_children: number | null; referrals: number; assessments: number; s47: number;
    consent_yes: number; consent_no: number; decisions_needed: number; decided: number; in_time: number; overdue: number;
    repeats: number; flags: number; flag_rows: number; ooh: number; ooh_accepted: number; ooh_in_time: number; ooh_waiting: number;
  };
  days: { day: string; conversations: number; children: number }[];
  outcomes: { outcome_code: string | null; n: number }[];
  reasons: { code: string; n: number }[];
}

/** Up to this many days, the dashboard also counts how many different children the conversations were about. */
export const DISTINCT_CHILDREN_DAYS = 31;

const FILTER_DIMS: [keyof MiFilters, string][] = [['teamId', 'team'], ['workerId', 'worker'], ['agency', 'agency'], ['concern', 'concern'], ['level', 'level'], ['outcome', 'outcome'], ['hours', 'hours']];

/** The one filter in use as the per-day totals name it, or ['all', ''] for none. */
function singleFilter(f: MiFilters): [string, string] {
  const used = FILTER_DIMS.filter(([k]) => f[k]);
  return used.length ? [used[0]![1], String(f[used[0]![0]])] : ['all', ''];
}

/** At most one filter: the per-day totals have the figures. Two or more: the per-child rows. */
export function useDaily(_period: Period, f: MiFilters): boolean {
  return FILTER_DIMS.filter(([k]) => f[k]).length <= 1;
}

function everyDay(period: Period): string[] {
  const out: string[] = [];
  for (let d = period.from; d <= period.to && out.length < 3700; d = addDays(d, 1)) out.push(d);
  return out;
}

/** The Monday of the week a London date falls in. */
export function mondayOf(day: string): string {
  const dow = new Date(`${day}T12:00:00Z`).getUTCDay();
  return addDays(day, -((dow + 6) % 7));
}
