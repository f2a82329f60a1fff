import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, createTestContext, createUser, signedInAgent, type TestContext } from '../../../test/support/harness.js';
import type { FastifyInstance } from 'fastify';
import { MashService } from './mash.service.js';
import type { Principal } from '../../platform/auth/roles.js';

describe('joint MASH partner grants', () => {
  let ctx: TestContext;
  let app: FastifyInstance;
  let stokePolice: { id: string; email: string };
  before(async () => {
    ctx = await createTestContext();
    app = await createTestApp(ctx);
    stokePolice = await createUser(ctx, { role: 'partner-practitioner', authorityId: 'stoke-on-trent', agencyCode: 'police', displayName: 'Pat Partner' });
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  const principalOf = (u: { id: string; email: string }, authorityId: string): Principal => ({
    kind: 'user', id: u.id, authorityId, role: 'partner-practitioner', displayName: 'Pat Partner', agencyCode: 'police', teamId: null, email: u.email,
  });

  it('an administrator grants a partner the other authority of the hub, and the service then serves it; the change is audited', async () => {
    const admin = await createUser(ctx, { role: 'administrator', authorityId: 'stoke-on-trent' });
    const agent = await signedInAgent(app, admin.email);
    const page = await agent.get('/admin/mash-partners');
    assert.equal(page.status, 200);
    assert.match(page.body, /Staffordshire County Council/);
    assert.match(page.body, /Pat Partner/);
    const mash = new MashService(ctx);
    assert.deepEqual(await mash.servedAuthorities(ctx.db, principalOf(stokePolice, 'stoke-on-trent')), ['stoke-on-trent']);
    const saved = await agent.post(`/admin/mash-partners/${stokePolice.id}`, { authorities: 'staffordshire' });
    assert.equal(saved.status, 303);
    assert.deepEqual(await mash.servedAuthorities(ctx.db, principalOf(stokePolice, 'stoke-on-trent')), ['stoke-on-trent', 'staffordshire']);
    const audit = await ctx.db.selectFrom('audit_events').select(['action', 'entity_id', 'details']).where('action', '=', 'mash.partner-authorities-changed').execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.entity_id, stokePolice.id);
    // Taking it away again.
    assert.equal((await agent.post(`/admin/mash-partners/${stokePolice.id}`, {})).status, 303);
    assert.deepEqual(await mash.servedAuthorities(ctx.db, principalOf(stokePolice, 'stoke-on-trent')), ['stoke-on-trent']);
  });

  it('refuses an authority outside the hub with an error summary, and saves nothing', async () => {
    const admin = await createUser(ctx, { role: 'administrator', authorityId: 'stoke-on-trent' });
    const agent = await signedInAgent(app, admin.email);
    const res = await agent.post(`/admin/mash-partners/${stokePolice.id}`, { authorities: ['staffordshire', 'norfolk'] });
    assert.equal(res.status, 400);
    assert.match(res.body, /govuk-error-summary/);
    assert.match(res.body, /Choose only authorities that share this MASH/);
    const rows = await ctx.db.selectFrom('user_served_authorities').selectAll().where('user_id', '=', stokePolice.id).execute();
    assert.equal(rows.length, 0);
  });

  it('a grant written straight into the table for an authority outside the hub counts for nothing', async () => {
    await ctx.db.insertInto('user_served_authorities').values({ user_id: stokePolice.id, authority_id: 'norfolk', granted_by: null, granted_at: new Date() }).execute();
    const mash = new MashService(ctx);
    assert.deepEqual(await mash.servedAuthorities(ctx.db, principalOf(stokePolice, 'stoke-on-trent')), ['stoke-on-trent']);
    await ctx.db.deleteFrom('user_served_authorities').where('user_id', '=', stokePolice.id).execute();
  });

  it('another authority’s administrator cannot change a partner, and non-administrators cannot see the page', async () => {
    const norfolkAdmin = await createUser(ctx, { role: 'administrator', authorityId: 'norfolk' });
    const agent = await signedInAgent(app, norfolkAdmin.email);
    assert.equal((await agent.post(`/admin/mash-partners/${stokePolice.id}`, {})).status, 404);
    const coordinator = await createUser(ctx, { role: 'mash-coordinator', authorityId: 'stoke-on-trent' });
    const c = await signedInAgent(app, coordinator.email);
    assert.equal((await c.get('/admin/mash-partners')).status, 403);
  });
});
