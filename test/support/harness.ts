/**
 * What integration tests share: a database of their own (a fresh schema on whichever engine
 * TEST_DATABASE_URL points at), the app built exactly as main.ts builds it, and a signed-in
 * browser-like agent that carries cookies and CSRF tokens like a real user.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/database.js';
import { migrate } from '../../src/platform/db/migrate.js';
import { readAuthorityProfiles, syncAuthorityProfiles, AuthorityProfiles } from '../../src/platform/authorities.js';
import { loadWorkingCalendar, type AppContext, type Clock } from '../../src/platform/context.js';
import { ServiceCalendars } from '../../src/platform/calendars.js';
import { loadConfig } from '../../src/config.js';
import { createServer } from '../../src/server.js';
import { hashToken } from '../../src/platform/http/app.js';
import { hashPassword } from '../../src/platform/auth/passwords.js';
import type { Role } from '../../src/platform/auth/roles.js';
import type { AuthorityProfile } from '../../src/domain/authority-profile.js';
import { Jobs } from '../../src/platform/jobs.js';
import type { Mailer } from '../../src/platform/mail/mailer.js';
import { MailboxMailer } from '../../src/platform/mail/mailbox-mailer.js';

export const TEST_PASSWORD = 'correct horse battery staple';
let passwordHash: Promise<string> | undefined;

export function testDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/**
 * issue10-G: whether TEST_DATABASE_URL (or `url`) is the embedded engine. Its connections share one
 * session and pglite-socket can interleave two connections' queries (ADR 0003), so a test that sends
 * requests at the same moment gives the app one connection there (createTestContext's poolSize).
 */
export async function onEmbeddedEngine(url = testDatabaseUrl()): Promise<boolean> {
  const admin = openDatabase({ url, poolSize: 1 });
  try {
    const r = await admin.pool.query('select version() as v');
    return /PGlite/.test(String(r.rows[0]?.v));
  } finally {
    await admin.close();
  }
}

export class MutableClock implements Clock {
  constructor(private t: Date) {}
  now() {
    return new Date(this.t);
  }
  set(t: Date | string) {
    this.t = new Date(t);
  }
}

export interface TestContext extends AppContext {
  handle: DatabaseHandle;
  /** A MutableClock, or the clock given in createTestContext's options (say, the simulator's ScaledClock). */
  clock: Clock & { set(t: Date | string): void };
  schema: string;
  close(): Promise<void>;
}

