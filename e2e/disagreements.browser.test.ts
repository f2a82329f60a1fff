/**
 * The professional disagreement journey in a real browser, each person in their own browser
 * context: a CADS worker completes a conversation where the caller does not agree with the outcome,
 * which opens stage 1 of the disagreements policy; two working days later it is overdue, and the team
 * manager sees it on their home page and list, and escalates it to stage 2; at stage 2 it is resolved;
 * the MI analyst's figures count it.
 *
 * The clock is pinned (Monday 23 November 2026, 09:30 in London) and moved by the test, never by
 * waiting. Every page state is checked with axe against WCAG 2.2 AA.
 *
 * Run: CHROMIUM_PATH=/usr/bin/chromium TEST_DATABASE_URL=… node --import tsx --test e2e/disagreements.browser.test.ts
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { PageHealth } from './support/page-health.js';
import { go, heading, errorLinks, successBanner, signIn, menu, recordConcernConsentAndWorries } from './support/pages.js';
import { chromiumMissing, journeySteps, launchChromium, SCREENSHOTS } from './support/journey.js';
import type { FastifyInstance } from 'fastify';
import { createTestContext, createUser, TEST_PASSWORD, type TestContext } from '../test/support/harness.js';
import { createServer } from '../src/server.js';
import { buildAssets, generatedDir } from '../scripts/build-assets.js';

const skip = chromiumMissing;
const ASSETS = ['app.css', 'govuk-frontend.min.js', 'init.js'];
/** Monday 23 November 2026, 09:30 in London (GMT). Stage 1 (2 working days) is due Wednesday 25 November. */
const START = '2026-11-23T09:30:00Z';
/** Thursday 26 November, 10:00: stage 1 is a working day overdue. Stage 2 (3 working days) will be due Tuesday 1 December. */
const THURSDAY = '2026-11-26T10:00:00Z';
/** Monday 30 November, 14:00: stage 2 is answered, on time. */
const MONDAY_AFTER = '2026-11-30T14:00:00Z';

let ctx: TestContext;
let app: FastifyInstance;
let base: string;
let browser: Browser;
const users = { worker: '', manager: '', mi: '' };
const contexts: BrowserContext[] = [];
const journey = { conversationReference: '', disagreementId: '', reference: '' };

const health = new PageHealth({ allowGovukConditionalRadios: true });
const axe = (page: Page, label: string) => health.axe(page, label);

async function newUserPage(): Promise<Page> {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  return health.watch(await context.newPage());
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `disagreements-${name}.png`), fullPage: true });
}

const step = journeySteps({ health, contexts, prefix: 'disagreements-' });

