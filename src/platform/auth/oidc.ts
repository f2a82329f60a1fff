/**
 * The relying party's side of OpenID Connect: the authorisation-code flow with PKCE, through
 * `openid-client` (ADR 0018). The provider's metadata is discovered on first use, not at start,
 * so the service starts even while the provider is unreachable, and tries again on the next
 * sign-in after a failure.
 */
import * as client from 'openid-client';
import type { OidcConfig } from './sso-config.js';

/** What is kept in the session between sending the person to the provider and their return. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Set when `max_age` was sent: the ID token's auth_time must then be this recent. */
  maxAge: number | null;
}

export interface SignInResult {
  issuer: string;
  subject: string;
  /** The ID token's claims, with the userinfo endpoint's when configured. */
  claims: Record<string, unknown>;
  idToken: string;
}

/** The provider could not be reached, or answered with something other than OpenID Connect. */
export class ProviderUnavailableError extends Error {}
/** The response on the redirect back did not pass the checks (state, nonce, PKCE, signature, audience…). */
export class SignInResponseError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export class OidcClient {
  private configuration: Promise<client.Configuration> | null = null;

  constructor(readonly settings: OidcConfig) {}

  private config(): Promise<client.Configuration> {
    if (!this.configuration) {
      const s = this.settings;
      const auth = !s.clientSecret ? client.None() : s.tokenAuth === 'client_secret_post' ? client.ClientSecretPost(s.clientSecret) : client.ClientSecretBasic(s.clientSecret);
      const attempt = client
        .discovery(new URL(s.issuer), s.clientId, { client_secret: s.clientSecret }, auth, {
          execute: s.allowHttp ? [client.allowInsecureRequests] : [],
          timeout: 10,
        })
        .catch((err: unknown) => {
          // Forget the failure, so the next sign-in tries again.
          this.configuration = null;
          throw new ProviderUnavailableError(`discovery failed: ${(err as Error)?.name ?? 'error'}`);
        });
      this.configuration = attempt;
    }
    return this.configuration;
  }

  /**
   * The address to send the person to, and what to keep until they come back. `reauthenticate`
   * asks the provider to check who they are again even if it has a session of its own
   * (`prompt=login`), and, where the provider says it reports `auth_time`, that the check happened
   * just now (`max_age=0`).
   */
  async start(opts: { reauthenticate: boolean }): Promise<{ url: URL; pending: PendingSignIn }> {
    const config = await this.config();
    const codeVerifier = client.randomPKCECodeVerifier();
    const pending: PendingSignIn = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier, maxAge: null };
    const params: Record<string, string> = {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scopes,
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    };
    if (opts.reauthenticate) {
      params.prompt = 'login';
      const supported = config.serverMetadata().claims_supported;
      if (Array.isArray(supported) && supported.includes('auth_time')) {
        params.max_age = '0';
        pending.maxAge = 0;
      }
    }
    return { url: client.buildAuthorizationUrl(config, params), pending };
  }

  /** Checks the response on the redirect back and exchanges the code for tokens. */
  async finish(query: string, pending: PendingSignIn): Promise<SignInResult> {
    const config = await this.config();
    const current = new URL(this.settings.redirectUri);
    current.search = query;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
        ...(pending.maxAge !== null ? { maxAge: pending.maxAge } : {}),
      });
    } catch (err) {
      const e = err as { name?: string; code?: string; error?: string };
      throw new SignInResponseError('the sign-in response was refused', e.error ?? e.code ?? e.name ?? 'error');
    }
    const idClaims = tokens.claims();
    if (!idClaims || !tokens.id_token) throw new SignInResponseError('no ID token', 'no-id-token');
    let claims: Record<string, unknown> = { ...idClaims };
    if (this.settings.useUserinfo && config.serverMetadata().userinfo_endpoint) {
      try {
        const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        claims = { ...info, ...idClaims };
      } catch (err) {
        const e = err as { code?: string; name?: string };
        throw new SignInResponseError('the userinfo response was refused', e.code ?? e.name ?? 'error');
      }
    }
    return { issuer: idClaims.iss, subject: idClaims.sub, claims, idToken: tokens.id_token };
  }

  /** Where to send the person to sign out of the provider too, or null when it offers no end_session_endpoint. */
  async endSessionUrl(idToken: string | undefined): Promise<URL | null> {
    let config: client.Configuration;
    try {
      config = await this.config();
    } catch {
      return null;
    }
    if (!config.serverMetadata().end_session_endpoint) return null;
    const params: Record<string, string> = { post_logout_redirect_uri: this.settings.postLogoutRedirectUri };
    if (idToken) params.id_token_hint = idToken;
    return client.buildEndSessionUrl(config, params);
  }
}
