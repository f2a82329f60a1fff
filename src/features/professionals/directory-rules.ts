/**
 * The professional directory's rules, without I/O: how a caller's details are tidied for the
 * directory, which entry a caller is, and what changed.
 *
 * Matching is exact, on the tidied email address or phone number:
 *  - an entry with the caller's email address is the caller (an email address belongs to one person);
 *  - otherwise an entry with the caller's phone number is the caller only when the names agree,
 *    because a school, surgery or police station shares one number among many staff: a different
 *    name on a known number is a colleague, who gets an entry of their own;
 *  - when several entries qualify, the one updated most recently is used.
 */
import { normaliseUkPhone } from '../../domain/phone.js';

/** What the directory holds about a professional, tidied. */
export interface ProfessionalDetails {
  name: string;
  agencyCode: string | null;
  agencyOther: string | null;
  role: string | null;
  team: string | null;
  /** As shown: '07700 900982'. */
  phone: string | null;
  /** What is matched: '+447700900982'. */
  phoneE164: string | null;
  /** Lower-cased. */
  email: string | null;
}

/** The caller fields of a conversation version. */
export interface CallerFields {
  caller_type: string | null;
  caller_name: string | null;
  caller_role: string | null;
  caller_agency_code: string | null;
  caller_agency_other: string | null;
  caller_phone: string | null;
  caller_email: string | null;
}

export interface Candidate {
  id: string;
  name: string;
  phone_e164: string | null;
  email: string | null;
  updated_at: Date;
}

const blank = (s: string | null | undefined): string | null => {
  const t = (s ?? '').trim().replace(/\s+/g, ' ');
  return t === '' ? null : t;
};

export function tidyEmail(raw: string | null | undefined): string | null {
  const e = blank(raw);
  return e ? e.toLowerCase() : null;
}

export function tidyPhone(raw: string | null | undefined): { phone: string; phoneE164: string } | null {
  const p = blank(raw);
  if (!p) return null;
  const n = normaliseUkPhone(p);
  return n ? { phone: n.national, phoneE164: n.e164 } : null;
}

const TITLES = new Set(['dr', 'mr', 'mrs', 'ms', 'miss', 'mx', 'pc', 'ds', 'dc', 'sgt', 'prof', 'rev']);

/** A name for comparing: lower case, no punctuation, no titles ('Dr Anjali Rao' = 'anjali rao'). */
export function nameKey(name: string | null | undefined): string {
  return (name ?? '')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z\s'-]/g, ' ')
    .split(/\s+/)
    .filter((w) => w && !TITLES.has(w))
    .join(' ');
}

/** The family name, for finding entries that may be the same person. */
export function familyNameKey(name: string | null | undefined): string {
  const words = nameKey(name).split(' ');
  return words[words.length - 1] ?? '';
}

/**
 * The directory's details for the caller of a conversation version, or null when the caller is not
 * a professional or cannot be matched (no name, or neither a usable phone number nor an email).
 * Members of the public are never added.
 */
export function detailsFromCaller(v: CallerFields): ProfessionalDetails | null {
  if (v.caller_type !== 'professional') return null;
  const name = blank(v.caller_name);
  const phone = tidyPhone(v.caller_phone);
  const email = tidyEmail(v.caller_email);
  if (!name || (!phone && !email)) return null;
  const agencyCode = blank(v.caller_agency_code);
  return {
    name,
    agencyCode,
    agencyOther: agencyCode === 'other' ? blank(v.caller_agency_other) : null,
    role: blank(v.caller_role),
    team: null,
    phone: phone?.phone ?? null,
    phoneE164: phone?.phoneE164 ?? null,
    email,
  };
}

/** Which of the candidates (entries sharing the caller's email or phone) is the caller, if any. */
export function chooseMatch(caller: Pick<ProfessionalDetails, 'name' | 'phoneE164' | 'email'>, candidates: Candidate[]): Candidate | null {
  const newest = (xs: Candidate[]) =>
    [...xs].sort((a, b) => b.updated_at.getTime() - a.updated_at.getTime() || a.id.localeCompare(b.id))[0] ?? null;
  if (caller.email) {
    const byEmail = candidates.filter((c) => c.email === caller.email);
    if (byEmail.length) return newest(byEmail);
  }
  if (caller.phoneE164) {
    const key = nameKey(caller.name);
    const byPhone = candidates.filter((c) => c.phone_e164 === caller.phoneE164 && nameKey(c.name) === key);
    if (byPhone.length) return newest(byPhone);
  }
  return null;
}

export type Changes = Record<string, { from: unknown; to: unknown }>;

type Held = { name: string; agency_code: string | null; agency_other: string | null; role: string | null; team: string | null; phone: string | null; phone_e164: string | null; email: string | null };

/**
 * What a newer conversation changes in an entry: each detail the caller gave that differs from what
 * is held. A detail the caller did not give is kept (a call without an email does not wipe the email).
 */
export function learnedChanges(held: Held, caller: ProfessionalDetails): Changes {
  const changes: Changes = {};
  const set = (field: keyof Held, to: string | null) => {
    if (to !== null && held[field] !== to) changes[field] = { from: held[field], to };
  };
  // The same name written another way ('Mrs Fiona Marsh') is not a change; a different name is.
  if (nameKey(held.name) !== nameKey(caller.name)) set('name', caller.name);
  set('role', caller.role);
  if (caller.agencyCode && (held.agency_code !== caller.agencyCode || (caller.agencyCode === 'other' && held.agency_other !== caller.agencyOther))) {
    changes.agency_code = { from: held.agency_code, to: caller.agencyCode };
    if (held.agency_other !== caller.agencyOther) changes.agency_other = { from: held.agency_other, to: caller.agencyOther };
  }
  if (caller.phoneE164 && held.phone_e164 !== caller.phoneE164) {
    changes.phone = { from: held.phone, to: caller.phone };
    changes.phone_e164 = { from: held.phone_e164, to: caller.phoneE164 };
  }
  set('email', caller.email);
  return changes;
}

/** Every field a correction sets, compared with what is held (blanks clear a detail). */
export function correctedChanges(held: Held, wanted: ProfessionalDetails): Changes {
  const changes: Changes = {};
  const pairs: [keyof Held, string | null][] = [
    ['name', wanted.name], ['agency_code', wanted.agencyCode], ['agency_other', wanted.agencyOther], ['role', wanted.role],
    ['team', wanted.team], ['phone', wanted.phone], ['phone_e164', wanted.phoneE164], ['email', wanted.email],
  ];
  for (const [field, to] of pairs) if (held[field] !== to) changes[field] = { from: held[field], to };
  return changes;
}

/** The changes as column values to set. */
export function valuesOf(changes: Changes): Record<string, string | null> {
  return Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, v.to as string | null]));
}

export const FIELD_LABELS: Record<string, string> = {
  name: 'Name', agency_code: 'Agency', agency_other: 'Agency (other)', role: 'Job title or role', team: 'Team', phone: 'Phone number', email: 'Email address',
};