before(async () => {
  if (skip) return;
  if (!ASSETS.every((f) => existsSync(join(generatedDir, f)))) buildAssets();
  ctx = await createTestContext(START);
  users.worker = (await createUser(ctx, { role: 'cads-worker', displayName: 'Jordan Reeve' })).email;
  users.manager = (await createUser(ctx, { role: 'team-manager', displayName: 'Morgan Hale' })).email;
  users.mi = (await createUser(ctx, { role: 'mi-analyst', displayName: 'Ash Patel' })).email;
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

let worker: Page;
let manager: Page;

step('a CADS worker completes a conversation where the caller does not agree with the outcome', async () => {
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
  await go(worker, worker.getByRole('button', { name: 'Save and continue' }));

  await heading(worker, 'Children');
  await worker.getByLabel('Name', { exact: true }).fill('Ellis Marchbanks');
  await go(worker, worker.getByRole('button', { name: 'Search for a child' }));
  await go(worker, worker.getByRole('button', { name: 'Add a new child' }));
  await heading(worker, 'Add a child to this conversation');
  const dob = worker.getByRole('group', { name: /^Date of birth/ });
  await dob.getByLabel('Day', { exact: true }).fill('14');
  await dob.getByLabel('Month', { exact: true }).fill('2');
  await dob.getByLabel('Year', { exact: true }).fill('2013');
  await worker.getByRole('group', { name: 'Sex' }).getByLabel('Male', { exact: true }).check();
  await worker.getByLabel('Address line 1', { exact: true }).fill('9 Rope Walk');
  await worker.getByLabel('Town or city', { exact: true }).fill('Norwich');
  await worker.getByLabel('Postcode', { exact: true }).fill('NR2 4AB');
  await worker.getByRole('group', { name: 'Is an interpreter needed?' }).getByLabel('No', { exact: true }).check();
  await go(worker, worker.getByRole('button', { name: 'Add child' }));
  await worker.getByRole('heading', { level: 3, name: 'Ellis Marchbanks' }).waitFor();
  await go(worker, worker.getByRole('link', { name: 'Continue' }));
  await heading(worker, 'Family and household');
  await go(worker, worker.getByRole('link', { name: 'Continue' }));

  await recordConcernConsentAndWorries(worker, {
    child: 'Ellis Marchbanks', concern: 'Neglect', immediacy: /Soon – the child needs help/,
    detail: 'Ellis often arrives hungry and in the same clothes.',
    worries: 'Possible neglect.',
  });

  await heading(worker, 'Agreed outcome');
  const child = worker.getByRole('group', { name: 'Ellis Marchbanks', exact: true });
  await child.getByLabel('Level of need').selectOption({ label: 'Level 2 – additional needs (early help)' });
  await child.getByRole('group', { name: 'Agreed outcome for Ellis Marchbanks' }).getByLabel('Advice and information', { exact: true }).check();
  await child.getByRole('group', { name: 'Does the caller agree with this outcome?' }).getByLabel('No', { exact: true }).check();
  await child.getByLabel('What does the caller disagree with, and why?').fill('The school believes Ellis needs a social care assessment.');
  await child.getByLabel('Next steps').fill('School to keep a daily note of concerns.');
  await child.getByLabel('Who will do them?').fill('The caller');
  await go(worker, worker.getByRole('button', { name: 'Save and continue' }));

  await heading(worker, 'Check the record before completing it');
  await go(worker, worker.getByRole('button', { name: 'Complete conversation' }));
  await worker.getByRole('heading', { name: 'Conversation completed' }).waitFor();
  const d = await ctx.db.selectFrom('disagreements as d').innerJoin('conversations as c', 'c.id', 'd.conversation_id')
    .select(['d.id', 'd.reference']).where('c.reference', '=', journey.conversationReference).executeTakeFirstOrThrow();
  journey.disagreementId = d.id;
  journey.reference = d.reference;
  await worker.getByText('open at stage 1: the social worker, due 25 November 2026').waitFor();
  await worker.getByRole('link', { name: 'Record a professional disagreement' }).waitFor();
  await axe(worker, 'completed conversation with a disagreement');
  await shot(worker, '01-conversation');
});

step('two working days on, the team manager sees it overdue and escalates it to stage 2', async () => {
  ctx.clock.set(THURSDAY);
  manager = await newUserPage();
  await signIn(manager, users.manager);
  await manager.getByText('1 open disagreement, 1 overdue').waitFor();
  await axe(manager, 'home page with the disagreements panel');
  await go(manager, menu(manager).getByRole('link', { name: 'Disagreements', exact: true }));
  await heading(manager, 'Professional disagreements');
  const row = manager.locator(`#disagreement-${journey.disagreementId}`);
  await row.getByText('Ellis Marchbanks').waitFor();
  await row.getByText('Overdue', { exact: true }).waitFor();
  await row.getByText('Overdue by 1 working day').waitFor();
  await axe(manager, 'disagreements list');
  await shot(manager, '02-list');

  await go(manager, row.getByRole('link', { name: journey.reference }));
  await heading(manager, journey.reference);
  await axe(manager, 'disagreement at stage 1');
  await go(manager, manager.getByRole('button', { name: 'Record the response' }));
  assert.deepEqual(await errorLinks(manager), [
    ['Enter what was discussed and decided at this stage', '#response'],
    ['Select whether the disagreement was resolved or is escalated to the next stage', '#result'],
  ]);
  await axe(manager, 'disagreement response with errors');

  await manager.getByLabel('What was discussed and decided?').fill('The worker spoke to Sam Patel; the school still wants an assessment.');
  await manager.getByRole('group', { name: 'What is the result at this stage?' }).getByLabel(/Escalate to stage 2/).check();
  await go(manager, manager.getByRole('button', { name: 'Record the response' }));
  await successBanner(manager, `Response recorded for ${journey.reference}`);
  await manager.getByText('The disagreement is escalated to stage 2.', { exact: false }).waitFor();
  await manager.locator('#stage-1').getByText('Late', { exact: true }).waitFor();
  await manager.locator('#stage-2').getByText('1 December 2026').waitFor();
  await axe(manager, 'disagreement escalated to stage 2');
  await shot(manager, '03-escalated');
});

step('at stage 2 the manager resolves it, on time', async () => {
  ctx.clock.set(MONDAY_AFTER);
  await manager.goto(`/disagreements/${journey.disagreementId}`);
  await heading(manager, journey.reference);
  await manager.getByLabel('What was discussed and decided?').fill('Met the head teacher; agreed an Early Help assessment with the school as lead professional.');
  await manager.getByRole('group', { name: 'What is the result at this stage?' }).getByLabel('Resolved', { exact: true }).check();
  await manager.getByLabel('What outcome was agreed?').fill('Early Help assessment, school as lead professional');
  await axe(manager, 'disagreement response with resolved revealed');
  await go(manager, manager.getByRole('button', { name: 'Record the response' }));
  await successBanner(manager, `Response recorded for ${journey.reference}`);
  await manager.getByText('The disagreement was resolved at stage 2 and is closed.').waitFor();
  await manager.locator('#stage-2').getByText('On time', { exact: true }).waitFor();
  assert.equal(await manager.getByRole('button', { name: 'Record the response' }).count(), 0, 'no more responses once closed');
  await axe(manager, 'disagreement resolved');
  await shot(manager, '04-resolved');
});

step('the MI analyst’s figures count it: raised, resolved at stage 2, 5 working days', async () => {
  const mi = await newUserPage();
  await signIn(mi, users.mi);
  await go(mi, menu(mi).getByRole('link', { name: 'Disagreement figures' }));
  await heading(mi, 'Professional disagreements: figures');
  assert.equal(await mi.locator('#raised').textContent(), '1');
  assert.equal(await mi.locator('#resolved-stage-2').textContent(), '1');
  assert.equal(await mi.locator('#resolved-stage-1').textContent(), '0');
  assert.equal(await mi.locator('#average').textContent(), '5');
  await mi.getByRole('link', { name: 'Download these figures as a CSV file' }).waitFor();
  await axe(mi, 'disagreement figures');
  await shot(mi, '05-figures');
});
