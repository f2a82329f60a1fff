/**
 * issue10-D: a real OpenID Connect provider for the tests (`oidc-provider`, the certified
 * implementation), on a loopback port. It stands in for the council's Entra ID, Okta or Keycloak:
 * the same discovery document, authorisation endpoint, PKCE, signed ID tokens, token endpoint
 * and RP-initiated logout, with test accounts and their claims.
 *
 * The provider leaves signing in to the deployment's own pages ("interactions"); here that is a
 * small HTML form (login name and password) that the tests fill in like a person would. Consent is
 * granted automatically, as a council does for its own first-party applications.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

export interface IdpAccount {
  login: string;
  password: string;
  sub: string;
  /** Claims beside `sub`: email, email_verified, name, roles, agency, authority… */
  claims: Record<string, unknown>;
}

export interface IdpClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
}

export interface TestIdp {
  issuer: string;
  /** How many times someone typed their password into the provider's sign-in form. */
  logins: number;
  /** The query of every authorisation request the provider received, in order. */
  authorizationRequests: URLSearchParams[];
  /** Add or change an account (say, to change the claims it sends). */
  setAccount(account: IdpAccount): void;
  close(): Promise<void>;
}

const html = (body: string) => `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test provider</title></head><body>${body}</body></html>`;
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** `port`: a fixed port (the local try-it provider); a free one when not given. */
export async function startTestIdp(client: IdpClient, accounts: IdpAccount[], opts: { port?: number } = {}): Promise<TestIdp> {
  const byLogin = new Map(accounts.map((a) => [a.login, a]));
  const bySub = () => new Map([...byLogin.values()].map((a) => [a.sub, a]));
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server: Server = createServer((req, res) => handler!(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: client.redirectUris,
        post_logout_redirect_uris: client.postLogoutRedirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    // A relying party that leaves PKCE out is refused, so the tests prove Front Door sends it.
    pkce: { required: () => true },
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      // The scope a council's provider would be configured with for Front Door's claims.
      frontdoor: ['roles', 'agency', 'authority'],
      auth_time: null,
    },
    // Scope claims go into the ID token, as Entra ID and Okta do for their configured claims.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = html(`<h1>Sign out?</h1>${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>`);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.body = html('<h1>Signed out</h1>');
        },
      },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { Interaction: 600, Grant: 3600, Session: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    // First-party application: consent is granted without asking.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid email profile frontdoor');
      await grant.save();
      return grant;
    },
    findAccount: async (_ctx, sub) => {
      const account = bySub().get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...account.claims }) };
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = html(`<h1>Provider error</h1><p>${escape(String(out.error))}: ${escape(String(out.error_description ?? ''))}</p>`);
    },
  });

  const idp: TestIdp = {
    issuer,
    logins: 0,
    authorizationRequests: [],
    setAccount(account) {
      byLogin.set(account.login, account);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const providerHandler = provider.callback();
  handler = (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', issuer);
      if (url.pathname === '/auth') idp.authorizationRequests.push(url.searchParams);
      const m = url.pathname.match(/^\/interaction\/([^/]+)(\/login)?$/);
      if (!m) return providerHandler(req, res);
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name !== 'login') throw new Error(`unexpected prompt ${details.prompt.name}`);
      const form = (error: string) =>
        html(
          `<h1>Sign in to the test council</h1>${error ? `<p id="error">${escape(error)}</p>` : ''}` +
            `<form method="post" action="/interaction/${details.uid}/login"><input name="login"><input name="password" type="password"><button>Sign in</button></form>`,
        );
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(form(''));
      }
      const body = await readForm(req);
      const account = byLogin.get(body.get('login') ?? '');
      if (!account || account.password !== body.get('password')) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(form('Wrong login or password'));
      }
      idp.logins++;
      await provider.interactionFinished(req, res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
    })().catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`test provider failed: ${(err as Error).message}`);
    });
  };
  return idp;
}
