/**
 * issue10-G: the database server restarted during load.
 *
 * Eight API clients keep saving complete conversations, each with its own Idempotency-Key, and
 * retry a save whose answer was an error or never came, with the same key, as an integration should.
 * Once some saves are acknowledged the database server goes down, stays down while the clients keep
 * trying, and comes back; the app is not restarted. Every save is then acknowledged, found, whole,
 * and saved once; the app answers its readiness probe again without a restart.
 *
 * Which server is restarted:
 * - on PostgreSQL, a server of this test's own (the machine's PostgreSQL binaries on a fresh data
 *   folder, test/support/private-postgres.ts), stopped as a crash stops it (`pg_ctl stop -m immediate`)
 *   and started again, so it replays its write-ahead log. The shared server other tests use is never
 *   touched. Without server binaries on the machine, every connection of this test's own to the
 *   shared server is cut with pg_terminate_backend, again and again for the outage (the diagnostic
 *   says which was done);
 * - on the embedded engine, an engine of this test's own on a data folder, stopped and started again
 *   on the same folder and port.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { createTestContext, createTestApp, createUser, createServiceAccount, cleanUp, testDatabaseUrl, onEmbeddedEngine, type TestContext } from '../support/harness.js';
import { reservePort } from '../support/smtp.js';
import { findPostgresBinaries, PrivatePostgres } from '../support/private-postgres.js';
import { startEmbeddedEngine, type EmbeddedEngine } from '../../src/platform/db/embedded.js';
import { QUEUES } from '../../src/platform/jobs.js';

const SAVES = 120;
const CLIENTS = 8;
/** The database goes down once this many saves have been acknowledged… */
const DOWN_AFTER = 40;
/** …and stays down this long while the clients keep trying. */
const OUTAGE_MS = 3_000;
const TIMEOUT = { timeout: 240_000 };

interface Restartable {
  url: string;
  how: string;
  /** Down now; back when the returned function is called. */
  down(): Promise<() => Promise<void>>;
  /** Evidence that the restart was what it says (a line of the server's log). */
  evidence(): string;
  destroy(): Promise<void>;
}

async function prepare(url: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('create extension if not exists pg_trgm with schema public');
  await c.query('create extension if not exists fuzzystrmatch with schema public');
  await c.end();
}

async function privateServer(): Promise<Restartable | null> {
  const bin = findPostgresBinaries();
  if (!bin) return null;
  const server = await PrivatePostgres.create(bin);
  await prepare(server.url);
  return {
    url: server.url,
    how: `a private PostgreSQL server (${bin.version}) crashed with pg_ctl stop -m immediate and started again`,
    async down() {
      server.crash();
      return async () => server.start();
    },
    evidence: () => server.log().split('\n').find((l) => /not properly shut down; automatic recovery in progress/.test(l)) ?? '',
    destroy: async () => server.destroy(),
  };
}

