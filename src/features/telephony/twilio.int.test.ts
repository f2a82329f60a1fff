/**
 * The Twilio voice webhooks against a real database: signed requests in, TwiML out, calls stored.
 * Opening hours here are Norfolk's 2018 launch hours, Monday to Friday 08:00–20:00, so every
 * boundary the issue names can be tried; the clock is set for each call.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import type { FastifyInstance } from 'fastify';
import { createTestContext, createTestApp, createUser, createServiceAccount, completeConversationByApi, signedInAgent, type TestContext } from '../../../test/support/harness.js';

let ctx: TestContext;
let app: FastifyInstance;
const ACCOUNT = 'AC' + 'a'.repeat(32);
const PROFESSIONALS = '+443448008021';
const PUBLIC_LINE = '+443448008020';
const STOKE = '+441782235100';

before(async () => {
  ctx = await createTestContext('2026-11-23T10:00:00Z', {
    profiles: (ps) =>
      ps.map((p) => {
        if (p.id !== 'norfolk') return p;
        const day = [{ open: '08:00', close: '20:00' }];
        return { ...p, openingHours: { ...p.openingHours, monday: day, tuesday: day, wednesday: day, thursday: day, friday: day } };
      }),
  });
  app = await createTestApp(ctx);
});
after(async () => {
  await app?.close();
  await ctx?.close();
});

const sid = () => 'CA' + randomBytes(16).toString('hex');

function sign(path: string, params: Record<string, string>, token = ctx.config.telephony.twilioAuthToken!): string {
  return twilio.getExpectedTwilioSignature(token, `${ctx.config.baseUrl}${path}`, params);
}

async function post(path: string, params: Record<string, string>, opts: { signature?: string | null; contentType?: string; body?: string } = {}) {
  const signature = opts.signature === undefined ? sign(path, params) : opts.signature;
  const res = await app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': opts.contentType ?? 'application/x-www-form-urlencoded', ...(signature ? { 'x-twilio-signature': signature } : {}) },
    payload: opts.body ?? new URLSearchParams(params).toString(),
  });
  return res;
}

const incoming = (callSid: string, to = PROFESSIONALS, from = '+447700900123') => post('/telephony/twilio/voice', { CallSid: callSid, AccountSid: ACCOUNT, From: from, To: to, CallStatus: 'ringing' });
const press = (callSid: string, digits: string | null, attempt = 1) => post(`/telephony/twilio/menu?attempt=${attempt}`, { CallSid: callSid, AccountSid: ACCOUNT, ...(digits === null ? {} : { Digits: digits }) });
const callRow = (callSid: string) => ctx.db.selectFrom('calls').selectAll().where('external_id', '=', callSid).executeTakeFirst();
const countCalls = async () => Number((await ctx.db.selectFrom('calls').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

/** London wall time to an instant, for readable test cases. */
function london(local: string): string {
  // Offsets for the dates used below: GMT in winter, BST from 29 March to 25 October 2026.
  const d = new Date(`${local}:00Z`);
  const bst = d >= new Date('2026-03-29T01:00:00Z') && d < new Date('2026-10-25T01:00:00Z');
  return new Date(d.getTime() - (bst ? 3600_000 : 0)).toISOString();
}

const boundaryCases: [string, string, 'open' | 'closed'][] = [
  ['a winter weekday at 07:59', '2026-01-14T07:59', 'closed'],
  ['a winter weekday at 08:00', '2026-01-14T08:00', 'open'],
  ['a winter weekday at 19:59', '2026-01-14T19:59', 'open'],
  ['a winter weekday at 20:00', '2026-01-14T20:00', 'closed'],
  ['a summer weekday at 07:59 (BST)', '2026-07-15T07:59', 'closed'],
  ['a summer weekday at 08:00 (BST)', '2026-07-15T08:00', 'open'],
  ['a summer weekday at 19:59 (BST)', '2026-07-15T19:59', 'open'],
  ['a summer weekday at 20:00 (BST)', '2026-07-15T20:00', 'closed'],
  ['the Friday before the clocks go forward, 19:59', '2026-03-27T19:59', 'open'],
  ['the Monday after the clocks go forward, 07:59 (BST)', '2026-03-30T07:59', 'closed'],
  ['the Monday after the clocks go forward, 08:00 (BST)', '2026-03-30T08:00', 'open'],
  ['the Friday before the clocks go back, 20:00 (BST)', '2026-10-23T20:00', 'closed'],
  ['the Monday after the clocks go back, 08:00 (GMT)', '2026-10-26T08:00', 'open'],
  ['a Saturday at midday', '2026-11-28T12:00', 'closed'],
  ['Christmas Day at 10:00', '2026-12-25T10:00', 'closed'],
  ['the substitute Boxing Day bank holiday (Monday 28 December) at 10:00', '2026-12-28T10:00', 'closed'],
  ['the day after the substitute bank holiday at 08:00', '2026-12-29T08:00', 'open'],
];

