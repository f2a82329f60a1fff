/**
 * Browser journeys through Front Door, walked as a CADS social worker, a team manager and a
 * MASH coordinator would walk them: real Chromium, real HTTP, a fresh database schema (whatever
 * TEST_DATABASE_URL points at: PostgreSQL or the embedded engine) with the synthetic demo
 * caseload loaded for history. The demo data is seeded and the clock pinned, so runs repeat.
 *
 * Every page visited (including error states) is checked with axe against WCAG 2.2 AA; the
 * findings are collected per test and the test fails at the end listing every violation
 * (rule, page, element), so one run reports them all rather than stopping at the first.
 *
 * Run: node --import tsx --test e2e/journey.browser.test.ts
 * Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium) and TEST_DATABASE_URL
 * (default postgres://postgres@127.0.0.1:5432/test).
 */
import { after, before, test } from 'node:test';
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
import { loadDemoData } from '../src/features/demo/demo-data.js';
import { startWrittenRecordWorker } from '../src/features/written-records/worker.js';
import { buildAssets, generatedDir } from '../scripts/build-assets.js';
import { EMAIL_FORMAT_MESSAGE } from '../src/domain/conversation-rules.js';

const skip = chromiumMissing;
const ASSETS = ['app.css', 'govuk-frontend.min.js', 'init.js'];

let ctx: TestContext;
let app: FastifyInstance;
let base: string;
let browser: Browser;
const users = { worker: '', manager: '', mash: '' };
const contexts: BrowserContext[] = [];

/** What the journey builds up and later tests read back. */
const journey = { conversationId: '', reference: '', ellieId: '', rosieId: '', ellieBanner: '' };

// ---------------------------------------------------------------------------
// Accessibility and page-health bookkeeping
// ---------------------------------------------------------------------------

const health = new PageHealth({ allowGovukConditionalRadios: true });
const axe = (page: Page, label: string) => health.axe(page, label);

