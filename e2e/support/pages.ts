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
