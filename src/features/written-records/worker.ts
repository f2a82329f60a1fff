import type { AppContext } from '../../platform/context.js';
import { QUEUES } from '../../platform/jobs.js';
import { WrittenRecordsService } from './written-records.service.js';

/** Starts taking written-record jobs off the queue in this process. */
export async function startWrittenRecordWorker(ctx: AppContext, pollingIntervalSeconds = 2, concurrency = 2): Promise<void> {
  const service = new WrittenRecordsService(ctx);
  // Several takers, so one slow SMTP conversation does not hold up the others.
  for (let i = 0; i < concurrency; i++) {
    await ctx.jobs.work<{ writtenRecordId: string }>(
      QUEUES.sendWrittenRecord,
      (job) => service.deliver(job.data.writtenRecordId, { retryCount: job.retryCount, retryLimit: job.retryLimit }),
      pollingIntervalSeconds,
    );
  }
}
