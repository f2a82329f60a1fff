/**
 * Written referrals in a real browser: an ambulance paramedic sends a written referral (first
 * with a mistake, shown in an error summary); a CADS worker sees it in the queue with its
 * deadline, opens it, matches the child to the record the matching engine offers, and phones the
 * referrer back: a conversation starts, filled in from the referral. An education practitioner is
 * told to phone instead. Every page state is checked with axe against WCAG 2.2 AA.
 *
 * The clock is pinned (Monday 23 November 2026, 09:30 in London, inside Norfolk's hours).
 *
 * Run: CHROMIUM_PATH=/usr/bin/chromium TEST_DATABASE_URL=… node --import tsx --test e2e/referrals.browser.test.ts
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { PageHealth } from './support/page-health.js';
import { go, heading, signIn, menu } from './support/pages.js';
import { chromiumMissing, journeySteps, launchChromium, SCREENSHOTS } from './support/journey.js';
import type { FastifyInstance } from 'fastify';
import { createServiceAccount, createTestContext, createUser, TEST_PASSWORD, type TestContext } from '../test/support/harness.js';
import { createServer } from '../src/server.js';
import { buildAssets, generatedDir } from '../scripts/build-assets.js';

const skip = chromiumMissing;
const ASSETS = ['app.css', 'govuk-frontend.min.js', 'init.js'];
const START = '2026-11-23T09:30:00Z';

let ctx: TestContext;
let app: FastifyInstance;
let base: string;
let browser: Browser;
const users = { worker: '', ambulance: '', education: '' };
const contexts: BrowserContext[] = [];
const journey = { reference: '', personId: '' };

// The consent question reveals its follow-up questions with GOV.UK conditional radios.
const health = new PageHealth({ allowGovukConditionalRadios: true });
const axe = (page: Page, label: string) => health.axe(page, label);

async function newUserPage(): Promise<Page> {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  return health.watch(await context.newPage());
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `referrals-${name}.png`), fullPage: true });
}

const step = journeySteps({ health, contexts, prefix: 'referrals-' });

before(async () => {
  if (skip) return;
  if (!ASSETS.every((f) => existsSync(join(generatedDir, f)))) buildAssets();
  ctx = await createTestContext(START);
  users.worker = (await createUser(ctx, { role: 'cads-worker', displayName: 'Jordan Reeve' })).email;
  users.ambulance = (await createUser(ctx, { role: 'partner-practitioner', agencyCode: 'ambulance', displayName: 'Sam Ridley' })).email;
  users.education = (await createUser(ctx, { role: 'partner-practitioner', agencyCode: 'education', displayName: 'Dee Okafor' })).email;
  app = await createServer(ctx);
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  ctx.config.baseUrl = base;
  // A child the service already knows, for the matching engine to find.
  const token = await createServiceAccount(ctx, { role: 'cads-worker' });
  const person = await app.inject({
    method: 'POST', url: '/api/v1/people', headers: { authorization: `Bearer ${token}` },
    payload: { givenName: 'Ruby', familyName: 'Ashcombe', dateOfBirth: '2019-07-09', sex: 'F', postcode: 'NR17 2AA', differentChildReason: 'Test fixture' },
  });
  assert.equal(person.statusCode, 201, person.body);
  journey.personId = person.json().id;
  browser = await launchChromium();
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await app?.close();
  await ctx?.close();
  process.stderr.write(`\naxe ran on ${health.pagesChecked.length} page states; ${health.allFindings.length} violation(s).\n`);
});

let paramedic: Page;
let worker: Page;

step('an education practitioner is told to phone, with the number', async () => {
  const page = await newUserPage();
  await signIn(page, users.education);
  assert.equal(await menu(page).getByRole('link', { name: 'Send a written referral' }).count(), 0, 'no menu entry for education');
  await page.goto('/referrals/new');
  await heading(page, 'Phone us instead');
  await page.getByText('0344 800 8021').first().waitFor();
  await axe(page, 'phone instead');
});

step('an ambulance paramedic sends a written referral, after correcting a mistake', async () => {
  paramedic = await newUserPage();
  await signIn(paramedic, users.ambulance);
  await go(paramedic, menu(paramedic).getByRole('link', { name: 'Send a written referral' }));
  await heading(paramedic, 'Send a written referral');
  await axe(paramedic, 'referral form');

  await paramedic.getByLabel('Your role').fill('Paramedic');
  await paramedic.getByLabel('Phone number we can call you back on').fill('07700 900 123');
  await paramedic.getByLabel('Your incident reference').fill('EEAS-2026-118822');
  const when = paramedic.getByRole('group', { name: /^Date of the incident/ });
  await when.getByLabel('Day', { exact: true }).fill('23');
  await when.getByLabel('Month', { exact: true }).fill('11');
  await when.getByLabel('Year', { exact: true }).fill('2026');
  await paramedic.getByLabel('Time of the incident').fill('1:40am');
  await paramedic.getByLabel('Where did it happen?').fill('3 Station Road, Attleborough');
  await paramedic.getByLabel('Postcode of the place (if known)').fill('NR17 2AA');
  const child = paramedic.getByRole('group', { name: 'Child 1' });
  await child.getByLabel('First name').fill('Ruby');
  await child.getByLabel('Last name').fill('Ashcombe');
  const dob = child.getByRole('group', { name: /^Date of birth/ });
  await dob.getByLabel('Day', { exact: true }).fill('9');
  await dob.getByLabel('Month', { exact: true }).fill('7');
  await dob.getByLabel('Year', { exact: true }).fill('2019');
  await child.getByLabel('Postcode').fill('NR17 2AA');
  await child.getByLabel('Where is the child now?').fill('Norfolk and Norwich hospital with her aunt');
  await paramedic.getByRole('group', { name: 'What is the concern about?' }).getByLabel('Neglect').check();
  await paramedic.getByLabel('What happened?').fill('Called to the mother, unconscious after drink and drugs; Ruby (7) had been alone with her all evening.');
  await paramedic.getByRole('group', { name: 'How immediate is it?' }).getByLabel(/Immediate – the child is at risk now/).check();
  await paramedic.getByRole('group', { name: 'Have the parents or carers been told about this referral?' }).getByLabel('No', { exact: true }).check();
  await paramedic.getByRole('group', { name: 'Did the parents or carers consent to this referral?' }).getByLabel('No', { exact: true }).check();
  // The reason for not seeking consent is left out: the form says so.
  await go(paramedic, paramedic.getByRole('button', { name: 'Send the referral' }));
  await paramedic.locator('.govuk-error-summary').getByRole('link', { name: 'Select why consent was not sought' }).waitFor();
  await axe(paramedic, 'referral form with errors');
  await shot(paramedic, 'form-errors');

  await paramedic.getByRole('group', { name: 'Why was consent not sought?' }).getByLabel('It would put the child at risk of significant harm').check();
  await paramedic.getByLabel('Explain the reason').fill('The mother’s partner is the risk and was at the address.');
  await paramedic.getByRole('group', { name: 'Lawful basis for sharing without consent' }).getByLabel(/public task/).check();
  await go(paramedic, paramedic.getByRole('button', { name: 'Send the referral' }));
  await heading(paramedic, /^Written referral NFK-WR-2026-\d{6}$/);
  journey.reference = ((await paramedic.getByRole('heading', { level: 1 }).textContent()) ?? '').replace('Written referral', '').trim();
  await paramedic.locator('.govuk-notification-banner--success').getByRole('heading', { name: `Referral ${journey.reference} sent` }).waitFor();
  await axe(paramedic, 'referral sent');
  await go(paramedic, menu(paramedic).getByRole('link', { name: 'Your work' }));
  await paramedic.locator('#sent-referrals tr', { hasText: journey.reference }).getByText('Waiting').waitFor();
  await axe(paramedic, 'home with the agency’s referrals');
});

step('a CADS worker sees it in the queue with its deadline, and opens it', async () => {
  worker = await newUserPage();
  await signIn(worker, users.worker);
  await worker.locator('#referrals-home').getByText('1 written referral is waiting').waitFor();
  await axe(worker, 'home with referrals panel');
  await go(worker, menu(worker).getByRole('link', { name: 'Written referrals' }));
  await heading(worker, 'Written referrals');
  const row = worker.locator('#waiting-referrals tr', { hasText: journey.reference });
  await row.getByText('On time').waitFor();
  await row.getByText('Immediate risk').waitFor();
  await axe(worker, 'queue');
  await go(worker, row.getByRole('link', { name: journey.reference }));
  await heading(worker, journey.reference);
  await axe(worker, 'referral');
  await shot(worker, 'referral');
});

step('the worker matches the child to the record the matching engine offers', async () => {
  const choice = worker.getByRole('group', { name: 'Which record is Ruby Ashcombe?' });
  await choice.getByLabel(/Ruby Ashcombe, born 9 July 2019/).check();
  await go(worker, worker.getByRole('button', { name: 'This is the child' }));
  await worker.locator(`[data-matched="${journey.personId}"]`).waitFor();
  await axe(worker, 'referral with the child matched');
});

step('the worker phones the referrer back: a conversation starts, filled in from the referral', async () => {
  await go(worker, worker.getByRole('button', { name: 'Phone back: start a conversation' }));
  await worker.locator('.govuk-notification-banner--success').getByRole('heading', { name: 'Conversation started from the referral' }).waitFor();
  await axe(worker, 'conversation task list from a referral');
  await go(worker, worker.getByRole('link', { name: 'Caller' }));
  assert.equal(await worker.getByLabel("Caller's name").inputValue(), 'Sam Ridley', 'the caller is the referrer');
  await axe(worker, 'caller section prefilled');
  const referral = await ctx.db.selectFrom('referrals').selectAll().where('reference', '=', journey.reference).executeTakeFirstOrThrow();
  assert.equal(referral.status, 'conversation');
  assert.ok(referral.conversation_id, 'linked to the conversation');
});
