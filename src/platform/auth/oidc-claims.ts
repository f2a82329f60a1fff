/**
 * Reading a person's role, agency, authority, email and name from the claims an OpenID Connect
 * provider sends, as configured per deployment. Pure: no I/O.
 *
 * Each of role, agency and authority is either *absent* (not configured, or the provider sent no
 * such claim: Front Door then keeps what an administrator assigned on the user record) or
 * *present* (the provider is the source of truth, and a value that maps to nothing is a refusal,
 * never a fall-back to an older assignment).
 */
import type { Role } from './roles.js';
import type { OidcConfig } from './sso-config.js';

export type Claims = Record<string, unknown>;

/** A claim by its name, or by a dotted path into nested objects (Keycloak's `realm_access.roles`). */
export function readClaim(claims: Claims, name: string): unknown {
  if (name in claims) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A claim's values as text: a single string, or the strings of an array. */
export function claimValues(value: unknown): string[] {
  if (typeof value === 'string') return value.trim() ? [value.trim()] : [];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim());
  return [];
}

export type Mapped<T> = { present: false } | { present: true; value: T | null; raw: string[] };

export interface MappedIdentity {
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  role: Mapped<Role>;
  agency: Mapped<string>;
  authority: Mapped<string>;
}

const CODE = /^[a-z0-9][a-z0-9-]{0,39}$/;

function same(a: string, b: string): boolean {
  // Group ids (Entra's are GUIDs) are compared without regard to case.
  return a.localeCompare(b, 'en', { sensitivity: 'accent' }) === 0;
}

function mapOne(claims: Claims, name: string | null, map: Map<string, string> | null): Mapped<string> {
  if (!name) return { present: false };
  const raw = readClaim(claims, name);
  if (raw === undefined || raw === null) return { present: false };
  const values = claimValues(raw);
  for (const v of values) {
    if (map) {
      for (const [from, to] of map) if (same(from, v)) return { present: true, value: to, raw: values };
    } else if (CODE.test(v)) {
      return { present: true, value: v, raw: values };
    }
  }
  return { present: true, value: null, raw: values };
}

export function mapClaims(claims: Claims, cfg: OidcConfig): MappedIdentity {
  const sub = claims.sub;
  if (typeof sub !== 'string' || !sub) throw new Error('the ID token has no subject');

  let role: Mapped<Role> = { present: false };
  if (cfg.claims.roles) {
    const raw = readClaim(claims, cfg.claims.roles);
    if (raw !== undefined && raw !== null) {
      const values = claimValues(raw);
      // The map is in order of preference: the first entry any of the person's values matches wins.
      const hit = cfg.roleMap.find(([from]) => values.some((v) => same(from, v)));
      role = { present: true, value: hit ? hit[1] : null, raw: values };
    }
  }

  const emailRaw = readClaim(claims, cfg.claims.email);
  const email = typeof emailRaw === 'string' && /^[^\s@]+@[^\s@]+$/.test(emailRaw.trim()) ? emailRaw.trim().toLowerCase() : null;
  const verifiedRaw = claims.email_verified;
  const emailVerified = !cfg.requireVerifiedEmail || verifiedRaw === true || verifiedRaw === 'true';
  const nameRaw = readClaim(claims, cfg.claims.name);
  const name = typeof nameRaw === 'string' && nameRaw.trim() ? nameRaw.trim().slice(0, 200) : null;

  return {
    subject: sub,
    email,
    emailVerified,
    name,
    role,
    agency: mapOne(claims, cfg.claims.agency, cfg.agencyMap),
    authority: mapOne(claims, cfg.claims.authority, cfg.authorityMap),
  };
}
