import type { AppContext } from '../../platform/context.js';
import { QUEUES } from '../../platform/jobs.js';
import { recordAudit } from '../../platform/audit.js';
import { formatDateLong } from '../../domain/dates.js';
import { escapeHtml } from '../written-records/render-html.js';
import { NotificationSender, type NewNotification } from '../mash/notifications.js';
import { DisagreementsService } from './disagreements.service.js';

/** Hourly at a quarter past: a stage falling overdue at the end of its day is told about the next morning. */
export const DISAGREEMENT_OVERDUE_SCAN_CRON = '15 * * * *';

/** What the email says: a reference, the stage, the due date and a link. Never a child's name. */
export function overdueStageEmail(f: { serviceName: string; reference: string; stageLabel: string; dueOn: string; link: string }) {
  const subject = `Overdue professional disagreement: ${f.reference}, ${f.stageLabel}`;
  const lines = [
    `Professional disagreement ${f.reference} is at ${f.stageLabel}, which was due by the end of ${formatDateLong(f.dueOn)} and has no response yet.`,
    'Sign in to Front Door to record the response at this stage, or to escalate it:',
  ];
  const footer = 'This email does not name the child: their details are only in Front Door.';
  const text = [...lines, f.link, footer, f.serviceName].join('\n\n') + '\n';
  const p = 'margin:0 0 15px 0;font-size:16px;line-height:1.5;color:#0b0c0c;';
  const html = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:20px 15px;font-family:Arial, sans-serif;color:#0b0c0c;">
<h1 style="margin:0 0 20px 0;font-size:24px;line-height:1.25;">Overdue professional disagreement</h1>
${lines.map((l) => `<p style="${p}">${escapeHtml(l)}</p>`).join('\n')}
<p style="${p}"><a href="${escapeHtml(f.link)}" style="color:#1d70b8;">${escapeHtml(f.link)}</a></p>
<p style="${p}">${escapeHtml(footer)}</p>
<p style="${p}">${escapeHtml(f.serviceName)}</p>
</body>
</html>
`;
  return { subject, text, html };
}

/**
 * The overdue scan: each open stage past its due time is told once to its owner – the worker who
 * held the conversation at stage 1, the authority's team managers at later stages – as a staff
 * notification (kind `escalation-overdue`). The stage is marked told in the same transaction.
 */
export async function alertOverdueStages(ctx: AppContext, now: Date = ctx.clock.now()): Promise<number> {
  const service = new DisagreementsService(ctx);
  const sender = new NotificationSender(ctx);
  const rows = await service.repo.overdueUnnotified(ctx.db, now);
  let told = 0;
  for (const r of rows) {
    const done = await ctx.db.transaction().execute(async (tx) => {
      if (!(await service.repo.markNotified(tx, r.stage_id, now))) return false;
      const profile = ctx.profiles.get(r.authority_id);
      let to: string[] = [];
      if (r.stage === 1 && r.worker_email) to = [r.worker_email];
      else {
        const managers = await tx.selectFrom('users').select('email').where('authority_id', '=', r.authority_id).where('role', '=', 'team-manager').where('disabled_at', 'is', null).orderBy('email').execute();
        to = managers.map((m) => m.email);
      }
      const link = `${ctx.config.baseUrl}/sign-in?next=${encodeURIComponent(`/disagreements/${r.id}`)}`;
      const email = overdueStageEmail({ serviceName: profile.service.name, reference: r.reference, stageLabel: r.stage_label, dueOn: r.due_on, link });
      const notifications: NewNotification[] = [...new Set(to)].map((address) => ({
        authorityId: r.authority_id, kind: 'escalation-overdue', mashRequestId: null, subjectType: 'disagreement-stage', subjectId: r.stage_id, to: address, ...email,
      }));
      const notificationIds = await sender.queue(tx, notifications);
      await recordAudit(tx, { principal: null, ip: null, requestId: null }, {
        action: 'disagreement.overdue-alerted', entityId: r.id, details: { authorityId: r.authority_id, stage: r.stage, notificationIds, dueOn: r.due_on },
      });
      return true;
    });
    if (done) told++;
  }
  return told;
}

/** Takes the overdue scan in this process and (re)sets its schedule. Notifications are sent by the MASH alerts worker's sender. */
export async function startDisagreementAlertsWorker(ctx: AppContext, pollingIntervalSeconds = 5): Promise<void> {
  await ctx.jobs.work(QUEUES.disagreementOverdueScan, async () => {
    await alertOverdueStages(ctx);
  }, pollingIntervalSeconds, 1);
  await ctx.jobs.schedule(QUEUES.disagreementOverdueScan, DISAGREEMENT_OVERDUE_SCAN_CRON, {}, 'Europe/London');
}
