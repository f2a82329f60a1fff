// issue10-E: the daily retention review (a pg-boss job, like the other scheduled jobs).
import type { AppContext } from '../../platform/context.js';
import { QUEUES } from '../../platform/jobs.js';
import { RetentionService } from './retention.service.js';

/** Every night at 02:30, London time: lists what has reached its review or disposal date. It never deletes. */
export const RETENTION_REVIEW_CRON = '30 2 * * *';

/** Takes the daily review in this process and (re)sets its schedule. */
export async function startRetentionWorker(ctx: AppContext, pollingIntervalSeconds = 30): Promise<void> {
  const service = new RetentionService(ctx);
  await ctx.jobs.work(QUEUES.retentionReview, async () => {
    await service.reviewAll();
  }, pollingIntervalSeconds, 1);
  await ctx.jobs.schedule(QUEUES.retentionReview, RETENTION_REVIEW_CRON, {}, 'Europe/London');
}
