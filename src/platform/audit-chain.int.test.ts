/**
 * issue10-A: the audit log's hash chain (migration 0020) and its checker, on PostgreSQL and on the
 * embedded engine.
 *
 * Entries are chained as their transactions commit: a burst from many connections (with rollbacks)
 * forms one unbroken chain; the chain follows commit order, not id order; entries written before
 * the migration were chained by it. Tampering, done as a superuser with the append-only trigger
 * switched off inside a transaction that is rolled back afterwards, is found at the right entry:
 * a changed entry, a changed entry whose own hash was recomputed, a deleted entry, a deleted link,
 * links reordered, an entry written with the chaining off, and entries removed from the end (found
 * with an anchor). The application's database roles cannot change the log at all. `npm run
 * audit:verify` is run as a child process against the test's schema and against an embedded data folder.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import { createTestContext, testDatabaseUrl, type TestContext } from '../../test/support/harness.js';
import { recordAudit, type AuditContext } from './audit.js';
import { canonicalText, verifyAuditChain, verifyAuditChainSnapshot, describeResult, type ChainedEntry, type VerifyResult } from './audit-chain.js';
import { openDatabase } from './db/database.js';
import { migrate, migrationsDir } from './db/migrate.js';
import { startEmbeddedEngine } from './db/embedded.js';
import type { Tx } from './db/database.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SYSTEM: AuditContext = { principal: null, ip: '192.0.2.10', requestId: 'req-test' };

let ctx: TestContext;
let embedded = false;

before(async () => {
  ctx = await createTestContext();
  embedded = (await sql<{ v: string }>`select version() as v`.execute(ctx.db)).rows[0]!.v.includes('PGlite');
});
after(() => ctx?.close());

let written = 0;
/** Writes n entries through recordAudit; returns their ids. */
async function write(n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const section = `written-${++written}`;
    await recordAudit(ctx.db, SYSTEM, { action: 'before-you-call.reviewed', details: { authorityId: 'norfolk', section } });
    ids.push(await idOf(section));
  }
  return ids;
}

async function idOf(section: string): Promise<number> {
  return (await ctx.db.selectFrom('audit_events').select('id').where(sql<string>`details->>'section'`, '=', section).executeTakeFirstOrThrow()).id;
}

async function chainRows() {
  return ctx.db.selectFrom('audit_chain').select(['seq', 'event_id']).orderBy('seq').execute();
}

class RolledBack extends Error {}

/** Tampers inside a transaction, checks the chain as it then stands, and rolls everything back. */
async function tampered(fn: (tx: Tx) => Promise<void>, opts: Parameters<typeof verifyAuditChain>[1] = {}): Promise<VerifyResult> {
  let result: VerifyResult | undefined;
  await ctx.db
    .transaction()
    .execute(async (tx) => {
      await sql`alter table audit_events disable trigger audit_events_append_only`.execute(tx);
      await sql`alter table audit_chain disable trigger audit_chain_append_only`.execute(tx);
      await fn(tx);
      result = await verifyAuditChain(tx, { batchSize: 7, ...opts });
      throw new RolledBack();
    })
    .catch((err: unknown) => {
      if (!(err instanceof RolledBack)) throw err;
    });
  return result!;
}

function broken(r: VerifyResult) {
  assert.equal(r.ok, false, `the chain should be broken, but: ${describeResult(r)}`);
  return (r as Extract<VerifyResult, { ok: false }>).break;
}