async function newUserPage(): Promise<Page> {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  const page = health.watch(await context.newPage());
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

// ---------------------------------------------------------------------------
// Small helpers for walking pages
// ---------------------------------------------------------------------------

/** Clicks something that submits a form or follows a link, and waits for the next page to load. */

function errorSummary(page: Page): Locator {
  return page.locator('.govuk-error-summary');
}

async function errorLinks(page: Page): Promise<{ text: string; href: string }[]> {
  return errorSummary(page)
    .locator('.govuk-error-summary__list a')
    .evaluateAll((as) => as.map((a) => ({ text: (a.textContent ?? '').trim(), href: a.getAttribute('href') ?? '' })));
}

function idFrom(url: string, pattern: RegExp): string {
  const m = new URL(url).pathname.match(pattern);
  assert.ok(m?.[1], `no id in ${url}`);
  return m[1];
}

const step = journeySteps({ health, contexts, prefix: '' });

// ---------------------------------------------------------------------------
// Set-up
// ---------------------------------------------------------------------------

before(async () => {
  if (skip) return;
  // The pages load /static/*.js and app.css from public/generated: build them if an install left them out of date.
  if (!ASSETS.every((f) => existsSync(join(generatedDir, f)))) buildAssets();
  ctx = await createTestContext();
  // The app sends written records as it would in production: a worker takes them off the queue.
  await startWrittenRecordWorker(ctx, 0.5);
  await loadDemoData(ctx.db, { profiles: ctx.profiles.all(), now: ctx.clock.now(), calendar: ctx.calendar });
  users.worker = (await createUser(ctx, { role: 'cads-worker', displayName: 'Jordan Reeve' })).email;
  users.manager = (await createUser(ctx, { role: 'team-manager', displayName: 'Morgan Hale' })).email;
  users.mash = (await createUser(ctx, { role: 'mash-coordinator', displayName: 'Riley Stone' })).email;
  app = await createServer(ctx);
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  // Links in emails (the survey) point at this server, as BASE_URL would in a deployment.
  ctx.config.baseUrl = base;
  browser = await launchChromium();
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await app?.close();
  await ctx?.close();
  process.stderr.write(`\naxe ran on ${health.pagesChecked.length} page states; ${health.allFindings.length} violation(s); ${health.knownIssues.size} known GOV.UK Frontend aria-expanded-on-radio node(s) let through.\n`);
  if (health.allFindings.length) {
    process.stderr.write(`\n${health.allFindings.length} axe violation(s) across ${health.pagesChecked.length} page checks:\n${health.allFindings.map((f) => f.text).join('\n')}\n`);
  }
});

// ---------------------------------------------------------------------------
// The journeys
// ---------------------------------------------------------------------------

let worker: Page;

step('a CADS worker signs in (a wrong password shows the error summary first)', async () => {
  worker = await newUserPage();
  await worker.goto('/');
  await heading(worker, 'Sign in to Front Door');
  assert.match(new URL(worker.url()).pathname, /^\/sign-in$/);
  await axe(worker, 'sign-in');
  await shot(worker, '01-sign-in');

  await worker.getByLabel('Email address').fill(users.worker);
  await worker.getByLabel('Password').fill('not the password');
  await go(worker, worker.getByRole('button', { name: 'Sign in' }));
  await errorSummary(worker).getByRole('heading', { name: 'There is a problem' }).waitFor();
  assert.match(await worker.title(), /^Error: Sign in/);
  assert.deepEqual(await errorLinks(worker), [{ text: 'Enter a correct email address and password', href: '#email' }]);
  await axe(worker, 'sign-in with error');

  await worker.getByLabel('Password').fill(TEST_PASSWORD);
  await go(worker, worker.getByRole('button', { name: 'Sign in' }));
  await heading(worker, 'Your work');
  await worker.getByText('Jordan Reeve (CADS social worker)').waitFor();
  await axe(worker, 'your work');
});

step('completing an empty draft lists every gap, and each error link leads to its field', async () => {
  await go(worker, worker.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'New conversation' }));
  await heading(worker, 'Start a conversation');
  await axe(worker, 'start a conversation');
  await go(worker, worker.getByRole('button', { name: 'Start recording' }));
  journey.conversationId = idFrom(worker.url(), /^\/conversations\/([0-9a-f-]{36})\/caller$/);
  const id = journey.conversationId;
  await heading(worker, 'Caller');
  journey.reference = ((await worker.locator('.govuk-caption-l').textContent()) ?? '').replace('Conversation', '').trim();
  assert.match(journey.reference, /^NFK-2026-\d{6}$/);

  // Back to the task list, as a worker taking stock would.
  await go(worker, worker.getByRole('link', { name: 'Back' }));
  await heading(worker, 'Record the conversation');
  await worker.getByRole('link', { name: 'Caller' }).waitFor();
  await axe(worker, 'task list (new draft)');
  await shot(worker, '02-task-list');

  await go(worker, worker.getByRole('link', { name: 'Check and complete' }));
  await heading(worker, 'Check the record before completing it');
  await axe(worker, 'check (empty draft)');
  await go(worker, worker.getByRole('button', { name: 'Complete conversation' }));
  await errorSummary(worker).getByRole('heading', { name: 'There is a problem' }).waitFor();
  assert.match(await worker.title(), /^Error: /);
  await axe(worker, 'check with completion errors');
  await shot(worker, '03-check-errors');

  const links = await errorLinks(worker);
  const expected: [string, string][] = [
    ['Select whether the caller is a professional or a member of the public', `/conversations/${id}/caller#caller-type`],
    ["Enter the caller's name", `/conversations/${id}/caller#caller-name`],
    ['Add at least one child', `/conversations/${id}/children#children`],
    ['Select at least one category of concern', `/conversations/${id}/concern#concern-categories`],
    ['Enter details of the concern', `/conversations/${id}/concern#concern-detail`],
    ['Select how urgent the concern is', `/conversations/${id}/concern#immediacy`],
    ['Select whether the parents or carers have been told about the concern', `/conversations/${id}/consent#parents-informed`],
    ['Select whether the parents or carers consented to the call', `/conversations/${id}/consent#consent-given`],
    ['Enter what we are worried about', `/conversations/${id}/analysis#worries`],
  ];
  assert.deepEqual(links.map((l) => [l.text, l.href]), expected);

  // A person clicks the caller's name link: it opens the caller section at the name field.
  await go(worker, errorSummary(worker).getByRole('link', { name: "Enter the caller's name" }));
  assert.equal(new URL(worker.url()).pathname + new URL(worker.url()).hash, `/conversations/${id}/caller#caller-name`);
  await worker.locator('#caller-name').waitFor();
  assert.equal(await worker.getByLabel("Caller's name").getAttribute('id'), 'caller-name');

  // Every other link lands on a page that has the element it points at.
  for (const { href } of links.filter((l) => !l.href.endsWith('#caller-name'))) {
    await worker.goto(href);
    const fragment = href.split('#')[1]!;
    assert.equal(await worker.locator(`#${fragment}`).count(), 1, `${href}: no element with id ${fragment}`);
  }
});

