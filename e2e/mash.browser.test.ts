/**
 * The MASH journey in a real browser, each person in their own browser context: a CADS worker
 * records a conversation whose agreed outcome is MASH checks, which opens an enquiry; the MASH
 * coordinator rates it amber and asks the police, health and education for checks; the police and
 * health practitioners respond on time; the clock moves past the deadline, the overdue alert job
 * emails the education MASH lead, and education's response shows as late; a MASH social worker
 * collates the responses and saves the analysis; the team manager decides; and the caller's written
 * record of the decision arrives in the demo mailbox.
 *
 * The clock is pinned (Monday 23 November 2026, 09:30 in London, inside Norfolk's hours) and moved
 * by the test, never by waiting. Every page state is checked with axe against WCAG 2.2 AA.
 *
 * Run: node --import tsx --test e2e/mash.browser.test.ts (or `npx tsx scripts/run-tests.ts browser`)
 * Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium) and TEST_DATABASE_URL
 * (default postgres://postgres@127.0.0.1:5432/test).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { PageHealth } from './support/page-health.js';
import { go, heading, errorLinks, successBanner, signIn, menu, recordConcernConsentAndWorries } from './support/pages.js';
import { chromiumMissing, journeySteps, launchChromium, SCREENSHOTS } from './support/journey.js';
import type { FastifyInstance } from 'fastify';
import { createTestContext, createUser, TEST_PASSWORD, type TestContext } from '../test/support/harness.js';
import { createServer } from '../src/server.js';
import { startWrittenRecordWorker } from '../src/features/written-records/worker.js';
import { MashAlerts, startMashAlertsWorker } from '../src/features/mash/mash-alerts.js';
import { buildAssets, generatedDir } from '../scripts/build-assets.js';

const skip = chromiumMissing;
const ASSETS = ['app.css', 'govuk-frontend.min.js', 'init.js'];
/** Monday 23 November 2026, 09:30 in London (GMT): Norfolk CADS is open. */
const START = '2026-11-23T09:30:00Z';
/** Thursday 26 November, 10:30: an hour past the amber deadline (24 working hours from Monday 09:30). */
const AFTER_DEADLINE = '2026-11-26T10:30:00Z';
const CALLER_EMAIL = 'sam.patel@oakfield.example';
const EDUCATION_LEAD = 'education.mash.lead@norfolk.example';

let ctx: TestContext;
let app: FastifyInstance;
let base: string;
let browser: Browser;
const users = { worker: '', coordinator: '', manager: '', police: '', health: '', education: '' };
const contexts: BrowserContext[] = [];
const journey = { conversationReference: '', enquiryId: '', reference: '' };

// ---------------------------------------------------------------------------
// Accessibility and page health (e2e/support/page-health.ts). The partner's response form reveals
// the question box and the list of earlier responses with GOV.UK conditional radios, as the
// consent section does: the one known GOV.UK Frontend axe finding is let through, nothing else.
// ---------------------------------------------------------------------------

const health = new PageHealth({ allowGovukConditionalRadios: true });
const axe = (page: Page, label: string) => health.axe(page, label);

async function newUserPage(): Promise<Page> {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  return health.watch(await context.newPage());
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `mash-${name}.png`), fullPage: true });
}

const errorSummary = (page: Page) => page.locator('.govuk-error-summary');

/** Waits, without a deadline of its own, for something the app's background workers do. */
async function eventually<T>(what: string, fn: () => Promise<T | null | undefined | false>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await fn();
    if (v) return v;
    await sleep(200);
  }
  throw new Error(`gave up waiting for ${what}`);
}

const step = journeySteps({ health, contexts, prefix: 'mash-' });

// ---------------------------------------------------------------------------
// Set-up
// ---------------------------------------------------------------------------