describe('chaining', () => {
  test('every entry is chained as it commits, positions 1, 2, 3… with no gaps, and the checker agrees', async () => {
    const before = (await chainRows()).length;
    const ids = await write(5);
    const rows = await chainRows();
    assert.equal(rows.length, before + 5, 'one link per entry');
    assert.deepEqual(rows.map((r) => Number(r.seq)), rows.map((_, i) => i + 1), 'positions without gaps');
    assert.deepEqual(rows.slice(-5).map((r) => Number(r.event_id)), ids, 'the new entries are the last five links');
    const r = await verifyAuditChainSnapshot(ctx.db, { batchSize: 2 });
    assert.ok(r.ok, describeResult(r));
    assert.equal(r.entries, rows.length);
    assert.match(describeResult(r), new RegExp(`^chain intact: ${rows.length} entries \\(head: position ${rows.length}, hash [0-9a-f]{64}\\)$`));
  });

  test('the database’s canonical text and the checker’s are the same, byte for byte, whatever the session’s time zone', async () => {
    await ctx.db.transaction().execute(async (tx) => {
      await sql`set local timezone = 'America/New_York'`.execute(tx);
      await sql`set local datestyle = 'SQL, DMY'`.execute(tx);
      await tx.insertInto('audit_events').values({
        authority_id: 'norfolk', action: 'person.updated', entity_type: 'person', entity_id: 'x|y:z', ip: null, request_id: '-',
        details: JSON.stringify({ changes: { family_name: { from: 'Zoë “Quoted” \\ Smith', to: 'Ñandú 🐧' } }, n: 1.5, big: 12345678901234567890, nested: { b: [1, null, true], a: '' } }),
      }).execute();
    });
    const { rows } = await sql<ChainedEntry & { db_text: string }>`
      select c.seq::text as seq, c.event_id::text as event_id, c.prev_hash, c.hash, e.id::text as id,
             to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as occurred_at,
             e.authority_id, e.actor_user_id::text as actor_user_id, e.actor_service_account_id::text as actor_service_account_id,
             e.actor_role, e.action, e.entity_type, e.entity_id, e.person_id::text as person_id, e.conversation_id::text as conversation_id,
             e.details::text as details, e.ip, e.request_id, front_door_audit_canonical(e, c.seq) as db_text
      from audit_chain c join audit_events e on e.id = c.event_id order by c.seq desc limit 1`.execute(ctx.db);
    const row = rows[0]!;
    assert.equal(canonicalText(row), row.db_text, 'the same canonical text');
    assert.match(row.db_text, /^front-door-audit-v1\|/, 'a versioned format');
    const r = await verifyAuditChainSnapshot(ctx.db);
    assert.ok(r.ok, describeResult(r));
  });

  test('a burst of transactions on many connections, some rolled back, forms one unbroken chain of exactly the committed entries', async () => {
    const before = (await chainRows()).length;
    // On PostgreSQL eight connections' transactions overlap, and each links to whatever committed
    // last. The embedded engine runs one transaction at a time anyway, and is given one connection,
    // as main.ts gives it (ADR 0003: pglite-socket can lose answers to many busy connections), so
    // there the same transactions queue on it.
    const workers = embedded ? 4 : 8;
    const burst = openDatabase({ url: testDatabaseUrl(), schema: ctx.schema, poolSize: embedded ? 1 : workers });
    let committed = 0;
    try {
      await Promise.all(
        Array.from({ length: workers }, async (_, w) => {
          for (let i = 0; i < 12; i++) {
            const rollBack = i % 4 === 3;
            const partial = i % 4 === 1;
            try {
              await burst.db.transaction().execute(async (tx) => {
                await recordAudit(tx, SYSTEM, { action: 'mi.drilled-down', personIds: [], details: { kind: 'burst', value: `${w}-${i}`, from: '2026-01-01', to: '2026-01-31', rows: 0 } });
                if (partial) {
                  // An entry inside a savepoint that is rolled back leaves no link either.
                  await sql`savepoint inner_part`.execute(tx);
                  await recordAudit(tx, SYSTEM, { action: 'mi.drilled-down', personIds: [], details: { kind: 'burst-undone', value: `${w}-${i}`, from: '2026-01-01', to: '2026-01-31', rows: 0 } });
                  await sql`rollback to savepoint inner_part`.execute(tx);
                }
                await recordAudit(tx, SYSTEM, { action: 'mi.drilled-down', personIds: [], details: { kind: 'burst', value: `${w}-${i}-second`, from: '2026-01-01', to: '2026-01-31', rows: 0 } });
                if (rollBack) throw new RolledBack();
              });
              committed += 2;
            } catch (err) {
              if (!(err instanceof RolledBack)) throw err;
            }
          }
        }),
      );
    } finally {
      await burst.close();
    }
    assert.equal(committed, workers * 9 * 2, 'nine of every twelve transactions committed, two entries each');
    const rows = await chainRows();
    assert.equal(rows.length, before + committed, 'a link for every committed entry and none for the rolled-back ones');
    const undone = await ctx.db.selectFrom('audit_events').select('id').where(sql<string>`details->>'kind'`, '=', 'burst-undone').execute();
    assert.equal(undone.length, 0, 'nothing of a rolled-back savepoint remains');
    const r = await verifyAuditChainSnapshot(ctx.db, { batchSize: 10 });
    assert.ok(r.ok, describeResult(r));
    assert.equal(r.entries, rows.length);
  });

  test('the chain follows commit order: an entry inserted first but committed last is linked last', async () => {
    let firstInserted: number;
    let secondInserted: number;
    if (!embedded) {
      // Two real transactions: A inserts, B inserts, B commits, A commits.
      const a = new pg.Client({ connectionString: testDatabaseUrl() });
      const b = new pg.Client({ connectionString: testDatabaseUrl() });
      await a.connect();
      await b.connect();
      try {
        for (const c of [a, b]) await c.query(`set search_path to ${ctx.schema}, public`);
        await a.query('begin');
        firstInserted = (await a.query<{ id: number }>(`insert into audit_events (action, entity_type) values ('test.inserted-first', 'other') returning id`)).rows[0]!.id;
        await b.query('begin');
        secondInserted = (await b.query<{ id: number }>(`insert into audit_events (action, entity_type) values ('test.inserted-second', 'other') returning id`)).rows[0]!.id;
        await b.query('commit');
        await a.query('commit');

        // A repeatable-read transaction whose snapshot predates the head cannot link to it: it is
        // refused at commit rather than forking the chain.
        await a.query('begin isolation level repeatable read');
        await a.query('select count(*) from audit_chain');
        await b.query(`insert into audit_events (action, entity_type) values ('test.meanwhile', 'other')`);
        await a.query(`insert into audit_events (action, entity_type) values ('test.stale-snapshot', 'other')`);
        await assert.rejects(a.query('commit'), /duplicate key value violates unique constraint "audit_chain_pkey"/, 'a stale snapshot cannot fork the chain');
      } finally {
        await a.end();
        await b.end();
      }
    } else {
      // The embedded engine runs one transaction at a time, so two cannot commit out of order; an id
      // given explicitly makes the same situation: a higher id committed before a lower one.
      firstInserted = (await sql<{ id: number }>`insert into audit_events (id, action, entity_type) overriding system value values (1000000000, 'test.inserted-first', 'other') returning id`.execute(ctx.db)).rows[0]!.id;
      secondInserted = (await sql<{ id: number }>`insert into audit_events (action, entity_type) values ('test.inserted-second', 'other') returning id`.execute(ctx.db)).rows[0]!.id;
    }
    const seqOf = async (id: number) => Number((await ctx.db.selectFrom('audit_chain').select('seq').where('event_id', '=', id).executeTakeFirstOrThrow()).seq);
    const [lowId, highId] = firstInserted! < secondInserted! ? [firstInserted!, secondInserted!] : [secondInserted!, firstInserted!];
    assert.ok(lowId < highId, 'two different ids');
    assert.ok((await seqOf(lowId)) > (await seqOf(highId)), 'the lower id, committed later, is later in the chain');
    assert.equal((await ctx.db.selectFrom('audit_events').select('id').where('action', '=', 'test.stale-snapshot').execute()).length, 0, 'the refused entry was not written');
    const r = await verifyAuditChainSnapshot(ctx.db);
    assert.ok(r.ok, describeResult(r));
  });
});