step('the caller section rejects a bad email with the error summary and an inline error', async () => {
  const id = journey.conversationId;
  await worker.goto(`/conversations/${id}/caller`);
  await heading(worker, 'Caller');
  await axe(worker, 'caller section');

  const who = worker.getByRole('group', { name: 'Who is calling?' });
  await who.getByLabel('Professional').check();
  await worker.getByLabel("Caller's name").fill('Sam Patel');
  await worker.getByLabel('Job title or role (optional)').fill('Designated safeguarding lead');
  await worker.getByLabel('Agency', { exact: true }).selectOption({ label: 'School' });
  await worker.getByLabel('Phone number').fill('01632 960001');
  await worker.getByLabel('Email address').fill('sam.patel@oakfield');
  await go(worker, worker.getByRole('button', { name: 'Save and continue' }));

  await errorSummary(worker).getByRole('heading', { name: 'There is a problem' }).waitFor();
  assert.match(await worker.title(), /^Error: Caller/);
  assert.deepEqual(await errorLinks(worker), [{ text: EMAIL_FORMAT_MESSAGE, href: '#caller-email' }]);
  const inline = worker.locator('#caller-email-error');
  assert.match((await inline.textContent()) ?? '', new RegExp(`Error:\\s*${EMAIL_FORMAT_MESSAGE}`));
  assert.match((await worker.getByLabel('Email address').getAttribute('aria-describedby')) ?? '', /caller-email-error/);
  // What was typed is kept.
  assert.equal(await worker.getByLabel("Caller's name").inputValue(), 'Sam Patel');
  assert.equal(await worker.getByLabel('Email address').inputValue(), 'sam.patel@oakfield');
  await axe(worker, 'caller section with error');
  await shot(worker, '04-caller-error');

  // The summary link moves focus to the field (GOV.UK Frontend's error summary behaviour).
  await errorSummary(worker).getByRole('link', { name: EMAIL_FORMAT_MESSAGE }).click();
  await worker.waitForFunction(() => document.activeElement?.id === 'caller-email');

  await worker.getByLabel('Email address').fill('sam.patel@oakfield.example');
  await go(worker, worker.getByRole('button', { name: 'Save and continue' }));
  assert.equal(new URL(worker.url()).pathname, `/conversations/${id}/children`);
});

step('two siblings are added: one found by a misspelt name, one new', async () => {
  const id = journey.conversationId;
  await heading(worker, 'Children');
  await worker.getByText('No children added yet.').waitFor();
  await axe(worker, 'children section (empty)');

  // The caller says "Elly": the search still finds Ellie.
  await worker.getByLabel('Name', { exact: true }).fill('Elly Smith-Jones');
  await go(worker, worker.getByRole('button', { name: 'Search for a child' }));
  await worker.getByRole('heading', { name: /possible match/ }).waitFor();
  await axe(worker, 'search results (from a conversation)');
  await shot(worker, '05-search-results');
  // Each result names its child in its heading; household members are linked below it.
  const ellie = worker.locator('.app-search-result').filter({ has: worker.getByRole('heading', { level: 3, name: 'Ellie Smith-Jones', exact: true }) }).filter({ hasText: 'NR1 2DH' });
  assert.equal(await ellie.count(), 1, 'the demo family’s Ellie Smith-Jones is in the results');
  await go(worker, ellie.getByRole('button', { name: 'Add Ellie Smith-Jones to this conversation' }));
  assert.equal(new URL(worker.url()).pathname, `/conversations/${id}/children`);
  await worker.getByRole('heading', { level: 3, name: 'Ellie Smith-Jones' }).waitFor();

  // A younger sister the service has never heard of.
  await worker.getByLabel('Name', { exact: true }).fill('Rosie Smith-Jones');
  await go(worker, worker.getByRole('button', { name: 'Search for a child' }));
  await worker.getByRole('heading', { name: 'Not the right child?' }).waitFor();
  await go(worker, worker.getByRole('button', { name: 'Add a new child' }));
  await heading(worker, 'Add a child to this conversation');
  assert.equal(await worker.getByLabel('First name', { exact: true }).inputValue(), 'Rosie');
  assert.equal(await worker.getByLabel('Last name', { exact: true }).inputValue(), 'Smith-Jones');
  await axe(worker, 'add a new child form');

  // Submitting without a date of birth or sex shows the errors first.
  await go(worker, worker.getByRole('button', { name: 'Add child' }));
  await errorSummary(worker).getByRole('heading', { name: 'There is a problem' }).waitFor();
  assert.match(await worker.title(), /^Error: /);
  await axe(worker, 'add a new child form with errors');

  const dob = worker.getByRole('group', { name: /^Date of birth/ });
  await dob.getByLabel('Day', { exact: true }).fill('14');
  await dob.getByLabel('Month', { exact: true }).fill('3');
  await dob.getByLabel('Year', { exact: true }).fill('2022');
  await worker.getByRole('group', { name: 'Sex' }).getByLabel('Female').check();
  await worker.getByLabel('Address line 1', { exact: true }).fill('12 Oak Road');
  await worker.getByLabel('Town or city', { exact: true }).fill('Norwich');
  await worker.getByLabel('Postcode', { exact: true }).fill('NR1 2DH');
  await worker.getByRole('group', { name: 'Is an interpreter needed?' }).getByLabel('No', { exact: true }).check();
  await go(worker, worker.getByRole('button', { name: 'Add child' }));
  assert.equal(new URL(worker.url()).pathname, `/conversations/${id}/children`);
  const cards = worker.locator('.govuk-summary-card__title');
  assert.deepEqual(await cards.allTextContents(), ['Ellie Smith-Jones', 'Rosie Smith-Jones']);
  await worker.getByText('Born 14 March 2022').waitFor();
  await axe(worker, 'children section (two children)');

  journey.ellieId = idFrom(
    (await worker.getByRole('link', { name: /View record and chronology for Ellie Smith-Jones/ }).getAttribute('href'))!.replace(/^/, base),
    /^\/people\/([0-9a-f-]{36})$/,
  );
  journey.rosieId = idFrom(
    (await worker.getByRole('link', { name: /View record and chronology for Rosie Smith-Jones/ }).getAttribute('href'))!.replace(/^/, base),
    /^\/people\/([0-9a-f-]{36})$/,
  );
});

