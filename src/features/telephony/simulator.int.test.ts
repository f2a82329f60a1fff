/**
 * The call simulator against a real app on a real database: a short busy period, played over HTTP
 * on a fast clock, after which the app's own figures (its calls and its wallboard) must agree with
 * what the simulator did, call by call.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createTestContext, createUser, testDatabaseUrl, type TestContext } from '../../../test/support/harness.js';
import { openDatabase, type DatabaseHandle } from '../../platform/db/database.js';
import type { AppContext } from '../../platform/context.js';
import { createServer } from '../../server.js';
import { hashToken } from '../../platform/http/app.js';
import { ScaledClock, simulateCalls } from './simulator.js';

let ctx: TestContext;
/** The app's context: the test's, or on the embedded engine one connection, as main.ts uses there. */
let appCtx: AppContext;
let oneConnection: DatabaseHandle | null = null;
let app: FastifyInstance;
let base: string;
const START = '2026-11-23T09:30:00Z'; // a Monday, 09:30 in London (GMT)
const SPEED = 60;
const clock = new ScaledClock(START, SPEED);

before(async () => {
  ctx = await createTestContext(START, { clock });
  appCtx = ctx;
  const version = (await ctx.handle.pool.query<{ v: string }>('select version() as v')).rows[0]!.v;
  if (version.includes('PGlite')) {
    // The embedded engine has one backend session behind every connection: concurrent webhooks on
    // several connections would interleave their statements. main.ts gives the app one connection
    // there and does not try LISTEN; so does this test.
    oneConnection = openDatabase({ url: testDatabaseUrl(), schema: ctx.schema, poolSize: 1 });
    appCtx = { ...ctx, db: oneConnection.db, config: { ...ctx.config, databaseUrl: undefined } };
  }
  app = await createServer(appCtx);
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  appCtx.config.baseUrl = base;
});
after(async () => {
  await app?.close();
  await oneConnection?.close();
  await ctx?.close();
});

async function switchToken(): Promise<string> {
  const token = randomBytes(24).toString('hex');
  await ctx.db.insertInto('service_accounts').values({ id: randomUUID(), authority_id: 'norfolk', name: 'Simulator', role: 'telephony-switch', agency_code: null, token_hash: hashToken(token) }).execute();
  return token;
}

test('a short busy period: the app records what the simulator did', async () => {
  const workerIds = [];
  for (let i = 0; i < 3; i++) workerIds.push((await createUser(ctx, { role: 'cads-worker', displayName: `Sim ${i}` })).id);
  clock.set(START);
  const report = await simulateCalls({
    baseUrl: base,
    twilioAuthToken: appCtx.config.telephony.twilioAuthToken!,
    switchToken: await switchToken(),
    workerIds,
    clock,
    calls: 24,
    simulatedMinutes: 2,
    seed: 5,
    ctx: appCtx,
    // Short calls and little patience keep the test quick; the callback offer still comes at 180 s.
    behaviour: { talkMedianSeconds: 90, talkSigma: 0.3, patienceMeanSeconds: 200, wrapUpSeconds: 30 },
  });

  assert.deepEqual(report.webhooks.firstErrors, []);
  assert.deepEqual(report.anomalies, []);
  assert.equal(report.safetyCapReached, false);
  assert.equal(report.offered, 24);
  assert.equal(report.answered + report.abandoned + report.callbacks, 24, 'every caller was answered, hung up or left a number');
  assert.ok(report.answered >= 3, `answered ${report.answered}`);
  assert.equal(report.answerTimeSeconds.n, report.answered);
  assert.ok(report.app, 'the app’s figures were read back');
  assert.deepEqual(report.app.disagreements, []);
  assert.equal(report.app.agrees, true);
  assert.equal(report.app.wallboard.today.offered, 24);
  assert.equal(report.app.wallboard.waitingNow, 0);
  assert.deepEqual(report.app.workerPresenceAtEnd, { available: 3 });
  // The app stamps a call when each webhook arrives, the simulator when it sends it, on the same clock:
  // an answer time can differ by at most the two webhooks' latency (the key press and the answer),
  // in simulated seconds. The bound comes from this run's own latency, so a busy machine cannot fail it.
  const latencyBound = (2 * report.webhookLatencyMs.all.max! * SPEED) / 1000 + 0.5;
  assert.ok(report.app.answerTimeDifferenceSeconds.max! <= latencyBound, `answer times differ by up to ${report.app.answerTimeDifferenceSeconds.max} s; the webhooks' latency allows ${latencyBound} s`);
  for (const kind of ['voice', 'menu', 'wait', 'agent', 'connected', 'queue-result', 'status'] as const) {
    assert.ok((report.webhookLatencyMs as Record<string, { n: number }>)[kind]?.n, `no ${kind} webhooks`);
  }
});
