/**
 * MASH enquiries for the embedded demo, so the dashboard, a partner's requests, collation and a
 * decision each have something to show on a new machine. They are made through the MASH service
 * itself (with the clock set back to when each step would have happened), from the demo's recent
 * conversations whose outcome was MASH checks – so they obey every rule a real one does.
 * Partner agencies of a joint hub (Staffordshire and Stoke-on-Trent) are granted each other's authority.
 */
import type { AppContext } from '../../platform/context.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import { londonDateOf } from '../../domain/dates.js';
import { MashService } from './mash.service.js';

const MINUTE = 60_000;
/** How many recent MASH-checks conversations per authority become demo enquiries. */
const PER_AUTHORITY = 6;

export async function seedDemoMash(ctx: AppContext, now: Date): Promise<number> {
  await grantJointHubPartners(ctx, now);
  let made = 0;
  for (const profile of ctx.profiles.all()) {
    const codes = profile.outcomes.filter((o) => o.startsMashEnquiry).map((o) => o.code);
    if (!codes.length) continue;
    const staff = await ctx.db.selectFrom('users').selectAll().where('authority_id', '=', profile.id).where('disabled_at', 'is', null).execute();
    const principal = (role: Role, agency?: string): Principal | null => {
      const u = staff.find((x) => x.role === role && (agency === undefined || x.agency_code === agency));
      return u
        ? { kind: 'user', id: u.id, authorityId: u.authority_id, role: u.role as Role, displayName: u.display_name, agencyCode: u.agency_code, teamId: u.team_id, email: u.email }
        : null;
    };
    const coordinator = principal('mash-coordinator');
    const manager = principal('team-manager');
    const worker = principal('cads-worker');
    if (!coordinator || !manager || !worker) continue;
    const partners = ['police', 'health', 'education'].map((a) => principal('partner-practitioner', a)).filter((p): p is Principal => p !== null);
    // The most recent completed conversations with MASH checks.
    const recent = await ctx.db
      .selectFrom('conversations as c')
      .innerJoin('conversation_children as cc', (j) => j.onRef('cc.conversation_id', '=', 'c.id').onRef('cc.version', '=', 'c.current_version'))
      .select(['c.id', 'c.authority_id', 'c.reference', 'c.current_version', 'c.completed_at'])
      .where('c.authority_id', '=', profile.id)
      .where('c.status', '=', 'completed')
      .where('cc.outcome_code', 'in', codes)
      .where('c.completed_at', '<', new Date(now.getTime() - 2 * 60 * MINUTE))
      .groupBy(['c.id', 'c.authority_id', 'c.reference', 'c.current_version', 'c.completed_at'])
      .orderBy('c.completed_at', 'desc')
      .limit(PER_AUTHORITY)
      .execute();
    for (const [i, c] of recent.entries()) {
      const start = c.completed_at!;
      const at = (minutes: number) => new Date(Math.min(start.getTime() + minutes * MINUTE, now.getTime() - MINUTE));
      const service = (t: Date) => new MashService({ ...ctx, clock: { now: () => t } });
      await ctx.db.transaction().execute((tx) => service(start).onConversationCompleted(tx, c, c.current_version, null));
      const enquiry = await ctx.db.selectFrom('mash_enquiries').select(['id', 'lock_version']).where('conversation_id', '=', c.id).executeTakeFirst();
      if (!enquiry) continue;
      made++;
      // The newest waits for the coordinator's rating.
      if (i === 0) continue;
      const rag = (['amber', 'red', 'amber', 'green', 'amber'] as const)[(i - 1) % 5]!;
      const rated = await service(at(20)).rate(coordinator, enquiry.id, rag, null, enquiry.lock_version);
      if (!rated.ok) continue;
      const asked = partners.map((p) => p.agencyCode!);
      await service(at(30)).sendRequests(coordinator, enquiry.id, asked);
      // Older enquiries have more answers: the second has health's only (so the police and education
      // demo partners have a request waiting), the rest have all.
      const answering = i === 1 ? partners.filter((p) => p.agencyCode === 'health') : partners;
      for (const [k, p] of answering.entries()) {
        const request = await ctx.db.selectFrom('mash_check_requests').select('id').where('enquiry_id', '=', enquiry.id).where('agency_code', '=', p.agencyCode!).executeTakeFirst();
        if (!request) continue;
        const when = at(40 + k * 25);
        await service(when).respond(p, request.id, {
          kind: 'response',
          nothingKnown: k === 2,
          holds: k === 2 ? null : DEMO_HOLDS[p.agencyCode!] ?? 'Previous contact recorded; nothing current.',
          sourceSystem: DEMO_SYSTEMS[p.agencyCode!] ?? 'Agency case system',
          checkedOn: londonDateOf(when),
          riskInformation: p.agencyCode === 'police' ? 'No current bail conditions or markers at the address.' : null,
          lawfulBasisCode: 'public-task-children-act',
        });
      }
      if (i >= 3) {
        const e = await ctx.db.selectFrom('mash_enquiries').select('lock_version').where('id', '=', enquiry.id).executeTakeFirstOrThrow();
        await service(at(150)).saveAnalysis(worker, enquiry.id, {
          risks: 'Police and health information together suggest the worries are ongoing rather than a single incident.',
          strengths: 'The school reports good attendance and a trusted adult the child talks to.',
          unknowns: 'Whether the adults in the household accept that there is a problem.',
        }, e.lock_version);
      }
      if (i >= 4) {
        const decision = profile.mash.outcomes.find((o) => o.code === 'child-and-family-assessment') ?? profile.mash.outcomes[0]!;
        await service(at(180)).decide(manager, enquiry.id, decision.code, 'The checks show needs that a child and family assessment should look at with the family.');
      }
    }
  }
  return made;
}

/** Illustrative answers, one per agency, as a practitioner might write them. */
const DEMO_HOLDS: Record<string, string> = {
  police: 'Two domestic incidents at the address in the last year, both graded standard risk; no arrests.',
  health: 'Registered with the GP; immunisations up to date; one A&E attendance in the spring for a minor injury.',
  education: 'Attendance 91% this term; the school has noticed the child is often tired and hungry on Mondays.',
};
const DEMO_SYSTEMS: Record<string, string> = {
  police: 'Niche RMS',
  health: 'SystmOne',
  education: 'School information management system',
};

/**
 * Each partner practitioner serves the other authorities of their hub (Staffordshire and
 * Stoke-on-Trent's police, health and education staff work in one MASH).
 */
async function grantJointHubPartners(ctx: AppContext, now: Date): Promise<void> {
  const partners = await ctx.db.selectFrom('users').select(['id', 'authority_id']).where('role', '=', 'partner-practitioner').execute();
  const rows = partners.flatMap((u) => {
    if (!ctx.profiles.has(u.authority_id)) return [];
    const hub = ctx.profiles.get(u.authority_id).mash.hub.id;
    return ctx.profiles
      .all()
      .filter((p) => p.id !== u.authority_id && p.mash.hub.id === hub)
      .map((p) => ({ user_id: u.id, authority_id: p.id, granted_by: null, granted_at: now }));
  });
  if (rows.length) await ctx.db.insertInto('user_served_authorities').values(rows).onConflict((oc) => oc.doNothing()).execute();
}
