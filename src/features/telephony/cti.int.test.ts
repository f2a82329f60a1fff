/**
 * The CTI event API (switches other than Twilio) and the live queue's event stream, against a real
 * database and real HTTP: events change the stored call, repeats change nothing, and a connected
 * wallboard hears about a change made through another app instance.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createTestContext, createTestApp, createUser, createServiceAccount, signedInAgent, type TestContext } from '../../../test/support/harness.js';
import { hashToken } from '../../platform/http/app.js';

let ctx: TestContext;
let app: FastifyInstance;
let switchToken: string;

before(async () => {
  ctx = await createTestContext('2026-11-24T10:00:00Z');
  app = await createTestApp(ctx);
  switchToken = randomBytes(24).toString('hex');
  await ctx.db.insertInto('service_accounts').values({ id: randomUUID(), authority_id: 'norfolk', name: 'Mitel adapter', role: 'telephony-switch', agency_code: null, token_hash: hashToken(switchToken) }).execute();
});
after(async () => {
  await app?.close();
  await ctx?.close();
});

const send = (body: Record<string, unknown>, token: string | null = switchToken) =>
  app.inject({ method: 'POST', url: '/api/v1/telephony/events', headers: token ? { authorization: `Bearer ${token}` } : {}, payload: body });
const call = (externalId: string) => ctx.db.selectFrom('calls').selectAll().where('source', '=', 'cti').where('external_id', '=', externalId).executeTakeFirst();

test('without a switch token the API refuses before reading anything; a worker’s token is not a switch’s', async () => {
  const none = await send({ type: 'call.offered' }, null);
  assert.equal(none.statusCode, 401);
  assert.match(String(none.headers['content-type']), /application\/problem\+json/);
  const workerToken = await createServiceAccount(ctx, { role: 'cads-worker' });
  assert.equal((await send({ type: 'call.offered', eventId: 'x', callId: 'y', dialledNumber: '0344 800 8021' }, workerToken)).statusCode, 401);
  // And a switch's token opens nothing else.
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/people/search', headers: { authorization: `Bearer ${switchToken}` }, payload: { name: 'Smith' } })).statusCode, 401);
});

test('a call offered, queued, answered and ended through CTI events is stored like any other', async () => {
  const worker = await createUser(ctx, { role: 'cads-worker', email: `mitel.worker.${randomUUID().slice(0, 6)}@norfolk.example` });
  const offered = await send({ type: 'call.offered', eventId: 'e1', callId: 'mitel-1', dialledNumber: '0344 800 8021', callerNumber: '07700 900111', option: '2', queue: 'exploitation', at: '2026-11-24T09:58:00Z' });
  assert.equal(offered.statusCode, 202, offered.body);
  assert.equal(offered.json().state, 'queued');
  const answered = await send({ type: 'call.answered', eventId: 'e2', callId: 'mitel-1', worker: worker.email.toUpperCase(), at: '2026-11-24T09:59:10Z' });
  assert.equal(answered.statusCode, 202, answered.body);
  const ended = await send({ type: 'call.ended', eventId: 'e3', callId: 'mitel-1', at: '2026-11-24T10:05:00Z' });
  assert.equal(ended.json().outcome, 'answered');
  const row = await call('mitel-1');
  assert.equal(row?.caller_number, '+447700900111');
  assert.equal(row?.option_digit, '2');
  assert.equal(row?.worker_id, worker.id);
  assert.equal(new Date(row!.answered_at!).getTime() - new Date(row!.queued_at!).getTime(), 70_000);
});

test('an event sent twice changes nothing the second time and gets the first answer', async () => {
  const body = { type: 'call.offered', eventId: 'dup-1', callId: 'mitel-2', dialledNumber: '+443448008021', queue: 'consultation' };
  const first = await send(body);
  const second = await send(body);
  assert.equal(first.statusCode, 202);
  assert.equal(second.statusCode, 200);
  assert.equal(second.headers['x-front-door-replayed'], 'true');
  assert.deepEqual(second.json(), first.json());
  const ended = await send({ type: 'call.ended', eventId: 'dup-2', callId: 'mitel-2' });
  assert.equal(ended.json().outcome, 'abandoned');
  const events = await ctx.db.selectFrom('call_events').select('kind').where('call_id', '=', first.json().callId).execute();
  assert.deepEqual(events.map((e) => e.kind), ['offered', 'queued', 'ended']);
});

test('bad events are refused with a problem and leave nothing behind', async () => {
  const before = await ctx.db.selectFrom('calls').select('id').execute();
  const cases: [Record<string, unknown>, number][] = [
    [{ type: 'call.offered', eventId: 'b1', callId: 'm', dialledNumber: '01632 960000' }, 422], // not our number
    [{ type: 'call.offered', eventId: 'b2', callId: 'm', dialledNumber: '01782 235100' }, 422], // another authority's
    [{ type: 'call.offered', eventId: 'b3', callId: 'm', dialledNumber: '0344 800 8021', queue: 'nonsense' }, 422],
    [{ type: 'call.answered', eventId: 'b4', callId: 'never-offered', worker: 'nobody@norfolk.example' }, 422],
    [{ type: 'call.ended', eventId: 'b5', callId: 'never-offered' }, 404],
    [{ type: 'call.exploded', eventId: 'b6', callId: 'm' }, 400],
    [{ type: 'call.offered', callId: 'm', dialledNumber: '0344 800 8021' }, 400], // no eventId
    [{ type: 'call.offered', eventId: 'b7', callId: 'm', dialledNumber: '0344 800 8021', at: '2027-01-01T00:00:00Z' }, 422], // future
  ];
  for (const [body, status] of cases) {
    const res = await send(body);
    assert.equal(res.statusCode, status, `${JSON.stringify(body)} → ${res.body}`);
    assert.match(String(res.headers['content-type']), /application\/problem\+json/);
  }
  assert.equal((await ctx.db.selectFrom('calls').select('id').execute()).length, before.length);
  // A refused event's id is not used up: once fixed, the same id goes through.
  const fixed = await send({ type: 'call.offered', eventId: 'b3', callId: 'mitel-3', dialledNumber: '0344 800 8021', queue: 'consultation' });
  assert.equal(fixed.statusCode, 202);
});

test('transfers, callbacks and worker status through CTI', async () => {
  const a = await createUser(ctx, { role: 'cads-worker' });
  const b = await createUser(ctx, { role: 'cads-worker' });
  await send({ type: 'call.offered', eventId: 't1', callId: 'mitel-4', dialledNumber: '0344 800 8021', queue: 'domestic-abuse' });
  await send({ type: 'call.answered', eventId: 't2', callId: 'mitel-4', worker: a.id });
  const moved = await send({ type: 'call.transferred', eventId: 't3', callId: 'mitel-4', toWorker: b.email });
  assert.equal(moved.statusCode, 202, moved.body);
  assert.equal((await call('mitel-4'))?.worker_id, b.id);
  const presence = await ctx.db.selectFrom('worker_presence').select(['user_id', 'status']).where('user_id', 'in', [a.id, b.id]).execute();
  assert.equal(presence.find((p) => p.user_id === a.id)?.status, 'wrap-up');
  assert.equal(presence.find((p) => p.user_id === b.id)?.status, 'on-call');
  const out = await send({ type: 'call.transferred', eventId: 't4', callId: 'mitel-4', toNumber: '0344 800 8020' });
  assert.equal(out.json().outcome, 'transferred');
  assert.equal((await call('mitel-4'))?.transferred_to, '+443448008020');

  const cb = await send({ type: 'callback.requested', eventId: 't5', queue: 'consultation', number: '07700 900222' });
  assert.equal(cb.statusCode, 202);
  assert.ok(cb.json().callbackId);
  const status = await send({ type: 'worker.status', eventId: 't6', worker: a.id, status: 'available' });
  assert.equal(status.statusCode, 202);
  assert.equal((await ctx.db.selectFrom('worker_presence').select('status').where('user_id', '=', a.id).executeTakeFirstOrThrow()).status, 'available');
});

test('a switch can ask whether a line is open and what to say', async () => {
  const open = await app.inject({ method: 'GET', url: '/api/v1/telephony/lines/03448008021', headers: { authorization: `Bearer ${switchToken}` } });
  assert.equal(open.statusCode, 200, open.body);
  assert.equal(open.json().open, true);
  assert.equal(open.json().step, 'menu');
  assert.equal(open.json().options.length, 3);
  ctx.clock.set('2026-11-28T12:00:00Z');
  const closed = await app.inject({ method: 'GET', url: '/api/v1/telephony/lines/03448008021', headers: { authorization: `Bearer ${switchToken}` } });
  assert.equal(closed.json().open, false);
  assert.equal(closed.json().reason, 'weekend');
  assert.equal(closed.json().nextOpening, '2026-11-30T09:00:00.000Z');
  assert.match(closed.json().prompts.join(' '), /0344 800 8020/);
  ctx.clock.set('2026-11-24T10:00:00Z');
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/telephony/lines/01782235100', headers: { authorization: `Bearer ${switchToken}` } })).statusCode, 404);
});

/** Reads an event stream until a snapshot satisfies `until`. */
function waitForSnapshot(port: number, cookie: string, until: (s: { waitingCalls: unknown[]; today: { offered: number } }) => boolean): { ready: Promise<void>; done: Promise<unknown>; close: () => void } {
  let req: http.ClientRequest;
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  const done = new Promise((resolve, reject) => {
    req = http.get({ host: '127.0.0.1', port, path: '/phone/events', headers: { cookie } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
      assert.match(String(res.headers['content-type']), /text\/event-stream/);
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (!data) continue;
          const s = JSON.parse(data.slice(6));
          markReady();
          if (until(s)) resolve(s);
        }
      });
    });
    req.on('error', reject);
  });
  return { ready, done, close: () => req.destroy() };
}

