/**
 * The Content-Security-Policy, proved in a real browser (issue 10): on real pages of the running
 * app, script injected into the page (a <script> element, an event-handler attribute, eval, a
 * javascript: URL) does not run and the browser reports a CSP violation, while the page's own
 * scripts (GOV.UK's nonce'd "js-enabled" line and our script files) do run. The page responses
 * carry the security headers, and the pages cannot be framed by another site.
 *
 * Also a stored probe end to end: a partner's question whose every field is a script is shown to
 * the head of service as text, and nothing in it runs.
 *
 * Run: CHROMIUM_PATH=/usr/bin/chromium TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node --import tsx --test e2e/security.browser.test.ts
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { PageHealth } from './support/page-health.js';
import { go, heading, signIn } from './support/pages.js';
import { chromiumMissing, journeySteps, launchChromium } from './support/journey.js';
import { createTestContext, createUser, type TestContext } from '../test/support/harness.js';
import { createServer } from '../src/server.js';
import { buildAssets, generatedDir } from '../scripts/build-assets.js';

const skip = chromiumMissing;
const ASSETS = ['app.css', 'govuk-frontend.min.js', 'init.js'];

let ctx: TestContext;
let app: FastifyInstance;
let base: string;
let browser: Browser;
/** Another origin (another port), standing in for a hostile site. */
let hostile: Server;
let hostileBase: string;
const users = { manager: '' };
const contexts: BrowserContext[] = [];

const health = new PageHealth();
const step = journeySteps({ health, contexts, prefix: 'security-' });

async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  return context;
}

/**
 * A page for attacks: not watched by PageHealth, because the CSP's refusals are console errors by
 * design. Its console messages are kept for the test to read.
 */
async function attackPage(): Promise<{ page: Page; console: string[] }> {
  const page = await (await newContext()).newPage();
  const console: string[] = [];
  page.on('console', (m) => console.push(m.text()));
  return { page, console };
}

/** Starts collecting CSP violation reports in the page (the securitypolicyviolation event). */
async function collectViolations(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __violations: { directive: string; blocked: string; sample: string }[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__violations.push({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample }));
  });
}

async function violations(page: Page, atLeast: number): Promise<{ directive: string; blocked: string; sample: string }[]> {
  // Violation events are queued as tasks; wait for them rather than for a time.
  await page.waitForFunction((n) => (window as unknown as { __violations: unknown[] }).__violations.length >= n, atLeast);
  return page.evaluate(() => (window as unknown as { __violations: { directive: string; blocked: string; sample: string }[] }).__violations);
}

before(async () => {
  if (skip) return;
  if (!ASSETS.every((f) => existsSync(join(generatedDir, f)))) buildAssets();
  ctx = await createTestContext();
  users.manager = (await createUser(ctx, { role: 'team-manager', displayName: 'Morgan Hale' })).email;
  app = await createServer(ctx);
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  ctx.config.baseUrl = base;
  hostile = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><title>Elsewhere</title><h1>Elsewhere</h1><iframe title="framed" src="${base}/sign-in"></iframe>`);
  });
  await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
  hostileBase = `http://127.0.0.1:${(hostile.address() as { port: number }).port}`;
  browser = await launchChromium();
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await app?.close();
  await ctx?.close();
  await new Promise((resolve) => (hostile ? hostile.close(resolve) : resolve(undefined)));
  process.stderr.write(`\naxe ran on ${health.pagesChecked.length} page states; ${health.allFindings.length} violation(s).\n`);
});

step('a page response carries the security headers, and the page’s own scripts run', async () => {
  const page = health.watch(await (await newContext()).newPage());
  const res = await page.goto('/sign-in');
  assert.ok(res, 'a response');
  const h = res.headers();
  const csp = h['content-security-policy'] ?? '';
  assert.match(csp, /(^|;)\s*script-src 'self' 'nonce-[0-9a-f]{32}'\s*(;|$)/, `script-src is our origin and a nonce only: ${csp}`);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, 'no unsafe-inline or unsafe-eval anywhere');
  assert.match(csp, /script-src-attr 'none'/, 'no event handler attributes');
  assert.match(csp, /frame-ancestors 'none'/, 'no framing');
  assert.match(csp, /object-src 'none'/, 'no plugins');
  assert.equal(h['x-content-type-options'], 'nosniff', 'nosniff');
  assert.equal(h['referrer-policy'], 'no-referrer', 'referrer policy');
  assert.equal(h['x-frame-options'], 'SAMEORIGIN', 'X-Frame-Options');
  assert.equal(h['cross-origin-opener-policy'], 'same-origin', 'COOP');
  assert.match((await res.headerValue('set-cookie')) ?? '', /HttpOnly; SameSite=Lax/, 'the session cookie');
  await heading(page, 'Sign in');
  // The CSP must not break the page: GOV.UK's nonce'd inline line ran, and so did our module scripts.
  const classes = await page.evaluate(() => document.body.className);
  assert.match(classes, /\bjs-enabled\b/, 'the nonce’d inline script ran');
  assert.match(classes, /\bgovuk-frontend-supported\b/, 'and recognised the browser');
  const loaded = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
  assert.ok(loaded.includes('/static/init.js') && loaded.includes('/static/govuk-frontend.min.js'), `our script files loaded: ${loaded.join(', ')}`);
  await health.axe(page, 'sign-in');
});

