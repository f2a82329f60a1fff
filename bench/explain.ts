/**
 * Query plans for the reads on the chronology and save paths, using the exact SQL the
 * repositories generate: each repository method is run against a Kysely instance with a dummy
 * driver that only records the compiled query, which is then EXPLAIN ANALYZEd for real.
 */
import type pg from 'pg';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type CompiledQuery } from 'kysely';
import type { DB } from '../src/platform/db/schema.js';
import type { Database } from '../src/platform/db/database.js';
import { PeopleRepository } from '../src/features/people/people.repository.js';
import { ConversationsRepository } from '../src/features/conversations/conversations.repository.js';
import { analyzeTables, type BenchContext } from './engine.js';

async function capture(run: (db: Database) => Promise<unknown>): Promise<CompiledQuery[]> {
  const seen: CompiledQuery[] = [];
  const db = new Kysely<DB>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
    log: (e) => {
      if (e.level === 'query') seen.push(e.query);
    },
  });
  await run(db);
  await db.destroy();
  return seen;
}

const HOUSEHOLD_IDS_REWRITE = `
select p.id from persons p where p.authority_id = $1 and p.id = $2
union
select p.id from persons p where p.authority_id = $1 and p.household_id = $3
union
select p.id from relationships r join persons p on p.id = r.related_person_id where r.person_id = $2 and p.authority_id = $1
union
select p.id from relationships r join persons p on p.id = r.person_id where r.related_person_id = $2 and p.authority_id = $1`;

/**
 * EXPLAIN ANALYZE of one statement. The plan text (without buffer counts) is kept only when
 * asked for, to keep the report readable; the execution time and any sequential scans always are.
 */
async function explain(client: pg.Client, sql: string, parameters: readonly unknown[], withPlan: boolean) {
  const res = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers, costs off) ${sql}`, [...parameters]);
  const lines = res.rows.map((r) => r['QUERY PLAN']);
  const seqScans = lines.filter((l) => /Seq Scan/.test(l)).map((l) => l.trim().replace(/^->\s+/, ''));
  return {
    executionMs: Number(lines.find((l) => l.startsWith('Execution Time'))?.match(/([\d.]+) ms/)?.[1] ?? NaN),
    seqScans,
    ...(withPlan ? { plan: lines.filter((l) => !/^\s*(Buffers:|Planning:$|Heap Fetches:|Index Searches:)/.test(l)) } : {}),
  };
}

/** Plans for the chronology subject (a child with a long history) and a typical child from the save pool. */
export async function explainReads(ctx: BenchContext, authorityId: string, childId: string, typicalChildId: string) {
  const people = new PeopleRepository();
  const convs = new ConversationsRepository();
  const person = await people.findById(ctx.db, authorityId, childId);
  if (!person) throw new Error('no subject child');
  const ids = await people.householdIds(ctx.db, authorityId, person);

  const queries: [string, (db: Database) => Promise<unknown>][] = [
    ['PeopleRepository.findById', (db) => people.findById(db, authorityId, childId)],
    ['PeopleRepository.householdIds', (db) => people.householdIds(db, authorityId, person)],
    ['PeopleRepository.chronology', (db) => people.chronology(db, authorityId, ids)],
    ['PeopleRepository.family', (db) => people.family(db, authorityId, childId)],
    ['ConversationsRepository.childrenHistory', (db) => convs.childrenHistory(db, authorityId, [childId], new Date(Date.now() - 366 * 86_400_000))],
    ['ConversationsRepository.childrenHistory (typical child from the save pool)', (db) => convs.childrenHistory(db, authorityId, [typicalChildId], new Date(Date.now() - 366 * 86_400_000))],
  ];
  const client = await ctx.raw();
  const counts = await client.query<{ t: string; n: number }>(
    `select 'persons' t, count(*)::int n from persons union all select 'relationships', count(*)::int from relationships
     union all select 'conversations', count(*)::int from conversations union all select 'conversation_children', count(*)::int from conversation_children
     union all select 'audit_events', count(*)::int from audit_events union all select 'accumulation_flags', count(*)::int from accumulation_flags`,
  );
  await analyzeTables(ctx);
  const out: Record<string, unknown> = {};
  const compiled: [string, { sql: string; parameters: readonly unknown[] }][] = [];
  for (const [name, run] of queries) {
    const [q] = await capture(run);
    if (q) compiled.push([name, q]);
  }
  compiled.push(['suggested rewrite of householdIds (UNION of indexed lookups; same result)', { sql: HOUSEHOLD_IDS_REWRITE, parameters: [authorityId, childId, person.household_id] }]);
  // Full plans only on PostgreSQL and only where they show something: a sequential scan, or the rewrite.
  const plans = ctx.engine === 'postgresql';
  const interesting = (name: string) => plans && /householdIds|\.chronology|childrenHistory$/.test(name);
  for (const [name, q] of compiled) {
    // Warm once so the plan reflects a hot cache, as in the timed runs.
    await client.query(q.sql, [...q.parameters]);
    out[name] = await explain(client, q.sql, q.parameters, interesting(name));
  }
  // The same chronology query when the planner is told random reads are cheap (all data is cached / SSD).
  const chronology = compiled.find(([n]) => n === 'PeopleRepository.chronology')?.[1];
  if (chronology) {
    await client.query('set random_page_cost = 1.1');
    try {
      out['PeopleRepository.chronology with random_page_cost = 1.1'] = await explain(client, chronology.sql, chronology.parameters, plans);
    } finally {
      await client.query('reset random_page_cost');
    }
  }
  const rewritten = await client.query<{ id: string }>(HOUSEHOLD_IDS_REWRITE, [authorityId, childId, person.household_id]);
  const same = rewritten.rows.length === ids.length && rewritten.rows.every((r) => ids.includes(r.id));
  return { statistics: 'ANALYZEd just before', householdIdsRewriteGivesSameIds: same, tableRows: Object.fromEntries(counts.rows.map((r) => [r.t, r.n])), householdIdsFound: ids.length, queries: out };
}
