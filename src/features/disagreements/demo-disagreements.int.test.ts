import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/support/harness.js';
import { loadDemoData } from '../demo/demo-data.js';
import { seedDemoDisagreements } from './demo-disagreements.js';

const NOW = new Date('2026-11-23T15:00:00Z');

describe('demo professional disagreements', () => {
  let ctx: TestContext;
  let made = 0;
  before(async () => {
    ctx = await createTestContext(NOW.toISOString());
    await loadDemoData(ctx.db, { profiles: ctx.profiles.all(), now: NOW, calendar: ctx.calendar });
    made = await seedDemoDisagreements(ctx, NOW);
  });
  after(() => ctx.close());

  it('makes one open at stage 1, one overdue at stage 2, one resolved at stage 2 and one not resolved, in every authority', async () => {
    assert.ok(made >= 3 * 4, `${made} disagreements made`);
    for (const p of ctx.profiles.all()) {
      const rows = await ctx.db
        .selectFrom('disagreements as d')
        .innerJoin('disagreement_stages as s', (j) => j.onRef('s.disagreement_id', '=', 'd.id').onRef('s.stage', '=', 'd.current_stage'))
        .select(['d.status', 'd.current_stage', 's.due_at', 's.responded_at'])
        .where('d.authority_id', '=', p.id)
        .execute();
      assert.ok(rows.some((r) => r.status === 'open' && r.current_stage === 1), `${p.id}: one open at stage 1`);
      assert.ok(rows.some((r) => r.status === 'open' && r.current_stage === 2 && r.due_at < NOW), `${p.id}: one overdue at stage 2`);
      assert.ok(rows.some((r) => r.status === 'resolved' && r.current_stage === 2), `${p.id}: one resolved at stage 2`);
      assert.ok(rows.some((r) => r.status === 'unresolved' && r.current_stage === 4), `${p.id}: one not resolved after stage 4`);
    }
  });

  it('does nothing the second time', async () => {
    assert.equal(await seedDemoDisagreements(ctx, NOW), 0, 'nothing more made');
  });
});
