/**
 * The professional directory in a real browser: a CADS worker starts a conversation with a known
 * caller's number, sees "Known caller" and uses the details; then opens the directory, corrects a
 * phone number (seeing the error summary first) and merges two entries for the same person. Every
 * page state is checked with axe against WCAG 2.2 AA.
 *
 * Run: CHROMIUM_PATH=/usr/bin/chromium TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
 *   node --import tsx --test e2e/professionals.browser.test.ts
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { PageHealth } from './support/page-health.js';
import { go, heading, menu } from './support/pages.js';
import { chromiumMissing, journeySteps, launchChromium } from './support/journey.js';
import type { FastifyInstance } from 'fastify';
import { createServiceAccount, createTestContext, createUser, TEST_PASSWORD, type TestContext } from '../test/support/harness.js';
import { createServer } from '../src/server.js';
import { buildAssets, generatedDir } from '../scripts/build-assets.js';

const skip = chromiumMissing;
const ASSETS = ['app.css', 'govuk-frontend.min.js', 'init.js'];
/** Monday 23 November 2026, 09:30 in London: Norfolk CADS is open. */
const START = '2026-11-23T09:30:00Z';

let ctx: TestContext;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let workerEmail = '';
const contexts: BrowserContext[] = [];

const health = new PageHealth({ allowGovukConditionalRadios: true });
const axe = (page: Page, label: string) => health.axe(page, label);
const step = journeySteps({ health, contexts, prefix: 'professionals-' });

const successBanner = (page: Page, title: string) => page.locator('.govuk-notification-banner--success').getByRole('heading', { name: title }).waitFor();

/** A completed conversation with this caller, through the API. */
async function completeWith(token: string, caller: { name: string; role?: string; agencyCode: string; phone?: string; email?: string }, n: number): Promise<void> {
  const auth = { authorization: `Bearer ${token}` };
  const person = await app.inject({ method: 'POST', url: '/api/v1/people', headers: auth, payload: { givenName: 'Robin', familyName: `Directoryjourney${'abcdefgh'[n]}`, dateOfBirth: '2014-02-03', sex: 'M', differentChildReason: 'Test fixture' } });
  assert.equal(person.statusCode, 201, person.body);
  const res = await app.inject({
    method: 'POST', url: '/api/v1/conversations', headers: auth,
    payload: {
      caller: { type: 'professional', name: caller.name, role: caller.role ?? null, agencyCode: caller.agencyCode, phone: caller.phone ?? null, email: caller.email ?? null },
      children: [{ personId: person.json().id, whereNow: 'At school', safeTonight: 'yes', outcomeCode: 'advice-and-information', levelCode: '2', callerAgreed: true, nextSteps: 'Keep watching' }],
      concernCategories: ['neglect'], concernDetail: 'Often hungry', immediacy: 'not-immediate', parentsInformed: 'yes', consentGiven: 'yes', worries: 'Hunger',
      complete: true, workerEmail,
    },
  });
  assert.equal(res.statusCode, 201, res.body);
}

