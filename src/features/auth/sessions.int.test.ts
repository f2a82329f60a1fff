/**
 * issue10-D: the rules of a session, through real HTTP against Front Door with single sign-on to a
 * real OpenID Connect provider: idle and absolute timeouts (on the app's session clock, not by
 * sleeping), re-authentication for sensitive actions (the provider with prompt=login, or the
 * password again), and signing out everywhere (by the person, and by an administrator), with
 * RP-initiated logout at the provider.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestContext, createUser, TEST_PASSWORD, type TestContext } from '../../../test/support/harness.js';
import { Browser, formOn, linkOn, type Page } from '../../../test/support/browser.js';
import { account, advance, isIdpLoginForm, ssoSignIn, startSsoWorld, typeCredentials, type SsoApp, type SsoWorld } from '../../../test/support/sso.js';

let ctx: TestContext;
let world: SsoWorld;
let app: SsoApp;
const ids: Record<string, string> = {};

before(async () => {
  ctx = await createTestContext();
  ids.alice = (await createUser(ctx, { role: 'cads-worker', email: 'alice@norfolk.example' })).id;
  ids.ada = (await createUser(ctx, { role: 'administrator', email: 'ada@norfolk.example' })).id;
  ids.lou = (await createUser(ctx, { role: 'administrator', email: 'lou@norfolk.example' })).id;
  world = await startSsoWorld(ctx, [account('alice', { roles: ['fd-worker'] }), account('ada', { roles: ['fd-admin'] })]);
  app = await world.startApp({ SESSION_IDLE_MINUTES: '30', SESSION_MAX_HOURS: '12', REAUTH_MINUTES: '15' });
});
after(async () => {
  await world?.close();
  await ctx?.close();
});

const audits = (userId: string, action: string) =>
  ctx.db.selectFrom('audit_events').select(['details']).where('action', '=', action).where('entity_id', '=', userId).orderBy('id').execute();

async function localSignIn(b: Browser, email: string): Promise<Page> {
  await b.go(`${app.url}/sign-in`);
  return b.submit(`${app.url}/sign-in`, { email, password: TEST_PASSWORD });
}

test('the sensitive actions that exist are marked as needing a recent sign-in, and ordinary pages are not', () => {
  const marked = new Set(app.app.routeTable.filter((r) => r.recentAuth).map((r) => `${r.method} ${r.url}`));
  for (const route of [
    'GET /admin/users',
    'POST /admin/users/:id/edit',
    'POST /admin/users/:id/sign-out-everywhere',
    'GET /admin/mash-partners',
    'POST /admin/mash-partners/:id',
    'GET /mi/annex-a/export',
    'GET /mi/cin-census/export',
    'POST /duplicates/:id/merge',
    'POST /merges/:id/unmerge',
    'POST /professionals/:id/merge',
  ]) {
    assert.ok(marked.has(route), `${route} needs a recent sign-in`);
  }
  for (const route of ['GET /', 'GET /people/search', 'GET /account', 'POST /account/sign-out-everywhere']) assert.ok(!marked.has(route), `${route} does not`);
});

test('a session ends after 30 minutes without use, not while it is in use, and the sign-in page says why', async () => {
  const b = new Browser();
  assert.equal((await ssoSignIn(b, app, world.idp, 'alice')).status, 200, 'signed in');
  advance(app.sessionClock, 29);
  assert.equal((await b.request(`${app.url}/`)).status, 200, 'still signed in after 29 minutes');
  advance(app.sessionClock, 29);
  assert.equal((await b.request(`${app.url}/`)).status, 200, 'each use starts the 30 minutes again');
  advance(app.sessionClock, 31);
  const res = await b.request(`${app.url}/account`);
  assert.equal(res.status, 302, 'signed out after 31 minutes without use');
  assert.equal(res.headers.get('location'), '/sign-in?next=%2Faccount');
  const page = await b.follow(res);
  assert.match(page.body, /We signed you out because you had not used Front Door for a while/, 'the sign-in page says why');
  const timedOut = await audits(ids.alice!, 'user.session-timed-out');
  assert.deepEqual(timedOut.at(-1)?.details, { reason: 'idle' }, 'the time-out is audited');
});

test('however busy, a session ends 12 hours after signing in', async () => {
  const b = new Browser();
  assert.equal((await localSignIn(b, 'lou@norfolk.example')).status, 200, 'signed in');
  const statuses: number[] = [];
  // Used every 25 minutes: never idle, so only the absolute limit can end it.
  for (let step = 1; step <= 29; step++) {
    advance(app.sessionClock, 25);
    statuses.push((await b.request(`${app.url}/account`)).status);
  }
  assert.deepEqual(statuses.slice(0, 28), Array(28).fill(200), 'fine for 11 hours 40 minutes');
  assert.equal(statuses[28], 302, 'ended at 12 hours 5 minutes');
  assert.match((await b.go(`${app.url}/sign-in`)).body, /because you signed in a long time ago/, 'the sign-in page says why');
  assert.deepEqual((await audits(ids.lou!, 'user.session-timed-out')).at(-1)?.details, { reason: 'absolute' }, 'audited');
});

test('with single sign-on, a sensitive action after 15 minutes sends the administrator back to the provider with prompt=login, then on', async () => {
  const b = new Browser();
  assert.equal((await ssoSignIn(b, app, world.idp, 'ada', '/admin/users')).status, 200, 'signed in straight to the users page');

  // The provider keeps its own session: a new Front Door session in this browser needs no password…
  b.forget(app.url);
  const logins = world.idp.logins;
  const quiet = await b.go(`${app.url}/sign-in/oidc?next=%2Fadmin%2Fusers`);
  assert.equal(quiet.status, 200, `ended at ${quiet.url}`);
  assert.equal(world.idp.logins, logins, 'an ordinary sign-in rides on the provider’s session');

  advance(app.sessionClock, 16);
  const stale = await b.request(`${app.url}/admin/users`);
  assert.equal(stale.status, 303, 'the users page is held back');
  assert.equal(stale.headers.get('location'), '/reauthenticate?next=%2Fadmin%2Fusers');
  const ask = await b.follow(stale);
  assert.match(ask.body, /Confirm it is you/);
  // …but re-authentication makes the provider ask again, because Front Door sent prompt=login.
  const atProvider = await b.go(linkOn(ask, /Continue to Test Council/));
  assert.ok(isIdpLoginForm(atProvider, world.idp), 'the provider asks for the password again');
  const sent = world.idp.authorizationRequests.at(-1)!;
  assert.equal(sent.get('prompt'), 'login', 'prompt=login was sent');
  assert.equal(sent.get('max_age'), '0', 'and max_age=0, since the provider reports auth_time');
  const back = await typeCredentials(b, atProvider, 'ada');
  assert.equal(back.status, 200, `ended at ${back.url}`);
  assert.equal(back.url, `${app.url}/admin/users`, 'back on the page they wanted');
  assert.equal(world.idp.logins, logins + 1, 'one more password typed');
  assert.deepEqual((await audits(ids.ada!, 'user.reauthenticated')).at(-1)?.details, { method: 'oidc' }, 'audited');
  assert.equal((await b.request(`${app.url}/admin/users/${ids.alice}`)).status, 200, 'other sensitive pages open now without asking');
});

test('confirming as a different person at the provider is refused and ends the session', async () => {
  const b = new Browser();
  assert.equal((await ssoSignIn(b, app, world.idp, 'ada')).status, 200, 'signed in');
  advance(app.sessionClock, 16);
  const ask = await b.go(`${app.url}/admin/users`);
  const atProvider = await b.go(linkOn(ask, /Continue to Test Council/));
  const page = await typeCredentials(b, atProvider, 'alice');
  assert.equal(page.status, 403);
  assert.match(page.body, /You signed in as someone else/);
  assert.equal((await b.request(`${app.url}/`)).status, 302, 'signed out');
  assert.deepEqual((await audits(ids.ada!, 'user.reauthentication-failed')).at(-1)?.details, { method: 'oidc', reason: 'different-person' }, 'audited');
});

test('with a local account, a sensitive action after 15 minutes asks for the password again; a form sent late does nothing', async () => {
  const b = new Browser();
  assert.equal((await localSignIn(b, 'lou@norfolk.example')).status, 200, 'signed in');
  assert.equal((await b.request(`${app.url}/admin/users`)).status, 200, 'fine just after signing in');
  advance(app.sessionClock, 16);
  const ask = await b.go(`${app.url}/admin/users`);
  assert.equal(ask.url, `${app.url}/reauthenticate?next=%2Fadmin%2Fusers`);
  assert.match(ask.body, /name="password"/, 'asks for the password');
  const wrong = await b.submit(`${app.url}/reauthenticate`, { password: 'not it', next: '/admin/users' });
  assert.equal(wrong.status, 400);
  assert.match(wrong.body, /Enter your correct password/);
  const right = await b.submit(`${app.url}/reauthenticate`, { password: TEST_PASSWORD, next: '/admin/users' });
  assert.equal(right.url, `${app.url}/admin/users`, 'then on to the page');
  assert.equal(right.status, 200);
  const details = (await audits(ids.lou!, 'user.reauthenticated')).map((a) => a.details);
  assert.deepEqual(details.at(-1), { method: 'local' }, 'audited');
  assert.deepEqual((await audits(ids.lou!, 'user.reauthentication-failed')).at(-1)?.details, { method: 'local', reason: 'invalid' }, 'the wrong password too');

  // A sensitive form sent after the window is held back, and nothing is done.
  const alice = new Browser();
  assert.equal((await ssoSignIn(alice, app, world.idp, 'alice')).status, 200, 'Alice signed in');
  advance(app.sessionClock, 16);
  await alice.request(`${app.url}/`); // keeps Alice's session from going idle
  const late = await b.submit(`${app.url}/admin/users/${ids.alice}/sign-out-everywhere`, {}, { follow: false });
  assert.equal(late.status, 303, 'held back');
  assert.equal(late.headers.get('location'), `/reauthenticate?next=${encodeURIComponent(`/admin/users/${ids.alice}`)}`, 'and comes back to the page the form was on');
  assert.equal((await alice.request(`${app.url}/`)).status, 200, 'Alice is still signed in: nothing happened');
});

test('signing out everywhere ends the other device’s session and signs out of the provider too', async () => {
  const laptop = new Browser();
  const phone = new Browser();
  assert.equal((await ssoSignIn(laptop, app, world.idp, 'alice')).status, 200, 'signed in on the laptop');
  assert.equal((await ssoSignIn(phone, app, world.idp, 'alice')).status, 200, 'and on the phone');
  const account = await laptop.go(`${app.url}/account`);
  assert.match(account.body, /This device/);
  const open = await ctx.db.selectFrom('sessions').select('id').where('user_id', '=', ids.alice!).execute();
  assert.ok(open.length >= 2, `both sessions are open (${open.length})`);

  const res = await laptop.submit(`${app.url}/account/sign-out-everywhere`, {}, { follow: false });
  assert.equal(res.status, 302);
  const logout = new URL(res.headers.get('location')!);
  assert.equal(`${logout.origin}${logout.pathname}`, `${world.idp.issuer}/session/end`, 'on to the provider’s end-session endpoint');
  assert.ok(logout.searchParams.get('id_token_hint'), 'with the ID token as a hint');
  assert.equal(logout.searchParams.get('post_logout_redirect_uri'), `${app.url}/signed-out`, 'and the way back');
  const confirm = await laptop.follow(res);
  const form = formOn(confirm, /\/session\/end\/confirm$/);
  const done = await laptop.go(form.action, { method: 'POST', form: { ...form.fields, logout: 'yes' } });
  assert.equal(done.url, `${app.url}/signed-out`, 'back on Front Door');
  assert.match(done.body, /signed out of Front Door on all your devices/);

  const phoneNext = await phone.request(`${app.url}/`);
  assert.equal(phoneNext.status, 302, 'the phone is signed out');
  assert.match((await phone.follow(phoneNext)).body, /You have been signed out/, 'and told so');
  assert.equal((await laptop.request(`${app.url}/`)).status, 302, 'so is the laptop');
  assert.equal((await ctx.db.selectFrom('sessions').select('id').where('user_id', '=', ids.alice!).execute()).length, 0, 'no sessions left');
  const ended = await audits(ids.alice!, 'user.sessions-ended');
  assert.equal((ended.at(-1)?.details as { by: string }).by, 'self', 'audited as her own doing');

  // The provider's session has gone too: signing in again on the laptop asks for the password.
  const logins = world.idp.logins;
  const again = await ssoSignIn(laptop, app, world.idp, 'alice');
  assert.equal(again.status, 200);
  assert.equal(world.idp.logins, logins + 1, 'the provider asked again');
});

test('an administrator ends someone’s sessions, and a session saved late by a request in flight stays ended', async () => {
  const alice = new Browser();
  assert.equal((await ssoSignIn(alice, app, world.idp, 'alice')).status, 200, 'Alice signed in');
  // This browser's session row: the cookie holds its id, then a dot and the signature.
  const cookie = decodeURIComponent(alice.cookie(app.url, 'front_door_session')!);
  const before = await ctx.db.selectFrom('sessions').selectAll().where('id', '=', cookie.slice(0, cookie.lastIndexOf('.'))).executeTakeFirstOrThrow();
  assert.equal(before.user_id, ids.alice, 'her session row');
  const open = (await ctx.db.selectFrom('sessions').select('id').where('user_id', '=', ids.alice!).execute()).length;

  const admin = new Browser();
  assert.equal((await ssoSignIn(admin, app, world.idp, 'ada')).status, 200, 'the administrator signed in');
  const page = await admin.go(`${app.url}/admin/users/${ids.alice}`);
  assert.match(page.body, /Open sessions/);
  const done = await admin.submit(`${app.url}/admin/users/${ids.alice}/sign-out-everywhere`);
  assert.equal(done.url, `${app.url}/admin/users/${ids.alice}`);
  assert.match(done.body, new RegExp(`${open} sessions? (was|were) ended`), 'says how many sessions were ended');
  assert.equal((await ctx.db.selectFrom('sessions').select('id').where('user_id', '=', ids.alice!).execute()).length, 0, 'no session of hers is left');

  // A request of Alice's that was still running when her sessions ended saves its session as it
  // finishes, bringing the row back. Her next request must still be refused.
  const { id: _id, created_at: _created, ...saved } = before;
  await ctx.db
    .insertInto('sessions')
    .values({ ...before, data: JSON.stringify(before.data) })
    .onConflict((oc) => oc.column('id').doUpdateSet({ ...saved, data: JSON.stringify(before.data) }))
    .execute();
  const res = await alice.request(`${app.url}/`);
  assert.equal(res.status, 302, 'the late-saved session is refused');
  assert.equal(res.headers.get('location'), '/sign-in?next=%2F');
  assert.match((await alice.follow(res)).body, /You have been signed out/, 'and the sign-in page says so');
  assert.equal((await ctx.db.selectFrom('sessions').select('id').where('id', '=', before.id).execute()).length, 0, 'the late-saved row is removed');
  const ended = await ctx.db.selectFrom('audit_events').select(['details', 'actor_user_id']).where('action', '=', 'user.sessions-ended').where('entity_id', '=', ids.alice!).orderBy('id', 'desc').executeTakeFirstOrThrow();
  assert.deepEqual({ by: (ended.details as { by: string }).by, actor: ended.actor_user_id }, { by: 'administrator', actor: ids.ada }, 'audited with who did it');
});

test('an administrator adds a user, changes their role, and switches the account off, which signs them out', async () => {
  const admin = new Browser();
  assert.equal((await ssoSignIn(admin, app, world.idp, 'ada')).status, 200, 'signed in');
  const form = await admin.go(`${app.url}/admin/users/new`);
  assert.match(form.body, /Add a user/);
  const bad = await admin.submit(`${app.url}/admin/users`, { displayName: '', email: 'not-an-email', role: 'partner-practitioner', agencyCode: '', teamId: '' });
  assert.equal(bad.status, 400);
  assert.match(bad.body, /Enter the person’s name/);
  assert.match(bad.body, /Enter an email address in the correct format/);
  assert.match(bad.body, /Choose the agency a partner-agency practitioner works for/);
  const added = await admin.submit(`${app.url}/admin/users`, { displayName: 'Cal New', email: 'cal@norfolk.example', role: 'cads-worker', agencyCode: '', teamId: '' });
  assert.equal(added.status, 200);
  assert.match(added.body, /User added/);
  const cal = await ctx.db.selectFrom('users').select(['id', 'role']).where('email', '=', 'cal@norfolk.example').executeTakeFirstOrThrow();
  const changed = await admin.submit(`${app.url}/admin/users/${cal.id}/edit`, { displayName: 'Cal New', email: 'cal@norfolk.example', role: 'team-manager', agencyCode: '', teamId: '' });
  assert.match(changed.body, /User changed/);
  assert.equal((await ctx.db.selectFrom('users').select('role').where('id', '=', cal.id).executeTakeFirstOrThrow()).role, 'team-manager');

  const alice = new Browser();
  assert.equal((await ssoSignIn(alice, app, world.idp, 'alice')).status, 200, 'Alice signed in');
  await admin.submit(`${app.url}/admin/users/${ids.alice}/disable`);
  assert.equal((await alice.request(`${app.url}/`)).status, 302, 'switched off: signed out at once');
  assert.equal((await ssoSignIn(new Browser(), app, world.idp, 'alice')).status, 403, 'and cannot sign in');
  await admin.submit(`${app.url}/admin/users/${ids.alice}/enable`);
  assert.equal((await ssoSignIn(new Browser(), app, world.idp, 'alice')).status, 200, 'switched on again');
  const own = await admin.submit(`${app.url}/admin/users/${ids.ada}/disable`);
  assert.equal(own.status, 400, 'an administrator cannot switch off their own account');
  for (const action of ['user.created', 'user.changed', 'user.disabled', 'user.enabled']) {
    const n = await ctx.db.selectFrom('audit_events').select('id').where('action', '=', action).where('actor_user_id', '=', ids.ada!).execute();
    assert.ok(n.length >= 1, `${action} is audited`);
  }
});
