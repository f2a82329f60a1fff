import type { AppContext } from '../../platform/context.js';
import { QUEUES } from '../../platform/jobs.js';
import { BeforeYouCallService } from './before-you-call.service.js';

/** Every morning at 7: sections of the "Before you call" pages a month past their last review are reminded once a month. */
export const REVIEW_REMINDER_CRON = '0 7 * * *';

/** Takes the review reminder job in this process and (re)sets its schedule. Sending is the notification worker's. */
export async function startBeforeYouCallWorker(ctx: AppContext, pollingIntervalSeconds = 30): Promise<void> {
  const service = new BeforeYouCallService(ctx);
  await ctx.jobs.work(QUEUES.faqReviewReminder, async () => {
    await service.remindReviews();
  }, pollingIntervalSeconds, 1);
  await ctx.jobs.schedule(QUEUES.faqReviewReminder, REVIEW_REMINDER_CRON, {}, 'Europe/London');
}