before(async () => {
  if (skip) return;
  if (!ASSETS.every((f) => existsSync(join(generatedDir, f)))) buildAssets();
  ctx = await createTestContext(START);
  // Emails go out as in production: workers take written records and notifications off the queue.
  await startWrittenRecordWorker(ctx, 0.5);
  await startMashAlertsWorker(ctx, 0.5);
  users.worker = (await createUser(ctx, { role: 'cads-worker', displayName: 'Jordan Reeve' })).email;
  users.coordinator = (await createUser(ctx, { role: 'mash-coordinator', displayName: 'Riley Stone' })).email;
  users.manager = (await createUser(ctx, { role: 'team-manager', displayName: 'Morgan Hale' })).email;
  users.police = (await createUser(ctx, { role: 'partner-practitioner', agencyCode: 'police', displayName: 'PC Amy Lowe' })).email;
  users.health = (await createUser(ctx, { role: 'partner-practitioner', agencyCode: 'health', displayName: 'Sam Okoro' })).email;
  users.education = (await createUser(ctx, { role: 'partner-practitioner', agencyCode: 'education', displayName: 'Dee Okafor' })).email;
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
  process.stderr.write(`\naxe ran on ${health.pagesChecked.length} page states; ${health.allFindings.length} violation(s); ${health.knownIssues.size} known GOV.UK Frontend aria-expanded-on-radio node(s) let through.\n`);
});

// ---------------------------------------------------------------------------
// The journey
// ---------------------------------------------------------------------------

let worker: Page;
let coordinator: Page;
let manager: Page;

step('a CADS worker records a conversation whose agreed outcome is MASH checks', async () => {
  worker = await newUserPage();
  await signIn(worker, users.worker);
  await go(worker, menu(worker).getByRole('link', { name: 'New conversation' }));
  await go(worker, worker.getByRole('button', { name: 'Start recording' }));
  await heading(worker, 'Caller');
  journey.conversationReference = ((await worker.locator('.govuk-caption-l').textContent()) ?? '').replace('Conversation', '').trim();

  await worker.getByRole('group', { name: 'Who is calling?' }).getByLabel('Professional').check();
  await worker.getByLabel("Caller's name").fill('Sam Patel');
  await worker.getByLabel('Agency', { exact: true }).selectOption({ label: 'School' });
  await worker.getByLabel('Phone number').fill('01632 960001');
  await worker.getByLabel('Email address').fill(CALLER_EMAIL);
  await go(worker, worker.getByRole('button', { name: 'Save and continue' }));

  await heading(worker, 'Children');
  await worker.getByLabel('Name', { exact: true }).fill('Kayleigh Thistlewood');
  await go(worker, worker.getByRole('button', { name: 'Search for a child' }));
  await go(worker, worker.getByRole('button', { name: 'Add a new child' }));
  await heading(worker, 'Add a child to this conversation');
  const dob = worker.getByRole('group', { name: /^Date of birth/ });
  await dob.getByLabel('Day', { exact: true }).fill('6');
  await dob.getByLabel('Month', { exact: true }).fill('5');
  await dob.getByLabel('Year', { exact: true }).fill('2015');
  await worker.getByRole('group', { name: 'Sex' }).getByLabel('Female').check();
  await worker.getByLabel('Address line 1', { exact: true }).fill('4 Mill Lane');
  await worker.getByLabel('Town or city', { exact: true }).fill('Norwich');
  await worker.getByLabel('Postcode', { exact: true }).fill('NR3 1AB');
  await worker.getByRole('group', { name: 'Is an interpreter needed?' }).getByLabel('No', { exact: true }).check();
  await go(worker, worker.getByRole('button', { name: 'Add child' }));
  await worker.getByRole('heading', { level: 3, name: 'Kayleigh Thistlewood' }).waitFor();
  await go(worker, worker.getByRole('link', { name: 'Continue' }));
  await heading(worker, 'Family and household');
  await go(worker, worker.getByRole('link', { name: 'Continue' }));

  await recordConcernConsentAndWorries(worker, {
    child: 'Kayleigh Thistlewood', concern: 'Domestic abuse', immediacy: /Soon – the child needs help/,
    detail: 'Kayleigh said there was shouting and a broken door at home last night.',
    worries: 'Possible domestic abuse at home.',
  });

  await heading(worker, 'Agreed outcome');
  const child = worker.getByRole('group', { name: 'Kayleigh Thistlewood', exact: true });
  await child.getByLabel('Level of need').selectOption({ label: 'Level 3 – complex needs (targeted support)' });
  await child.getByRole('group', { name: 'Agreed outcome for Kayleigh Thistlewood' }).getByLabel('MASH checks', { exact: true }).check();
  await child.getByRole('group', { name: 'Does the caller agree with this outcome?' }).getByLabel('Yes', { exact: true }).check();
  await child.getByLabel('Next steps').fill('MASH checks with police, health and education.');
  await child.getByLabel('Who will do them?').fill('MASH');
  await go(worker, worker.getByRole('button', { name: 'Save and continue' }));

  await heading(worker, 'Check the record before completing it');
  await go(worker, worker.getByRole('button', { name: 'Complete conversation' }));
  await worker.getByRole('heading', { name: 'Conversation completed' }).waitFor();
  await axe(worker, 'completed conversation (MASH checks)');

  const enquiry = await ctx.db.selectFrom('mash_enquiries as e').innerJoin('conversations as c', 'c.id', 'e.conversation_id')
    .select(['e.id', 'e.reference']).where('c.reference', '=', journey.conversationReference).executeTakeFirstOrThrow();
  journey.enquiryId = enquiry.id;
  journey.reference = enquiry.reference;
});

