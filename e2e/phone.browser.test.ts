/**
 * The phone line in a real browser: a team manager watches the wallboard while the call simulator
 * plays a busy period against the app over HTTP, and the figures must change live, without a
 * reload, ending at what the simulator did; then a CADS worker makes themselves available, a call is
 * put through to them (signed Twilio webhooks, as Twilio would post them), their page pops the call
 * by itself, and they start the conversation with the caller's number filled in.
 *
 * The app runs on the simulator's clock (ScaledClock, 30 times real time) from Monday 23 November
 * 2026, 09:30 in London, inside Norfolk's opening hours. Every page state is checked with axe
 * against WCAG 2.2 AA, and a test fails listing every violation.
 *
 * Run: node --import tsx --test e2e/phone.browser.test.ts
 * Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium) and TEST_DATABASE_URL
 * (default postgres://postgres@127.0.0.1:5432/test).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { PageHealth } from './support/page-health.js';
import { go } from './support/pages.js';
import { chromiumMissing, launchChromium } from './support/journey.js';
import type { FastifyInstance } from 'fastify';
import twilio from 'twilio';
import { createTestContext, createUser, testDatabaseUrl, TEST_PASSWORD, type TestContext } from '../test/support/harness.js';
import { createServer } from '../src/server.js';
import { openDatabase, type DatabaseHandle } from '../src/platform/db/database.js';
import type { AppContext } from '../src/platform/context.js';
import { hashToken } from '../src/platform/http/app.js';
import { buildAssets, generatedDir } from '../scripts/build-assets.js';
import { ScaledClock, readTwiml, simulateCalls, type SimulationReport } from '../src/features/telephony/simulator.js';

const skip = chromiumMissing;
const SCREENSHOTS = join(fileURLToPath(new URL('..', import.meta.url)), '.tmp', 'screenshots');
const ASSETS = ['app.css', 'govuk-frontend.min.js', 'init.js', 'phone.js'];
/** Monday 23 November 2026, 09:30 in London (GMT): Norfolk's line is open. */
const START = '2026-11-23T09:30:00Z';
const SPEED = 30;
const ACCOUNT = 'AC' + randomBytes(16).toString('hex');
const PROFESSIONALS = '+443448008021';

const clock = new ScaledClock(START, SPEED);
let ctx: TestContext;
/** What the app is built from: the test's context, or on the embedded engine one connection (as main.ts). */
let appCtx: AppContext;
let oneConnection: DatabaseHandle | null = null;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let switchToken: string;
const users = { manager: '', worker: '', workerId: '' };
const simWorkers: string[] = [];
const contexts: BrowserContext[] = [];

// ---------------------------------------------------------------------------
// Accessibility and page health (e2e/support/page-health.ts)
// ---------------------------------------------------------------------------

const health = new PageHealth();
const axe = (page: Page, label: string) => health.axe(page, label);

async function newUserPage(): Promise<Page> {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  const page = health.watch(await context.newPage());
  return page;
}

/** A test that leaves screenshots and HTML behind when it fails, and fails on any axe finding. */
function phoneTest(name: string, fn: () => Promise<void>): void {
  test(name, { skip }, async (t) => {
    try {
      await fn();
    } catch (e) {
      for (const [i, c] of contexts.entries()) {
        for (const pg of c.pages()) {
          await pg.screenshot({ path: join(SCREENSHOTS, `phone-failure-${i}.png`), fullPage: true }).catch(() => {});
          await writeFile(join(SCREENSHOTS, `phone-failure-${i}.html`), await pg.content().catch(() => '')).catch(() => {});
        }
      }
      t.diagnostic(`failure screenshots and HTML in ${SCREENSHOTS}`);
      const { findings } = health.take();
      if (findings.length) t.diagnostic(`axe violations so far:\n${findings.map((x) => x.text).join('\n')}`);
      throw e;
    }
    health.assertHealthy(t);
  });
}

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await go(page, page.getByRole('button', { name: 'Sign in' }));
  assert.notEqual(new URL(page.url()).pathname, '/sign-in', 'sign-in failed');
}

const live = (page: Page, name: string) => page.locator(`[data-live="${name}"]`).first();
const liveNumber = async (page: Page, name: string) => Number((await live(page, name).textContent())?.trim());

/** Posts a webhook signed as Twilio signs it, to the address the TwiML gave (or a path on the app). */
async function twilioPost(url: string, params: Record<string, string>): Promise<{ status: number; body: string }> {
  const absolute = url.startsWith('http') ? url : `${base}${url}`;
  const res = await fetch(absolute, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(appCtx.config.telephony.twilioAuthToken!, absolute, params) },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, body: await res.text() };
}

// ---------------------------------------------------------------------------
// Set-up
// ---------------------------------------------------------------------------

