/**
 * `npm run bench`: conversation saves, the chronology page and the accumulation check, on
 * PostgreSQL and on the embedded engine, each in a fresh schema of its own that is dropped
 * afterwards; then person matching (bench/matching.ts) on a large synthetic population, kept
 * in a schema of its own between runs. Prints one JSON document on stdout; progress goes to
 * stderr.
 *
 * Then the phone line (bench/telephony.ts): webhook-to-TwiML latency and live-wallboard (SSE) fan-out.
 *
 * Then the MASH coordinator's dashboard with 5,000 open enquiries and 30,000 requests (bench/mash.ts).
 *
 * Then management information at 5,000,000 conversations (bench/mi.ts): the summary table's rebuild,
 * the dashboard for common filters, a year's Annex A List 1 and the refresh after 1,000 new
 * conversations. BENCH_MI_CONVERSATIONS changes the size; BENCH_MI_KEEP=1 leaves the loaded schema in
 * place and BENCH_MI_SCHEMA=<schema> times an earlier run's data again without loading it.
 *
 * BENCH_ONLY=core, matching, telephony, mash or mi (or a comma-separated list) runs those parts (default: all). Matching sizes:
 * BENCH_MATCH_PEOPLE_PG (default 1,000,000), BENCH_MATCH_PEOPLE_EMBEDDED (default 100,000),
 * BENCH_MATCH_QUERIES (default 500 targets); BENCH_MATCH_ENGINES=postgresql,embedded.
 */
import os from 'node:os';
import type { Principal } from '../src/platform/auth/roles.js';
import { startEmbeddedEngine } from '../src/platform/db/embedded.js';
import { createUser } from '../test/support/harness.js';
import { adminQuery, openBenchContext, type BenchContext, type EngineName } from './engine.js';
import { seedHouseholds } from './data.js';
import { benchSaves, type SaveConfig } from './save.js';
import { benchAccumulation, benchChronology, seedChronology, type ChronologyConfig } from './chronology.js';
import { explainReads } from './explain.js';
import { benchWrittenRecords, type WrittenRecordsConfig } from './written-records.js';
import { msSince, now, rng } from './stats.js';
import { compactJson } from './json.js';
import { benchMatching, type MatchingConfig } from './matching.js';
import { benchTelephony, quickTelephony, TELEPHONY_CONFIG, TELEPHONY_METHOD } from './telephony.js';
import { benchMash, MASH_CONFIG } from './mash.js';
import { benchMi, MI_CONFIG } from './mi.js';
import { benchLoad } from './load.js'; // issue10-G

interface EngineConfig {
  poolSize: number;
  households: number;
  activeChildren: number;
  save: SaveConfig;
  chronology: ChronologyConfig;
  writtenRecords: WrittenRecordsConfig;
  reducedSamples: string | null;
}

const CONFIG: Record<EngineName, EngineConfig> = {
  postgresql: {
    poolSize: 64,
    households: 6000,
    activeChildren: 2000,
    save: {
      warmup: 200,
      levels: [
        { concurrency: 1, saves: 400 },
        { concurrency: 16, saves: 1000 },
        { concurrency: 64, saves: 2000 },
      ],
      rawConversations: 2000,
      rawBatchSize: 100,
      roundTripProfileSaves: 50,
    },
    chronology: { ownConversations: 200, siblingOnlyConversations: 40, runs: 200, warmup: 30, accumulationPureRuns: 2000, accumulationDbRuns: 300 },
    writtenRecords: { renderRuns: 200, endToEndRecords: 1000, concurrency: 8 },
    reducedSamples: null,
  },
  embedded: {
    // One connection, as `npm start` uses on the embedded engine: PGlite runs one query at a time,
    // and pglite-socket can strand clients when many connections are busy at once (ADR 0003).
    poolSize: 1,
    households: 1500,
    activeChildren: 500,
    save: {
      warmup: 40,
      levels: [
        { concurrency: 1, saves: 100 },
        { concurrency: 16, saves: 200 },
        { concurrency: 64, saves: 300 },
      ],
      rawConversations: 400,
      rawBatchSize: 100,
      roundTripProfileSaves: 20,
    },
    chronology: { ownConversations: 200, siblingOnlyConversations: 40, runs: 100, warmup: 15, accumulationPureRuns: 2000, accumulationDbRuns: 100 },
    writtenRecords: { renderRuns: 100, endToEndRecords: 200, concurrency: 4 },
    reducedSamples:
      'Reduced sample counts (saves per level 100/200/300, 100 chronology runs, 100 DB-backed accumulation runs) and a smaller population, ' +
      'because the embedded engine serialises transactions. Its pool is 1 connection, as the app uses on this engine, so concurrent clients queue for it inside the app.',
  },
};

