/**
 * issue10-E: retention and subject access in a real browser. An administrator runs the retention
 * review, sees what is due with its rule, approves a conversation for deletion, places a legal hold
 * on a child (a missing reason is explained in the error summary), downloads a subject access
 * export (JSON and the readable summary), and deletes the approved record. The clock is pinned;
 * every page state is checked with axe against WCAG 2.2 AA.
 *
 * Run: node --import tsx --test e2e/retention.browser.test.ts (Chromium at CHROMIUM_PATH, TEST_DATABASE_URL).
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { PageHealth } from './support/page-health.js';
import { errorLinks, go, heading, menu, signIn, successBanner } from './support/pages.js';
import { chromiumMissing, journeySteps, launchChromium } from './support/journey.js';
import { createTestContext, createUser, type TestContext } from '../test/support/harness.js';
import { conversation, person, principalOf } from '../test/support/retention-fixtures.js';
import { createServer } from '../src/server.js';
import { buildAssets, generatedDir } from '../scripts/build-assets.js';

const skip = chromiumMissing;
const ASSETS = ['app.css', 'govuk-frontend.min.js', 'init.js'];
const NOW = '2026-11-23T10:00:00Z';

let ctx: TestContext;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let adminEmail = '';
const refs: Record<string, string> = {};
const contexts: BrowserContext[] = [];
const health = new PageHealth({ allowGovukConditionalRadios: true });
const step = journeySteps({ health, contexts, prefix: 'retention-' });
let page: Page;

before(async () => {
  if (skip) return;
  if (!ASSETS.every((f) => existsSync(join(generatedDir, f)))) buildAssets();
  ctx = await createTestContext(NOW);
  app = await createServer(ctx);
  await app.ready();
  const worker = await principalOf(ctx, (await createUser(ctx, { role: 'cads-worker', displayName: 'Jo Whitfield' })).id);
  adminEmail = (await createUser(ctx, { role: 'administrator', displayName: 'Pat Ogunleye' })).email;
  ctx.clock.set('2014-03-01T10:00:00Z');
  const tamsin = await person(ctx, worker, { given: 'Tamsin', family: 'Fenwright-Oakes', dob: '2000-01-15' });
  const harriet = await person(ctx, worker, { given: 'Harriet', family: 'Quenby', dob: '2000-09-09' });
  refs.tamsin = (await conversation(ctx, worker, { at: '2014-03-10T10:00:00Z', children: [{ personId: tamsin, outcome: 'advice-and-information' }] })).reference;
  refs.harriet = (await conversation(ctx, worker, {
    at: '2014-06-02T10:00:00Z', children: [{ personId: harriet, outcome: 'advice-and-information' }],
    caller: { name: 'Joan Pettigrew', email: null, phone: '07700 900456', type: 'public' },
  })).reference;
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

step('an administrator runs the review and sees what is due, with the rule that applies', async () => {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London', acceptDownloads: true });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  page = health.watch(await context.newPage());
  await signIn(page, adminEmail);
  await go(page, menu(page).getByRole('link', { name: 'Retention' }));
  await heading(page, 'Retention');
  await page.getByText('The review has not run yet.').waitFor();
  await health.axe(page, 'retention overview, never run');
  await go(page, page.getByRole('button', { name: 'Run the review now' }));
  await successBanner(page, 'Retention review finished');
  const row = page.locator('#record-types').getByRole('row', { name: /Conversations/ });
  assert.match(await row.innerText(), /Until the 25th birthday of the youngest child it is about, then deleted/, 'the rule in words');
  await health.axe(page, 'retention overview');

  await go(page, page.locator('#record-types').getByRole('link', { name: 'Conversations' }));
  await heading(page, 'Conversations');
  for (const ref of [refs.tamsin!, refs.harriet!]) assert.equal(await page.locator('#records').getByRole('cell', { name: ref, exact: true }).count(), 1, `${ref} is due`);
  assert.equal(await page.getByText('Fenwright').count(), 0, 'the list names no child');
  await health.axe(page, 'conversations due');
});

step('approving nothing is explained; approving one conversation puts it on the approved list', async () => {
  await go(page, page.getByRole('button', { name: 'Approve selected for deletion' }));
  assert.deepEqual(await errorLinks(page), [['Select the records to approve for deletion', '#records']]);
  await health.axe(page, 'approve with nothing selected');
  await page.getByLabel(`Select ${refs.tamsin}`).check();
  await go(page, page.getByRole('button', { name: 'Approve selected for deletion' }));
  await successBanner(page, 'Approved for deletion');
  await go(page, page.getByRole('link', { name: 'Approved for deletion' }));
  await page.locator('#records').getByRole('cell', { name: refs.tamsin!, exact: true }).waitFor();
  await health.axe(page, 'approved list');
});

step('keeping a record for longer needs a date and a reason', async () => {
  await go(page, page.getByRole('link', { name: 'Waiting for a decision' }));
  await go(page, page.getByRole('link', { name: `Review ${refs.harriet}` }));
  await heading(page, `Review ${refs.harriet}`);
  await health.axe(page, 'review a record');
  await page.getByLabel('Keep it for longer').check();
  await go(page, page.getByRole('button', { name: 'Save the decision' }));
  assert.deepEqual((await errorLinks(page)).map(([t]) => t), ['Enter the date to keep the record until', 'Enter why the record should be kept']);
  await health.axe(page, 'review with errors');
});

step('a legal hold needs a reason; placed, it is listed', async () => {
  await page.goto('/admin/retention/holds');
  await heading(page, 'Legal holds');
  await health.axe(page, 'legal holds, none');
  await page.getByLabel('Reference or NHS number').fill(refs.harriet!);
  await go(page, page.getByRole('button', { name: 'Find' }));
  await page.getByLabel(/Harriet Quenby/).check();
  await go(page, page.getByRole('button', { name: 'Place legal hold' }));
  assert.deepEqual((await errorLinks(page)).map(([t]) => t), ['Enter why the record must not be deleted, for example the court case or inquiry']);
  await health.axe(page, 'legal hold without a reason');
  await page.getByLabel(/Harriet Quenby/).check();
  await page.getByLabel('Why').fill('Family court proceedings');
  await go(page, page.getByRole('button', { name: 'Place legal hold' }));
  await successBanner(page, 'Legal hold placed');
  await page.locator('#holds').getByRole('cell', { name: 'Child or person: Harriet Quenby', exact: true }).waitFor();
  await health.axe(page, 'legal holds, one');
});

step('a subject access export downloads as JSON and as a readable summary, third parties marked', async () => {
  await go(page, menu(page).getByRole('link', { name: 'Subject access' }));
  await heading(page, 'Subject access requests');
  await health.axe(page, 'subject access, find');
  await page.getByLabel('Reference or NHS number').fill(refs.harriet!);
  await go(page, page.getByRole('button', { name: 'Find' }));
  await go(page, page.locator('#found + ul').getByRole('link', { name: /Harriet Quenby/ }));
  await heading(page, 'Harriet Quenby');
  await health.axe(page, 'subject access, the person');
  const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download everything (JSON)' }).click()]);
  assert.match(json.suggestedFilename(), /^subject-access-[0-9a-f]{8}-2026-11-23\.json$/, 'named without the person’s name');
  const bundle = JSON.parse(readFileSync(await json.path(), 'utf8')) as { sections: Record<string, unknown[]>; redactionReview: { byCategory: Record<string, number> } };
  assert.equal(bundle.sections.conversations!.length, 1, 'the conversation');
  assert.ok((bundle.redactionReview.byCategory.caller ?? 0) >= 2, 'the caller’s name and number are marked');
  assert.equal(bundle.sections.legalHolds!.length, 1, 'the hold is part of what is held about her');
  const [html] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the readable summary (HTML)' }).click()]);
  const text = readFileSync(await html.path(), 'utf8');
  assert.match(text, /Review for redaction: Caller<\/span> Joan Pettigrew/, 'the caller is marked in the summary');
});

step('the approved record is deleted after confirming, and only that one', async () => {
  await go(page, menu(page).getByRole('link', { name: 'Retention' }));
  await go(page, page.getByRole('button', { name: 'Delete approved records' }));
  await heading(page, 'Delete approved records');
  await health.axe(page, 'delete, confirm');
  await go(page, page.getByRole('button', { name: 'Delete personal data' }));
  assert.deepEqual((await errorLinks(page)).map(([t]) => t), ['Confirm that you have reviewed these records and they can be deleted']);
  await health.axe(page, 'delete, not confirmed');
  await page.getByLabel('I have reviewed these records and they can be deleted').check();
  await go(page, page.getByRole('button', { name: 'Delete personal data' }));
  await successBanner(page, 'Personal data deleted');
  await page.goto('/admin/retention/conversations?show=deleted');
  await page.locator('#records').getByRole('cell', { name: refs.tamsin!, exact: true }).waitFor();
  assert.equal(await page.locator('#records').getByRole('cell', { name: refs.harriet!, exact: true }).count(), 0, 'the conversation not approved is not deleted');
  await health.axe(page, 'disposal log');
});
