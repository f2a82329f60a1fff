/**
 * Allocated workers, end to end through the pages: a team manager records a child's allocated
 * social worker (linked to their Front Door user), and it shows at once on the record, in search
 * results and in a conversation's children section; a CADS worker completes a conversation
 * "Passed to the allocated worker", which emails the worker (without the child's name) and puts
 * it on their home page until they acknowledge it; completion is refused, with nothing saved, for
 * a child without an allocated worker; and the allocation is changed and ended, audited each time.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { createTestContext, createTestApp, createUser, createServiceAccount, signedInAgent, errorSummary, cleanUp, type Agent, type TestContext } from '../../../test/support/harness.js';

let ctx: TestContext;
let app: FastifyInstance;
let manager: Agent;
let worker: Agent;
let worker2: Agent;
let locality: Agent;
let mi: Agent;
let otherManager: Agent;
let localityId: string;
let localityEmail: string;
let managerId: string;
let workerUser: { id: string; email: string };

const NOW = '2026-11-23T10:00:00Z'; // a Monday, Norfolk CADS open

async function lock(id: string) {
  const r = await ctx.db.selectFrom('conversations').select('lock_version').where('id', '=', id).executeTakeFirstOrThrow();
  return String(r.lock_version);
}

async function newChild(given: string, family: string): Promise<string> {
  const res = await worker.post('/people', { 'given-name': given, 'family-name': family, 'dob-day': '4', 'dob-month': '5', 'dob-year': '2015', sex: 'F', postcode: 'NR1 2DH' });
  assert.equal(res.status, 302, `creating ${given}: ${res.status}`);
  return res.location!.split('/')[2]!;
}

/** A draft conversation about one child, every section filled, with the given outcome. */
async function draftAbout(personId: string, outcome: string): Promise<string> {
  const start = await worker.post('/conversations', {});
  assert.equal(start.status, 302, 'conversation started');
  const id = start.location!.split('/')[2]!;
  let r = await worker.post(`/conversations/${id}/caller`, {
    'lock-version': await lock(id), 'caller-type': 'professional', 'caller-name': 'Sam Teacher', 'caller-role': 'Designated safeguarding lead',
    'caller-agency': 'school', 'caller-phone': '01632 960001', 'caller-email': 'sam.teacher@school.example.org', action: 'continue',
  });
  assert.equal(r.status, 302, 'caller saved');
  r = await worker.post(`/conversations/${id}/children`, { 'person-id': personId });
  assert.equal(r.status, 302, 'child added');
  r = await worker.post(`/conversations/${id}/concern`, {
    'lock-version': await lock(id), 'children-0-where-now': 'At school', 'children-0-safe-tonight': 'yes',
    'concern-categories': ['neglect'], 'concern-detail': 'Arrived hungry three days running.', immediacy: 'soon', 'support-to-date': 'Breakfast club.', action: 'continue',
  });
  assert.equal(r.status, 302, 'concern saved');
  r = await worker.post(`/conversations/${id}/consent`, { 'lock-version': await lock(id), 'parents-informed': 'yes', 'consent-given': 'yes', action: 'continue' });
  assert.equal(r.status, 302, 'consent saved');
  r = await worker.post(`/conversations/${id}/analysis`, { 'lock-version': await lock(id), worries: 'Hunger.', strengths: 'Attends every day.', 'needs-to-happen': 'Worker to follow up.', action: 'continue' });
  assert.equal(r.status, 302, 'analysis saved');
  r = await worker.post(`/conversations/${id}/outcome`, {
    'lock-version': await lock(id), 'children-0-level': '2', 'children-0-outcome': outcome, 'children-0-caller-agreed': 'yes',
    'children-0-next-steps': 'Allocated worker to visit this week', 'children-0-next-steps-by': 'Allocated worker', action: 'continue',
  });
  assert.equal(r.status, 302, 'outcome saved');
  return id;
}

