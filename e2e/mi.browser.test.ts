/**
 * Management information in a real browser: a team manager opens the dashboard, reads the summary
 * and the chart's table, narrows the figures by the caller's agency, drills into a figure, downloads
 * a figure as CSV and the whole dashboard as XLSX, then checks Ofsted's Annex A and the CIN census
 * and downloads List 1. A mistyped date gets the GOV.UK error summary. The clock is pinned; every
 * page state is checked with axe against WCAG 2.2 AA.
 *
 * Run: node --import tsx --test e2e/mi.browser.test.ts (Chromium at CHROMIUM_PATH, TEST_DATABASE_URL).
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { PageHealth } from './support/page-health.js';
import { go, heading } from './support/pages.js';
import { chromiumMissing, journeySteps, launchChromium } from './support/journey.js';
import { createTestContext, createUser, createServiceAccount, TEST_PASSWORD, type TestContext } from '../test/support/harness.js';
import { createServer } from '../src/server.js';
import { refreshManagementInformation } from '../src/features/mi/mi-refresh.js';
import { buildAssets, generatedDir } from '../scripts/build-assets.js';

const skip = chromiumMissing;
const ASSETS = ['app.css', 'govuk-frontend.min.js', 'init.js'];
/** Tuesday 10 March 2026, 10:00 in London. */
const NOW = '2026-03-10T10:00:00Z';

let ctx: TestContext;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let managerEmail = '';
const contexts: BrowserContext[] = [];
const health = new PageHealth({});
const step = journeySteps({ health, contexts, prefix: 'mi-' });
let page: Page;

