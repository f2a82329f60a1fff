import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/support/harness.js';
import { loadDemoData } from '../demo/demo-data.js';
import { seedDemoReferrals } from './demo-referrals.js';

const NOW = new Date('2026-11-23T15:00:00Z');

describe('demo written referrals', () => {
  let ctx: TestContext;
  let made = 0;
  before(async () => {
    ctx = await createTestContext(NOW.toISOString());
    await loadDemoData(ctx.db, { profiles: ctx.profiles.all(), now: NOW, calendar: ctx.calendar });
    made = await seedDemoReferrals(ctx, NOW);
  });
  after(() => ctx.close());

  it('gives every authority an overdue referral, a possible duplicate and one phoned back, from police and ambulance', async () => {
    assert.equal(made, 4 * 3, `${made} referrals`);
    for (const p of ctx.profiles.all()) {
      const rows = await ctx.db.selectFrom('referrals').selectAll().where('authority_id', '=', p.id).execute();
      assert.ok(rows.some((r) => r.status === 'waiting' && r.due_at.getTime() < NOW.getTime()), `${p.id} has an overdue referral`);
      assert.ok(rows.some((r) => r.status === 'waiting' && r.possible_duplicate_of !== null), `${p.id} has a possible duplicate`);
      const phoned = rows.find((r) => r.status === 'conversation');
      assert.ok(phoned?.conversation_id, `${p.id} has one turned into a conversation`);
      assert.deepEqual([...new Set(rows.map((r) => r.agency_code))].sort(), ['ambulance', 'police'], `${p.id}: from police and ambulance`);
    }
  });

  it('does nothing the second time', async () => {
    assert.equal(await seedDemoReferrals(ctx, NOW), 0, 'nothing new');
  });
});
