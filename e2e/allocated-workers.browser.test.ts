/**
 * The allocated worker journey in a real browser, each person in their own browser context: a
 * team manager records a child's allocated social worker (the locality worker, who uses Front
 * Door); a CADS worker finds the child and sees the allocated worker at once in the results, on
 * the record and in the conversation's children section, then completes the conversation with
 * "Passed to the allocated worker"; the locality worker signs in, sees it on their home page and
 * acknowledges it, and the email (naming no child) reaches the demo mailbox.
 *
 * The clock is pinned (Monday 23 November 2026, 09:30 in London). Every page state is checked
 * with axe against WCAG 2.2 AA.
 *
 * Run: CHROMIUM_PATH=/usr/bin/chromium node --import tsx --test e2e/allocated-workers.browser.test.ts
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { PageHealth } from './support/page-health.js';
import { go, heading, signIn, menu, recordConcernConsentAndWorries } from './support/pages.js';
import { chromiumMissing, journeySteps, launchChromium } from './support/journey.js';
import type { FastifyInstance } from 'fastify';
import { join } from 'node:path';
import { createServiceAccount, createTestContext, createUser, TEST_PASSWORD, type TestContext } from '../test/support/harness.js';
import { createServer } from '../src/server.js';
import { startWrittenRecordWorker } from '../src/features/written-records/worker.js';
import { startMashAlertsWorker } from '../src/features/mash/mash-alerts.js';
import { buildAssets, generatedDir } from '../scripts/build-assets.js';

const skip = chromiumMissing;
const ASSETS = ['app.css', 'govuk-frontend.min.js', 'init.js'];
const START = '2026-11-23T09:30:00Z';
const LOCALITY_EMAIL = 'locality.worker@norfolk.example';

let ctx: TestContext;
let app: FastifyInstance;
let base: string;
let browser: Browser;
const users = { worker: '', manager: '' };
const contexts: BrowserContext[] = [];
const journey = { childId: '', reference: '' };

const health = new PageHealth({ allowGovukConditionalRadios: true });
const axe = (page: Page, label: string) => health.axe(page, label);

async function newUserPage(): Promise<Page> {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  return health.watch(await context.newPage());
}

async function errorLinks(page: Page): Promise<[string, string][]> {
  return page.locator('.govuk-error-summary__list a').evaluateAll((as) => as.map((a) => [(a.textContent ?? '').trim(), a.getAttribute('href') ?? ''] as [string, string]));
}

async function eventually<T>(what: string, fn: () => Promise<T | null | undefined | false>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await fn();
    if (v) return v;
    await sleep(200);
  }
  throw new Error(`gave up waiting for ${what}`);
}

const step = journeySteps({ health, contexts, prefix: 'allocated-workers-' });

before(async () => {
  if (skip) return;
  if (!ASSETS.every((f) => existsSync(join(generatedDir, f)))) buildAssets();
  ctx = await createTestContext(START);
  await startWrittenRecordWorker(ctx, 0.5);
  await startMashAlertsWorker(ctx, 0.5);
  users.worker = (await createUser(ctx, { role: 'cads-worker', displayName: 'Jordan Reeve' })).email;
  users.manager = (await createUser(ctx, { role: 'team-manager', displayName: 'Morgan Hale' })).email;
  await createUser(ctx, { role: 'cads-worker', displayName: 'Olu Adeyemi', email: LOCALITY_EMAIL });
  app = await createServer(ctx);
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  ctx.config.baseUrl = base;
  // The child is already known to Front Door.
  const token = await createServiceAccount(ctx, { role: 'cads-worker' });
  const res = await fetch(`${base}/api/v1/people`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ givenName: 'Ava', familyName: 'Marlow', dateOfBirth: '2015-05-04', sex: 'F', postcode: 'NR3 1AB' }),
  });
  assert.equal(res.status, 201, 'the child is created');
  journey.childId = ((await res.json()) as { id: string }).id;
  browser = await launchChromium();
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await app?.close();
  await ctx?.close();
  process.stderr.write(`\naxe ran on ${health.pagesChecked.length} page states; ${health.allFindings.length} violation(s).\n`);
});

let manager: Page;
let worker: Page;
let locality: Page;

step('a team manager records the child’s allocated social worker', async () => {
  manager = await newUserPage();
  await signIn(manager, users.manager);
  await manager.goto(`/people/${journey.childId}`);
  await heading(manager, 'Ava Marlow');
  await go(manager, manager.getByRole('link', { name: 'Record an allocated worker' }));
  await heading(manager, 'Record an allocated worker');
  await axe(manager, 'record an allocated worker');
  await go(manager, manager.getByRole('button', { name: 'Save' }));
  const errors = await errorLinks(manager);
  assert.ok(errors.some(([, href]) => href === '#kind'), 'kind is needed');
  assert.ok(errors.some(([, href]) => href === '#phone'), 'phone is needed');
  await axe(manager, 'record an allocated worker (errors)');

  await manager.getByRole('group', { name: 'What kind of worker are they?' }).getByLabel('Social worker').check();
  await manager.getByLabel('Worker’s name').fill('Olu Adeyemi');
  await manager.getByLabel('Team').fill('Children in need locality team');
  await manager.getByLabel('Phone number').fill('01632 960 210');
  await manager.getByLabel('Email address').fill(LOCALITY_EMAIL);
  await manager.getByLabel('Their Front Door user (optional)').selectOption({ label: `Olu Adeyemi (${LOCALITY_EMAIL})` });
  const start = manager.getByRole('group', { name: 'When did the allocation start?' });
  await start.getByLabel('Day').fill('2');
  await start.getByLabel('Month').fill('11');
  await start.getByLabel('Year').fill('2026');
  await go(manager, manager.getByRole('button', { name: 'Save' }));
  await heading(manager, 'Ava Marlow');
  await manager.getByText('Allocated social worker: Olu Adeyemi, Children in need locality team').waitFor();
  await axe(manager, 'child’s record with an allocated worker');
  await go(manager, manager.getByRole('link', { name: 'History' }));
  await heading(manager, 'Allocated workers');
  await manager.getByText('Current', { exact: true }).waitFor();
  await axe(manager, 'history of allocated workers');
  await go(manager, manager.getByRole('link', { name: /Back to Ava Marlow/ }));
  await go(manager, manager.getByRole('link', { name: 'End the allocation of Olu Adeyemi' }));
  await heading(manager, 'End the allocation');
  await axe(manager, 'end the allocation (not submitted)');
});

step('a CADS worker finds the child and sees the allocated worker at once', async () => {
  worker = await newUserPage();
  await signIn(worker, users.worker);
  await go(worker, menu(worker).getByRole('link', { name: 'Find a child' }));
  await worker.getByLabel('Name', { exact: true }).fill('Ava Marlow');
  await go(worker, worker.getByRole('button', { name: 'Search', exact: true }));
  const result = worker.locator('.app-search-result').filter({ hasText: 'Ava Marlow' });
  await result.getByText('Allocated worker', { exact: true }).waitFor();
  await result.getByText(/Olu Adeyemi \(social worker, Children in need locality team\)/).waitFor();
  await axe(worker, 'search results with an allocated worker');
  await go(worker, result.getByRole('link', { name: 'Ava Marlow' }));
  await heading(worker, 'Ava Marlow');
  await worker.getByText('Allocated social worker: Olu Adeyemi, Children in need locality team').waitFor();
  await axe(worker, 'child’s record (CADS worker)');
});

step('the worker completes a conversation “Passed to the allocated worker”', async () => {
  await go(worker, menu(worker).getByRole('link', { name: 'New conversation' }));
  await go(worker, worker.getByRole('button', { name: 'Start recording' }));
  await heading(worker, 'Caller');
  journey.reference = ((await worker.locator('.govuk-caption-l').textContent()) ?? '').replace('Conversation', '').trim();
  await worker.getByRole('group', { name: 'Who is calling?' }).getByLabel('Professional').check();
  await worker.getByLabel("Caller's name").fill('Sam Patel');
  await worker.getByLabel('Agency', { exact: true }).selectOption({ label: 'School' });
  await worker.getByLabel('Phone number').fill('01632 960001');
  await go(worker, worker.getByRole('button', { name: 'Save and continue' }));

  await heading(worker, 'Children');
  await worker.getByLabel('Name', { exact: true }).fill('Ava Marlow');
  await go(worker, worker.getByRole('button', { name: 'Search for a child' }));
  await worker.locator('.app-search-result').filter({ hasText: 'Ava Marlow' }).getByText('Allocated worker', { exact: true }).waitFor();
  await go(worker, worker.getByRole('button', { name: 'Add Ava Marlow to this conversation' }));
  await worker.getByRole('heading', { level: 3, name: 'Ava Marlow' }).waitFor();
  await worker.getByText(/Allocated social worker: Olu Adeyemi, Children in need locality team, phone/).waitFor();
  await axe(worker, 'conversation children with an allocated worker');
  await go(worker, worker.getByRole('link', { name: 'Continue' }));
  await heading(worker, 'Family and household');
  await go(worker, worker.getByRole('link', { name: 'Continue' }));

  await recordConcernConsentAndWorries(worker, {
    child: 'Ava Marlow', concern: 'Neglect', immediacy: /Soon – the child needs help/,
    detail: 'Ava has arrived hungry three days running.',
    worries: 'Hunger at school.',
  });

  await heading(worker, 'Agreed outcome');
  const child = worker.getByRole('group', { name: 'Ava Marlow', exact: true });
  await child.getByLabel('Level of need').selectOption({ index: 2 });
  await child.getByRole('group', { name: 'Agreed outcome for Ava Marlow' }).getByLabel('Passed to the allocated worker', { exact: true }).check();
  await child.getByRole('group', { name: 'Does the caller agree with this outcome?' }).getByLabel('Yes', { exact: true }).check();
  await child.getByLabel('Next steps').fill('Allocated worker to visit this week.');
  await child.getByLabel('Who will do them?').fill('Allocated worker');
  await child.getByText('Allocated social worker: Olu Adeyemi, Children in need locality team.').waitFor();
  await axe(worker, 'agreed outcome with an allocated worker');
  await go(worker, worker.getByRole('button', { name: 'Save and continue' }));

  await heading(worker, 'Check the record before completing it');
  await go(worker, worker.getByRole('button', { name: 'Complete conversation' }));
  await worker.getByRole('heading', { name: 'Conversation completed' }).waitFor();
  await worker.getByText(/Passed to Olu Adeyemi \(social worker, Children in need locality team\) on .*; not yet acknowledged/).waitFor();
  await axe(worker, 'completed conversation passed to the allocated worker');
});

step('the locality worker signs in, sees it on their home page and acknowledges it', async () => {
  locality = await newUserPage();
  await signIn(locality, LOCALITY_EMAIL);
  await locality.getByRole('heading', { name: 'Passed to you by CADS' }).waitFor();
  const card = locality.locator('.govuk-summary-card').filter({ hasText: journey.reference });
  await card.getByText('Ava Marlow').waitFor();
  await card.getByText('Allocated worker to visit this week.').waitFor();
  await axe(locality, 'home page with a conversation passed to the worker');
  await go(locality, card.getByRole('button', { name: `Acknowledge ${journey.reference}` }));
  await locality.locator('.govuk-notification-banner--success').getByRole('heading', { name: `${journey.reference} acknowledged` }).waitFor();
  assert.equal(await locality.getByRole('heading', { name: 'Passed to you by CADS' }).count(), 0, 'gone from the home page');
  await axe(locality, 'home page after acknowledging');

  const notice = await ctx.db.selectFrom('allocated_worker_notices').selectAll().executeTakeFirstOrThrow();
  assert.ok(notice.acknowledged_at, 'acknowledged');
  const mail = await eventually('the email to reach the mailbox', () =>
    ctx.db.selectFrom('mailbox_messages').selectAll().where('to_address', '=', LOCALITY_EMAIL).executeTakeFirst());
  assert.ok(mail.subject.includes(journey.reference), 'the email names the reference');
  assert.ok(!/Ava|Marlow/.test(mail.subject + mail.text_body), 'and not the child');

  await worker.goto(`/people/${journey.childId}`);
  await worker.getByText('Passed to the allocated worker, Olu Adeyemi (acknowledged)').waitFor();
  await axe(worker, 'chronology with the acknowledgement');
});
