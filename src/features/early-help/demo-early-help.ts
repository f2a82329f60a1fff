/**
 * Early Help requests for the demo, so the worker's "complete the request" link, the Early Help
 * team's queue and the export each have something to show on a new machine. They are opened from
 * the demo's recent conversations whose outcome was an Early Help request and moved on through the
 * Early Help service itself (with the clock set back to when each step would have happened), so
 * they obey every rule a real one does. Does nothing where an authority already has requests.
 */
import type { AppContext } from '../../platform/context.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import type { AuditContext } from '../../platform/audit.js';
import { EarlyHelpService } from './early-help.service.js';
import type { EarlyHelpInput } from './early-help-rules.js';

const MINUTE = 60_000;
const PER_AUTHORITY = 8;
/** What becomes of each demo request, newest conversation first. */
const PLAN = ['details-needed', 'details-needed', 'consent-not-given', 'sent', 'sent', 'accepted', 'declined', 'closed'] as const;

export async function seedDemoEarlyHelp(ctx: AppContext, now: Date): Promise<number> {
  let made = 0;
  for (const profile of ctx.profiles.all()) {
    const codes = profile.outcomes.filter((o) => o.createsEarlyHelpRequest).map((o) => o.code);
    if (!codes.length) continue;
    const existing = await ctx.db.selectFrom('early_help_requests').select('id').where('authority_id', '=', profile.id).limit(1).executeTakeFirst();
    if (existing) continue;
    const staff = await ctx.db.selectFrom('users').selectAll().where('authority_id', '=', profile.id).where('disabled_at', 'is', null).execute();
    const asPrincipal = (u: (typeof staff)[number]): Principal => ({ kind: 'user', id: u.id, authorityId: u.authority_id, role: u.role as Role, displayName: u.display_name, agencyCode: u.agency_code, teamId: u.team_id, email: u.email });
    const team = staff.find((u) => u.role === 'early-help-practitioner');
    if (!team) continue;
    const practitioner = asPrincipal(team);
    const recentQuery = () => ctx.db
      .selectFrom('conversations as c')
      .innerJoin('conversation_children as cc', (j) => j.onRef('cc.conversation_id', '=', 'c.id').onRef('cc.version', '=', 'c.current_version'))
      .selectAll('c')
      .where('c.authority_id', '=', profile.id)
      .where('c.status', '=', 'completed')
      .where('cc.outcome_code', 'in', codes)
      .where('c.completed_at', '<', new Date(now.getTime() - 3 * 60 * MINUTE))
      .distinctOn(['c.completed_at', 'c.id'])
      .orderBy('c.completed_at', 'desc')
      .orderBy('c.id');
    // The demo's own CADS worker gets the newest request still to complete, so their home page shows one.
    const demoWorker = staff.find((u) => u.email.startsWith('cads.worker@'));
    const theirs = demoWorker ? await recentQuery().where('c.worker_id', '=', demoWorker.id).limit(1).execute() : [];
    const others = await recentQuery().limit(PER_AUTHORITY).execute();
    const recent = [...theirs, ...others.filter((c) => !theirs.some((t) => t.id === c.id))].slice(0, PER_AUTHORITY);
    for (const [i, c] of recent.entries()) {
      const start = c.completed_at!;
      const at = (minutes: number) => new Date(Math.min(start.getTime() + minutes * MINUTE, now.getTime() - MINUTE));
      const service = (t: Date) => new EarlyHelpService({ ...ctx, clock: { now: () => t } });
      const ids = await ctx.db.transaction().execute((tx) => service(start).onConversationCompleted(tx, c, c.current_version, c.worker_id));
      made += ids.length;
      const plan = PLAN[i % PLAN.length]!;
      const worker = staff.find((u) => u.id === c.worker_id);
      if (!worker || plan === 'details-needed') continue;
      const cads = asPrincipal(worker);
      const audit = (p: Principal): AuditContext => ({ principal: p, ip: null, requestId: null });
      for (const id of ids) {
        const form = await service(at(30)).editForm(cads, id, audit(cads));
        const r = form.request;
        const needs = profile.earlyHelp.needs;
        const input: EarlyHelpInput = {
          familyMemberIds: form.family.map((f) => f.id),
          needCodes: [needs[i % needs.length]!.code, needs[(i + 3) % needs.length]!.code],
          needsDetail: r.needs_detail ?? 'The family would like help with routines and school mornings.',
          consent: plan === 'consent-not-given' ? 'no' : 'yes',
          consentNotGivenReason: plan === 'consent-not-given' ? 'Parents said they do not want Early Help at the moment; the caller will keep in touch with them.' : null,
          leadName: r.lead_name ?? 'Sam Carter',
          leadRole: r.lead_role ?? 'Family support worker',
          leadAgency: r.lead_agency ?? 'Primary school',
          leadPhone: r.lead_phone && /^[0-9 ()+-]{6,30}$/.test(r.lead_phone) ? r.lead_phone : '01632 960 100',
          leadEmail: r.lead_email && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(r.lead_email) ? r.lead_email : null,
        };
        const saved = await service(at(35)).save(cads, id, input, plan === 'consent-not-given' ? 'save' : 'send', audit(cads));
        if (!saved.ok || plan === 'consent-not-given' || plan === 'sent') continue;
        if (plan === 'declined') {
          await service(at(24 * 60)).teamAction(practitioner, id, 'decline', { allocatedTo: null, reasonCode: 'needs-met-elsewhere', note: 'The school nurse is already supporting the family with the same needs.' }, audit(practitioner));
          continue;
        }
        await service(at(24 * 60)).teamAction(practitioner, id, 'accept', { allocatedTo: `${profile.earlyHelp.teamName}: locality family support`, reasonCode: null, note: 'A family support worker will call the family this week.' }, audit(practitioner));
        if (plan === 'closed') {
          await service(at(20 * 24 * 60)).teamAction(practitioner, id, 'close', { allocatedTo: null, reasonCode: null, note: 'Support plan completed; the family are managing well.' }, audit(practitioner));
        }
      }
    }
  }
  return made;
}
