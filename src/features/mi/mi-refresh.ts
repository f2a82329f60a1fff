import { sql, type RawBuilder } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import { QUEUES } from '../../platform/jobs.js';
import type { Database, Executor } from '../../platform/db/database.js';
import type { AuthorityProfiles } from '../../platform/authorities.js';

/**
 * Brings the MI summary table up to date: takes conversations marked changed (by the triggers of
 * migration 0018, in the transaction that changed them), remakes their rows in
 * `mi_conversation_facts` from the current completed version, and notes the time per authority.
 * Safe to run in several processes at once (rows are taken with SKIP LOCKED) and to run again after
 * a crash (the marks are removed in the same transaction as the rows are made).
 */
export async function refreshManagementInformation(db: Database, profiles: AuthorityProfiles, now: Date, opts: { batch?: number; maxBatches?: number } = {}): Promise<{ conversations: number; batches: number }> {
  const batch = opts.batch ?? 2000;
  const flags = JSON.stringify(outcomeFlags(profiles));
  let conversations = 0;
  let batches = 0;
  for (;;) {
    if (opts.maxBatches !== undefined && batches >= opts.maxBatches) break;
    const taken = await db.transaction().execute(async (tx) => {
      const ids = (
        await sql<{ conversation_id: string }>`
          delete from mi_dirty_conversations where conversation_id in (
            select d.conversation_id from mi_dirty_conversations d join conversations c on c.id = d.conversation_id
            order by c.started_at limit ${batch} for update of d skip locked)
          returning conversation_id`.execute(tx)
      ).rows.map((r) => r.conversation_id);
      if (ids.length === 0) return 0;
      const days = (await sql<{ authority_id: string; day: string }>`
        select distinct authority_id, day::text as day from mi_conversation_facts where conversation_id = any(${ids}::uuid[])
        union select distinct authority_id, (started_at at time zone 'Europe/London')::date::text from conversations where id = any(${ids}::uuid[])`.execute(tx)).rows;
      await sql`delete from mi_conversation_facts where conversation_id = any(${ids}::uuid[])`.execute(tx);
      await sql`${insertFacts(flags, now)} where c.id = any(${ids}::uuid[]) and c.status = 'completed'`.execute(tx);
      // Conversations are taken oldest first, so a child's earlier conversations are already counted.
      await sql`
        update mi_conversation_facts f set repeat_within_12_months = exists (
          select 1 from mi_conversation_facts g
          where g.child_key = f.child_key and g.conversation_id <> f.conversation_id
            and g.started_at < f.started_at and g.started_at >= f.started_at - interval '365 days')
        where f.conversation_id = any(${ids}::uuid[])`.execute(tx);
      await remakeDaily(tx, days);
      await sql`
        insert into mi_refresh_state (authority_id, refreshed_at)
        select distinct authority_id, ${now}::timestamptz from conversations where id = any(${ids}::uuid[])
        on conflict (authority_id) do update set refreshed_at = excluded.refreshed_at`.execute(tx);
      return ids.length;
    });
    if (taken === 0) break;
    conversations += taken;
    batches += 1;
  }
  // With nothing left waiting, every authority's figures are up to date as of now.
  await sql`
    insert into mi_refresh_state (authority_id, refreshed_at)
    select id, ${now}::timestamptz from authorities where not exists (select 1 from mi_dirty_conversations)
    on conflict (authority_id) do update set refreshed_at = excluded.refreshed_at`.execute(db);
  return { conversations, batches };
}

/** Decision codes that count as an assessment, and as a strategy discussion / section 47 enquiry (with that outcome). */
export const ASSESSMENT_DECISIONS = ['child-and-family-assessment'];
export const S47_DECISIONS = ['strategy-discussion'];
export const S47_OUTCOMES = ['strategy-discussion'];

/**
 * Remakes the per-day totals (mi_daily, mi_daily_reasons) for the given authority days, or for
 * everything, from the per-child rows. Refreshes in several processes take turns here (a
 * transaction-scoped lock), so two never remake the same day at once.
 */