test('a wallboard connected to one app instance hears about a call offered through another', async () => {
  const manager = await createUser(ctx, { role: 'team-manager' });
  const agent = await signedInAgent(app, manager.email);
  const cookie = (agent as unknown as { cookieHeader(): string }).cookieHeader();
  // Two instances on the same database, as behind a load balancer.
  const one = await createTestApp(ctx);
  const two = await createTestApp(ctx);
  await one.listen({ host: '127.0.0.1', port: 0 });
  try {
    const port = (one.server.address() as { port: number }).port;
    const before = await ctx.db.selectFrom('calls').select('id').where('state', '=', 'queued').where('authority_id', '=', 'norfolk').execute();
    const stream = waitForSnapshot(port, cookie, (s) => s.waitingCalls.length === before.length + 1);
    await stream.ready;
    const res = await two.inject({ method: 'POST', url: '/api/v1/telephony/events', headers: { authorization: `Bearer ${switchToken}` }, payload: { type: 'call.offered', eventId: 'sse-1', callId: 'mitel-sse', dialledNumber: '0344 800 8021', queue: 'consultation' } });
    assert.equal(res.statusCode, 202);
    const snapshot = (await Promise.race([stream.done, new Promise((_, reject) => setTimeout(() => reject(new Error('no snapshot within 10 s')), 10_000))])) as { waitingCalls: { caller: string }[] };
    assert.ok(snapshot.waitingCalls.length >= 1);
    stream.close();
    // Someone without the right role cannot listen.
    const partner = await signedInAgent(app, (await createUser(ctx, { role: 'partner-practitioner' })).email);
    const refused = await new Promise<number>((resolve) => http.get({ host: '127.0.0.1', port, path: '/phone/events', headers: { cookie: (partner as unknown as { cookieHeader(): string }).cookieHeader() } }, (r) => { resolve(r.statusCode!); r.resume(); }));
    assert.equal(refused, 403);
  } finally {
    await one.close();
    await two.close();
  }
});