step('the family section shows each child’s family, and a new mother can be added', async () => {
  const id = journey.conversationId;
  await go(worker, worker.getByRole('link', { name: 'Continue' }));
  await heading(worker, 'Family and household');
  // Ellie is already known: her mother and father are on record.
  await worker.getByRole('table', { name: 'Family of Ellie Smith-Jones' }).getByRole('cell', { name: 'Kerry Smith-Jones', exact: false }).waitFor();
  await axe(worker, 'family section');

  await go(worker, worker.getByRole('link', { name: 'Add a family member for Rosie Smith-Jones' }));
  await heading(worker, 'Add a family member or important person');
  await axe(worker, 'add a family member');
  await worker.getByLabel('Relationship to Rosie Smith-Jones').selectOption({ label: 'Mother' });
  await worker.getByRole('group', { name: 'Do they live with the child?' }).getByLabel('Yes', { exact: true }).check();
  await worker.getByLabel('First name', { exact: true }).fill('Dawn');
  await worker.getByLabel('Last name', { exact: true }).fill('Harris');
  const dob = worker.getByRole('group', { name: /^Date of birth/ });
  await dob.getByLabel('Day', { exact: true }).fill('3');
  await dob.getByLabel('Month', { exact: true }).fill('6');
  await dob.getByLabel('Year', { exact: true }).fill('1994');
  await worker.getByRole('group', { name: 'Sex' }).getByLabel('Female').check();
  await go(worker, worker.getByRole('button', { name: 'Add family member' }));

  assert.equal(new URL(worker.url()).pathname, `/conversations/${id}/family`);
  await worker.getByRole('heading', { name: 'Family member added' }).waitFor();
  const row = worker.getByRole('table', { name: 'Family of Rosie Smith-Jones' }).getByRole('row').filter({ hasText: 'Dawn Harris' });
  assert.deepEqual((await row.getByRole('cell').allTextContents()).map((s) => s.trim()), ['Dawn Harris (born 3 June 1994)', 'Mother', 'Yes']);
  await axe(worker, 'family section after adding');
});

step('concern, consent (with the no-consent reveal), analysis and outcome are recorded', async () => {
  const id = journey.conversationId;
  await go(worker, worker.getByRole('link', { name: 'Continue' }));
  await heading(worker, 'Where the child is and the concern');
  await axe(worker, 'concern section');
  await worker.getByLabel('Where is Ellie Smith-Jones now?').fill('At school, Oakfield Primary');
  await worker.getByRole('group', { name: 'Is Ellie Smith-Jones safe tonight?' }).getByLabel('Yes', { exact: true }).check();
  await worker.getByLabel('Where is Rosie Smith-Jones now?').fill('At nursery until 3pm, then home');
  await worker.getByRole('group', { name: 'Is Rosie Smith-Jones safe tonight?' }).getByLabel('Not known').check();
  const categories = worker.getByRole('group', { name: 'What is the concern about?' });
  await categories.getByLabel('Neglect').check();
  await categories.getByLabel('Domestic abuse').check();
  await worker.getByLabel('The concern, as the caller describes it').fill('Ellie came to school hungry three days this week and said there was shouting at home last night.\nShe has a bruise on her arm she would not explain.');
  await worker.getByRole('group', { name: 'How immediate is it?' }).getByLabel(/Soon – the child needs help/).check();
  await worker.getByLabel('Support given to the child or family so far').fill('Breakfast club place; the school’s family support worker has met mum twice.');
  await go(worker, worker.getByRole('button', { name: 'Save and continue' }));

  await heading(worker, 'Parents informed and consent');
  assert.equal(new URL(worker.url()).pathname, `/conversations/${id}/consent`);
  await axe(worker, 'consent section');
  await worker.getByRole('group', { name: 'Have the parents or carers been told about the concern?' }).getByLabel('No', { exact: true }).check();
  const reasonBox = worker.getByLabel('It would put the child at risk of significant harm');
  assert.equal(await reasonBox.isVisible(), false, 'the reasons are hidden until consent is "No"');
  await worker.getByRole('group', { name: 'Did the parents or carers consent to this call?' }).getByLabel('No', { exact: true }).check();
  await reasonBox.check(); // auto-waits for the conditional reveal
  await worker.getByLabel('Explain the reason').fill('Telling mum before the assessment could lead to Ellie being blamed or hurt.');
  await worker.getByRole('group', { name: 'Lawful basis for sharing without consent' }).getByLabel(/Article 6\(1\)\(e\) public task/).check();
  await axe(worker, 'consent section with the no-consent reveal open');
  await shot(worker, '06-consent-reveal');
  await go(worker, worker.getByRole('button', { name: 'Save and continue' }));

  await heading(worker, 'Worries, strengths and what needs to happen');
  await axe(worker, 'analysis section');
  await worker.getByLabel('What are we worried about?').fill('Possible neglect and exposure to domestic abuse; an unexplained bruise.');
  await worker.getByLabel('What is working well?').fill('Good school attendance; mum engages with the family support worker.');
  await worker.getByLabel('What needs to happen?').fill('A social care assessment for Ellie; early help for the family.');
  await go(worker, worker.getByRole('button', { name: 'Save and continue' }));

  await heading(worker, 'Agreed outcome');
  await axe(worker, 'outcome section');
  const ellie = worker.getByRole('group', { name: 'Ellie Smith-Jones', exact: true });
  await ellie.getByLabel('Level of need').selectOption({ label: 'Level 3 – complex needs (targeted support)' });
  await ellie.getByRole('group', { name: 'Agreed outcome for Ellie Smith-Jones' }).getByLabel('Referral for a social care assessment').check();
  await ellie.getByRole('group', { name: 'Does the caller agree with this outcome?' }).getByLabel('Yes', { exact: true }).check();
  await ellie.getByLabel('Next steps').fill('CADS to pass to the assessment team today.');
  await ellie.getByLabel('Who will do them?').fill('CADS');
  const rosie = worker.getByRole('group', { name: 'Rosie Smith-Jones', exact: true });
  await rosie.getByLabel('Level of need').selectOption({ label: 'Level 2 – additional needs (early help)' });
  await rosie.getByRole('group', { name: 'Agreed outcome for Rosie Smith-Jones' }).getByLabel('Early Help request (Request for support)').check();
  await rosie.getByRole('group', { name: 'Does the caller agree with this outcome?' }).getByLabel('No', { exact: true }).check();
  await rosie.getByLabel('What does the caller disagree with, and why?').fill('The school thinks Rosie should be assessed with her sister.');
  await rosie.getByLabel('Next steps').fill('Early help request to be made by the school.');
  await rosie.getByLabel('Who will do them?').fill('The caller');
  await axe(worker, 'outcome section filled in, disagreement open');
  await go(worker, worker.getByRole('button', { name: 'Save and continue' }));
  assert.equal(new URL(worker.url()).pathname, `/conversations/${id}/check`);
});