before(async () => {
  if (skip) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  if (!ASSETS.every((f) => existsSync(join(generatedDir, f)))) buildAssets();
  ctx = await createTestContext(START, { clock });
  appCtx = ctx;
  const version = (await ctx.handle.pool.query<{ v: string }>('select version() as v')).rows[0]!.v;
  if (version.includes('PGlite')) {
    // One backend session behind every connection: the app gets one connection and polls, as in main.ts.
    oneConnection = openDatabase({ url: testDatabaseUrl(), schema: ctx.schema, poolSize: 1 });
    appCtx = { ...ctx, db: oneConnection.db, config: { ...ctx.config, databaseUrl: undefined } };
  }
  users.manager = (await createUser(ctx, { role: 'team-manager', displayName: 'Morgan Hale' })).email;
  const worker = await createUser(ctx, { role: 'cads-worker', displayName: 'Jordan Reeve' });
  users.worker = worker.email;
  users.workerId = worker.id;
  for (let i = 1; i <= 5; i++) simWorkers.push((await createUser(ctx, { role: 'cads-worker', displayName: `Simulated Worker ${i}` })).id);
  switchToken = randomBytes(24).toString('hex');
  await ctx.db.insertInto('service_accounts').values({ id: randomUUID(), authority_id: 'norfolk', name: 'Call simulator', role: 'telephony-switch', agency_code: null, token_hash: hashToken(switchToken) }).execute();
  app = await createServer(appCtx);
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  // Twilio signs the address it posts to: the app checks signatures against its BASE_URL.
  appCtx.config.baseUrl = base;
  browser = await launchChromium();
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await app?.close();
  await oneConnection?.close();
  await ctx?.close();
  process.stderr.write(`\naxe ran on ${health.pagesChecked.length} phone page states; ${health.allFindings.length} violation(s).\n`);
  if (health.allFindings.length) process.stderr.write(`${health.allFindings.map((f) => f.text).join('\n')}\n`);
});

// ---------------------------------------------------------------------------
// The wallboard during a busy period
// ---------------------------------------------------------------------------

phoneTest('the wallboard follows a busy period live, without reloading, and ends at what happened', async () => {
  const manager = await newUserPage();
  await signIn(manager, users.manager);
  await manager.goto('/phone/wallboard');
  await manager.getByRole('heading', { level: 1, name: 'Wallboard' }).waitFor();
  assert.equal(await liveNumber(manager, 'today-offered'), 0);
  assert.equal(await liveNumber(manager, 'total-waiting'), 0);
  await axe(manager, 'wallboard before the calls');
  // Set in the page: a reload would lose it.
  await manager.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
  let loads = 0;
  manager.on('load', () => (loads += 1));

  clock.set(START);
  const run = simulateCalls({
    baseUrl: base,
    twilioAuthToken: appCtx.config.telephony.twilioAuthToken!,
    twilioAccountSid: ACCOUNT,
    switchToken,
    workerIds: simWorkers,
    clock,
    calls: 40,
    simulatedMinutes: 5,
    seed: 11,
    ctx: appCtx,
    // Talk times are kept under 15 simulated minutes so the run's tail stays short.
    behaviour: { talkMaxSeconds: 15 * 60 },
  });
  let report: SimulationReport | null = null;
  let failed: unknown = null;
  const done = run.then((r) => (report = r), (e) => (failed = e));

  // The figures move by themselves: calls offered, then callers waiting.
  await manager.waitForFunction(() => Number(document.querySelector('[data-live="today-offered"]')?.textContent) > 0, null, { timeout: 15_000 });
  await manager.waitForFunction(() => Number(document.querySelector('[data-live="total-waiting"]')?.textContent) >= 2, null, { timeout: 30_000 });
  const waitingMidRun = await liveNumber(manager, 'total-waiting');
  const queueRows = await manager.locator('[data-queue] [data-field="waiting"]').allTextContents();
  assert.equal(queueRows.reduce((a, x) => a + Number(x), 0), waitingMidRun, 'the queue table adds up to the calls waiting');
  await axe(manager, 'wallboard mid-run');
  await manager.screenshot({ path: join(SCREENSHOTS, 'phone-wallboard-mid-run.png'), fullPage: true });

  await done;
  if (failed) throw failed;
  const r = report as SimulationReport | null;
  assert.ok(r);
  assert.deepEqual(r.webhooks.firstErrors, []);
  assert.equal(r.offered, 40);
  assert.ok(r.app?.agrees, `the app disagrees with the simulator: ${r.app?.disagreements.join('; ')}`);

  // At the end: nobody waiting, everyone available again, and today's figures are the simulator's.
  // The last changes can reach the page a moment after the run ends (one coalescing or polling turn).
  const expected: Record<string, number> = {
    'today-offered': r.offered,
    'today-answered': r.answered,
    'today-abandoned': r.abandoned,
    'today-callbacks': r.callbacks,
    'callbacks-waiting': r.callbacks,
    'total-waiting': 0,
    'workers-available': 5,
    'workers-on-call': 0,
    'workers-wrap-up': 0,
  };
  const shown = async () => Object.fromEntries(await Promise.all(Object.keys(expected).map(async (k) => [k, await liveNumber(manager, k)] as const)));
  await manager
    .waitForFunction(
      (want) => Object.entries(want).every(([k, v]) => Number(document.querySelector(`[data-live="${k}"]`)?.textContent) === v),
      expected,
      { timeout: 10_000 },
    )
    .catch(() => {});
  assert.deepEqual(await shown(), expected, 'the wallboard’s figures at the end');
  assert.equal(await manager.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true, 'the wallboard was reloaded');
  assert.equal(loads, 0, 'the wallboard was reloaded');
  await axe(manager, 'wallboard after the calls');
  await manager.screenshot({ path: join(SCREENSHOTS, 'phone-wallboard-end.png'), fullPage: true });
});

