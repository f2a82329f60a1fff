import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createTestContext, createTestApp, createUser, type TestContext } from '../../../test/support/harness.js';
import { hashToken } from '../../platform/http/app.js';

let ctx: TestContext;
let app: FastifyInstance;
let token: string;
let workerEmail: string;

before(async () => {
  ctx = await createTestContext();
  app = await createTestApp(ctx);
  workerEmail = (await createUser(ctx, { role: 'cads-worker' })).email;
  token = randomBytes(24).toString('hex');
  await ctx.db.insertInto('service_accounts').values({ id: randomUUID(), authority_id: 'norfolk', name: 'Telephony', role: 'cads-worker', agency_code: null, token_hash: hashToken(token) }).execute();
});
after(async () => {
  await app?.close();
  await ctx?.close();
});

const call = (method: 'GET' | 'POST', url: string, payload?: unknown, auth = token) =>
  app.inject({ method, url, payload: payload as object, headers: auth ? { authorization: `Bearer ${auth}` } : {} });

test('the OpenAPI document describes the API and its bearer security', async () => {
  const res = await app.inject({ method: 'GET', url: '/api/openapi.json' });
  assert.equal(res.statusCode, 200);
  const doc = res.json();
  assert.equal(doc.openapi, '3.1.0');
  for (const path of ['/api/v1/people/search', '/api/v1/people', '/api/v1/people/{id}', '/api/v1/people/{id}/chronology', '/api/v1/conversations', '/api/v1/conversations/{id}', '/api/v1/outcomes']) {
    assert.ok(doc.paths[path], path);
  }
  assert.deepEqual(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer' });
});

test('without a valid token the API answers 401 problem+json', async () => {
  const res = await call('GET', '/api/v1/outcomes', undefined, 'nonsense');
  assert.equal(res.statusCode, 401);
  assert.match(String(res.headers['content-type']), /application\/problem\+json/);
  assert.equal(res.json().status, 401);
});

test('a revoked token stops working', async () => {
  const t = randomBytes(24).toString('hex');
  const id = randomUUID();
  await ctx.db.insertInto('service_accounts').values({ id, authority_id: 'norfolk', name: 'Old', role: 'cads-worker', agency_code: null, token_hash: hashToken(t) }).execute();
  assert.equal((await call('GET', '/api/v1/outcomes', undefined, t)).statusCode, 200);
  await ctx.db.updateTable('service_accounts').set({ revoked_at: new Date() }).where('id', '=', id).execute();
  assert.equal((await call('GET', '/api/v1/outcomes', undefined, t)).statusCode, 401);
});

test('create a person, find them by a misspelling, record and complete a conversation, read it back', async () => {
  const created = await call('POST', '/api/v1/people', { givenName: 'Kayleigh', familyName: "O'Brien", dateOfBirth: '2015-05-06', sex: 'F', nhsNumber: '9991000003', postcode: 'nr1 2dh' });
  assert.equal(created.statusCode, 201);
  const personId = created.json().id as string;

  const found = await call('POST', '/api/v1/people/search', { name: 'Kaylee OBrien' });
  assert.equal(found.statusCode, 200);
  assert.equal(found.json().results[0].person.id, personId);

  const body = {
    caller: { type: 'professional', name: 'Dr Reed', agencyCode: 'gp', phone: '020 7946 0123', email: 'reed@nhs.example.org' },
    children: [{ personId, whereNow: 'Home', safeTonight: 'yes', outcomeCode: 'mash-checks', levelCode: '3', callerAgreed: true, nextSteps: 'MASH checks' }],
    concernCategories: ['neglect'], concernDetail: 'Weight loss', immediacy: 'soon', parentsInformed: 'no', consentGiven: 'no',
    consentReasonCodes: ['risk-to-child'], consentReasonDetail: 'Parent may flee', lawfulBasisCode: 'public-task-children-act', worries: 'Faltering growth', complete: true, workerEmail,
  };
  const made = await call('POST', '/api/v1/conversations', body);
  assert.equal(made.statusCode, 201, made.body);
  assert.equal(made.json().status, 'completed');
  const got = await call('GET', `/api/v1/conversations/${made.json().id}`);
  assert.equal(got.statusCode, 200);
  assert.equal(got.json().children[0].outcomeCode, 'mash-checks');
  assert.deepEqual(got.json().consentReasonCodes, ['risk-to-child']);
  assert.ok(got.json().decisionDueAt);
  const row = await ctx.db.selectFrom('conversations as c').innerJoin('users as u', 'u.id', 'c.worker_id').select('u.email').where('c.id', '=', made.json().id).executeTakeFirstOrThrow();
  assert.equal(row.email, workerEmail);
  const audit = await ctx.db.selectFrom('audit_events').select(['actor_service_account_id', 'actor_user_id']).where('conversation_id', '=', made.json().id).where('action', '=', 'conversation.completed').executeTakeFirstOrThrow();
  assert.ok(audit.actor_service_account_id, 'the integration is recorded as the actor');
  assert.equal(audit.actor_user_id, null);

  const chron = await call('GET', `/api/v1/people/${personId}/chronology`);
  assert.equal(chron.json().entries.length, 1);
});

test('an incomplete conversation sent for completion is refused with every problem and nothing is saved', async () => {
  const before = Number((await ctx.db.selectFrom('conversations').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const person = (await call('POST', '/api/v1/people', { givenName: 'Zac', familyName: 'Hale', sex: 'M' })).json().id;
  const res = await call('POST', '/api/v1/conversations', { caller: { type: 'professional', name: 'X' }, children: [{ personId: person }], consentGiven: 'no', complete: true, workerEmail });
  assert.equal(res.statusCode, 422);
  assert.match(String(res.headers['content-type']), /problem\+json/);
  const fields = (res.json().errors as { field: string }[]).map((e) => e.field);
  for (const f of ['caller-agency', 'consent-reason', 'lawful-basis', 'children-0-outcome', 'worries']) assert.ok(fields.includes(f), f);
  const after = Number((await ctx.db.selectFrom('conversations').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  assert.equal(after, before);
});

test('a conversation for an unknown worker is refused', async () => {
  const person = (await call('POST', '/api/v1/people', { givenName: 'Lou', familyName: 'Pike', sex: 'F' })).json().id;
  const res = await call('POST', '/api/v1/conversations', { caller: { type: 'public', name: 'Neighbour' }, children: [{ personId: person }], workerEmail: 'someone@else.example' });
  assert.equal(res.statusCode, 422);
});

test('malformed bodies are refused by the schema with 400 problem+json', async () => {
  const res = await call('POST', '/api/v1/conversations', { caller: { type: 'robot' }, children: [] });
  assert.equal(res.statusCode, 400);
  assert.match(String(res.headers['content-type']), /problem\+json/);
});

test('a person of another authority is not found through the API', async () => {
  const stokeToken = randomBytes(24).toString('hex');
  await ctx.db.insertInto('service_accounts').values({ id: randomUUID(), authority_id: 'stoke-on-trent', name: 'Stoke', role: 'cads-worker', agency_code: null, token_hash: hashToken(stokeToken) }).execute();
  const person = (await call('POST', '/api/v1/people', { givenName: 'Iris', familyName: 'Dane', sex: 'F' })).json().id;
  assert.equal((await call('GET', `/api/v1/people/${person}`, undefined, stokeToken)).statusCode, 404);
});