/** The fallback: cut this test's connections to the shared server, again and again, for the outage. */
function terminatedConnections(): Restartable {
  const app = `front-door-fault-${randomBytes(4).toString('hex')}`;
  const u = new URL(testDatabaseUrl());
  u.searchParams.set('application_name', app);
  let cut = 0;
  const terminate = async () => {
    const c = new pg.Client({ connectionString: testDatabaseUrl() });
    await c.connect();
    try {
      const r = await c.query('select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where application_name = $1', [app]);
      cut += (r.rows[0] as { n: number }).n;
    } finally {
      await c.end();
    }
  };
  return {
    url: u.toString(),
    how: 'no PostgreSQL server binaries here: every connection of this test to the shared server was cut with pg_terminate_backend, repeatedly for the outage',
    async down() {
      let on = true;
      const loop = (async () => {
        while (on) {
          await terminate();
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      return async () => {
        on = false;
        await loop;
      };
    },
    evidence: () => (cut > 0 ? `${cut} backends terminated` : ''),
    destroy: async () => {},
  };
}

async function embeddedEngine(): Promise<Restartable> {
  const dir = mkdtempSync(join(tmpdir(), 'front-door-restart-load-'));
  const port = await reservePort();
  let engine: EmbeddedEngine | null = await startEmbeddedEngine(dir, port);
  await prepare(engine.url);
  let restarts = 0;
  return {
    url: engine.url,
    how: 'an embedded engine of this test’s own, stopped and started again on the same data folder and port',
    async down() {
      await engine!.stop();
      engine = null;
      return async () => {
        engine = await startEmbeddedEngine(dir, port);
        restarts++;
      };
    },
    evidence: () => (restarts > 0 ? `engine restarted ${restarts} time(s)` : ''),
    destroy: async () => {
      await engine?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let server: Restartable;
let ctx: TestContext;
let app: FastifyInstance;
let token: string;
let workerEmail: string;
let childIds: string[] = [];

before(async () => {
  const embedded = await onEmbeddedEngine();
  server = embedded ? await embeddedEngine() : ((await privateServer()) ?? terminatedConnections());
  // The embedded engine takes one connection's requests at a time, as npm start uses it (ADR 0003).
  ctx = await createTestContext(undefined, { databaseUrl: server.url, poolSize: embedded ? 1 : 4 });
  app = await createTestApp(ctx);
  workerEmail = (await createUser(ctx, { role: 'cads-worker' })).email;
  token = await createServiceAccount(ctx);
  for (let i = 0; i < 12; i++) {
    const r = await app.inject({ method: 'POST', url: '/api/v1/people', headers: { authorization: `Bearer ${token}` }, payload: { givenName: 'Rhys', familyName: `Restart${i}`, dateOfBirth: '2014-03-04', sex: 'M', differentChildReason: 'Fault test fixture' } });
    assert.equal(r.statusCode, 201, r.body);
    childIds.push(r.json().id);
  }
});
after(() => cleanUp(() => app?.close(), () => ctx?.close(), () => server?.destroy()));

function body(i: number) {
  return {
    caller: { type: 'professional', name: `Dr Restart ${i}`, agencyCode: 'gp', phone: '020 7946 0123', email: `restart.${i}@gp.example` },
    children: [{ personId: childIds[i % childIds.length], whereNow: 'School', safeTonight: 'yes', outcomeCode: 'mash-checks', levelCode: '3', callerAgreed: true, nextSteps: 'MASH checks today' }],
    concernCategories: ['neglect'], concernDetail: 'Poor attendance', immediacy: 'soon', parentsInformed: 'no', consentGiven: 'no',
    consentReasonCodes: ['risk-to-child'], consentReasonDetail: 'Parent may flee', lawfulBasisCode: 'public-task-children-act', worries: 'Unexplained absences',
    complete: true, workerEmail,
  };
}

async function count(query: string): Promise<number> {
  return (await sql<{ n: number }>`${sql.raw(`select count(*)::int as n from (${query}) q`)}`.execute(ctx.db)).rows[0]!.n;
}

test('the database server restarted during load: every save is acknowledged once, found, whole and saved once', TIMEOUT, async (t) => {
  const keys = Array.from({ length: SAVES }, (_, i) => `restart-${i}-${randomUUID()}`);
  const acknowledged = new Map<number, string>();
  const failures: Record<string, number> = {};
  let next = 0;
  let outage: Promise<void> | null = null;
  let downAt = 0;
  let upAt = 0;

  const goDown = async () => {
    downAt = Date.now();
    const up = await server.down();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await up();
    upAt = Date.now();
  };

  // When one client fails the test, the others stop too.
  let stopped = false;
  const client = async () => {
    try {
      await clientLoop();
    } catch (err) {
      stopped = true;
      throw err;
    }
  };
  const clientLoop = async () => {
    while (!stopped && next < SAVES) {
      const i = next++;
      for (let attempt = 1; !stopped; attempt++) {
        assert.ok(attempt <= 400, `save ${i} was still not acknowledged after 400 attempts: ${JSON.stringify(failures)}`);
        let res;
        try {
          res = await app.inject({ method: 'POST', url: '/api/v1/conversations', headers: { authorization: `Bearer ${token}`, 'idempotency-key': keys[i]! }, payload: body(i) });
        } catch (err) {
          failures[`thrown: ${(err as Error).message.slice(0, 60)}`] = (failures[`thrown: ${(err as Error).message.slice(0, 60)}`] ?? 0) + 1;
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        if (res.statusCode === 201) {
          acknowledged.set(i, res.json().id);
          if (acknowledged.size === DOWN_AFTER && !outage) outage = goDown();
          break;
        }
        // Only the outage may refuse a save: a server error, never a complaint about the request.
        assert.ok(res.statusCode >= 500, `save ${i} was refused with ${res.statusCode}: ${res.body}`);
        failures[String(res.statusCode)] = (failures[String(res.statusCode)] ?? 0) + 1;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: CLIENTS }, client));
  assert.ok(outage, 'the database went down during the load');
  await outage;
  const failed = Object.values(failures).reduce((a, b) => a + b, 0);

  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200, `the app is ready again without a restart: ${ready.body}`);

  const found = await ctx.db.selectFrom('conversations').select('id').where('id', 'in', [...acknowledged.values()]).execute();
  const conversations = await count('select id from conversations');
  const duplicates = await count(`select caller_name from conversation_versions group by caller_name having count(distinct conversation_id) > 1`);
  const halfSaved = await count(`select c.id from conversations c
    where not exists (select 1 from conversation_versions v where v.conversation_id = c.id and v.version = c.current_version)
       or not exists (select 1 from conversation_children ch where ch.conversation_id = c.id and ch.version = c.current_version)
       or not exists (select 1 from audit_events a where a.conversation_id = c.id and a.action = 'conversation.completed')
       or not exists (select 1 from written_records w where w.conversation_id = c.id)
       or c.status <> 'completed'`);
  const records = await count('select id from written_records');
  const jobs = await count(`select id from ${ctx.schema}_jobs.job where name = '${QUEUES.sendWrittenRecord}'`);

  t.diagnostic(`database restarted during load (${server.how}): ${server.evidence()}`);
  t.diagnostic(`written (acknowledged) ${acknowledged.size} of ${SAVES}; found afterwards ${found.length}; conversations ${conversations}; duplicates ${duplicates}; half-saved ${halfSaved}; ` +
    `written records ${records}, their jobs ${jobs}; failed attempts during the outage ${failed} ${JSON.stringify(failures)}; down ${((upAt - downAt) / 1000).toFixed(1)} s; run ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.ok(server.evidence(), 'the restart really happened');
  assert.ok(failed > 0, 'the clients felt the outage (some attempts failed)');
  assert.equal(acknowledged.size, SAVES, 'every save was acknowledged in the end');
  assert.equal(found.length, SAVES, 'every acknowledged save was found');
  assert.equal(conversations, SAVES, 'no save was made twice, though some were sent more than once');
  assert.equal(duplicates, 0, 'no caller is on two conversations');
  assert.equal(halfSaved, 0, 'nothing half-saved');
  assert.equal(jobs, records, 'each written record has its sending job');
  assert.equal(records, SAVES, 'one written record per conversation');
});