step('the MASH coordinator rates the enquiry amber and asks the police, health and education for checks', async () => {
  coordinator = await newUserPage();
  await signIn(coordinator, users.coordinator);
  await go(coordinator, menu(coordinator).getByRole('link', { name: 'MASH', exact: true }));
  await heading(coordinator, 'MASH enquiries');
  const row = coordinator.locator(`#enquiry-${journey.enquiryId}`);
  await row.getByText('Not rated').waitFor();
  await row.getByText('Kayleigh Thistlewood').waitFor();
  await axe(coordinator, 'MASH dashboard');
  await shot(coordinator, '01-dashboard');

  await go(coordinator, row.getByRole('link', { name: journey.reference }));
  await heading(coordinator, `MASH enquiry ${journey.reference}`);
  await coordinator.getByText('Rate the enquiry red, amber or green before asking agencies for checks').waitFor();
  await axe(coordinator, 'enquiry (awaiting rating)');

  await go(coordinator, coordinator.getByRole('button', { name: 'Save rating' }));
  assert.deepEqual(await errorLinks(coordinator), [['Select red, amber or green', '#rag']]);
  assert.match(await coordinator.title(), /^Error: /);
  await axe(coordinator, 'enquiry with a rating error');

  await coordinator.getByRole('group', { name: 'Rate the enquiry' }).getByLabel('Amber').check();
  await go(coordinator, coordinator.getByRole('button', { name: 'Save rating' }));
  await successBanner(coordinator, 'Rated Amber');
  await coordinator.getByText('Checks with partner agencies and the decision are due by 26 November 2026 at 9:30am.').waitFor();
  await axe(coordinator, 'enquiry rated amber');

  const agencies = coordinator.getByRole('group', { name: 'Ask agencies for checks' });
  await agencies.getByLabel('Police').check();
  await agencies.getByLabel('Health (GP, health visiting').check();
  await agencies.getByLabel('Education').check();
  await go(coordinator, coordinator.getByRole('button', { name: 'Send requests' }));
  await successBanner(coordinator, 'Requests sent');
  const requests = coordinator.locator('#requests-table');
  assert.equal(await requests.locator('tbody tr').count(), 3);
  await coordinator.getByText('0 of 3 answered').waitFor();
  await coordinator.getByText('Already asked: Police, Health (GP, health visiting, school nursing, hospitals), Education.').waitFor();
  await axe(coordinator, 'enquiry with requests sent');
  await shot(coordinator, '02-requests-sent');
});

async function respond(email: string, fill: (page: Page) => Promise<void>, opts: { tryEmpty?: boolean } = {}): Promise<Page> {
  const page = await newUserPage();
  await signIn(page, email);
  await go(page, menu(page).getByRole('link', { name: 'MASH requests' }));
  await heading(page, 'MASH requests');
  await axe(page, `MASH requests (${email.split('.')[0]})`);
  await go(page, page.getByRole('link', { name: journey.reference }));
  await heading(page, `MASH request ${journey.reference}`);
  await page.getByRole('cell', { name: 'Kayleigh Thistlewood' }).waitFor();
  await axe(page, `MASH request (${email.split('.')[0]})`);
  if (opts.tryEmpty) {
    await page.getByRole('group', { name: 'What are you sending?' }).getByLabel('A response to the request').check();
    await go(page, page.getByRole('button', { name: 'Send to the MASH' }));
    assert.deepEqual((await errorLinks(page)).map(([, href]) => href), ['#holds', '#sourceSystem', '#checkedOn-day', '#lawfulBasisCode']);
    await axe(page, 'MASH request with response errors');
  }
  await page.getByRole('group', { name: 'What are you sending?' }).getByLabel('A response to the request').check();
  await fill(page);
  await page.getByRole('group', { name: 'Lawful basis for sharing' }).getByLabel(/Article 6\(1\)\(e\) public task/).check();
  await go(page, page.getByRole('button', { name: 'Send to the MASH' }));
  await successBanner(page, 'Response sent');
  return page;
}