// ---------------------------------------------------------------------------
// A worker takes a call: the screen pop
// ---------------------------------------------------------------------------

phoneTest('a worker makes themselves available, a call is put through, and the page pops it', async () => {
  const worker = await newUserPage();
  await signIn(worker, users.worker);
  await worker.goto('/phone');
  await worker.getByRole('heading', { level: 1, name: 'Phone' }).waitFor();
  await axe(worker, 'phone page, not taking calls');

  await worker.getByLabel('Available').check();
  await go(worker, worker.getByRole('button', { name: 'Change status' }));
  await worker.getByText('You are now: available.').waitFor();
  assert.equal((await live(worker, 'my-status').textContent())?.trim(), 'Available');
  await axe(worker, 'phone page, available');

  // A professional rings and presses nothing: the call waits in the new-worries queue.
  const callSid = 'CA' + randomBytes(16).toString('hex');
  const voice = await twilioPost('/telephony/twilio/voice', { CallSid: callSid, AccountSid: ACCOUNT, From: '+447700900123', To: PROFESSIONALS, CallStatus: 'ringing' });
  assert.equal(voice.status, 200, voice.body);
  const menu = readTwiml(voice.body).gather;
  assert.ok(menu, 'the caller hears the menu');
  const queued = await twilioPost(menu.action, { CallSid: callSid, AccountSid: ACCOUNT });
  assert.equal(readTwiml(queued.body).enqueue?.name, 'norfolk.consultation');

  // The worker's softphone asks for the next caller; Twilio puts that caller through.
  const agent = await twilioPost('/telephony/twilio/agent', { CallSid: 'CA' + randomBytes(16).toString('hex'), AccountSid: ACCOUNT, From: `client:${users.workerId}` });
  const dial = readTwiml(agent.body).dialQueue;
  assert.equal(dial?.name, 'norfolk.consultation', agent.body);
  assert.ok(dial?.url);
  const call = await ctx.db.selectFrom('calls').select('id').where('external_id', '=', callSid).executeTakeFirstOrThrow();
  const connected = await twilioPost(dial.url, { CallSid: callSid, AccountSid: ACCOUNT, DequeueingCallSid: 'CA' + randomBytes(16).toString('hex'), QueueTime: '12' });
  assert.equal(connected.status, 200, connected.body);

  // The page opens the call by itself.
  await worker.waitForURL(`**/phone/calls/${call.id}`, { timeout: 10_000 });
  await worker.getByRole('heading', { level: 1, name: 'Call from 07700 900123' }).waitFor();
  await worker.getByText('Nobody has called from this number before').waitFor();
  await axe(worker, 'screen pop');
  await worker.screenshot({ path: join(SCREENSHOTS, 'phone-screen-pop.png'), fullPage: true });

  await go(worker, worker.getByRole('button', { name: 'Start the conversation' }));
  const conversation = new URL(worker.url()).pathname.match(/^\/conversations\/([0-9a-f-]{36})$/)?.[1];
  assert.ok(conversation, `not a conversation page: ${worker.url()}`);
  await worker.getByRole('heading', { level: 1, name: 'Record the conversation' }).waitFor();
  await axe(worker, 'conversation started from the call');
  await go(worker, worker.getByRole('link', { name: 'Caller' }));
  assert.equal(await worker.getByLabel('Phone number').inputValue(), '07700 900123');
  await axe(worker, 'caller section from the call');
  const linked = await ctx.db.selectFrom('calls').select('conversation_id').where('id', '=', call.id).executeTakeFirstOrThrow();
  assert.equal(linked.conversation_id, conversation);
});