for (const [name, local, expected] of boundaryCases) {
  test(`incoming call on ${name}: ${expected}`, async () => {
    ctx.clock.set(london(local));
    const callSid = sid();
    const res = await incoming(callSid);
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /text\/xml/);
    const call = await callRow(callSid);
    assert.ok(call, 'the call is stored either way');
    if (expected === 'open') {
      assert.match(res.body, /<Gather [^>]*numDigits="1"[^>]*action="[^"]*\/telephony\/twilio\/menu\?attempt=1"/);
      assert.match(res.body, /press 1\./);
      assert.match(res.body, /press 2\./);
      assert.match(res.body, /press 3\./);
      assert.match(res.body, /call 999/);
      assert.doesNotMatch(res.body, /<Hangup/);
      assert.equal(call.state, 'menu');
    } else {
      assert.doesNotMatch(res.body, /<Gather/);
      assert.match(res.body, /<Say [^>]*>[^<]*call 999[^<]*<\/Say>/);
      assert.match(res.body, /Emergency Duty Team on 0344 800 8020/);
      assert.match(res.body, /<Hangup\/>/);
      assert.equal(call.state, 'ended');
      assert.equal(call.outcome, 'out-of-hours');
    }
  });
}

test('the closed messages say why and when the service opens again', async () => {
  ctx.clock.set(london('2026-12-25T10:00'));
  const christmas = await incoming(sid());
  assert.match(christmas.body, /We are closed today\. We open again at 8am on Tuesday 29 December\./);
  ctx.clock.set(london('2026-11-27T20:30'));
  const friday = await incoming(sid());
  assert.match(friday.body, /We are closed\. We open again at 8am on Monday 30 November\./);
  ctx.clock.set(london('2026-11-24T06:00'));
  const early = await incoming(sid());
  assert.match(early.body, /We open again at 8am today\./);
});

test('each option puts the caller in its queue; no key goes to the general queue', async () => {
  ctx.clock.set(london('2026-11-24T10:00'));
  for (const [digit, queue] of [['1', 'allocated'], ['2', 'exploitation'], ['3', 'domestic-abuse'], [null, 'consultation']] as const) {
    const callSid = sid();
    await incoming(callSid);
    const res = await press(callSid, digit);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, new RegExp(`<Enqueue [^>]*waitUrl="[^"]*/telephony/twilio/wait"[^>]*>norfolk\\.${queue}</Enqueue>`));
    const call = await callRow(callSid);
    assert.equal(call?.state, 'queued');
    assert.equal(call?.queue_code, queue);
    assert.equal(call?.option_digit, digit);
  }
});

test('a key that is not an option hears so and the menu again; after three tries the caller goes to the general queue', async () => {
  ctx.clock.set(london('2026-11-24T10:05'));
  const callSid = sid();
  await incoming(callSid);
  const first = await press(callSid, '9', 1);
  assert.match(first.body, /that is not one of the options/);
  assert.match(first.body, /<Gather [^>]*action="[^"]*menu\?attempt=2"/);
  assert.equal((await callRow(callSid))?.state, 'menu');
  await press(callSid, '8', 2);
  const third = await press(callSid, '7', 3);
  assert.match(third.body, /<Enqueue[^>]*>norfolk\.consultation<\/Enqueue>/);
});

