/**
 * The person-matching benchmark (issue 5): builds a large synthetic population of children
 * (src/domain/matching/synthetic.ts) in a schema of its own, then times MatchingService.search
 * for realistic queries — full details, partial details, misspelt details — against an exact
 * indexed lookup by NHS number on the same database, in the same run, on the same connection.
 *
 * The built population is kept (schema bench_matching_<n>, with a marker row) and reused by the
 * next run when nothing that shapes it has changed: the generator, the standardisation rules,
 * MatchingService.columns, the migrations and this file's build code. BENCH_MATCH_REBUILD=1
 * forces a rebuild; BENCH_MATCH_DROP=1 drops the schema after the run.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { openDatabase, type Database } from '../src/platform/db/database.js';
import type { DB } from '../src/platform/db/schema.js';
import { migrate } from '../src/platform/db/migrate.js';
import { readAuthorityProfiles, syncAuthorityProfiles } from '../src/platform/authorities.js';
import { nameSearchText } from '../src/domain/names.js';
import { STANDARDISATION_VERSION, type MatchInput } from '../src/domain/matching/standardise.js';
import {
  GENERATOR_VERSION, createRng, iterateChildren, mistypeDate, nameVariant, soundAlike, swapDayMonth, typo, type Rng, type SyntheticRecord,
} from '../src/domain/matching/synthetic.js';
import { MatchingService } from '../src/features/matching/matching.service.js';
import { adminQuery, type EngineName } from './engine.js';
import { msSince, now, summarise, us, type Summary } from './stats.js';

/** Bump when the way this file builds the population changes. */
const BUILD_VERSION = 1;
const AUTHORITY = 'norfolk';
const AS_OF = '2026-11-23';

export interface MatchingConfig {
  /** Person rows to build. */
  people: number;
  /** Target people sampled for queries (each kind runs once per target that suits it). */
  queries: number;
  /** Untimed searches before the timed ones. */
  warmup: number;
  /** Rows per INSERT. */
  batch: number;
  seed: number;
  /** Share of people with more than one record. */
  duplicateRate: number;
}

function log(msg: string) {
  process.stderr.write(`[bench] ${msg}\n`);
}

const ROOT = new URL('../', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, ROOT));

/** What the built population depends on: if any of it changes, the cached data is rebuilt. */
function buildFingerprint(cfg: MatchingConfig): Record<string, string | number> {
  const h = createHash('sha256');
  for (const f of readdirSync(new URL('migrations/', ROOT)).filter((f) => f.endsWith('.sql')).sort()) h.update(f).update(read(`migrations/${f}`));
  for (const f of ['src/domain/matching/standardise.ts', 'src/domain/matching/nicknames.json', 'src/domain/matching/synthetic.ts', 'src/domain/matching/synthetic-names.ts', 'src/domain/names.ts', 'src/domain/postcode.ts']) h.update(f).update(read(f));
  h.update(MatchingService.columns.toString());
  return {
    buildVersion: BUILD_VERSION,
    generatorVersion: GENERATOR_VERSION,
    standardisationVersion: STANDARDISATION_VERSION,
    seed: cfg.seed,
    people: cfg.people,
    duplicateRate: cfg.duplicateRate,
    sourceHash: h.digest('hex').slice(0, 16),
  };
}

/** JSON with keys sorted (jsonb does not keep the order they were written in). */
function canonical(o: unknown): string {
  return JSON.stringify(Object.fromEntries(Object.entries(o as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))));
}

// ---------------------------------------------------------------------------------------------
// Building the population

function splitAddress(address: string): { line: string | null; town: string | null } {
  if (!address) return { line: null, town: null };
  const at = address.lastIndexOf(', ');
  return at < 0 ? { line: address, town: null } : { line: address.slice(0, at), town: address.slice(at + 2) };
}

export function inputOf(r: SyntheticRecord): MatchInput {
  return {
    givenName: r.given_name || null,
    familyName: r.family_name || null,
    dateOfBirth: r.date_of_birth || null,
    expectedDateOfBirth: r.expected_date_of_birth || null,
    sex: r.sex || null,
    nhsNumber: r.nhs_number || null,
    postcode: r.postcode || null,
    address: r.address || null,
  };
}

