/**
 * Unique Pupil Numbers. Schools' systems issue them; we only ever check them.
 *
 * Shape: check letter + LA number (3) + establishment (4) + year (2) + serial.
 * The serial is 3 digits for a permanent UPN, or 2 digits and a letter for a
 * temporary one.
 */

/** Value = index. I, O and S are left out so they cannot be misread as 1, 0 and 5. */
const UPN_LETTERS = 'ABCDEFGHJKLMNPQRTUVWXYZ';

const UPN_SHAPE = /^[A-Z]\d{11}[0-9A-Z]$/;

/** Upper-case and strip spaces; null unless the result has the 13-character UPN shape. */
export function normaliseUpn(raw: string): string | null {
  if (typeof raw !== 'string') return null;
  const compact = raw.replace(/\s+/g, '').toUpperCase();
  return UPN_SHAPE.test(compact) ? compact : null;
}

function characterValue(ch: string): number {
  if (ch >= '0' && ch <= '9') return Number(ch);
  const value = UPN_LETTERS.indexOf(ch);
  if (value < 0) throw new TypeError(`${JSON.stringify(ch)} cannot appear in a UPN`);
  return value;
}

/**
 * The check letter for the 12 characters after it. Each character is weighted
 * by its position in the full UPN (2 to 13) and the total taken modulo 23.
 */
export function upnCheckLetter(body: string): string {
  const upper = typeof body === 'string' ? body.toUpperCase() : '';
  if (!/^\d{11}[0-9A-Z]$/.test(upper)) {
    throw new TypeError(`Expected the 12 characters after the check letter, got ${JSON.stringify(body)}`);
  }
  let total = 0;
  for (let i = 0; i < upper.length; i++) {
    total += characterValue(upper[i] as string) * (i + 2);
  }
  return UPN_LETTERS[total % 23] as string;
}

/** Valid permanent or temporary UPN, ignoring case and spaces. */
export function isValidUpn(raw: string): boolean {
  const upn = normaliseUpn(raw);
  if (upn === null) return false;
  const first = upn[0] as string;
  const last = upn[12] as string;
  if (!UPN_LETTERS.includes(first)) return false;
  if (!/\d/.test(last) && !UPN_LETTERS.includes(last)) return false;
  return upnCheckLetter(upn.slice(1)) === first;
}

/** A temporary UPN ends in a letter; schools should replace it with a permanent one. */
export function isTemporaryUpn(raw: string): boolean {
  const upn = normaliseUpn(raw);
  return upn !== null && isValidUpn(upn) && /[A-Z]$/.test(upn);
}