before(async () => {
  if (skip) return;
  if (!ASSETS.every((f) => existsSync(join(generatedDir, f)))) buildAssets();
  ctx = await createTestContext(START);
  workerEmail = (await createUser(ctx, { role: 'cads-worker', displayName: 'Jordan Reeve' })).email;
  app = await createServer(ctx);
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  ctx.config.baseUrl = base;
  const token = await createServiceAccount(ctx, { role: 'cads-worker' });
  ctx.clock.set('2026-11-16T10:00:00Z');
  await completeWith(token, { name: 'Fiona Marsh', role: 'Designated safeguarding lead', agencyCode: 'school', phone: '07700 900101', email: 'fiona.marsh@oakfield.example' }, 0);
  ctx.clock.set('2026-11-18T10:00:00Z');
  await completeWith(token, { name: 'Fiona Marsh', role: 'Designated safeguarding lead', agencyCode: 'school', phone: '07700 900101', email: 'fiona.marsh@oakfield.example' }, 1);
  await completeWith(token, { name: 'Sam Twin', role: 'Health visitor', agencyCode: 'health-visitor', phone: '07700 900701' }, 2);
  await completeWith(token, { name: 'Sam Twin', agencyCode: 'health-visitor', phone: '07700 900702', email: 'sam.twin@nhs.example' }, 3);
  ctx.clock.set(START);
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

step('a worker starts a conversation with a known caller’s number and uses their details', async () => {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  worker = health.watch(await context.newPage());
  await worker.goto('/sign-in');
  await worker.getByLabel('Email address').fill(workerEmail);
  await worker.getByLabel('Password').fill(TEST_PASSWORD);
  await go(worker, worker.getByRole('button', { name: 'Sign in' }));
  await go(worker, menu(worker).getByRole('link', { name: 'New conversation' }));
  await worker.getByLabel("Caller's phone number (optional)").fill('07700 900 101');
  await go(worker, worker.getByRole('button', { name: 'Start recording' }));
  await heading(worker, 'Caller');
  const known = worker.locator('#known-caller');
  await known.getByRole('heading', { name: /Known caller: Fiona Marsh, Designated safeguarding lead, School/ }).waitFor();
  assert.match((await known.textContent()) ?? '', /Last called on .* \(2 conversations\)/, 'when they last called and how often');
  await axe(worker, 'caller section with a known caller');

  await go(worker, known.getByRole('button', { name: 'Use these details of Fiona Marsh' }));
  await successBanner(worker, 'Caller’s details filled in');
  assert.equal(await worker.getByLabel("Caller's name").inputValue(), 'Fiona Marsh', 'the name is filled in');
  assert.equal(await worker.getByLabel('Email address').inputValue(), 'fiona.marsh@oakfield.example', 'the email is filled in');
  assert.ok(await worker.getByRole('group', { name: 'Who is calling?' }).getByLabel('Professional').isChecked(), 'professional is chosen');
  await axe(worker, 'caller section filled from the directory');

  // Looking up an email typed in.
  await worker.getByLabel('Phone number').fill('');
  await worker.getByLabel('Email address').fill('sam.twin@nhs.example');
  await go(worker, worker.getByRole('button', { name: 'Find caller' }));
  await worker.locator('#known-caller').getByRole('heading', { name: /Known caller: Sam Twin/ }).waitFor();
  assert.equal(await worker.getByLabel('Email address').inputValue(), 'sam.twin@nhs.example', 'what was typed is kept');
  await axe(worker, 'caller section after Find caller');
});

step('the worker corrects a phone number in the directory', async () => {
  await go(worker, menu(worker).getByRole('link', { name: 'Professionals' }));
  await heading(worker, 'Professional directory');
  await axe(worker, 'directory');
  await worker.getByLabel('Name, phone number or email address').fill('Marsh');
  await go(worker, worker.getByRole('button', { name: 'Search the directory' }));
  await worker.getByRole('table', { name: /1 entry found/ }).waitFor();
  await axe(worker, 'directory search results');
  await go(worker, worker.getByRole('link', { name: 'Fiona Marsh' }));
  await heading(worker, 'Fiona Marsh');
  assert.equal(await worker.getByRole('table', { name: /2 conversations with Fiona Marsh/ }).locator('tbody tr').count(), 2, 'her conversations are listed');
  await axe(worker, 'directory entry');

  await go(worker, worker.getByRole('button', { name: 'Correct the details' }));
  await heading(worker, 'Correct the details of Fiona Marsh');
  await worker.getByLabel('Phone number').fill('07700 9001');
  await go(worker, worker.getByRole('button', { name: 'Save the corrected details' }));
  const summary = worker.locator('.govuk-error-summary');
  await summary.waitFor();
  const links = await summary.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(links, ['#phone', '#reason'], 'the phone and the reason are asked for');
  await axe(worker, 'correct details with errors');

  await worker.getByLabel('Phone number').fill('07700 900 111');
  await worker.getByLabel('What was wrong?').fill('She has a new work mobile');
  await go(worker, worker.getByRole('button', { name: 'Save the corrected details' }));
  await successBanner(worker, 'Details corrected');
  const history = worker.getByRole('table', { name: /Changes to this entry/ });
  assert.match((await history.textContent()) ?? '', /Phone number: 07700 900101 → 07700 900111/, 'the history shows the change');
  await axe(worker, 'directory entry after a correction');
});

step('the worker merges two entries for the same person', async () => {
  await go(worker, menu(worker).getByRole('link', { name: 'Professionals' }));
  await worker.getByLabel('Name, phone number or email address').fill('07700 900701');
  await go(worker, worker.getByRole('button', { name: 'Search the directory' }));
  await go(worker, worker.getByRole('link', { name: 'Sam Twin' }));
  await heading(worker, 'Sam Twin');
  await go(worker, worker.getByRole('button', { name: 'Merge with another entry' }));
  await heading(worker, 'Merge Sam Twin with another entry');
  await axe(worker, 'merge form');
  await go(worker, worker.getByRole('button', { name: 'Merge the entries' }));
  await worker.locator('.govuk-error-summary').waitFor();
  await axe(worker, 'merge form with errors');

  await worker.getByRole('group', { name: 'Which entry is the same person?' }).getByLabel(/Sam Twin/).check();
  await worker.getByRole('group', { name: 'Which entry do you want to keep?' }).getByLabel(/This entry/).check();
  await worker.getByLabel('Why are these the same person?').fill('Confirmed on the phone that both numbers are theirs');
  await go(worker, worker.getByRole('button', { name: 'Merge the entries' }));
  await successBanner(worker, 'Entries merged');
  assert.equal(await worker.getByRole('table', { name: /2 conversations with Sam Twin/ }).locator('tbody tr').count(), 2, 'both conversations are on the kept entry');
  assert.match((await worker.locator('.govuk-summary-list').first().textContent()) ?? '', /sam\.twin@nhs\.example/, 'the email came over');
  await axe(worker, 'directory entry after a merge');
});
