/**
 * The composition root: configuration, database, authority profiles and the web app are
 * built here, in one readable place.
 */
import { existsSync } from 'node:fs';
import { sql } from 'kysely';
import { join } from 'node:path';
import { loadConfig, ConfigError } from './config.js';
import { openDatabase } from './platform/db/database.js';
import { startEmbeddedEngine, type EmbeddedEngine } from './platform/db/embedded.js';
import { migrate } from './platform/db/migrate.js';
import { readAuthorityProfiles, syncAuthorityProfiles, AuthorityProfiles } from './platform/authorities.js';
import { loadWorkingCalendar, systemClock, type AppContext } from './platform/context.js';
import { ServiceCalendars } from './platform/calendars.js';
import { createServer } from './server.js';
import { MatchingService } from './features/matching/matching.service.js';
import { loadDemoData, demoUsers, DEMO_PASSWORD } from './features/demo/demo-data.js';
import { buildAssets, generatedDir } from '../scripts/build-assets.js';
import { PgSessionStore } from './platform/auth/session-store.js';
import { Jobs } from './platform/jobs.js';
import { createMailer } from './platform/mail/index.js';
import { startWrittenRecordWorker } from './features/written-records/worker.js';
import { startDuplicateScanWorker } from './features/duplicates/worker.js';
import { startTelephonyWorker } from './features/telephony/worker.js';
import { startMashAlertsWorker } from './features/mash/mash-alerts.js';
import { seedDemoCalls } from './features/telephony/demo-calls.js';
import { seedDemoMash } from './features/mash/demo-mash.js';
import { seedDemoReferrals } from './features/referrals/demo-referrals.js';
import { startMiRefreshWorker } from './features/mi/mi-refresh.js';
import { startDisagreementAlertsWorker } from './features/disagreements/disagreement-alerts.js';
import { seedDemoProfessionals } from './features/professionals/demo-professionals.js';
import { seedDemoEarlyHelp } from './features/early-help/demo-early-help.js';
import { seedDemoDisagreements } from './features/disagreements/demo-disagreements.js';
import { seedDemoBeforeYouCall } from './features/before-you-call/demo-before-you-call.js';
import { startBeforeYouCallWorker } from './features/before-you-call/before-you-call.worker.js';
import { startRetentionWorker } from './features/retention/retention.worker.js'; // issue10-E
import { seedDemoRetention } from './features/retention/demo-retention.js'; // issue10-E
import { seedDemoAllocatedWorkers } from './features/allocated-workers/demo-allocated-workers.js';