async function remakeDaily(tx: Executor, days: { authority_id: string; day: string }[] | 'all'): Promise<void> {
  if (days !== 'all' && days.length === 0) return;
  await sql`select pg_advisory_xact_lock(hashtext('mi_daily'))`.execute(tx);
  const a = days === 'all' ? [] : days.map((d) => d.authority_id);
  const d = days === 'all' ? [] : days.map((x) => x.day);
  const chosen = days === 'all'
    ? sql`true`
    : sql`(f.authority_id, f.day) in (select * from unnest(${a}::text[], ${d}::date[]))`;
  if (days === 'all') {
    await sql`truncate mi_daily, mi_daily_reasons`.execute(tx);
  } else {
    await sql`delete from mi_daily f where ${chosen}`.execute(tx);
    await sql`delete from mi_daily_reasons f where ${chosen}`.execute(tx);
  }
  const dims = sql`cross join lateral (
      select 'all', '' union all
      select 'team', coalesce(f.team_id::text, '') union all
      select 'worker', f.worker_id::text union all
      select 'agency', coalesce(f.caller_agency_code, '') union all
      select 'level', coalesce(f.level_code, '') union all
      select 'outcome', coalesce(f.outcome_code, '') union all
      select 'hours', case when f.out_of_hours then 'out' else 'in' end union all
      select 'concern', c from unnest(f.concern_categories) c) dv(dim, value)`;
  const n = (e: RawBuilder<unknown>) => sql`coalesce(sum(case when ${e} then 1 else 0 end), 0)::int`;
  await sql`
    insert into mi_daily (authority_id, day, dim, value, outcome_code, conversations, children, referrals, assessments, s47,
      consent_yes, consent_no, decisions_needed, decided, in_time, repeats, flags, flag_rows, ooh, ooh_accepted, ooh_in_time, ooh_waiting)
    select f.authority_id, f.day, dv.dim, dv.value, coalesce(f.outcome_code, ''),
      ${n(sql`f.first_child`)}, count(*)::int, ${n(sql`f.social_care_referral`)},
      ${n(sql`f.decision_code = any(${ASSESSMENT_DECISIONS}::text[])`)},
      ${n(sql`f.decision_code = any(${S47_DECISIONS}::text[]) or f.outcome_code = any(${S47_OUTCOMES}::text[])`)},
      ${n(sql`f.first_child and f.consent_given = 'yes'`)}, ${n(sql`f.first_child and f.consent_given = 'no'`)},
      ${n(sql`f.requires_decision`)}, ${n(sql`f.requires_decision and f.decided_at is not null`)},
      ${n(sql`f.requires_decision and f.decided_at is not null and f.decided_at <= f.decision_due_at`)},
      ${n(sql`f.repeat_within_12_months`)}, coalesce(sum(f.accumulation_flags), 0)::int, ${n(sql`f.accumulation_flags > 0`)},
      ${n(sql`f.first_child and f.out_of_hours`)}, ${n(sql`f.first_child and f.out_of_hours and f.handover_accepted_at is not null`)},
      ${n(sql`f.first_child and f.out_of_hours and f.handover_accepted_at is not null and f.handover_accepted_at <= f.handover_due_at`)},
      ${n(sql`f.first_child and f.out_of_hours and f.handover_due_at is not null and f.handover_accepted_at is null`)}
    from mi_conversation_facts f ${dims}
    where ${chosen}
    group by 1, 2, 3, 4, 5`.execute(tx);
  await sql`
    insert into mi_daily_reasons (authority_id, day, dim, value, reason, conversations)
    select f.authority_id, f.day, dv.dim, dv.value, r.reason, count(*)::int
    from mi_conversation_facts f ${dims}
    cross join lateral unnest(f.consent_reason_codes) r(reason)
    where ${chosen} and f.first_child and f.consent_given = 'no'
    group by 1, 2, 3, 4, 5`.execute(tx);
}

/** The summary table's columns, in the order `factsSelect` gives them. */
const FACT_COLUMNS = [
  'conversation_id', 'person_id', 'child_key', 'started_at', 'authority_id', 'day', 'week', 'reference', 'team_id', 'worker_id', 'service', 'out_of_hours',
  'caller_type', 'caller_agency_code', 'concern_categories', 'level_code', 'outcome_code', 'first_child',
  'social_care_referral', 'requires_decision', 'decision_code', 'primary_need_code', 'decision_due_at', 'decided_at',
  'parents_informed', 'consent_given', 'consent_reason_codes', 'repeat_within_12_months', 'accumulation_flags',
  'handover_due_at', 'handover_accepted_at', 'refreshed_at',
] as const;

/**
 * The SELECT that makes summary rows from conversations, one column per FACT_COLUMNS; the caller
 * adds the WHERE (the batch's ids, or every completed conversation). `repeat_within_12_months` is
 * false here and worked out afterwards. The child's key is their own id unless the record was
 * merged (then the record finally kept).
 */
