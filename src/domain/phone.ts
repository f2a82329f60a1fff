/**
 * Phone numbers and email addresses given by callers.
 *
 * Numbers are stored in E.164 ('+447700900982') and shown in national format
 * ('07700 900982'). Acceptance is deliberately by length (`isPossible`) rather
 * than by allocated range (`isValid`): Ofcom's drama numbers such as
 * 07700 900xxx and 01632 960xxx – the only numbers we may put in tests and
 * training data – are "invalid" in libphonenumber's range metadata.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';

export interface NormalisedPhone {
  e164: string;
  /** National format for UK numbers; international format for anything else. */
  national: string;
}

// What people legitimately type around the digits. Anything else (letters,
// 'ext', notes) is rejected instead of being silently dropped by the parser,
// which will otherwise happily pull a number out of a sentence.
const PHONE_CHARACTERS = /^[\d\s+().\-‐-―/]+$/;

export function normaliseUkPhone(raw: string): NormalisedPhone | null {
  if (typeof raw !== 'string') return null;
  const trimmed = raw.trim();
  if (trimmed === '' || trimmed.length > 40 || !PHONE_CHARACTERS.test(trimmed)) return null;

  // UK national numbers start with 0, so a bare '44…' is either an international
  // number missing its '+' or a typo. Guessing would store a wrong number without
  // anyone noticing, so ask again instead.
  const digitsAndPlus = trimmed.replace(/[^\d+]/g, '');
  if (digitsAndPlus.startsWith('44')) return null;

  const parsed = parsePhoneNumberFromString(trimmed, 'GB');
  if (!parsed || !parsed.isPossible()) return null;

  const isUk = parsed.countryCallingCode === '44';
  // UK numbers can be 9 or 10 digits after the 0, so a mobile with a digit
  // missing is still "possible". Real 9-digit numbers are all in allocated
  // ranges, so an unrecognised 9-digit UK number is treated as a typo.
  if (isUk && !parsed.isValid() && parsed.nationalNumber.length !== 10) return null;

  return {
    e164: parsed.number,
    national: isUk ? parsed.formatNational() : parsed.formatInternational(),
  };
}

/**
 * A sanity check, not proof of deliverability: one '@', a sensible local
 * part and a dotted domain. The only real test is sending an email.
 */
export function isPlausibleEmail(raw: string): boolean {
  if (typeof raw !== 'string') return false;
  const email = raw.trim();
  if (email.length < 6 || email.length > 254) return false;
  const at = email.lastIndexOf('@');
  if (at < 1 || at !== email.indexOf('@')) return false;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);

  if (local.length === 0 || local.length > 64) return false;
  if (/[\s"(),:;<>[\\\]]/.test(local)) return false;
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;

  const labels = domain.split('.');
  if (labels.length < 2) return false;
  const label = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
  if (!labels.every((l) => label.test(l))) return false;
  const tld = labels[labels.length - 1] as string;
  return /^[\p{L}]{2,}$/u.test(tld) || /^xn--[a-z0-9-]+$/i.test(tld);
}
