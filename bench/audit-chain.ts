/**
 * issue10-A: what the audit log's hash chain costs (ADR 0016), on PostgreSQL.
 *
 *   npx tsx bench/audit-chain.ts          (DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test)
 *
 * 1. Writes: transactions that each write one audit entry, at 1, 8 and 32 connections, with the
 *    chaining trigger on and (for comparison) switched off. Throughput and latency per level.
 * 2. `audit:verify` on a large log: BENCH_AUDIT_ENTRIES entries (default 200,000) are written in
 *    bulk (which also times chaining in bulk), then the chain is checked.
 * 3. Migration 0020 chaining a log of the same size that was written before it.
 *
 * BENCH_AUDIT_PARTS=writes,verify,backfill (default all) chooses parts. Each part runs in a fresh
 * schema that is dropped afterwards. Prints one JSON document on stdout.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/platform/db/database.js';
import { migrate, migrationsDir } from '../src/platform/db/migrate.js';
import { verifyAuditChainSnapshot } from '../src/platform/audit-chain.js';
import { summarise, now, msSince } from './stats.js';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ENTRIES = Number(process.env.BENCH_AUDIT_ENTRIES ?? 200_000);
const LEVELS = [1, 8, 32];
const TX_PER_LEVEL = Number(process.env.BENCH_AUDIT_TX ?? 2000);
const PARTS = new Set((process.env.BENCH_AUDIT_PARTS ?? 'writes,verify,backfill').split(','));

async function admin(q: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(q);
  } finally {
    await c.end();
  }
}

async function freshSchema(upTo?: string) {
  const schema = `bench_audit_${randomBytes(4).toString('hex')}`;
  await admin('create extension if not exists pg_trgm with schema public');
  await admin('create extension if not exists fuzzystrmatch with schema public');
  await admin(`create schema ${schema}`);
  const handle = openDatabase({ url, schema, poolSize: 1 });
  let dir: string | undefined;
  if (upTo) {
    dir = mkdtempSync(join(tmpdir(), 'bench-migrations-'));
    for (const f of readdirSync(migrationsDir)) if (f.endsWith('.sql') && f < upTo) copyFileSync(join(migrationsDir, f), join(dir, f));
  }
  await migrate(handle.db, dir);
  if (dir) rmSync(dir, { recursive: true, force: true });
  return {
    schema,
    handle,
    async drop() {
      await handle.close();
      await admin(`drop schema ${schema} cascade`);
    },
  };
}

/** Fills the log with `n` entries in transactions of 10,000 rows. */
async function fill(client: pg.Client, n: number) {
  for (let done = 0; done < n; done += 10_000) {
    const k = Math.min(10_000, n - done);
    await client.query(`insert into audit_events (authority_id, actor_user_id, actor_role, action, entity_type, entity_id, person_id, details, ip, request_id)
      select 'norfolk', gen_random_uuid(), 'cads-worker', 'person.viewed', 'person', g::text, gen_random_uuid(), jsonb_build_object('n', g, 'note', 'bench'), '192.0.2.1', 'req-' || g
      from generate_series(1, ${k}) g`);
  }
}

async function writes(schema: string, chained: boolean) {
  const out: Record<string, unknown>[] = [];
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`set search_path to ${schema}, public`);
  await c.query(`alter table audit_events ${chained ? 'enable' : 'disable'} trigger audit_events_chain`);
  await c.end();
  for (const connections of LEVELS) {
    const pool = new pg.Pool({ connectionString: url, max: connections });
    const samples: number[] = [];
    let next = 0;
    const started = now();
    await Promise.all(
      Array.from({ length: connections }, async () => {
        const client = await pool.connect();
        try {
          await client.query(`set search_path to ${schema}, public`);
          while (next < TX_PER_LEVEL) {
            next++;
            const t = now();
            await client.query('begin');
            await client.query(`insert into audit_events (authority_id, action, entity_type, details, ip) values ('norfolk', 'person.viewed', 'person', '{"bench":true}', '192.0.2.1')`);
            await client.query('commit');
            samples.push(msSince(t));
          }
        } finally {
          client.release();
        }
      }),
    );
    const seconds = msSince(started) / 1000;
    out.push({ connections, transactions: samples.length, perSecond: Math.round(samples.length / seconds), latencyMs: summarise(samples) });
    await pool.end();
  }
  return out;
}

const result: Record<string, unknown> = { engine: 'postgresql', entries: ENTRIES, transactionsPerLevel: TX_PER_LEVEL };

if (PARTS.has('writes')) {
  process.stderr.write('writes: chained and unchained…\n');
  const s = await freshSchema();
  try {
    result.writesUnchained = await writes(s.schema, false);
    result.writesChained = await writes(s.schema, true);
  } finally {
    await s.drop();
  }
}

if (PARTS.has('verify')) {
  process.stderr.write(`verify: filling ${ENTRIES} entries…\n`);
  const s = await freshSchema();
  try {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`set search_path to ${s.schema}, public`);
    const t = now();
    await fill(c, ENTRIES);
    const fillSeconds = msSince(t) / 1000;
    await c.query('analyze audit_events, audit_chain');
    await c.end();
    const v = now();
    const r = await verifyAuditChainSnapshot(s.handle.db);
    const verifySeconds = msSince(v) / 1000;
    if (!r.ok || r.entries !== ENTRIES) throw new Error(`verify found ${JSON.stringify(r)}`);
    result.bulkChaining = { entries: ENTRIES, seconds: +fillSeconds.toFixed(2), perSecond: Math.round(ENTRIES / fillSeconds) };
    result.verify = { entries: r.entries, seconds: +verifySeconds.toFixed(2), perSecond: Math.round(ENTRIES / verifySeconds) };
  } finally {
    await s.drop();
  }
}

if (PARTS.has('backfill')) {
  process.stderr.write(`migration 0020 over ${ENTRIES} earlier entries…\n`);
  const s = await freshSchema('0020');
  try {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`set search_path to ${s.schema}, public`);
    await fill(c, ENTRIES);
    await c.end();
    const t = now();
    const applied = await migrate(s.handle.db);
    const seconds = msSince(t) / 1000;
    result.migrationBackfill = { entries: ENTRIES, applied: applied.applied, seconds: +seconds.toFixed(2), perSecond: Math.round(ENTRIES / seconds) };
  } finally {
    await s.drop();
  }
}

process.stdout.write(JSON.stringify(result, null, 2) + '\n');
