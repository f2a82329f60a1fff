/**
 * issue10-G: the SMTP relay down for ten minutes, with conversations being completed all the while.
 *
 * Waiting ten real minutes would prove nothing more than the retry schedule does, so the schedule
 * is the production one with its unit shrunk: production retries a written record after 30 s, then
 * doubles (with jitter: each wait is between 1 and 2 times 30 s × 2^n), up to 10 retries. In ten
 * minutes the first record of an outage fails 4 or 5 attempts (at 0, 30–60, 90–180, 210–420 and
 * 450–900 s). Here every wait is 30 times shorter (the first is 1 s), and the relay stays away for
 * 20 s, ten minutes at that pace; the first record must have failed at least 4 attempts by then.
 * Records written later fail fewer, as they would.
 *
 * Then the relay comes back on the same port and every written record must be delivered exactly once:
 * records queued = records sent = messages the relay accepted, one per record (by Message-ID), none
 * given up on, no task made for a worker.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { createTestContext, createTestApp, createUser, createServiceAccount, cleanUp, completeConversationByApi, onEmbeddedEngine, type TestContext } from '../support/harness.js';
import { TestSmtpServer, reservePort, waitFor } from '../support/smtp.js';
import { SmtpMailer } from '../../src/platform/mail/smtp-mailer.js';
import { QUEUES } from '../../src/platform/jobs.js';
import { startWrittenRecordWorker } from '../../src/features/written-records/worker.js';

/** Production: 30 s, doubling, 10 retries (src/platform/jobs.ts). Here the unit is 1 s. */
const RETRY_DELAY_SECONDS = 1;
const RETRY_LIMIT = 10;
/** Ten minutes at the production schedule's pace, 30 times faster. */
const OUTAGE_MS = (10 * 60 * 1000) / 30;
/** The first record's failed attempts in ten minutes of outage at the production schedule (the fewer of 4 or 5). */
const ATTEMPTS_IN_TEN_MINUTES = 4;
const TIMEOUT = { timeout: 240_000 };

let ctx: TestContext;
let app: FastifyInstance;
let token: string;
let workerEmail: string;
let port: number;
let smtp: TestSmtpServer | undefined;

before(async () => {
  // A port nobody listens on yet: every send is refused until the relay starts there.
  port = await reservePort();
  // The app and the sender work at the same moment: one connection on the embedded engine (ADR 0003).
  ctx = await createTestContext(undefined, { mailer: (c) => new SmtpMailer(TestSmtpServer.urlFor(port), c.config.mail.from), poolSize: (await onEmbeddedEngine()) ? 1 : 4 });
  // The production retry policy for written records, with its unit shrunk from 30 s to 1 s.
  await ctx.jobs.boss.updateQueue(QUEUES.sendWrittenRecord, { name: QUEUES.sendWrittenRecord, retryLimit: RETRY_LIMIT, retryDelay: RETRY_DELAY_SECONDS, retryBackoff: true, expireInSeconds: 10 } as never);
  app = await createTestApp(ctx);
  workerEmail = (await createUser(ctx, { role: 'cads-worker' })).email;
  token = await createServiceAccount(ctx);
  await startWrittenRecordWorker(ctx, 0.5);
});
after(() => cleanUp(() => app?.close(), () => ctx?.close(), () => smtp?.close()));

const attemptsOfFirst = async (id: string) =>
  (await ctx.db.selectFrom('written_records').select(['attempts', 'status']).where('conversation_id', '=', id).executeTakeFirstOrThrow());

