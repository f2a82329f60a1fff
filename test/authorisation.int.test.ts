/**
 * Every route × every role, generated from the app's own route table: a route added without
 * an access rule stops the app from building, and a rule that lets the wrong role in fails here.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import { createTestContext, createTestApp, createUser, signedInAgent, Agent, type TestContext } from './support/harness.js';
import { ROLES, type Role } from '../src/platform/auth/roles.js';
import { hashToken } from '../src/platform/http/app.js';

let ctx: TestContext;
let app: FastifyInstance;
const agents = new Map<Role, Agent>();
const tokens = new Map<Role, string>();

before(async () => {
  ctx = await createTestContext();
  app = await createTestApp(ctx);
  for (const role of ROLES) {
    const u = await createUser(ctx, { role });
    agents.set(role, await signedInAgent(app, u.email));
    const token = randomBytes(24).toString('hex');
    await ctx.db.insertInto('service_accounts').values({ id: randomUUID(), authority_id: 'norfolk', name: `svc ${role}`, role, agency_code: role === 'partner-practitioner' ? 'police' : null, token_hash: hashToken(token) }).execute();
    tokens.set(role, token);
  }
});
after(async () => {
  await app?.close();
  await ctx?.close();
});

async function streamStatus(url: string, cookie: string): Promise<number> {
  if (!app.server.listening) await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: url, headers: { cookie } }, (res) => {
      resolve(res.statusCode!);
      req.destroy();
    });
    req.on('error', reject);
  });
}

const concrete = (url: string) => url.replace(/:id/g, randomUUID()).replace(/:version/g, '1');

test('the route table is populated and every route declares access', () => {
  assert.ok(app.routeTable.length >= 35, `only ${app.routeTable.length} routes found`);
  for (const r of app.routeTable) assert.ok(r.access, `${r.method} ${r.url}`);
});

test('a route registered without an access rule stops the app from building', async () => {
  const { buildApp } = await import('../src/platform/http/app.js');
  await assert.rejects(
    async () => {
      const bad = await buildApp(ctx, [(a) => void a.get('/unprotected', async () => 'oops')]);
      await bad.ready();
    },
    /has no access rule/,
  );
});

test('anonymous users are sent to sign in (pages) or refused (API) on every protected route', async () => {
  for (const r of app.routeTable) {
    const res = await app.inject({ method: r.method as 'GET', url: concrete(r.url), payload: r.method === 'POST' ? {} : undefined });
    if ('public' in r.access && r.access.checkedBy) {
      // Open to no role, but guarded by its own credential: without it, refused.
      assert.equal(res.statusCode, 401, `${r.method} ${r.url} must check ${r.access.checkedBy}`);
    } else if ('public' in r.access) {
      // A public form still needs its CSRF token, as any visitor's browser would send.
      const visitor = new Agent(app);
      const status = r.method === 'GET' ? res.statusCode : (await visitor.post(concrete(r.url), {})).status;
      assert.ok(![401, 403].includes(status) && status < 500, `${r.method} ${r.url} is public but answered ${status}`);
    } else if (r.api) {
      assert.equal(res.statusCode, 401, `${r.method} ${r.url}`);
      assert.match(String(res.headers['content-type']), /application\/problem\+json/);
    } else {
      assert.equal(res.statusCode, 302, `${r.method} ${r.url}`);
      assert.match(String(res.headers.location), /^\/sign-in/);
    }
  }
});

for (const role of ROLES) {
  test(`role ${role}: allowed exactly where the route table says`, async () => {
    // Signing out ends the session, so it goes last.
    // issue10-D: so does signing out everywhere (and then more so).
    const rank = (url: string) => (url === '/sign-out' ? 1 : url === '/account/sign-out-everywhere' ? 2 : 0);
    const routes = [...app.routeTable].sort((a, b) => rank(a.url) - rank(b.url));
    for (const r of routes) {
      if ('public' in r.access) continue;
      const allowed = r.access.roles.includes(role);
      const url = concrete(r.url);
      let status: number;
      if (r.api) {
        const res = await app.inject({ method: r.method as 'GET', url, headers: { authorization: `Bearer ${tokens.get(role)}` }, payload: r.method === 'POST' ? {} : undefined });
        status = res.statusCode;
      } else if (r.stream) {
        // An event stream answers at once and never ends: read its status over real HTTP, then hang up.
        status = await streamStatus(url, (agents.get(role)! as unknown as { cookieHeader(): string }).cookieHeader());
      } else {
        const agent = agents.get(role)!;
        status = (r.method === 'GET' ? await agent.get(url) : await agent.post(url, {})).status;
      }
      if (allowed) assert.ok(![401, 403].includes(status) && status < 500, `${role} should reach ${r.method} ${r.url} but got ${status}`);
      else assert.equal(status, 403, `${role} must be refused ${r.method} ${r.url}, got ${status}`);
    }
  });
}