async function dateChecked(page: Page, day: string, month: string, year: string) {
  const group = page.getByRole('group', { name: 'Date you checked' });
  await group.getByLabel('Day', { exact: true }).fill(day);
  await group.getByLabel('Month', { exact: true }).fill(month);
  await group.getByLabel('Year', { exact: true }).fill(year);
}

step('the police and health practitioners, each in their own browser, respond on time', async () => {
  const police = await respond(users.police, async (page) => {
    await page.getByLabel('What your agency holds').fill('Two domestic incidents at 4 Mill Lane in 2026; father arrested in October.');
    await page.getByLabel('System you searched').fill('Athena');
    await dateChecked(page, '23', '11', '2026');
    await page.getByLabel('Risk information (optional)').fill('Father on bail with a condition not to attend the address.');
  }, { tryEmpty: true });
  await police.getByText('Answered on time').first().waitFor();
  // Sent responses cannot be edited, only corrected.
  await police.getByRole('link', { name: /Correct this response/ }).waitFor();
  assert.equal(await police.getByRole('link', { name: /^Change/ }).count(), 0);
  await axe(police, 'police response sent');
  await shot(police, '03-police-response');

  const healthPage = await respond(users.health, async (page) => {
    await page.getByLabel('Nothing known: my agency holds no information about these people').check();
    await page.getByLabel('System you searched').fill('SystmOne');
    await dateChecked(page, '23', '11', '2026');
  });
  await axe(healthPage, 'health response sent');
});

step('past the deadline, education’s request is overdue: the alert job emails the agency lead, and the late response shows as late', async () => {
  ctx.clock.set(AFTER_DEADLINE);
  const alerted = await new MashAlerts(ctx).scan();
  // The scheduled scan may have got there first; either way the lead is told exactly once.
  assert.ok(alerted <= 1);
  const alert = await eventually('the overdue alert in the mailbox', () =>
    ctx.db.selectFrom('mailbox_messages').select(['to_address', 'subject', 'text_body']).where('to_address', '=', EDUCATION_LEAD).executeTakeFirst());
  assert.match(alert.subject, new RegExp(`Overdue MASH check: Education, enquiry ${journey.reference}`));
  assert.doesNotMatch(alert.text_body, /Kayleigh|Thistlewood/);

  await coordinator.goto('/mash');
  const row = coordinator.locator(`#enquiry-${journey.enquiryId}`);
  await row.getByText('2 of 3 answered').waitFor();
  await row.getByText('1 overdue').waitFor();
  await axe(coordinator, 'dashboard with an overdue request');
  await shot(coordinator, '04-overdue');

  const education = await newUserPage();
  await signIn(education, users.education);
  await go(education, menu(education).getByRole('link', { name: 'MASH requests' }));
  await education.locator('#open-requests').getByText('Overdue', { exact: true }).waitFor();
  await education.getByText('overdue by 1 hour').waitFor();
  await axe(education, 'MASH requests with an overdue request');
  await go(education, education.getByRole('link', { name: journey.reference }));
  // A question back to the MASH first; the request stays open.
  await education.getByRole('group', { name: 'What are you sending?' }).getByLabel('A question to the MASH').check();
  await education.getByLabel('Your question for the MASH').fill('Is Kayleigh the child who moved to us from Suffolk in September?');
  await go(education, education.getByRole('button', { name: 'Send to the MASH' }));
  await successBanner(education, 'Question sent');
  await axe(education, 'question sent to the MASH');
  await education.getByRole('group', { name: 'What are you sending?' }).getByLabel('A response to the request').check();
  await education.getByLabel('What your agency holds').fill('Attendance 82% this term; two late arrivals a week since September.');
  await education.getByLabel('System you searched').fill('SIMS');
  await dateChecked(education, '26', '11', '2026');
  await education.getByRole('group', { name: 'Lawful basis for sharing' }).getByLabel(/Article 6\(1\)\(e\) public task/).check();
  await go(education, education.getByRole('button', { name: 'Send to the MASH' }));
  await successBanner(education, 'Response sent');
  await education.locator('#request-summary').getByText('Late', { exact: true }).waitFor();
  await axe(education, 'education response sent late');
});

