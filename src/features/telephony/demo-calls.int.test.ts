import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestContext, type TestContext } from '../../../test/support/harness.js';
import { loadDemoData } from '../demo/demo-data.js';
import { seedDemoCalls } from './demo-calls.js';
import { TelephonyService } from './telephony.service.js';

let ctx: TestContext;
// A Wednesday at 15:00 London time, inside both councils' hours.
const NOW = new Date('2026-11-25T15:00:00Z');

before(async () => {
  ctx = await createTestContext(NOW.toISOString());
});
after(async () => {
  await ctx?.close();
});

test('the demo’s calls: recent conversations came in as answered calls, with abandoned, callback and out-of-hours calls around them', async () => {
  await loadDemoData(ctx.db, { profiles: ctx.profiles.all(), now: NOW, calendar: ctx.calendar, calendars: ctx.calendars });
  const made = await seedDemoCalls(ctx.db, ctx.profiles, ctx.calendars, NOW);
  assert.ok(made > 20, `only ${made} calls`);
  const calls = await ctx.db.selectFrom('calls').selectAll().execute();
  assert.equal(calls.length, made);
  assert.ok(calls.every((c) => c.state === 'ended' && c.outcome && new Date(c.offered_at) <= NOW), 'every demo call is over and in the past');
  const answered = calls.filter((c) => c.outcome === 'answered');
  assert.ok(answered.length > 0 && answered.every((c) => c.conversation_id && c.worker_id && c.caller_number));
  // The call was answered when its conversation started, by the worker who held it.
  const conversation = await ctx.db.selectFrom('conversations').selectAll().where('id', '=', answered[0]!.conversation_id!).executeTakeFirstOrThrow();
  assert.equal(new Date(conversation.started_at).getTime(), new Date(answered[0]!.answered_at!).getTime());
  assert.equal(conversation.worker_id, answered[0]!.worker_id);
  for (const outcome of ['abandoned', 'callback', 'out-of-hours'] as const) assert.ok(calls.some((c) => c.outcome === outcome), outcome);
  // Out-of-hours calls really were out of hours.
  for (const c of calls.filter((x) => x.outcome === 'out-of-hours')) assert.equal(ctx.calendars.forAuthority(c.authority_id).isOpen(new Date(c.offered_at)), false);

  const snapshot = await new TelephonyService(ctx).snapshot('norfolk');
  assert.ok(snapshot.today.offered > 0);
  assert.equal(snapshot.waitingCalls.length, 0);
  assert.ok(snapshot.callbacks.some((c) => c.status === 'waiting'), 'today’s last callback is still waiting');
});
