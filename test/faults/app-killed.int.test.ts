/**
 * issue10-G: `kill -9` of the app during 200 concurrent conversation saves.
 *
 * The real server (`src/main.ts`, what `npm start` runs) in a child process on this test's schema,
 * 200 complete conversations sent at once through the real HTTP API, each with its own
 * Idempotency-Key, and SIGKILL once some have been acknowledged. Then, before and after a restart:
 * every save that was acknowledged is there and whole (its version, its child, its audit entries,
 * its written record and that record's job, its idempotency key); nothing is half-saved; and sending
 * the unacknowledged ones again with their keys saves each exactly once (those whose save had
 * committed before the kill get their first answer back). The audit log's hash chain is intact.
 *
 * On the embedded engine the server's connection is cut in the same way (the engine rolls back its
 * open transaction), so the test means the same there.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { createTestContext, createUser, createServiceAccount, cleanUp, testDatabaseUrl, onEmbeddedEngine, type TestContext } from '../support/harness.js';
import { startServer, killHard, stopService, type ChildService, type ServerProcess } from '../support/processes.js';
import { verifyAuditChainSnapshot, describeResult } from '../../src/platform/audit-chain.js';
import { QUEUES } from '../../src/platform/jobs.js';

const SAVES = 200;
/** The server is killed once this many saves have been acknowledged. */
const KILL_AFTER = 120;
/** Five conversations about each child, as a busy week of calls about the same families would bring. */
const CHILDREN = 40;
const TIMEOUT = { timeout: 240_000 };

let ctx: TestContext;
let token: string;
let workerEmail: string;
let embedded = false;
const services: ChildService[] = [];

before(async () => {
  embedded = await onEmbeddedEngine();
  // This process reads while the server writes: one connection on the embedded engine (ADR 0003).
  ctx = await createTestContext(undefined, { poolSize: embedded ? 1 : 4 });
  workerEmail = (await createUser(ctx, { role: 'cads-worker' })).email;
  token = await createServiceAccount(ctx, { name: 'Case-management integration' });
});
after(() => cleanUp(...services.map((s) => () => stopService(s)), () => ctx?.close()));

function server(): Promise<ServerProcess> {
  // The embedded engine runs one query at a time: the app uses one connection there, as npm start does.
  return startServer({ databaseUrl: testDatabaseUrl(), schema: ctx.schema, jobsSchema: `${ctx.schema}_jobs`, sessionSecret: ctx.config.sessionSecret, poolSize: embedded ? 1 : 10 }, services);
}

type Outcome = { i: number; status: number; body: { id?: string; reference?: string }; replayed: boolean } | { i: number; error: string };

async function post(baseUrl: string, path: string, body: unknown, key?: string): Promise<{ status: number; json: Record<string, unknown>; replayed: boolean }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, replayed: res.headers.get('idempotent-replayed') === 'true' };
}

function conversationBody(i: number, personId: string) {
  return {
    caller: { type: 'professional', name: `Dr Fault ${i}`, agencyCode: 'gp', phone: '020 7946 0123', email: `caller.${i}@gp.example` },
    children: [{ personId, whereNow: 'Home', safeTonight: 'yes', outcomeCode: 'mash-checks', levelCode: '3', callerAgreed: true, nextSteps: 'MASH checks today' }],
    concernCategories: ['neglect'], concernDetail: 'Weight loss', immediacy: 'soon', parentsInformed: 'no', consentGiven: 'no',
    consentReasonCodes: ['risk-to-child'], consentReasonDetail: 'Parent may flee', lawfulBasisCode: 'public-task-children-act', worries: 'Faltering growth',
    complete: true, workerEmail,
  };
}

/** Runs `fn` over `items` with at most `n` at a time. */
async function pooled<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

async function count(query: string): Promise<number> {
  return (await sql<{ n: number }>`${sql.raw(`select count(*)::int as n from (${query}) q`)}`.execute(ctx.db)).rows[0]!.n;
}