describe('tampering is found at the first broken link', () => {
  let ids: number[];
  let middle: number;
  before(async () => {
    ids = await write(6);
    middle = ids[2]!;
  });

  test('an entry changed in place', async () => {
    const b = broken(await tampered((tx) => sql`update audit_events set details = '{"section":"nothing to see"}' where id = ${middle}`.execute(tx).then(() => {})));
    assert.equal(b.problem, 'content');
    assert.equal(b.entryId, middle, 'the changed entry is named');
    assert.match(b.message, new RegExp(`^Entry ${middle} \\(position \\d+\\) has been changed since it was written\\.$`));
    assert.match(b.expected, /^hash [0-9a-f]{64}$/);
    assert.match(b.found, /^hash [0-9a-f]{64} from its present content$/);
    assert.notEqual(b.expected.slice(5, 69), b.found.slice(5, 69), 'the two hashes differ');
  });

  test('an entry changed along with its own hash breaks the link to the next one', async () => {
    const b = broken(
      await tampered(async (tx) => {
        await sql`update audit_events set actor_role = 'administrator' where id = ${middle}`.execute(tx);
        await sql`update audit_chain c set hash = sha256(c.prev_hash || convert_to(front_door_audit_canonical(e, c.seq), 'UTF8')) from audit_events e where e.id = c.event_id and c.event_id = ${middle}`.execute(tx);
      }),
    );
    assert.equal(b.problem, 'link');
    assert.equal(b.entryId, ids[3], 'the entry after the changed one no longer follows it');
    assert.match(b.message, /does not follow the entry at position \d+: an earlier entry was changed, removed or moved/);
  });

  test('an entry deleted from the middle of the log', async () => {
    const b = broken(await tampered((tx) => sql`delete from audit_events where id = ${middle}`.execute(tx).then(() => {})));
    assert.equal(b.problem, 'missing-entry');
    assert.equal(b.entryId, middle);
    assert.match(b.message, /has been deleted from the audit log/);
  });

  test('an entry deleted with its link', async () => {
    const b = broken(
      await tampered(async (tx) => {
        await sql`delete from audit_chain where event_id = ${middle}`.execute(tx);
        await sql`delete from audit_events where id = ${middle}`.execute(tx);
      }),
    );
    assert.equal(b.problem, 'gap');
    assert.equal(b.entryId, ids[3], 'found at the entry after the hole');
    assert.match(b.message, /^Chain position \d+ is missing/);
  });

  test('two entries swapped in the chain', async () => {
    const b = broken(
      await tampered(async (tx) => {
        const seqs = (await tx.selectFrom('audit_chain').select(['seq', 'event_id']).where('event_id', 'in', [ids[2]!, ids[3]!]).orderBy('seq').execute()).map((r) => Number(r.seq));
        await sql`update audit_chain set seq = -1 where seq = ${seqs[0]}`.execute(tx);
        await sql`update audit_chain set seq = ${seqs[0]} where seq = ${seqs[1]}`.execute(tx);
        await sql`update audit_chain set seq = ${seqs[1]} where seq = -1`.execute(tx);
      }),
    );
    assert.equal(b.problem, 'link');
    assert.equal(b.entryId, ids[3], 'the entry moved up no longer follows its new predecessor');
  });

  test('two entries’ contents swapped (deleted and written again in the other order)', async () => {
    const b = broken(
      await tampered(async (tx) => {
        await sql`alter table audit_events disable trigger audit_events_chain`.execute(tx);
        await sql`create temporary table swap on commit drop as select * from audit_events where id in (${ids[2]!}, ${ids[3]!})`.execute(tx);
        await sql`delete from audit_events where id in (${ids[2]!}, ${ids[3]!})`.execute(tx);
        await sql`insert into audit_events overriding system value
          select case when id = ${ids[2]!} then ${ids[3]!}::bigint else ${ids[2]!}::bigint end, occurred_at, authority_id, actor_user_id, actor_service_account_id, actor_role, action, entity_type, entity_id, person_id, conversation_id, details, ip, request_id from swap`.execute(tx);
      }),
    );
    assert.equal(b.problem, 'content');
    assert.equal(b.entryId, ids[2]);
  });

  test('an entry written with the chaining switched off', async () => {
    let sneaked = 0;
    const b = broken(
      await tampered(async (tx) => {
        await sql`alter table audit_events disable trigger audit_events_chain`.execute(tx);
        sneaked = (await sql<{ id: number }>`insert into audit_events (action, entity_type) values ('user.signed-in', 'user') returning id`.execute(tx)).rows[0]!.id;
      }),
    );
    assert.equal(b.problem, 'unchained');
    assert.equal(b.entryId, sneaked);
  });

  test('entries removed from the end are found against an anchor recorded earlier', async () => {
    const head = await verifyAuditChainSnapshot(ctx.db);
    assert.ok(head.ok && head.head, describeResult(head));
    const anchor = head.head;
    const cutTail = async (tx: Tx) => {
      const last = await tx.selectFrom('audit_chain').select(['seq', 'event_id']).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
      await sql`delete from audit_chain where seq = ${last.seq}`.execute(tx);
      await sql`delete from audit_events where id = ${last.event_id}`.execute(tx);
    };
    // Without an anchor a shorter chain is still a consistent chain: that is what anchors are for.
    const plain = await tampered(cutTail);
    assert.ok(plain.ok, 'without an anchor the cut is invisible');
    assert.equal(plain.entries, anchor.seq - 1);
    const b = broken(await tampered(cutTail, { anchor }));
    assert.equal(b.problem, 'anchor');
    assert.match(b.message, new RegExp(`^The chain ends at position ${anchor.seq - 1}, but position ${anchor.seq} was recorded earlier`));
    // An anchor that does not match the hash there.
    const wrong = broken(await tampered(async () => {}, { anchor: { seq: anchor.seq, hash: 'ab'.repeat(32) } }));
    assert.equal(wrong.problem, 'anchor');
    // And the untouched chain matches its anchor.
    const fine = await verifyAuditChainSnapshot(ctx.db, { anchor });
    assert.ok(fine.ok, describeResult(fine));
  });

  test('after all that (every change was rolled back) the chain is intact', async () => {
    const r = await verifyAuditChainSnapshot(ctx.db);
    assert.ok(r.ok, describeResult(r));
  });
});