/** UUIDs (version 4 layout) from a seeded generator, so a rebuild gives every person the same id. */
function uuidFrom(r: Rng): () => string {
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
  return () => {
    const a = hex(r.next() * 2 ** 32);
    const b = hex(r.next() * 2 ** 32);
    const c = hex(r.next() * 2 ** 32);
    const d = hex(r.next() * 2 ** 32);
    return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${((parseInt(c[0]!, 16) & 3) | 8).toString(16)}${c.slice(1, 4)}-${c.slice(4)}${d}`;
  };
}

/** A PostgreSQL array literal of text: {"a","b"}. */
function textArrayLiteral(xs: readonly string[]): string {
  return `{${xs.map((x) => `"${x.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

// Column name, SQL type of the unnest() array, and the cast to the column's type.
const PERSON_COLUMNS: [string, string, string][] = [
  ['id', 'uuid[]', ''], ['authority_id', 'text[]', ''], ['household_id', 'uuid[]', ''], ['given_name', 'text[]', ''], ['family_name', 'text[]', ''],
  ['name_search', 'text[]', ''], ['date_of_birth', 'date[]', ''], ['expected_date_of_birth', 'date[]', ''], ['sex', 'text[]', ''], ['nhs_number', 'text[]', ''],
  ['address_line_1', 'text[]', ''], ['town', 'text[]', ''], ['postcode', 'text[]', ''], ['given_fold', 'text[]', ''], ['family_fold', 'text[]', ''],
  ['name_placeholder', 'bool[]', ''], ['postcode_outward', 'text[]', ''], ['postcode_sector', 'text[]', ''], ['match_std', 'text[]', '::jsonb'], ['match_keys', 'text[]', '::text[]'],
  ['std_version', 'int[]', ''],
];
const INSERT_PERSONS = `insert into persons (${PERSON_COLUMNS.map((c) => c[0]).join(', ')})
  select ${PERSON_COLUMNS.map((c, i) => `c${i}${c[2]}`).join(', ')}
    from unnest(${PERSON_COLUMNS.map((c, i) => `$${i + 1}::${c[1]}`).join(', ')}) as t(${PERSON_COLUMNS.map((_, i) => `c${i}`).join(', ')})`;
const INSERT_TRUTH = `insert into bench_truth (n, person_id, cluster_id, scenario) select * from unnest($1::int[], $2::uuid[], $3::text[], $4::text[])`;

interface Batch {
  persons: unknown[][];
  households: string[];
  truth: unknown[][];
  rows: number;
}

function newBatch(): Batch {
  return { persons: PERSON_COLUMNS.map(() => []), households: [], truth: [[], [], [], []], rows: 0 };
}

async function build(client: pg.Client, engine: EngineName, cfg: MatchingConfig, fingerprint: Record<string, string | number>) {
  const t0 = now();
  let generateMs = 0;
  let standardiseMs = 0;
  let insertWaitMs = 0;
  // Ground truth, kept apart from persons so that matching never sees it.
  await client.query(`create table bench_truth (n int primary key, person_id uuid not null, cluster_id text not null, scenario text not null)`);
  await client.query(`create table bench_matching_marker (id int primary key, fingerprint jsonb not null, stats jsonb not null)`);
  if (engine === 'postgresql') {
    // Only this session's load: nothing to lose but the benchmark's own data on a crash.
    await client.query(`set synchronous_commit = off`);
    await client.query(`set maintenance_work_mem = '512MB'`);
  }
  // Indexes on the tables the load writes (persons, and person_match_keys, which a trigger on
  // persons fills) are dropped for the load and made again afterwards: building an index once
  // is far quicker than updating it for every row. Their unique and foreign-key constraints go
  // too (one check per key row otherwise) and are added back, and so checked, after the load.
  // persons_pkey stays: other tables' foreign keys need it.
  const dropped = await dropIndexes(client, ['persons', 'person_match_keys'], ['persons_pkey']);

  const householdIds = new Map<string, string>();
  const randomUUID = uuidFrom(createRng(cfg.seed * 7919 + 1));
  let inFlight: Promise<unknown> = Promise.resolve();
  let n = 0;
  let batch = newBatch();
  const flush = async (b: Batch) => {
    const tw = now();
    await inFlight;
    insertWaitMs += msSince(tw);
    inFlight = (async () => {
      if (b.households.length) await client.query(`insert into households (id, authority_id) select h, $2 from unnest($1::uuid[]) as t(h)`, [b.households, AUTHORITY]);
      await client.query(INSERT_PERSONS, b.persons);
      await client.query(INSERT_TRUTH, b.truth);
    })();
    // Avoid an unhandled rejection before the next await sees it.
    inFlight.catch(() => {});
  };

  const iter = iterateChildren({ seed: cfg.seed, people: cfg.people, duplicateRate: cfg.duplicateRate, asOf: AS_OF, idPrefix: `bm${cfg.seed}` });
  let tg = now();
  for (const r of iter) {
    generateMs += msSince(tg);
    if (n >= cfg.people) break;
    n++;
    let hid = householdIds.get(r.household_id);
    if (!hid) {
      hid = randomUUID();
      householdIds.set(r.household_id, hid);
      batch.households.push(hid);
    }
    const ts = now();
    const input = inputOf(r);
    const cols = MatchingService.columns(input);
    standardiseMs += msSince(ts);
    const { line, town } = splitAddress(r.address);
    const id = randomUUID();
    const values = [
      id, AUTHORITY, hid, r.given_name || null, r.family_name || null,
      nameSearchText({ given_name: r.given_name, family_name: r.family_name }), r.date_of_birth || null, r.expected_date_of_birth || null, r.sex === 'M' || r.sex === 'F' ? r.sex : 'U', r.nhs_number || null,
      line, town, r.postcode || null, cols.given_fold, cols.family_fold,
      cols.name_placeholder, cols.postcode_outward, cols.postcode_sector, JSON.stringify(cols.match_std), textArrayLiteral(cols.match_keys),
      cols.std_version,
    ];
    for (let i = 0; i < values.length; i++) batch.persons[i]!.push(values[i]);
    batch.truth[0]!.push(n);
    batch.truth[1]!.push(id);
    batch.truth[2]!.push(r.cluster_id);
    batch.truth[3]!.push(r.scenario);
    if (++batch.rows >= cfg.batch) {
      await flush(batch);
      batch = newBatch();
      if (n % 100_000 < cfg.batch) log(`${engine} matching: ${n} people loaded (${(msSince(t0) / 1000).toFixed(0)} s)`);
    }
    tg = now();
  }
  if (batch.rows) await flush(batch);
  await inFlight;
  const loadMs = msSince(t0);

  const ti = now();
  await restoreIndexes(client, dropped);
  await client.query(`create index bench_truth_person_idx on bench_truth (person_id)`);
  const indexMs = msSince(ti);

  const tf = now();
  const db = kyselyOn(client);
  await new MatchingService().refreshFrequencies(db, AUTHORITY);
  const freqMs = msSince(tf);

  const ta = now();
  const analyzed = ['persons', 'households', 'name_frequencies', 'bench_truth', 'person_match_keys'];
  const present = (await client.query<{ t: string }>(`select table_name as t from information_schema.tables where table_schema = current_schema() and table_name = any($1)`, [analyzed])).rows.map((r) => r.t);
  await client.query(engine === 'postgresql' ? `vacuum (analyze) ${present.join(', ')}` : present.map((t) => `analyze ${t}`).join('; '));
  const analyzeMs = msSince(ta);

  const stats = {
    people: n,
    households: householdIds.size,
    clusters: Number((await client.query(`select count(distinct cluster_id)::int as c from bench_truth`)).rows[0].c),
    seconds: {
      total: Math.round(msSince(t0) / 100) / 10,
      load: Math.round(loadMs / 100) / 10,
      generate: Math.round(generateMs / 100) / 10,
      standardise: Math.round(standardiseMs / 100) / 10,
      waitingForInserts: Math.round(insertWaitMs / 100) / 10,
      indexes: Math.round(indexMs / 100) / 10,
      frequencies: Math.round(freqMs / 100) / 10,
      vacuumAnalyze: Math.round(analyzeMs / 100) / 10,
    },
  };
  await client.query(`insert into bench_matching_marker (id, fingerprint, stats) values (1, $1, $2)`, [JSON.stringify(fingerprint), JSON.stringify(stats)]);
  return stats;
}

interface DroppedIndexes {
  constraints: { table: string; name: string; def: string }[];
  indexes: { name: string; def: string }[];
}

async function dropIndexes(client: pg.Client, tables: string[], keep: string[]): Promise<DroppedIndexes> {
  const constraints = (await client.query<{ table: string; name: string; def: string }>(
    `select c.conrelid::regclass::text as table, c.conname as name, pg_get_constraintdef(c.oid) as def
       from pg_constraint c join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = current_schema() and t.relname = any($1) and c.contype in ('p', 'u', 'f') and not (c.conname = any($2))
      order by case c.contype when 'f' then 1 else 0 end`, [tables, keep],
  )).rows;
  const indexes = (await client.query<{ name: string; def: string }>(
    `select i.indexname as name, i.indexdef as def from pg_indexes i
      where i.schemaname = current_schema() and i.tablename = any($1) and not (i.indexname = any($2))
        and not exists (select 1 from pg_constraint c where c.conname = i.indexname and c.connamespace = (select oid from pg_namespace where nspname = current_schema()))`, [tables, keep],
  )).rows;
  for (const c of constraints) await client.query(`alter table ${c.table} drop constraint ${c.name}`);
  for (const ix of indexes) await client.query(`drop index ${ix.name}`);
  return { constraints, indexes };
}

async function restoreIndexes(client: pg.Client, d: DroppedIndexes): Promise<void> {
  for (const c of d.constraints) await client.query(`alter table ${c.table} add constraint ${c.name} ${c.def}`);
  for (const ix of d.indexes) await client.query(ix.def);
}

/** Kysely over one already-connected client (the bench's single connection). */
function kyselyOn(client: pg.Client): Database {
  const pool = {
    connect: async () => Object.assign(client, { release: () => {} }),
    end: async () => {},
  };
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool: pool as unknown as pg.Pool }) });
}

// ---------------------------------------------------------------------------------------------
// Queries

export type QueryKind = 'full' | 'partialNameDob' | 'partialNamePostcode' | 'misspelt';
const KINDS: QueryKind[] = ['full', 'partialNameDob', 'partialNamePostcode', 'misspelt'];

interface Target {
  personId: string;
  clusterId: string;
  record: SyntheticRecord;
}

/** The query a worker would type for this target, or null when the target's record cannot give one. */
export function queryFor(kind: QueryKind, r: SyntheticRecord, rng: Rng): MatchInput | null {
  const base = inputOf(r);
  const named = !!r.given_name && !!r.family_name && !/^(baby|unborn|twin)\b/i.test(r.given_name);
  switch (kind) {
    case 'full':
      return base;
    case 'partialNameDob':
      return named && r.date_of_birth ? { givenName: base.givenName, familyName: base.familyName, dateOfBirth: base.dateOfBirth } : null;
    case 'partialNamePostcode':
      return named && r.postcode ? { givenName: base.givenName, familyName: base.familyName, dateOfBirth: null, postcode: base.postcode } : null;
    case 'misspelt': {
      if (!named || !r.date_of_birth) return null;
      const first = r.given_name.split(/[- ]/)[0]!;
      const given = (rng.chance(0.4) ? nameVariant(first, r.sex, rng) : null) ?? (rng.chance(0.4) ? soundAlike(r.given_name, rng) : null) ?? typo(r.given_name, rng);
      const dob = swapDayMonth(r.date_of_birth) ?? mistypeDate(r.date_of_birth, rng, AS_OF) ?? r.date_of_birth;
      const family = rng.chance(0.3) ? typo(r.family_name, rng) : r.family_name;
      return { givenName: given, familyName: family, dateOfBirth: dob, sex: base.sex, postcode: rng.chance(0.5) ? base.postcode : null };
    }
  }
}

async function sampleTargets(client: pg.Client, count: number, people: number, rng: Rng): Promise<Target[]> {
  const ns = new Set<number>();
  while (ns.size < Math.min(count, people)) ns.add(rng.int(1, people));
  const rows = (await client.query(
    `select t.person_id, t.cluster_id, t.scenario, p.given_name, p.family_name, p.date_of_birth::text as dob, p.expected_date_of_birth::text as expected,
            p.sex, p.nhs_number, p.postcode, p.address_line_1, p.town, p.household_id
       from bench_truth t join persons p on p.id = t.person_id
      where t.n = any($1::int[]) order by t.n`, [[...ns]],
  )).rows as Record<string, string | null>[];
  // The order of the sample is shuffled by n, not by cluster: neighbouring targets are unrelated.
  return rows.map((r) => ({
    personId: r.person_id!,
    clusterId: r.cluster_id!,
    record: {
      record_id: '', cluster_id: r.cluster_id!, household_id: r.household_id ?? '', scenario: r.scenario!, age_years: '', twin_of: '',
      given_name: r.given_name ?? '', family_name: r.family_name ?? '', date_of_birth: r.dob ?? '', expected_date_of_birth: r.expected ?? '',
      sex: (r.sex ?? '') as SyntheticRecord['sex'], nhs_number: r.nhs_number ?? '', postcode: r.postcode ?? '',
      address: [r.address_line_1, r.town].filter(Boolean).join(', '),
    },
  }));
}

interface KindResult {
  queries: number;
  latencyMs: Summary;
  ratioToExactP50: number;
  ratioToExactP95: number;
  /** Share of queries whose child (any record of them) was among the first five results. */
  recallAt5: number;
  /** Share of queries whose target record itself was among the first five. */
  targetRecordAt5: number;
  meanResults: number;
}

export async function benchMatching(engine: EngineName, url: string, cfg: MatchingConfig) {
  const started = now();
  const loadAtStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const schema = `bench_matching_${engine === 'postgresql' ? 'pg' : 'emb'}_${cfg.people}`;
  const fingerprint = buildFingerprint(cfg);
  if (engine === 'postgresql') {
    await adminQuery(url, 'create extension if not exists pg_trgm with schema public; create extension if not exists fuzzystrmatch with schema public;');
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Cached from an earlier run?
    let cached: { stats: unknown } | null = null;
    const exists = (await client.query(`select 1 from information_schema.tables where table_schema = $1 and table_name = 'bench_matching_marker'`, [schema])).rowCount;
    if (exists && process.env.BENCH_MATCH_REBUILD !== '1') {
      const m = (await client.query(`select fingerprint, stats from ${schema}.bench_matching_marker where id = 1`)).rows[0] as { fingerprint: unknown; stats: unknown } | undefined;
      if (m && canonical(m.fingerprint) === canonical(fingerprint)) cached = { stats: m.stats };
      else log(`${engine} matching: cached population in ${schema} is out of date; rebuilding`);
    }
    let build_: unknown;
    if (cached) {
      log(`${engine} matching: reusing the population in ${schema}`);
      await client.query(`set search_path to ${schema}, public`);
      build_ = { reused: true, builtEarlier: cached.stats };
    } else {
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.query(`create schema ${schema}`);
      await client.query(`set search_path to ${schema}, public`);
      const mig = openDatabase({ url, schema, poolSize: 1 });
      try {
        await migrate(mig.db);
        await syncAuthorityProfiles(mig.db, readAuthorityProfiles());
      } finally {
        await mig.close();
      }
      log(`${engine} matching: building ${cfg.people} people in ${schema}`);
      const stats = await build(client, engine, cfg, fingerprint);
      log(`${engine} matching: built in ${stats.seconds.total} s`);
      build_ = { reused: false, ...stats };
    }

    const db = kyselyOn(client);
    const service = new MatchingService();
    const rng = createRng(cfg.seed * 31 + 7);
    const targets = await sampleTargets(client, cfg.queries + cfg.warmup, cfg.people, rng);
    const warm = targets.slice(0, cfg.warmup);
    const timed = targets.slice(cfg.warmup);
    const clusterOf = async (ids: string[]) => {
      if (!ids.length) return new Map<string, string>();
      const rows = (await client.query<{ person_id: string; cluster_id: string }>(`select person_id, cluster_id from bench_truth where person_id = any($1::uuid[])`, [ids])).rows;
      return new Map(rows.map((r) => [r.person_id, r.cluster_id]));
    };

    for (const t of warm) for (const k of KINDS) {
      const q = queryFor(k, t.record, rng);
      if (q) await service.search(db, AUTHORITY, q, { limit: 5, today: AS_OF });
    }

    // Exact lookups by NHS number through the same query layer and connection: the floor.
    const nhsTargets = (await client.query<{ nhs_number: string }>(
      `select nhs_number from persons where authority_id = $1 and nhs_number is not null and id = any($2::uuid[])`, [AUTHORITY, targets.map((t) => t.personId)],
    )).rows.map((r) => r.nhs_number);
    const moreNhs = nhsTargets.length < timed.length
      ? (await client.query<{ nhs_number: string }>(`select nhs_number from persons tablesample system (1) repeatable (${cfg.seed}) where authority_id = $1 and nhs_number is not null limit $2`, [AUTHORITY, timed.length - nhsTargets.length])).rows.map((r) => r.nhs_number)
      : [];
    const lookups = [...nhsTargets, ...moreNhs].slice(0, timed.length);
    for (const nhs of lookups.slice(0, 50)) await db.selectFrom('persons').selectAll().where('authority_id', '=', AUTHORITY).where('nhs_number', '=', nhs).execute();
    const exactSamples: number[] = [];
    let exactFound = 0;
    for (const nhs of lookups) {
      const t = now();
      const rows = await db.selectFrom('persons').selectAll().where('authority_id', '=', AUTHORITY).where('nhs_number', '=', nhs).execute();
      exactSamples.push(msSince(t));
      if (rows.length) exactFound++;
    }
    const exact = summarise(exactSamples);

    const kinds: Partial<Record<QueryKind, KindResult>> = {};
    const allSamples: number[] = [];
    const slowest: { kind: QueryKind; ms: number; query: MatchInput; candidates: number }[] = [];
    for (const kind of KINDS) {
      const samples: number[] = [];
      let hits = 0;
      let targetHits = 0;
      let results = 0;
      for (const t of timed) {
        const q = queryFor(kind, t.record, rng);
        if (!q) continue;
        const ts = now();
        const found = await service.search(db, AUTHORITY, q, { limit: 5, today: AS_OF });
        const ms = msSince(ts);
        samples.push(ms);
        results += found.length;
        const clusters = await clusterOf(found.map((f) => f.personId));
        if (found.some((f) => clusters.get(f.personId) === t.clusterId)) hits++;
        if (found.some((f) => f.personId === t.personId)) targetHits++;
        slowest.push({ kind, ms: us(ms), query: q, candidates: found.length });
        slowest.sort((a, b) => b.ms - a.ms);
        slowest.length = Math.min(slowest.length, 5);
      }
      allSamples.push(...samples);
      const s = summarise(samples);
      kinds[kind] = {
        queries: samples.length,
        latencyMs: s,
        ratioToExactP50: Math.round((s.p50 / exact.p50) * 10) / 10,
        ratioToExactP95: Math.round((s.p95 / exact.p95) * 10) / 10,
        recallAt5: Math.round((hits / (samples.length || 1)) * 1000) / 1000,
        targetRecordAt5: Math.round((targetHits / (samples.length || 1)) * 1000) / 1000,
        meanResults: Math.round((results / (samples.length || 1)) * 100) / 100,
      };
      log(`${engine} matching: ${kind} p50 ${s.p50} ms p95 ${s.p95} ms p99 ${s.p99} ms, recall@5 ${kinds[kind]!.recallAt5}`);
    }
    const all = summarise(allSamples);

    const sizes = Object.fromEntries((await client.query<{ relation: string; size: string }>(
      `select c.relname as relation, pg_size_pretty(pg_relation_size(c.oid)) as size from pg_class c
        where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'i') and c.relname ~ '^(persons|person_match_keys)'
        order by pg_relation_size(c.oid) desc`,
    ).catch(() => ({ rows: [] }))).rows.map((r) => [r.relation, r.size]));

    if (process.env.BENCH_MATCH_DROP === '1') await client.query(`drop schema ${schema} cascade`);
    return {
      engine,
      schema,
      people: cfg.people,
      authority: AUTHORITY,
      build: build_,
      sizes,
      connection: 'one connection, queries one after another',
      exactLookup: { query: 'select * from persons where authority_id = $1 and nhs_number = $2 (Kysely, persons_nhs_idx)', lookups: lookups.length, found: exactFound, latencyMs: exact },
      search: {
        options: { limit: 5 },
        all: { queries: all.n, latencyMs: all, ratioToExactP50: Math.round((all.p50 / exact.p50) * 10) / 10, ratioToExactP95: Math.round((all.p95 / exact.p95) * 10) / 10 },
        ...kinds,
      },
      slowestSearches: slowest,
      loadAverage: { atStart: loadAtStart, atEnd: os.loadavg().map((x) => Math.round(x * 100) / 100) },
      seconds: Math.round(msSince(started) / 100) / 10,
    };
  } finally {
    await client.end().catch(() => {});
  }
}
