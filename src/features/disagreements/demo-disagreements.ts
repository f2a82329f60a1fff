/**
 * Professional disagreements for the demo, so the managers' list, the stages and the figures each
 * have something to show: per authority, from demo conversations where the caller did not agree,
 * one still at stage 1, one overdue at stage 2, one resolved at stage 2 and one not resolved after
 * the last stage. They are made through the service with the clock set back to when each step would
 * have happened, so they obey every rule a real one does. Does nothing where any already exist.
 */
import type { AppContext } from '../../platform/context.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import type { AuditContext } from '../../platform/audit.js';
import { DisagreementsService } from './disagreements.service.js';

const DAY = 24 * 60 * 60_000;

type Step = { afterDays: number; by: 'worker' | 'manager'; response: string; result: 'resolved' | 'escalate' | 'not-resolved'; note?: string };

/** What happens to each demo disagreement, by how many days ago it was raised. */
const PLANS: { ageDays: number; steps: Step[] }[] = [
  { ageDays: 1, steps: [] },
  {
    ageDays: 14,
    steps: [{ afterDays: 1, by: 'worker', response: 'Called the caller back and went through the threshold guidance; they still want it looked at again.', result: 'escalate' }],
  },
  {
    ageDays: 30,
    steps: [
      { afterDays: 1, by: 'worker', response: 'Talked it through with the caller; they asked for a manager to review it.', result: 'escalate' },
      { afterDays: 3, by: 'manager', response: 'Reviewed the record and spoke with the caller and the worker. Agreed a further conversation with the school nurse first.', result: 'resolved', note: 'Worker to speak to the school nurse; outcome to be reviewed in a week' },
    ],
  },
  {
    ageDays: 45,
    steps: [
      { afterDays: 1, by: 'worker', response: 'Explained the outcome; the caller disagrees and asked to escalate.', result: 'escalate' },
      { afterDays: 3, by: 'manager', response: 'Team manager reviewed; the outcome stands. The caller asked to escalate further.', result: 'escalate' },
      { afterDays: 7, by: 'manager', response: 'Service manager met the caller’s manager; no agreement.', result: 'escalate' },
      { afterDays: 14, by: 'manager', response: 'Head of service reviewed the case and the caller’s concerns; the outcome stands.', result: 'not-resolved', note: 'Referred to the safeguarding partnership under its escalation policy' },
    ],
  },
];

export async function seedDemoDisagreements(ctx: AppContext, now: Date): Promise<number> {
  let made = 0;
  for (const profile of ctx.profiles.all()) {
    const existing = await ctx.db.selectFrom('disagreements').select('id').where('authority_id', '=', profile.id).limit(1).executeTakeFirst();
    if (existing) continue;
    const staff = await ctx.db.selectFrom('users').selectAll().where('authority_id', '=', profile.id).where('disabled_at', 'is', null).execute();
    const principal = (role: Role): Principal | null => {
      const u = staff.find((x) => x.role === role);
      return u ? { kind: 'user', id: u.id, authorityId: u.authority_id, role: u.role as Role, displayName: u.display_name, agencyCode: u.agency_code, teamId: u.team_id, email: u.email } : null;
    };
    const worker = principal('cads-worker');
    const manager = principal('team-manager');
    if (!worker || !manager) continue;
    const used = new Set<string>();
    for (const plan of PLANS) {
      const raisedAt = new Date(now.getTime() - plan.ageDays * DAY);
      const c = await ctx.db
        .selectFrom('conversations as c')
        .innerJoin('conversation_children as cc', (j) => j.onRef('cc.conversation_id', '=', 'c.id').onRef('cc.version', '=', 'c.current_version'))
        .select(['c.id', 'c.authority_id', 'c.current_version', 'c.completed_at', 'c.worker_id'])
        .where('c.authority_id', '=', profile.id)
        .where('c.status', '=', 'completed')
        .where('cc.caller_agreed', '=', false)
        .where('c.completed_at', '<=', raisedAt)
        .orderBy('c.completed_at', 'desc')
        .limit(10)
        .execute();
      const conversation = c.find((x) => !used.has(x.id));
      if (!conversation) continue;
      used.add(conversation.id);
      const at = (t: Date) => new DisagreementsService({ ...ctx, clock: { now: () => t } });
      try {
        await ctx.db.transaction().execute((tx) => at(raisedAt).onConversationCompleted(tx, conversation, conversation.current_version, conversation.worker_id));
        const d = await ctx.db.selectFrom('disagreements').select('id').where('conversation_id', '=', conversation.id).executeTakeFirst();
        if (!d) continue;
        made++;
        for (const [i, step] of plan.steps.entries()) {
          const by = step.by === 'worker' ? worker : manager;
          const audit: AuditContext = { principal: by, ip: null, requestId: null };
          const when = new Date(Math.min(raisedAt.getTime() + step.afterDays * DAY, now.getTime() - 60_000));
          const r = await at(when).respond(by, d.id, { stage: String(i + 1), response: step.response, result: step.result, agreedOutcome: step.note ?? '', nextSteps: step.note ?? '' }, audit);
          if (!r.ok) break;
        }
      } catch {
        // A demo date beyond the bank holiday data: leave this one out rather than stop the start.
        continue;
      }
    }
  }
  return made;
}
