/**
 * Written referrals for the demo, from each authority's demo police and ambulance users, so the
 * queue has something to show: one overdue, one on time, one possible duplicate of the overdue
 * one, and one a CADS worker has already phoned back (a draft conversation linked to it). They are
 * made through the referrals service, with the clock set back to when each would have arrived,
 * so they obey every rule a real one does. Does nothing for an authority that has referrals.
 */
import type { AppContext } from '../../platform/context.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import type { AuditContext } from '../../platform/audit.js';
import type { ReferralInput } from '../../domain/referral-rules.js';
import { ReferralsService } from './referrals.service.js';

const HOUR = 3_600_000;

export async function seedDemoReferrals(ctx: AppContext, now: Date): Promise<number> {
  let made = 0;
  for (const profile of ctx.profiles.all()) {
    const existing = await ctx.db.selectFrom('referrals').select('id').where('authority_id', '=', profile.id).limit(1).executeTakeFirst();
    if (existing) continue;
    const staff = await ctx.db.selectFrom('users').selectAll().where('authority_id', '=', profile.id).where('disabled_at', 'is', null).orderBy('email').execute();
    const principal = (role: Role, agency?: string): Principal | null => {
      const u = staff.find((x) => x.role === role && (agency === undefined || x.agency_code === agency));
      return u ? { kind: 'user', id: u.id, authorityId: u.authority_id, role: u.role as Role, displayName: u.display_name, agencyCode: u.agency_code, teamId: u.team_id, email: u.email } : null;
    };
    const police = principal('partner-practitioner', 'police');
    const ambulance = principal('partner-practitioner', 'ambulance');
    const worker = principal('cads-worker');
    if (!police || !ambulance || !worker) continue;
    const at = (t: Date) => new ReferralsService({ ...ctx, clock: { now: () => t } });
    const audit = (p: Principal): AuditContext => ({ principal: p, ip: null, requestId: 'demo' });
    const year = now.getUTCFullYear();
    const concern = profile.concernCategories.map((c) => c.code);
    const pick = (...codes: string[]) => {
      const found = codes.filter((c) => concern.includes(c));
      return found.length ? found : [concern[0]!];
    };
    const base = (over: Partial<ReferralInput>): ReferralInput => ({
      referrer: { name: police.displayName, role: 'Police constable', phone: '01632 960 101', email: police.email ?? '' },
      children: [],
      incident: { reference: '', at: now, place: '', postcode: '' },
      concernCategories: pick('domestic-abuse', 'neglect'),
      whatHappened: '',
      immediacy: 'soon',
      parentsInformed: 'yes',
      consentGiven: 'no',
      consentReasonCodes: ['risk-to-child'],
      consentReasonDetail: 'Telling the parent now could put the child at greater risk.',
      lawfulBasisCode: 'public-task-children-act',
      ...over,
    });
    const child = (given: string, family: string, dob: string, whereNow: string) => ({ givenName: given, familyName: family, dateOfBirth: dob, unborn: false, expectedDateOfBirth: null, addressLine1: '11 Orchard Row', town: 'Demo Town', postcode: '', whereNow });

    // 1. Received three days ago, never dealt with: overdue.
    const t1 = new Date(now.getTime() - 72 * HOUR);
    const first = await at(t1).submit(police, base({
      children: [child('Lacey', 'Fernhough', '2015-06-11', 'At home with her father')],
      incident: { reference: `PPN-${year}-0${profile.service.referencePrefix}01`, at: new Date(t1.getTime() - 5 * HOUR), place: '11 Orchard Row, Demo Town', postcode: '' },
      whatHappened: 'Police called to a domestic incident at 11 Orchard Row after neighbours heard shouting. Lacey (11) was upstairs and heard her mother being assaulted. Mother taken to hospital; father arrested and released under investigation, back at the address.',
    }), 'page', audit(police));
    if (first.ok) made++;

    // 2. The ambulance crew at the same incident, under their own reference: a possible duplicate.
    const t2 = new Date(t1.getTime() + 2 * HOUR);
    const ambulanceBase = { referrer: { name: ambulance.displayName, role: 'Paramedic', phone: '01632 960 202', email: ambulance.email ?? '' } };
    const dup = await at(t2).submit(ambulance, base({
      ...ambulanceBase,
      children: [child('Lacey', 'Fernhough', '2015-06-11', 'At home with her father')],
      incident: { reference: `EAS-${year}-${profile.service.referencePrefix}-4471`, at: new Date(t1.getTime() - 4 * HOUR), place: '11 Orchard Row, Demo Town', postcode: '' },
      whatHappened: 'Crew attended an adult female with facial injuries after an assault at home. An 11-year-old girl was in the house and very distressed.',
    }), 'api', audit(ambulance));
    if (dup.ok) made++;

    // 3. Arrived twenty minutes ago from the ambulance service: on time.
    const t3 = new Date(now.getTime() - 20 * 60_000);
    const fresh = await at(t3).submit(ambulance, base({
      ...ambulanceBase,
      children: [child('Reece', 'Maddox', '2019-02-03', 'Children’s ward, with his aunt')],
      incident: { reference: `EAS-${year}-${profile.service.referencePrefix}-5120`, at: new Date(t3.getTime() - 3 * HOUR), place: 'Flat 4, Canal Walk, Demo Town', postcode: '' },
      concernCategories: pick('neglect', 'parenting-substance-misuse'),
      immediacy: 'immediate', parentsInformed: 'no', consentGiven: 'no',
      whatHappened: 'Called to a mother found unresponsive after taking drugs. Reece (7) had let the crew in and had been alone with her since the morning. Mother admitted; Reece taken to hospital with his aunt.',
    }), 'page', audit(ambulance));
    if (fresh.ok) made++;

    // 4. About a child the service already knows: matched and phoned back (a draft conversation).
    const known = await ctx.db
      .selectFrom('persons')
      .select(['id', 'given_name', 'family_name', 'date_of_birth', 'postcode'])
      .where('authority_id', '=', profile.id)
      .where('merged_into_id', 'is', null)
      .where('given_name', 'is not', null)
      .where('family_name', 'is not', null)
      .where('date_of_birth', '>', `${year - 15}-01-01`)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    if (known?.date_of_birth) {
      const t4 = new Date(now.getTime() - 26 * HOUR);
      const phoned = await at(t4).submit(police, base({
        children: [{ ...child(known.given_name!, known.family_name!, known.date_of_birth, 'Staying with a grandparent'), postcode: known.postcode ?? '' }],
        incident: { reference: `PPN-${year}-0${profile.service.referencePrefix}02`, at: new Date(t4.getTime() - 8 * HOUR), place: 'Outside the Co-op, High Street, Demo Town', postcode: '' },
        concernCategories: pick('child-exploitation', 'neglect'),
        whatHappened: 'Found by officers at 1am with two older males not known to the family; had been reported missing by the carer at 9pm. Returned home; says she was given alcohol.',
      }), 'api', audit(police));
      if (phoned.ok && phoned.created) {
        made++;
        const service = at(new Date(t4.getTime() + HOUR));
        const children = await service.repo.children(ctx.db, [phoned.referral.id]);
        for (const c of children) await service.matchChild(worker, phoned.referral.id, c.id, known.id, audit(worker));
        await service.phoneBack(worker, phoned.referral.id, audit(worker));
      }
    }
  }
  return made;
}
