import type { AppContext } from '../../platform/context.js';
import { QUEUES } from '../../platform/jobs.js';
import { TelephonyService } from './telephony.service.js';

/** 03:00 London time, after the duplicate scan and well outside any council's opening hours. */
export const TELEPHONY_TIDY_CRON = '0 3 * * *';

export async function startTelephonyWorker(ctx: AppContext, pollingIntervalSeconds = 30): Promise<void> {
  const phone = new TelephonyService(ctx);
  await ctx.jobs.work(QUEUES.telephonyTidy, async () => {
    await phone.tidy();
  }, pollingIntervalSeconds, 1);
  await ctx.jobs.schedule(QUEUES.telephonyTidy, TELEPHONY_TIDY_CRON, {}, 'Europe/London');
}