step('the check page shows the record and completing it locks it', async () => {
  await heading(worker, 'Check the record before completing it');
  await axe(worker, 'check (complete draft)');
  const rosieCard = worker.locator('.govuk-summary-card').filter({ has: worker.getByRole('heading', { name: 'Child: Rosie Smith-Jones' }) });
  await rosieCard.getByText('No – The school thinks Rosie should be assessed with her sister.').waitFor();
  await worker.getByText('It would put the child at risk of significant harm. Telling mum').waitFor();
  await go(worker, worker.getByRole('button', { name: 'Complete conversation' }));

  assert.equal(new URL(worker.url()).pathname, `/conversations/${journey.conversationId}`);
  await worker.getByRole('heading', { name: 'Conversation completed' }).waitFor();
  await heading(worker, journey.reference);
  const versions = worker.getByRole('table', { name: 'Versions of this record' });
  assert.equal(await versions.getByRole('row').count(), 2);
  await versions.getByRole('link', { name: 'Version 1' }).waitFor();
  await axe(worker, 'completed record');
  await shot(worker, '07-record-completed');

  // A completed record cannot be edited directly.
  await worker.goto(`/conversations/${journey.conversationId}/caller`);
  await heading(worker, 'This conversation is completed');
  await axe(worker, 'error page: completed conversation');
});

step('the child’s chronology lists the conversation and the accumulation banner shows', async () => {
  await worker.goto(`/conversations/${journey.conversationId}`);
  await go(worker, worker.getByRole('link', { name: 'View record and chronology for Ellie Smith-Jones' }));
  assert.equal(new URL(worker.url()).pathname, `/people/${journey.ellieId}`);
  await heading(worker, 'Ellie Smith-Jones');
  const banner = worker.getByRole('region', { name: 'Concerns are accumulating' });
  await banner.waitFor();
  assert.ok((await banner.locator('li').count()) >= 1, 'the banner says which rule was met');
  const chronology = worker.locator('#chronology ~ .app-table-wrapper table');
  const row = chronology.getByRole('row').filter({ has: worker.getByRole('link', { name: journey.reference }) });
  assert.equal(await row.count(), 1, 'the new conversation is in the chronology');
  assert.match((await row.textContent()) ?? '', /Ellie Smith-Jones \(this child\)/);
  assert.match((await row.textContent()) ?? '', /Referral for a social care assessment/);
  assert.ok((await chronology.getByRole('row').count()) > 3, 'the earlier demo conversations are listed too');
  // Newest first: ours is the first data row.
  assert.match((await chronology.locator('tbody tr').first().textContent()) ?? '', new RegExp(journey.reference));
  journey.ellieBanner = ((await banner.locator('ul').textContent()) ?? '').replace(/\s+/g, ' ').trim();
  await axe(worker, 'person page with accumulation banner');
  await shot(worker, '08-person-accumulating');

  await worker.goto(`/people/${journey.rosieId}`);
  await heading(worker, 'Rosie Smith-Jones');
  await worker.getByRole('link', { name: journey.reference }).waitFor();
  await worker.getByRole('link', { name: 'Dawn Harris' }).waitFor();
  await axe(worker, 'person page (new child)');
  await shot(worker, '08b-person-new-child');
});

