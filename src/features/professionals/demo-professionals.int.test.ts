import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/support/harness.js';
import { loadDemoData } from '../demo/demo-data.js';
import { seedDemoProfessionals } from './demo-professionals.js';
import { ProfessionalsService } from './professionals.service.js';
import type { Principal } from '../../platform/auth/roles.js';

const NOW = new Date('2026-11-23T15:00:00Z');

describe('the demo professional directory', () => {
  let ctx: TestContext;
  let added = 0;
  before(async () => {
    ctx = await createTestContext(NOW.toISOString());
    await loadDemoData(ctx.db, { profiles: ctx.profiles.all(), now: NOW, calendar: ctx.calendar });
    added = (await seedDemoProfessionals(ctx, NOW)).added;
  });
  after(() => ctx.close());

  it('is built once from the conversations with professionals, with repeat callers linked', async () => {
    assert.ok(added > 100, `${added} entries added`);
    assert.equal((await seedDemoProfessionals(ctx, NOW)).added, 0, 'a second run adds nothing');
    const links = await ctx.db.selectFrom('conversation_professionals').select(['professional_id']).execute();
    const perEntry = new Map<string, number>();
    for (const l of links) perEntry.set(l.professional_id, (perEntry.get(l.professional_id) ?? 0) + 1);
    assert.ok([...perEntry.values()].some((n) => n > 1), 'some professionals have called more than once');
    const publicLinked = await ctx.db
      .selectFrom('conversation_professionals as cp')
      .innerJoin('conversations as c', 'c.id', 'cp.conversation_id')
      .innerJoin('conversation_versions as v', (j) => j.onRef('v.conversation_id', '=', 'c.id').onRef('v.version', '=', 'c.current_version'))
      .select('c.id')
      .where('v.caller_type', '<>', 'professional')
      .execute();
    assert.equal(publicLinked.length, 0, 'no member of the public is in the directory');
  });

  it('has, in every authority, two entries with the same name to merge', async () => {
    for (const p of ctx.profiles.all()) {
      const rows = await ctx.db.selectFrom('professionals').select(['name', 'phone_e164']).where('authority_id', '=', p.id).where('merged_into', 'is', null).execute();
      const byName = new Map<string, Set<string | null>>();
      for (const r of rows) byName.set(r.name, (byName.get(r.name) ?? new Set()).add(r.phone_e164));
      assert.ok([...byName.values()].some((phones) => phones.size > 1), `${p.id} has a same-name pair with different phones`);
    }
  });

  it('recognises a repeat caller by their number', async () => {
    const entry = await ctx.db
      .selectFrom('professionals as p')
      .innerJoin('conversation_professionals as cp', 'cp.professional_id', 'p.id')
      .select(['p.id', 'p.authority_id', 'p.phone'])
      .where('p.phone', 'is not', null)
      .groupBy(['p.id', 'p.authority_id', 'p.phone'])
      .having((eb) => eb.fn.countAll(), '>', 1)
      .executeTakeFirstOrThrow();
    const principal = { kind: 'user', id: '00000000-0000-4000-8000-000000000000', authorityId: entry.authority_id, role: 'cads-worker', displayName: 'x', agencyCode: null, teamId: null, email: null } as Principal;
    const known = await new ProfessionalsService(ctx).knownCallers(principal, { phone: entry.phone });
    const found = known.find((k) => k.id === entry.id);
    assert.ok(found, 'the repeat caller is known');
    assert.ok(found.conversations > 1, 'with their conversations counted');
  });
});
