/**
 * Proof of the web defences (issue 10): security headers and a Content-Security-Policy without
 * inline script, CSRF on every state-changing page route, and rate limits on sign-in, the survey
 * and every other public route — including behind a load balancer, where a client must not be
 * able to pick its own address with X-Forwarded-For.
 *
 * Every route list here comes from the app's own route table, so a route added later is checked
 * without anyone remembering to add it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { Agent, createTestApp, createTestContext, createUser, signedInAgent, type TestContext } from './support/harness.js';
import { ROLES, type Role } from '../src/platform/auth/roles.js';
import { loadConfig } from '../src/config.js';
import { PUBLIC_RATE_LIMIT } from '../src/platform/http/app.js';
import type { RouteEntry } from '../src/platform/http/access.js';

let ctx: TestContext;
let app: FastifyInstance;
const agents = new Map<Role, Agent>();

before(async () => {
  ctx = await createTestContext();
  app = await createTestApp(ctx);
  for (const role of ROLES) agents.set(role, await signedInAgent(app, (await createUser(ctx, { role })).email));
});
after(async () => {
  await app?.close();
  await ctx?.close();
});

/** A URL a route answers, with its parameters filled in (the values need not exist). */
function concrete(url: string): string {
  return url
    .replace(/:authority/g, 'norfolk')
    .replace(/:token/g, randomBytes(16).toString('hex'))
    .replace(/:step/g, 'emergency')
    .replace(/:level/g, '1')
    .replace(/:number/g, '%2B443448008021')
    .replace(/:version/g, '1')
    .replace(/:[A-Za-z]+/g, () => randomUUID());
}

function directives(header: unknown): Map<string, string[]> {
  assert.equal(typeof header, 'string', 'a Content-Security-Policy header');
  const map = new Map<string, string[]>();
  for (const part of (header as string).split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) map.set(name, values);
  }
  return map;
}