async function main() {
  const startedAt = Date.now();
  const config = loadConfig();
  if (!['app.css', 'phone.js'].every((f) => existsSync(join(generatedDir, f)))) buildAssets();

  let engine: EmbeddedEngine | null = null;
  let url = config.databaseUrl;
  if (!url) {
    engine = await startEmbeddedEngine(join(config.dataDir, 'pglite'));
    url = engine.url;
  }
  // On the embedded engine every query goes through one connection: PGlite runs one query at a time
  // anyway, and pglite-socket can leave clients waiting forever when many connections are busy at
  // once (ADR 0003).
  // issue10-G: DB_SCHEMA / JOBS_SCHEMA (as `npm run worker` reads them) let the fault and load tests run
  // the real server in a schema of their own; a deployment leaves them unset.
  const handle = openDatabase({ url, poolSize: engine ? 1 : config.dbPoolSize, schema: process.env.DB_SCHEMA || undefined });
  await migrate(handle.db);
  const profileList = readAuthorityProfiles();
  await syncAuthorityProfiles(handle.db, profileList);
  const profiles = new AuthorityProfiles(profileList);
  const calendar = loadWorkingCalendar();
  const calendars = ServiceCalendars.load(profiles);

  // Standardised matching values made by older rules are recomputed before anything is searched.
  const matching = new MatchingService();
  const restandardised = await matching.restandardise(handle.db);
  let demo: Awaited<ReturnType<typeof loadDemoData>> | null = null;
  if (config.loadDemoData) {
    demo = await loadDemoData(handle.db, { profiles: profileList, now: new Date(), calendar });
  }
  // The phone line's demo calls hang off the demo conversations just made.
  if (demo?.loaded) await seedDemoCalls(handle.db, profiles, calendars, new Date());
  // Name frequencies are recounted when the people changed in bulk here; otherwise the nightly duplicate scan keeps them current.
  if (restandardised > 0 || demo?.loaded) {
    for (const p of profileList) await matching.refreshFrequencies(handle.db, p.id);
  }

  if (engine) {
    // The embedded engine has no autovacuum: refresh planner statistics so queries use their indexes.
    await sql`analyze`.execute(handle.db);
  }

  const jobs = new Jobs({ url, schema: process.env.JOBS_SCHEMA || 'pgboss', poolSize: engine ? 1 : 4 }); // issue10-G: JOBS_SCHEMA
  await jobs.start();
  const mailer = createMailer(config, handle.db, systemClock);
  const ctx: AppContext = { config, db: handle.db, profiles, calendar, calendars, clock: systemClock, jobs, mailer };
  // The MASH's demo enquiries are made through its service, so they need the whole context.
  if (demo?.loaded) await seedDemoMash(ctx, new Date());
  if (config.loadDemoData) await seedDemoReferrals(ctx, new Date());
  if (config.loadDemoData) await seedDemoAllocatedWorkers(ctx, new Date());
  if (demo?.loaded) await seedDemoEarlyHelp(ctx, new Date());
  if (config.loadDemoData) await seedDemoDisagreements(ctx, new Date());
  if (config.loadDemoData) await seedDemoBeforeYouCall(ctx, new Date());
  if (config.loadDemoData) await seedDemoProfessionals(ctx, new Date());
  if (config.loadDemoData) await seedDemoRetention(ctx, new Date()); // issue10-E: older records, so something is due for review
  if (config.runWorker) {
    await startWrittenRecordWorker(ctx);
    await startDuplicateScanWorker(ctx);
    await startTelephonyWorker(ctx);
    await startMashAlertsWorker(ctx);
    await startMiRefreshWorker(ctx);
    await startDisagreementAlertsWorker(ctx);
    await startBeforeYouCallWorker(ctx);
    await startRetentionWorker(ctx); // issue10-E
  }
  const app = await createServer(ctx);
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;

  const sessions = new PgSessionStore(handle.db, 0);
  const pruner = setInterval(() => void sessions.prune().catch(() => {}), 15 * 60_000);
  pruner.unref();

  const lines = [
    '',
    `Front Door is running at http://localhost:${port}`,
    `  email: ${config.mail.provider === 'mailbox' ? `local mailbox (sign in and open /mailbox)` : config.mail.provider}${config.runWorker ? '' : ' (no worker in this process: run npm run worker)'}`,
    `  database: ${engine ? `embedded (PGlite, data in ${join(config.dataDir, 'pglite')})` : 'PostgreSQL from DATABASE_URL'}`,
    `  ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s${demo?.loaded ? ' (first run: demo data loaded)' : ''}`,
  ];
  // issue10-D: say how people sign in.
  if (config.auth.oidc) lines.push(`  single sign-on: ${config.auth.oidc.displayName} (${config.auth.oidc.issuer})${config.auth.localSignIn ? '' : '; passwords switched off (LOCAL_SIGN_IN=off)'}`);
  if (config.loadDemoData && config.auth.localSignIn) {
    lines.push('', `Demo sign-ins (password for all: ${DEMO_PASSWORD})`);
    for (const u of demoUsers(profileList)) lines.push(`  ${u.email.padEnd(40)} ${u.role.padEnd(22)} ${u.authorityId}`);
  }
  process.stdout.write(lines.join('\n') + '\n\n');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await app.close();
    await jobs.stop();
    await mailer.close?.();
    await handle.close();
    await engine?.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(err.message + '\n');
  } else {
    process.stderr.write(`Front Door could not start: ${(err as Error)?.message ?? String(err)}\n`);
  }
  process.exit(1);
});
