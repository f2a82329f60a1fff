/**
 * `npm run simulate:calls`: a busy period on Norfolk's professionals line, played against a Front
 * Door of its own, over real HTTP, on a clock that runs faster than real time.
 *
 *   npm run simulate:calls -- --calls 300 --minutes 10 --workers 20 --speed 20 --seed 1 --start 2026-11-23T09:30
 *
 * The app is built as src/main.ts builds it (no demo data, no background job workers), listening on
 * 127.0.0.1 on a free port: on the embedded engine in a temporary folder, or, with DATABASE_URL, on
 * that PostgreSQL in a fresh schema that is dropped afterwards. Progress, the wallboard's address
 * and a sign-in to watch it go to stderr; the report is JSON on stdout. --keep-open keeps the app
 * running after the run (Ctrl-C to stop and clean up).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig, ConfigError } from '../src/config.js';
import { openDatabase, type DatabaseHandle } from '../src/platform/db/database.js';
import { startEmbeddedEngine, type EmbeddedEngine } from '../src/platform/db/embedded.js';
import { migrate } from '../src/platform/db/migrate.js';
import { readAuthorityProfiles, syncAuthorityProfiles, AuthorityProfiles } from '../src/platform/authorities.js';
import { loadWorkingCalendar, type AppContext } from '../src/platform/context.js';
import { ServiceCalendars } from '../src/platform/calendars.js';
import { Jobs } from '../src/platform/jobs.js';
import { createMailer } from '../src/platform/mail/index.js';
import { hashToken } from '../src/platform/http/app.js';
import { hashPassword } from '../src/platform/auth/passwords.js';
import { createServer } from '../src/server.js';
import { DEMO_PASSWORD } from '../src/features/demo/demo-data.js';
import { ScaledClock, simulateCalls } from '../src/features/telephony/simulator.js';
import { addDays, dayOfWeek, londonDateOf, londonWallTimeToInstant } from '../src/domain/dates.js';
import { buildAssets, generatedDir } from './build-assets.js';
import { compactJson } from '../bench/json.js';

const AUTHORITY = 'norfolk';

function say(line: string) {
  process.stderr.write(`[simulate] ${line}\n`);
}

const USAGE = `Usage: npm run simulate:calls -- [--calls 300] [--minutes 10] [--workers 20] [--speed 20] [--seed 1]
                              [--start 2026-11-23T09:30 (London time; default next Monday 09:30)] [--keep-open]`;

function options() {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string', default: '300' },
      minutes: { type: 'string', default: '10' },
      workers: { type: 'string', default: '20' },
      speed: { type: 'string', default: '20' },
      seed: { type: 'string', default: '1' },
      start: { type: 'string' },
      'keep-open': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stderr.write(USAGE + '\n');
    process.exit(0);
  }
  const num = (name: string, v: string, integer: boolean) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) throw new ConfigError(`--${name} must be a ${integer ? 'whole ' : ''}number, not ${v}\n${USAGE}`);
    return n;
  };
  const start = values.start;
  if (start !== undefined && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(start)) throw new ConfigError(`--start is a London wall time like 2026-11-23T09:30, not ${start}`);
  const speed = num('speed', values.speed!, false);
  if (speed <= 0) throw new ConfigError('--speed must be more than 0');
  const workers = num('workers', values.workers!, true);
  if (workers < 1) throw new ConfigError('--workers must be at least 1');
  return {
    calls: num('calls', values.calls!, true),
    minutes: num('minutes', values.minutes!, false),
    workers,
    speed,
    seed: num('seed', values.seed!, true),
    start,
    keepOpen: values['keep-open']!,
  };
}

/** The London wall time `2026-11-23T09:30`, or the next Monday at 09:30 on which the service is open. */
function startInstant(start: string | undefined, calendars: ServiceCalendars): Date {
  if (start) {
    const [date, time] = start.split('T') as [string, string];
    const [hour, minute] = time.split(':').map(Number) as [number, number];
    return londonWallTimeToInstant(date, { hour, minute });
  }
  const calendar = calendars.forAuthority(AUTHORITY);
  let date = addDays(londonDateOf(new Date()), 1);
  for (let i = 0; i < 70; i++, date = addDays(date, 1)) {
    if (dayOfWeek(date) !== 1) continue;
    const at = londonWallTimeToInstant(date, { hour: 9, minute: 30 });
    if (calendar.statusAt(at).open) return at;
  }
  throw new ConfigError('No Monday in the next ten weeks on which the service is open at 09:30: give --start');
}