step('a MASH social worker collates the responses side by side and saves the analysis', async () => {
  await go(worker, menu(worker).getByRole('link', { name: 'MASH', exact: true }));
  await go(worker, worker.locator(`#enquiry-${journey.enquiryId}`).getByRole('link', { name: journey.reference }));
  await go(worker, worker.getByRole('link', { name: 'Collate the agencies’ responses' }));
  await heading(worker, 'Collate the responses');
  await worker.locator('#agency-police').getByText('Father on bail with a condition not to attend the address.').waitFor();
  await worker.locator('#agency-health').getByText('Nothing known').waitFor();
  await worker.locator('#agency-education').getByText('Late', { exact: true }).first().waitFor();
  await axe(worker, 'collation');
  await shot(worker, '05-collation');

  // The question from education waits for an answer; an empty one is refused.
  const answerBox = worker.getByLabel('Your answer to Education');
  await go(worker, worker.locator('#agency-education').getByRole('button', { name: 'Send answer' }));
  assert.equal((await errorLinks(worker)).length, 1);
  await axe(worker, 'collation with an answer error');
  await answerBox.fill('Yes: she joined Year 5 in September from a Suffolk school.');
  await go(worker, worker.locator('#agency-education').getByRole('button', { name: 'Send answer' }));
  await successBanner(worker, 'Answer sent');
  await worker.locator('#agency-education').getByText('she joined Year 5 in September').waitFor();
  await axe(worker, 'collation with the question answered');

  await go(worker, worker.getByRole('button', { name: 'Save analysis' }));
  assert.deepEqual((await errorLinks(worker)).map(([, href]) => href), ['#risks', '#strengths', '#unknowns']);
  await axe(worker, 'collation with analysis errors');
  await worker.getByLabel('Risks').fill('Domestic abuse at the home; father’s bail conditions may be breached.');
  await worker.getByLabel('Strengths').fill('Kayleigh attends school and talks to staff she trusts.');
  await worker.getByLabel('What is unknown').fill('Whether father has been back to the address.');
  await go(worker, worker.getByRole('button', { name: 'Save analysis' }));
  await successBanner(worker, 'Analysis saved');
  await worker.getByText('The analysis is saved. A team manager decides next.').waitFor();
  await axe(worker, 'collation with analysis saved');
});

step('the team manager decides, and the enquiry shows the decision', async () => {
  manager = await newUserPage();
  await signIn(manager, users.manager);
  await manager.goto(`/mash/enquiries/${journey.enquiryId}/collation`);
  await heading(manager, 'Collate the responses');
  await go(manager, manager.getByRole('button', { name: 'Record the decision' }));
  assert.deepEqual(await errorLinks(manager), [['Select what happens next', '#decisionCode'], ['Enter the reasons for the decision', '#rationale']]);
  await axe(manager, 'decision with errors');
  await manager.getByRole('group', { name: 'What happens next' }).getByLabel('Child and family assessment').check();
  await manager.getByLabel('Reasons for the decision').fill('Repeated domestic abuse and a likely breach of bail: Kayleigh needs an assessment.');
  await go(manager, manager.getByRole('button', { name: 'Record the decision' }));
  await successBanner(manager, 'Decision recorded');
  await heading(manager, `MASH enquiry ${journey.reference}`);
  await manager.locator('#summary').getByText('Decided', { exact: true }).waitFor();
  await manager.getByText('Child and family assessment').first().waitFor();
  await axe(manager, 'decided enquiry');
  await shot(manager, '06-decided');
});

step('the caller’s written record of the decision is in the mailbox, beside the overdue alert', async () => {
  const subject = `outcome of the MASH checks ${journey.reference}`;
  await go(manager, menu(manager).getByRole('link', { name: 'Mailbox' }));
  await eventually('the decision record in the mailbox', async () => {
    await manager.reload();
    return (await manager.getByRole('link', { name: new RegExp(subject) }).count()) > 0;
  });
  const row = manager.getByRole('row').filter({ has: manager.getByRole('link', { name: new RegExp(subject) }) });
  await row.getByRole('cell', { name: CALLER_EMAIL }).waitFor();
  await manager.getByRole('row').filter({ hasText: EDUCATION_LEAD }).first().waitFor();
  await axe(manager, 'mailbox with the decision record');
  await go(manager, manager.getByRole('link', { name: new RegExp(subject) }));
  await heading(manager, new RegExp(subject));
  await axe(manager, 'decision record message');
  await shot(manager, '07-decision-record');
});
