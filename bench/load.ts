/**
 * issue10-G: the load test (`npm run bench -- load`; never part of a plain `npm run bench`, and not in CI).
 *
 * Two app instances (`src/main.ts`, as `npm start` runs it, NODE_ENV=production) on different ports,
 * both on one PostgreSQL schema, and the job worker (`npm run worker`) beside them, as the production
 * guide runs them. BENCH_LOAD_USERS (500) users, split evenly between the two instances, keep working
 * for BENCH_LOAD_SECONDS (300) with autocannon, each user on a keep-alive connection of their own,
 * sending their next request as soon as the last is answered (no think time: the harshest reading of
 * "500 concurrent users"). Every request either writes (a draft section, a whole conversation) or is
 * audited (a search, a record opened), so every one is a write to the database.
 *
 * - 70% CADS workers, signed in with a session cookie (each from an address of its own on loopback,
 *   as users are; the sign-in rate limit is per address): search for a child, open a child's record,
 *   open a conversation, save a section of their own draft (form post with the CSRF token and the
 *   draft's lock version);
 * - 20% integrations with a service-account token: search through the API, read a child, complete
 *   a whole conversation (with an Idempotency-Key), read a conversation;
 * - 10% team managers, signed in: the MI dashboard, the team's list, a child's record, a conversation.
 *
 * Afterwards it checks that every write the clients were told succeeded is in the database
 * (conversations completed through the API, draft sections saved) and reports p50/p95/p99 and
 * requests/s per request type and overall, as JSON. Errors are connection errors and timeouts
 * (autocannon's) plus any answer other than the one each request should get.
 *
 * BENCH_LOAD_RATE paces the users instead: that many requests per second for all of them together (as
 * people who read a page before the next click), so latency can be seen below the machine's limit.
 *
 * Settings: BENCH_LOAD_SECONDS, BENCH_LOAD_USERS, BENCH_LOAD_RATE, BENCH_LOAD_POOL (connections per app instance,
 * default 10), BENCH_LOAD_HOUSEHOLDS (2,000), BENCH_LOAD_CONVERSATIONS (2,000 completed beforehand),
 * BENCH_LOAD_TIMEOUT_SECONDS (autocannon's per-request timeout, 30).
 */
import http from 'node:http';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import type { Role } from '../src/platform/auth/roles.js';
import type { Principal } from '../src/platform/auth/roles.js';
import type { AuditContext } from '../src/platform/audit.js';
import { ConversationsService } from '../src/features/conversations/conversations.service.js';
import { WrittenRecordsService } from '../src/features/written-records/written-records.service.js';
import { refreshManagementInformation } from '../src/features/mi/mi-refresh.js';
import { createUser, createServiceAccount, TEST_PASSWORD } from '../test/support/harness.js';
import { startServer, startWorkerProcess, stopService, type ChildService, type ServerProcess } from '../test/support/processes.js';
import { openBenchContext, analyzeTables, type BenchContext } from './engine.js';
import { seedHouseholds, conversationInput } from './data.js';
import { percentile, rng, type Rng } from './stats.js';

export interface LoadConfig {
  seconds: number;
  users: number;
  /** Requests per second for all users together (paced: users wait between requests); 0 for no pacing. */
  rate: number;
  poolSize: number;
  households: number;
  conversations: number;
  timeoutSeconds: number;
}

export const LOAD_METHOD =
  'Two app instances (src/main.ts, NODE_ENV=production) and one worker process (src/worker.ts) on one PostgreSQL schema; autocannon, one keep-alive connection per user, ' +
  'each user sending the next request as soon as the last is answered; users split evenly between the instances. Latency is from request written to response read, per autocannon; ' +
  'errors are connection errors, timeouts and any unexpected status. The load generator, both instances, the worker and PostgreSQL share the machine.';

