/**
 * "Before you call" in a real browser, without signing in: a partner walks the "Should I call?"
 * checker to each of its four answers for Norfolk and Stoke-on-Trent (999, the allocated worker,
 * Early Help, and the service's number with whether it is open), at a time inside opening hours and
 * on a weekday evening; reads the FAQ and the threshold guide; asks a question. Then an
 * administrator edits an FAQ answer (preview, publish, history, restore), and the team manager
 * (standing in for the head of service) marks the partner's question answered.
 *
 * The clock is pinned (Monday 23 November 2026, 10:00 in London) and moved by the test. Every page
 * state is checked with axe against WCAG 2.2 AA.
 *
 * Run: CHROMIUM_PATH=/usr/bin/chromium TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node --import tsx --test e2e/before-you-call.browser.test.ts
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { PageHealth } from './support/page-health.js';
import { go, heading, signIn } from './support/pages.js';
import { chromiumMissing, journeySteps, launchChromium, SCREENSHOTS } from './support/journey.js';
import type { FastifyInstance } from 'fastify';
import { createTestContext, createUser, TEST_PASSWORD, type TestContext } from '../test/support/harness.js';
import { createServer } from '../src/server.js';
import { buildAssets, generatedDir } from '../scripts/build-assets.js';

const skip = chromiumMissing;
const ASSETS = ['app.css', 'govuk-frontend.min.js', 'init.js'];
/** Monday 23 November 2026, 10:00 in London (GMT): both services open. */
const OPEN = '2026-11-23T10:00:00Z';
/** The same Monday at 7pm: both closed. */
const EVENING = '2026-11-23T19:00:00Z';

let ctx: TestContext;
let app: FastifyInstance;
let base: string;
let browser: Browser;
const users = { admin: '', manager: '' };
const contexts: BrowserContext[] = [];

const health = new PageHealth();
const axe = (page: Page, label: string) => health.axe(page, label);

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  return health.watch(await context.newPage());
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `before-you-call-${name}.png`), fullPage: true });
}

const step = journeySteps({ health, contexts, prefix: 'before-you-call-' });

before(async () => {
  if (skip) return;
  if (!ASSETS.every((f) => existsSync(join(generatedDir, f)))) buildAssets();
  ctx = await createTestContext(OPEN);
  users.admin = (await createUser(ctx, { role: 'administrator', displayName: 'Avery Clarke' })).email;
  users.manager = (await createUser(ctx, { role: 'team-manager', displayName: 'Morgan Hale' })).email;
  app = await createServer(ctx);
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  ctx.config.baseUrl = base;
  browser = await launchChromium();
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await app?.close();
  await ctx?.close();
  process.stderr.write(`\naxe ran on ${health.pagesChecked.length} page states; ${health.allFindings.length} violation(s).\n`);
});

const AUTHORITIES = [
  { id: 'norfolk', name: 'Norfolk County Council', short: 'CADS', number: '0344 800 8021', edt: '0344 800 8020', opens: 'at 9am tomorrow', worker: 'If the child, young person or family have an allocated worker, please contact them directly.' },
  { id: 'stoke-on-trent', name: 'Stoke-on-Trent City Council', short: 'ChAD', number: '01782 235100', edt: '01782 234234', opens: 'at 8:30am tomorrow', worker: 'If the child or family already has an allocated worker, please contact them directly.' },
] as const;

let partner: Page;

/** From the authority's page through the start page to the first question. */
async function startChecker(page: Page, a: (typeof AUTHORITIES)[number]): Promise<void> {
  await page.goto('/before-you-call');
  await go(page, page.getByRole('link', { name: new RegExp(a.name) }));
  await heading(page, `Before you call ${a.short}`);
  await go(page, page.getByRole('link', { name: `Should I call ${a.short}?` }));
  await heading(page, `Should I call ${a.short}?`);
  await go(page, page.getByRole('button', { name: 'Start now' }));
}

async function choose(page: Page, group: string | RegExp, value: 'Yes' | 'No' | RegExp, label: string): Promise<void> {
  await page.getByRole('group', { name: group }).getByLabel(value, { exact: typeof value === 'string' }).check();
  await axe(page, label);
  await go(page, page.getByRole('button', { name: 'Continue' }));
}

