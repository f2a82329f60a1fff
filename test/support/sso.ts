/**
 * issue10-D: Front Door on a loopback port, configured for single sign-on against the test
 * identity provider (test/support/oidc-idp.ts), with its own session clock; and the steps of
 * signing in through the provider with a cookie-aware client.
 */
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { createServer } from '../../src/server.js';
import { MutableClock, testDatabaseUrl, type TestContext } from './harness.js';
import { startTestIdp, type IdpAccount, type TestIdp } from './oidc-idp.js';
import { Browser, formOn, linkOn, type Page } from './browser.js';

export const IDP_PASSWORD = 'idp-password';
export const CLIENT_ID = 'front-door-test';
const CLIENT_SECRET = 'a-client-secret-for-the-tests-only';

export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An IdP account whose claims say the given roles (undefined: no roles claim at all). */
export function account(login: string, opts: { roles?: string[]; email?: string; verified?: boolean; agency?: string; authority?: string; name?: string } = {}): IdpAccount {
  const claims: Record<string, unknown> = {
    email: opts.email ?? `${login}@norfolk.example`,
    email_verified: opts.verified ?? true,
    name: opts.name ?? `${login[0]!.toUpperCase()}${login.slice(1)} Tester`,
    authority: opts.authority ?? 'norfolk',
  };
  if (opts.roles) claims.roles = opts.roles;
  if (opts.agency) claims.agency = opts.agency;
  return { login, password: IDP_PASSWORD, sub: `sub-${login}`, claims };
}

/** The role map a council would configure: its provider's groups to Front Door's roles. */
export const ROLE_MAP = 'fd-admin=administrator; fd-manager=team-manager; fd-worker=cads-worker; fd-partner=partner-practitioner';

export interface SsoApp {
  url: string;
  app: FastifyInstance;
  sessionClock: MutableClock;
}

export interface SsoWorld {
  idp: TestIdp;
  /** Starts Front Door on one of the ports registered with the provider, with these extra settings. */
  startApp(env?: Record<string, string>): Promise<SsoApp>;
  close(): Promise<void>;
}

/** The provider (with a client that knows `appCount` Front Door addresses) and a way to start each app. */
export async function startSsoWorld(ctx: TestContext, accounts: IdpAccount[], appCount = 1): Promise<SsoWorld> {
  const ports: number[] = [];
  for (let i = 0; i < appCount; i++) ports.push(await freePort());
  const idp = await startTestIdp(
    {
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUris: ports.map((p) => `http://127.0.0.1:${p}/sign-in/oidc/callback`),
      postLogoutRedirectUris: ports.map((p) => `http://127.0.0.1:${p}/signed-out`),
    },
    accounts,
  );
  const apps: FastifyInstance[] = [];
  return {
    idp,
    async startApp(env = {}) {
      const port = ports[apps.length];
      if (port === undefined) throw new Error('no more registered ports: raise appCount');
      const url = `http://127.0.0.1:${port}`;
      const loaded = loadConfig({
        NODE_ENV: 'test',
        SESSION_SECRET: 'x'.repeat(40),
        DATABASE_URL: testDatabaseUrl(),
        LOG_LEVEL: 'silent',
        BASE_URL: url,
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: CLIENT_ID,
        OIDC_CLIENT_SECRET: CLIENT_SECRET,
        OIDC_NAME: 'Test Council',
        OIDC_SCOPES: 'openid email profile frontdoor',
        OIDC_ROLES_CLAIM: 'roles',
        OIDC_ROLE_MAP: ROLE_MAP,
        OIDC_AGENCY_CLAIM: 'agency',
        OIDC_AUTHORITY_CLAIM: 'authority',
        ...env,
      });
      const sessionClock = new MutableClock(new Date());
      const app = await createServer({ ...ctx, config: { ...ctx.config, baseUrl: url, auth: loaded.auth }, sessionClock });
      apps.push(app);
      await app.listen({ host: '127.0.0.1', port });
      return { url, app, sessionClock };
    },
    async close() {
      for (const app of apps) await app.close();
      await idp.close();
    },
  };
}

/** Moves a session clock on by some minutes. */
export function advance(clock: MutableClock, minutes: number): void {
  clock.set(new Date(clock.now().getTime() + minutes * 60_000));
}

/** At the provider's sign-in form: types the login and password, and follows wherever that leads. */
export async function typeCredentials(b: Browser, page: Page, login: string): Promise<Page> {
  const form = formOn(page, /\/login$/);
  let next = await b.go(form.action, { method: 'POST', form: { login, password: IDP_PASSWORD } });
  // Signing in as someone other than the provider's current user first ends that user's session
  // there, through a form the provider's page submits by script; submit it as a browser would.
  if (next.url.startsWith(page.url.split('/interaction/')[0]!) && /document\.forms\[0\]\.submit\(\)/.test(next.body)) {
    const auto = formOn(next, /./);
    next = await b.go(auto.action, { method: 'POST', form: auto.fields });
  }
  return next;
}

export function isIdpLoginForm(page: Page, idp: TestIdp): boolean {
  return page.url.startsWith(idp.issuer) && /name="password"/.test(page.body);
}

/**
 * The whole journey from Front Door's sign-in page: "Sign in with Test Council", the provider's
 * sign-in form (skipped when the provider still has a session), and back. Returns the last page.
 */
export async function ssoSignIn(b: Browser, app: SsoApp, idp: TestIdp, login: string, next = '/'): Promise<Page> {
  const signIn = await b.go(`${app.url}/sign-in?next=${encodeURIComponent(next)}`);
  let page = await b.go(linkOn(signIn, /Sign in with Test Council/));
  if (isIdpLoginForm(page, idp)) page = await typeCredentials(b, page, login);
  return page;
}

/**
 * Signs in at the provider but stops at the redirect back to Front Door, returning that address
 * (with the code and state) without visiting it.
 */
export async function untilCallback(b: Browser, app: SsoApp, idp: TestIdp, login: string): Promise<string> {
  let page = await b.request(`${app.url}/sign-in/oidc?next=%2F`);
  for (let hops = 0; hops < 20; hops++) {
    if (isIdpLoginForm(page, idp)) {
      const form = formOn(page, /\/login$/);
      page = await b.request(form.action, { method: 'POST', form: { login, password: IDP_PASSWORD } });
      continue;
    }
    const location = page.headers.get('location');
    if (!location) throw new Error(`stuck at ${page.url} (${page.status})`);
    const next = new URL(location, page.url).href;
    if (next.startsWith(`${app.url}/sign-in/oidc/callback`)) return next;
    page = await b.request(next);
  }
  throw new Error('too many redirects before the callback');
}