test('the SMTP relay down for ten minutes (at the retry schedule’s pace): every record written meanwhile is delivered exactly once when it is back', TIMEOUT, async (t) => {
  const started = Date.now();
  const written: string[] = [];
  const complete = async () => {
    const { id } = await completeConversationByApi(app, token, { workerEmail, callerEmail: `outage.${written.length}@nhs.example.org`, familyName: `Outage${written.length}` });
    written.push(id);
    return id;
  };

  // Conversations keep being completed while the relay is away (ten minutes at the schedule's pace).
  const first = await complete();
  while (Date.now() - started < OUTAGE_MS) {
    assert.notEqual((await attemptsOfFirst(first)).status, 'failed', 'no record is given up on during the outage');
    await complete();
    await new Promise((res) => setTimeout(res, 300));
  }
  // Not "sending" at the moment the relay returns, so the count of failed attempts is settled.
  const firstAtReturn = await waitFor(async () => {
    const r = await attemptsOfFirst(first);
    return r.status === 'queued' ? r : null;
  }, 30_000, 'the first record to be waiting for its next try');
  assert.ok(firstAtReturn.attempts >= ATTEMPTS_IN_TEN_MINUTES, `the first record failed ${firstAtReturn.attempts} attempts in the outage (ten minutes fail at least ${ATTEMPTS_IN_TEN_MINUTES})`);
  const outageSeconds = (Date.now() - started) / 1000;
  const duringOutage = await ctx.db.selectFrom('written_records').select(['attempts', 'status', 'last_error']).execute();
  assert.equal(duringOutage.length, written.length, 'one written record per completed conversation');
  assert.ok(duringOutage.every((r) => r.status !== 'sent' && r.status !== 'failed'), 'nothing sent, nothing given up on while the relay is away');
  const failedAttempts = duringOutage.reduce((n, r) => n + r.attempts, 0);
  const otherErrors = duringOutage.filter((r) => r.last_error !== null && !/^smtp/.test(r.last_error)).map((r) => r.last_error);
  assert.deepEqual(otherErrors, [], 'the recorded errors are the relay’s');

  // The relay is back on the same port.
  smtp = await TestSmtpServer.start(port);
  const back = Date.now();
  await waitFor(async () => {
    const left = await ctx.db.selectFrom('written_records').select('id').where('status', '<>', 'sent').execute();
    return left.length === 0;
  }, 120_000, 'every written record to be sent');
  const drainSeconds = (Date.now() - back) / 1000;

  const records = await ctx.db.selectFrom('written_records').select(['id', 'status', 'attempts']).execute();
  const sent = records.filter((r) => r.status === 'sent');
  const messageIds = smtp.messages.map((m) => m.messageId);
  const perRecord = new Map<string, number>();
  for (const id of messageIds) perRecord.set(String(id), (perRecord.get(String(id)) ?? 0) + 1);
  const tasks = (await sql<{ n: number }>`select count(*)::int as n from tasks where kind = 'delivery-failed'`.execute(ctx.db)).rows[0]!.n;
  const maxAttempts = Math.max(...records.map((r) => r.attempts));

  t.diagnostic(`SMTP relay down ${outageSeconds.toFixed(1)} s (retry unit 1 s = 30 s in production: about ${Math.round((outageSeconds * 30) / 60)} production minutes); ` +
    `written ${written.length}; queued ${duringOutage.length}; failed attempts during the outage ${failedAttempts} (first record ${firstAtReturn.attempts}); ` +
    `after the relay returned: sent ${sent.length}, messages accepted ${smtp.messages.length}, distinct Message-IDs ${perRecord.size}, most attempts for one record ${maxAttempts}; tasks for workers ${tasks}; all delivered ${drainSeconds.toFixed(1)} s after it returned`);

  assert.equal(sent.length, written.length, 'every written record was sent');
  assert.equal(smtp.messages.length, written.length, 'the relay accepted exactly one message per record');
  for (const r of records) assert.equal(perRecord.get(`<${r.id}@front-door>`), 1, `record ${r.id} was delivered exactly once`);
  assert.equal(tasks, 0, 'no record failed for good, so no worker was asked to phone a caller');
  assert.ok(maxAttempts > firstAtReturn.attempts, `the first record was tried again after the relay came back (${maxAttempts} attempts)`);
});
