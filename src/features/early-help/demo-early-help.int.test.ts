import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/support/harness.js';
import { loadDemoData } from '../demo/demo-data.js';
import { seedDemoEarlyHelp } from './demo-early-help.js';

const NOW = new Date('2026-11-23T15:00:00Z');

describe('demo Early Help requests', () => {
  let ctx: TestContext;
  let made = 0;
  before(async () => {
    ctx = await createTestContext(NOW.toISOString());
    await loadDemoData(ctx.db, { profiles: ctx.profiles.all(), now: NOW, calendar: ctx.calendar });
    made = await seedDemoEarlyHelp(ctx, NOW);
  });
  after(() => ctx.close());

  it('makes requests in every status in every authority, through the service', async () => {
    assert.ok(made >= 3 * 6, `${made} requests made`);
    for (const p of ctx.profiles.all()) {
      const rows = await ctx.db.selectFrom('early_help_requests').select('status').where('authority_id', '=', p.id).execute();
      const statuses = new Set(rows.map((r) => r.status));
      for (const s of ['details-needed', 'sent', 'accepted', 'declined'] as const) assert.ok(statuses.has(s), `${p.id} has a request ${s} (has ${[...statuses].join(', ')})`);
    }
    for (const p of ctx.profiles.all()) {
      const waiting = await ctx.db.selectFrom('early_help_requests as r').innerJoin('conversations as c', 'c.id', 'r.conversation_id').innerJoin('users as u', 'u.id', 'c.worker_id')
        .select('r.id').where('r.authority_id', '=', p.id).where('r.status', '=', 'details-needed').where('u.email', 'like', 'cads.worker@%').execute();
      assert.ok(waiting.length >= 1, `the demo CADS worker of ${p.id} has a request to complete`);
    }
    const emails = await ctx.db.selectFrom('notifications').select('id').where('kind', '=', 'early-help-request').execute();
    assert.ok(emails.length >= 3 * 4, `the sent ones told their team (${emails.length})`);
  });

  it('does nothing the second time', async () => {
    assert.equal(await seedDemoEarlyHelp(ctx, NOW), 0, 'no more requests');
  });
});