step('an injected <script> element does not run, and the browser reports the violation', async () => {
  const { page, console } = await attackPage();
  await page.goto('/sign-in');
  await heading(page, 'Sign in');
  await collectViolations(page);
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__injected = "ran";';
    document.body.appendChild(s);
  });
  const v = await violations(page, 1);
  assert.equal(await page.evaluate(() => (window as unknown as { __injected?: string }).__injected), undefined, 'the injected script did not run');
  assert.ok(v.some((x) => x.directive === 'script-src-elem' && x.blocked === 'inline'), `a script-src violation for inline script: ${JSON.stringify(v)}`);
  assert.ok(console.some((m) => /inline script/i.test(m) && /Content Security Policy/.test(m)), `the browser says it refused it: ${console.join(' | ')}`);

  // Markup injected as HTML (the way a template that forgot to escape would put it on the page).
  await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<div id="probe"><img src="/static/none.png" alt="" onerror="window.__injected = \'onerror\'"></div>'));
  const v2 = await violations(page, v.length + 1);
  assert.ok(v2.some((x) => x.directive === 'script-src-attr'), `an event handler attribute is refused: ${JSON.stringify(v2)}`);
  assert.equal(await page.evaluate(() => (window as unknown as { __injected?: string }).__injected), undefined, 'the onerror handler did not run');
});

step('eval and javascript: URLs are refused too', async () => {
  const { page } = await attackPage();
  await page.goto('/sign-in');
  await heading(page, 'Sign in');
  await collectViolations(page);
  // String-to-code: a timer given a string compiles it when it fires, in the page, under the CSP.
  // (Not eval inside page.evaluate: the DevTools protocol exempts its own evaluation from the CSP.)
  await page.evaluate(() => {
    (window.setTimeout as unknown as (code: string, ms: number) => number)('window.__injected = "timer"', 0);
  });
  const afterTimer = await violations(page, 1);
  assert.ok(afterTimer.some((x) => x.blocked === 'eval'), `a violation for string-to-code (no unsafe-eval): ${JSON.stringify(afterTimer)}`);
  assert.equal(await page.evaluate(() => (window as unknown as { __injected?: string }).__injected), undefined, 'the string did not run');
  await page.evaluate(() => {
    const a = document.createElement('a');
    a.href = 'javascript:window.__injected="link"';
    a.id = 'probe-link';
    a.textContent = 'probe';
    document.body.appendChild(a);
  });
  await page.locator('#probe-link').click();
  const v = await violations(page, 2);
  assert.ok(v.some((x) => x.directive === 'script-src' || x.directive === 'script-src-elem'), `a violation for the javascript: URL: ${JSON.stringify(v)}`);
  assert.equal(await page.evaluate(() => (window as unknown as { __injected?: string }).__injected), undefined, 'the javascript: URL did not run');
});

step('another site cannot frame Front Door (clickjacking)', async () => {
  const { page, console } = await attackPage();
  await page.goto(hostileBase);
  await page.getByRole('heading', { name: 'Elsewhere' }).waitFor();
  const frame = page.frames().find((f) => f !== page.mainFrame());
  assert.ok(frame, 'the hostile page has its frame');
  // The browser refuses to show the page in the frame; wait for it to say so.
  await page.waitForEvent('console', { predicate: (m) => /frame-ancestors/.test(m.text()), timeout: 10_000 }).catch(() => null);
  assert.ok(console.some((m) => /frame-ancestors 'none'/.test(m)), `the browser refused the frame: ${console.join(' | ')}`);
  // Chromium puts its own error page in the frame instead of ours.
  assert.equal(await frame.getByRole('heading', { name: 'Sign in' }).count(), 0, 'the sign-in page is not shown inside the other site');
  assert.equal(await frame.locator('input[name="_csrf"]').count(), 0, 'none of its form is there');
  assert.ok(!frame.url().startsWith(base), `the frame does not hold our page: ${frame.url()}`);
});

step('a stored probe: a question whose every field is a script is shown as text, and nothing runs', async () => {
  const probe = (n: number) => `<script>window.__stored=${n}</script><img src=x onerror="window.__stored=${n}">`;
  const partner = await (await newContext()).newPage();
  await partner.goto('/before-you-call/norfolk/ask');
  await heading(partner, 'Ask a question about the service');
  await partner.getByLabel('Your name').fill(probe(1));
  await partner.getByLabel('Your work email address').fill('probe@oakfield.example');
  await partner.getByLabel('Your organisation').fill(probe(2));
  await partner.getByLabel('Your question').fill(probe(3));
  await go(partner, partner.getByRole('button', { name: 'Send question' }));
  await partner.getByRole('heading', { name: 'Question sent' }).waitFor();

  const { page: manager, console } = await attackPage();
  await signIn(manager, users.manager);
  await go(manager, manager.getByRole('link', { name: /new question from partners/ }));
  await heading(manager, 'Questions from partners');
  await manager.getByText(probe(3)).waitFor();
  assert.equal(await manager.evaluate(() => (window as unknown as { __stored?: number }).__stored), undefined, 'nothing stored ran');
  assert.equal(await manager.locator('main script, main img[src="x"]').count(), 0, 'the probe is text, not elements');
  assert.deepEqual(console.filter((m) => /Refused|Content Security Policy/.test(m)), [], 'escaped output needs no CSP rescue');
  await health.axe(manager, 'questions with a stored probe');
});
