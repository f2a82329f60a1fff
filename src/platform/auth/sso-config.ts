/**
 * The environment variables for signing in: single sign-on through the council's OpenID Connect
 * provider (Entra ID, Okta, Keycloak…), whether local accounts may sign in, and the session's
 * timeouts. Parsed with the rest of the configuration in config.ts, so a bad value stops the
 * service at start with a message naming the variable.
 */
import { z } from 'zod';
import { isRole, type Role } from './roles.js';

const onOff = z.enum(['on', 'off', 'true', 'false']);
const trueFalse = z.enum(['true', 'false']);
const minutes = (min: number, max: number, dflt: number) => z.coerce.number().int().min(min).max(max).default(dflt);

export const authEnvSchema = {
  LOCAL_SIGN_IN: onOff.default('on'),
  SESSION_IDLE_MINUTES: minutes(1, 24 * 60, 30),
  SESSION_MAX_HOURS: minutes(1, 7 * 24, 12),
  REAUTH_MINUTES: minutes(1, 24 * 60, 15),
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_TOKEN_AUTH: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
  OIDC_REDIRECT_URI: z.string().url().optional(),
  OIDC_POST_LOGOUT_REDIRECT_URI: z.string().url().optional(),
  OIDC_SCOPES: z.string().default('openid profile email'),
  OIDC_NAME: z.string().min(1).max(80).default('single sign-on'),
  OIDC_ROLES_CLAIM: z.string().min(1).optional(),
  OIDC_ROLE_MAP: z.string().optional(),
  OIDC_AGENCY_CLAIM: z.string().min(1).optional(),
  OIDC_AGENCY_MAP: z.string().optional(),
  OIDC_AUTHORITY_CLAIM: z.string().min(1).optional(),
  OIDC_AUTHORITY_MAP: z.string().optional(),
  OIDC_EMAIL_CLAIM: z.string().min(1).default('email'),
  OIDC_NAME_CLAIM: z.string().min(1).default('name'),
  OIDC_REQUIRE_VERIFIED_EMAIL: trueFalse.default('true'),
  OIDC_USERINFO: trueFalse.default('false'),
  OIDC_CREATE_USERS: trueFalse.default('false'),
  OIDC_DEFAULT_AUTHORITY: z.string().min(1).optional(),
};

const authEnvObject = z.object(authEnvSchema);
type AuthEnv = z.infer<typeof authEnvObject>;

export interface OidcConfig {
  /** The issuer identifier; discovery reads `{issuer}/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  /** Absent for a public client (PKCE alone). */
  clientSecret: string | undefined;
  /** How the secret is sent to the token endpoint: as HTTP Basic (the default everywhere) or in the form. */
  tokenAuth: 'client_secret_basic' | 'client_secret_post';
  redirectUri: string;
  postLogoutRedirectUri: string;
  scopes: string;
  /** Shown as "Sign in with {displayName}". */
  displayName: string;
  claims: {
    /** Where the provider puts group or role values (`roles`, `groups`, `realm_access.roles`…); null: roles are assigned in Front Door. */
    roles: string | null;
    agency: string | null;
    authority: string | null;
    email: string;
    name: string;
  };
  /** Provider value → role, in order of preference: a person with several values gets the first that matches. */
  roleMap: [string, Role][];
  /** Provider value → agency code; null means the claim's value is the agency code. */
  agencyMap: Map<string, string> | null;
  /** Provider value → authority id; null means the claim's value is the authority id. */
  authorityMap: Map<string, string> | null;
  requireVerifiedEmail: boolean;
  /** Also read the userinfo endpoint (Keycloak puts roles there unless told to add them to the ID token). */
  useUserinfo: boolean;
  /** Make an account for someone unknown whose claims give a role (never an administrator). */
  createUsers: boolean;
  defaultAuthority: string | null;
  /** Plain http is allowed only for a provider on this machine (the tests, a local Keycloak). */
  allowHttp: boolean;
}

export interface AuthConfig {
  localSignIn: boolean;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  reauthMinutes: number;
  oidc: OidcConfig | null;
}

export class AuthConfigError extends Error {}