/** BENCH_QUICK=1 shrinks every count tenfold: a smoke test of the benchmark itself, not a measurement. */
function quick(c: EngineConfig): EngineConfig {
  const d = (n: number) => Math.max(5, Math.ceil(n / 10));
  return {
    ...c,
    households: d(c.households),
    activeChildren: d(c.activeChildren),
    save: { ...c.save, warmup: d(c.save.warmup), levels: c.save.levels.map((l) => ({ ...l, saves: d(l.saves) })), rawConversations: 200, roundTripProfileSaves: 5 },
    writtenRecords: { renderRuns: 10, endToEndRecords: 20, concurrency: 2 },
    chronology: { ...c.chronology, ownConversations: 20, siblingOnlyConversations: 5, runs: d(c.chronology.runs), warmup: 2, accumulationPureRuns: 100, accumulationDbRuns: 10 },
    reducedSamples: 'BENCH_QUICK: every count reduced; not a measurement',
  };
}
const QUICK = process.env.BENCH_QUICK === '1';

const PARTS = ['core', 'matching', 'telephony', 'mash', 'mi'];
// issue10-G: parts may also be named on the command line (`npm run bench -- load`). The load test runs
// only when named: it is not part of a plain `npm run bench`.
const ON_DEMAND = ['load'];
const NAMED = process.argv.slice(2).flatMap((a) => a.split(',')).map((s) => s.trim()).filter(Boolean);
const ONLY = new Set(NAMED.length ? NAMED : (process.env.BENCH_ONLY ?? PARTS.join(',')).split(',').map((s) => s.trim()));
for (const part of ONLY) if (![...PARTS, ...ON_DEMAND].includes(part)) throw new Error(`BENCH_ONLY (or the command line) takes ${[...PARTS, ...ON_DEMAND].join(', ')} (or a list), not ${part}`);
const MATCH_ENGINES = new Set((process.env.BENCH_MATCH_ENGINES ?? 'postgresql,embedded').split(',').map((s) => s.trim()));

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number`);
  return n;
}

function matchingConfig(engine: EngineName): MatchingConfig {
  const people = engine === 'postgresql' ? envInt('BENCH_MATCH_PEOPLE_PG', QUICK ? 20_000 : 1_000_000) : envInt('BENCH_MATCH_PEOPLE_EMBEDDED', QUICK ? 5_000 : 100_000);
  return { people, queries: envInt('BENCH_MATCH_QUERIES', QUICK ? 50 : 500), warmup: QUICK ? 5 : 50, batch: 5000, seed: 1, duplicateRate: 0.1 };
}

function log(msg: string) {
  process.stderr.write(`[bench] ${msg}\n`);
}

function errorOf(e: unknown) {
  return { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), stack: e instanceof Error ? e.stack?.split('\n').slice(1, 6).map((s) => s.trim()) : undefined };
}

/** Runs one phase; a failure is recorded in the result instead of stopping the benchmark. */
async function phase<T>(name: string, fn: () => Promise<T>): Promise<T | ReturnType<typeof errorOf>> {
  const t = now();
  try {
    const r = await fn();
    log(`${name} done in ${(msSince(t) / 1000).toFixed(1)} s`);
    return r;
  } catch (e) {
    log(`${name} FAILED: ${e instanceof Error ? e.stack : String(e)}`);
    return errorOf(e);
  }
}

async function serverInfo(url: string, engine: EngineName) {
  const version = (await adminQuery(url, 'select version() as v')).rows[0]?.v as string;
  const settings: Record<string, string> = {};
  for (const s of ['synchronous_commit', 'fsync', 'shared_buffers', 'max_connections']) {
    try {
      settings[s] = (await adminQuery(url, `show ${s}`)).rows[0]?.[s] as string;
    } catch {
      // not every engine has every setting
    }
  }
  let otherConnections: number | undefined;
  if (engine === 'postgresql') {
    otherConnections = (await adminQuery(url, `select count(*)::int as n from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()`)).rows[0]?.n as number;
  }
  return { version, settings, ...(otherConnections !== undefined ? { otherClientConnectionsAtStart: otherConnections } : {}) };
}

async function runEngine(engine: EngineName, url: string) {
  const cfg = QUICK ? quick(CONFIG[engine]) : CONFIG[engine];
  const started = now();
  const info = await serverInfo(url, engine);
  log(`${engine}: ${info.version}`);
  const ctx: BenchContext = await openBenchContext(engine, url, cfg.poolSize);
  log(`${engine}: schema ${ctx.schema} migrated`);
  try {
    const user = await createUser(ctx, { role: 'cads-worker', displayName: 'Bench Worker' });
    const row = await ctx.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    const principal: Principal = {
      kind: 'user', id: row.id, authorityId: 'norfolk', role: 'cads-worker', displayName: row.display_name, agencyCode: null, teamId: row.team_id, email: row.email,
    };
    const r = rng(20261123);

    const t = now();
    const people = await seedHouseholds(ctx.db, r, { households: cfg.households, authorityId: 'norfolk', userId: principal.id });
    const pool = [...people.childIds].sort(() => r.next() - 0.5).slice(0, cfg.activeChildren);
    const population = { households: cfg.households, persons: people.persons, relationships: people.relationships, children: people.childIds.length, seedSeconds: Math.round(msSince(t) / 100) / 10 };
    log(`${engine}: seeded ${people.persons} people in ${population.seedSeconds} s`);

    const saves = await phase(`${engine} saves`, () => benchSaves(ctx, principal, r, pool, cfg.save));
    const subject = await phase(`${engine} chronology seed`, async () => {
      const t0 = now();
      const s = await seedChronology(ctx, principal, r, cfg.chronology);
      return { ...s, seedSeconds: Math.round(msSince(t0) / 100) / 10 };
    });
    const ok = !('error' in subject);
    const chronology = ok ? await phase(`${engine} chronology`, () => benchChronology(ctx, principal, user.email, subject, cfg.chronology)) : { skipped: 'seeding failed' };
    const accumulation = ok ? await phase(`${engine} accumulation`, () => benchAccumulation(ctx, principal, subject, cfg.chronology)) : { skipped: 'seeding failed' };
    const queryPlans = ok ? await phase(`${engine} query plans`, () => explainReads(ctx, 'norfolk', subject.childId, pool[0]!)) : { skipped: 'seeding failed' };
    // Last: it starts a worker on this schema's queue.
    const writtenRecords = await phase(`${engine} written records`, () => benchWrittenRecords(ctx, principal, r, pool, cfg.writtenRecords));
    return {
      engine,
      server: info,
      schema: ctx.schema,
      poolSize: cfg.poolSize,
      ...(cfg.reducedSamples ? { reducedSamples: cfg.reducedSamples } : {}),
      population,
      conversationSave: saves,
      chronology,
      accumulation,
      queryPlans,
      writtenRecords,
      engineSeconds: Math.round(msSince(started) / 100) / 10,
    };
  } finally {
    await ctx.close().catch((e) => log(`${engine}: could not drop schema ${ctx.schema}: ${String(e)}`));
    log(`${engine}: schema ${ctx.schema} dropped`);
  }
}

type Stat = { p50: number; p95: number; p99: number };
function statAt(obj: unknown, path: string[]): Stat | undefined {
  let o = obj as Record<string, unknown> | undefined;
  for (const k of path) o = o?.[k] as Record<string, unknown> | undefined;
  return o && typeof o.p99 === 'number' ? (o as unknown as Stat) : undefined;
}

function matchingVerdicts(pg: unknown) {
  const m = pg as { people?: number; search?: Record<string, { latencyMs?: Stat }> } | undefined;
  if (!m?.search) return {};
  const p95s = Object.entries(m.search).filter(([k]) => k !== 'options').map(([k, v]) => [k, v.latencyMs?.p95] as const);
  const worst = Math.max(...p95s.map(([, p]) => p ?? Infinity));
  return {
    matchingPeopleOnPostgres: m.people,
    matchingSearchP95OnPostgresMs: Object.fromEntries(p95s),
    matchingTargetMet: m.people! >= 1_000_000 ? worst <= 25 : null,
  };
}

function verdicts(pgResult: unknown) {
  const levels = (pgResult as { conversationSave?: { levels?: { concurrency: number; latencyMs: Stat }[] } })?.conversationSave?.levels;
  const at64 = levels?.find((l) => l.concurrency === 64)?.latencyMs;
  const page = statAt(pgResult, ['chronology', 'httpPageMs']);
  const service = statAt(pgResult, ['chronology', 'serviceChronologyMs']);
  return {
    saveP99At64OnPostgresMs: at64?.p99 ?? null,
    saveTargetMet: at64 ? at64.p99 < 50 : null,
    chronologyServiceP50P99OnPostgresMs: service ? [service.p50, service.p99] : null,
    chronologyPageP50P99OnPostgresMs: page ? [page.p50, page.p99] : null,
    chronologyTargetMetAtP99: page && service ? { service: service.p99 < 20, page: page.p99 < 20 } : null,
  };
}

async function main() {
  const started = now();
  const pgUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const load = os.loadavg();
  const engines: Record<string, unknown> = {};

  if (ONLY.has('core')) {
    log('PostgreSQL');
    engines.postgresql = await phase('postgresql', () => runEngine('postgresql', pgUrl));

    log('embedded engine (PGlite)');
    engines.embedded = await phase('embedded', async () => {
      const t = now();
      const emb = await startEmbeddedEngine('memory://');
      const startSeconds = Math.round(msSince(t) / 100) / 10;
      try {
        return { engineStartSeconds: startSeconds, ...(await runEngine('embedded', emb.url)) };
      } finally {
        await emb.stop();
      }
    });
  }

  const matching: Record<string, unknown> = {};
  if (ONLY.has('matching')) {
    if (MATCH_ENGINES.has('postgresql')) {
      log('matching on PostgreSQL');
      matching.postgresql = await phase('matching postgresql', () => benchMatching('postgresql', pgUrl, matchingConfig('postgresql')));
    }
    if (MATCH_ENGINES.has('embedded')) {
      log('matching on the embedded engine (PGlite)');
      matching.embedded = await phase('matching embedded', async () => {
        const emb = await startEmbeddedEngine('memory://');
        try {
          return await benchMatching('embedded', emb.url, matchingConfig('embedded'));
        } finally {
          await emb.stop();
        }
      });
    }
  }

  let telephony: Record<string, unknown> | undefined;
  if (ONLY.has('telephony')) {
    const engineNames = (process.env.BENCH_TELEPHONY_ENGINES ?? 'postgresql,embedded').split(',').map((s) => s.trim());
    const cfg = (e: EngineName) => (QUICK ? quickTelephony(TELEPHONY_CONFIG[e]) : TELEPHONY_CONFIG[e]);
    if (engineNames.includes('postgresql')) log('telephony on PostgreSQL');
    const pg = engineNames.includes('postgresql') ? await phase('telephony postgresql', () => benchTelephony('postgresql', pgUrl, cfg('postgresql'))) : undefined;
    let embedded: unknown;
    if (engineNames.includes('embedded')) {
      log('telephony on the embedded engine (PGlite)');
      embedded = await phase('telephony embedded', async () => {
        const emb = await startEmbeddedEngine('memory://');
        try {
          return await benchTelephony('embedded', emb.url, cfg('embedded'));
        } finally {
          await emb.stop();
        }
      });
    }
    // PostgreSQL's figures at the top (telephony.webhookLatencyMs.voice.c16.p95), the embedded engine's under telephony.embedded.
    telephony = { method: TELEPHONY_METHOD, ...(pg && typeof pg === 'object' ? pg : {}), ...(embedded ? { embedded } : {}) };
  }

  let mash: unknown;
  if (ONLY.has('mash')) {
    log('MASH dashboard on PostgreSQL');
    mash = await phase('mash postgresql', () => benchMash('postgresql', pgUrl, QUICK ? { ...MASH_CONFIG, runs: 30, warmup: 5 } : MASH_CONFIG));
  }

  let mi: unknown;
  if (ONLY.has('mi')) {
    log('management information on PostgreSQL');
    const n = envInt('BENCH_MI_CONVERSATIONS', QUICK ? 60_000 : MI_CONFIG.conversations);
    const reuse = process.env.BENCH_MI_SCHEMA || undefined;
    const keep = process.env.BENCH_MI_KEEP === '1';
    mi = await phase('mi postgresql', () => benchMi(pgUrl, { ...MI_CONFIG, conversations: n, peoplePerAuthority: Math.max(5000, Math.round(n / 10)), ...(QUICK ? { runs: 10, warmup: 2, newConversations: 200 } : {}) }, { reuseSchema: reuse, keep }));
  }

  // issue10-G: the load test (bench/load.ts), only when named.
  let loadTest: unknown;
  if (ONLY.has('load')) {
    log('load test on PostgreSQL: two app instances and a worker');
    loadTest = await phase('load postgresql', () => benchLoad(pgUrl, {
      seconds: envInt('BENCH_LOAD_SECONDS', 300),
      users: envInt('BENCH_LOAD_USERS', 500),
      rate: process.env.BENCH_LOAD_RATE ? envInt('BENCH_LOAD_RATE', 1) : 0,
      poolSize: envInt('BENCH_LOAD_POOL', 10),
      households: envInt('BENCH_LOAD_HOUSEHOLDS', QUICK ? 200 : 2000),
      conversations: envInt('BENCH_LOAD_CONVERSATIONS', QUICK ? 200 : 2000),
      timeoutSeconds: envInt('BENCH_LOAD_TIMEOUT_SECONDS', 30),
    }));
  }

  const doc = {
    benchmark: 'Front Door performance benchmark (bench/run.ts)',
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    loadAverageAtStart: load.map((x) => Math.round(x * 100) / 100),
    notes: [
      'Latencies are milliseconds with microsecond precision (process.hrtime.bigint); percentiles are nearest-rank over the sample count n.',
      'The database server, the embedded engine process and this benchmark share the same machine and its CPUs; PostgreSQL is a shared server that other work may be using at the same time (see loadAverage* and server.otherClientConnectionsAtStart).',
      'Each engine run uses openDatabase({ url, schema }), which issues `set search_path` on every pool checkout (one extra round trip per transaction, listed in the round-trip profiles); an app without a schema option does not pay it.',
      'Planner statistics: the benchmark runs ANALYZE on its schema\'s tables (outside the timings) after seeding and before each measured phase, as autovacuum would in a running PostgreSQL.',
      'The save latency is closed-loop: at 64 clients, latency ≈ 64 / throughput (Little\'s law), so the p99 target needs throughput far above what this 2-core machine reaches.',
      'npm prints its own "> front-door@… bench" banner on stdout; use `npm run -s bench` (or strip the first lines) to get the JSON alone.',
      ...(ONLY.has('matching')
        ? [
            'Matching: the population is synthetic UK children (src/domain/matching/synthetic.ts, seed 1, about 14% of children with more than one record), all in one authority, kept in schema bench_matching_<engine>_<n> and reused while its fingerprint (generator, standardisation, MatchingService.columns, migrations) is unchanged; build.reused says which. BENCH_MATCH_REBUILD=1 forces a rebuild.',
            'Matching: searches run one after another on one connection with limit 5, after untimed warm-up searches; exactLookup is the same number of Kysely lookups by NHS number (persons_nhs_idx) on that connection, and ratioToExact* divide the search percentile by the lookup one. recallAt5 counts a query as found when any record of the target child is among the first five.',
          ]
        : []),
    ],
    targets: {
      fromIssue: 'p99 save under 50 ms at 64 concurrent on PostgreSQL; chronology under 20 ms server time',
      matchingFromIssue: 'person search p95 ≤ 25 ms at 1,000,000 people on PostgreSQL (issue 5), with p50/p95/p99 for full, partial and misspelt queries and the ratio to an exact indexed lookup',
      matchingSearchP95MsAt1MOnPostgres: 25,
      saveP99MsAt64ConcurrentOnPostgres: 50,
      chronologyServerTimeMs: 20,
    },
    results: { ...(ONLY.has('core') ? verdicts(engines.postgresql) : {}), ...matchingVerdicts(matching.postgresql) },
    ...(ONLY.has('core') ? { engines } : {}),
    ...(ONLY.has('matching') ? { matching } : {}),
    ...(telephony ? { telephony } : {}),
    ...(mash ? { mash } : {}),
    ...(mi ? { mi } : {}),
    ...(loadTest ? { load: loadTest } : {}), // issue10-G
    totalSeconds: Math.round(msSince(started) / 100) / 10,
  };
  process.stdout.write(compactJson(doc) + '\n');
  log(`finished in ${doc.totalSeconds} s`);
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`[bench] failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