/** Conversations that are not whole: each query must find none. */
const HALF_SAVED: Record<string, string> = {
  'a conversation without its current version': `select c.id from conversations c where not exists (select 1 from conversation_versions v where v.conversation_id = c.id and v.version = c.current_version)`,
  'a conversation without a child': `select c.id from conversations c where not exists (select 1 from conversation_children ch where ch.conversation_id = c.id and ch.version = c.current_version)`,
  'a conversation not completed': `select c.id from conversations c where c.status <> 'completed' or c.completed_at is null`,
  'a conversation without its "created" audit entry': `select c.id from conversations c where not exists (select 1 from audit_events a where a.conversation_id = c.id and a.action = 'conversation.created')`,
  'a conversation without its "completed" audit entry': `select c.id from conversations c where not exists (select 1 from audit_events a where a.conversation_id = c.id and a.action = 'conversation.completed')`,
  'a conversation without its written record': `select c.id from conversations c where not exists (select 1 from written_records w where w.conversation_id = c.id)`,
  'a conversation without its idempotency key': `select c.id from conversations c where not exists (select 1 from api_idempotency_keys k where k.conversation_id = c.id)`,
  'a version whose conversation is missing': `select v.conversation_id from conversation_versions v where not exists (select 1 from conversations c where c.id = v.conversation_id)`,
  'an audit entry about a conversation that is missing': `select a.id from audit_events a where a.conversation_id is not null and not exists (select 1 from conversations c where c.id = a.conversation_id)`,
};

async function assertNothingHalfSaved(when: string) {
  for (const [what, query] of Object.entries(HALF_SAVED)) {
    assert.equal(await count(query), 0, `${when}: found ${what}`);
  }
  // Every written record has its sending job (same transaction), and no more than one.
  const jobs = await sql<{ n: number; distinct_records: number }>`
    select count(*)::int as n, count(distinct data->>'writtenRecordId')::int as distinct_records
    from ${sql.table(`${ctx.schema}_jobs.job`)} where name = ${QUEUES.sendWrittenRecord}`.execute(ctx.db);
  const records = await count('select id from written_records');
  assert.equal(jobs.rows[0]!.n, records, `${when}: one sending job per written record`);
  assert.equal(jobs.rows[0]!.distinct_records, records, `${when}: no written record has two jobs`);
}

