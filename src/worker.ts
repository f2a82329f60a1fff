/**
 * A job worker on its own (`npm run worker`): sends written records and staff notifications, runs
 * the duplicate scan (nightly, or when a worker asks) and the MASH overdue scan (every five minutes). Run one or more beside the
 * web app (with RUN_WORKER=false on the app) when sending should not share the web process.
 */
import { loadConfig } from './config.js';
import { openDatabase } from './platform/db/database.js';
import { readAuthorityProfiles, AuthorityProfiles } from './platform/authorities.js';
import { loadWorkingCalendar, systemClock } from './platform/context.js';
import { ServiceCalendars } from './platform/calendars.js';
import { Jobs } from './platform/jobs.js';
import { createMailer } from './platform/mail/index.js';
import { startWrittenRecordWorker } from './features/written-records/worker.js';
import { startDuplicateScanWorker } from './features/duplicates/worker.js';
import { startTelephonyWorker } from './features/telephony/worker.js';
import { startMashAlertsWorker } from './features/mash/mash-alerts.js';
import { startMiRefreshWorker } from './features/mi/mi-refresh.js';
import { startDisagreementAlertsWorker } from './features/disagreements/disagreement-alerts.js';
import { startBeforeYouCallWorker } from './features/before-you-call/before-you-call.worker.js';
import { startRetentionWorker } from './features/retention/retention.worker.js'; // issue10-E

const config = loadConfig();
if (!config.databaseUrl) {
  process.stderr.write('npm run worker needs DATABASE_URL: with the embedded engine, the app runs its own worker.\n');
  process.exit(1);
}
const handle = openDatabase({ url: config.databaseUrl, poolSize: 4, schema: process.env.DB_SCHEMA });
const jobs = new Jobs({ url: config.databaseUrl, schema: process.env.JOBS_SCHEMA ?? 'pgboss', retryDelaySeconds: Number(process.env.JOBS_RETRY_DELAY_SECONDS ?? 30), expireInSeconds: Number(process.env.JOBS_EXPIRE_SECONDS ?? 300), maintenanceIntervalSeconds: Number(process.env.JOBS_MAINTENANCE_SECONDS ?? 60) });
await jobs.start();
const mailer = createMailer(config, handle.db, systemClock);
const profiles = new AuthorityProfiles(readAuthorityProfiles());
const workerCtx = { config, db: handle.db, profiles, calendar: loadWorkingCalendar(), calendars: ServiceCalendars.load(profiles), clock: systemClock, jobs, mailer };
await startWrittenRecordWorker(workerCtx, Number(process.env.JOBS_POLL_SECONDS ?? 2));
await startDuplicateScanWorker(workerCtx);
await startTelephonyWorker(workerCtx);
await startMashAlertsWorker(workerCtx);
await startMiRefreshWorker(workerCtx);
await startDisagreementAlertsWorker(workerCtx);
await startBeforeYouCallWorker(workerCtx);
await startRetentionWorker(workerCtx); // issue10-E
process.stdout.write(JSON.stringify({ worker: 'ready' }) + '\n');

const stop = async () => {
  await jobs.stop();
  await mailer.close?.();
  await handle.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