step('a completed record is corrected as version 2, and version 1 is kept', async () => {
  const id = journey.conversationId;
  await worker.goto(`/conversations/${id}`);
  await go(worker, worker.getByRole('link', { name: 'Correct this record' }));
  await heading(worker, 'Correct this record');
  await axe(worker, 'correct this record');
  await go(worker, worker.getByRole('button', { name: 'Start correction' }));
  await errorSummary(worker).getByText('Enter why the record needs correcting').waitFor();
  assert.match(await worker.title(), /^Error: /);
  await axe(worker, 'correct this record with error');

  await worker.getByLabel('Why does the record need correcting?').fill('The caller rang back: the bruise was on Ellie’s left arm, not explained by a fall.');
  await go(worker, worker.getByRole('button', { name: 'Start correction' }));
  assert.equal(new URL(worker.url()).pathname, `/conversations/${id}/edit`);
  await heading(worker, 'Correct this record');
  await worker.getByText(/this becomes version 2/).waitFor();
  await axe(worker, 'task list (correction)');

  await go(worker, worker.getByRole('link', { name: 'Worries, strengths and what needs to happen' }));
  await heading(worker, 'Worries, strengths and what needs to happen');
  await worker.locator('.govuk-caption-l').getByText('correction (version 2)').waitFor();
  await worker.getByLabel('What are we worried about?').fill('Possible neglect and exposure to domestic abuse; an unexplained bruise on Ellie’s left arm.');
  await go(worker, worker.getByRole('button', { name: 'Save and return to the task list' }));
  await heading(worker, 'Correct this record');
  await go(worker, worker.getByRole('link', { name: 'Check and complete' }));
  await heading(worker, 'Check the record before completing it');
  await worker.getByText('unexplained bruise on Ellie’s left arm').waitFor();
  await axe(worker, 'check (correction)');
  await go(worker, worker.getByRole('button', { name: 'Complete conversation' }));

  await worker.getByRole('heading', { name: 'Conversation completed' }).waitFor();
  const versions = worker.getByRole('table', { name: 'Versions of this record' });
  const v2 = versions.getByRole('row').filter({ has: worker.getByRole('link', { name: 'Version 2' }) });
  assert.equal(await v2.count(), 1, 'version 2 is listed');
  assert.match((await v2.textContent()) ?? '', /the bruise was on Ellie’s left arm/);
  await worker.getByText(/Version 2 completed/).waitFor();
  await axe(worker, 'record after correction');

  await go(worker, versions.getByRole('link', { name: 'Version 1' }));
  assert.equal(new URL(worker.url()).pathname, `/conversations/${id}/versions/1`);
  await worker.getByText('You are looking at version 1, which has since been corrected.').waitFor();
  await worker.getByText('Possible neglect and exposure to domestic abuse; an unexplained bruise.').waitFor();
  await axe(worker, 'old version of the record');

  // The chronology shows the conversation once (its latest version), and the count behind the banner is unchanged.
  await worker.goto(`/people/${journey.ellieId}`);
  await heading(worker, 'Ellie Smith-Jones');
  assert.equal(await worker.getByRole('link', { name: journey.reference }).count(), 1);
  const banner = worker.getByRole('region', { name: 'Concerns are accumulating' });
  assert.equal(((await banner.locator('ul').textContent()) ?? '').replace(/\s+/g, ' ').trim(), journey.ellieBanner);
});

step('the team manager sees the conversation on the team list and records the decision', async () => {
  const manager = await newUserPage();
  await signIn(manager, users.manager);
  await axe(manager, 'your work (team manager)');
  await go(manager, manager.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: "Team's work" }));
  assert.equal(new URL(manager.url()).pathname, '/team');
  await heading(manager, "Your team's work");
  const awaiting = manager.getByRole('table', { name: /Awaiting decision/ });
  const row = awaiting.getByRole('row').filter({ has: manager.getByRole('link', { name: journey.reference }) });
  assert.equal(await row.count(), 1, 'the conversation awaits a decision');
  assert.match((await row.textContent()) ?? '', /Jordan Reeve/);
  await axe(manager, "team's work");
  await shot(manager, '09-team');

  await go(manager, row.getByRole('link', { name: journey.reference }));
  await go(manager, manager.getByRole('link', { name: 'Record the decision' }));
  await heading(manager, 'Record the decision');
  await axe(manager, 'record the decision');
  await go(manager, manager.getByRole('button', { name: 'Record decision for Ellie Smith-Jones' }));
  await errorSummary(manager).getByRole('heading', { name: 'There is a problem' }).waitFor();
  await axe(manager, 'record the decision with errors');
  await manager.getByLabel('Decision', { exact: true }).selectOption({ label: 'Child and family assessment (section 17)' });
  await manager.getByLabel('Reasons for the decision').fill('Unexplained injury alongside neglect indicators and repeated contacts.');
  // Further action needs the census's primary need.
  await go(manager, manager.getByRole('button', { name: 'Record decision for Ellie Smith-Jones' }));
  assert.deepEqual(await errorLinks(manager), [{ text: 'Select the primary need, or “N0 Not stated” if it is not known yet', href: '#primary-need' }]);
  await manager.getByLabel('Primary need').selectOption({ label: 'N1 Abuse, neglect and exploitation' });
  await go(manager, manager.getByRole('button', { name: 'Record decision for Ellie Smith-Jones' }));
  await manager.getByRole('heading', { name: 'Decision recorded' }).waitFor();
  await manager.getByText(/Child and family assessment \(section 17\) – Unexplained injury/).waitFor();
  await manager.getByText('N1 Abuse, neglect and exploitation').waitFor();
  await axe(manager, 'record with decision');

  // Decided, so it has left the queue.
  await go(manager, manager.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: "Team's work" }));
  await heading(manager, "Your team's work");
  assert.equal(await manager.getByRole('link', { name: journey.reference }).count(), 0, 'no longer awaiting a decision');
});