test(`kill -9 of the app during ${SAVES} concurrent conversation saves loses nothing acknowledged and half-saves nothing`, TIMEOUT, async (t) => {
  const t0 = Date.now();
  const phase = (name: string) => t.diagnostic(`${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  let srv = await server();
  phase('server started');

  // The children the conversations are about, made through the API beforehand.
  const children = await pooled(Array.from({ length: CHILDREN }, (_, i) => i), 8, async (i) => {
    const r = await post(srv.baseUrl, '/api/v1/people', { givenName: 'Kayleigh', familyName: `Faultline${i}`, dateOfBirth: '2015-05-06', sex: 'F', differentChildReason: 'Fault test: each conversation is about its own child' });
    assert.equal(r.status, 201, `creating child ${i}: ${JSON.stringify(r.json)}`);
    return String(r.json.id);
  });
  const people = Array.from({ length: SAVES }, (_, i) => children[i % CHILDREN]!);
  phase('children made');
  const keys = people.map((_, i) => `kill-test-${i}-${randomUUID()}`);
  const bodies = people.map((p, i) => conversationBody(i, p));

  // All at once; SIGKILL once KILL_AFTER have been acknowledged.
  let acknowledged = 0;
  let killed: Promise<void> | null = null;
  const outcomes: Outcome[] = await Promise.all(bodies.map(async (body, i): Promise<Outcome> => {
    try {
      const r = await post(srv.baseUrl, '/api/v1/conversations', body, keys[i]);
      if (r.status === 201 && ++acknowledged >= KILL_AFTER && !killed) killed = killHard(srv);
      return { i, status: r.status, body: r.json as { id?: string }, replayed: r.replayed };
    } catch (err) {
      return { i, error: (err as Error).message };
    }
  }));
  phase('saves sent, server killed');
  assert.ok(killed, 'the server was killed');
  await killed;
  assert.equal(srv.child.signalCode, 'SIGKILL', 'the server died of SIGKILL');

  const acked = outcomes.filter((o): o is Extract<Outcome, { status: number }> => 'status' in o && o.status === 201);
  const refused = outcomes.filter((o) => 'status' in o && o.status !== 201);
  const lost = outcomes.filter((o) => 'error' in o);
  assert.deepEqual(refused, [], 'no save was refused: each was acknowledged or cut off by the kill');
  assert.ok(acked.length >= KILL_AFTER, `at least ${KILL_AFTER} acknowledged (${acked.length})`);
  assert.ok(lost.length > 0, 'the kill came while saves were in flight (some were never answered)');

  // While the server is down: what was acknowledged is there, whole.
  const ackedIds = acked.map((o) => o.body.id!);
  const found = await ctx.db.selectFrom('conversations').select('id').where('id', 'in', ackedIds).execute();
  const total = await count('select id from conversations');
  await assertNothingHalfSaved('after the kill');
  const chain = await verifyAuditChainSnapshot(ctx.db);
  assert.ok(chain.ok, `the audit chain after the kill: ${describeResult(chain)}`);
  const committedUnacknowledged = total - acked.length;
  t.diagnostic(`kill -9 during ${SAVES} concurrent saves (${embedded ? 'embedded engine' : 'PostgreSQL'}): written (acknowledged) ${acked.length}; found afterwards ${found.length}; ` +
    `unanswered ${lost.length}, of which saved before the kill ${committedUnacknowledged} and rolled back ${lost.length - committedUnacknowledged}; half-saved 0; audit chain ${chain.ok ? 'intact' : 'BROKEN'} (${chain.entries} entries)`);
  assert.equal(found.length, acked.length, 'every acknowledged save was found');
  assert.ok(committedUnacknowledged >= 0 && committedUnacknowledged <= lost.length, `saved but unanswered: ${committedUnacknowledged} of ${lost.length}`);

  // Restart, and send every unanswered save again with its key, as an integration would.
  phase('checked after the kill');
  srv = await server();
  phase('server restarted');
  const retried = await Promise.all(lost.map(async (o) => {
    const r = await post(srv.baseUrl, '/api/v1/conversations', bodies[o.i], keys[o.i]);
    return { i: o.i, ...r };
  }));
  for (const r of retried) assert.equal(r.status, 201, `retry of save ${r.i}: ${JSON.stringify(r.json)}`);
  const replayed = retried.filter((r) => r.replayed).length;
  assert.equal(replayed, committedUnacknowledged, 'exactly the saves that had committed were answered from their key');

  // And once more, all 200: every one is answered from its key and nothing new is written.
  const again = await pooled(bodies.map((b, i) => i), 16, async (i) => post(srv.baseUrl, '/api/v1/conversations', bodies[i], keys[i]));
  assert.ok(again.every((r) => r.status === 201 && r.replayed), 'a second retry of every save is answered from its key');
  for (const o of acked) assert.equal(again[o.i]!.json.id, o.body.id, `save ${o.i} keeps the id it was acknowledged with`);

  phase('retried');
  const conversations = await count('select id from conversations');
  const keysStored = await count('select idempotency_key from api_idempotency_keys');
  // Each save has its own caller, so a caller on two conversations is a save made twice.
  const duplicates = await count(`select caller_name from conversation_versions group by caller_name having count(distinct conversation_id) > 1`);
  await assertNothingHalfSaved('after the retries');
  const chainAfter = await verifyAuditChainSnapshot(ctx.db);
  assert.ok(chainAfter.ok, `the audit chain after the retries: ${describeResult(chainAfter)}`);
  t.diagnostic(`after restart and retry with Idempotency-Key: sent ${SAVES}; conversations found ${conversations}; answered from their key ${replayed} on the first retry and ${SAVES} on the second; duplicates ${duplicates}`);
  assert.equal(conversations, SAVES, `exactly one conversation per save (${conversations})`);
  assert.equal(keysStored, SAVES, 'one key per save');
  assert.equal(duplicates, 0, 'no caller is on two conversations: nothing was saved twice');
  await stopService(srv);
  assert.equal(srv.child.exitCode, 0, `the restarted server stops cleanly. stderr:\n${srv.stderr()}`);
});
