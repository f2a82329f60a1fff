/**
 * issue10-D: single sign-on against a real OpenID Connect provider (oidc-provider) running in the
 * test on a loopback port, through real HTTP with a cookie-aware client: the code flow with PKCE,
 * role and agency from claims, the refusals, state and nonce checks, local sign-in switched off,
 * and accounts made on first sign-in.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createTestContext, createUser, TEST_PASSWORD, type TestContext } from '../../../test/support/harness.js';
import { Browser } from '../../../test/support/browser.js';
import { account, ssoSignIn, startSsoWorld, untilCallback, isIdpLoginForm, type SsoApp, type SsoWorld } from '../../../test/support/sso.js';

let ctx: TestContext;
let world: SsoWorld;
let app: SsoApp;
const ids: Record<string, string> = {};

before(async () => {
  ctx = await createTestContext();
  ids.alice = (await createUser(ctx, { role: 'cads-worker', email: 'alice@norfolk.example', displayName: 'Alice Local' })).id;
  ids.pat = (await createUser(ctx, { role: 'cads-worker', email: 'pat@norfolk.example' })).id;
  ids.mo = (await createUser(ctx, { role: 'team-manager', email: 'mo@norfolk.example' })).id;
  ids.rex = (await createUser(ctx, { role: 'cads-worker', email: 'rex@norfolk.example' })).id;
  ids.una = (await createUser(ctx, { role: 'cads-worker', email: 'una@norfolk.example' })).id;
  ids.sam = (await createUser(ctx, { role: 'cads-worker', email: 'sam@norfolk.example' })).id;
  ids.lou = (await createUser(ctx, { role: 'administrator', email: 'lou@norfolk.example' })).id;
  world = await startSsoWorld(
    ctx,
    [
      account('alice', { roles: ['fd-worker', 'another-app'] }),
      account('pat', { roles: ['fd-partner'], agency: 'police' }),
      // No roles claim at all: the role an administrator gave Mo in Front Door stands.
      account('mo'),
      account('rex', { roles: ['another-app'] }),
      account('una', { roles: ['fd-worker'], verified: false }),
      account('sam', { roles: ['fd-worker'], authority: 'stoke-on-trent' }),
      account('nobody', { roles: ['fd-worker'] }),
      account('newbie', { roles: ['fd-worker'] }),
      account('newboss', { roles: ['fd-admin'] }),
    ],
    3,
  );
  app = await world.startApp();
});
after(async () => {
  await world?.close();
  await ctx?.close();
});

const audits = (userId: string | null, action: string) =>
  ctx.db
    .selectFrom('audit_events')
    .select(['action', 'details', 'entity_id'])
    .where('action', '=', action)
    .$if(userId !== null, (q) => q.where('entity_id', '=', userId!))
    .orderBy('id')
    .execute();

test('the sign-in page offers “Sign in with Test Council” beside the password form', async () => {
  const page = await new Browser().go(`${app.url}/sign-in`);
  assert.equal(page.status, 200);
  assert.match(page.body, /Sign in with Test Council/, 'the single sign-on button is offered');
  assert.match(page.body, /name="password"/, 'local accounts are still on in this app');
});

test('the full code flow with PKCE signs Alice in, links her account by verified email, and lands on the page she asked for', async () => {
  const b = new Browser();
  const page = await ssoSignIn(b, app, world.idp, 'alice', '/account');
  assert.equal(page.status, 200, `ended at ${page.url} with ${page.status}`);
  assert.equal(page.url, `${app.url}/account`, 'back on the page she asked for');
  assert.match(page.body, /Alice Tester/, 'her name from the provider is shown');
  assert.ok(b.visited.some((u) => u.startsWith(`${world.idp.issuer}/auth?`)), 'the journey went through the provider');

  // The authorisation request carried PKCE (S256), state and nonce; the provider requires PKCE,
  // so the code exchange succeeding proves the verifier matched.
  const req = world.idp.authorizationRequests.at(-1)!;
  assert.equal(req.get('code_challenge_method'), 'S256', 'PKCE with S256');
  assert.match(req.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/, 'a SHA-256 code challenge');
  assert.ok((req.get('state') ?? '').length >= 32, 'a random state');
  assert.ok((req.get('nonce') ?? '').length >= 32, 'a random nonce');
  assert.equal(req.get('response_type'), 'code', 'the authorisation-code flow');
  assert.equal(req.get('redirect_uri'), `${app.url}/sign-in/oidc/callback`, 'the configured redirect URI');

  const user = await ctx.db.selectFrom('users').selectAll().where('id', '=', ids.alice!).executeTakeFirstOrThrow();
  assert.equal(user.oidc_issuer, world.idp.issuer, 'linked to the provider');
  assert.equal(user.oidc_subject, 'sub-alice', 'linked to her subject there');
  assert.equal(user.display_name, 'Alice Tester', 'her name is taken from the provider');
  const signedIn = await audits(ids.alice!, 'user.signed-in');
  assert.equal(signedIn.length, 1, 'the sign-in is audited once');
  assert.deepEqual((signedIn[0]!.details as Record<string, unknown>).method, 'oidc', 'as single sign-on');
  assert.equal((signedIn[0]!.details as Record<string, unknown>).linked, true, 'and says the account was linked');

  const sessions = await ctx.db.selectFrom('sessions').select(['auth_method', 'signed_in_at']).where('user_id', '=', ids.alice!).execute();
  assert.equal(sessions.length, 1, 'one session in the database');
  assert.equal(sessions[0]!.auth_method, 'oidc', 'which records how she signed in');

  // Next time she is found by her subject, even after her email changes at the provider.
  world.idp.setAccount(account('alice', { roles: ['fd-worker'], email: 'alice.renamed@norfolk.example' }));
  const again = await ssoSignIn(new Browser(), app, world.idp, 'alice');
  assert.equal(again.status, 200, `second sign-in ended at ${again.url} with ${again.status}`);
  assert.match(again.body, /Alice Tester/, 'the same account');
  assert.equal((await ctx.db.selectFrom('users').select('id').where('oidc_subject', '=', 'sub-alice').execute()).length, 1, 'still one linked account');
  world.idp.setAccount(account('alice', { roles: ['fd-worker', 'another-app'] }));
});

test('role and agency come from the claims, and without a roles claim the administrator’s assignment stands', async () => {
  const b = new Browser();
  const page = await ssoSignIn(b, app, world.idp, 'pat', '/account');
  assert.equal(page.status, 200, `ended at ${page.url}`);
  assert.match(page.body, /Partner-agency practitioner/, 'the role the provider gave');
  assert.match(page.body, /police/, 'the agency the provider gave');
  const pat = await ctx.db.selectFrom('users').select(['role', 'agency_code']).where('id', '=', ids.pat!).executeTakeFirstOrThrow();
  assert.deepEqual(pat, { role: 'partner-practitioner', agency_code: 'police' }, 'the user record follows the claims');
  const details = (await audits(ids.pat!, 'user.signed-in'))[0]!.details as { changes?: Record<string, unknown> };
  assert.deepEqual(details.changes?.role, { from: 'cads-worker', to: 'partner-practitioner' }, 'the change of role is audited');
  // A partner practitioner reaches their own pages and not a social worker's.
  assert.equal((await b.request(`${app.url}/mash/requests`)).status, 200, 'the partner’s MASH requests');
  assert.equal((await b.request(`${app.url}/people/search`)).status, 403, 'not the child search');

  const mo = await ssoSignIn(new Browser(), app, world.idp, 'mo', '/account');
  assert.equal(mo.status, 200, `ended at ${mo.url}`);
  assert.match(mo.body, /Team manager/, 'no roles claim: the role assigned in Front Door');
  assert.equal((await ctx.db.selectFrom('users').select('role').where('id', '=', ids.mo!).executeTakeFirstOrThrow()).role, 'team-manager', 'unchanged');
});

test('someone with no Front Door account is refused with a clear page, audited, and nothing is made', async () => {
  const b = new Browser();
  const page = await ssoSignIn(b, app, world.idp, 'nobody');
  assert.equal(page.status, 403);
  assert.match(page.body, /You do not have a Front Door account/, 'the page says why');
  assert.match(page.body, /Ask your Front Door administrator to add you/, 'and what to do');
  assert.equal((await b.request(`${app.url}/`)).status, 302, 'not signed in');
  assert.equal((await ctx.db.selectFrom('users').select('id').where('email', '=', 'nobody@norfolk.example').execute()).length, 0, 'no account was made');
  const refused = (await audits(null, 'user.sign-in-refused')).filter((a) => (a.details as { subject?: string }).subject === 'sub-nobody');
  assert.equal(refused.length, 1, 'the refusal is audited');
  assert.equal((refused[0]!.details as { reason: string }).reason, 'unknown-user', 'with its reason');
});

test('a roles claim that maps to nothing refuses the sign-in and ends that person’s other sessions', async () => {
  // Rex is signed in with his password on another computer.
  const other = new Browser();
  await other.go(`${app.url}/sign-in`);
  assert.equal((await other.submit(`${app.url}/sign-in`, { email: 'rex@norfolk.example', password: TEST_PASSWORD })).status, 200, 'signed in with a password');
  assert.equal((await other.request(`${app.url}/`)).status, 200, 'his other session works');

  const page = await ssoSignIn(new Browser(), app, world.idp, 'rex');
  assert.equal(page.status, 403);
  assert.match(page.body, /does not give you access to Front Door/, 'no role, said plainly');
  assert.equal((await other.request(`${app.url}/`)).status, 302, 'his other session has ended');
  assert.equal((await audits(ids.rex!, 'user.sign-in-refused'))[0]?.details && ((await audits(ids.rex!, 'user.sign-in-refused'))[0]!.details as { reason: string }).reason, 'no-role', 'audited as no-role');
});

test('an unverified email, or a claim naming another council, is refused', async () => {
  const una = await ssoSignIn(new Browser(), app, world.idp, 'una');
  assert.equal(una.status, 403);
  assert.match(una.body, /could not confirm your email address/, 'unverified email');
  assert.equal((await ctx.db.selectFrom('users').select('oidc_subject').where('id', '=', ids.una!).executeTakeFirstOrThrow()).oidc_subject, null, 'not linked');

  const sam = await ssoSignIn(new Browser(), app, world.idp, 'sam');
  assert.equal(sam.status, 403);
  assert.match(sam.body, /belongs to a different council/, 'authority mismatch');
});

test('a response whose state does not match is refused, and the same response cannot be used twice', async () => {
  const b = new Browser();
  const callback = await untilCallback(b, app, world.idp, 'mo');
  const tampered = new URL(callback);
  tampered.searchParams.set('state', 'not-the-state-we-sent');
  const refused = await b.go(tampered.href);
  assert.equal(refused.status, 400, 'a wrong state is refused');
  assert.match(refused.body, /We could not sign you in/);
  assert.equal((await b.request(`${app.url}/`)).status, 302, 'not signed in');

  // The pending sign-in is used up by the first arrival: the genuine response now finds nothing.
  const replay = await b.go(callback);
  assert.equal(replay.status, 400, 'no second use');
  assert.match(replay.body, /took too long or was started in another window/);
  assert.equal((await b.request(`${app.url}/`)).status, 302, 'still not signed in');
  const reasons = (await audits(null, 'user.sign-in-refused')).map((a) => (a.details as { reason: string }).reason);
  assert.ok(reasons.some((r) => r.startsWith('invalid-response:')), `the bad state is audited (${reasons.join(', ')})`);
});

test('an ID token whose nonce does not match the one sent is refused', async () => {
  const b = new Browser();
  const callback = await untilCallback(b, app, world.idp, 'mo');
  // The nonce Front Door expects lives in the session; change it, as if the token were for another request.
  const changed = await sql`update sessions set data = jsonb_set(data, '{oidc,nonce}', '"a-different-nonce"') where data ? 'oidc'`.execute(ctx.db);
  assert.equal(Number(changed.numAffectedRows), 1, 'one sign-in under way');
  const page = await b.go(callback);
  assert.equal(page.status, 400, 'refused');
  assert.match(page.body, /We could not sign you in/);
  assert.equal((await b.request(`${app.url}/`)).status, 302, 'not signed in');
});

test('with LOCAL_SIGN_IN=off the password form is gone and a right password still signs no one in', async () => {
  const off = await world.startApp({ LOCAL_SIGN_IN: 'off' });
  const b = new Browser();
  const page = await b.go(`${off.url}/sign-in`);
  assert.doesNotMatch(page.body, /name="password"/, 'no password field');
  assert.match(page.body, /Sign in with Test Council/, 'only single sign-on');
  // A valid CSRF token from a public form, so the refusal below is the switch, not the token.
  await b.go(`${off.url}/before-you-call/norfolk/ask`);
  const attempt = await b.submit(`${off.url}/sign-in`, { email: 'lou@norfolk.example', password: TEST_PASSWORD });
  assert.equal(attempt.status, 403, 'refused');
  assert.doesNotMatch(attempt.body, /Your form has expired/, 'refused because local sign-in is off');
  assert.match(attempt.body, /Sign in with Test Council/, 'and pointed at single sign-on');
  assert.equal((await b.request(`${off.url}/`)).status, 302, 'not signed in');
  const audited = (await audits(null, 'user.sign-in-refused')).filter((a) => (a.details as { reason: string }).reason === 'local-sign-in-off');
  assert.equal(audited.length, 1, 'the attempt is audited');
  // The same person can still come in through the provider.
  const sso = await ssoSignIn(b, off, world.idp, 'mo');
  assert.equal(sso.status, 200, `single sign-on still works (${sso.url})`);
});

test('with OIDC_CREATE_USERS=true a newcomer with a mapped role gets an account, but never as an administrator', async () => {
  const jit = await world.startApp({ OIDC_CREATE_USERS: 'true', OIDC_DEFAULT_AUTHORITY: 'norfolk' });
  const newbie = await ssoSignIn(new Browser(), jit, world.idp, 'newbie', '/account');
  assert.equal(newbie.status, 200, `ended at ${newbie.url}`);
  const made = await ctx.db.selectFrom('users').select(['id', 'role', 'authority_id', 'password_hash']).where('oidc_subject', '=', 'sub-newbie').executeTakeFirstOrThrow();
  assert.deepEqual({ role: made.role, authority: made.authority_id, password: made.password_hash }, { role: 'cads-worker', authority: 'norfolk', password: null }, 'a social worker account without a password');
  assert.equal((await audits(made.id, 'user.created')).length, 1, 'its making is audited');

  const boss = await ssoSignIn(new Browser(), jit, world.idp, 'newboss');
  assert.equal(boss.status, 403);
  assert.match(boss.body, /Administrator accounts are set up by an administrator/);
  assert.equal((await ctx.db.selectFrom('users').select('id').where('email', '=', 'newboss@norfolk.example').execute()).length, 0, 'no administrator was made');
});
