/**
 * issue10-D: single sign-on in a real browser. Front Door is configured against a real OpenID
 * Connect provider (oidc-provider, test/support/oidc-idp.ts) on loopback; people sign in at the
 * provider's form, see their account and sessions, an administrator confirms it is them before
 * user administration, someone unknown is refused, and signing out everywhere ends at the
 * provider's end-session page (which the Content-Security-Policy's form-action must allow) and
 * comes back. Every Front Door page state is checked with axe against WCAG 2.2 AA; the provider's
 * own pages are not ours and are not checked.
 *
 * Run: CHROMIUM_PATH=/usr/bin/chromium node --import tsx --test e2e/sso.browser.test.ts
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PageHealth } from './support/page-health.js';
import { go, heading, errorLinks } from './support/pages.js';
import { chromiumMissing, journeySteps, launchChromium } from './support/journey.js';
import { createTestContext, createUser, TEST_PASSWORD, type TestContext } from '../test/support/harness.js';
import { account, advance, IDP_PASSWORD, startSsoWorld, type SsoApp, type SsoWorld } from '../test/support/sso.js';
import { buildAssets, generatedDir } from '../scripts/build-assets.js';

const ASSETS = ['app.css', 'govuk-frontend.min.js', 'init.js'];
let ctx: TestContext;
let world: SsoWorld;
let app: SsoApp;
let browser: Browser;
const contexts: BrowserContext[] = [];
const health = new PageHealth();
const axe = (page: Page, label: string) => health.axe(page, label);
const step = journeySteps({ health, contexts, prefix: 'sso-' });

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ baseURL: app.url, viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  return health.watch(await context.newPage());
}

/** At the provider's form: type the login and password and come back. */
async function atProvider(page: Page, login: string): Promise<void> {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill(IDP_PASSWORD);
  await go(page, page.getByRole('button', { name: 'Sign in' }));
}

before(async () => {
  if (chromiumMissing) return;
  if (!ASSETS.every((f) => existsSync(join(generatedDir, f)))) buildAssets();
  ctx = await createTestContext();
  await createUser(ctx, { role: 'cads-worker', email: 'alice@norfolk.example', displayName: 'Alice Local' });
  await createUser(ctx, { role: 'administrator', email: 'ada@norfolk.example' });
  await createUser(ctx, { role: 'administrator', email: 'lou@norfolk.example', displayName: 'Lou Local' });
  world = await startSsoWorld(ctx, [account('alice', { roles: ['fd-worker'] }), account('ada', { roles: ['fd-admin'] }), account('nobody', { roles: ['fd-worker'] })]);
  app = await world.startApp();
  browser = await launchChromium();
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await world?.close();
  await ctx?.close();
  process.stderr.write(`\naxe ran on ${health.pagesChecked.length} page states; ${health.allFindings.length} violation(s).\n`);
});

let ada: Page;

step('Alice signs in with Test Council and sees her account and where she is signed in', async () => {
  const alice = await newPage();
  await alice.goto('/sign-in');
  await heading(alice, 'Sign in to Front Door');
  await axe(alice, 'sign-in page with single sign-on');
  await go(alice, alice.getByRole('button', { name: 'Sign in with Test Council' }));
  assert.ok(alice.url().startsWith(world.idp.issuer), `at the provider (${alice.url()})`);
  await atProvider(alice, 'alice');
  await heading(alice, /work/);
  await axe(alice, 'home after single sign-on');
  await go(alice, alice.getByRole('link', { name: 'Alice Tester' }));
  await heading(alice, 'Your account');
  assert.match((await alice.locator('main').textContent()) ?? '', /With Test Council/, 'says how she signed in');
  assert.match((await alice.locator('main').textContent()) ?? '', /This device/, 'lists this session');
  await axe(alice, 'your account');
});

step('someone the provider knows but Front Door does not is refused with a clear page', async () => {
  const page = await newPage();
  await page.goto('/sign-in');
  await go(page, page.getByRole('button', { name: 'Sign in with Test Council' }));
  await atProvider(page, 'nobody');
  await heading(page, 'You do not have a Front Door account');
  await axe(page, 'refused: no account');
});

step('an administrator is asked to confirm it is them before user administration after 15 minutes', async () => {
  ada = await newPage();
  await ada.goto('/sign-in');
  await go(ada, ada.getByRole('button', { name: 'Sign in with Test Council' }));
  await atProvider(ada, 'ada');
  await go(ada, ada.getByRole('link', { name: 'Users' }));
  await heading(ada, 'Users');
  await axe(ada, 'users');
  await go(ada, ada.getByRole('button', { name: 'Add a user' }));
  await go(ada, ada.getByRole('button', { name: 'Save' }));
  assert.deepEqual((await errorLinks(ada)).map(([, href]) => href), ['#displayName', '#email'], 'the error summary links to the fields');
  await axe(ada, 'add a user with errors');

  advance(app.sessionClock, 16);
  await ada.goto('/admin/users');
  await heading(ada, 'Confirm it is you');
  await axe(ada, 're-authentication with single sign-on');
  await go(ada, ada.getByRole('button', { name: 'Continue to Test Council' }));
  assert.ok(ada.url().startsWith(world.idp.issuer), 'the provider asks again');
  await atProvider(ada, 'ada');
  await heading(ada, 'Users');
  await go(ada, ada.getByRole('link', { name: 'Alice Tester' }));
  await heading(ada, 'Alice Tester');
  await axe(ada, 'a user, with open sessions');
});

step('with a password account, confirming it is you asks for the password', async () => {
  const lou = await newPage();
  await lou.goto('/sign-in');
  await lou.getByLabel('Email address').fill('lou@norfolk.example');
  await lou.getByLabel('Password').fill(TEST_PASSWORD);
  await go(lou, lou.getByRole('button', { name: 'Sign in', exact: true }));
  await heading(lou, /work/);
  advance(app.sessionClock, 16);
  await lou.goto('/admin/users');
  await heading(lou, 'Confirm it is you');
  await go(lou, lou.getByRole('button', { name: 'Continue' }));
  assert.deepEqual(await errorLinks(lou), [['Enter your password', '#password']]);
  await axe(lou, 're-authentication with a password, with an error');
  await lou.getByLabel('Your password').fill(TEST_PASSWORD);
  await go(lou, lou.getByRole('button', { name: 'Continue' }));
  await heading(lou, 'Users');
});

step('signing out everywhere goes through the provider’s sign-out and comes back; the other session has ended', async () => {
  // Alice's first session went idle while the clock moved on above: she signs in on two computers.
  const [laptop, other] = [await newPage(), await newPage()];
  for (const page of [laptop, other]) {
    await page.goto('/sign-in');
    await go(page, page.getByRole('button', { name: 'Sign in with Test Council' }));
    await atProvider(page, 'alice');
    await heading(page, /work/);
  }

  await laptop.goto('/account');
  await go(laptop, laptop.getByRole('button', { name: 'Sign out everywhere' }));
  // The browser reached the provider's end-session page: form-action allowed the redirect.
  assert.ok(laptop.url().startsWith(`${world.idp.issuer}/session/end`), `at the provider’s sign-out (${laptop.url()})`);
  await go(laptop, laptop.getByRole('button', { name: 'Yes, sign me out' }));
  await heading(laptop, 'You have signed out');
  await axe(laptop, 'signed out');

  await other.goto('/');
  await heading(other, 'Sign in to Front Door');
  assert.match((await other.locator('.govuk-notification-banner').textContent()) ?? '', /You have been signed out/, 'the other computer is told');
  await axe(other, 'sign-in page after being signed out elsewhere');
});