before(async () => {
  if (skip) return;
  if (!ASSETS.every((f) => existsSync(join(generatedDir, f)))) buildAssets();
  ctx = await createTestContext('2026-03-02T10:00:00Z');
  app = await createServer(ctx);
  await app.ready();
  const token = await createServiceAccount(ctx, { role: 'cads-worker' });
  const worker = await createUser(ctx, { role: 'cads-worker', displayName: 'Jo Whitfield' });
  managerEmail = (await createUser(ctx, { role: 'team-manager', displayName: 'Mark Ellison' })).email;
  const auth = { authorization: `Bearer ${token}` };
  const child = async (familyName: string) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/people', headers: auth, payload: { givenName: 'Robin', familyName, dateOfBirth: '2015-04-04', sex: 'F', ethnicity: 'WBRI', differentChildReason: 'Browser test data' } });
    return res.json().id as string;
  };
  const talk = async (personId: string, outcome: string, agencyCode: string) => {
    const res = await app.inject({
      method: 'POST', url: '/api/v1/conversations', headers: auth,
      payload: {
        caller: { type: 'professional', name: 'A Caller', agencyCode, phone: '020 7946 0000', email: null },
        children: [{ personId, whereNow: 'School', safeTonight: 'yes', outcomeCode: outcome, levelCode: '3', callerAgreed: true, nextSteps: 'Steps' }],
        concernCategories: ['neglect'], concernDetail: 'Detail', immediacy: 'soon', parentsInformed: 'yes', consentGiven: 'yes', consentReasonCodes: [],
        lawfulBasisCode: 'public-task-children-act', worries: 'Worries', complete: true, workerEmail: worker.email,
      },
    });
    assert.equal(res.statusCode, 201, res.body);
  };
  const robin = await child('Sandpiper');
  await talk(robin, 'social-care-assessment', 'school');
  ctx.clock.set('2026-03-04T11:00:00Z');
  await talk(robin, 'advice-and-information', 'gp');
  await talk(await child('Plover'), 'advice-and-information', 'school');
  await refreshManagementInformation(ctx.db, ctx.profiles, ctx.clock.now());
  ctx.clock.set(NOW);
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

step('a team manager opens the dashboard: a summary, a chart with its table, figures', async () => {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London', acceptDownloads: true });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  page = health.watch(await context.newPage());
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(managerEmail);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await go(page, page.getByRole('button', { name: 'Sign in' }));
  await go(page, page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Management information' }));
  await heading(page, 'Management information');
  await page.locator('#summary').getByText('3 conversations about 2 children', { exact: false }).waitFor();
  assert.equal(await page.getByRole('img', { name: 'Conversations per day' }).count(), 1, 'the chart is an image with a name');
  await page.getByText('Show the numbers in a table').click();
  await page.locator('#figure-volume').waitFor();
  await health.axe(page, 'dashboard, last 28 days');
});

step('narrowing by the caller’s agency changes every figure; a mistyped date is explained', async () => {
  await page.getByLabel('Caller’s agency').selectOption({ label: 'GP' });
  await go(page, page.getByRole('button', { name: 'Show figures' }));
  await page.locator('#summary').getByText('1 conversation about 1 child', { exact: false }).waitFor();
  await health.axe(page, 'dashboard filtered by agency');
  await page.locator('#from-day').fill('31');
  await page.locator('#from-month').fill('2');
  await page.locator('#from-year').fill('2026');
  await go(page, page.getByRole('button', { name: 'Show figures' }));
  await page.locator('.govuk-error-summary').getByRole('link', { name: /start date must be a real date/i }).waitFor();
  await health.axe(page, 'dashboard with an error');
  await page.locator('#from-day').fill('1');
  await page.locator('#from-month').fill('3');
  await page.getByLabel('Caller’s agency').selectOption({ value: '' });
  await go(page, page.getByRole('button', { name: 'Show figures' }));
  await heading(page, 'Management information');
});

step('drilling into “repeat within 12 months” lists the conversation behind it', async () => {
  const repeatRow = page.locator('#figure-repeat').getByRole('row', { name: /Repeat within 12 months/ });
  await go(page, repeatRow.getByRole('link'));
  await heading(page, 'Repeat conversations about the same child within 12 months');
  assert.equal(await page.getByRole('link', { name: 'Robin Sandpiper' }).count(), 1, 'the child behind the figure');
  await health.axe(page, 'drill-down list');
  await go(page, page.getByRole('link', { name: 'Back' }));
  await heading(page, 'Management information');
});

step('a figure downloads as CSV, and the whole dashboard as XLSX', async () => {
  const link = page.locator('.app-table-wrapper:has(#figure-outcomes) + p').getByRole('link', { name: /^CSV/ });
  const [csv] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const text = readFileSync(await csv.path(), 'utf8');
  assert.match(text, /^\uFEFFOutcome,Children,Share of children\r\n/);
  assert.match(text, /Referral for a social care assessment,1,33.3\r\n/, 'one of the three children');
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download every figure as an XLSX workbook' }).click()]);
  assert.match(xlsx.suggestedFilename(), /^front-door-mi-all-.*\.xlsx$/);
  assert.equal(readFileSync(await xlsx.path()).subarray(0, 2).toString(), 'PK');
});

step('Ofsted Annex A and the CIN census: counts, validation reports, and List 1 downloaded', async () => {
  await go(page, page.getByRole('link', { name: 'Ofsted Annex A, Lists 1 and 3' }));
  await heading(page, 'Ofsted Annex A: Lists 1 and 3');
  await page.locator('#from-day').fill('1');
  await page.locator('#from-month').fill('3');
  await page.locator('#from-year').fill('2026');
  await page.locator('#to-day').fill('9');
  await page.locator('#to-month').fill('3');
  await page.locator('#to-year').fill('2026');
  await go(page, page.getByRole('button', { name: 'Check the lists' }));
  await page.getByText('3 rows.').waitFor();
  await health.axe(page, 'Annex A');
  const [list1] = await Promise.all([page.waitForEvent('download'), page.locator('a[href^="/mi/annex-a/export?list=1&format=csv"]').click()]);
  const rows = readFileSync(await list1.path(), 'utf8').trim().split('\r\n');
  assert.equal(rows[0], 'Child Unique ID,Gender,Ethnicity,Date of Birth,Age of Child (Years),Date of Contact,Contact Source');
  assert.equal(rows.length, 4, 'a header and three contacts');
  await page.goto('/mi/cin-census?year=2026');
  await heading(page, 'Children in Need census');
  await page.getByText('1 child, 1 referral').waitFor();
  await health.axe(page, 'CIN census');
});
