/**
 * A benchmark database: a fresh schema on one engine, migrated and loaded with the authority
 * profiles, wrapped as the AppContext the app is built from. Dropped again by close().
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Jobs } from '../src/platform/jobs.js';
import { MailboxMailer } from '../src/platform/mail/mailbox-mailer.js';
import { openDatabase, type DatabaseHandle } from '../src/platform/db/database.js';
import { migrate } from '../src/platform/db/migrate.js';
import { AuthorityProfiles, readAuthorityProfiles, syncAuthorityProfiles } from '../src/platform/authorities.js';
import { loadWorkingCalendar, systemClock, type AppContext } from '../src/platform/context.js';
import { loadConfig } from '../src/config.js';
import { ServiceCalendars } from '../src/platform/calendars.js';

export type EngineName = 'postgresql' | 'embedded';

export interface BenchContext extends AppContext {
  engine: EngineName;
  url: string;
  schema: string;
  handle: DatabaseHandle;
  poolSize: number;
  /** One plain client (shared, use serially) with the schema on its search path, for raw SQL: baseline inserts, ANALYZE, EXPLAIN. */
  raw(): Promise<pg.Client>;
  close(): Promise<void>;
}

export async function adminQuery(url: string, sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

const TABLES = ['persons', 'households', 'relationships', 'users', 'conversations', 'conversation_versions', 'conversation_children', 'accumulation_flags', 'audit_events', 'sessions'];

/**
 * Refreshes the planner's statistics for this schema's tables, as autovacuum does in a running
 * system. Without it, tables that grew from empty during the run are planned as if nearly empty.
 */
export async function analyzeTables(ctx: BenchContext): Promise<void> {
  const c = await ctx.raw();
  await c.query(`analyze ${TABLES.join(', ')}`);
}

/**
 * `opts.schema` opens a schema left by an earlier run (migrated again, which adds only what is new)
 * and `opts.keep` leaves the schema in place on close(), for timings on data that took long to load.
 */
export async function openBenchContext(engine: EngineName, url: string, poolSize: number, opts: { schema?: string; keep?: boolean } = {}): Promise<BenchContext> {
  const schema = opts.schema ?? `bench_${randomBytes(5).toString('hex')}`;
  if (opts.schema && !/^[a-z_][a-z0-9_]*$/.test(opts.schema)) throw new Error(`not a schema name: ${opts.schema}`);
  const keep = opts.keep || Boolean(opts.schema);
  if (engine === 'postgresql') {
    // Extensions live in public and are shared by every schema; creating them here avoids
    // racing other sessions that run the migration at the same moment.
    await adminQuery(url, 'create extension if not exists pg_trgm with schema public; create extension if not exists fuzzystrmatch with schema public;');
  }
  if (!opts.schema) await adminQuery(url, `create schema ${schema}`);
  const handle = openDatabase({ url, schema, poolSize });
  const jobs = new Jobs({ url, schema: `${schema}_jobs` });
  const dropSchema = async () => {
    await jobs.stop().catch(() => {});
    await handle.close().catch(() => {});
    if (keep) return;
    await adminQuery(url, `drop schema if exists ${schema}_jobs cascade`);
    await adminQuery(url, `drop schema if exists ${schema} cascade`);
  };
  try {
    await migrate(handle.db);
    const profiles = readAuthorityProfiles();
    await syncAuthorityProfiles(handle.db, profiles);
    const config = {
      ...loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'b'.repeat(40), DATABASE_URL: url, LOG_LEVEL: 'silent' }),
      secureCookies: false,
    };
    await jobs.start();
    let rawClient: Promise<pg.Client> | undefined;
    return {
      jobs,
      mailer: new MailboxMailer(handle.db, systemClock),
      engine,
      url,
      schema,
      handle,
      poolSize,
      config,
      db: handle.db,
      profiles: new AuthorityProfiles(profiles),
      calendar: loadWorkingCalendar(),
      calendars: ServiceCalendars.load(new AuthorityProfiles(profiles)),
      clock: systemClock,
      raw() {
        rawClient ??= (async () => {
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          await c.query(`set search_path to ${schema}, public`);
          return c;
        })();
        return rawClient;
      },
      async close() {
        if (rawClient) await (await rawClient).end().catch(() => {});
        await dropSchema();
      },
    };
  } catch (e) {
    await dropSchema().catch(() => {});
    throw e;
  }
}
