import type { AppContext } from '../../platform/context.js';
import { QUEUES } from '../../platform/jobs.js';
import { recordAudit } from '../../platform/audit.js';
import { formatDateTimeLondon } from '../../domain/dates.js';
import { escapeHtml } from '../written-records/render-html.js';
import { MashService } from './mash.service.js';
import { NotificationSender, type NewNotification } from './notifications.js';

/** Every five minutes: an overdue check request is noticed within minutes, day or night. */
export const MASH_OVERDUE_SCAN_CRON = '*/5 * * * *';

/** What an overdue alert says. Only these fields: never a child's name or anything about the family. */
export interface OverdueAlertFacts {
  serviceName: string;
  hubName: string;
  enquiryReference: string;
  agencyLabel: string;
  dueAt: Date;
  /** 'overdue by 2 hours 5 minutes'. */
  overdueBy: string;
  signInUrl: string;
}

export function overdueAlertSubject(f: OverdueAlertFacts): string {
  return `Overdue MASH check: ${f.agencyLabel}, enquiry ${f.enquiryReference}`;
}

function overdueAlertLines(f: OverdueAlertFacts): string[] {
  return [
    `The ${f.agencyLabel} check for ${f.hubName} enquiry ${f.enquiryReference} was due by ${formatDateTimeLondon(f.dueAt)} and has not been answered.`,
    `It is ${f.overdueBy}.`,
    'Sign in to Front Door to see the request and answer it, or to follow it up with the agency:',
  ];
}

export function overdueAlertText(f: OverdueAlertFacts): string {
  return [
    ...overdueAlertLines(f),
    f.signInUrl,
    'This email does not name the children: their details are only in Front Door.',
    `${f.serviceName}`,
  ].join('\n\n') + '\n';
}