test('the public line and Stoke-on-Trent’s line answer with their own menus', async () => {
  ctx.clock.set(london('2026-11-24T10:10'));
  const pub = await incoming(sid(), PUBLIC_LINE);
  assert.match(pub.body, /Customer Service Centre/);
  assert.match(pub.body, /<Enqueue[^>]*>norfolk\.public<\/Enqueue>/);
  const stoke = await incoming(sid(), STOKE);
  assert.match(stoke.body, /Stoke-on-Trent/);
  assert.match(stoke.body, /<Gather/);
  // Stoke opens at 08:30: at 08:10 it is closed, with its own EDT number.
  ctx.clock.set(london('2026-11-24T08:10'));
  const early = await incoming(sid(), STOKE);
  assert.match(early.body, /01782 234234/);
  assert.match(early.body, /at 8:30am today/);
});

test('bad signatures, a missing signature, wrong content, unknown numbers and malformed bodies are refused and change nothing', async () => {
  ctx.clock.set(london('2026-11-24T10:15'));
  const before = await countCalls();
  const params = { CallSid: sid(), AccountSid: ACCOUNT, From: '+447700900123', To: PROFESSIONALS };

  const forged = await post('/telephony/twilio/voice', params, { signature: sign('/telephony/twilio/voice', params, 'not-the-real-token-at-all') });
  assert.equal(forged.statusCode, 401);
  assert.match(String(forged.headers['content-type']), /application\/problem\+json/);

  const tampered = await post('/telephony/twilio/voice', { ...params, To: PUBLIC_LINE }, { signature: sign('/telephony/twilio/voice', params) });
  assert.equal(tampered.statusCode, 401, 'a signature for other parameters does not fit');

  assert.equal((await post('/telephony/twilio/voice', params, { signature: null })).statusCode, 401);

  const json = await post('/telephony/twilio/voice', {}, { contentType: 'application/json', body: JSON.stringify(params), signature: sign('/telephony/twilio/voice', {}) });
  assert.equal(json.statusCode, 415);

  const unknown = { ...params, To: '+441632960000' };
  const res = await post('/telephony/twilio/voice', unknown);
  assert.equal(res.statusCode, 404);

  const malformed = { CallSid: 'not-a-call-sid', AccountSid: ACCOUNT, To: PROFESSIONALS };
  const bad = await post('/telephony/twilio/voice', malformed);
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().detail, /CallSid/);

  const noTo = { CallSid: sid(), AccountSid: ACCOUNT };
  assert.equal((await post('/telephony/twilio/voice', noTo)).statusCode, 400);

  const unknownCall = await press(sid(), '1');
  assert.equal(unknownCall.statusCode, 404, 'a follow-up for a call never offered');

  assert.equal(await countCalls(), before);
  const receipts = await ctx.db.selectFrom('webhook_receipts').select('key').execute();
  assert.ok(receipts.every((r) => r.key.startsWith('twilio:')));
});

test('a repeated webhook (Twilio retrying, or a replay) gets the first answer and changes nothing', async () => {
  ctx.clock.set(london('2026-11-24T10:20'));
  const callSid = sid();
  const first = await incoming(callSid);
  ctx.clock.set(london('2026-11-24T10:21'));
  const again = await incoming(callSid);
  assert.equal(again.statusCode, 200);
  assert.equal(again.body, first.body);
  assert.equal(again.headers['x-front-door-replayed'], 'true');
  await press(callSid, '2');
  const eventsBefore = await ctx.db.selectFrom('call_events').innerJoin('calls', 'calls.id', 'call_events.call_id').select('call_events.id').where('calls.external_id', '=', callSid).execute();
  const replay = await press(callSid, '2');
  assert.equal(replay.headers['x-front-door-replayed'], 'true');
  const eventsAfter = await ctx.db.selectFrom('call_events').innerJoin('calls', 'calls.id', 'call_events.call_id').select('call_events.id').where('calls.external_id', '=', callSid).execute();
  assert.equal(eventsAfter.length, eventsBefore.length);
  const rows = await ctx.db.selectFrom('calls').select('id').where('external_id', '=', callSid).execute();
  assert.equal(rows.length, 1);
  assert.equal(new Date((await callRow(callSid))!.offered_at).toISOString(), london('2026-11-24T10:20'));
});

