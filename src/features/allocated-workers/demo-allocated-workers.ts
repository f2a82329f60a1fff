/**
 * Allocated workers for the demo: the children of the demo's "Passed to the allocated worker"
 * conversations get an allocated worker (every other one the authority's locality social worker,
 * `locality.worker@`, who uses Front Door; the rest a family practitioner who does not), one has an
 * earlier, ended allocation in their history, and two conversations are passed on through the
 * completion hook itself: the newest waits for the locality worker to acknowledge it, the other is
 * already acknowledged. Does nothing when any allocation exists.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import { addDays, londonDateOf } from '../../domain/dates.js';
import { AllocatedWorkersService } from './allocated-workers.service.js';

const PER_AUTHORITY = 10;
const PRACTITIONERS = ['Jade Whitmore', 'Ravi Chandran', 'Megan Lister', 'Tomasz Nowak', 'Aisha Begum'];

export async function seedDemoAllocatedWorkers(ctx: AppContext, now: Date): Promise<number> {
  const any = await ctx.db.selectFrom('worker_allocations').select('id').limit(1).executeTakeFirst();
  if (any) return 0;
  let made = 0;
  for (const profile of ctx.profiles.all()) {
    const codes = profile.outcomes.filter((o) => o.passesToAllocatedWorker).map((o) => o.code);
    if (!codes.length) continue;
    const staff = await ctx.db.selectFrom('users').selectAll().where('authority_id', '=', profile.id).where('disabled_at', 'is', null).execute();
    const locality = staff.find((u) => u.email.startsWith('locality.worker@'));
    const manager = staff.find((u) => u.role === 'team-manager');
    if (!locality || !manager) continue;
    const domain = locality.email.split('@')[1]!;
    const recent = await ctx.db
      .selectFrom('conversations as c')
      .innerJoin('conversation_children as cc', (j) => j.onRef('cc.conversation_id', '=', 'c.id').onRef('cc.version', '=', 'c.current_version'))
      .select(['c.id', 'c.completed_at', 'c.started_at'])
      .where('c.authority_id', '=', profile.id)
      .where('c.status', '=', 'completed')
      .where('cc.outcome_code', 'in', codes)
      .where('c.completed_at', '<', new Date(now.getTime() - 60 * 60_000))
      .groupBy(['c.id', 'c.completed_at', 'c.started_at'])
      .orderBy('c.completed_at', 'desc')
      .limit(PER_AUTHORITY)
      .execute();
    const toLocality: string[] = [];
    for (const [i, c] of recent.entries()) {
      const children = await ctx.db
        .selectFrom('conversation_children as cc')
        .innerJoin('conversations as c', 'c.id', 'cc.conversation_id')
        .select('cc.person_id')
        .where('cc.conversation_id', '=', c.id)
        .whereRef('cc.version', '=', 'c.current_version')
        .where('cc.outcome_code', 'in', codes)
        .execute();
      const linked = i % 2 === 0;
      const started = londonDateOf(new Date(c.started_at.getTime() - (40 + i * 7) * 86_400_000));
      const practitioner = PRACTITIONERS[i % PRACTITIONERS.length]!;
      for (const { person_id } of children) {
        const taken = await ctx.db.selectFrom('worker_allocations').select('id').where('person_id', '=', person_id).where('ended_at', 'is', null).executeTakeFirst();
        if (taken) continue;
        if (i === 3) {
          // A history: an earlier worker whose allocation ended when the case moved team.
          await ctx.db.insertInto('worker_allocations').values({
            id: randomUUID(), authority_id: profile.id, person_id, kind: 'social-worker', worker_name: 'Dominic Hale', team: 'Assessment team (East)',
            phone: '01632 960 411', email: `dominic.hale@${domain}`, user_id: null, start_date: addDays(started, -200), end_date: addDays(started, -1),
            end_reason: 'Transferred to another team', ended_at: new Date(`${addDays(started, -1)}T17:00:00Z`), ended_by: manager.id,
            created_by: manager.id, created_at: new Date(`${addDays(started, -200)}T10:00:00Z`), updated_by: manager.id, updated_at: new Date(`${addDays(started, -1)}T17:00:00Z`),
          }).execute();
        }
        await ctx.db.insertInto('worker_allocations').values({
          id: randomUUID(), authority_id: profile.id, person_id,
          kind: linked ? 'social-worker' : 'family-practitioner',
          worker_name: linked ? locality.display_name : practitioner,
          team: linked ? 'Children in need locality team' : 'Family support team',
          phone: linked ? (locality.phone ?? '01632 960 200') : `01632 960 ${String(300 + i).padStart(3, '0')}`,
          email: linked ? locality.email : `${practitioner.toLowerCase().replace(/\s+/g, '.')}@${domain}`,
          user_id: linked ? locality.id : null,
          start_date: started, end_date: null, end_reason: null, ended_at: null, ended_by: null,
          created_by: manager.id, created_at: new Date(`${started}T10:00:00Z`), updated_by: manager.id, updated_at: new Date(`${started}T10:00:00Z`),
        }).execute();
        made++;
      }
      if (linked) toLocality.push(c.id);
    }
    // Two conversations passed to the locality worker through the completion hook, at the time they were completed.
    const principal = (u: (typeof staff)[number]): Principal => ({ kind: 'user', id: u.id, authorityId: u.authority_id, role: u.role as Role, displayName: u.display_name, agencyCode: u.agency_code, teamId: u.team_id, email: u.email });
    for (const [k, id] of toLocality.slice(0, 2).entries()) {
      const c = await ctx.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      const at = c.completed_at!;
      const service = (t: Date) => new AllocatedWorkersService({ ...ctx, clock: { now: () => t } });
      try {
        await ctx.db.transaction().execute((tx) => service(at).completionHook()(tx, c, c.current_version, c.worker_id));
      } catch {
        continue; // a child of it without an allocation: leave this one out of the demo
      }
      if (k === 1) {
        const notice = await ctx.db.selectFrom('allocated_worker_notices').select('id').where('conversation_id', '=', id).executeTakeFirst();
        if (notice) await service(new Date(Math.min(at.getTime() + 3 * 60 * 60_000, now.getTime()))).acknowledge(principal(locality), notice.id, { principal: principal(locality), ip: null, requestId: null });
      }
    }
  }
  return made;
}
