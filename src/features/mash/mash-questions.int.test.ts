/**
 * Questions back to the MASH: a partner asks on its request, the dashboard shows it waiting, the MASH
 * answers once from the collation page, and the asking agency – and no other – sees the answer.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import {
  cleanUp, completeConversationByApi, createServiceAccount, createTestApp, createTestContext, createUser, errorSummary, signedInAgent,
  type Agent, type TestContext,
} from '../../../test/support/harness.js';
import type { Principal } from '../../platform/auth/roles.js';
import { enterRowScope } from '../../platform/db/row-scope.js';
import { MashService } from './mash.service.js';

let ctx: TestContext;
let app: FastifyInstance;
let coordinator: Agent;
let police: Agent;
let health: Agent;
let enquiryId: string;
let policeRequest: string;
let questionId: string;
const QUESTION = 'Is the older brother the same person who was arrested in March under another surname?';
const ANSWER = 'Yes: he used his stepfather’s surname until last year. Please search both.';

before(async () => {
  ctx = await createTestContext('2026-11-23T10:00:00Z');
  app = await createTestApp(ctx);
  const w = await createUser(ctx, { role: 'cads-worker' });
  const c = await createUser(ctx, { role: 'mash-coordinator', displayName: 'Riley Stone' });
  coordinator = await signedInAgent(app, c.email);
  police = await signedInAgent(app, (await createUser(ctx, { role: 'partner-practitioner', agencyCode: 'police' })).email);
  health = await signedInAgent(app, (await createUser(ctx, { role: 'partner-practitioner', agencyCode: 'health' })).email);
  const token = await createServiceAccount(ctx, { role: 'cads-worker' });
  const conversation = await completeConversationByApi(app, token, { workerEmail: w.email, callerEmail: null, familyName: 'Pemberton' });
  enquiryId = (await ctx.db.selectFrom('mash_enquiries').select('id').where('conversation_id', '=', conversation.id).executeTakeFirstOrThrow()).id;
  const p: Principal = { kind: 'user', id: c.id, authorityId: 'norfolk', role: 'mash-coordinator', displayName: 'Riley Stone', agencyCode: null, teamId: null, email: c.email };
  const mash = new MashService(ctx);
  const rated = await mash.rate(p, enquiryId, 'amber', null, 0);
  assert.ok(rated.ok, 'rated');
  await mash.sendRequests(p, enquiryId, ['police', 'health']);
  policeRequest = (await ctx.db.selectFrom('mash_check_requests').select('id').where('enquiry_id', '=', enquiryId).where('agency_code', '=', 'police').executeTakeFirstOrThrow()).id;
});

after(() => cleanUp(() => app?.close(), () => ctx?.close()));

describe('questions from agencies and the MASH’s answers', () => {
  test('the police ask a question; the dashboard shows it waiting', async () => {
    const asked = await police.post(`/mash/requests/${policeRequest}/responses`, { kind: 'question', question: QUESTION });
    assert.equal(asked.status, 302, 'the question is sent');
    questionId = (await ctx.db.selectFrom('mash_check_responses').select('id').where('request_id', '=', policeRequest).where('kind', '=', 'question').executeTakeFirstOrThrow()).id;
    const dash = await coordinator.get('/mash');
    assert.match(dash.body, /data-figure="questions-waiting">1</, 'one question waiting in the figures');
    assert.match(dash.body, /1 question waiting/, 'and on the enquiry’s row');
    const page = await police.get(`/mash/requests/${policeRequest}`);
    assert.match(page.body, /Not answered yet/, 'the police see it is not answered yet');
  });

  test('an empty answer is refused with the error summary and nothing is saved', async () => {
    const res = await coordinator.post(`/mash/enquiries/${enquiryId}/questions/${questionId}/answer`, { answer: '   ' });
    assert.equal(res.status, 400);
    assert.deepEqual(errorSummary(res.body).map(([href]) => href), [`#answer-${questionId}`]);
    assert.equal((await ctx.db.selectFrom('mash_question_answers').select('id').execute()).length, 0, 'nothing saved');
  });

  test('a question id that is not this enquiry’s, or another council’s user, finds nothing', async () => {
    assert.equal((await coordinator.post(`/mash/enquiries/${enquiryId}/questions/${randomUUID()}/answer`, { answer: 'x' })).status, 404);
    assert.equal((await coordinator.post(`/mash/enquiries/${randomUUID()}/questions/${questionId}/answer`, { answer: 'x' })).status, 404);
    const stoke = await signedInAgent(app, (await createUser(ctx, { role: 'mash-coordinator', authorityId: 'stoke-on-trent' })).email);
    assert.equal((await stoke.post(`/mash/enquiries/${enquiryId}/questions/${questionId}/answer`, { answer: 'x' })).status, 404);
    assert.equal((await police.post(`/mash/enquiries/${enquiryId}/questions/${questionId}/answer`, { answer: 'x' })).status, 403);
    assert.equal((await ctx.db.selectFrom('mash_question_answers').select('id').execute()).length, 0, 'nothing saved');
  });

  test('the MASH answers once; the answer is audited and cannot be changed', async () => {
    const res = await coordinator.post(`/mash/enquiries/${enquiryId}/questions/${questionId}/answer`, { answer: ANSWER });
    assert.equal(res.status, 302);
    const again = await coordinator.post(`/mash/enquiries/${enquiryId}/questions/${questionId}/answer`, { answer: 'Another answer' });
    assert.equal(again.status, 400);
    assert.match(again.body, /already been answered/);
    const rows = await ctx.db.selectFrom('mash_question_answers').selectAll().execute();
    assert.deepEqual(rows.map((r) => r.answer), [ANSWER]);
    const audit = await ctx.db.selectFrom('audit_events').select('entity_id').where('action', '=', 'mash.question-answered').execute();
    assert.ok(audit.length >= 1 && audit.every((a) => a.entity_id === enquiryId), 'audited against the enquiry');
    await assert.rejects(ctx.db.updateTable('mash_question_answers').set({ answer: 'changed' }).execute(), /cannot be changed/);
    const collation = await coordinator.get(`/mash/enquiries/${enquiryId}/collation`);
    assert.ok(collation.body.includes('he used his stepfather'), 'collation shows the answer');
    assert.match((await coordinator.get('/mash')).body, /data-figure="questions-waiting">0</, 'nothing waiting now');
  });

  test('the police see the answer on their request; health does not, even under the database’s own scope', async () => {
    const page = await police.get(`/mash/requests/${policeRequest}`);
    assert.ok(page.body.includes('he used his stepfather'), 'the asking agency sees the answer');
    const healthRequest = (await ctx.db.selectFrom('mash_check_requests').select('id').where('enquiry_id', '=', enquiryId).where('agency_code', '=', 'health').executeTakeFirstOrThrow()).id;
    assert.ok(!(await health.get(`/mash/requests/${healthRequest}`)).body.includes('stepfather'), 'health does not');
    assert.equal((await health.get(`/mash/requests/${policeRequest}`)).status, 404);
    const seen = await ctx.db.transaction().execute(async (tx) => {
      await enterRowScope(tx, { authorities: ['norfolk'], agency: 'health' });
      return (await sql<{ id: string }>`select id from mash_question_answers`.execute(tx)).rows;
    });
    assert.deepEqual(seen, [], 'row-level security hides the police’s answer from health');
    const police2 = await ctx.db.transaction().execute(async (tx) => {
      await enterRowScope(tx, { authorities: ['norfolk'], agency: 'police' });
      return (await sql<{ id: string }>`select id from mash_question_answers`.execute(tx)).rows;
    });
    assert.equal(police2.length, 1, 'and shows it to the police');
  });

  test('a police system reading the request through the API gets the answer too', async () => {
    const token = await createServiceAccount(ctx, { role: 'partner-practitioner', name: 'Police system' });
    const res = await app.inject({ method: 'GET', url: `/api/v1/mash/requests/${policeRequest}`, headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.statusCode, 200);
    const q = (res.json().responses as { kind: string; mashAnswer: { answer: string } | null }[]).find((x) => x.kind === 'question');
    assert.equal(q?.mashAnswer?.answer, ANSWER);
  });
});