test('a call answered by a worker: the softphone dials the longest-waiting queue, the call is answered, then ends', async () => {
  const worker = await createUser(ctx, { role: 'cads-worker' });
  // Earlier tests left callers waiting; this one starts with an empty queue.
  await ctx.db.updateTable('calls').set({ state: 'ended', outcome: 'abandoned', ended_at: new Date(london('2026-11-24T10:59')) }).where('state', '<>', 'ended').execute();
  ctx.clock.set(london('2026-11-24T11:00'));
  const older = sid();
  await incoming(older);
  await press(older, '3');
  ctx.clock.set(new Date(new Date(london('2026-11-24T11:00')).getTime() + 30_000));
  const newer = sid();
  await incoming(newer);
  await press(newer, '1');

  ctx.clock.set(new Date(new Date(london('2026-11-24T11:01')).getTime() + 15_000));
  const agentLeg = sid();
  const dial = await post('/telephony/twilio/agent', { CallSid: agentLeg, AccountSid: ACCOUNT, From: `client:${worker.id}` });
  assert.equal(dial.statusCode, 200, dial.body);
  assert.match(dial.body, /<Dial><Queue url="[^"]*\/telephony\/twilio\/connected\?worker=[0-9a-f-]{36}"[^>]*>norfolk\.domestic-abuse<\/Queue><\/Dial>/);
  const connectedPath = `/telephony/twilio/connected?worker=${worker.id}`;
  const connected = await post(connectedPath, { CallSid: older, AccountSid: ACCOUNT, DequeueingCallSid: agentLeg, QueueTime: '75' });
  assert.equal(connected.statusCode, 200);
  const answered = await callRow(older);
  assert.equal(answered?.state, 'connected');
  assert.equal(answered?.worker_id, worker.id);
  assert.equal(new Date(answered!.answered_at!).getTime() - new Date(answered!.queued_at!).getTime(), 75_000);
  const presence = await ctx.db.selectFrom('worker_presence').selectAll().where('user_id', '=', worker.id).executeTakeFirstOrThrow();
  assert.equal(presence.status, 'on-call');
  assert.equal(presence.call_id, answered!.id);

  ctx.clock.set(london('2026-11-24T11:07'));
  await post('/telephony/twilio/queue-result', { CallSid: older, AccountSid: ACCOUNT, QueueResult: 'bridged', QueueTime: '75' });
  const status = await post('/telephony/twilio/status', { CallSid: older, AccountSid: ACCOUNT, CallStatus: 'completed', CallDuration: '420' });
  assert.equal(status.statusCode, 204);
  const ended = await callRow(older);
  assert.equal(ended?.state, 'ended');
  assert.equal(ended?.outcome, 'answered');
  assert.equal((await ctx.db.selectFrom('worker_presence').select('status').where('user_id', '=', worker.id).executeTakeFirstOrThrow()).status, 'wrap-up');

  // A softphone that is not a worker's is refused.
  const partner = await createUser(ctx, { role: 'partner-practitioner' });
  assert.equal((await post('/telephony/twilio/agent', { CallSid: sid(), AccountSid: ACCOUNT, From: `client:${partner.id}` })).statusCode, 403);
});

test('a caller who hangs up while waiting is counted as abandoned', async () => {
  ctx.clock.set(london('2026-11-24T12:00'));
  const callSid = sid();
  await incoming(callSid);
  await press(callSid, null);
  ctx.clock.set(london('2026-11-24T12:03'));
  await post('/telephony/twilio/queue-result', { CallSid: callSid, AccountSid: ACCOUNT, QueueResult: 'hangup', QueueTime: '180' });
  await post('/telephony/twilio/status', { CallSid: callSid, AccountSid: ACCOUNT, CallStatus: 'completed' });
  const call = await callRow(callSid);
  assert.equal(call?.outcome, 'abandoned');
  assert.equal(new Date(call!.ended_at!).toISOString(), london('2026-11-24T12:03'));
});