for (const a of AUTHORITIES) {
  step(`${a.id}: an emergency leads to 999, and no answer is an error`, async () => {
    partner ??= await newPage();
    await startChecker(partner, a);
    await heading(partner, /Is it an emergency, or is a child in immediate danger\?/);
    await shot(partner, `${a.id}-emergency`);
    await axe(partner, `${a.id} emergency question`);
    await go(partner, partner.getByRole('button', { name: 'Continue' }));
    await partner.locator('.govuk-error-summary').getByRole('link', { name: 'Select yes or no' }).waitFor();
    await axe(partner, `${a.id} emergency question with error`);
    await choose(partner, /Is it an emergency/, 'Yes', `${a.id} emergency answered`);
    await heading(partner, 'Call 999 now');
    await axe(partner, `${a.id} call 999`);
  });

  step(`${a.id}: an allocated worker is contacted directly`, async () => {
    await startChecker(partner, a);
    await choose(partner, /Is it an emergency/, 'No', `${a.id} emergency no`);
    await heading(partner, /allocated worker\?/);
    await choose(partner, /allocated worker\?/, 'Yes', `${a.id} allocated yes`);
    await heading(partner, 'Contact the allocated worker directly');
    assert.ok((await partner.locator('main').textContent())!.includes(a.worker), 'the authority’s allocated-worker message');
    await axe(partner, `${a.id} allocated worker`);
  });

  step(`${a.id}: a concern below the threshold goes to Early Help`, async () => {
    await startChecker(partner, a);
    await choose(partner, /Is it an emergency/, 'No', `${a.id} emergency no`);
    await choose(partner, /allocated worker\?/, 'No', `${a.id} allocated no`);
    await heading(partner, 'Does your concern meet the threshold for a call?');
    await choose(partner, 'Is your concern one of these?', /No, it is below/, `${a.id} threshold no`);
    await heading(partner, 'Request Early Help support');
    await partner.getByRole('button', { name: 'Request for support (Early Help)' }).waitFor();
    await axe(partner, `${a.id} Early Help`);
  });

  step(`${a.id}: a concern that meets the threshold: the number, options and open now; closed in the evening`, async () => {
    ctx.clock.set(OPEN);
    await startChecker(partner, a);
    await choose(partner, /Is it an emergency/, 'No', `${a.id} emergency no`);
    await choose(partner, /allocated worker\?/, 'No', `${a.id} allocated no`);
    await choose(partner, 'Is your concern one of these?', /Yes, it is one of these/, `${a.id} threshold yes`);
    await heading(partner, `Call ${a.short} on ${a.number}`);
    const details = partner.locator('#call-details');
    assert.match((await details.textContent())!, /Open now, until 5pm/, 'open now');
    assert.equal(await partner.locator('#closed-now').count(), 0, 'no closed warning');
    await partner.locator('#have-ready').waitFor();
    await axe(partner, `${a.id} call the service, open`);
    await shot(partner, `${a.id}-call-open`);
    ctx.clock.set(EVENING);
    await partner.reload();
    assert.match((await details.textContent())!.replace(/\s+/g, ' '), new RegExp(`Closed It is outside opening hours\\. Opens again ${a.opens}\\.`), 'closed, next opening');
    assert.match((await partner.locator('#closed-now').textContent())!, new RegExp(a.edt), 'the EDT number');
    await axe(partner, `${a.id} call the service, closed`);
    await shot(partner, `${a.id}-call-closed`);
    ctx.clock.set(OPEN);
  });
}

step('a partner reads the FAQ and the threshold guide', async () => {
  await partner.goto('/before-you-call/norfolk');
  await go(partner, partner.getByRole('link', { name: 'Frequently asked questions' }));
  await heading(partner, 'Frequently asked questions');
  await partner.getByRole('heading', { level: 2, name: 'What is the MASH?' }).waitFor();
  await partner.getByText(/^Last reviewed: /).waitFor();
  await axe(partner, 'FAQ');
  await partner.goto('/before-you-call/stoke-on-trent');
  await go(partner, partner.getByRole('link', { name: 'Threshold guide: the continuum of need' }));
  await heading(partner, 'Threshold guide: the continuum of need');
  await axe(partner, 'threshold guide');
  await go(partner, partner.getByRole('link', { name: 'Level 4b – children in need of safeguarding' }));
  await heading(partner, 'Level 4b – children in need of safeguarding');
  await partner.getByText('Examples:').waitFor();
  await axe(partner, 'threshold level');
  await shot(partner, 'threshold-level');
});

