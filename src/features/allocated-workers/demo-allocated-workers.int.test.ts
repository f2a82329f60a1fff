import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/support/harness.js';
import { loadDemoData } from '../demo/demo-data.js';
import { seedDemoAllocatedWorkers } from './demo-allocated-workers.js';

const NOW = new Date('2026-11-23T15:00:00Z');

describe('demo allocated workers', () => {
  let ctx: TestContext;
  let made = 0;
  before(async () => {
    ctx = await createTestContext(NOW.toISOString());
    await loadDemoData(ctx.db, { profiles: ctx.profiles.all(), now: NOW, calendar: ctx.calendar });
    made = await seedDemoAllocatedWorkers(ctx, NOW);
  });
  after(() => ctx.close());

  it('gives children in every authority an allocated worker, some of them the locality worker', async () => {
    assert.ok(made >= 3 * 4, `${made} allocations made`);
    for (const p of ctx.profiles.all()) {
      const rows = await ctx.db
        .selectFrom('worker_allocations as a')
        .leftJoin('users as u', 'u.id', 'a.user_id')
        .select(['a.id', 'a.ended_at', 'u.email'])
        .where('a.authority_id', '=', p.id)
        .execute();
      assert.ok(rows.filter((r) => r.ended_at === null).length >= 4, `${p.id} has current allocations`);
      assert.ok(rows.some((r) => r.email?.startsWith('locality.worker@')), `${p.id} has some linked to the locality worker`);
      assert.ok(rows.some((r) => r.ended_at !== null), `${p.id} has an ended allocation in a history`);
    }
  });

  it('passes a conversation to each locality worker awaiting acknowledgement, and one acknowledged', async () => {
    for (const p of ctx.profiles.all()) {
      const notices = await ctx.db
        .selectFrom('allocated_worker_notices as n')
        .innerJoin('worker_allocations as a', 'a.id', 'n.allocation_id')
        .innerJoin('users as u', 'u.id', 'a.user_id')
        .select(['n.id', 'n.acknowledged_at', 'u.email'])
        .where('n.authority_id', '=', p.id)
        .execute();
      assert.ok(notices.some((n) => n.acknowledged_at === null && n.email.startsWith('locality.worker@')), `${p.id}: one waits for the locality worker`);
      assert.ok(notices.some((n) => n.acknowledged_at !== null), `${p.id}: one is acknowledged`);
      const tasks = await ctx.db.selectFrom('tasks').select('id').where('authority_id', '=', p.id).where('kind', '=', 'allocated-worker').where('done_at', 'is', null).execute();
      assert.ok(tasks.length >= 1, `${p.id}: the waiting one is a task`);
    }
  });

  it('does nothing the second time', async () => {
    assert.equal(await seedDemoAllocatedWorkers(ctx, NOW), 0, 'idempotent');
  });
});