step('a MASH coordinator can search and read a chronology, but not record conversations', async () => {
  const mash = await newUserPage();
  await signIn(mash, users.mash);
  const menu = mash.getByRole('navigation', { name: 'Menu' });
  assert.equal(await menu.getByRole('link', { name: 'New conversation' }).count(), 0);
  await axe(mash, 'your work (MASH coordinator)');

  await go(mash, menu.getByRole('link', { name: 'Find a child' }));
  await heading(mash, 'Find a child');
  await axe(mash, 'find a child');
  await go(mash, mash.getByRole('button', { name: 'Search' }));
  await errorSummary(mash).waitFor();
  await axe(mash, 'find a child with errors');

  await mash.getByLabel('Name', { exact: true }).fill('Poppy Turner');
  await go(mash, mash.getByRole('button', { name: 'Search' }));
  await mash.getByRole('heading', { name: /possible match/ }).waitFor();
  assert.equal(await mash.getByRole('button', { name: /to this conversation/ }).count(), 0, 'no conversation to add to');
  await axe(mash, 'search results (MASH)');
  await go(mash, mash.getByRole('link', { name: 'Poppy Turner', exact: true }).first());
  await heading(mash, 'Poppy Turner');
  assert.equal(await mash.getByRole('region', { name: 'Concerns are accumulating' }).count(), 0, 'no banner without history');
  await mash.getByText('There are no conversations about this child or their household yet.').waitFor();
  await axe(mash, 'person page (no history)');

  await mash.goto(`/people/${journey.ellieId}`);
  await mash.getByRole('region', { name: 'Concerns are accumulating' }).waitFor();
  await mash.getByRole('link', { name: journey.reference }).waitFor();
  await axe(mash, 'person page (MASH, accumulating)');
  await go(mash, mash.getByRole('link', { name: journey.reference }));
  await heading(mash, journey.reference);
  assert.equal(await mash.getByRole('link', { name: 'Correct this record' }).count(), 0);
  await axe(mash, 'record (MASH, read only)');

  await mash.goto('/conversations/new');
  await heading(mash, 'You do not have access to this page');
  await axe(mash, 'error page: no access');
});