function factsSelect(flags: string, now: Date): RawBuilder<unknown> {
  return sql`
    select
      c.id as conversation_id, cc.person_id, case when p.merged_into_id is null then cc.person_id else mi_final_person(cc.person_id) end as child_key,
      c.started_at, c.authority_id, d.day, (d.day - ((extract(isodow from d.day)::int - 1)))::date as week, c.reference,
      c.team_id, c.worker_id, c.service, c.out_of_hours,
      v.caller_type, v.caller_agency_code, v.concern_categories, cc.level_code, cc.outcome_code,
      cc.position = (select min(x.position) from conversation_children x where x.conversation_id = c.id and x.version = c.current_version) as first_child,
      coalesce((${flags}::jsonb -> c.authority_id -> cc.outcome_code ->> 'referral')::boolean, false) as social_care_referral,
      coalesce((${flags}::jsonb -> c.authority_id -> cc.outcome_code ->> 'decision')::boolean, false) as requires_decision,
      dec.decision_code, dec.primary_need_code, c.decision_due_at, dec.decided_at,
      v.parents_informed, v.consent_given, v.consent_reason_codes,
      false as repeat_within_12_months,
      (select count(*)::int from accumulation_flags f where f.conversation_id = c.id and f.person_id = cc.person_id) as accumulation_flags,
      c.handover_due_at, c.handover_accepted_at, ${now}::timestamptz as refreshed_at
    from conversations c
    join conversation_versions v on v.conversation_id = c.id and v.version = c.current_version
    join conversation_children cc on cc.conversation_id = c.id and cc.version = c.current_version
    join persons p on p.id = cc.person_id
    cross join lateral (select (c.started_at at time zone 'Europe/London')::date as day) d
    left join decisions dec on dec.conversation_id = c.id and dec.person_id = cc.person_id`;
}

const factColumnList = sql.raw(FACT_COLUMNS.join(', '));

/** INSERT … SELECT of summary rows; the caller adds the WHERE. */
function insertFacts(flags: string, now: Date): RawBuilder<unknown> {
  return sql`insert into mi_conversation_facts (${factColumnList}) ${factsSelect(flags, now)}`;
}

/**
 * Remakes the whole summary table in one transaction, set-based: for a first load, a restore, or
 * after changing which outcomes count as referrals. Everything marked before it started is done by it.
 *
 * The rows are written once, in authority and day order, with the repeat flag worked out on the way
 * in (a window over each child's conversations), so a month's rows sit together on disk and no row
 * is rewritten. The table is emptied with TRUNCATE, which holds off readers until the rebuild
 * commits; then it is vacuumed so that index-only reads work at once.
 */
export async function rebuildManagementInformation(db: Database, profiles: AuthorityProfiles, now: Date): Promise<{ rows: number }> {
  const flags = JSON.stringify(outcomeFlags(profiles));
  const withRepeat = sql.raw(FACT_COLUMNS.map((c) => (c === 'repeat_within_12_months'
    ? "coalesce(x.previous < x.started_at and x.previous >= x.started_at - interval '365 days', false)"
    : `x.${c}`)).join(', '));
  const result = await db.transaction().execute(async (tx) => {
    await sql`delete from mi_dirty_conversations`.execute(tx);
    await sql`truncate mi_conversation_facts`.execute(tx);
    await sql`
      insert into mi_conversation_facts (${factColumnList})
      select ${withRepeat} from (
        select s.*, max(s.started_at) over (partition by s.child_key order by s.started_at rows between unbounded preceding and 1 preceding) as previous
        from (${factsSelect(flags, now)} where c.status = 'completed') s) x
      order by x.authority_id, x.day, x.started_at`.execute(tx);
    await remakeDaily(tx, 'all');
    await sql`
      insert into mi_refresh_state (authority_id, refreshed_at) select id, ${now}::timestamptz from authorities
      on conflict (authority_id) do update set refreshed_at = excluded.refreshed_at`.execute(tx);
    const n = await sql<{ n: number }>`select count(*)::int as n from mi_conversation_facts`.execute(tx);
    return { rows: n.rows[0]!.n };
  });
  await sql`vacuum analyze mi_conversation_facts`.execute(db);
  await sql`vacuum analyze mi_daily`.execute(db);
  return result;
}

/** Per authority, per outcome code: does it count as a social care referral, and does it need a decision? */
function outcomeFlags(profiles: AuthorityProfiles): Record<string, Record<string, { referral: boolean; decision: boolean }>> {
  return Object.fromEntries(
    profiles.all().map((p) => [p.id, Object.fromEntries(p.outcomes.map((o) => [o.code, { referral: o.socialCareReferral, decision: o.requiresDecision }]))]),
  );
}

/** How many conversations are waiting to be counted. */
export async function pendingRefresh(db: Database): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from mi_dirty_conversations`.execute(db);
  return r.rows[0]!.n;
}

/** Every minute, whatever changed since the last run is counted. */
export const MI_REFRESH_CRON = '* * * * *';

/** The refresh job, for the worker process (or the web process when it runs the worker). */
export async function startMiRefreshWorker(ctx: AppContext, pollingIntervalSeconds = 5): Promise<void> {
  await ctx.jobs.work(QUEUES.miRefresh, async () => {
    await refreshManagementInformation(ctx.db, ctx.profiles, ctx.clock.now());
  }, pollingIntervalSeconds, 1);
  await ctx.jobs.schedule(QUEUES.miRefresh, MI_REFRESH_CRON, {}, 'Europe/London');
}