/** `value=target` pairs separated by `;`, `,` or new lines (a value may itself contain `=`: the last one splits). */
export function parsePairs(text: string, variable: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const part of text.split(/[;,\n]/)) {
    const item = part.trim();
    if (!item) continue;
    const at = item.lastIndexOf('=');
    if (at <= 0 || at === item.length - 1) throw new AuthConfigError(`${variable}: "${item}" is not of the form value=target`);
    pairs.push([item.slice(0, at).trim(), item.slice(at + 1).trim()]);
  }
  return pairs;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export function parseAuthConfig(e: AuthEnv, baseUrl: string): AuthConfig {
  const localSignIn = e.LOCAL_SIGN_IN === 'on' || e.LOCAL_SIGN_IN === 'true';
  let oidc: OidcConfig | null = null;
  if (e.OIDC_ISSUER) {
    if (!e.OIDC_CLIENT_ID) throw new AuthConfigError('OIDC_ISSUER is set, so OIDC_CLIENT_ID must be set too.');
    const issuer = new URL(e.OIDC_ISSUER);
    const allowHttp = LOOPBACK.has(issuer.hostname);
    if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && allowHttp)) {
      throw new AuthConfigError('OIDC_ISSUER must be an https:// address (plain http is allowed only for localhost).');
    }
    if (e.OIDC_ROLES_CLAIM && !e.OIDC_ROLE_MAP) throw new AuthConfigError('OIDC_ROLES_CLAIM is set, so OIDC_ROLE_MAP must say which values give which role.');
    const roleMap = parsePairs(e.OIDC_ROLE_MAP ?? '', 'OIDC_ROLE_MAP').map(([value, role]): [string, Role] => {
      if (!isRole(role)) throw new AuthConfigError(`OIDC_ROLE_MAP: "${role}" is not a Front Door role.`);
      return [value, role];
    });
    if (e.OIDC_ROLE_MAP && !e.OIDC_ROLES_CLAIM) throw new AuthConfigError('OIDC_ROLE_MAP is set, so OIDC_ROLES_CLAIM must name the claim it reads.');
    const map = (text: string | undefined, variable: string) => (text ? new Map(parsePairs(text, variable)) : null);
    const base = baseUrl.replace(/\/$/, '');
    oidc = {
      issuer: e.OIDC_ISSUER,
      clientId: e.OIDC_CLIENT_ID,
      clientSecret: e.OIDC_CLIENT_SECRET,
      tokenAuth: e.OIDC_TOKEN_AUTH,
      redirectUri: e.OIDC_REDIRECT_URI ?? `${base}/sign-in/oidc/callback`,
      postLogoutRedirectUri: e.OIDC_POST_LOGOUT_REDIRECT_URI ?? `${base}/signed-out`,
      scopes: e.OIDC_SCOPES.split(/\s+/).includes('openid') ? e.OIDC_SCOPES.trim() : `openid ${e.OIDC_SCOPES.trim()}`,
      displayName: e.OIDC_NAME,
      claims: { roles: e.OIDC_ROLES_CLAIM ?? null, agency: e.OIDC_AGENCY_CLAIM ?? null, authority: e.OIDC_AUTHORITY_CLAIM ?? null, email: e.OIDC_EMAIL_CLAIM, name: e.OIDC_NAME_CLAIM },
      roleMap,
      agencyMap: map(e.OIDC_AGENCY_MAP, 'OIDC_AGENCY_MAP'),
      authorityMap: map(e.OIDC_AUTHORITY_MAP, 'OIDC_AUTHORITY_MAP'),
      requireVerifiedEmail: e.OIDC_REQUIRE_VERIFIED_EMAIL === 'true',
      useUserinfo: e.OIDC_USERINFO === 'true',
      createUsers: e.OIDC_CREATE_USERS === 'true',
      defaultAuthority: e.OIDC_DEFAULT_AUTHORITY ?? null,
      allowHttp,
    };
    if (oidc.createUsers && !oidc.claims.roles) throw new AuthConfigError('OIDC_CREATE_USERS=true needs OIDC_ROLES_CLAIM and OIDC_ROLE_MAP: an account is made only with a role from the provider.');
  }
  if (!localSignIn && !oidc) throw new AuthConfigError('LOCAL_SIGN_IN=off needs single sign-on (OIDC_ISSUER and OIDC_CLIENT_ID): otherwise nobody could sign in.');
  return {
    localSignIn,
    sessionIdleMinutes: e.SESSION_IDLE_MINUTES,
    sessionMaxHours: e.SESSION_MAX_HOURS,
    reauthMinutes: e.REAUTH_MINUTES,
    oidc,
  };
}
