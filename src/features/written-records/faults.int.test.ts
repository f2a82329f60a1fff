/**
 * The written record when things go wrong under it: the SMTP relay is down, the worker process
 * is killed in the middle of a send, the database restarts with the job still queued. In every
 * case the record must reach the caller exactly once. Each case has its own context, one after
 * the other; the last brings its own embedded database engine, so it runs in both test phases.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { createTestContext, createTestApp, createUser, testDatabaseUrl, MutableClock, type TestContext, createServiceAccount, cleanUp, completeConversationByApi } from '../../../test/support/harness.js';
import { TestSmtpServer, reservePort, waitFor } from '../../../test/support/smtp.js';
import { SmtpMailer } from '../../platform/mail/smtp-mailer.js';
import { Jobs, QUEUES } from '../../platform/jobs.js';
import { startEmbeddedEngine, type EmbeddedEngine } from '../../platform/db/embedded.js';
import { openDatabase } from '../../platform/db/database.js';
import { migrate } from '../../platform/db/migrate.js';
import { readAuthorityProfiles, syncAuthorityProfiles, AuthorityProfiles } from '../../platform/authorities.js';
import { loadWorkingCalendar } from '../../platform/context.js';
import { ServiceCalendars } from '../../platform/calendars.js';
import { loadConfig } from '../../config.js';
import { startWrittenRecordWorker } from './worker.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const WAIT = 30_000;
const TIMEOUT = { timeout: 120_000 };
/** pg-boss polls no more often than every 0.5 s (it refuses anything shorter). */
const POLL_SECONDS = 0.5;

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

interface World {
  ctx: TestContext;
  app: FastifyInstance;
  token: string;
  workerEmail: string;
}

async function makeWorld(ctx: TestContext): Promise<World> {
  const app = await createTestApp(ctx);
  const { email } = await createUser(ctx, { role: 'cads-worker' });
  const token = await createServiceAccount(ctx);
  return { ctx, app, token, workerEmail: email };
}


/** Records and completes a conversation through the API; returns its id. */
async function completeConversation(w: World, callerEmail: string): Promise<string> {
  return (await completeConversationByApi(w.app, w.token, { workerEmail: w.workerEmail, callerEmail })).id;
}

function record(ctx: TestContext, conversationId: string) {
  return ctx.db.selectFrom('written_records').selectAll().where('conversation_id', '=', conversationId).executeTakeFirst();
}

async function sentRecord(ctx: TestContext, conversationId: string) {
  return waitFor(async () => {
    const r = await record(ctx, conversationId);
    return r?.status === 'sent' ? r : null;
  }, WAIT, 'the written record to be sent');
}

/** The pg-boss job for a record. */
async function jobOf(ctx: TestContext, writtenRecordId: string) {
  const r = await sql<{ state: string; retry_count: number; retry_backoff: boolean }>`
    select state::text as state, retry_count, retry_backoff from ${sql.table(`${ctx.schema}_jobs.job`)}
    where name = ${QUEUES.sendWrittenRecord} and data->>'writtenRecordId' = ${writtenRecordId}`.execute(ctx.db);
  assert.equal(r.rows.length, 1, 'one job for the record');
  return r.rows[0]!;
}

// ---------------------------------------------------------------------------
// The SMTP relay is down, then back
// ---------------------------------------------------------------------------

describe('the SMTP relay is down when the conversation is completed', () => {
  let port: number;
  let smtp: TestSmtpServer | undefined;
  let w: World;

  before(async () => {
    // A port nobody listens on yet: sends are refused until the server starts there.
    port = await reservePort();
    const ctx = await createTestContext(undefined, { mailer: (c) => new SmtpMailer(TestSmtpServer.urlFor(port), c.config.mail.from) });
    w = await makeWorld(ctx);
    await startWrittenRecordWorker(ctx, POLL_SECONDS);
  });
  after(() => cleanUp(() => w?.app.close(), () => w?.ctx.close(), () => smtp?.close()));

  test('the job fails and is retried with backoff; when the relay is back the record is delivered exactly once', TIMEOUT, async () => {
    const id = await completeConversation(w, 'relay.down@nhs.example.org');
    // The first attempt fails with a temporary error and the record waits for the retry.
    const waiting = await waitFor(async () => {
      const r = await record(w.ctx, id);
      return r && r.attempts >= 1 && r.status === 'queued' && r.last_error ? r : null;
    }, WAIT, 'the first attempt to fail');
    assert.match(waiting.last_error!, /^smtp temporary failure/);
    assert.ok(!waiting.last_error!.includes('@'));
    await waitFor(async () => (await jobOf(w.ctx, waiting.id)).state === 'retry', WAIT, 'the job to be waiting for its retry');

    smtp = await TestSmtpServer.start(port);
    assert.equal(smtp.port, port);
    const sent = await sentRecord(w.ctx, id);
    assert.ok(sent.attempts >= 2, `attempts: ${sent.attempts}`);
    assert.equal(sent.last_error, null);
    assert.equal(sent.provider, 'smtp');
    await waitFor(async () => (await jobOf(w.ctx, sent.id)).state === 'completed', WAIT, 'the job to complete');
    const job = await jobOf(w.ctx, sent.id);
    assert.ok(job.retry_count >= 1, 'the job was retried');
    assert.equal(job.retry_backoff, true, 'with backoff');
    assert.equal(smtp.messages.length, 1, 'delivered exactly once');
    assert.deepEqual(smtp.messages[0]!.envelope.to, ['relay.down@nhs.example.org']);
    assert.equal(smtp.messages[0]!.messageId, `<${sent.id}@front-door>`);
  });
});