/** CPU seconds a process has used (user + system), from /proc; null where there is no /proc. */
function cpuSecondsOf(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** The whole machine's busy and total CPU seconds so far, from /proc/stat. */
function machineCpu(): { busy: number; total: number } | null {
  try {
    const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const n = v.map(Number);
    const idle = n[3]! + n[4]!;
    const total = n.reduce((a, b) => a + b, 0);
    return { busy: (total - idle) / 100, total: total / 100 };
  } catch {
    return null;
  }
}

function log(msg: string) {
  process.stderr.write(`[bench] load: ${msg}\n`);
}

type Persona = 'worker' | 'integration' | 'manager';
type Step = 'search' | 'open-child' | 'open-conversation' | 'save-draft' | 'resync-draft' | 'api-search' | 'api-child' | 'api-complete' | 'api-conversation' | 'mi-dashboard' | 'team-list';

/** What each request should be answered with; anything else is an error. */
const EXPECTED: Record<Step, number[]> = {
  search: [200], 'open-child': [200], 'open-conversation': [200], 'save-draft': [302, 303], 'resync-draft': [200],
  'api-search': [200], 'api-child': [200], 'api-complete': [201], 'api-conversation': [200], 'mi-dashboard': [200], 'team-list': [200],
};

interface Identity {
  persona: Persona;
  cookie?: string;
  csrf?: string;
  token?: string;
  draftId?: string;
  lockVersion?: number;
  workerEmail?: string;
}

interface Seed {
  childIds: string[];
  familyNames: string[];
  conversationIds: string[];
}

/** A plain HTTP request from a given loopback address; returns status, body and cookies set. */
function request(opts: { port: number; path: string; method?: string; body?: string; headers?: Record<string, string>; localAddress?: string }): Promise<{ status: number; body: string; cookies: string[]; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: opts.port, path: opts.path, method: opts.method ?? 'GET', headers: opts.headers, localAddress: opts.localAddress }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cookies: ([] as string[]).concat(res.headers['set-cookie'] ?? []), location: res.headers.location }));
    });
    req.on('error', reject);
    req.setTimeout(120_000, () => req.destroy(new Error(`${opts.path} timed out`)));
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

const csrfOf = (html: string) => html.match(/name="_csrf" value="([^"]+)"/)?.[1];
const mergeCookies = (jar: Map<string, string>, set: string[]) => {
  for (const c of set) {
    const pair = c.split(';')[0]!;
    const i = pair.indexOf('=');
    jar.set(pair.slice(0, i), pair.slice(i + 1));
  }
};
const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

/** Signs a user in as a browser would (sign-in page, then the form with its CSRF token) and gets a form token for the session. */
async function signIn(port: number, email: string, localAddress: string): Promise<{ cookie: string; csrf: string }> {
  const jar = new Map<string, string>();
  const page = await request({ port, path: '/sign-in', localAddress });
  mergeCookies(jar, page.cookies);
  const token = csrfOf(page.body);
  if (!token) throw new Error(`no CSRF token on the sign-in page (${page.status})`);
  const form = new URLSearchParams({ _csrf: token, email, password: TEST_PASSWORD }).toString();
  const res = await request({ port, path: '/sign-in', method: 'POST', body: form, localAddress, headers: { cookie: cookieHeader(jar), 'content-type': 'application/x-www-form-urlencoded' } });
  if (res.status !== 302) throw new Error(`sign-in for a load user answered ${res.status}`);
  mergeCookies(jar, res.cookies);
  const home = await request({ port, path: '/people/search', localAddress, headers: { cookie: cookieHeader(jar) } });
  mergeCookies(jar, home.cookies);
  const csrf = csrfOf(home.body);
  if (home.status !== 200 || !csrf) throw new Error(`a signed-in page answered ${home.status}${csrf ? '' : ' without a form token'}`);
  return { cookie: cookieHeader(jar), csrf };
}

/** Runs `fn` over `items`, `n` at a time. */
async function pooled<T>(items: T[], n: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  }));
}

function conversationBody(r: Rng, seed: Seed, workerEmail: string) {
  const child = r.pick(seed.childIds);
  return JSON.stringify({
    caller: { type: 'professional', name: `Load Caller ${r.int(1, 1_000_000)}`, agencyCode: 'gp', phone: '020 7946 0123', email: null },
    children: [{ personId: child, whereNow: 'At school', safeTonight: 'yes', outcomeCode: 'mash-checks', levelCode: '3', callerAgreed: true, nextSteps: 'MASH checks today' }],
    concernCategories: ['neglect'], concernDetail: 'Attendance has dropped and the child arrives hungry.', immediacy: 'soon', parentsInformed: 'yes', consentGiven: 'yes',
    consentReasonCodes: [], consentReasonDetail: null, lawfulBasisCode: null, worries: 'Possible neglect at home.', strengths: 'A supportive grandparent.',
    needsToHappen: 'MASH checks with health and school.', complete: true, workerEmail,
  });
}

/**
 * The request each user sends at each of the four steps of its cycle. autocannon keeps one context
 * per connection; the first request of a connection gives it the next identity.
 */