step('a partner asks a question about the service', async () => {
  await partner.goto('/before-you-call/norfolk');
  await go(partner, partner.getByRole('link', { name: 'Ask a question about the service' }));
  await heading(partner, 'Ask a question about the service');
  await go(partner, partner.getByRole('button', { name: 'Send question' }));
  await partner.locator('.govuk-error-summary').getByRole('link', { name: 'Enter your name' }).waitFor();
  await axe(partner, 'ask with errors');
  await partner.getByLabel('Your name').fill('Sam Patel');
  await partner.getByLabel('Your work email address').fill('sam.patel@oakfield.example');
  await partner.getByLabel('Your organisation').fill('Oakfield School');
  await partner.getByLabel('Your question').fill('Can our designated safeguarding lead call for a colleague?');
  await go(partner, partner.getByRole('button', { name: 'Send question' }));
  await partner.getByRole('heading', { name: 'Question sent' }).waitFor();
  await axe(partner, 'question sent');
});

step('an administrator edits an FAQ answer: preview, publish, history and restore', async () => {
  const admin = await newPage();
  await signIn(admin, users.admin);
  await go(admin, admin.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Before you call pages' }));
  await heading(admin, '“Before you call” pages');
  await axe(admin, 'admin pages');
  await go(admin, admin.getByRole('link', { name: "Edit What are the opening hours of the Children's Advice and Duty Service?" }));
  await heading(admin, /^Edit: What are the opening hours/);
  await admin.getByLabel('Answer').fill('Monday to Friday, 9am to 5pm.\n\n- Closed on bank holidays\n- Out of hours, call the Emergency Duty Team');
  await admin.getByLabel('What did you change?').fill('Bank holidays as a list');
  await go(admin, admin.getByRole('button', { name: 'Preview' }));
  await admin.getByRole('heading', { name: 'Preview' }).waitFor();
  await admin.locator('#preview li', { hasText: 'Closed on bank holidays' }).waitFor();
  await axe(admin, 'edit with preview');
  await shot(admin, 'admin-preview');
  await go(admin, admin.getByRole('button', { name: 'Publish' }));
  await admin.locator('.govuk-notification-banner--success').getByRole('heading', { name: 'Version 2 published' }).waitFor();
  await axe(admin, 'published');
  await partner.goto('/before-you-call/norfolk/faq');
  await partner.getByText('Out of hours, call the Emergency Duty Team').waitFor();
  await go(admin, admin.getByRole('link', { name: "History of What are the opening hours of the Children's Advice and Duty Service?" }));
  await admin.getByRole('cell', { name: 'Bank holidays as a list' }).waitFor();
  await axe(admin, 'history');
  await go(admin, admin.getByRole('link', { name: 'View version 1' }));
  await axe(admin, 'old version');
  await go(admin, admin.getByRole('button', { name: 'Restore this version' }));
  await admin.locator('.govuk-notification-banner--success').getByRole('heading', { name: 'Version 1 restored' }).waitFor();
  await admin.getByRole('cell', { name: 'Restored version 1' }).waitFor();
  await axe(admin, 'restored');
  await go(admin, admin.getByRole('link', { name: 'All pages', exact: true }));
  await go(admin, admin.getByRole('button', { name: 'Mark as reviewed' }).first());
  await admin.locator('.govuk-notification-banner--success').getByRole('heading', { name: 'Marked as reviewed' }).waitFor();
  await axe(admin, 'marked as reviewed');
});

step('the head of service (team manager) sees the question and marks it answered', async () => {
  const manager = await newPage();
  await signIn(manager, users.manager);
  await manager.getByRole('link', { name: '1 new question from partners' }).waitFor();
  await go(manager, manager.getByRole('link', { name: '1 new question from partners' }));
  await heading(manager, 'Questions from partners');
  await manager.getByText('Can our designated safeguarding lead call for a colleague?').waitFor();
  await axe(manager, 'questions');
  await shot(manager, 'questions');
  await manager.getByRole('group', { name: 'What happened to this question?' }).getByLabel('Answered').check();
  await go(manager, manager.getByRole('button', { name: 'Save' }));
  await manager.locator('.govuk-notification-banner--success').getByRole('heading', { name: 'Question updated' }).waitFor();
  await manager.locator('#no-questions').waitFor();
  await axe(manager, 'question answered');
});