async function main() {
  const o = options();
  const started = performance.now();
  if (!['app.css', 'phone.js'].every((f) => existsSync(join(generatedDir, f)))) buildAssets();

  const tmp = mkdtempSync(join(tmpdir(), 'front-door-simulate-'));
  const config = loadConfig({
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: tmp,
    DEMO_DATA: 'false',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    SESSION_SECRET: process.env.SESSION_SECRET ?? randomBytes(32).toString('hex'),
    TWILIO_AUTH_TOKEN: process.env.TWILIO_AUTH_TOKEN ?? randomBytes(20).toString('hex'),
  });

  // The database: the embedded engine in the temporary folder, or a fresh schema on DATABASE_URL.
  let engine: EmbeddedEngine | null = null;
  let handle: DatabaseHandle | null = null;
  let jobs: Jobs | null = null;
  let schema: string | null = null;
  const url = config.databaseUrl;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  const cleanUp = async () => {
    await jobs?.stop().catch(() => {});
    await handle?.close().catch(() => {});
    if (schema) {
      await admin(`drop schema if exists ${schema}_jobs cascade; drop schema if exists ${schema} cascade`).catch((e) => say(`could not drop schema ${schema}: ${String(e)}`));
      say(`schema ${schema} dropped`);
    }
    await engine?.stop();
    rmSync(tmp, { recursive: true, force: true });
  };

  let app: Awaited<ReturnType<typeof createServer>> | null = null;
  // Ctrl-C: after the run (--keep-open) it ends the wait; during the run it stops and cleans up
  // (drops the schema, removes the temporary folder) before exiting.
  let keepingOpen: (() => void) | null = null;
  const onSignal = () => {
    if (keepingOpen) return keepingOpen();
    say('interrupted: stopping and cleaning up');
    void (async () => {
      await app?.close().catch(() => {});
      await cleanUp().catch(() => {});
      process.exit(130);
    })();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (url) {
      schema = `sim_${randomBytes(5).toString('hex')}`;
      await admin('create extension if not exists pg_trgm with schema public; create extension if not exists fuzzystrmatch with schema public;');
      await admin(`create schema ${schema}`);
      handle = openDatabase({ url, schema, poolSize: config.dbPoolSize });
      jobs = new Jobs({ url, schema: `${schema}_jobs` });
      say(`database: PostgreSQL from DATABASE_URL, schema ${schema} (dropped at the end)`);
    } else {
      engine = await startEmbeddedEngine(join(tmp, 'pglite'));
      // One connection, as main.ts uses on the embedded engine (ADR 0003).
      handle = openDatabase({ url: engine.url, poolSize: 1 });
      jobs = new Jobs({ url: engine.url, schema: 'pgboss', poolSize: 1 });
      say(`database: embedded (PGlite) in ${tmp}`);
    }
    await migrate(handle.db);
    const profileList = readAuthorityProfiles();
    await syncAuthorityProfiles(handle.db, profileList);
    const profiles = new AuthorityProfiles(profileList);
    const calendars = ServiceCalendars.load(profiles);
    const at = startInstant(o.start, calendars);
    const clock = new ScaledClock(at, o.speed);
    await jobs.start();
    const mailer = createMailer(config, handle.db, clock);
    const ctx: AppContext = { config, db: handle.db, profiles, calendar: loadWorkingCalendar(), calendars, clock, jobs, mailer };

    // The people: workers who answer, a team manager to watch the wallboard, the switch's account.
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    const team = await ctx.db.selectFrom('teams').select('id').where('authority_id', '=', AUTHORITY).where('name', '=', profiles.get(AUTHORITY).teams[0]!).executeTakeFirstOrThrow();
    const workerIds: string[] = [];
    const users = [
      ...Array.from({ length: o.workers }, (_, i) => ({ email: `sim.worker.${String(i + 1).padStart(2, '0')}@norfolk.example`, name: `Simulated Worker ${String(i + 1).padStart(2, '0')}`, role: 'cads-worker' })),
      { email: 'team.manager@norfolk.example', name: 'Wallboard Watcher', role: 'team-manager' },
    ];
    for (const u of users) {
      const id = randomUUID();
      if (u.role === 'cads-worker') workerIds.push(id);
      await ctx.db.insertInto('users').values({ id, authority_id: AUTHORITY, email: u.email, display_name: u.name, role: u.role, agency_code: null, team_id: team.id, password_hash: passwordHash }).execute();
    }
    const switchToken = randomBytes(24).toString('hex');
    await ctx.db.insertInto('service_accounts').values({ id: randomUUID(), authority_id: AUTHORITY, name: 'Call simulator', role: 'telephony-switch', agency_code: null, token_hash: hashToken(switchToken) }).execute();

    app = await createServer(ctx);
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    // Twilio signs the address it posts to: the app must check signatures against this one.
    ctx.config.baseUrl = base;
    say(`Front Door is running at ${base} (ready in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    say(`watch it live: ${base}/phone/wallboard  (sign in as team.manager@norfolk.example, password ${DEMO_PASSWORD};`);
    say(`  or as sim.worker.01@norfolk.example for the worker's /phone page)`);

    clock.set(at);
    const report = await simulateCalls({
      baseUrl: base,
      twilioAuthToken: config.telephony.twilioAuthToken!,
      twilioAccountSid: config.telephony.twilioAccountSid,
      switchToken,
      workerIds,
      clock,
      calls: o.calls,
      simulatedMinutes: o.minutes,
      seed: o.seed,
      ctx,
      log: say,
    });
    const doc = { simulation: 'Front Door call simulator (scripts/simulate-calls.ts)', database: url ? 'postgresql' : 'embedded', date: new Date().toISOString(), node: process.version, ...report };
    process.stdout.write(compactJson(doc) + '\n');
    say(
      `done: ${report.offered} offered, ${report.answered} answered, ${report.abandoned} abandoned, ${report.callbacks} left a number for a callback, in ${report.realDurationSeconds} s; ` +
        (report.app?.agrees ? 'the app agrees with the simulator' : `the app disagrees: ${report.app?.disagreements.join('; ')}`),
    );

    if (o.keepOpen) {
      say(`still running at ${base}/phone/wallboard: press Ctrl-C to stop`);
      await new Promise<void>((resolve) => (keepingOpen = resolve));
    }
  } finally {
    await app?.close().catch(() => {});
    await cleanUp();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `[simulate] failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