function requestsFor(identities: Identity[], seed: Seed, r: Rng, acknowledged: Set<string>): autocannon.Request[] {
  let nextIdentity = 0;
  const who = (context: Record<string, unknown>): Identity => {
    if (!context.who) context.who = identities[nextIdentity++ % identities.length];
    return context.who as Identity;
  };
  const page = (id: Identity, method: string, path: string, form?: Record<string, string>) => ({
    method, path,
    headers: { cookie: id.cookie!, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    ...(form ? { body: new URLSearchParams({ _csrf: id.csrf!, ...form }).toString() } : {}),
  });
  const api = (id: Identity, method: string, path: string, body?: string, extra: Record<string, string> = {}) => ({
    method, path,
    headers: { authorization: `Bearer ${id.token!}`, ...(body ? { 'content-type': 'application/json' } : {}), ...extra },
    ...(body ? { body } : {}),
  });
  const step = (n: number) => (req: autocannon.Request, context: Record<string, unknown>) => {
    const id = who(context);
    let type: Step;
    let out: Record<string, unknown>;
    if (id.persona === 'worker') {
      if (n === 0) { type = 'search'; out = page(id, 'POST', '/people/search', { name: r.pick(seed.familyNames) }); }
      else if (n === 1) { type = 'open-child'; out = page(id, 'GET', `/people/${r.pick(seed.childIds)}`); }
      else if (n === 2) { type = 'open-conversation'; out = page(id, 'GET', `/conversations/${r.pick(seed.conversationIds)}`); }
      else if (context.resync) { type = 'resync-draft'; out = page(id, 'GET', `/conversations/${id.draftId}/analysis`); }
      else { type = 'save-draft'; out = page(id, 'POST', `/conversations/${id.draftId}/analysis`, { 'lock-version': String(id.lockVersion), worries: `Worries noted at ${Date.now()}`, strengths: 'Engaged with school', 'needs-to-happen': 'Health visitor to call', action: 'save' }); }
    } else if (id.persona === 'integration') {
      if (n === 0) { type = 'api-search'; out = api(id, 'POST', '/api/v1/people/search', JSON.stringify({ name: r.pick(seed.familyNames) })); }
      else if (n === 1) { type = 'api-child'; out = api(id, 'GET', `/api/v1/people/${r.pick(seed.childIds)}`); }
      else if (n === 2) { type = 'api-complete'; out = api(id, 'POST', '/api/v1/conversations', conversationBody(r, seed, id.workerEmail!), { 'idempotency-key': randomUUID() }); }
      else { type = 'api-conversation'; out = api(id, 'GET', `/api/v1/conversations/${r.pick(seed.conversationIds)}`); }
    } else {
      if (n === 0) { type = 'mi-dashboard'; out = page(id, 'GET', '/mi'); }
      else if (n === 1) { type = 'team-list'; out = page(id, 'GET', '/team'); }
      else if (n === 2) { type = 'open-child'; out = page(id, 'GET', `/people/${r.pick(seed.childIds)}`); }
      else { type = 'open-conversation'; out = page(id, 'GET', `/conversations/${r.pick(seed.conversationIds)}`); }
    }
    context.type = type;
    return { ...req, ...out } as autocannon.Request;
  };
  const onResponse = (status: number, body: string, context: Record<string, unknown>) => {
    const id = context.who as Identity;
    if (context.type === 'api-complete' && status === 201) acknowledged.add(String((JSON.parse(body) as { id: string }).id));
    if (context.type === 'save-draft') {
      if (status === 302 || status === 303) id.lockVersion = (id.lockVersion ?? 0) + 1;
      else context.resync = true; // refused (say, a save that timed out here but landed there): read the lock version again
    } else if (context.type === 'resync-draft') {
      const v = body.match(/name="lock-version" value="(\d+)"/)?.[1];
      if (v !== undefined) {
        id.lockVersion = Number(v);
        context.resync = false;
      }
    }
  };
  return [0, 1, 2, 3].map((n) => ({ method: 'GET', path: '/', setupRequest: step(n), onResponse })) as autocannon.Request[];
}

interface Tally {
  latencies: number[];
  statuses: Record<string, number>;
  unexpected: number;
}

function summary(t: Tally, seconds: number) {
  const sorted = [...t.latencies].sort((a, b) => a - b);
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return {
    requests: sorted.length,
    perSecond: r1(sorted.length / seconds),
    latencyMs: sorted.length ? { p50: r1(percentile(sorted, 50)), p95: r1(percentile(sorted, 95)), p99: r1(percentile(sorted, 99)), max: r1(sorted[sorted.length - 1]!) } : null,
    statuses: t.statuses,
    unexpected: t.unexpected,
  };
}

export async function benchLoad(pgUrl: string, cfg: LoadConfig) {
  const started = Date.now();
  const ctx: BenchContext = await openBenchContext('postgresql', pgUrl, 8);
  const services: ChildService[] = [];
  try {
    // People, earlier conversations and the MI summary, as a service some months in would have.
    const r = rng(20261207);
    const seeder = await createUser(ctx, { role: 'cads-worker', displayName: 'Load seeder' });
    const seederRow = await ctx.db.selectFrom('users').selectAll().where('id', '=', seeder.id).executeTakeFirstOrThrow();
    const principal: Principal = { kind: 'user', id: seederRow.id, authorityId: 'norfolk', role: 'cads-worker', displayName: seederRow.display_name, agencyCode: null, teamId: seederRow.team_id, email: seederRow.email };
    const people = await seedHouseholds(ctx.db, r, { households: cfg.households, authorityId: 'norfolk', userId: principal.id });
    // bench/data.ts makes babies born at any time in 2026, some of them after today: a date of birth in
    // the future is refused by the app's own forms, and a page showing one fails (an age cannot be worked
    // out), so they are moved to yesterday here rather than counted as the app's errors.
    await sql`update persons set date_of_birth = current_date - 1 where date_of_birth >= current_date`.execute(ctx.db);
    const familyNames = (await ctx.db.selectFrom('persons').select('family_name').distinct().execute()).map((p) => p.family_name!).filter(Boolean);
    const service = new ConversationsService(ctx.db, ctx.clock, ctx.profiles, ctx.calendars, new WrittenRecordsService(ctx));
    const audit: AuditContext = { principal, ip: '127.0.0.1', requestId: null };
    const profile = ctx.profiles.get('norfolk');
    const conversationIds: string[] = [];
    await pooled(Array.from({ length: cfg.conversations }), 8, async () => {
      const input = conversationInput(r, profile, [r.pick(people.childIds)]);
      conversationIds.push((await service.createWhole(principal, input.fields, input.children, true, audit)).id);
    });
    // The records the seeding queued are not part of the run: the seeding's jobs are dropped.
    await sql`delete from ${sql.table(`${ctx.schema}_jobs.job`)}`.execute(ctx.db);
    await refreshManagementInformation(ctx.db, ctx.profiles, new Date());
    await analyzeTables(ctx);
    const seed: Seed = { childIds: people.childIds, familyNames, conversationIds };
    log(`seeded ${people.persons} people and ${conversationIds.length} conversations in ${Math.round((Date.now() - started) / 1000)} s`);

    // The users.
    const workers = Math.round(cfg.users * 0.7);
    const integrations = Math.round(cfg.users * 0.2);
    const managers = cfg.users - workers - integrations;
    const identities: Identity[] = [];
    const make = async (role: Role, persona: Persona) => {
      const u = await createUser(ctx, { role, displayName: `Load ${persona}` });
      identities.push({ persona, workerEmail: u.email, ...(persona === 'integration' ? { token: await createServiceAccount(ctx, { name: 'Load integration' }) } : {}) });
    };
    for (let i = 0; i < workers; i++) await make('cads-worker', 'worker');
    for (let i = 0; i < integrations; i++) await make('cads-worker', 'integration');
    for (let i = 0; i < managers; i++) await make('team-manager', 'manager');
    // Each worker has a draft of their own to save sections of.
    for (const id of identities.filter((x) => x.persona === 'worker')) {
      const row = await ctx.db.selectFrom('users').selectAll().where('email', '=', id.workerEmail!).executeTakeFirstOrThrow();
      const p: Principal = { kind: 'user', id: row.id, authorityId: 'norfolk', role: 'cads-worker', displayName: row.display_name, agencyCode: null, teamId: row.team_id, email: row.email };
      const input = conversationInput(r, profile, [r.pick(people.childIds)]);
      const draft = await service.createWhole(p, input.fields, input.children, false, { principal: p, ip: '127.0.0.1', requestId: null });
      id.draftId = draft.id;
      id.lockVersion = (await ctx.db.selectFrom('conversations').select('lock_version').where('id', '=', draft.id).executeTakeFirstOrThrow()).lock_version;
    }

    // Two app instances and a worker on the same schema.
    const common = {
      databaseUrl: pgUrl, schema: ctx.schema, jobsSchema: `${ctx.schema}_jobs`, sessionSecret: 'l'.repeat(48), poolSize: cfg.poolSize, runWorker: false,
      env: { NODE_ENV: 'production', SECURE_COOKIES: 'false', TRUST_PROXY: 'false', LOG_LEVEL: 'warn' },
    };
    const instances: ServerProcess[] = [await startServer(common, services), await startServer(common, services)];
    await startWorkerProcess({ databaseUrl: pgUrl, schema: ctx.schema, jobsSchema: `${ctx.schema}_jobs`, sessionSecret: common.sessionSecret, env: { NODE_ENV: 'production', LOG_LEVEL: 'warn' } }, services);
    log(`instances on ports ${instances.map((i) => i.port).join(' and ')}; worker started`);

    // Half the users on each instance; those who sign in do so there, each from a loopback address of its own.
    const halves: Identity[][] = [identities.filter((_, i) => i % 2 === 0), identities.filter((_, i) => i % 2 === 1)];
    let signedIn = 0;
    for (const [k, half] of halves.entries()) {
      await pooled(half, 8, async (id, i) => {
        if (id.persona === 'integration') return;
        const address = `127.0.${1 + k * 100 + Math.floor(i / 250)}.${1 + (i % 250)}`;
        Object.assign(id, await signIn(instances[k]!.port, id.workerEmail!, address));
        signedIn++;
      });
    }
    log(`${signedIn} users signed in; ${integrations} integrations with tokens`);

    const before = {
      conversations: (await sql<{ n: number }>`select count(*)::int as n from conversations`.execute(ctx.db)).rows[0]!.n,
      draftSaves: (await sql<{ n: number }>`select count(*)::int as n from audit_events where action = 'conversation.draft-saved'`.execute(ctx.db)).rows[0]!.n,
    };

    const tallies = new Map<Step, Tally>();
    const acknowledgedIds = new Set<string>();
    const all: Tally = { latencies: [], statuses: {}, unexpected: 0 };
    const record = (t: Tally, status: number, ms: number, ok: boolean) => {
      t.latencies.push(ms);
      t.statuses[status] = (t.statuses[status] ?? 0) + 1;
      if (!ok) t.unexpected++;
    };
    log(`${cfg.users} users for ${cfg.seconds} s`);
    const loadAverageBefore = os.loadavg().map((x) => Math.round(x * 100) / 100);
    const pids = { instance1: instances[0]!.child.pid, instance2: instances[1]!.child.pid, worker: services[2]?.child.pid };
    const cpuBefore = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSecondsOf(pid)]));
    const selfBefore = process.cpuUsage();
    const machineBefore = machineCpu();
    const runs = instances.map((inst, k) => new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon({
        url: inst.baseUrl,
        connections: halves[k]!.length,
        duration: cfg.seconds,
        timeout: cfg.timeoutSeconds,
        pipelining: 1,
        ...(cfg.rate > 0 ? { overallRate: Math.max(1, Math.round(cfg.rate / 2)) } : {}),
        requests: requestsFor(halves[k]!, seed, rng(1000 + k), acknowledgedIds),
      }, (err, result) => (err ? reject(err) : resolve(result)));
      instance.on('response', (client, status, _bytes, ms) => {
        // autocannon's client keeps the connection's context (not in its type definitions): the request just answered.
        const type = ((client as unknown as { requestIterator?: { context?: Record<string, unknown> } }).requestIterator?.context?.type ?? 'unknown') as Step;
        if (!tallies.has(type)) tallies.set(type, { latencies: [], statuses: {}, unexpected: 0 });
        const ok = EXPECTED[type]?.includes(status) ?? false;
        record(tallies.get(type)!, status, ms, ok);
        record(all, status, ms, ok);
      });
    }));
    const results = await Promise.all(runs);
    const loadAverageAfter = os.loadavg().map((x) => Math.round(x * 100) / 100);
    // Where the CPU went during the run: each process, this load generator, and the machine as a whole
    // (PostgreSQL and anything else running is the machine's busy time less the processes listed).
    const self = process.cpuUsage(selfBefore);
    const machineAfter = machineCpu();
    const r2 = (x: number) => Math.round(x * 100) / 100;
    const cpuSeconds: Record<string, number | null> = Object.fromEntries(Object.entries(pids).map(([k, pid]) => {
      const a = cpuSecondsOf(pid);
      const b = cpuBefore[k];
      return [k, a !== null && b !== null && b !== undefined ? r2(a - b) : null];
    }));
    cpuSeconds.loadGenerator = r2((self.user + self.system) / 1e6);
    if (machineBefore && machineAfter) {
      cpuSeconds.machineBusy = r2(machineAfter.busy - machineBefore.busy);
      cpuSeconds.machineAvailable = r2(machineAfter.total - machineBefore.total);
    }

    // The instances finish what is in flight (a clean stop) before anything is counted.
    for (const s of services) await stopService(s);

    // Every write the clients were told succeeded is in the database.
    const apiCompleted = tallies.get('api-complete')?.statuses['201'] ?? 0;
    const draftSaved = (tallies.get('save-draft')?.statuses['302'] ?? 0) + (tallies.get('save-draft')?.statuses['303'] ?? 0);
    const after = {
      conversations: (await sql<{ n: number }>`select count(*)::int as n from conversations`.execute(ctx.db)).rows[0]!.n,
      draftSaves: (await sql<{ n: number }>`select count(*)::int as n from audit_events where action = 'conversation.draft-saved'`.execute(ctx.db)).rows[0]!.n,
      keys: (await sql<{ n: number }>`select count(*)::int as n from api_idempotency_keys`.execute(ctx.db)).rows[0]!.n,
    };
    const ids = [...acknowledgedIds];
    let found = 0;
    for (let i = 0; i < ids.length; i += 1000) {
      found += (await ctx.db.selectFrom('conversations').select('id').where('id', 'in', ids.slice(i, i + 1000)).where('status', '=', 'completed').execute()).length;
    }
    // What the instances logged about failed requests (error type, SQLSTATE and where; never a message with data in it).
    const serverErrors: Record<string, number> = {};
    for (const inst of instances) {
      for (const line of inst.stdout()) {
        try {
          const entry = JSON.parse(line) as { level?: number; err?: { type?: string; code?: string; stack?: string } };
          if ((entry.level ?? 0) < 50) continue;
          const key = `${entry.err?.type ?? 'error'} ${entry.err?.code ?? ''} ${entry.err?.stack?.split('\n')[0]?.trim() ?? ''}`.trim();
          serverErrors[key] = (serverErrors[key] ?? 0) + 1;
        } catch {
          // not a log line
        }
      }
    }
    const errors = results.reduce((n, x) => n + x.errors, 0);
    const timeouts = results.reduce((n, x) => n + x.timeouts, 0);
    const seconds = results[0]!.duration ?? cfg.seconds;
    return {
      method: LOAD_METHOD,
      config: { ...cfg, instances: 2, users: { total: cfg.users, workers, integrations, managers }, requestsPerUserCycle: 4 },
      seeded: { persons: people.persons, children: people.childIds.length, conversations: conversationIds.length, drafts: workers },
      loadAverage: { before: loadAverageBefore, after: loadAverageAfter },
      cpuSeconds,
      result: {
        errors: errors + all.unexpected,
        connectionErrors: errors,
        timeouts,
        unexpectedStatuses: all.unexpected,
        ...summary(all, seconds),
      },
      serverErrors,
      byRequest: Object.fromEntries([...tallies].sort(([a], [b]) => a.localeCompare(b)).map(([k, t]) => [k, summary(t, seconds)])),
      autocannon: results.map((x, k) => ({
        instance: k + 1,
        connections: x.connections,
        latencyMs: { p50: x.latency.p50, p90: x.latency.p90, p97_5: x.latency.p97_5, p99: x.latency.p99, max: x.latency.max, mean: x.latency.mean },
        requestsPerSecond: { mean: x.requests.average, min: x.requests.min, max: x.requests.max },
        total: x.requests.total, errors: x.errors, timeouts: x.timeouts, non2xx: x.non2xx,
      })),
      writes: {
        // Completed through the API and acknowledged (201), and of those, found completed afterwards.
        apiConversationsAcknowledged: apiCompleted,
        apiConversationsFound: found,
        // Every new conversation, and every idempotency key (one per API completion that committed, answered or not).
        newConversations: after.conversations - before.conversations,
        idempotencyKeys: after.keys,
        draftSavesAcknowledged: draftSaved,
        draftSavesAudited: after.draftSaves - before.draftSaves,
        allFound: found === apiCompleted && acknowledgedIds.size === apiCompleted && after.draftSaves - before.draftSaves >= draftSaved,
      },
      totalSeconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    for (const s of services) await stopService(s).catch(() => {});
    await ctx.close().catch((e) => log(`could not drop schema ${ctx.schema}: ${String(e)}`));
  }
}