// ---------------------------------------------------------------------------
// The worker process is killed in the middle of a send
// ---------------------------------------------------------------------------

interface WorkerProcess {
  child: ChildProcess;
  /** Everything it wrote to stderr (for failure messages). */
  stderr(): string;
  exited: Promise<number | null>;
}

/**
 * Starts `src/worker.ts` as its own process against the test's schema and resolves once it says it
 * is ready. It is added to `started` first, so an `after` hook stops it even if it never gets ready.
 */
async function spawnWorker(ctx: TestContext, smtpUrl: string, started: WorkerProcess[]): Promise<WorkerProcess> {
  // A clean environment: only what a worker needs, nothing of the test runner's.
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  const env: NodeJS.ProcessEnv = Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
  Object.assign(env, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: testDatabaseUrl(),
    DB_SCHEMA: ctx.schema,
    JOBS_SCHEMA: `${ctx.schema}_jobs`,
    MAIL_PROVIDER: 'smtp',
    SMTP_URL: smtpUrl,
    SESSION_SECRET: ctx.config.sessionSecret,
    BASE_URL: ctx.config.baseUrl,
    JOBS_POLL_SECONDS: String(POLL_SECONDS),
    JOBS_RETRY_DELAY_SECONDS: '1',
    JOBS_EXPIRE_SECONDS: '3',
    JOBS_MAINTENANCE_SECONDS: '1',
  });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const worker = { child, stderr: () => err, exited };
  started.push(worker);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The worker did not say it was ready within ${WAIT} ms. stderr:\n${err}`)), WAIT);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`The worker stopped while starting (exit code ${code}). stderr:\n${err}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.trim() === '{"worker":"ready"}') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return worker;
}

/** Stops a worker process: SIGTERM (it finishes its job and closes), then SIGKILL if it hangs. */
async function stopWorker(p: WorkerProcess | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
  await p.exited;
  clearTimeout(timer);
}

describe('the worker process is killed in the middle of a send', () => {
  let smtp: TestSmtpServer;
  let w: World;
  const workers: WorkerProcess[] = [];

  before(async () => {
    smtp = await TestSmtpServer.start();
    // This process only records conversations: the sending is done by the worker processes.
    w = await makeWorld(await createTestContext());
  });
  after(() => cleanUp(...workers.map((p) => () => stopWorker(p)), () => w?.app.close(), () => w?.ctx.close(), () => smtp?.close()));

  test('a new worker delivers the record exactly once after the dead worker’s job expires', TIMEOUT, async () => {
    const stall = smtp.stallAtData();
    const first = await spawnWorker(w.ctx, smtp.url, workers);
    const id = await completeConversation(w, 'killed.worker@nhs.example.org');

    await Promise.race([stall.reached, new Promise((_, reject) => setTimeout(() => reject(new Error('the worker never reached DATA')), WAIT))]);
    const sending = await record(w.ctx, id);
    assert.equal(sending!.status, 'sending');
    assert.equal(sending!.attempts, 1);
    first.child.kill('SIGKILL');
    await first.exited;
    assert.equal(first.child.signalCode, 'SIGKILL');

    // The relay never answered the dead worker; now it refuses the half-finished message.
    stall.release();
    await waitFor(() => smtp.aborted.length === 1, WAIT, 'the stalled message to be refused');
    assert.equal(smtp.messages.length, 0, 'nothing was delivered by the dead worker');

    const second = await spawnWorker(w.ctx, smtp.url, workers);
    // pg-boss fails the dead worker's job when it expires, and the new worker retries it.
    const sent = await sentRecord(w.ctx, id);
    assert.equal(sent.attempts, 2);
    assert.equal(sent.provider, 'smtp');
    assert.equal(smtp.messages.length, 1, 'exactly one complete message');
    assert.deepEqual(smtp.messages[0]!.envelope.to, ['killed.worker@nhs.example.org']);
    assert.equal(smtp.messages[0]!.messageId, `<${sent.id}@front-door>`);
    assert.equal(smtp.messages[0]!.parsed.attachments[0]!.content.subarray(0, 4).toString('latin1'), '%PDF');
    await waitFor(async () => (await jobOf(w.ctx, sent.id)).state === 'completed', WAIT, 'the job to complete');
    assert.equal((await jobOf(w.ctx, sent.id)).retry_count, 1, 'retried once, after it expired');
    await stopWorker(second);
    assert.equal(second.child.exitCode, 0, `the worker stops cleanly on SIGTERM. stderr:\n${second.stderr()}`);
  });
});

