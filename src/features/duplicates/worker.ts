import type { AppContext } from '../../platform/context.js';
import { QUEUES } from '../../platform/jobs.js';
import { DuplicatesService } from './duplicates.service.js';

/** When the nightly scan runs: 02:00 London time, when hardly anyone is recording. */
export const DUPLICATES_SCAN_CRON = '0 2 * * *';

/**
 * Takes duplicate-scan jobs in this process, and (re)sets the nightly schedule. The scan only
 * proposes pairs for a worker to review; it never merges.
 */
export async function startDuplicateScanWorker(ctx: AppContext, pollingIntervalSeconds = 5): Promise<void> {
  const service = new DuplicatesService(ctx);
  // One scan at a time: a scan reads a whole authority, and two would only repeat each other's work.
  await ctx.jobs.work<{ authorityId?: string }>(QUEUES.duplicatesScan, (job) => service.runScanJob(job.data ?? {}), pollingIntervalSeconds, 1);
  await ctx.jobs.schedule(QUEUES.duplicatesScan, DUPLICATES_SCAN_CRON, {}, 'Europe/London');
}
