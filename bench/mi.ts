/**
 * Management information at scale (issue 9): BENCH_MI_CONVERSATIONS (default 5,000,000)
 * completed conversations across the three authorities over three years, loaded set-based on
 * PostgreSQL; then
 *  - the full rebuild of the MI summary table (`rebuildManagementInformation`),
 *  - the dashboard (`MiService.dashboard`, the call the /mi page makes) for common filters, p50/p95
 *    (periods over 31 days with at most one filter read the per-day totals; the others the per-child rows),
 *  - the export of one authority's Annex A List 1 for a year (query, rows, CSV text),
 *  - the incremental refresh after 1,000 new conversations completed the normal way (triggers on).
 */
import { sql } from 'kysely';
import type { Principal } from '../src/platform/auth/roles.js';
import { MiService, NO_FILTERS, type MiFilters } from '../src/features/mi/mi.service.js';
import { rebuildManagementInformation, refreshManagementInformation, pendingRefresh } from '../src/features/mi/mi-refresh.js';
import { StatutoryReturns } from '../src/features/mi/statutory-returns.js';
import { toCsv } from '../src/platform/http/tabular.js';
import { addDays, todayInLondon } from '../src/domain/dates.js';
import { openBenchContext, type BenchContext } from './engine.js';
import { msSince, now, sampleSerial } from './stats.js';

export interface MiBenchConfig {
  conversations: number;
  /** People per authority the conversations are about. */
  peoplePerAuthority: number;
  runs: number;
  warmup: number;
  newConversations: number;
}

export const MI_CONFIG: MiBenchConfig = { conversations: 5_000_000, peoplePerAuthority: 500_000, runs: 60, warmup: 5, newConversations: 1000 };

const YEARS = 3;

/** Loads `n` conversations per authority (and their versions, children and decisions) in one SQL pass each. */
async function seed(ctx: BenchContext, cfg: MiBenchConfig, end: Date, from: number, count: number, opts: { triggers: boolean; withinDays?: number }): Promise<number> {
  const c = await ctx.raw();
  const profiles = ctx.profiles.all();
  const per = Math.ceil(count / profiles.length);
  await c.query(`set session_replication_role = ${opts.triggers ? 'origin' : 'replica'}`);
  await c.query('select setseed(0.42)');
  for (const p of profiles) {
    const outcomes = p.outcomes.map((o) => o.code);
    const decisionOutcomes = p.outcomes.filter((o) => o.requiresDecision).map((o) => o.code);
    const agencies = p.agencies.map((a) => a.code);
    const concerns = p.concernCategories.map((x) => x.code);
    const levels = p.levels.map((l) => l.code);
    const decisions = p.decisions.map((d) => d.code);
    await c.query('drop table if exists bench_plan');
    // One row per conversation to make: when, who, about whom, with what outcome.
    await c.query(
      `create temp table bench_plan as
       select gen_random_uuid() as id, g as n,
         $2::timestamptz - (random() * ($3::float8 * interval '1 day')) as started_at,
         1 + floor(random() * 20)::int as w,
         1 + floor(random() * $4::int)::int as p1,
         case when random() < 0.2 then 1 + floor(random() * $4::int)::int end as p2,
         floor(random() * array_length($5::text[], 1))::int + 1 as o,
         floor(random() * array_length($6::text[], 1))::int + 1 as ag,
         floor(random() * array_length($7::text[], 1))::int + 1 as cc,
         floor(random() * array_length($8::text[], 1))::int + 1 as lv,
         random() < 0.75 as consent,
         random() < 0.85 as decided,
         floor(random() * array_length($9::text[], 1))::int + 1 as dc
       from generate_series($1::int + 1, $1::int + $10::int) g`,
      [from, end.toISOString(), opts.withinDays ?? YEARS * 365, cfg.peoplePerAuthority, outcomes, agencies, concerns, levels, decisions, per],
    );
    await c.query(
      `insert into conversations (id, authority_id, reference, status, current_version, service, worker_id, team_id, started_at, completed_at, decision_due_at, out_of_hours)
       select b.id, $1, $2 || '-B' || b.n, 'completed', 1, 'cads', w.id, w.team_id, b.started_at, b.started_at + interval '25 minutes',
         case when ($3::text[])[b.o] = any($4::text[]) then b.started_at + interval '1 day' end,
         extract(hour from b.started_at at time zone 'Europe/London') not between 9 and 16
       from bench_plan b join bench_workers w on w.authority_id = $1 and w.n = b.w`,
      [p.id, p.service.referencePrefix, outcomes, decisionOutcomes],
    );
    await c.query(
      `insert into conversation_versions (conversation_id, version, status, caller_name, caller_type, caller_agency_code, concern_categories, concern_detail,
         parents_informed, consent_given, consent_reason_codes, created_by, completed_by, completed_at)
       select b.id, 1, $4, 'Bench caller', 'professional', ($2::text[])[b.ag], array[($3::text[])[b.cc]], 'Bench',
         'yes', case when b.consent then 'yes' else 'no' end, case when b.consent then '{}'::text[] else array['risk-to-child'] end,
         w.id, w.id, b.started_at + interval '25 minutes'
       from bench_plan b join bench_workers w on w.authority_id = $1 and w.n = b.w`,
      // With triggers on, the version is a draft until its children are in, as in the app.
      [p.id, agencies, concerns, opts.triggers ? 'draft' : 'completed'],
    );
    await c.query(
      `insert into conversation_children (conversation_id, version, person_id, position, outcome_code, level_code, caller_agreed)
       select b.id, 1, pp.id, 0, ($2::text[])[b.o], ($3::text[])[b.lv], true
       from bench_plan b join bench_people pp on pp.authority_id = $1 and pp.n = b.p1
       union all
       select b.id, 1, pp.id, 1, ($2::text[])[b.o], ($3::text[])[b.lv], true
       from bench_plan b join bench_people pp on pp.authority_id = $1 and pp.n = b.p2
       where b.p2 is not null and b.p2 <> b.p1`,
      [p.id, outcomes, levels],
    );
    if (opts.triggers) await c.query(`update conversation_versions set status = 'completed' where conversation_id in (select id from bench_plan)`);
    await c.query(
      `insert into decisions (id, authority_id, conversation_id, person_id, decision_code, rationale, decided_by, decided_at)
       select gen_random_uuid(), $1, b.id, pp.id, ($4::text[])[b.dc], 'Bench', w.id, b.started_at + (random() * interval '40 hours')
       from bench_plan b join bench_people pp on pp.authority_id = $1 and pp.n = b.p1
         join bench_workers w on w.authority_id = $1 and w.n = b.w
       where ($2::text[])[b.o] = any($3::text[]) and b.decided`,
      [p.id, outcomes, decisionOutcomes, decisions],
    );
  }
  await c.query('set session_replication_role = origin');
  return per * profiles.length;
}