test('after waiting long enough a caller is offered a callback, which joins the queue with its waiting time', async () => {
  ctx.clock.set(london('2026-11-24T13:00'));
  const callSid = sid();
  await incoming(callSid, PROFESSIONALS, '+447700900555');
  await press(callSid, '2');
  ctx.clock.set(london('2026-11-24T13:01'));
  const early = await post('/telephony/twilio/wait', { CallSid: callSid, AccountSid: ACCOUNT, QueueTime: '60', QueuePosition: '1' });
  assert.equal(early.statusCode, 200);
  assert.doesNotMatch(early.body, /press 1/);
  assert.match(early.body, /<Pause length="20"\/>/);
  ctx.clock.set(london('2026-11-24T13:04'));
  const offer = await post('/telephony/twilio/wait', { CallSid: callSid, AccountSid: ACCOUNT, QueueTime: '240', QueuePosition: '1' });
  assert.match(offer.body, /<Gather [^>]*action="[^"]*\/telephony\/twilio\/callback"[^>]*>.*press 1.*<\/Gather>/s);
  const leave = await post('/telephony/twilio/callback', { CallSid: callSid, AccountSid: ACCOUNT, Digits: '1' });
  assert.match(leave.body, /<Leave\/>/);
  const cb = await ctx.db.selectFrom('callbacks').selectAll().innerJoin('calls', 'calls.id', 'callbacks.call_id').where('calls.external_id', '=', callSid).executeTakeFirstOrThrow();
  assert.equal(cb.status, 'waiting');
  assert.equal(cb.number, '+447700900555');
  assert.equal(new Date(cb.requested_at).toISOString(), london('2026-11-24T13:00'), 'the callback keeps the place the caller had');
  const result = await post('/telephony/twilio/queue-result', { CallSid: callSid, AccountSid: ACCOUNT, QueueResult: 'leave', QueueTime: '245' });
  assert.match(result.body, /call you back/);
  assert.match(result.body, /<Hangup\/>/);
  await post('/telephony/twilio/status', { CallSid: callSid, AccountSid: ACCOUNT, CallStatus: 'completed' });
  assert.equal((await callRow(callSid))?.outcome, 'callback');
  // No second offer once a callback is asked for, and none for a withheld number.
  const withheld = sid();
  await incoming(withheld, PROFESSIONALS, 'anonymous');
  await press(withheld, '2');
  ctx.clock.set(london('2026-11-24T13:10'));
  const noOffer = await post('/telephony/twilio/wait', { CallSid: withheld, AccountSid: ACCOUNT, QueueTime: '360', QueuePosition: '1' });
  assert.doesNotMatch(noOffer.body, /callback/);
});

test('screen pop: the worker sees the caller recognised from earlier conversations, and starts a conversation filled in', async () => {
  const worker = await createUser(ctx, { role: 'cads-worker' });
  const token = await createServiceAccount(ctx, { role: 'cads-worker' });
  ctx.clock.set(london('2026-11-24T14:00'));
  // An earlier conversation with Dr Reed, a GP, from 020 7946 0123.
  await completeConversationByApi(app, token, { workerEmail: worker.email, callerEmail: 'dr.reed@surgery.example', familyName: 'Pemberton' });
  const callSid = sid();
  await incoming(callSid, PROFESSIONALS, '+442079460123');
  await press(callSid, '1');
  await post(`/telephony/twilio/connected?worker=${worker.id}`, { CallSid: callSid, AccountSid: ACCOUNT, DequeueingCallSid: sid() });
  const call = (await callRow(callSid))!;

  const agent = await signedInAgent(app, worker.email);
  const phonePage = await agent.get('/phone');
  assert.equal(phonePage.status, 200);
  assert.match(phonePage.body, /You are on a call from 020 7946 0123/);
  const pop = await agent.get(`/phone/calls/${call.id}`);
  assert.equal(pop.status, 200);
  assert.match(pop.body, /Call from 020 7946 0123/);
  assert.match(pop.body, /Option 1: The child or young person is currently being supported/);
  assert.match(pop.body, /please contact them directly/);
  assert.match(pop.body, /Dr Reed, GP/);
  assert.match(pop.body, /Kayleigh Pemberton: MASH checks/);
  const audit = await ctx.db.selectFrom('audit_events').selectAll().where('action', '=', 'call.viewed').where('entity_id', '=', call.id).execute();
  assert.ok(audit.length >= 1 && audit.every((a) => a.actor_user_id === worker.id));
  assert.ok(audit.some((a) => a.person_id !== null), 'the children shown are in the audit');

  const key = pop.body.match(/name="caller" type="radio" value="(\d+)"/)?.[1];
  assert.ok(key, 'the earlier caller can be chosen');
  const start = await agent.post(`/phone/calls/${call.id}/conversation`, { caller: key! });
  assert.equal(start.status, 302);
  const conversationId = start.location!.split('/').pop()!;
  const version = await ctx.db.selectFrom('conversation_versions').selectAll().where('conversation_id', '=', conversationId).executeTakeFirstOrThrow();
  assert.equal(version.caller_name, 'Dr Reed');
  assert.equal(version.caller_agency_code, 'gp');
  assert.equal(version.caller_email, 'dr.reed@surgery.example');
  assert.equal(version.caller_phone, '020 7946 0123');
  assert.equal((await callRow(callSid))?.conversation_id, conversationId);
  // Starting again goes to the same conversation rather than making a second.
  const again = await agent.post(`/phone/calls/${call.id}/conversation`, {});
  assert.equal(again.location, `/conversations/${conversationId}`);

  // Another authority's worker cannot see the call.
  const stoke = await createUser(ctx, { role: 'cads-worker', authorityId: 'stoke-on-trent' });
  assert.equal((await (await signedInAgent(app, stoke.email)).get(`/phone/calls/${call.id}`)).status, 404);
});