const ALLOCATION = { kind: 'social-worker', 'worker-name': 'Olu Adeyemi', team: 'Children in need locality team', phone: '01632 960 210', email: '', user: '', 'start-day': '2', 'start-month': '11', 'start-year': '2026' };

before(async () => {
  ctx = await createTestContext(NOW);
  app = await createTestApp(ctx);
  const m = await createUser(ctx, { role: 'team-manager', displayName: 'Tara Manager' });
  managerId = m.id;
  manager = await signedInAgent(app, m.email);
  workerUser = await createUser(ctx, { role: 'cads-worker', displayName: 'Casey Worker' });
  worker = await signedInAgent(app, workerUser.email);
  worker2 = await signedInAgent(app, (await createUser(ctx, { role: 'cads-worker', displayName: 'Robin Second' })).email);
  const l = await createUser(ctx, { role: 'cads-worker', displayName: 'Olu Adeyemi', email: 'locality.worker@norfolk.example' });
  localityId = l.id;
  localityEmail = l.email;
  locality = await signedInAgent(app, l.email);
  mi = await signedInAgent(app, (await createUser(ctx, { role: 'mi-analyst' })).email);
  otherManager = await signedInAgent(app, (await createUser(ctx, { role: 'team-manager', authorityId: 'stoke-on-trent' })).email);
});

after(async () => {
  await cleanUp(() => app?.close(), () => ctx?.close());
});