export async function benchMi(url: string, cfg: MiBenchConfig, opts: { reuseSchema?: string; keep?: boolean } = {}) {
  const ctx = await openBenchContext('postgresql', url, 4, { schema: opts.reuseSchema, keep: opts.keep });
  const log = (m: string) => process.stderr.write(`[bench] mi: ${m}\n`);
  try {
    const c = await ctx.raw();
    const end = new Date();
    if (opts.keep) log(`the data stays in schema ${ctx.schema} (BENCH_MI_SCHEMA=${ctx.schema} times it again)`);
    let seedSeconds: number | null = null;
    let rebuildSeconds: number | null = null;
    if (opts.reuseSchema) {
      // Data loaded and rebuilt by an earlier run: timings only (the conversations' dates are as loaded).
      log(`reusing schema ${opts.reuseSchema}`);
      await c.query('analyze');
    } else {
      const t0 = now();
      // 20 workers per authority, in its first team.
      await c.query(`create table bench_workers as
        select gen_random_uuid() as id, a.id as authority_id, g as n, (select t.id from teams t where t.authority_id = a.id order by t.name limit 1) as team_id
        from authorities a, generate_series(1, 20) g`);
      await c.query(`insert into users (id, authority_id, email, display_name, role, team_id)
        select id, authority_id, 'mi-bench-' || authority_id || '-' || n || '@bench.example', 'Bench worker ' || n, 'cads-worker', team_id from bench_workers`);
      await c.query('create index on bench_workers (authority_id, n)');
      await c.query('set session_replication_role = replica');
      await c.query(`create table bench_people as
        select gen_random_uuid() as id, a.id as authority_id, g as n from authorities a, generate_series(1, ${cfg.peoplePerAuthority}) g`);
      await c.query(`insert into persons (id, authority_id, given_name, family_name, date_of_birth, sex, ethnicity)
        select id, authority_id, 'Child', 'Bench' || n, date '2006-01-01' + (n % 7000), (array['M','F','U'])[1 + n % 3],
          (array['WBRI','WOTH','AIND','BAFR','MWBC','APKN','NOBT'])[1 + n % 7] from bench_people`);
      await c.query('set session_replication_role = origin');
      await c.query('create index on bench_people (authority_id, n)');
      log(`people: ${(msSince(t0) / 1000).toFixed(1)} s`);
      const t1 = now();
      await seed(ctx, cfg, end, 0, cfg.conversations, { triggers: false });
      seedSeconds = msSince(t1) / 1000;
      await c.query('analyze');
      log(`${cfg.conversations} conversations loaded in ${seedSeconds.toFixed(1)} s`);

      const t2 = now();
      const rebuilt = await rebuildManagementInformation(ctx.db, ctx.profiles, new Date());
      rebuildSeconds = msSince(t2) / 1000;
      log(`rebuild: ${rebuilt.rows} rows in ${rebuildSeconds.toFixed(1)} s`);
    }
    const conversations = Number((await c.query(`select count(*) as n from conversations where reference like '%-B%'`)).rows[0].n);

    const mi = new MiService(ctx);
    const today = todayInLondon(end);
    const team = (await c.query(`select team_id from bench_workers where authority_id = 'norfolk' limit 1`)).rows[0].team_id as string;
    const worker = (await c.query(`select id from bench_workers where authority_id = 'norfolk' and n = 3`)).rows[0].id as string;
    const principal: Principal = { kind: 'user', id: worker, authorityId: 'norfolk', role: 'team-manager', displayName: 'Bench', agencyCode: null, teamId: team, email: null };
    const last28 = { from: addDays(today, -27), to: today };
    const last12m = { from: addDays(today, -364), to: today };
    const scenarios: [string, { from: string; to: string }, MiFilters][] = [
      ['last28Days', last28, NO_FILTERS],
      ['last28DaysTeam', last28, { ...NO_FILTERS, teamId: team }],
      ['last28DaysWorker', last28, { ...NO_FILTERS, workerId: worker }],
      ['last28DaysAgencyOutcome', last28, { ...NO_FILTERS, agency: 'school', outcome: 'social-care-assessment' }],
      ['last28DaysConcernOutOfHours', last28, { ...NO_FILTERS, concern: 'neglect', hours: 'out' }],
      ['last12Months', last12m, NO_FILTERS],
      ['last12MonthsLevel', last12m, { ...NO_FILTERS, level: '3' }],
      ['last12MonthsTeam', last12m, { ...NO_FILTERS, teamId: team }],
      // Two filters over a year: the per-child rows, not the per-day totals.
      ['last12MonthsAgencyOutcome', last12m, { ...NO_FILTERS, agency: 'school', outcome: 'social-care-assessment' }],
    ];
    const dashboard: Record<string, unknown> = {};
    for (const [name, period, filters] of scenarios) {
      dashboard[name] = await sampleSerial(cfg.runs, cfg.warmup, () => mi.dashboard(principal, period, filters));
      log(`dashboard ${name}: ${JSON.stringify(dashboard[name])}`);
    }

    const returns = new StatutoryReturns(ctx);
    const year = { from: addDays(today, -364), to: today };
    const t3 = now();
    const list1 = await returns.annexA(principal, 1, year);
    const buildMs = msSince(t3);
    const t4 = now();
    const csv = toCsv({ headers: list1.headers, rows: list1.rows });
    const csvMs = msSince(t4);
    log(`Annex A List 1: ${list1.rows.length} rows in ${(buildMs + csvMs).toFixed(0)} ms`);

    // 1,000 conversations completed the normal way: the triggers mark them for the refresh.
    const t5 = now();
    // A morning's work: completed within the last day, as new conversations are.
    const already = Number((await c.query(`select coalesce(max(substring(reference from '-B([0-9]+)$')::int), 0) as n from conversations`)).rows[0].n);
    const added = await seed(ctx, cfg, end, already + 10, cfg.newConversations, { triggers: true, withinDays: 1 });
    const pending = await pendingRefresh(ctx.db);
    const insertMs = msSince(t5);
    const t6 = now();
    const refreshed = await refreshManagementInformation(ctx.db, ctx.profiles, new Date());
    const refreshMs = msSince(t6);
    log(`refresh of ${refreshed.conversations} in ${refreshMs.toFixed(0)} ms`);

    const facts = Number((await sql<{ n: string }>`select count(*) as n from mi_conversation_facts`.execute(ctx.db)).rows[0]!.n);
    const size = (await c.query(`select pg_total_relation_size('mi_conversation_facts') as b`)).rows[0].b as string;
    return {
      method: 'One PostgreSQL schema; conversations, versions, children and decisions loaded set-based with triggers off (as a migration from another system would), then the MI summary table rebuilt; dashboard timed through MiService.dashboard for one authority (a third of the data) with sampleSerial; the new conversations are loaded with triggers on, as completions mark them.',
      conversations,
      reusedSchema: opts.reuseSchema ?? null,
      peoplePerAuthority: cfg.peoplePerAuthority,
      years: YEARS,
      factRows: facts,
      summaryTableBytes: Number(size),
      loadSeconds: seedSeconds === null ? null : Math.round(seedSeconds * 10) / 10,
      rebuildSeconds: rebuildSeconds === null ? null : Math.round(rebuildSeconds * 10) / 10,
      dashboardMs: dashboard,
      annexAList1OneAuthorityYear: { rows: list1.rows.length, findings: list1.findings.length, queryAndBuildMs: Math.round(buildMs), csvMs: Math.round(csvMs), csvBytes: csv.length, totalMs: Math.round(buildMs + csvMs) },
      refreshAfterNewConversations: { completed: added, marked: pending, counted: refreshed.conversations, batches: refreshed.batches, refreshMs: Math.round(refreshMs), loadMs: Math.round(insertMs) },
      target: 'dashboard p95 ≤ 300 ms for common filters at 5,000,000 conversations (issue 9)',
    };
  } finally {
    await ctx.close();
  }
}