describe('append-only for everyone, and by privilege for the application’s roles', () => {
  test('nobody can update, delete or truncate the log or its chain: the triggers refuse', async () => {
    for (const statement of ['update audit_events set action = action', 'delete from audit_events', 'truncate audit_events', 'update audit_chain set seq = seq', 'delete from audit_chain', 'truncate audit_chain']) {
      await assert.rejects(sql.raw(statement).execute(ctx.db), /the audit log is append-only/, statement);
    }
  });

  test('the MASH’s scoped role writes entries, which are chained, but cannot change the log or write the chain itself', async () => {
    const before = (await chainRows()).length;
    await ctx.db.transaction().execute(async (tx) => {
      await sql`set local role front_door_scoped`.execute(tx);
      await recordAudit(tx, SYSTEM, { action: 'before-you-call.reviewed', details: { authorityId: 'norfolk', section: 'as-scoped-role' } });
    });
    assert.equal((await chainRows()).length, before + 1, 'the entry was chained by the trigger, which runs as the owner');
    const id = await idOf('as-scoped-role');
    for (const statement of [
      `update audit_events set action = 'x' where id = ${id}`,
      `delete from audit_events where id = ${id}`,
      'truncate audit_events',
      `insert into audit_chain (seq, event_id, prev_hash, hash) values (999999, ${id}, '\\x00', '\\x00')`,
      'update audit_chain set seq = seq',
      'delete from audit_chain',
    ]) {
      await assert.rejects(
        ctx.db.transaction().execute(async (tx) => {
          await sql`set local role front_door_scoped`.execute(tx);
          await sql.raw(statement).execute(tx);
        }),
        /permission denied/,
        statement,
      );
    }
    const r = await verifyAuditChainSnapshot(ctx.db);
    assert.ok(r.ok, describeResult(r));
  });
});