// ---------------------------------------------------------------------------
// The database restarts with the job still queued
// ---------------------------------------------------------------------------

describe('the database restarts between completion and sending', () => {
  const schema = 't_restart';
  let dir: string;
  let port: number;
  let engine: EmbeddedEngine | undefined;
  let smtp: TestSmtpServer;
  let w: World;
  let stopCtx: (() => Promise<void>) | undefined;

  before(async () => {
    smtp = await TestSmtpServer.start();
    dir = mkdtempSync(join(tmpdir(), 'front-door-restart-'));
    port = await reservePort();
    engine = await startEmbeddedEngine(dir, port);
    const url = engine.url;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query('create extension if not exists pg_trgm with schema public');
    await admin.query('create extension if not exists fuzzystrmatch with schema public');
    await admin.query(`create schema ${schema}`);
    await admin.end();

    // As harness.createTestContext builds a context, but on this engine.
    const handle = openDatabase({ url, schema, poolSize: 4 });
    await migrate(handle.db);
    const profiles = readAuthorityProfiles();
    await syncAuthorityProfiles(handle.db, profiles);
    const config = { ...loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(40), DATABASE_URL: url, LOG_LEVEL: 'silent' }), secureCookies: false };
    const jobs = new Jobs({ url, schema: `${schema}_jobs`, retryDelaySeconds: 1, retryLimit: 3, expireInSeconds: 5, maintenanceIntervalSeconds: 1 });
    await jobs.start();
    const mailer = new SmtpMailer(smtp.url, config.mail.from);
    stopCtx = async () => {
      await jobs.stop();
      await mailer.close();
      await handle.close();
    };
    const authorityProfiles = new AuthorityProfiles(profiles);
    const ctx: TestContext = {
      config, jobs, mailer, db: handle.db, handle, profiles: authorityProfiles, calendar: loadWorkingCalendar(),
      calendars: ServiceCalendars.load(authorityProfiles),
      clock: new MutableClock(new Date('2026-11-23T10:00:00Z')), schema, close: () => stopCtx!(),
    };
    w = await makeWorld(ctx);
  });
  after(() => cleanUp(() => w?.app.close(), () => stopCtx?.(), () => engine?.stop(), async () => rmSync(dir, { recursive: true, force: true }), () => smtp?.close()));

  test('a record queued before the restart is delivered once afterwards', TIMEOUT, async () => {
    const id = await completeConversation(w, 'after.restart@nhs.example.org');
    const queued = await record(w.ctx, id);
    assert.equal(queued!.status, 'queued');
    assert.equal((await jobOf(w.ctx, queued!.id)).state, 'created');

    // No worker has run: stop the engine and start it again on the same data and port.
    const url = engine!.url;
    await engine!.stop();
    engine = await startEmbeddedEngine(dir, port);
    assert.equal(engine.url, url);
    // The completion, its record and its job survived the restart.
    const after = await waitFor(() => record(w.ctx, id), WAIT, 'the database to answer again');
    assert.equal(after.status, 'queued');
    assert.equal((await jobOf(w.ctx, queued!.id)).state, 'created');

    await startWrittenRecordWorker(w.ctx, POLL_SECONDS);
    const sent = await sentRecord(w.ctx, id);
    assert.equal(sent.attempts, 1);
    assert.equal(smtp.messages.length, 1, 'delivered exactly once');
    assert.deepEqual(smtp.messages[0]!.envelope.to, ['after.restart@nhs.example.org']);
  });
});
