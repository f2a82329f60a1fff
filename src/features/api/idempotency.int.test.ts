/**
 * issue10-G: the Idempotency-Key header on POST /api/v1/conversations, against a real database: a
 * retry gets the first answer and saves nothing new, a key reused with another body is refused, a bad
 * key is refused before anything is read, keys are the caller's own, and the same key sent twice at
 * the same moment saves once.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createTestContext, createTestApp, createUser, createServiceAccount, onEmbeddedEngine, type TestContext } from '../../../test/support/harness.js';

let ctx: TestContext;
let app: FastifyInstance;
let token: string;
let otherToken: string;
let workerEmail: string;
let personId: string;

before(async () => {
  // Requests at the same moment: one connection on the embedded engine (ADR 0003).
  ctx = await createTestContext(undefined, { poolSize: (await onEmbeddedEngine()) ? 1 : 4 });
  app = await createTestApp(ctx);
  workerEmail = (await createUser(ctx, { role: 'cads-worker' })).email;
  token = await createServiceAccount(ctx, { name: 'Case system' });
  otherToken = await createServiceAccount(ctx, { name: 'Another integration' });
  const person = await app.inject({ method: 'POST', url: '/api/v1/people', headers: { authorization: `Bearer ${token}` }, payload: { givenName: 'Tia', familyName: 'Idempotent', dateOfBirth: '2016-02-03', sex: 'F' } });
  assert.equal(person.statusCode, 201, person.body);
  personId = person.json().id;
});
after(async () => {
  await app?.close();
  await ctx?.close();
});

const body = (callerName: string) => ({
  caller: { type: 'professional', name: callerName, agencyCode: 'gp', phone: '020 7946 0123', email: null },
  children: [{ personId, whereNow: 'Home', safeTonight: 'yes', outcomeCode: 'mash-checks', levelCode: '3', callerAgreed: true, nextSteps: 'MASH checks today' }],
  concernCategories: ['neglect'], concernDetail: 'Weight loss', immediacy: 'soon', parentsInformed: 'no', consentGiven: 'no',
  consentReasonCodes: ['risk-to-child'], consentReasonDetail: 'Parent may flee', lawfulBasisCode: 'public-task-children-act', worries: 'Faltering growth',
  complete: true, workerEmail,
});

const send = (payload: unknown, key?: string | string[], bearer = token) =>
  app.inject({ method: 'POST', url: '/api/v1/conversations', headers: { authorization: `Bearer ${bearer}`, ...(key !== undefined ? { 'idempotency-key': key } : {}) }, payload: payload as object });

const conversationsBy = async (callerName: string) =>
  (await ctx.db.selectFrom('conversation_versions').select('conversation_id').distinct().where('caller_name', '=', callerName).execute()).length;

test('a retry with the same key gets the first answer back and saves nothing new', async () => {
  const first = await send(body('Dr Retry'), 'key-retry-1');
  assert.equal(first.statusCode, 201, first.body);
  assert.equal(first.headers['idempotent-replayed'], undefined, 'the first answer is not a replay');
  const audits = await ctx.db.selectFrom('audit_events').select('id').where('conversation_id', '=', first.json().id).execute();
  const retry = await send(body('Dr Retry'), 'key-retry-1');
  assert.equal(retry.statusCode, 201, retry.body);
  assert.equal(retry.headers['idempotent-replayed'], 'true', 'the retry says it is a replay');
  assert.deepEqual(retry.json(), first.json(), 'the same id, reference and status');
  assert.equal(await conversationsBy('Dr Retry'), 1, 'one conversation');
  const auditsAfter = await ctx.db.selectFrom('audit_events').select('id').where('conversation_id', '=', first.json().id).execute();
  assert.equal(auditsAfter.length, audits.length, 'the replay writes no audit entry about the conversation: nothing was done to it');
});

test('without a key every request is a new conversation, as before', async () => {
  assert.equal((await send(body('Dr Keyless'))).statusCode, 201);
  assert.equal((await send(body('Dr Keyless'))).statusCode, 201);
  assert.equal(await conversationsBy('Dr Keyless'), 2, 'two conversations');
});

test('a key used again with a different body is refused with 422 and saves nothing', async () => {
  assert.equal((await send(body('Dr Original'), 'key-reused')).statusCode, 201);
  const other = await send(body('Dr Different'), 'key-reused');
  assert.equal(other.statusCode, 422, other.body);
  assert.match(String(other.headers['content-type']), /application\/problem\+json/, 'a problem');
  assert.match(other.json().title, /Idempotency-Key/, 'it names the header');
  assert.equal(await conversationsBy('Dr Different'), 0, 'nothing saved');
});

test('a bad key is refused with 400 before anything is saved', async () => {
  for (const key of ['', 'x'.repeat(201), 'has space', 'naïve']) {
    const res = await send(body('Dr Bad Key'), key);
    assert.equal(res.statusCode, 400, `${JSON.stringify(key)}: ${res.body}`);
    assert.match(String(res.headers['content-type']), /application\/problem\+json/, 'a problem');
  }
  assert.equal(await conversationsBy('Dr Bad Key'), 0, 'nothing saved');
});

test('keys are the caller’s own: another integration’s same key is a different request', async () => {
  const mine = await send(body('Dr Shared Key'), 'key-shared');
  const theirs = await send(body('Dr Shared Key'), 'key-shared', otherToken);
  assert.equal(mine.statusCode, 201);
  assert.equal(theirs.statusCode, 201);
  assert.equal(theirs.headers['idempotent-replayed'], undefined, 'not answered with the other caller’s conversation');
  assert.notEqual(theirs.json().id, mine.json().id, 'a conversation of its own');
});

test('a refused request does not use up its key: once put right, the same key saves', async () => {
  const incomplete = { ...body('Dr Fixed'), worries: null, consentReasonCodes: [] };
  const refused = await send(incomplete, 'key-fixed');
  assert.equal(refused.statusCode, 422, refused.body);
  const fixed = await send(body('Dr Fixed'), 'key-fixed');
  assert.equal(fixed.statusCode, 201, fixed.body);
  assert.equal(fixed.headers['idempotent-replayed'], undefined, 'saved, not replayed');
  assert.equal(await conversationsBy('Dr Fixed'), 1, 'one conversation');
});

test('the same key sent several times at the same moment saves one conversation, and every request gets its answer', async () => {
  const answers = await Promise.all(Array.from({ length: 6 }, () => send(body('Dr Concurrent'), 'key-concurrent')));
  for (const a of answers) assert.equal(a.statusCode, 201, a.body);
  assert.equal(new Set(answers.map((a) => a.json().id)).size, 1, 'every answer names the same conversation');
  assert.equal(answers.filter((a) => a.headers['idempotent-replayed'] === undefined).length, 1, 'one of them saved it');
  assert.equal(await conversationsBy('Dr Concurrent'), 1, 'one conversation');
  const keys = await ctx.db.selectFrom('api_idempotency_keys').select('conversation_id').where('idempotency_key', '=', 'key-concurrent').execute();
  assert.equal(keys.length, 1, 'one key row');
});
