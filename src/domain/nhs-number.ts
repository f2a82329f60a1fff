/**
 * NHS numbers (England, Wales, Isle of Man; Scottish CHI and Northern Ireland
 * H&C numbers share the format and check digit, so they pass too).
 *
 * Stored as the 10-digit string: never a number, or leading zeros are lost.
 */

const WEIGHTS = [10, 9, 8, 7, 6, 5, 4, 3, 2] as const;

/** Strip the spaces and hyphens people type; null unless exactly 10 digits remain. */
export function normaliseNhsNumber(raw: string): string | null {
  if (typeof raw !== 'string') return null;
  const compact = raw.replace(/[\s\-‐-―]/g, '');
  return /^\d{10}$/.test(compact) ? compact : null;
}

/**
 * The modulus 11 check digit for the first nine digits, or null when the
 * remainder gives 10 – such numbers are never issued.
 */
export function nhsNumberCheckDigit(firstNine: string): number | null {
  if (!/^\d{9}$/.test(firstNine)) {
    throw new TypeError(`Expected 9 digits, got ${JSON.stringify(firstNine)}`);
  }
  let total = 0;
  WEIGHTS.forEach((weight, i) => {
    total += weight * Number(firstNine[i]);
  });
  const check = (11 - (total % 11)) % 11;
  return check === 10 ? null : check;
}

/**
 * True when the number has a correct check digit and is not a run of one
 * digit. Repeated-digit strings (0000000000, 1111111111…) all satisfy the
 * checksum, but they are what people type to get past a mandatory field.
 */
export function isValidNhsNumber(raw: string): boolean {
  const nhs = normaliseNhsNumber(raw);
  if (nhs === null) return false;
  if (/^(\d)\1{9}$/.test(nhs)) return false;
  return nhsNumberCheckDigit(nhs.slice(0, 9)) === Number(nhs[9]);
}

/** Display in NHS 3-3-4 groups. Input that is not 10 digits is returned trimmed, so nothing is lost on screen. */
export function formatNhsNumber(s: string): string {
  const nhs = normaliseNhsNumber(s);
  if (nhs === null) return typeof s === 'string' ? s.trim() : s;
  return `${nhs.slice(0, 3)} ${nhs.slice(3, 6)} ${nhs.slice(6)}`;
}

/**
 * Numbers starting 999 are reserved for test patients under every published
 * reading of the ranges, so fixtures and demo data should use them.
 */
export function isTestRangeNhsNumber(s: string): boolean {
  const nhs = normaliseNhsNumber(s);
  return nhs !== null && nhs.startsWith('999');
}
