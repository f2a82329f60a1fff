/**
 * issue10-A: the audit log in a real browser. An administrator opens the audit log from the menu,
 * searches a worker's entries over a period, pages through them, downloads them as CSV, follows a
 * child's name to the child's audit trail and back to a search about the child, gets the GOV.UK
 * error summary for a mistyped record ID, and finds a child by a conversation reference. The clock
 * is pinned; every page state is checked with axe against WCAG 2.2 AA.
 *
 * Run: node --import tsx --test e2e/audit.browser.test.ts (Chromium at CHROMIUM_PATH, TEST_DATABASE_URL).
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { PageHealth } from './support/page-health.js';
import { go, heading, errorLinks, signIn, menu } from './support/pages.js';
import { chromiumMissing, journeySteps, launchChromium } from './support/journey.js';
import { createTestContext, createUser, createServiceAccount, completeConversationByApi, type TestContext } from '../test/support/harness.js';
import { createServer } from '../src/server.js';
import { buildAssets, generatedDir } from '../scripts/build-assets.js';

const skip = chromiumMissing;
const ASSETS = ['app.css', 'govuk-frontend.min.js', 'init.js'];
/** Monday 23 November 2026, 10:00 in London. */
const NOW = '2026-11-23T10:00:00Z';

let ctx: TestContext;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let adminEmail = '';
let workerId = '';
let reference = '';
const contexts: BrowserContext[] = [];
const health = new PageHealth({});
const step = journeySteps({ health, contexts, prefix: 'audit-' });
let page: Page;

before(async () => {
  if (skip) return;
  if (!ASSETS.every((f) => existsSync(join(generatedDir, f)))) buildAssets();
  ctx = await createTestContext(NOW);
  app = await createServer(ctx);
  await app.ready();
  adminEmail = (await createUser(ctx, { role: 'administrator', displayName: 'Ada Admin' })).email;
  const worker = await createUser(ctx, { role: 'cads-worker', displayName: 'Wendy Worker' });
  workerId = worker.id;
  const ellie = randomUUID();
  await ctx.db.insertInto('persons').values({ id: ellie, authority_id: 'norfolk', given_name: 'Ellie', family_name: 'Fixture', date_of_birth: '2017-03-04' }).execute();
  // 55 views of Ellie's record by the worker in November, one every two hours from the 10th.
  for (let i = 0; i < 55; i++) {
    await ctx.db.insertInto('audit_events').values({
      occurred_at: new Date(Date.UTC(2026, 10, 10, 8) + i * 7_200_000), authority_id: 'norfolk', actor_user_id: worker.id, actor_role: 'cads-worker',
      action: 'person.viewed', entity_type: 'person', entity_id: ellie, person_id: ellie, details: '{}', ip: '192.0.2.1', request_id: `req-${i}`,
    }).execute();
  }
  const token = await createServiceAccount(ctx);
  reference = (await completeConversationByApi(app, token, { workerEmail: worker.email, callerEmail: null, familyName: 'Referenced' })).reference;
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

step('an administrator opens the audit log from the menu', async () => {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London', acceptDownloads: true });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  page = health.watch(await context.newPage());
  await signIn(page, adminEmail);
  await go(page, menu(page).getByRole('link', { name: 'Audit log' }));
  await heading(page, 'Audit log');
  await page.getByText('Leave the dates blank for the last 30 days (25 October 2026 to 23 November 2026).').waitFor();
  await health.axe(page, 'audit log, the search form');
});

step('searching a worker’s entries over a period, then the next page', async () => {
  await page.getByLabel('Done by').selectOption({ value: workerId });
  await page.locator('#from-day').fill('1');
  await page.locator('#from-month').fill('11');
  await page.locator('#from-year').fill('2026');
  await page.locator('#to-day').fill('22');
  await page.locator('#to-month').fill('11');
  await page.locator('#to-year').fill('2026');
  await go(page, page.getByRole('button', { name: 'Search' }));
  await page.getByRole('heading', { level: 2, name: /55 entries\s+from 1 November 2026 to 22 November 2026/ }).waitFor();
  assert.equal(await page.locator('#audit-entries tbody tr').count(), 50, 'fifty a page');
  assert.doesNotMatch(page.url(), /Wendy|Ellie/, 'no names in the address');
  await health.axe(page, 'audit log, results');
  await go(page, page.getByRole('navigation', { name: 'Pages of audit entries' }).getByRole('link', { name: /Next/ }));
  await page.getByText('Showing 51 to 55.').waitFor();
  assert.equal(await page.locator('#audit-entries tbody tr').count(), 5);
  await health.axe(page, 'audit log, second page');
});

step('the entries download as CSV, oldest first', async () => {
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download these entries as CSV' }).click()]);
  assert.equal(csv.suggestedFilename(), 'audit-log-2026-11-01-to-2026-11-22.csv');
  const lines = readFileSync(await csv.path(), 'utf8').trimEnd().split('\r\n');
  assert.match(lines[0]!, /^\uFEFFEntry,When \(UTC\),When \(London\),Who,Role,Action,Child,Child record ID,/);
  assert.equal(lines.length, 56, 'a header and 55 entries');
  assert.match(lines[1]!, /,2026-11-10T08:00:00\.000Z,/, 'oldest first');
});

step('a child’s name leads to their audit trail, and the trail to a search about them', async () => {
  await go(page, page.locator('#audit-entries').getByRole('link', { name: /Ellie Fixture/ }).first());
  await heading(page, 'Ellie Fixture');
  await health.axe(page, 'a child’s audit trail');
  await go(page, page.getByRole('link', { name: 'Search and download this child’s entries by period' }));
  await page.getByRole('heading', { level: 2, name: /entries\s+from 25 October 2026 to 23 November 2026 about Ellie Fixture/ }).waitFor();
});

step('a mistyped record ID is explained in the error summary', async () => {
  await page.getByLabel('About the child or person with record ID').fill('Ellie');
  await go(page, page.getByRole('button', { name: 'Search' }));
  const links = await errorLinks(page);
  assert.equal(links.length, 1);
  assert.match(links[0]![0], /^Enter the child’s record ID as it appears in the address of their record/);
  assert.equal(links[0]![1], '#person');
  await health.axe(page, 'audit log, with an error');
});

step('a conversation reference finds its children', async () => {
  await page.getByLabel('Conversation reference').fill(reference);
  await go(page, page.getByRole('button', { name: 'Find' }));
  await page.getByRole('heading', { name: `Children in ${reference}` }).waitFor();
  assert.equal(await page.getByRole('link', { name: /audit trail for Kayleigh Referenced/ }).count(), 1, 'the child’s trail');
  assert.equal(await page.getByRole('link', { name: /search and download entries about Kayleigh Referenced/ }).count(), 1, 'a search about the child');
  assert.doesNotMatch(page.url(), new RegExp(reference), 'the reference was posted, not put in the address');
  await health.axe(page, 'audit log, a child found by reference');
});
