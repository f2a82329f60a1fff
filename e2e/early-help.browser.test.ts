/**
 * The Early Help journey in a real browser, each person in their own browser context: a CADS worker
 * records a conversation whose agreed outcome is an Early Help request; the completed record says
 * to complete the request; the worker tries to send it without the family's consent (refused),
 * then completes it with consent and sends it; the Early Help team's email is queued; the Early
 * Help practitioner finds it in their queue, opens it, accepts it and downloads the export; the
 * CADS worker sees "accepted" in the child's chronology.
 *
 * The clock is pinned (Monday 23 November 2026, 09:30 in London). Every page state is checked
 * with axe against WCAG 2.2 AA.
 *
 * Run: CHROMIUM_PATH=/usr/bin/chromium TEST_DATABASE_URL=… node --import tsx --test e2e/early-help.browser.test.ts
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
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
const START = '2026-11-23T09:30:00Z';
const CALLER_EMAIL = 'sam.patel@oakfield.example';

let ctx: TestContext;
let app: FastifyInstance;
let base: string;
let browser: Browser;
const users = { worker: '', earlyHelp: '' };
const contexts: BrowserContext[] = [];
const journey = { conversationReference: '', conversationId: '', requestId: '', reference: '', childId: '' };

// The consent question reveals the reason box with GOV.UK conditional radios: the one known GOV.UK
// Frontend axe finding is let through, nothing else.
const health = new PageHealth({ allowGovukConditionalRadios: true });
const axe = (page: Page, label: string) => health.axe(page, label);

async function newUserPage(): Promise<Page> {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London', acceptDownloads: true });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  return health.watch(await context.newPage());
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `early-help-${name}.png`), fullPage: true });
}

const step = journeySteps({ health, contexts, prefix: 'early-help-' });

before(async () => {
  if (skip) return;
  if (!ASSETS.every((f) => existsSync(join(generatedDir, f)))) buildAssets();
  ctx = await createTestContext(START);
  users.worker = (await createUser(ctx, { role: 'cads-worker', displayName: 'Jordan Reeve' })).email;
  users.earlyHelp = (await createUser(ctx, { role: 'early-help-practitioner', email: 'early.help@norfolk.example', displayName: 'Erin Holt' })).email;
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
let team: Page;

step('a CADS worker records a conversation whose agreed outcome is an Early Help request', async () => {
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
  await worker.getByLabel('Name', { exact: true }).fill('Poppy Wainwright');
  await go(worker, worker.getByRole('button', { name: 'Search for a child' }));
  await go(worker, worker.getByRole('button', { name: 'Add a new child' }));
  await heading(worker, 'Add a child to this conversation');
  const dob = worker.getByRole('group', { name: /^Date of birth/ });
  await dob.getByLabel('Day', { exact: true }).fill('12');
  await dob.getByLabel('Month', { exact: true }).fill('9');
  await dob.getByLabel('Year', { exact: true }).fill('2016');
  await worker.getByRole('group', { name: 'Sex' }).getByLabel('Female').check();
  await worker.getByLabel('Address line 1', { exact: true }).fill('9 Orchard Way');
  await worker.getByLabel('Town or city', { exact: true }).fill('Norwich');
  await worker.getByLabel('Postcode', { exact: true }).fill('NR2 4TT');
  await worker.getByRole('group', { name: 'Is an interpreter needed?' }).getByLabel('No', { exact: true }).check();
  await go(worker, worker.getByRole('button', { name: 'Add child' }));
  await worker.getByRole('heading', { level: 3, name: 'Poppy Wainwright' }).waitFor();
  await go(worker, worker.getByRole('link', { name: 'Continue' }));
  await heading(worker, 'Family and household');
  await go(worker, worker.getByRole('link', { name: 'Continue' }));

  await recordConcernConsentAndWorries(worker, {
    child: 'Poppy Wainwright', concern: 'Neglect', immediacy: /Not immediate/,
    detail: 'Poppy is often late and tired; her attendance has fallen this term.',
    worries: 'Attendance has fallen to 82%; mornings at home are chaotic.',
  });

  await heading(worker, 'Agreed outcome');
  const child = worker.getByRole('group', { name: 'Poppy Wainwright', exact: true });
  await child.getByLabel('Level of need').selectOption({ index: 2 });
  await child.getByRole('group', { name: 'Agreed outcome for Poppy Wainwright' }).getByLabel('Early Help request (Request for support)', { exact: true }).check();
  await child.getByRole('group', { name: 'Does the caller agree with this outcome?' }).getByLabel('Yes', { exact: true }).check();
  await child.getByLabel('Next steps').fill('Early Help request with the family’s agreement.');
  await child.getByLabel('Who will do them?').fill('CADS and the school');
  await go(worker, worker.getByRole('button', { name: 'Save and continue' }));

  await heading(worker, 'Check the record before completing it');
  await go(worker, worker.getByRole('button', { name: 'Complete conversation' }));
  await worker.getByRole('heading', { name: 'Conversation completed' }).waitFor();

  const r = await ctx.db.selectFrom('early_help_requests as r').innerJoin('conversations as c', 'c.id', 'r.conversation_id')
    .select(['r.id', 'r.reference', 'r.person_id', 'r.status', 'c.id as conversation_id']).where('c.reference', '=', journey.conversationReference).executeTakeFirstOrThrow();
  assert.equal(r.status, 'details-needed', 'the request waits for its details');
  Object.assign(journey, { requestId: r.id, reference: r.reference, childId: r.person_id, conversationId: r.conversation_id });
  // Poppy's mother, on her record (as if added on the child's record page).
  const mother = randomUUID();
  const child0 = await ctx.db.selectFrom('persons').select(['household_id']).where('id', '=', r.person_id).executeTakeFirstOrThrow();
  await ctx.db.insertInto('persons').values({ id: mother, authority_id: 'norfolk', household_id: child0.household_id, given_name: 'Lisa', family_name: 'Wainwright', date_of_birth: '1989-02-03' }).execute();
  await ctx.db.insertInto('relationships').values({ id: randomUUID(), authority_id: 'norfolk', person_id: r.person_id, related_person_id: mother, relationship_type: 'mother', lives_with_child: true, created_by: null }).execute();
  await worker.reload();
  await worker.getByRole('link', { name: 'Complete the Early Help request for Poppy Wainwright' }).waitFor();
  await axe(worker, 'completed conversation with an Early Help request to complete');
});

step('the worker cannot send it without the family’s consent, then sends it with consent', async () => {
  await go(worker, worker.getByRole('link', { name: 'Complete the Early Help request for Poppy Wainwright' }));
  await heading(worker, 'Complete the Early Help request for Poppy Wainwright');
  assert.equal(await worker.getByLabel('Name', { exact: true }).inputValue(), 'Sam Patel', 'the caller is proposed as lead professional');
  await axe(worker, 'Early Help request form');

  const consent = worker.getByRole('group', { name: 'Do the family agree to the request for Early Help?' });
  await consent.getByLabel('No', { exact: true }).check();
  await worker.getByLabel('Why have they not agreed?').fill('Mum wants to think about it');
  await go(worker, worker.getByRole('button', { name: 'Send to the Early Help team' }));
  const errors = await errorLinks(worker);
  assert.ok(errors.some(([text, href]) => href === '#consent' && text.includes('cannot be sent')), `consent error: ${JSON.stringify(errors)}`);
  assert.match(await worker.title(), /^Error: /, 'the title says there is an error');
  await axe(worker, 'Early Help request form with errors');
  await shot(worker, '01-form-errors');
  const still = await ctx.db.selectFrom('early_help_requests').select(['status', 'consent']).where('id', '=', journey.requestId).executeTakeFirstOrThrow();
  assert.equal(still.status, 'details-needed', 'nothing was saved');

  await worker.getByRole('group', { name: 'Family' }).getByLabel('Lisa Wainwright').check();
  const needs = worker.getByRole('group', { name: 'What do the family need help with?' });
  await needs.getByLabel('School attendance').check();
  await needs.getByLabel('Parenting support').check();
  await consent.getByLabel('Yes', { exact: true }).check();
  await worker.getByLabel('Role', { exact: true }).fill('Head of year');
  await worker.getByLabel('Agency', { exact: true }).fill('Oakfield Primary School');
  await go(worker, worker.getByRole('button', { name: 'Send to the Early Help team' }));
  await successBanner(worker, `Early Help request ${journey.reference} sent`);
  await worker.getByText('Lisa Wainwright').first().waitFor();
  await axe(worker, 'Early Help request sent');

  const email = await ctx.db.selectFrom('notifications').select(['to_address', 'subject', 'text_body']).where('subject_id', '=', journey.requestId).executeTakeFirstOrThrow();
  assert.equal(email.to_address, ctx.profiles.get('norfolk').earlyHelp.teamEmail, 'the team inbox is told');
  assert.doesNotMatch(email.subject + email.text_body, /Poppy|Wainwright/, 'without the child’s name');
});

step('the Early Help practitioner finds it in the queue, accepts it and downloads the export', async () => {
  team = await newUserPage();
  await signIn(team, users.earlyHelp);
  await axe(team, 'Early Help practitioner’s home page');
  await go(team, menu(team).getByRole('link', { name: 'Early Help requests' }));
  await heading(team, 'Early Help requests');
  const row = team.locator('#requests tbody tr', { hasText: journey.reference });
  await row.getByText('Poppy Wainwright').waitFor();
  await axe(team, 'Early Help queue');
  await shot(team, '02-queue');

  await go(team, row.getByRole('link', { name: journey.reference }));
  await heading(team, /Poppy Wainwright/);
  await team.getByText(journey.conversationReference).waitFor();
  assert.equal(await team.getByText('mornings at home are chaotic').count() > 0, true, 'the needs detail prefilled from the worries is there');
  assert.equal(await team.locator(`a[href="/conversations/${journey.conversationId}"]`).count(), 0, 'no link into the CADS record');
  await axe(team, 'Early Help request (sent)');

  await go(team, team.getByRole('button', { name: 'Accept the request' }));
  assert.deepEqual((await errorLinks(team)).map(([, h]) => h), ['#allocatedTo'], 'accepting needs an allocation');
  await axe(team, 'Early Help request with an error');
  await team.getByLabel('Allocated to').fill('Norwich North family support team');
  await go(team, team.getByRole('button', { name: 'Accept the request' }));
  await successBanner(team, `Early Help request ${journey.reference} accepted`);
  await team.getByText('Norwich North family support team').first().waitFor();
  await axe(team, 'Early Help request accepted');
  await shot(team, '03-accepted');

  await go(team, menu(team).getByRole('link', { name: 'Early Help requests' }));
  await team.getByLabel('Sent on or after').fill('2026-11-01');
  const [download] = await Promise.all([team.waitForEvent('download'), team.getByRole('button', { name: 'Download CSV' }).click()]);
  const file = join(SCREENSHOTS, 'early-help-export.csv');
  await download.saveAs(file);
  const csv = await readFile(file, 'utf8');
  const lines = csv.trim().split('\r\n');
  assert.ok(lines[0]!.startsWith('Reference,Status,Sent at,Child'), 'a header row');
  assert.equal(lines.length, 2, 'one request');
  assert.ok(lines[1]!.includes(journey.reference) && lines[1]!.includes('Accepted') && lines[1]!.includes('2026-11-23T09:30:00.000Z'), `the request, accepted, with ISO dates: ${lines[1]}`);
});

step('the CADS worker sees it accepted in the child’s chronology', async () => {
  await worker.goto(`/people/${journey.childId}`);
  await worker.getByRole('link', { name: 'Early Help request: accepted' }).waitFor();
  await axe(worker, 'child’s record with the Early Help line');
});