test('workers set their own status; the wallboard and today’s calls show the day', async () => {
  const worker = await createUser(ctx, { role: 'cads-worker' });
  const agent = await signedInAgent(app, worker.email);
  ctx.clock.set(london('2026-11-24T15:00'));
  const bad = await agent.post('/phone/status', { status: 'on-call' });
  assert.equal(bad.status, 400);
  assert.match(bad.body, /Choose your status/);
  const ok = await agent.post('/phone/status', { status: 'available' });
  assert.equal(ok.status, 302);
  assert.equal((await ctx.db.selectFrom('worker_presence').select('status').where('user_id', '=', worker.id).executeTakeFirstOrThrow()).status, 'available');

  const manager = await signedInAgent(app, (await createUser(ctx, { role: 'team-manager' })).email);
  const board = await manager.get('/phone/wallboard');
  assert.equal(board.status, 200);
  assert.match(board.body, /data-live="today-offered">\d+</);
  assert.match(board.body, /data-live="today-abandoned">[1-9]/);
  const calls = await manager.get('/phone/calls?date=2026-11-24');
  assert.equal(calls.status, 200);
  assert.match(calls.body, /Caller hung up while waiting/);
  assert.match(calls.body, /Left a number for a callback/);
  const partner = await signedInAgent(app, (await createUser(ctx, { role: 'partner-practitioner' })).email);
  assert.equal((await partner.get('/phone/wallboard')).status, 403);
});

test('callbacks: a worker takes the longest-waiting one, can put it back, and finishes it', async () => {
  const a = await createUser(ctx, { role: 'cads-worker' });
  const b = await createUser(ctx, { role: 'cads-worker' });
  const agentA = await signedInAgent(app, a.email);
  const agentB = await signedInAgent(app, b.email);
  const waiting = await ctx.db.selectFrom('callbacks').select(['id', 'requested_at']).where('authority_id', '=', 'norfolk').where('status', '=', 'waiting').orderBy('requested_at').execute();
  assert.ok(waiting.length >= 1);
  const take = await agentA.post('/phone/callbacks/take', {});
  assert.equal(take.location, `/phone/callbacks/${waiting[0]!.id}`);
  const page = await agentA.get(take.location!);
  assert.match(page.body, /Call back 07700 900555/);
  const clash = await agentB.post('/phone/callbacks/take', { callback: waiting[0]!.id });
  assert.equal(clash.status, 409);
  await agentA.post(`/phone/callbacks/${waiting[0]!.id}/finish`, { result: 'no-answer' });
  assert.equal((await ctx.db.selectFrom('callbacks').select('status').where('id', '=', waiting[0]!.id).executeTakeFirstOrThrow()).status, 'waiting');
  await agentB.post('/phone/callbacks/take', { callback: waiting[0]!.id });
  const done = await agentB.post(`/phone/callbacks/${waiting[0]!.id}/finish`, { result: 'spoke' });
  assert.equal(done.status, 302);
  const row = await ctx.db.selectFrom('callbacks').selectAll().where('id', '=', waiting[0]!.id).executeTakeFirstOrThrow();
  assert.equal(row.status, 'done');
  assert.equal(row.claimed_by, b.id);
});
