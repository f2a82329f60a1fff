import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createTestContext, createTestApp, createUser, Agent, errorSummary, type TestContext } from '../../../test/support/harness.js';

let ctx: TestContext;
let app: FastifyInstance;

before(async () => {
  ctx = await createTestContext();
  app = await createTestApp(ctx);
});
after(async () => {
  await app?.close();
  await ctx?.close();
});

test('signing in stores the session in the database with a fresh id and an HttpOnly cookie', async () => {
  const u = await createUser(ctx, { role: 'cads-worker' });
  const agent = new Agent(app);
  await agent.get('/sign-in');
  const before = await ctx.db.selectFrom('sessions').select('id').execute();
  const res = await agent.post('/sign-in', { email: u.email.toUpperCase(), password: 'correct horse battery staple' });
  assert.equal(res.status, 302);
  assert.equal(res.location, '/');
  const cookie = String(res.headers['set-cookie']);
  assert.match(cookie, /front_door_session=/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
  const rows = await ctx.db.selectFrom('sessions').select(['id', 'user_id']).where('user_id', '=', u.id).execute();
  assert.equal(rows.length, 1);
  assert.ok(!before.some((b) => b.id === rows[0]!.id), 'the session id changes at sign-in');
  assert.equal((await agent.get('/')).status, 200);
});

test('a wrong password gets one clear message and no session; the attempt is audited', async () => {
  const u = await createUser(ctx, { role: 'cads-worker' });
  const agent = new Agent(app);
  const res = await agent.signIn(u.email, 'wrong');
  assert.equal(res.status, 400);
  assert.deepEqual(errorSummary(res.body), [['#email', 'Enter a correct email address and password']]);
  assert.equal((await agent.get('/')).status, 302);
  const audit = await ctx.db.selectFrom('audit_events').select('action').where('entity_id', '=', u.id).execute();
  assert.ok(audit.some((a) => a.action === 'user.sign-in-failed'));
});

test('an unknown email gets the same message as a wrong password', async () => {
  const res = await new Agent(app).signIn('nobody@norfolk.example', 'whatever');
  assert.deepEqual(errorSummary(res.body), [['#email', 'Enter a correct email address and password']]);
});

test('empty fields are each reported', async () => {
  const agent = new Agent(app);
  await agent.get('/sign-in');
  const res = await agent.post('/sign-in', { email: '', password: '' });
  assert.deepEqual(errorSummary(res.body).map(([h]) => h), ['#email', '#password']);
});

test('five failures lock the account for 15 minutes, even with the right password', async () => {
  const u = await createUser(ctx, { role: 'cads-worker' });
  const agent = new Agent(app);
  for (let i = 0; i < 5; i++) await agent.signIn(u.email, 'wrong');
  const locked = await agent.signIn(u.email);
  assert.equal(locked.status, 400);
  assert.match(errorSummary(locked.body)[0]![1], /locked/);
  ctx.clock.set(new Date(ctx.clock.now().getTime() + 16 * 60_000));
  const later = await agent.signIn(u.email);
  assert.equal(later.status, 302);
  ctx.clock.set('2026-11-23T10:00:00Z');
});

test('a form without a valid CSRF token is refused and nothing happens', async () => {
  const u = await createUser(ctx, { role: 'cads-worker' });
  const agent = new Agent(app);
  await agent.signIn(u.email);
  const count = async () => Number((await ctx.db.selectFrom('conversations').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const before = await count();
  const res = await agent.post('/conversations', { _csrf: 'forged' });
  assert.equal(res.status, 403);
  assert.match(res.body, /Your form has expired/);
  assert.equal(await count(), before);
});

test('signing out ends the session everywhere it was stored', async () => {
  const u = await createUser(ctx, { role: 'team-manager' });
  const agent = new Agent(app);
  await agent.signIn(u.email);
  await agent.get('/');
  const res = await agent.post('/sign-out', {});
  assert.equal(res.status, 302);
  const rows = await ctx.db.selectFrom('sessions').select('id').where('user_id', '=', u.id).execute();
  assert.equal(rows.length, 0);
  assert.equal((await agent.get('/')).status, 302);
});

test('a disabled account cannot sign in and loses its session', async () => {
  const u = await createUser(ctx, { role: 'cads-worker' });
  const agent = new Agent(app);
  await agent.signIn(u.email);
  await ctx.db.updateTable('users').set({ disabled_at: new Date() }).where('id', '=', u.id).execute();
  assert.equal((await agent.get('/')).status, 302);
  assert.equal((await new Agent(app).signIn(u.email)).status, 400);
});

test('after signing in, the user goes back to the page they asked for, never to another site', async () => {
  const u = await createUser(ctx, { role: 'cads-worker' });
  const agent = new Agent(app);
  const first = await agent.get('/people/search');
  assert.equal(first.location, '/sign-in?next=%2Fpeople%2Fsearch');
  await agent.get('/sign-in?next=/people/search');
  assert.equal((await agent.post('/sign-in', { email: u.email, password: 'correct horse battery staple', next: '/people/search' })).location, '/people/search');
  const evil = new Agent(app);
  await evil.get('/sign-in');
  assert.equal((await evil.post('/sign-in', { email: u.email, password: 'correct horse battery staple', next: '//evil.example/x' })).location, '/');
});

test('pages carry security headers and a nonce-based CSP without inline script allowances', async () => {
  const res = await app.inject({ method: 'GET', url: '/sign-in' });
  const csp = String(res.headers['content-security-policy']);
  assert.match(csp, /script-src 'self' 'nonce-[^']+'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.match(res.body, /<script nonce="[^"]+">document\.body\.className/);
});

test('the health check answers with JSON', async () => {
  const res = await app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().status, 'ok');
  assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).json().database, 'ok');
});

test('one address trying many sign-ins is slowed down with 429', async () => {
  const agent = new Agent(app);
  await agent.get('/sign-in');
  let status = 0;
  for (let i = 0; i < 70 && status !== 429; i++) {
    status = (await app.inject({ method: 'POST', url: '/sign-in', remoteAddress: '192.0.2.10', payload: { email: `x${i}@norfolk.example`, password: 'x' } })).statusCode;
  }
  assert.equal(status, 429);
});