step('the caller’s written record reaches the mailbox; its survey link works once; the manager sees the answer', async () => {
  const mailbox = await newUserPage();
  await signIn(mailbox, users.worker);
  await go(mailbox, mailbox.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Mailbox' }));
  await heading(mailbox, 'Mailbox');
  // The worker sends within a second or two of completion; reload until both versions are in.
  const records = mailbox.getByRole('link', { name: new RegExp(journey.reference) });
  for (let i = 0; i < 60 && (await records.count()) < 2; i++) {
    await mailbox.waitForTimeout(500);
    await mailbox.reload();
  }
  assert.equal(await records.count(), 2, 'the original and the amended record');
  assert.equal(await mailbox.getByText('Ellie Smith-Jones').count(), 0, 'no child named in the list of subjects');
  await axe(mailbox, 'mailbox');
  await shot(mailbox, '11-mailbox');

  // Open the amended record (version 2); its subject says so.
  await go(mailbox, mailbox.getByRole('link', { name: new RegExp(`amended record of your conversation ${journey.reference}`) }));
  await mailbox.getByRole('link', { name: /\.pdf$/ }).waitFor();
  await axe(mailbox, 'mailbox message');
  await go(mailbox, mailbox.getByRole('link', { name: 'Open the email as the caller sees it' }));
  await mailbox.getByText(/amended/i).first().waitFor();
  await axe(mailbox, 'the email as sent');
  await shot(mailbox, '12-email');
  const surveyUrl = await mailbox.locator('a[href*="/survey/"]').first().getAttribute('href');
  assert.ok(surveyUrl, 'the record carries a survey link');

  // The caller has no account: a fresh browser, no sign-in.
  const caller = await newUserPage();
  await caller.goto(surveyUrl);
  await caller.getByRole('button', { name: 'Send feedback' }).waitFor();
  assert.equal(await caller.getByText('Ellie Smith-Jones').count(), 0, 'the survey does not name the child');
  await axe(caller, 'survey');
  await go(caller, caller.getByRole('button', { name: 'Send feedback' }));
  await errorSummary(caller).getByRole('heading', { name: 'There is a problem' }).waitFor();
  await axe(caller, 'survey with errors');
  await caller.getByRole('group', { name: /How helpful was the conversation/ }).getByLabel('4').check();
  await caller.getByRole('group', { name: /Did you agree with the outcome/ }).getByLabel('Partly').check();
  await caller.getByRole('group', { name: /easy to get through/ }).getByLabel('Yes').check();
  await caller.getByLabel(/anything else/).fill('Clear advice, and I knew what would happen next.');
  await go(caller, caller.getByRole('button', { name: 'Send feedback' }));
  await caller.getByRole('heading', { name: 'Thank you' }).waitFor();
  await axe(caller, 'survey thank you');
  await caller.goto(surveyUrl);
  await heading(caller, /already/i);
  await axe(caller, 'survey already answered');

  const manager = await newUserPage();
  await signIn(manager, users.manager);
  await go(manager, manager.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Survey results' }));
  await heading(manager, 'Caller survey results');
  await manager.getByText('Clear advice, and I knew what would happen next.').waitFor();
  assert.equal(await manager.getByText(/Sam Patel/).count(), 0, "the caller's name is not shown");
  await axe(manager, 'survey results');
  await shot(manager, '13-survey-results');
});

step('a likely duplicate needs a reason; the duplicate queue compares the two side by side and merges them', async () => {
  // The search page explains each candidate in words.
  await worker.goto('/people/search');
  await worker.getByLabel('Name', { exact: true }).fill('Rosy Smith-Jones');
  const dob = worker.getByRole('group', { name: /^Date of birth/ });
  await dob.getByLabel('Day', { exact: true }).fill('14');
  await dob.getByLabel('Month', { exact: true }).fill('3');
  await dob.getByLabel('Year', { exact: true }).fill('2022');
  await go(worker, worker.getByRole('button', { name: 'Search' }));
  const rosie = worker.locator('.app-search-result').filter({ has: worker.getByRole('heading', { level: 3, name: 'Rosie Smith-Jones', exact: true }) });
  await rosie.getByText(/Very likely the same person|Likely the same person/).waitFor();
  await rosie.getByText(/same date of birth/).waitFor();
  await rosie.getByText(/Lives with:/).waitFor();
  await axe(worker, 'search results with match strength and reasons');

  // Adding her again anyway: the form names the likely record and asks why this is someone else.
  await go(worker, worker.getByRole('button', { name: 'Add a new child' }));
  await worker.getByRole('group', { name: 'Sex' }).getByLabel('Female').check();
  await worker.getByRole('group', { name: 'Is an interpreter needed?' }).getByLabel('No', { exact: true }).check();
  await go(worker, worker.getByRole('button', { name: 'Save' }));
  const links = await errorLinks(worker);
  assert.deepEqual(links.map((l) => l.href), ['#different-child-reason']);
  await worker.getByRole('link', { name: 'Rosie Smith-Jones', exact: true }).waitFor();
  await axe(worker, 'add a child: likely already on record');
  await worker.getByLabel('Why is this a different person?').fill('Caller insists this is a different child; to be checked with the school');
  await go(worker, worker.getByRole('button', { name: 'Save' }));
  await heading(worker, 'Rosy Smith-Jones');

  // The nightly scan (run now) proposes the pair; a manager compares and merges them.
  const { DuplicatesService } = await import('../src/features/duplicates/duplicates.service.js');
  await new DuplicatesService(ctx).scan('norfolk', { full: true });
  const manager = await newUserPage();
  await signIn(manager, users.manager);
  await go(manager, manager.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Possible duplicates' }));
  await heading(manager, 'Possible duplicate records');
  await axe(manager, 'duplicate review queue');
  await go(manager, manager.getByRole('link', { name: /Compare Rosie Smith-Jones and Rosy Smith-Jones|Compare Rosy Smith-Jones and Rosie Smith-Jones/ }));
  await heading(manager, 'Are these the same child?');
  await axe(manager, 'duplicate comparison');
  await go(manager, manager.getByRole('button', { name: 'Merge records' }));
  await errorSummary(manager).getByRole('heading', { name: 'There is a problem' }).waitFor();
  await axe(manager, 'duplicate comparison with errors');
  await manager.getByRole('group', { name: 'Which record do you want to keep?' }).getByLabel(/Rosie Smith-Jones/).check();
  await manager.getByLabel('Why are you sure they are the same child?').fill('Same child: confirmed with the school and the health visitor');
  await go(manager, manager.getByRole('button', { name: 'Merge records' }));
  await axe(manager, 'after a merge');
  await shot(manager, '14-after-merge');
});
