/**
 * Small page helpers every browser journey uses: follow a link or press a button and wait for the
 * next page, wait for a page's heading, read the error summary, wait for a success banner, sign in,
 * and find the service navigation.
 */
import type { Locator, Page } from 'playwright-core';
import { TEST_PASSWORD } from '../../test/support/harness.js';

/** Clicks and waits for the page it leads to. */
export async function go(page: Page, target: Locator): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), target.click()]);
}

/** Waits for the page's h1. */
export async function heading(page: Page, name: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

/** The GOV.UK error summary's links: [text, href] for each. */
export async function errorLinks(page: Page): Promise<[string, string][]> {
  return page
    .locator('.govuk-error-summary .govuk-error-summary__list a')
    .evaluateAll((as) => as.map((a) => [(a.textContent ?? '').trim(), a.getAttribute('href') ?? ''] as [string, string]));
}

/** Waits for the success notification banner with this heading. */
export async function successBanner(page: Page, title: string | RegExp): Promise<void> {
  await page.locator('.govuk-notification-banner--success').getByRole('heading', { name: title }).waitFor();
}

/** Signs in with the test password and waits for the home page ("Your work"). */
export async function signIn(page: Page, email: string): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await go(page, page.getByRole('button', { name: 'Sign in' }));
  await heading(page, /work/);
}

/** The service navigation. */
export const menu = (page: Page) => page.getByRole('navigation', { name: 'Menu' });

/**
 * The three middle sections of a conversation about one child, as a worker fills them in on a call
 * where the parents know and consented: where the child is (at school, safe tonight), the concern and
 * how immediate it is, consent, and the worries. Starts on the concern section; ends on the outcome.
 */
export async function recordConcernConsentAndWorries(
  page: Page,
  c: { child: string; concern: string; detail: string; immediacy: RegExp; worries: string },
): Promise<void> {
  await heading(page, 'Where the child is and the concern');
  await page.getByLabel(`Where is ${c.child} now?`).fill('At school');
  await page.getByRole('group', { name: `Is ${c.child} safe tonight?` }).getByLabel('Yes', { exact: true }).check();
  await page.getByRole('group', { name: 'What is the concern about?' }).getByLabel(c.concern).check();
  await page.getByLabel('The concern, as the caller describes it').fill(c.detail);
  await page.getByRole('group', { name: 'How immediate is it?' }).getByLabel(c.immediacy).check();
  await go(page, page.getByRole('button', { name: 'Save and continue' }));

  await heading(page, 'Parents informed and consent');
  await page.getByRole('group', { name: 'Have the parents or carers been told about the concern?' }).getByLabel('Yes', { exact: true }).check();
  await page.getByRole('group', { name: 'Did the parents or carers consent to this call?' }).getByLabel('Yes', { exact: true }).check();
  await go(page, page.getByRole('button', { name: 'Save and continue' }));

  await heading(page, 'Worries, strengths and what needs to happen');
  await page.getByLabel('What are we worried about?').fill(c.worries);
  await go(page, page.getByRole('button', { name: 'Save and continue' }));
}