describe('the migration chains the entries already written', () => {
  test('entries written before migration 0020 are chained in id order, and later ones follow', async () => {
    const schema = `${ctx.schema}_pre`;
    const older = mkdtempSync(join(tmpdir(), 'front-door-migrations-'));
    for (const f of readdirSync(migrationsDir)) if (f.endsWith('.sql') && f < '0020') copyFileSync(join(migrationsDir, f), join(older, f));
    const admin = openDatabase({ url: testDatabaseUrl(), poolSize: 1 });
    await admin.pool.query(`create schema ${schema}`);
    await admin.close();
    const h = openDatabase({ url: testDatabaseUrl(), schema, poolSize: 1 });
    try {
      await migrate(h.db, older);
      assert.equal((await sql<{ t: string | null }>`select to_regclass('audit_chain')::text as t`.execute(h.db)).rows[0]!.t, null, 'no chain before 0020');
      for (let i = 0; i < 25; i++) {
        await h.db.insertInto('audit_events').values({ authority_id: i % 2 ? 'norfolk' : null, action: 'person.viewed', entity_type: 'person', details: JSON.stringify({ i, note: i % 3 ? 'plain' : 'ünïcödé, "quotes"' }) }).execute();
      }
      await migrate(h.db);
      const rows = await h.db.selectFrom('audit_chain').select(['seq', 'event_id']).orderBy('seq').execute();
      assert.equal(rows.length, 25, 'every earlier entry chained');
      assert.deepEqual(rows.map((r) => Number(r.event_id)), [...rows].map((r) => Number(r.event_id)).sort((a, b) => a - b), 'in id order');
      await h.db.insertInto('audit_events').values({ action: 'person.viewed', entity_type: 'person', details: '{}' }).execute();
      const r = await verifyAuditChainSnapshot(h.db);
      assert.ok(r.ok, describeResult(r));
      assert.equal(r.entries, 26);
    } finally {
      await h.close();
      const a = openDatabase({ url: testDatabaseUrl(), poolSize: 1 });
      await a.pool.query(`drop schema ${schema} cascade`);
      await a.close();
      rmSync(older, { recursive: true, force: true });
    }
  });
});

