import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/support/harness.js';
import { loadDemoData } from '../demo/demo-data.js';
import { seedDemoMash } from './demo-mash.js';
import { MashService } from './mash.service.js';
import type { Principal, Role } from '../../platform/auth/roles.js';

const NOW = new Date('2026-11-23T15:00:00Z');

describe('demo MASH enquiries', () => {
  let ctx: TestContext;
  let made = 0;
  before(async () => {
    ctx = await createTestContext(NOW.toISOString());
    await loadDemoData(ctx.db, { profiles: ctx.profiles.all(), now: NOW, calendar: ctx.calendar });
    made = await seedDemoMash(ctx, NOW);
  });
  after(() => ctx.close());

  async function principal(authorityId: string, role: Role, agency?: string): Promise<Principal> {
    let q = ctx.db.selectFrom('users').selectAll().where('authority_id', '=', authorityId).where('role', '=', role);
    if (agency) q = q.where('agency_code', '=', agency);
    const u = await q.executeTakeFirstOrThrow();
    return { kind: 'user', id: u.id, authorityId, role, displayName: u.display_name, agencyCode: u.agency_code, teamId: u.team_id, email: u.email };
  }

  it('makes enquiries at every stage in every authority, through the service', async () => {
    assert.ok(made >= 3 * 5, `${made} enquiries`);
    for (const p of ctx.profiles.all()) {
      const rows = await ctx.db.selectFrom('mash_enquiries').select('status').where('authority_id', '=', p.id).execute();
      const statuses = new Set(rows.map((r) => r.status));
      for (const s of ['awaiting-rating', 'checks', 'decision', 'closed'] as const) assert.ok(statuses.has(s), `${p.id} has an enquiry ${s}`);
    }
    const responses = await ctx.db.selectFrom('mash_check_responses').select('id').execute();
    assert.ok(responses.length > 10);
  });

  it('lets the joint hub’s partners see both councils’ requests, and Norfolk’s only Norfolk’s', async () => {
    const mash = new MashService(ctx);
    const stokePolice = await principal('stoke-on-trent', 'partner-practitioner', 'police');
    const seen = new Set((await mash.requestsForAgency(stokePolice)).map((r) => r.authorityId));
    assert.deepEqual([...seen].sort(), ['staffordshire', 'stoke-on-trent']);
    const norfolkPolice = await principal('norfolk', 'partner-practitioner', 'police');
    assert.deepEqual([...new Set((await mash.requestsForAgency(norfolkPolice)).map((r) => r.authorityId))], ['norfolk']);
    const health = await principal('staffordshire', 'partner-practitioner', 'health');
    for (const r of await mash.requestsForAgency(health)) assert.equal(r.agencyCode, 'health');
  });
});