test('the nightly tidy ends calls a switch never ended, drops old receipts and signs off workers left on', async () => {
  const { TelephonyService } = await import('./telephony.service.js');
  const worker = await createUser(ctx, { role: 'cads-worker' });
  ctx.clock.set('2026-11-24T16:00:00Z');
  await send({ type: 'call.offered', eventId: 'tidy-1', callId: 'mitel-tidy', dialledNumber: '0344 800 8021', queue: 'consultation' });
  await send({ type: 'worker.status', eventId: 'tidy-2', worker: worker.id, status: 'available' });
  ctx.clock.set('2026-11-25T02:30:00Z');
  await send({ type: 'call.offered', eventId: 'tidy-3', callId: 'mitel-fresh', dialledNumber: '0344 800 8021', queue: 'consultation' });
  const result = await new TelephonyService(ctx).tidy(new Date('2026-11-25T05:00:00Z'));
  assert.ok(result.callsEnded >= 1);
  const stale = await call('mitel-tidy');
  assert.equal(stale?.state, 'ended');
  assert.equal(stale?.outcome, 'failed');
  assert.equal((await call('mitel-fresh'))?.state, 'queued', 'a call from the small hours is left alone');
  assert.equal((await ctx.db.selectFrom('worker_presence').select('status').where('user_id', '=', worker.id).executeTakeFirstOrThrow()).status, 'offline');
  // Receipts newer than a week stay, so a late retry still gets its first answer.
  assert.equal(result.receiptsDeleted, 0);
  const later = await new TelephonyService(ctx).tidy(new Date('2026-12-05T03:00:00Z'));
  assert.ok(later.receiptsDeleted > 0);
  assert.equal((await ctx.db.selectFrom('webhook_receipts').select('key').where('received_at', '<', new Date('2026-11-28T03:00:00Z')).execute()).length, 0);
});