/** A fresh schema with migrations and both authority profiles; dropped again by close(). */
export async function createTestContext(
  now = '2026-11-23T10:00:00Z',
  opts: {
    mailer?: (ctx: AppContext) => Mailer;
    /** Another clock (say, one that runs faster than real time for the call simulator). */
    clock?: Clock & { set(t: Date | string): void };
    /** Changes to the authority profiles for this test only (say, other opening hours). */
    profiles?: (profiles: AuthorityProfile[]) => AuthorityProfile[];
    /** issue10-G: another database server than TEST_DATABASE_URL's (a fault test's own, which it restarts). */
    databaseUrl?: string;
    /** issue10-G: the app's connections (default 4). 1 on the embedded engine when requests run concurrently (ADR 0003). */
    poolSize?: number;
  } = {},
): Promise<TestContext> {
  const url = opts.databaseUrl ?? testDatabaseUrl(); // issue10-G
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = openDatabase({ url, poolSize: 1 });
  await admin.pool.query(`create schema ${schema}`);
  await admin.close();
  const handle = openDatabase({ url, schema, poolSize: opts.poolSize ?? 4 });
  await migrate(handle.db);
  const profiles = opts.profiles ? opts.profiles(readAuthorityProfiles()) : readAuthorityProfiles();
  await syncAuthorityProfiles(handle.db, profiles);
  const config = { ...loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(40), DATABASE_URL: url, LOG_LEVEL: 'silent' }), secureCookies: false };
  const clock = opts.clock ?? new MutableClock(new Date(now));
  // Jobs live in a schema of their own beside the test's, and retry quickly.
  // issue10-G: with one connection (the embedded engine under concurrent requests) the job queue uses it too.
  const jobsDb = opts.poolSize === 1 ? { executeSql: async (text: string, values: unknown[]) => handle.pool.query(text, values) } : undefined;
  const jobs = new Jobs({ url, db: jobsDb, schema: `${schema}_jobs`, retryDelaySeconds: 1, retryLimit: 3, expireInSeconds: 5, maintenanceIntervalSeconds: 1 });
  await jobs.start();
  const authorityProfiles = new AuthorityProfiles(profiles);
  const calendars = ServiceCalendars.load(authorityProfiles);
  const base = { config, db: handle.db, profiles: authorityProfiles, calendar: loadWorkingCalendar(), calendars, clock, jobs } as Omit<AppContext, 'mailer'>;
  const mailer: Mailer = opts.mailer ? opts.mailer(base as AppContext) : new MailboxMailer(handle.db, clock);
  return {
    config,
    jobs,
    mailer,
    db: handle.db,
    handle,
    profiles: authorityProfiles,
    calendar: loadWorkingCalendar(),
    calendars,
    clock,
    schema,
    async close() {
      await jobs.stop();
      await mailer.close?.();
      await handle.close();
      const a = openDatabase({ url, poolSize: 1 });
      await a.pool.query(`drop schema ${schema}_jobs cascade`);
      await a.pool.query(`drop schema ${schema} cascade`);
      await a.close();
    },
  };
}

export async function createUser(
  ctx: AppContext,
  opts: { role: Role; authorityId?: string; email?: string; teamName?: string; agencyCode?: string; displayName?: string },
): Promise<{ id: string; email: string }> {
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const authorityId = opts.authorityId ?? 'norfolk';
  const id = randomUUID();
  const email = opts.email ?? `${opts.role}.${id.slice(0, 8)}@${authorityId}.example`;
  const profile = ctx.profiles.get(authorityId);
  const team = await ctx.db
    .selectFrom('teams')
    .select('id')
    .where('authority_id', '=', authorityId)
    .where('name', '=', opts.teamName ?? profile.teams[0]!)
    .executeTakeFirstOrThrow();
  await ctx.db
    .insertInto('users')
    .values({
      id,
      authority_id: authorityId,
      email,
      display_name: opts.displayName ?? `Test ${opts.role}`,
      role: opts.role,
      agency_code: opts.agencyCode ?? (opts.role === 'partner-practitioner' ? 'police' : null),
      team_id: team.id,
      password_hash: await passwordHash,
    })
    .execute();
  return { id, email };
}

export async function createTestApp(ctx: AppContext): Promise<FastifyInstance> {
  const app = await createServer(ctx);
  await app.ready();
  return app;
}

export interface Response {
  status: number;
  body: string;
  headers: Record<string, string | string[] | number | undefined>;
  location: string | undefined;
}

/** A signed-in (or anonymous) user of the pages, keeping cookies and the latest CSRF token. */
export class Agent {
  private cookies = new Map<string, string>();
  csrf: string | null = null;
  constructor(private readonly app: FastifyInstance) {}

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: { headers: Record<string, unknown>; body: string }) {
    const set = res.headers['set-cookie'];
    for (const c of Array.isArray(set) ? set : set ? [set as string] : []) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    const m = res.body.match(/name="_csrf" value="([^"]+)"/);
    if (m) this.csrf = m[1]!;
  }

  async get(url: string): Promise<Response> {
    const res = await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader() } });
    this.keep(res);
    return { status: res.statusCode, body: res.body, headers: res.headers, location: res.headers.location as string | undefined };
  }

  /** Posts a form; the current CSRF token is added unless the form has its own `_csrf`. */
  async post(url: string, form: Record<string, string | string[]> = {}): Promise<Response> {
    if (!this.csrf && !('_csrf' in form)) await this.get('/sign-in');
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries({ _csrf: this.csrf ?? '', ...form })) {
      for (const x of Array.isArray(v) ? v : [v]) params.append(k, x);
    }
    const res = await this.app.inject({
      method: 'POST',
      url,
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: params.toString(),
    });
    this.keep(res);
    return { status: res.statusCode, body: res.body, headers: res.headers, location: res.headers.location as string | undefined };
  }

  async signIn(email: string, password = TEST_PASSWORD): Promise<Response> {
    await this.get('/sign-in');
    return this.post('/sign-in', { email, password });
  }
}

