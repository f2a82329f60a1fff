/**
 * issue10-G: the worker process (`npm run worker`, src/worker.ts) killed in the middle of a batch.
 *
 * Forty completed conversations wait with their written records queued, and a management-information
 * refresh is asked for. A real worker process starts on them; the SMTP relay lets the first 15 messages
 * through and holds every later one at DATA, so when the worker is killed (SIGKILL) it is in the
 * middle of sending, with jobs taken and records claimed. On PostgreSQL the MI refresh is caught
 * mid-transaction too: the test holds the lock the refresh takes to remake the daily totals, so the
 * refresh has already taken the changed conversations and written their rows when it is killed. (On
 * the embedded engine every connection shares one session, so that lock cannot hold anyone up; there
 * the refresh simply runs in the killed worker's batch.)
 *
 * A new worker then finishes everything, exactly once: records queued = records sent = messages the
 * relay accepted, one per record (by Message-ID); the MI summary has one row per conversation and the
 * daily totals count each conversation once.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { createTestContext, createTestApp, createUser, createServiceAccount, cleanUp, completeConversationByApi, testDatabaseUrl, onEmbeddedEngine, type TestContext } from '../support/harness.js';
import { TestSmtpServer, waitFor } from '../support/smtp.js';
import { startWorkerProcess, killHard, stopService, type ChildService } from '../support/processes.js';
import { QUEUES } from '../../src/platform/jobs.js';

const RECORDS = 40;
/** The relay accepts this many, then holds the rest. */
const LET_THROUGH = 15;
const WAIT = 60_000;
const TIMEOUT = { timeout: 240_000 };

let ctx: TestContext;
let app: FastifyInstance;
let smtp: TestSmtpServer;
let embedded = false;
const services: ChildService[] = [];
let lockHolder: pg.Client | null = null;

before(async () => {
  smtp = await TestSmtpServer.start();
  embedded = await onEmbeddedEngine();
  // This process reads while the worker process writes: one connection on the embedded engine (ADR 0003).
  ctx = await createTestContext(undefined, { poolSize: embedded ? 1 : 4 });
  app = await createTestApp(ctx);
});
after(() => cleanUp(...services.map((s) => () => stopService(s)), async () => lockHolder?.end(), () => app?.close(), () => ctx?.close(), () => smtp?.close()));

function worker() {
  return startWorkerProcess({
    databaseUrl: testDatabaseUrl(), schema: ctx.schema, jobsSchema: `${ctx.schema}_jobs`, sessionSecret: ctx.config.sessionSecret,
    env: { MAIL_PROVIDER: 'smtp', SMTP_URL: smtp.url, BASE_URL: ctx.config.baseUrl, JOBS_POLL_SECONDS: '0.5', JOBS_RETRY_DELAY_SECONDS: '1', JOBS_EXPIRE_SECONDS: '3', JOBS_MAINTENANCE_SECONDS: '1' },
  }, services);
}

const statuses = async () => {
  const rows = await ctx.db.selectFrom('written_records').select(['status']).execute();
  const by: Record<string, number> = {};
  for (const r of rows) by[r.status] = (by[r.status] ?? 0) + 1;
  return by;
};
const count = async (query: string) => (await sql<{ n: number }>`${sql.raw(`select count(*)::int as n from (${query}) q`)}`.execute(ctx.db)).rows[0]!.n;

