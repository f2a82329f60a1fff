/**
 * issue10-F: restricted records ("break glass") in a real browser, each person in their own browser
 * context. A team manager restricts a child's record to one named worker (the owner). Another CADS
 * worker searches for the child and sees only "Restricted record" and its reference; opening it
 * shows the restricted record page; they give a reason (an empty reason is refused with the error
 * summary) and then see the record. The owner finds the opening, with its reason, on their home
 * page and marks it checked; the manager sees it on the list of restricted records.
 *
 * The clock is pinned (Monday 23 November 2026, 09:30 in London). Every page state is checked
 * with axe against WCAG 2.2 AA.
 *
 * Run: CHROMIUM_PATH=/usr/bin/chromium node --import tsx --test e2e/restricted.browser.test.ts
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { PageHealth } from './support/page-health.js';
import { errorLinks, go, heading, menu, signIn, successBanner } from './support/pages.js';
import { chromiumMissing, journeySteps, launchChromium } from './support/journey.js';
import { createServiceAccount, createTestContext, createUser, type TestContext } from '../test/support/harness.js';
import { createServer } from '../src/server.js';
import { buildAssets, generatedDir } from '../scripts/build-assets.js';

const ASSETS = ['app.css', 'govuk-frontend.min.js', 'init.js'];
const START = '2026-11-23T09:30:00Z';
const CHILD = 'Marnie Oakhurst';

let ctx: TestContext;
let app: FastifyInstance;
let base: string;
let browser: Browser;
const users = { owner: '', other: '', manager: '' };
const contexts: BrowserContext[] = [];
const journey = { childId: '', reference: '' };

const health = new PageHealth({ allowGovukConditionalRadios: true });
const axe = (page: Page, label: string) => health.axe(page, label);
const step = journeySteps({ health, contexts, prefix: 'restricted-' });

async function newUserPage(): Promise<Page> {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  return health.watch(await context.newPage());
}

before(async () => {
  if (chromiumMissing) return;
  if (!ASSETS.every((f) => existsSync(join(generatedDir, f)))) buildAssets();
  ctx = await createTestContext(START);
  users.owner = (await createUser(ctx, { role: 'cads-worker', displayName: 'Priya Shah' })).email;
  users.other = (await createUser(ctx, { role: 'cads-worker', displayName: 'Tom Gale' })).email;
  users.manager = (await createUser(ctx, { role: 'team-manager', displayName: 'Morgan Hale' })).email;
  app = await createServer(ctx);
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  ctx.config.baseUrl = base;
  const token = await createServiceAccount(ctx, { role: 'cads-worker' });
  const res = await fetch(`${base}/api/v1/people`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ givenName: 'Marnie', familyName: 'Oakhurst', dateOfBirth: '2014-09-12', sex: 'F', postcode: 'NR2 4PD' }),
  });
  assert.equal(res.status, 201, 'the child is created');
  journey.childId = ((await res.json()) as { id: string }).id;
  const p = await ctx.db.selectFrom('persons').select('person_number').where('id', '=', journey.childId).executeTakeFirstOrThrow();
  journey.reference = `NFK${p.person_number}`;
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
let other: Page;
let owner: Page;

step('a team manager restricts the child’s record to the worker who owns it', async () => {
  manager = await newUserPage();
  await signIn(manager, users.manager);
  await manager.goto(`/people/${journey.childId}`);
  await heading(manager, CHILD);
  await go(manager, manager.getByRole('link', { name: 'Restrict this record' }));
  await heading(manager, 'Restrict this record');
  await axe(manager, 'restrict this record');
  // Start again from empty boxes, to see every error.
  await manager.getByLabel('Who may open it without giving a reason?').fill('');
  await manager.getByLabel('Who owns the restricted record?').fill('');
  await go(manager, manager.getByRole('button', { name: 'Restrict the record' }));
  assert.deepEqual((await errorLinks(manager)).map(([, href]) => href), ['#scope', '#named-users', '#owner', '#reason'], 'every answer is needed');
  await axe(manager, 'restrict this record (errors)');

  await manager.getByRole('group', { name: 'What do you want to restrict?' }).getByLabel('Only this person’s record').check();
  await manager.getByLabel('Who may open it without giving a reason?').fill(users.owner);
  await manager.getByLabel('Who owns the restricted record?').fill(users.owner);
  await manager.getByLabel('Why is it restricted?').fill('The child of a member of CADS staff.');
  await go(manager, manager.getByRole('button', { name: 'Restrict the record' }));
  // The manager did not name themselves, so they go to the list of restricted records, where the
  // record shows by its reference only.
  await successBanner(manager, 'Record restricted');
  await heading(manager, 'Restricted records');
  const row = manager.getByRole('row').filter({ hasText: journey.reference });
  await row.getByText('Priya Shah').first().waitFor();
  assert.equal(await row.getByText('Oakhurst').count(), 0, 'the list does not name the child to a manager who is not named');
  await axe(manager, 'restricted records list after restricting');
});

step('another worker finds that a restricted record exists, but not who it is', async () => {
  other = await newUserPage();
  await signIn(other, users.other);
  await go(other, menu(other).getByRole('link', { name: 'Find a child' }));
  await other.getByLabel('Name', { exact: true }).fill(CHILD);
  await go(other, other.getByRole('button', { name: 'Search', exact: true }));
  const result = other.locator('.app-search-result').first();
  await result.getByRole('link', { name: `Restricted record ${journey.reference}`, exact: true }).waitFor();
  await result.getByText('Restricted', { exact: true }).waitFor();
  assert.equal(await result.getByText('Oakhurst').count(), 0, 'the result does not name the child');
  await axe(other, 'search results with a restricted record');

  await go(other, result.getByRole('link', { name: `Restricted record ${journey.reference}`, exact: true }));
  await heading(other, 'This record is restricted');
  assert.ok(!(await other.content()).includes('Oakhurst'), 'the restricted record page names no one');
  await axe(other, 'restricted record page');
});

step('they give a reason (an empty one is refused) and see the record', async () => {
  await go(other, other.getByRole('button', { name: 'Give a reason to open it' }));
  await heading(other, 'Give a reason to open this record');
  await axe(other, 'break glass');
  await go(other, other.getByRole('button', { name: 'Open the record' }));
  assert.deepEqual(await errorLinks(other), [['Enter why you need to open this record', '#reason']], 'a reason is needed');
  await axe(other, 'break glass (error)');

  await other.getByLabel('Why do you need to open this record?').fill('The school has phoned about her brother and I need her history.');
  await go(other, other.getByRole('button', { name: 'Open the record' }));
  await successBanner(other, 'You have opened a restricted record');
  await heading(other, CHILD);
  await other.getByText(/You can open it until 23 November 2026 at 5:30pm/).waitFor();
  await axe(other, 'child’s record after breaking glass');
});

step('the owner reads the reason on their home page and marks it checked', async () => {
  owner = await newUserPage();
  await signIn(owner, users.owner);
  await owner.getByRole('heading', { name: 'Restricted records opened' }).waitFor();
  const card = owner.locator('.govuk-summary-card').filter({ hasText: journey.reference });
  await card.getByText('Tom Gale (CADS social worker)').waitFor();
  await card.getByText('The school has phoned about her brother and I need her history.').waitFor();
  await axe(owner, 'home page with a restricted record opened');
  await go(owner, card.getByRole('button', { name: /Mark as checked/ }));
  await successBanner(owner, 'Marked as checked');
  assert.equal(await owner.getByRole('heading', { name: 'Restricted records opened' }).count(), 0, 'gone from the home page');

  const emails = await ctx.db.selectFrom('notifications').select(['to_address', 'subject', 'text_body']).where('kind', '=', 'restricted-record-opened').execute();
  assert.equal(emails.length, 2, 'the owner and a manager are emailed');
  for (const e of emails) assert.ok(!/Marnie|Oakhurst/.test(e.subject + e.text_body), 'the email names no child');
});

step('the manager sees who opened it on the list of restricted records', async () => {
  await manager.reload();
  await heading(manager, 'Restricted records');
  const row = manager.getByRole('row').filter({ hasText: journey.reference });
  await row.getByText(/Tom Gale \(CADS social worker\)/).waitFor();
  await axe(manager, 'restricted records list');
});