describe('allocated workers', () => {
  let ava: string;
  let leo: string;
  let allocationId: string;
  let passedId: string;
  let reference: string;

  test('a team manager records an allocated worker; the form checks what it needs, and it is audited', async () => {
    ava = await newChild('Ava', 'Marlow');
    leo = await newChild('Leo', 'Penhale');
    const page = await manager.get(`/people/${ava}/allocated-workers/new`);
    assert.equal(page.status, 200, 'the form shows');
    assert.match(page.body, /Record an allocated worker/, 'form heading');

    const empty = await manager.post(`/people/${ava}/allocated-workers`, {});
    assert.equal(empty.status, 400, 'an empty form is refused');
    const errs = errorSummary(empty.body).map(([href]) => href);
    for (const f of ['#kind', '#worker-name', '#team', '#phone', '#email', '#start-day']) assert.ok(errs.includes(f), `error for ${f}: ${errs.join(', ')}`);
    assert.equal((await ctx.db.selectFrom('worker_allocations').select('id').execute()).length, 0, 'nothing saved');

    const res = await manager.post(`/people/${ava}/allocated-workers`, { ...ALLOCATION, email: localityEmail, user: localityId });
    assert.equal(res.status, 302, `saved: ${errorSummary(res.body).join('; ')}`);
    assert.equal(res.location, `/people/${ava}`);
    const row = await ctx.db.selectFrom('worker_allocations').selectAll().where('person_id', '=', ava).executeTakeFirstOrThrow();
    allocationId = row.id;
    assert.equal(row.user_id, localityId, 'linked to the Front Door user');
    assert.equal(row.start_date, '2026-11-02');
    assert.equal(row.created_by, managerId);
    const audit = await ctx.db.selectFrom('audit_events').selectAll().where('action', '=', 'allocation.added').execute();
    assert.equal(audit.length, 1, 'one audit entry');
    assert.equal(audit[0]!.person_id, ava, 'audited against the child');
    assert.equal(audit[0]!.entity_id, allocationId, 'naming the allocation');
    assert.equal(audit[0]!.entity_type, 'worker-allocation');
  });

  test('another authority cannot see or touch it, and other roles may not record one', async () => {
    assert.equal((await otherManager.get(`/people/${ava}/allocated-workers/new`)).status, 404, 'another authority’s child is not found');
    assert.equal((await otherManager.post(`/people/${ava}/allocated-workers`, { ...ALLOCATION, email: 'x@stoke.example' })).status, 404, 'nor can one be added');
    assert.equal((await otherManager.post(`/allocated-workers/${allocationId}/end`, { 'end-day': '23', 'end-month': '11', 'end-year': '2026' })).status, 404, 'nor ended');
    assert.equal((await otherManager.get(`/allocated-workers/${allocationId}/edit`)).status, 404, 'nor changed');
    assert.equal((await mi.get(`/people/${ava}/allocated-workers/new`)).status, 403, 'an MI analyst may not record one');
    const row = await ctx.db.selectFrom('worker_allocations').selectAll().where('id', '=', allocationId).executeTakeFirstOrThrow();
    assert.equal(row.ended_at, null, 'still current');
  });

  test('it shows at once on the child’s record and in search results', async () => {
    const record = await worker.get(`/people/${ava}`);
    assert.equal(record.status, 200);
    const top = record.body.slice(record.body.indexOf('<h1'), record.body.indexOf('Family and household'));
    assert.match(top, /Allocated social worker: Olu Adeyemi, Children in need locality team/, 'warning at the top of the record');
    assert.match(top, /01632 960210|01632 960 210/, 'with their phone number');
    assert.match(top, /locality\.worker@norfolk\.example/, 'and email');

    const search = await worker.post('/people/search', { name: 'Ava Marlow' });
    assert.equal(search.status, 200);
    const result = search.body.slice(search.body.indexOf(`/people/${ava}`));
    assert.match(result.slice(0, 1500), /Allocated worker<\/strong>|Allocated worker\s*<\/strong>/, 'tagged in the results');
    assert.match(result.slice(0, 1500), /Olu Adeyemi/, 'with the worker’s name');
    const leoResult = search.body.includes(`/people/${leo}`) ? search.body.slice(search.body.indexOf(`/people/${leo}`)).slice(0, 600) : '';
    assert.doesNotMatch(leoResult, /Allocated worker/, 'a child without one is not tagged');
  });

  test('changing the details is audited with the fields changed', async () => {
    const page = await manager.get(`/allocated-workers/${allocationId}/edit`);
    assert.equal(page.status, 200);
    assert.match(page.body, /value="Olu Adeyemi"/, 'the form is filled in');
    const res = await manager.post(`/allocated-workers/${allocationId}/edit`, { ...ALLOCATION, phone: '01632 960 299', email: localityEmail, user: localityId });
    assert.equal(res.status, 302, `changed: ${errorSummary(res.body).join('; ')}`);
    const row = await ctx.db.selectFrom('worker_allocations').selectAll().where('id', '=', allocationId).executeTakeFirstOrThrow();
    assert.equal(row.phone.replace(/\s/g, ''), '01632960299', 'new phone saved');
    const audit = await ctx.db.selectFrom('audit_events').selectAll().where('action', '=', 'allocation.changed').executeTakeFirstOrThrow();
    assert.deepEqual((audit.details as { fields: string[] }).fields, ['phone'], 'only the phone changed');
  });

  test('a conversation’s children section shows the allocated worker', async () => {
    passedId = await draftAbout(ava, 'contact-allocated-worker');
    const page = await worker.get(`/conversations/${passedId}/children`);
    assert.equal(page.status, 200);
    assert.match(page.body, /Allocated social worker: Olu Adeyemi, Children in need locality team/, 'shown on the child’s card');
    const outcome = await worker.get(`/conversations/${passedId}/outcome`);
    assert.match(outcome.body, /Allocated social worker: Olu Adeyemi, Children in need locality team\./, 'and beside the outcome');
  });

  test('completing with “Passed to the allocated worker” emails the worker and gives them a task', async () => {
    const res = await worker.post(`/conversations/${passedId}/complete`, { 'lock-version': await lock(passedId) });
    assert.equal(res.status, 302, `completed: ${errorSummary(res.body).join('; ')}`);
    const c = await ctx.db.selectFrom('conversations').selectAll().where('id', '=', passedId).executeTakeFirstOrThrow();
    assert.equal(c.status, 'completed');
    reference = c.reference;
    const notice = await ctx.db.selectFrom('allocated_worker_notices').selectAll().where('conversation_id', '=', passedId).executeTakeFirstOrThrow();
    assert.equal(notice.person_id, ava);
    assert.equal(notice.allocation_id, allocationId);
    assert.equal(notice.acknowledged_at, null, 'waiting for acknowledgement');
    const email = await ctx.db.selectFrom('notifications').selectAll().where('kind', '=', 'allocated-worker-passed').executeTakeFirstOrThrow();
    assert.equal(email.to_address, localityEmail, 'to the worker');
    assert.equal(email.subject_type, 'allocated-worker-notice');
    assert.equal(email.subject_id, notice.id, 'linked to the notice');
    assert.ok(email.subject.includes(reference) && email.text_body.includes(reference), 'names the reference');
    for (const part of [email.subject, email.text_body, email.html]) assert.ok(!/Ava|Marlow/.test(part), 'never names the child');
    const task = await ctx.db.selectFrom('tasks').selectAll().where('kind', '=', 'allocated-worker').executeTakeFirstOrThrow();
    assert.equal(task.assigned_to, localityId, 'a task for the worker');
    assert.equal(task.subject_id, notice.id);
    assert.equal(task.done_at, null);
  });

  test('the worker sees it on their home page and acknowledges it, once', async () => {
    const home = await locality.get('/');
    assert.equal(home.status, 200);
    assert.match(home.body, /Passed to you by CADS/, 'the panel shows');
    assert.ok(home.body.includes(reference), 'with the reference');
    assert.match(home.body, /Ava Marlow/, 'the child');
    assert.match(home.body, /Allocated worker to visit this week/, 'and the next steps');
    assert.doesNotMatch((await worker2.get('/')).body, /Passed to you by CADS/, 'not on anyone else’s');

    const notice = await ctx.db.selectFrom('allocated_worker_notices').selectAll().where('conversation_id', '=', passedId).executeTakeFirstOrThrow();
    assert.equal((await worker2.post(`/allocated-worker-notices/${notice.id}/acknowledge`)).status, 403, 'another worker cannot acknowledge it');

    ctx.clock.set('2026-11-23T11:30:00Z');
    const ack = await locality.post(`/allocated-worker-notices/${notice.id}/acknowledge`);
    assert.equal(ack.status, 302);
    const after1 = await ctx.db.selectFrom('allocated_worker_notices').selectAll().where('id', '=', notice.id).executeTakeFirstOrThrow();
    assert.equal(after1.acknowledged_by, localityId, 'who');
    assert.equal(after1.acknowledged_at?.toISOString(), '2026-11-23T11:30:00.000Z', 'when');
    const task = await ctx.db.selectFrom('tasks').selectAll().where('subject_id', '=', notice.id).executeTakeFirstOrThrow();
    assert.ok(task.done_at, 'the task is done');
    assert.equal((await ctx.db.selectFrom('audit_events').select('id').where('action', '=', 'allocated-worker.acknowledged').execute()).length, 1, 'audited');
    const home2 = await locality.get('/');
    assert.match(home2.body, /acknowledged/, 'told it is done');
    assert.doesNotMatch(home2.body, /Passed to you by CADS/, 'gone from the home page');

    ctx.clock.set('2026-11-23T12:00:00Z');
    const again = await locality.post(`/allocated-worker-notices/${notice.id}/acknowledge`);
    assert.equal(again.status, 302, 'a second acknowledgement is harmless');
    const after2 = await ctx.db.selectFrom('allocated_worker_notices').selectAll().where('id', '=', notice.id).executeTakeFirstOrThrow();
    assert.equal(after2.acknowledged_at?.toISOString(), '2026-11-23T11:30:00.000Z', 'the first time stands');
    assert.match((await locality.get('/')).body, /already acknowledged/, 'and says so');
    assert.equal((await ctx.db.selectFrom('audit_events').select('id').where('action', '=', 'allocated-worker.acknowledged').execute()).length, 1, 'not audited twice');
  });

  test('the conversation’s record and the child’s chronology say it was passed on and acknowledged', async () => {
    const record = await worker.get(`/conversations/${passedId}`);
    assert.equal(record.status, 200);
    assert.match(record.body, /Passed to Olu Adeyemi \(social worker, Children in need locality team\) on [^;]+; acknowledged by Olu Adeyemi on 23 November 2026/, 'the record page');
    const person = await worker.get(`/people/${ava}`);
    assert.match(person.body, /Passed to the allocated worker, Olu Adeyemi \(acknowledged\)/, 'the chronology');
  });

  test('completion is refused for a child with no allocated worker, and nothing is saved', async () => {
    const id = await draftAbout(leo, 'contact-allocated-worker');
    assert.match((await worker.get(`/conversations/${id}/outcome`)).body, /No allocated worker is recorded/, 'the outcome page warns first');
    const notificationsBefore = (await ctx.db.selectFrom('notifications').select('id').execute()).length;
    const recordsBefore = (await ctx.db.selectFrom('written_records').select('id').execute()).length;
    const res = await worker.post(`/conversations/${id}/complete`, { 'lock-version': await lock(id) });
    assert.equal(res.status, 400, 'refused');
    const errs = errorSummary(res.body);
    assert.equal(errs.length, 1, 'one error');
    assert.equal(errs[0]![0], `/conversations/${id}/outcome#children-0-outcome`, 'linked to the outcome field');
    assert.match(errs[0]![1], /Leo Penhale has no allocated worker/, 'saying why');
    const c = await ctx.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(c.status, 'draft', 'still a draft');
    assert.equal((await ctx.db.selectFrom('allocated_worker_notices').select('id').where('conversation_id', '=', id).execute()).length, 0, 'no notice');
    assert.equal((await ctx.db.selectFrom('notifications').select('id').execute()).length, notificationsBefore, 'no email');
    assert.equal((await ctx.db.selectFrom('written_records').select('id').execute()).length, recordsBefore, 'no written record');
    assert.equal((await ctx.db.selectFrom('audit_events').select('id').where('action', '=', 'conversation.completed').where('conversation_id', '=', id).execute()).length, 0, 'no completion audited');
  });

  test('through the API too, completion is refused with a clear problem, and nothing is saved', async () => {
    const token = await createServiceAccount(ctx, { role: 'cads-worker' });
    const before = (await ctx.db.selectFrom('conversations').select('id').execute()).length;
    const res = await app.inject({
      method: 'POST', url: '/api/v1/conversations', headers: { authorization: `Bearer ${token}` },
      payload: {
        caller: { type: 'professional', name: 'Dr Reed', agencyCode: 'gp', phone: '020 7946 0123', email: null },
        children: [{ personId: leo, whereNow: 'Home', safeTonight: 'yes', outcomeCode: 'contact-allocated-worker', levelCode: '2', callerAgreed: true, nextSteps: 'Tell the worker' }],
        concernCategories: ['neglect'], concernDetail: 'Weight loss', immediacy: 'soon', parentsInformed: 'yes', consentGiven: 'yes', worries: 'Weight loss',
        complete: true, workerEmail: workerUser.email,
      },
    });
    assert.equal(res.statusCode, 422, `refused: ${res.body}`);
    assert.match(res.headers['content-type'] as string, /problem\+json/);
    assert.match(res.json().detail, /Leo Penhale has no allocated worker/, 'says why');
    assert.equal((await ctx.db.selectFrom('conversations').select('id').execute()).length, before, 'no conversation saved');
  });

  test('a call’s screen shows the allocated worker of a child already linked to it', async () => {
    const now = new Date(NOW);
    const callId = randomUUID();
    await ctx.db.insertInto('calls').values({
      id: callId, authority_id: 'norfolk', source: 'cti', external_id: `aw-${callId}`, line_id: 'professionals', dialled_number: '+443448008021',
      caller_number: '+441632960001', option_digit: '1', queue_code: 'allocated', state: 'connected', offered_at: now, queued_at: now, answered_at: now,
      worker_id: workerUser.id, conversation_id: passedId, updated_at: now,
    } as never).execute();
    const pop = await worker.get(`/phone/calls/${callId}`);
    assert.equal(pop.status, 200, 'the screen shows');
    assert.match(pop.body, /Ava Marlow has an allocated social worker: <strong>Olu Adeyemi<\/strong>, Children in need locality team/, 'the worker, at once');
    const audit = await ctx.db.selectFrom('audit_events').selectAll().where('action', '=', 'conversation.viewed').where('conversation_id', '=', passedId).where('person_id', '=', ava).execute();
    assert.ok(audit.length >= 1, 'showing the child is audited');
  });

  test('ending the allocation keeps it in the history, audited; the record no longer shows it', async () => {
    const empty = await manager.post(`/allocated-workers/${allocationId}/end`, {});
    assert.equal(empty.status, 400, 'an end date is needed');
    assert.deepEqual(errorSummary(empty.body).map(([h]) => h), ['#end-day']);
    const early = await manager.post(`/allocated-workers/${allocationId}/end`, { 'end-day': '1', 'end-month': '11', 'end-year': '2026' });
    assert.equal(early.status, 400, 'not before it started');
    const res = await manager.post(`/allocated-workers/${allocationId}/end`, { 'end-day': '23', 'end-month': '11', 'end-year': '2026', reason: 'Case closed' });
    assert.equal(res.status, 302);
    const row = await ctx.db.selectFrom('worker_allocations').selectAll().where('id', '=', allocationId).executeTakeFirstOrThrow();
    assert.equal(row.end_date, '2026-11-23');
    assert.ok(row.ended_at, 'ended');
    assert.equal((await ctx.db.selectFrom('audit_events').select('id').where('action', '=', 'allocation.ended').execute()).length, 1, 'audited');
    assert.equal((await manager.post(`/allocated-workers/${allocationId}/end`, { 'end-day': '23', 'end-month': '11', 'end-year': '2026' })).status, 409, 'cannot end twice');
    const record = await worker.get(`/people/${ava}`);
    assert.doesNotMatch(record.body, /Allocated social worker: Olu Adeyemi/, 'no longer shown as current');
    const history = await worker.get(`/people/${ava}/allocated-workers`);
    assert.equal(history.status, 200);
    assert.match(history.body, /Olu Adeyemi/, 'still in the history');
    assert.match(history.body, /Ended/);
    assert.match(history.body, /Case closed/);
  });

  test('a new allocation replaces the current one, which ends today', async () => {
    const first = await manager.post(`/people/${leo}/allocated-workers`, { ...ALLOCATION, kind: 'family-practitioner', 'worker-name': 'Jade Whitmore', team: 'Family support team', email: 'jade.whitmore@norfolk.example' });
    assert.equal(first.status, 302, `first: ${errorSummary(first.body).join('; ')}`);
    const second = await manager.post(`/people/${leo}/allocated-workers`, { ...ALLOCATION, 'worker-name': 'Ravi Chandran', email: 'ravi.chandran@norfolk.example' });
    assert.equal(second.status, 302, 'second');
    const rows = await ctx.db.selectFrom('worker_allocations').selectAll().where('person_id', '=', leo).orderBy('created_at').orderBy('worker_name').execute();
    assert.equal(rows.length, 2, 'both kept');
    const jade = rows.find((r) => r.worker_name === 'Jade Whitmore')!;
    const ravi = rows.find((r) => r.worker_name === 'Ravi Chandran')!;
    assert.equal(jade.end_date, '2026-11-23', 'the first ended today');
    assert.equal(ravi.ended_at, null, 'the second is current');
  });
});
