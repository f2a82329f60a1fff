// issue10-E: the demo's older records put something on every retention list, once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestContext, createUser, type TestContext } from '../../../test/support/harness.js';
import { seedDemoRetention } from './demo-retention.js';

let ctx: TestContext;
before(async () => {
  ctx = await createTestContext('2026-11-23T10:00:00Z');
  await createUser(ctx, { role: 'cads-worker' });
});
after(async () => ctx?.close());

test('the demo seeds older records that the review lists, and seeds them only once', async () => {
  const made = await seedDemoRetention(ctx, ctx.clock.now());
  assert.equal(made, 4, 'four conversations in Norfolk (the only authority with a worker here)');
  const rows = await ctx.db.selectFrom('retention_reviews').select(['record_type', 'dispose_on']).where('authority_id', '=', 'norfolk').execute();
  const of = (t: string) => rows.filter((r) => r.record_type === t);
  assert.equal(of('conversations').length, 3, 'three conversations listed; the one shared with a younger sister is kept');
  assert.equal(of('conversations').filter((r) => r.dispose_on <= '2026-11-23').length, 2, 'two past their disposal date, one due for review');
  assert.equal(of('calls').length, 1, 'the unanswered call');
  assert.equal(of('partnerQuestions').length, 1, 'the partner’s question');
  assert.equal(await seedDemoRetention(ctx, ctx.clock.now()), 0, 'a second start adds nothing');
});
