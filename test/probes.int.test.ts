/**
 * Injection and cross-site scripting probes (issue 10): hostile text in every free-text field of a
 * conversation and a child's record is stored as typed and rendered escaped on every page that
 * shows it; SQL metacharacters are data, never SQL; oversized bodies, wrong content types, path
 * traversal and malformed ids are refused with a 4xx, never a 500, on every route of the app.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { createServiceAccount, createTestApp, createTestContext, createUser, signedInAgent, type Agent, type TestContext } from './support/harness.js';
import { refreshManagementInformation } from '../src/features/mi/mi-refresh.js';
import { todayInLondon } from '../src/domain/dates.js';

let ctx: TestContext;
let app: FastifyInstance;
let token: string;
let worker: Agent;
let manager: Agent;
let workerEmail: string;

/** Script that would run if any page put it into HTML unescaped (as an element, an attribute, or a URL). */
const XSS = `"'><script>window.pwned=1</script><img src=x onerror=alert(1)>`;
/** Text that would change a query if it were ever spliced into SQL. */
const SQLI = `O'Brien'); drop table persons; -- \\ %_ $1 ' or '1'='1`;

/** The raw forms of the probe that must never appear in a page, and one escaped form that must. */
function assertEscaped(html: string, where: string) {
  for (const raw of ['<script>window.pwned', '<img src=x onerror']) assert.ok(!html.includes(raw), `${where}: “${raw}” reached the page unescaped`);
  assert.ok(html.includes('&lt;script&gt;window.pwned=1&lt;/script&gt;'), `${where}: the probe is shown, escaped`);
}

let conversationId: string;
let personId: string;