test('the worker process killed mid-batch: a new worker finishes every job exactly once', TIMEOUT, async (t) => {
  const workerEmail = (await createUser(ctx, { role: 'cads-worker' })).email;
  const token = await createServiceAccount(ctx);
  for (let i = 0; i < RECORDS; i++) {
    await completeConversationByApi(app, token, { workerEmail, callerEmail: `batch.${i}@nhs.example.org`, familyName: `Batch${i}` });
  }
  assert.equal((await statuses()).queued, RECORDS, 'every record is queued before the worker starts');
  assert.equal(await count('select conversation_id from mi_dirty_conversations'), RECORDS, 'every conversation waits to be counted');

  const hold = smtp.holdAfter(LET_THROUGH);
  let miCaughtMidway = false;
  if (!embedded) {
    // The refresh takes this lock (transaction-scoped) just before remaking the daily totals.
    lockHolder = new pg.Client({ connectionString: testDatabaseUrl() });
    await lockHolder.connect();
    await lockHolder.query(`select pg_advisory_lock(hashtext('mi_daily'))`);
  }
  await ctx.jobs.sendNow(QUEUES.miRefresh, {});

  const first = await worker();
  await Promise.race([hold.reached, new Promise((_, reject) => setTimeout(() => reject(new Error('the relay never held a message')), WAIT))]);
  // Nothing more can be accepted: wait until the worker has recorded what was.
  await waitFor(async () => smtp.messages.length === LET_THROUGH && (await statuses()).sent === LET_THROUGH, WAIT, `the first ${LET_THROUGH} records to be recorded as sent`);
  if (!embedded) {
    await waitFor(async () => (await count(`select pid from pg_locks where locktype = 'advisory' and not granted`)) > 0, WAIT, 'the MI refresh to be waiting, mid-transaction');
    miCaughtMidway = true;
  }
  const atKill = await statuses();
  const held = hold.held();
  await killHard(first);
  assert.equal(first.child.signalCode, 'SIGKILL', 'the worker died of SIGKILL');
  hold.release();
  await lockHolder?.query(`select pg_advisory_unlock(hashtext('mi_daily'))`);
  await waitFor(() => smtp.aborted.length === held, WAIT, 'the held messages to be refused');
  assert.equal(smtp.messages.length, LET_THROUGH, 'nothing more was delivered by the dead worker');
  assert.ok((atKill.sending ?? 0) > 0, `the worker was killed mid-send (${JSON.stringify(atKill)})`);
  if (!embedded) {
    // The dead worker's refresh is rolled back once its backend finds the client gone.
    await waitFor(async () => (await count('select conversation_id from mi_dirty_conversations')) === RECORDS, WAIT, 'the killed refresh to be rolled back');
    assert.equal(await count('select conversation_id from mi_conversation_facts'), 0, 'the killed refresh left no summary rows');
  }

  // A new worker takes over: the dead one's jobs expire and are retried, its claims go stale.
  const second = await worker();
  await ctx.jobs.sendNow(QUEUES.miRefresh, {});
  await waitFor(async () => (await statuses()).sent === RECORDS, WAIT * 2, 'every record to be sent');
  await waitFor(async () => (await count('select conversation_id from mi_dirty_conversations')) === 0, WAIT, 'every conversation to be counted');

  const records = await ctx.db.selectFrom('written_records').select(['id', 'status', 'attempts']).execute();
  const perMessageId = new Map<string, number>();
  for (const m of smtp.messages) perMessageId.set(String(m.messageId), (perMessageId.get(String(m.messageId)) ?? 0) + 1);
  const facts = await count('select conversation_id from mi_conversation_facts');
  const counted = (await sql<{ n: number }>`select coalesce(sum(conversations), 0)::int as n from mi_daily where dim = 'all'`.execute(ctx.db)).rows[0]!.n;
  const retried = records.filter((r) => r.attempts > 1).length;

  t.diagnostic(`worker killed mid-batch (${embedded ? 'embedded engine' : 'PostgreSQL'}): records queued ${RECORDS}; at the kill sent ${atKill.sent ?? 0}, being sent ${atKill.sending ?? 0}, queued ${atKill.queued ?? 0}; held at the relay ${held}; ` +
    `MI refresh ${miCaughtMidway ? 'killed mid-transaction' : 'ran in the killed batch'}; afterwards sent ${records.filter((r) => r.status === 'sent').length}, messages accepted ${smtp.messages.length}, ` +
    `distinct Message-IDs ${perMessageId.size}, records tried more than once ${retried}; MI rows ${facts}, conversations counted ${counted}`);

  assert.equal(records.length, RECORDS, 'no record was made twice');
  assert.ok(records.every((r) => r.status === 'sent'), 'every record was sent');
  assert.equal(smtp.messages.length, RECORDS, 'the relay accepted exactly one message per record');
  for (const r of records) assert.equal(perMessageId.get(`<${r.id}@front-door>`), 1, `record ${r.id} was delivered exactly once`);
  assert.equal(facts, RECORDS, 'one MI row per conversation (one child each)');
  assert.equal(counted, RECORDS, 'the daily totals count each conversation once');
  await stopService(second);
  assert.equal(second.child.exitCode, 0, `the new worker stops cleanly. stderr:\n${second.stderr()}`);
});
