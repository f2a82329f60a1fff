/**
 * issue10-G: duplicate and out-of-order telephony events.
 *
 * What the telephony tests beside the feature already cover (src/features/telephony):
 * - twilio.int.test.ts "a repeated webhook … gets the first answer and changes nothing": one webhook
 *   sent again, one after the other;
 * - cti.int.test.ts "an event sent twice changes nothing the second time": the same for a CTI event;
 *   "bad events are refused … leave nothing behind": an event for a call never offered is refused
 *   (404) and its id is not used up.
 * What this file adds, at volume, with counts:
 * - CTI: 40 calls of five kinds, every event sent twice (some copies at the same moment), all of
 *   them in a shuffled order, so a call may end before it is answered, be answered before it is
 *   queued, or hear of its callback after it ended. An event for a call not yet offered is refused
 *   with 404 and sent again later, as a switch retries. Every call must end as the same events in
 *   order would have left it, counted once;
 * - Twilio: the status callback ("completed") and the queue's action (queue-result) arrive in either
 *   order, every webhook twice at the same moment, and a "connected" that arrives after the caller
 *   hung up is refused and leaves the call abandoned.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import twilio from 'twilio';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { createTestContext, createTestApp, createUser, onEmbeddedEngine, type TestContext } from '../support/harness.js';
import { hashToken } from '../../src/platform/http/app.js';
import { TelephonyService } from '../../src/features/telephony/telephony.service.js';

let ctx: TestContext;
let app: FastifyInstance;
let switchToken: string;
let workerA: { id: string; email: string };
let workerB: { id: string; email: string };

// Tuesday 24 November 2026: the line is open 08:00–20:00 in Norfolk's profile.
const NOW = '2026-11-24T16:00:00Z';
const ACCOUNT = 'AC' + 'b'.repeat(32);
const PROFESSIONALS = '+443448008021';

before(async () => {
  // Copies sent at the same moment: one connection on the embedded engine (ADR 0003).
  ctx = await createTestContext(NOW, { poolSize: (await onEmbeddedEngine()) ? 1 : 4 });
  app = await createTestApp(ctx);
  switchToken = randomBytes(24).toString('hex');
  await ctx.db.insertInto('service_accounts').values({ id: randomUUID(), authority_id: 'norfolk', name: 'Switch', role: 'telephony-switch', agency_code: null, token_hash: hashToken(switchToken) }).execute();
  workerA = await createUser(ctx, { role: 'cads-worker' });
  workerB = await createUser(ctx, { role: 'cads-worker' });
});
after(async () => {
  await app?.close();
  await ctx?.close();
});

/** A small seeded random number generator, so a failing order can be run again. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kind = 'answered' | 'abandoned' | 'queued-late' | 'callback' | 'transferred';
interface Expected { outcome: string; answered: boolean; queue: string; worker: string | null; transferredTo: string | null; callbacks: number }

function script(kind: Kind, n: number, t0: number): { callId: string; events: Record<string, unknown>[]; expected: Expected } {
  const callId = `switch-${kind}-${n}`;
  const at = (s: number) => new Date(t0 + s * 1000).toISOString();
  let seq = 0;
  const ev = (type: string, s: number, extra: Record<string, unknown> = {}) => ({ type, eventId: `${callId}-${++seq}`, callId, at: at(s), ...extra });
  const offered = (extra: Record<string, unknown> = { queue: 'consultation' }) => ev('call.offered', 0, { dialledNumber: PROFESSIONALS, callerNumber: `07700 900${String(100 + n).padStart(3, '0')}`, ...extra });
  switch (kind) {
    case 'answered':
      return { callId, events: [offered(), ev('call.answered', 30, { worker: workerA.email }), ev('call.ended', 300)], expected: { outcome: 'answered', answered: true, queue: 'consultation', worker: workerA.id, transferredTo: null, callbacks: 0 } };
    case 'abandoned':
      return { callId, events: [offered(), ev('call.ended', 120)], expected: { outcome: 'abandoned', answered: false, queue: 'consultation', worker: null, transferredTo: null, callbacks: 0 } };
    case 'queued-late':
      return { callId, events: [offered({}), ev('call.queued', 10, { queue: 'exploitation', option: '2' }), ev('call.answered', 40, { worker: workerB.id }), ev('call.ended', 360)], expected: { outcome: 'answered', answered: true, queue: 'exploitation', worker: workerB.id, transferredTo: null, callbacks: 0 } };
    case 'callback':
      return { callId, events: [offered(), ev('callback.requested', 180, { queue: 'consultation', number: `07700 900${String(100 + n).padStart(3, '0')}` }), ev('call.ended', 185)], expected: { outcome: 'callback', answered: false, queue: 'consultation', worker: null, transferredTo: null, callbacks: 1 } };
    case 'transferred':
      return { callId, events: [offered(), ev('call.answered', 20, { worker: workerA.id }), ev('call.transferred', 240, { toNumber: '0344 800 8020' })], expected: { outcome: 'transferred', answered: true, queue: 'consultation', worker: workerA.id, transferredTo: '+443448008020', callbacks: 0 } };
  }
}

const send = (body: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: '/api/v1/telephony/events', headers: { authorization: `Bearer ${switchToken}` }, payload: body });

test('CTI: 40 calls, every event twice and all of them shuffled: each call ends as its events say, counted once', async (t) => {
  const kinds: Kind[] = ['answered', 'abandoned', 'queued-late', 'callback', 'transferred'];
  const base = new Date('2026-11-24T09:00:00Z').getTime();
  const scripts = Array.from({ length: 40 }, (_, i) => script(kinds[i % kinds.length]!, i, base + i * 60_000));
  const random = rng(20261124);
  // Every event twice; a third of the second copies go right beside the first (sent at the same moment).
  const deliveries: Record<string, unknown>[][] = [];
  for (const s of scripts) for (const e of s.events) deliveries.push(random() < 0.33 ? [e, e] : [e], ...(random() < 0.33 ? [] : [[e]]));
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
  }
  const events = scripts.reduce((n, s) => n + s.events.length, 0);
  const sent = deliveries.reduce((n, d) => n + d.length, 0);

  const tally: Record<number, number> = {};
  let retriedLater = 0;
  const queue = [...deliveries];
  while (queue.length) {
    const group = queue.shift()!;
    const answers = await Promise.all(group.map((e) => send(e)));
    for (const [i, a] of answers.entries()) {
      tally[a.statusCode] = (tally[a.statusCode] ?? 0) + 1;
      if (a.statusCode === 404) {
        // Not offered yet: the switch sends it again later.
        retriedLater++;
        queue.push([group[i]!]);
        continue;
      }
      assert.ok(a.statusCode === 202 || a.statusCode === 200, `${JSON.stringify(group[i])} → ${a.statusCode} ${a.body}`);
    }
  }

  const rows = await ctx.db.selectFrom('calls').selectAll().where('source', '=', 'cti').execute();
  const byId = new Map(rows.map((r) => [r.external_id, r]));
  const stored = await sql<{ call_id: string; offered: number; ended: number; answered: number }>`
    select call_id, count(*) filter (where kind = 'offered')::int as offered, count(*) filter (where kind = 'ended')::int as ended,
      count(*) filter (where kind = 'answered')::int as answered
    from call_events group by call_id`.execute(ctx.db);
  const eventsOf = new Map(stored.rows.map((r) => [r.call_id, r]));
  for (const s of scripts) {
    const c = byId.get(s.callId);
    assert.ok(c, `${s.callId} was stored`);
    assert.equal(c.state, 'ended', `${s.callId} ended`);
    assert.equal(c.outcome, s.expected.outcome, `${s.callId}: outcome`);
    assert.equal(c.answered_at !== null, s.expected.answered, `${s.callId}: answered or not`);
    assert.equal(c.queue_code, s.expected.queue, `${s.callId}: queue`);
    assert.equal(c.worker_id, s.expected.worker, `${s.callId}: worker`);
    assert.equal(c.transferred_to, s.expected.transferredTo, `${s.callId}: transferred to`);
    const e = eventsOf.get(c.id)!;
    assert.equal(e.offered, 1, `${s.callId}: offered once`);
    assert.equal(e.ended, 1, `${s.callId}: ended once`);
    assert.equal(e.answered, s.expected.answered ? 1 : 0, `${s.callId}: answered once or never`);
    const callbacks = await ctx.db.selectFrom('callbacks').select('id').where('call_id', '=', c.id).execute();
    assert.equal(callbacks.length, s.expected.callbacks, `${s.callId}: callbacks`);
  }
  const receipts = (await sql<{ n: number }>`select count(*)::int as n from webhook_receipts where key like 'cti:%'`.execute(ctx.db)).rows[0]!.n;
  // How many events came after a later one of their call (recorded as late), and outcomes put right by them.
  const late = (await sql<{ n: number; corrected: number }>`
    select count(*) filter (where detail->>'late' = 'true')::int as n, count(*) filter (where kind = 'outcome-corrected')::int as corrected
    from call_events`.execute(ctx.db)).rows[0]!;
  const day = (await new TelephonyService(ctx).snapshot('norfolk')).today;
  const expectAnswered = scripts.filter((s) => s.expected.answered).length;
  const expectAbandoned = scripts.filter((s) => s.expected.outcome === 'abandoned').length;

  t.diagnostic(`CTI: ${scripts.length} calls, ${events} distinct events, ${sent} deliveries (duplicates ${sent - events}), answers ${JSON.stringify(tally)} (404 = not offered yet, sent again later: ${retriedLater}); ` +
    `events that arrived after a later one of their call ${late.n}, outcomes put right by them ${late.corrected}; calls stored ${rows.length}; receipts ${receipts}; today: offered ${day.offered}, answered ${day.answered}, abandoned ${day.abandoned}`);
  assert.ok(late.n > 0 && late.corrected > 0, 'the shuffle really put events out of order');
  assert.equal(rows.length, scripts.length, 'one call row per call');
  assert.equal(receipts, events, 'one receipt per distinct event: every duplicate was answered from it');
  assert.equal(day.offered, scripts.length, 'the day counts each call once');
  assert.equal(day.answered, expectAnswered, 'answered calls counted once');
  assert.equal(day.abandoned, expectAbandoned, 'abandoned calls counted once');
  assert.ok((tally[200] ?? 0) >= sent - events, 'every duplicate got the first answer back (200, replayed)');
});

test('Twilio: status and queue-result in either order, every webhook twice at once, and a late "connected": each call counted once', async (t) => {
  const token = ctx.config.telephony.twilioAuthToken!;
  const post = async (path: string, params: Record<string, string>) => {
    const signature = twilio.getExpectedTwilioSignature(token, `${ctx.config.baseUrl}${path}`, params);
    const req = () => app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, payload: new URLSearchParams(params).toString() });
    // The same webhook twice at the same moment (Twilio retrying a slow answer).
    const [a, b] = await Promise.all([req(), req()]);
    assert.equal(a.body, b.body, `${path}: both copies get the same answer`);
    assert.equal(a.statusCode, b.statusCode, `${path}: and the same status`);
    assert.equal([a, b].filter((r) => r.headers['x-front-door-replayed'] === 'true').length, a.statusCode < 400 ? 1 : 0, `${path}: one of them is a replay`);
    return a;
  };
  const at = (base: string, seconds: number) => ctx.clock.set(new Date(new Date(base).getTime() + seconds * 1000));
  const sid = () => 'CA' + randomBytes(16).toString('hex');
  const expected = new Map<string, string>();
  let refusedLate = 0;

  for (let i = 0; i < 12; i++) {
    const base = `2026-11-24T14:${String(i * 4).padStart(2, '0')}:00Z`;
    const callSid = sid();
    const kind = i % 3; // 0 answered, 1 abandoned, 2 "connected" after the caller hung up
    at(base, 0);
    assert.equal((await post('/telephony/twilio/voice', { CallSid: callSid, AccountSid: ACCOUNT, From: `+4477009002${String(i).padStart(2, '0')}`, To: PROFESSIONALS, CallStatus: 'ringing' })).statusCode, 200);
    at(base, 10);
    assert.equal((await post('/telephony/twilio/menu?attempt=1', { CallSid: callSid, AccountSid: ACCOUNT, Digits: '2' })).statusCode, 200);
    if (kind === 0) {
      at(base, 45);
      assert.equal((await post(`/telephony/twilio/connected?worker=${workerA.id}`, { CallSid: callSid, AccountSid: ACCOUNT, DequeueingCallSid: sid(), QueueTime: '35' })).statusCode, 200);
      at(base, 300);
      // Completed first, then the queue's action: the order Twilio does not promise.
      const [first, second] = i % 2 === 0
        ? [['/telephony/twilio/status', { CallSid: callSid, AccountSid: ACCOUNT, CallStatus: 'completed' }], ['/telephony/twilio/queue-result', { CallSid: callSid, AccountSid: ACCOUNT, QueueResult: 'bridged', QueueTime: '35' }]] as const
        : [['/telephony/twilio/queue-result', { CallSid: callSid, AccountSid: ACCOUNT, QueueResult: 'bridged', QueueTime: '35' }], ['/telephony/twilio/status', { CallSid: callSid, AccountSid: ACCOUNT, CallStatus: 'completed' }]] as const;
      await post(first[0], { ...first[1] });
      await post(second[0], { ...second[1] });
      expected.set(callSid, 'answered');
    } else {
      at(base, 120);
      await post('/telephony/twilio/status', { CallSid: callSid, AccountSid: ACCOUNT, CallStatus: 'completed' });
      await post('/telephony/twilio/queue-result', { CallSid: callSid, AccountSid: ACCOUNT, QueueResult: 'hangup', QueueTime: '110' });
      if (kind === 2) {
        // A worker's softphone dequeued the caller just as they hung up; Twilio's "connected" arrives after.
        at(base, 121);
        const late = await post(`/telephony/twilio/connected?worker=${workerB.id}`, { CallSid: callSid, AccountSid: ACCOUNT, DequeueingCallSid: sid(), QueueTime: '111' });
        assert.equal(late.statusCode, 409, `a "connected" after the caller hung up is refused: ${late.body}`);
        refusedLate++;
      }
      expected.set(callSid, 'abandoned');
    }
  }

  const rows = await ctx.db.selectFrom('calls').selectAll().where('source', '=', 'twilio').execute();
  for (const [callSid, outcome] of expected) {
    const c = rows.find((r) => r.external_id === callSid);
    assert.ok(c, `${callSid} stored`);
    assert.equal(c.outcome, outcome, `${callSid}: outcome`);
    const ended = await ctx.db.selectFrom('call_events').select('id').where('call_id', '=', c.id).where('kind', '=', 'ended').execute();
    assert.equal(ended.length, 1, `${callSid}: ended once`);
  }
  const answered = rows.filter((r) => r.outcome === 'answered').length;
  const abandoned = rows.filter((r) => r.outcome === 'abandoned').length;
  t.diagnostic(`Twilio: ${expected.size} calls, every webhook sent twice at once; stored ${rows.length}; answered ${answered}; abandoned ${abandoned} (of which ${refusedLate} with a late "connected", refused with 409)`);
  assert.equal(rows.length, expected.size, 'one call row per call');
  assert.equal(answered, [...expected.values()].filter((o) => o === 'answered').length, 'answered counted once');
  assert.equal(abandoned, [...expected.values()].filter((o) => o === 'abandoned').length, 'abandoned counted once');
});