before(async () => {
  ctx = await createTestContext();
  app = await createTestApp(ctx);
  token = await createServiceAccount(ctx, { role: 'cads-worker' });
  const w = await createUser(ctx, { role: 'cads-worker' });
  workerEmail = w.email;
  worker = await signedInAgent(app, w.email);
  manager = await signedInAgent(app, (await createUser(ctx, { role: 'team-manager' })).email);
  const auth = { authorization: `Bearer ${token}` };
  const person = await app.inject({
    method: 'POST', url: '/api/v1/people', headers: auth,
    payload: { givenName: `${XSS}`, familyName: SQLI, dateOfBirth: '2015-05-06', sex: 'F', differentChildReason: XSS },
  });
  assert.equal(person.statusCode, 201, person.body);
  personId = person.json().id;
  const res = await app.inject({
    method: 'POST', url: '/api/v1/conversations', headers: auth,
    payload: {
      caller: { type: 'professional', name: XSS, agencyCode: 'school', phone: '020 7946 0123', email: 'teacher@school.example.org', role: XSS },
      children: [{ personId, whereNow: XSS, safeTonight: 'yes', outcomeCode: 'mash-checks', levelCode: '3', callerAgreed: true, nextSteps: XSS }],
      concernCategories: ['neglect'], concernDetail: `${XSS} ${SQLI}`, immediacy: 'soon', parentsInformed: 'no', consentGiven: 'no',
      consentReasonCodes: ['risk-to-child'], consentReasonDetail: XSS, lawfulBasisCode: 'public-task-children-act', worries: XSS,
      complete: true, workerEmail,
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  conversationId = res.json().id;
  await refreshManagementInformation(ctx.db, ctx.profiles, ctx.clock.now());
});
after(async () => {
  await app?.close();
  await ctx?.close();
});

test('hostile text is stored exactly as typed (SQL metacharacters are data)', async () => {
  const p = await ctx.db.selectFrom('persons').select(['given_name', 'family_name']).where('id', '=', personId).executeTakeFirstOrThrow();
  assert.equal(p.given_name, XSS);
  assert.equal(p.family_name, SQLI);
  const v = await ctx.db.selectFrom('conversation_versions').select(['concern_detail', 'worries', 'caller_name']).where('conversation_id', '=', conversationId).executeTakeFirstOrThrow();
  assert.equal(v.concern_detail, `${XSS} ${SQLI}`);
  assert.equal(v.worries, XSS);
  assert.equal(v.caller_name, XSS);
  const tables = await sql<{ n: number }>`select count(*)::int as n from information_schema.tables where table_schema = current_schema() and table_name = 'persons'`.execute(ctx.db);
  assert.equal(tables.rows[0]!.n, 1, 'the persons table is still there');
});

test('every page that shows the hostile text escapes it', async () => {
  const today = todayInLondon(ctx.clock.now());
  const pages: [Agent, string][] = [
    [worker, `/conversations/${conversationId}`],
    [worker, `/people/${personId}`],
    [worker, `/conversations/${conversationId}/written-record/preview.html`],
    [manager, `/mi/drill?kind=conversations&from=${today}&to=${today}`],
  ];
  for (const [agent, url] of pages) {
    const res = await agent.get(url);
    assert.equal(res.status, 200, `${url}: ${res.status}`);
    assertEscaped(res.body, url.replace(/[0-9a-f-]{36}/g, ':id'));
  }
});

test('searching with SQL metacharacters and script is answered, and the query is shown back escaped', async () => {
  const forms: Record<string, string>[] = [{ name: `${XSS} ${SQLI}` }, { name: "O'Brien'; select pg_sleep(10); --", postcode: "NR1' or 1=1 --" }];
  for (const form of forms) {
    const res = await worker.post('/people/search', form);
    assert.ok([200, 400].includes(res.status), `search answered ${res.status}`);
    assert.ok(!res.body.includes('<script>window.pwned'), 'the query is escaped when shown back');
    assert.ok(res.body.includes('O&#39;Brien'), 'the surname is shown back, escaped');
  }
});

test('a form shown again with errors escapes what was typed', async () => {
  const created = await worker.post('/conversations', {});
  assert.equal(created.status, 302, 'a draft is started');
  const id = created.location!.match(/conversations\/([0-9a-f-]{36})/)![1]!;
  const lock = (await ctx.db.selectFrom('conversations').select('lock_version').where('id', '=', id).executeTakeFirstOrThrow()).lock_version;
  const res = await worker.post(`/conversations/${id}/caller`, {
    'lock-version': String(lock), 'caller-type': 'professional', 'caller-name': XSS, 'caller-agency': 'school', 'caller-phone': XSS, 'caller-email': XSS, action: 'save',
  });
  assert.equal(res.status, 400, 'the bad phone number and email are refused');
  for (const raw of ['<script>window.pwned', '<img src=x onerror']) assert.ok(!res.body.includes(raw), `“${raw}” echoed unescaped`);
  assert.ok(res.body.includes('&lt;script&gt;window.pwned=1&lt;/script&gt;'), 'the typed name is kept, escaped');
});

test('a body over the 1 MB limit is refused with 413, on a page and on the API', async () => {
  const big = 'x'.repeat(1024 * 1024 + 10);
  const api = await app.inject({ method: 'POST', url: '/api/v1/people', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ givenName: big }) });
  assert.equal(api.statusCode, 413, api.body.slice(0, 200));
  assert.match(String(api.headers['content-type']), /application\/problem\+json/);
  const page = await app.inject({ method: 'POST', url: '/people/search', headers: { cookie: worker.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${worker.csrf}&name=${big}` });
  assert.equal(page.statusCode, 413);
  assert.ok(!page.body.includes('xxxxxxxxxx'), 'the body is not echoed back');
});

test('wrong content types are refused and nothing is saved', async () => {
  const before = await ctx.db.selectFrom('persons').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  // Types the app cannot read: 415. Plain text is read as a string, which is not the object the API takes: 400.
  for (const [type, status] of [['application/xml', 415], ['multipart/form-data; boundary=x', 415], ['text/plain', 400]] as const) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/people', headers: { authorization: `Bearer ${token}`, 'content-type': type }, payload: '{"givenName":"Zed","familyName":"Probe"}' });
    assert.equal(res.statusCode, status, `${type}: ${res.statusCode}`);
    assert.match(String(res.headers['content-type']), /application\/problem\+json/, `${type}: problem+json`);
  }
  // A page form sent as plain text cannot carry its CSRF token: refused as an expired form.
  const page = await app.inject({ method: 'POST', url: '/people/search', headers: { cookie: worker.cookieHeader(), 'content-type': 'text/plain' }, payload: 'name=Probe' });
  assert.equal(page.statusCode, 403);
  const after = await ctx.db.selectFrom('persons').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  assert.equal(after.n, before.n, 'no person was saved');
});

test('malformed JSON is a 400 problem, not a 500', async () => {
  const res = await app.inject({ method: 'POST', url: '/api/v1/people', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: '{"givenName": "Zed",' });
  assert.equal(res.statusCode, 400);
  assert.match(String(res.headers['content-type']), /application\/problem\+json/);
});

test('path traversal in the static files and in every route with an id is refused', async () => {
  for (const url of ['/static/../package.json', '/static/..%2f..%2fpackage.json', '/static/%2e%2e/%2e%2e/package.json', '/static/....//....//etc/passwd', '/static/%252e%252e/package.json']) {
    const res = await worker.get(url);
    assert.ok([400, 403, 404].includes(res.status), `${url} answered ${res.status}`);
    assert.ok(!res.body.includes('"name": "front-door"') && !res.body.includes('root:x:0:0'), `${url} leaked a file`);
  }
  const hostile = ['..%2f..%2fetc%2fpasswd', `1'%20or%20'1'%3D'1`, '%3Cscript%3E', 'not-a-uuid', '00000000-0000-0000-0000-00000000000g'];
  const routes = app.routeTable.filter((r) => r.url.includes(':') && !('public' in r.access));
  assert.ok(routes.length > 50, `routes with ids: ${routes.length}`);
  for (const r of routes) {
    for (const bad of hostile) {
      const url = r.url.replace(/:[a-zA-Z]+/g, bad);
      let status: number;
      if (r.api) {
        const res = await app.inject({ method: r.method as 'GET', url, headers: { authorization: `Bearer ${token}` }, payload: r.method === 'POST' ? {} : undefined });
        status = res.statusCode;
      } else if (r.stream) {
        continue;
      } else {
        status = (r.method === 'GET' ? await manager.get(url) : await manager.post(url, {})).status;
      }
      assert.ok(status >= 400 && status < 500, `${r.method} ${r.url} with “${bad}” answered ${status}`);
    }
  }
});

test('every page form survives hostile text in every field without a 500', async () => {
  // Every state-changing page route, posted with the probes in the fields its own form names.
  const forms = app.routeTable.filter((r) => r.method === 'POST' && !r.api && !('public' in r.access) && !r.url.includes('sign-out'));
  assert.ok(forms.length > 40, `page forms: ${forms.length}`);
  const fields = ['name', 'reason', 'rationale', 'note', 'notes', 'detail', 'text', 'query', 'family-name', 'given-name', 'caller-name', 'email', 'phone', 'postcode', 'date-of-birth-day', 'q', 'body', 'summary', 'answer'];
  const form = Object.fromEntries(fields.map((f, i) => [f, i % 2 ? XSS : SQLI]));
  for (const r of forms) {
    const url = r.url.replace(/:[a-zA-Z]+/g, conversationId);
    const res = await manager.post(url, form);
    assert.ok(res.status < 500, `${r.method} ${r.url} answered ${res.status}`);
    for (const raw of ['<script>window.pwned', '<img src=x onerror']) assert.ok(!res.body.includes(raw), `${r.url} echoed “${raw}” unescaped`);
  }
});
