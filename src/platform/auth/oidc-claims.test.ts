import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapClaims, readClaim, claimValues } from './oidc-claims.js';
import { loadConfig } from '../../config.js';

// issue10-D: how claims become a role, an agency and an authority.
const settings = (env: Record<string, string> = {}) =>
  loadConfig({
    NODE_ENV: 'test',
    SESSION_SECRET: 'x'.repeat(40),
    DATABASE_URL: 'postgres://localhost/x',
    OIDC_ISSUER: 'https://login.example.org/tenant/v2.0',
    OIDC_CLIENT_ID: 'client',
    OIDC_ROLES_CLAIM: 'roles',
    OIDC_ROLE_MAP: 'FrontDoor.Admin=administrator; FrontDoor.Manager=team-manager; FrontDoor.Worker=cads-worker',
    ...env,
  }).auth.oidc!;

test('a claim is read by name, or by a dotted path into nested objects', () => {
  const claims = { roles: ['a'], realm_access: { roles: ['b', 'c'] }, 'http://schemas.example/role': 'd' };
  assert.deepEqual(readClaim(claims, 'roles'), ['a'], 'plain name');
  assert.deepEqual(readClaim(claims, 'realm_access.roles'), ['b', 'c'], 'Keycloak realm roles');
  assert.equal(readClaim(claims, 'http://schemas.example/role'), 'd', 'a URI claim name containing dots is read whole');
  assert.equal(readClaim(claims, 'realm_access.missing'), undefined, 'missing is undefined');
  assert.deepEqual(claimValues(' x '), ['x'], 'one string');
  assert.deepEqual(claimValues(['x', 3, '', 'y']), ['x', 'y'], 'strings of an array');
  assert.deepEqual(claimValues({ x: 1 }), [], 'nothing else');
});

test('the role is the first entry of the map that any of the person’s values matches', () => {
  const cfg = settings();
  const both = mapClaims({ sub: 's', roles: ['FrontDoor.Worker', 'FrontDoor.Manager'] }, cfg);
  assert.deepEqual(both.role, { present: true, value: 'team-manager', raw: ['FrontDoor.Worker', 'FrontDoor.Manager'] }, 'the map’s order decides');
  assert.deepEqual(mapClaims({ sub: 's', roles: 'FrontDoor.Admin' }, cfg).role, { present: true, value: 'administrator', raw: ['FrontDoor.Admin'] }, 'a single string counts');
  assert.deepEqual(mapClaims({ sub: 's', roles: 'FRONTDOOR.WORKER' }, cfg).role, { present: true, value: 'cads-worker', raw: ['FRONTDOOR.WORKER'] }, 'case does not matter (Entra group ids)');
  assert.deepEqual(mapClaims({ sub: 's', roles: ['Other'] }, cfg).role, { present: true, value: null, raw: ['Other'] }, 'present but maps to nothing');
  assert.deepEqual(mapClaims({ sub: 's' }, cfg).role, { present: false }, 'no claim: absent, so the stored role is used');
});

test('agency and authority are read as codes, or through their maps', () => {
  const plain = settings({ OIDC_AGENCY_CLAIM: 'agency', OIDC_AUTHORITY_CLAIM: 'council' });
  const m = mapClaims({ sub: 's', agency: 'police', council: 'Norfolk County Council' }, plain);
  assert.deepEqual(m.agency, { present: true, value: 'police', raw: ['police'] }, 'a code as it is');
  assert.deepEqual(m.authority, { present: true, value: null, raw: ['Norfolk County Council'] }, 'not a code and no map: maps to nothing');
  const mapped = settings({ OIDC_AUTHORITY_CLAIM: 'council', OIDC_AUTHORITY_MAP: 'Norfolk County Council=norfolk' });
  assert.equal((mapClaims({ sub: 's', council: 'Norfolk County Council' }, mapped).authority as { value: string }).value, 'norfolk', 'through the map');
});

test('email is used only when verified, unless the deployment says its provider’s emails can be trusted', () => {
  const strict = settings();
  assert.equal(mapClaims({ sub: 's', email: 'A@Example.org', email_verified: true }, strict).email, 'a@example.org', 'lower-cased');
  assert.equal(mapClaims({ sub: 's', email: 'a@example.org', email_verified: true }, strict).emailVerified, true);
  assert.equal(mapClaims({ sub: 's', email: 'a@example.org' }, strict).emailVerified, false, 'no email_verified claim: not verified');
  const entra = settings({ OIDC_REQUIRE_VERIFIED_EMAIL: 'false', OIDC_EMAIL_CLAIM: 'preferred_username' });
  const e = mapClaims({ sub: 's', preferred_username: 'a@council.gov.uk' }, entra);
  assert.deepEqual([e.email, e.emailVerified], ['a@council.gov.uk', true], 'Entra ID: the UPN, trusted by configuration');
  assert.throws(() => mapClaims({ email: 'x@y.z' }, strict), /no subject/, 'a token without a subject is refused');
});

test('the configuration refuses what cannot work, naming the variable', () => {
  const base = { NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(40), DATABASE_URL: 'postgres://localhost/x' };
  assert.throws(() => loadConfig({ ...base, LOCAL_SIGN_IN: 'off' }), /LOCAL_SIGN_IN=off needs single sign-on/);
  assert.throws(() => loadConfig({ ...base, OIDC_ISSUER: 'https://idp.example.org' }), /OIDC_CLIENT_ID must be set/);
  assert.throws(() => loadConfig({ ...base, OIDC_ISSUER: 'http://idp.example.org', OIDC_CLIENT_ID: 'c' }), /must be an https:\/\/ address/);
  assert.throws(() => loadConfig({ ...base, OIDC_ISSUER: 'https://idp.example.org', OIDC_CLIENT_ID: 'c', OIDC_ROLES_CLAIM: 'roles', OIDC_ROLE_MAP: 'x=superuser' }), /"superuser" is not a Front Door role/);
  assert.throws(() => loadConfig({ ...base, OIDC_ISSUER: 'https://idp.example.org', OIDC_CLIENT_ID: 'c', OIDC_ROLES_CLAIM: 'roles' }), /OIDC_ROLE_MAP must say/);
  assert.throws(() => loadConfig({ ...base, SESSION_IDLE_MINUTES: '0' }), /SESSION_IDLE_MINUTES/);
  const local = loadConfig({ ...base, OIDC_ISSUER: 'http://localhost:8080/realms/council', OIDC_CLIENT_ID: 'c', BASE_URL: 'https://frontdoor.example.org' }).auth;
  assert.equal(local.oidc?.allowHttp, true, 'plain http only for a provider on this machine');
  assert.equal(local.oidc?.redirectUri, 'https://frontdoor.example.org/sign-in/oidc/callback', 'the redirect URI follows BASE_URL');
  assert.equal(local.oidc?.scopes, 'openid profile email', 'default scopes');
  assert.deepEqual([local.localSignIn, local.sessionIdleMinutes, local.sessionMaxHours, local.reauthMinutes], [true, 30, 12, 15], 'defaults');
});