/** Runs `npm run audit:verify`'s script with this environment; resolves with its exit code and output. */
function runVerify(env: Record<string, string>, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/audit-verify.ts', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', TZ: 'Europe/London', NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('npm run audit:verify', () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'front-door-verify-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('against DATABASE_URL: "chain intact", exit 0; after tampering the first broken link, exit 1; a bad option, exit 2', async () => {
    const env = { DATABASE_URL: testDatabaseUrl(), DB_SCHEMA: ctx.schema, DATA_DIR: dataDir };
    const entries = (await chainRows()).length;
    const ok = await runVerify(env, ['--batch', '3']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`^chain intact: ${entries} entries \\(head: position ${entries}, hash ([0-9a-f]{64})\\)\\n$`));
    const headHash = /hash ([0-9a-f]{64})/.exec(ok.stdout)![1]!;

    // Tamper for real (the script reads committed data), then put it back exactly as it was.
    const victim = (await ctx.db.selectFrom('audit_chain').select('event_id').where('seq', '=', 3).executeTakeFirstOrThrow()).event_id;
    const original = (await sql<{ d: string }>`select details::text as d from audit_events where id = ${victim}`.execute(ctx.db)).rows[0]!.d;
    const setDetails = (text: string) =>
      ctx.db.transaction().execute(async (tx) => {
        await sql`alter table audit_events disable trigger audit_events_append_only`.execute(tx);
        await sql`update audit_events set details = ${text}::jsonb where id = ${victim}`.execute(tx);
        await sql`alter table audit_events enable trigger audit_events_append_only`.execute(tx);
      });
    await setDetails('{"edited": true}');
    try {
      const bad = await runVerify(env);
      assert.equal(bad.code, 1, bad.stderr);
      assert.match(bad.stdout, new RegExp(`^chain broken at entry ${victim} \\(position 3\\): Entry ${victim} \\(position 3\\) has been changed since it was written\\.\\n  expected: hash [0-9a-f]{64}\\n  found:    hash [0-9a-f]{64} from its present content\\n  2 entries before it are intact\\.\\n$`));
    } finally {
      await setDetails(original);
    }
    const anchored = await runVerify(env, ['--anchor', `${entries}:${headHash}`]);
    assert.equal(anchored.code, 0, `restored exactly, the chain matches its anchor again: ${anchored.stdout}${anchored.stderr}`);

    const usage = await runVerify(env, ['--anchor', 'yesterday']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--anchor takes POSITION:HASH/);
  });

  test('on the embedded engine’s data folder, found as npm start finds it; refused while another engine holds the folder', async () => {
    const empty = await runVerify({ DATA_DIR: dataDir });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /there is no database in .*pglite yet/);

    const engine = await startEmbeddedEngine(join(dataDir, 'pglite'));
    try {
      const h = openDatabase({ url: engine.url, poolSize: 1 });
      await migrate(h.db);
      await recordAudit(h.db, SYSTEM, { action: 'before-you-call.reviewed', details: { authorityId: 'norfolk', section: 'embedded' } });
      await h.close();
      const busy = await runVerify({ DATA_DIR: dataDir });
      assert.equal(busy.code, 2, 'one engine per data folder');
      assert.match(busy.stderr, /is in use by process \d+/);
    } finally {
      await engine.stop();
    }
    const done = await runVerify({ DATA_DIR: dataDir });
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /^chain intact: 1 entry \(head: position 1, hash [0-9a-f]{64}\)\n$/);
  });
});