test('pages carry the security headers and a CSP that allows no inline script', async () => {
  const res = await app.inject({ method: 'GET', url: '/sign-in' });
  assert.equal(res.statusCode, 200, 'the sign-in page');
  const csp = directives(res.headers['content-security-policy']);
  const scriptSrc = csp.get('script-src') ?? [];
  assert.equal(scriptSrc[0], "'self'", 'scripts from our own origin');
  assert.equal(scriptSrc.length, 2, `script-src is 'self' and one nonce, nothing else: ${scriptSrc.join(' ')}`);
  assert.match(scriptSrc[1]!, /^'nonce-[0-9a-f]{32}'$/, 'the second source is a per-response nonce');
  for (const bad of ["'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'strict-dynamic'", '*', 'data:', 'http:', 'https:']) {
    assert.ok(!scriptSrc.includes(bad), `script-src must not allow ${bad}`);
  }
  assert.deepEqual(csp.get('script-src-attr'), ["'none'"], 'no on*= event handler attributes');
  assert.deepEqual(csp.get('default-src'), ["'self'"], 'default-src');
  assert.deepEqual(csp.get('object-src'), ["'none'"], 'no plugins');
  assert.deepEqual(csp.get('base-uri'), ["'none'"], 'no <base> hijacking');
  assert.deepEqual(csp.get('frame-ancestors'), ["'none'"], 'no framing (clickjacking)');
  assert.deepEqual(csp.get('form-action'), ["'self'"], 'forms post only to us');
  assert.equal(res.headers['x-content-type-options'], 'nosniff', 'nosniff');
  assert.equal(res.headers['referrer-policy'], 'no-referrer', 'no referrer leaves the service');
  assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN', 'X-Frame-Options for old browsers');
  assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin', 'COOP');
  assert.equal(res.headers['strict-transport-security'], undefined, 'no HSTS outside production (the local demo is http://)');

  // The one inline script on a page (GOV.UK's "js-enabled" line) runs only because it carries
  // this response's nonce; every other script is a file of our own.
  const nonce = scriptSrc[1]!.slice(7, -1);
  const scripts = [...res.body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.ok(scripts.length >= 2, 'the page has its scripts');
  for (const [, attrs, body] of scripts) {
    if (/\bsrc="\/static\//.test(attrs!)) assert.equal(body!.trim(), '', 'an external script has no inline body');
    else assert.match(attrs!, new RegExp(`nonce="${nonce}"`), `an inline script without this response's nonce: ${attrs}`);
  }
  const again = directives((await app.inject({ method: 'GET', url: '/sign-in' })).headers['content-security-policy']);
  assert.notEqual(again.get('script-src')?.[1], scriptSrc[1], 'a new nonce for every response');

  const cookie = String((await new Agent(app).signIn((await createUser(ctx, { role: 'cads-worker' })).email)).headers['set-cookie']);
  assert.match(cookie, /HttpOnly/, 'the session cookie is out of reach of scripts');
  assert.match(cookie, /SameSite=Lax/, 'the session cookie is not sent on cross-site posts');
});

test('in production: HSTS, and secure cookies', async () => {
  const prodApp = await createTestApp({ ...ctx, config: { ...ctx.config, env: 'production', secureCookies: true, trustProxy: 1 } });
  try {
    // The load balancer ends TLS and says so in X-Forwarded-Proto.
    const res = await prodApp.inject({ method: 'GET', url: '/sign-in', remoteAddress: '10.0.0.1', headers: { 'x-forwarded-proto': 'https' } });
    assert.match(String(res.headers['strict-transport-security']), /max-age=\d{7,}/, 'HSTS for at least 4 months');
    assert.match(String(res.headers['set-cookie']), /Secure/, 'the session cookie is sent only over HTTPS');
  } finally {
    await prodApp.close();
  }
});

test('every state-changing page route refuses a form without a valid CSRF token', async () => {
  const changing = app.routeTable.filter((r) => !r.api && !['GET', 'HEAD', 'OPTIONS'].includes(r.method));
  assert.ok(changing.length >= 20, `only ${changing.length} state-changing page routes found`);
  const strangerToken: string | undefined = (await new Agent(app).get('/sign-in')).body.match(/name="_csrf" value="([^"]+)"/)?.[1];
  assert.ok(strangerToken, 'another visitor’s token');
  const tokens: (string | null)[] = [null, 'not-a-token', strangerToken];
  const checked: string[] = [];
  for (const r of changing) {
    const agent = 'public' in r.access ? new Agent(app) : agents.get(r.access.roles[0]!)!;
    assert.ok(agent, `an agent for ${r.method} ${r.url}`);
    const url = concrete(r.url);
    for (const token of tokens) {
      const form: string = token === null ? '' : `_csrf=${encodeURIComponent(token)}&`;
      const res: { statusCode: number; body: string } = await app.inject({
        method: r.method as 'POST',
        url,
        remoteAddress: `198.51.100.${checked.length % 250}`,
        headers: { cookie: agent.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
        payload: `${form}reason=probe&name=probe`,
      });
      assert.equal(res.statusCode, 403, `${r.method} ${r.url} with ${token === null ? 'no token' : `token ${token.slice(0, 12)}`} answered ${res.statusCode}`);
      assert.match(res.body, /Your form has expired/, `${r.method} ${r.url}: the CSRF refusal, not another 403`);
    }
    checked.push(`${r.method} ${r.url}`);
  }
  // The check can tell the difference: with its own token the same kind of request gets through.
  const worker = agents.get('cads-worker')!;
  await worker.get('/');
  const ok = await worker.post('/sign-out', {});
  assert.equal(ok.status, 302, 'sign-out with a valid token is accepted');
  agents.set('cads-worker', await signedInAgent(app, (await createUser(ctx, { role: 'cads-worker' })).email));
});

/** Public routes without a credential of their own, except those that opt out (health probes). */
function openRoutes(a: FastifyInstance): RouteEntry[] {
  return a.routeTable.filter((r) => 'public' in r.access && !r.access.checkedBy);
}

test('every public route without a credential of its own is rate limited, except the health probes', async () => {
  const limited: string[] = [];
  for (const r of openRoutes(app)) {
    const res = await app.inject({ method: r.method as 'GET', url: concrete(r.url), remoteAddress: '203.0.113.50', payload: r.method === 'GET' ? undefined : {} });
    const limit = res.headers['x-ratelimit-limit'];
    if (r.url === '/healthz' || r.url === '/readyz') {
      assert.equal(limit, undefined, `${r.url} must not be limited: load balancers probe it often`);
      continue;
    }
    assert.ok(limit !== undefined && Number(limit) > 0, `${r.method} ${r.url} has no rate limit (answered ${res.statusCode})`);
    limited.push(`${r.method} ${r.url} ${limit}/min`);
  }
  assert.ok(limited.length >= 15, `only ${limited.length} limited public routes: ${limited.join(', ')}`);
  const byRoute = Object.fromEntries(limited.map((l) => [l.split(' ').slice(0, 2).join(' '), Number(l.split(' ')[2]!.replace('/min', ''))]));
  assert.equal(byRoute['POST /sign-in'], 60, 'sign-in keeps its own tighter limit');
  assert.equal(byRoute['POST /survey/:token'], 20, 'the survey keeps its own tighter limit');
  assert.equal(byRoute['POST /before-you-call/:authority/ask'], 20, '"Ask a question" keeps its own tighter limit');
  assert.equal(byRoute['GET /before-you-call'], PUBLIC_RATE_LIMIT.max, 'a public page gets the default');
});

test('a public page answers 429 with the GOV.UK error page once one address goes over the default limit', async () => {
  const fresh = await createTestApp(ctx);
  try {
    const statuses: number[] = [];
    for (let i = 0; i <= PUBLIC_RATE_LIMIT.max; i++) {
      statuses.push((await fresh.inject({ method: 'GET', url: '/before-you-call/norfolk/faq', remoteAddress: '203.0.113.60' })).statusCode);
    }
    assert.deepEqual(new Set(statuses.slice(0, PUBLIC_RATE_LIMIT.max)), new Set([200]), 'up to the limit every request is served');
    const last = await fresh.inject({ method: 'GET', url: '/before-you-call/norfolk/faq', remoteAddress: '203.0.113.60' });
    assert.equal(last.statusCode, 429, 'over the limit');
    assert.match(last.body, /Too many requests/, 'the error page says why');
    assert.ok(Number(last.headers['retry-after']) > 0, 'and when to try again');
    const other = await fresh.inject({ method: 'GET', url: '/before-you-call/norfolk/faq', remoteAddress: '203.0.113.61' });
    assert.equal(other.statusCode, 200, 'another address is not affected');
  } finally {
    await fresh.close();
  }
});

test('"Ask a question" takes 20 questions a minute from one address', async () => {
  const fresh = await createTestApp(ctx);
  try {
    let status = 0;
    let n = 0;
    for (; n < 25 && status !== 429; n++) {
      status = (await fresh.inject({ method: 'POST', url: '/before-you-call/norfolk/ask', remoteAddress: '203.0.113.70', payload: {} })).statusCode;
    }
    assert.equal(status, 429, 'limited');
    assert.equal(n, 21, 'on the 21st request');
  } finally {
    await fresh.close();
  }
});

test('health probes are never limited and leave no session behind', async () => {
  const count = async () => Number((await sql<{ n: string }>`select count(*) as n from sessions`.execute(ctx.db)).rows[0]!.n);
  const before = await count();
  for (let i = 0; i < PUBLIC_RATE_LIMIT.max + 20; i++) {
    const res = await app.inject({ method: 'GET', url: i % 2 ? '/healthz' : '/readyz', remoteAddress: '10.0.0.2' });
    assert.equal(res.statusCode, 200, `probe ${i}`);
    assert.equal(res.headers['set-cookie'], undefined, `probe ${i} sets no session cookie`);
  }
  assert.equal(await count(), before, 'no session rows made by probes');
});

test('behind a load balancer a client cannot escape the sign-in limit by sending its own X-Forwarded-For', async () => {
  const prodConfig = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'y'.repeat(40), DATABASE_URL: 'postgres://unused', LOG_LEVEL: 'silent' });
  assert.equal(prodConfig.trustProxy, 1, 'production trusts one proxy by default');
  assert.equal(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'y'.repeat(40), DATABASE_URL: 'postgres://unused', TRUST_PROXY: '10.0.0.0/8, 192.168.0.1' }).trustProxy, '10.0.0.0/8,192.168.0.1', 'or the proxies’ addresses');
  assert.throws(() => loadConfig({ TRUST_PROXY: 'true' }), /TRUST_PROXY/, 'trusting every hop is refused');
  const prodApp = await createTestApp({ ...ctx, config: { ...ctx.config, env: 'production', trustProxy: prodConfig.trustProxy } });
  try {
    const attempt = (forwardedFor: string) =>
      prodApp.inject({ method: 'POST', url: '/sign-in', remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': forwardedFor }, payload: { email: 'x@norfolk.example', password: 'x' } });
    const statuses: number[] = [];
    // The load balancer (10.0.0.1) appends the real client's address; the client made up the first.
    for (let i = 0; i <= 60; i++) statuses.push((await attempt(`192.0.2.${i}, 198.51.100.9`)).statusCode);
    assert.equal(statuses.filter((s) => s === 429).length, 1, `the 61st attempt from one real address is refused: ${statuses.slice(-3).join(',')}`);
    assert.equal(statuses.at(-1), 429, 'and it is the last one');
    assert.notEqual((await attempt('198.51.100.10')).statusCode, 429, 'another real client is not affected');
  } finally {
    await prodApp.close();
  }
});