export async function signedInAgent(app: FastifyInstance, email: string): Promise<Agent> {
  const agent = new Agent(app);
  const res = await agent.signIn(email);
  if (res.status !== 302) throw new Error(`Sign-in failed for ${email}: ${res.status}`);
  await agent.get('/');
  return agent;
}

/** Error summary items on a page, as [href, text]. */
export function errorSummary(html: string): [string, string][] {
  const box = html.match(/govuk-error-summary__list">([\s\S]*?)<\/ul>/);
  if (!box) return [];
  return [...box[1]!.matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => [m[1]!, m[2]!.trim()]);
}

/** A service account for API tests; returns its bearer token. */
export async function createServiceAccount(ctx: AppContext, opts: { role?: Role; authorityId?: string; name?: string } = {}): Promise<string> {
  const token = randomBytes(24).toString('hex');
  await ctx.db
    .insertInto('service_accounts')
    .values({ id: randomUUID(), authority_id: opts.authorityId ?? 'norfolk', name: opts.name ?? 'Telephony', role: opts.role ?? 'cads-worker', agency_code: opts.role === 'partner-practitioner' ? 'police' : null, token_hash: hashToken(token) })
    .execute();
  return token;
}

/** Runs every clean-up step, even when one fails, and reports the first failure. */
export async function cleanUp(...steps: (() => Promise<unknown> | undefined)[]): Promise<void> {
  let first: unknown;
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      first ??= err;
    }
  }
  if (first) throw first;
}

/**
 * Records and completes a conversation through the API: one new child, MASH checks, consent
 * not sought. The quickest way to set off a written record.
 */
export async function completeConversationByApi(
  app: FastifyInstance,
  token: string,
  opts: { workerEmail: string; callerEmail: string | null; familyName?: string },
): Promise<{ id: string; reference: string }> {
  const auth = { authorization: `Bearer ${token}` };
  const person = await app.inject({ method: 'POST', url: '/api/v1/people', headers: auth, payload: { givenName: 'Kayleigh', familyName: opts.familyName ?? 'Ashworth', dateOfBirth: '2015-05-06', sex: 'F', differentChildReason: 'Test fixture: each conversation is about its own child' } });
  if (person.statusCode !== 201) throw new Error(`creating the child failed: ${person.statusCode} ${person.body}`);
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/conversations',
    headers: auth,
    payload: {
      caller: { type: 'professional', name: 'Dr Reed', agencyCode: 'gp', phone: '020 7946 0123', email: opts.callerEmail },
      children: [{ personId: person.json().id, whereNow: 'Home', safeTonight: 'yes', outcomeCode: 'mash-checks', levelCode: '3', callerAgreed: true, nextSteps: 'MASH checks today' }],
      concernCategories: ['neglect'], concernDetail: 'Weight loss', immediacy: 'soon', parentsInformed: 'no', consentGiven: 'no',
      consentReasonCodes: ['risk-to-child'], consentReasonDetail: 'Parent may flee', lawfulBasisCode: 'public-task-children-act', worries: 'Faltering growth',
      complete: true, workerEmail: opts.workerEmail,
    },
  });
  if (res.statusCode !== 201) throw new Error(`completing the conversation failed: ${res.statusCode} ${res.body}`);
  return { id: res.json().id, reference: res.json().reference };
}