export function overdueAlertHtml(f: OverdueAlertFacts): string {
  const p = 'margin:0 0 15px 0;font-size:16px;line-height:1.5;color:#0b0c0c;';
  const a = 'color:#1d70b8;text-decoration:underline;';
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(overdueAlertSubject(f))}</title></head>
<body style="margin:0;padding:20px 15px;font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;color:#0b0c0c;">
<h1 style="margin:0 0 20px 0;font-size:24px;line-height:1.25;">Overdue MASH check</h1>
${overdueAlertLines(f).map((l) => `<p style="${p}">${escapeHtml(l)}</p>`).join('\n')}
<p style="${p}"><a href="${escapeHtml(f.signInUrl)}" style="${a}">${escapeHtml(f.signInUrl)}</a></p>
<p style="${p}">This email does not name the children: their details are only in Front Door.</p>
<p style="${p}">${escapeHtml(f.serviceName)}</p>
</body>
</html>
`;
}

/**
 * The overdue scan: open check requests past their deadline, in every authority, each alerted
 * once. System work, so no row scope. For each request not yet alerted, one transaction queues
 * a notification to the agency's MASH lead (from the authority profile) and to every active MASH
 * coordinator of the request's authority, marks the request alerted and audits it. Running it
 * twice sends nothing twice: the request is locked and checked again inside the transaction, and
 * the outbox's unique index refuses a second alert to the same address.
 */
export class MashAlerts {
  private readonly sender: NotificationSender;
  private readonly mash: MashService;
  constructor(private readonly ctx: AppContext) {
    this.sender = new NotificationSender(ctx);
    this.mash = new MashService(ctx);
  }

  /** Returns how many requests were alerted in this run. */
  async scan(now: Date = this.ctx.clock.now()): Promise<number> {
    const overdue = (await this.mash.overdueRequests(now)).filter((r) => r.overdue_alerted_at === null);
    let alerted = 0;
    for (const r of overdue) {
      if (await this.alert(r, now)) alerted++;
    }
    return alerted;
  }

  private async alert(r: Awaited<ReturnType<MashService['overdueRequests']>>[number], now: Date): Promise<boolean> {
    const profile = this.ctx.profiles.get(r.authority_id);
    const agency = profile.mash.checkAgencies.find((a) => a.code === r.agency_code);
    return this.ctx.db.transaction().execute(async (tx) => {
      // Another scan (another instance) may have got here first, or the agency answered meanwhile.
      const still = await tx
        .selectFrom('mash_check_requests')
        .select('id')
        .where('id', '=', r.id)
        .where('status', '=', 'open')
        .where('overdue_alerted_at', 'is', null)
        .where('due_at', '<', now)
        .forUpdate()
        .executeTakeFirst();
      if (!still) return false;
      const coordinators = await tx
        .selectFrom('users')
        .select('email')
        .where('authority_id', '=', r.authority_id)
        .where('role', '=', 'mash-coordinator')
        .where('disabled_at', 'is', null)
        .orderBy('email')
        .execute();
      // The agency's lead is taken to the request, the coordinators to the enquiry, after signing in.
      const signIn = (path: string) => `${this.ctx.config.baseUrl}/sign-in?next=${encodeURIComponent(path)}`;
      const addresses = new Map<string, { to: string; link: string }>();
      const recipients = [
        { to: agency?.leadEmail, link: signIn(`/mash/requests/${r.id}`) },
        ...coordinators.map((c) => ({ to: c.email, link: signIn(`/mash/enquiries/${r.enquiry_id}`) })),
      ];
      for (const { to, link } of recipients) {
        if (to && !addresses.has(to.toLowerCase())) addresses.set(to.toLowerCase(), { to, link });
      }
      const base: Omit<OverdueAlertFacts, 'signInUrl'> = {
        serviceName: profile.service.name,
        hubName: profile.mash.hub.name,
        enquiryReference: r.reference,
        agencyLabel: agency?.label ?? r.agency_code,
        dueAt: r.due_at,
        overdueBy: r.overdueBy,
      };
      const notifications: NewNotification[] = [...addresses.values()].map(({ to, link }) => {
        const facts: OverdueAlertFacts = { ...base, signInUrl: link };
        return { authorityId: r.authority_id, kind: 'mash-request-overdue', mashRequestId: r.id, to, subject: overdueAlertSubject(facts), text: overdueAlertText(facts), html: overdueAlertHtml(facts) };
      });
      const notificationIds = await this.sender.queue(tx, notifications);
      // Marked alerted even when there was no one to tell (no lead configured, no coordinators):
      // the dashboard still shows it overdue, and a scan every five minutes must not keep trying.
      await tx.updateTable('mash_check_requests').set({ overdue_alerted_at: now }).where('id', '=', r.id).execute();
      await recordAudit(tx, { principal: null, ip: null, requestId: null }, {
        action: 'mash.overdue-alerted',
        enquiryId: r.enquiry_id,
        details: { authorityId: r.authority_id, requestId: r.id, agencyCode: r.agency_code, notificationIds, dueAt: r.due_at.toISOString() },
      });
      return true;
    });
  }
}

/**
 * Takes the overdue scan and notification jobs in this process, and (re)sets the scan's schedule.
 * One scan at a time; sending goes on beside it.
 */
export async function startMashAlertsWorker(ctx: AppContext, pollingIntervalSeconds = 5): Promise<void> {
  const alerts = new MashAlerts(ctx);
  const sender = new NotificationSender(ctx);
  await ctx.jobs.work(QUEUES.mashOverdueScan, async () => {
    await alerts.scan();
  }, pollingIntervalSeconds, 1);
  await ctx.jobs.work<{ notificationId: string }>(
    QUEUES.sendNotification,
    (job) => sender.deliver(job.data.notificationId, { retryCount: job.retryCount, retryLimit: job.retryLimit }),
    pollingIntervalSeconds,
  );
  await ctx.jobs.schedule(QUEUES.mashOverdueScan, MASH_OVERDUE_SCAN_CRON, {}, 'Europe/London');
}
