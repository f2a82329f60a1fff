/**
 * UK postcodes. Following the GOV.UK address pattern we are forgiving about
 * how a postcode is typed (case, spacing, punctuation) and strict about its
 * shape. Passing here means "could be a postcode", not "exists": only a
 * lookup against the ONS Postcode Directory or PAF can prove that.
 */

// Unicode punctuation covers the hyphens, en dashes, brackets and full stops the
// GOV.UK pattern says must not cause a rejection.
const IGNORABLE = /[\s\p{P}]/gu;

// British Forces Post Office addresses end 'BFPO 1234' (sometimes 'BFPO c/o 1234');
// they are not BS 7666 postcodes, so they are recognised before the general rules.
const BFPO = /^BFPO[\s\p{P}]*?(C\/O[\s\p{P}]*?)?(\d{1,4})$/u;

// Loose shape used to decide whether the cleaned text is worth presenting as a postcode.
const POSTCODE_SHAPE = /^(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[A-Z]{2}$/;

// BS 7666-derived rule set with Royal Mail's letter restrictions per position.
// Kept as the widely used government regex (which also allows P as the third
// character of an A9A outward code, slightly more lenient than Royal Mail).
const STRICT =
  /^(?:GIR 0AA|[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d[\dABEHMNPRV-Y]?|\d[A-HJKPS-UW]) \d[ABD-HJLNP-UW-Z]{2})$/;

/**
 * Upper-case, tidy spacing and punctuation, and put a single space before the
 * inward code. Returns null when what is left cannot be a postcode shape.
 * BFPO numbers come back as 'BFPO 61' or 'BFPO C/O 61'.
 */
export function normalisePostcode(raw: string): string | null {
  if (typeof raw !== 'string') return null;
  const upper = raw.trim().toUpperCase();
  const bfpo = BFPO.exec(upper);
  if (bfpo) return bfpo[1] ? `BFPO C/O ${bfpo[2]}` : `BFPO ${bfpo[2]}`;

  const compact = upper.replace(IGNORABLE, '');
  if (!/^[A-Z0-9]{5,7}$/.test(compact)) return null;
  const candidate = `${compact.slice(0, -3)} ${compact.slice(-3)}`;
  return POSTCODE_SHAPE.test(candidate) ? candidate : null;
}

export function isBfpo(raw: string): boolean {
  const pc = normalisePostcode(raw);
  return pc !== null && pc.startsWith('BFPO ');
}

/** True for a correctly formed UK postcode (including GIR 0AA and BF1) or a BFPO number. */
export function isValidPostcode(raw: string): boolean {
  const pc = normalisePostcode(raw);
  if (pc === null) return false;
  return pc.startsWith('BFPO ') || STRICT.test(pc);
}

export interface PostcodeParts {
  /** 'NR1' – area plus district. */
  outward: string;
  /** '2DH' */
  inward: string;
  /** 'NR1 2' – outward code and the first inward digit. */
  sector: string;
  /** 'NR' – the leading letters. */
  area: string;
}

/**
 * Split a valid postcode into the parts used for routing and reporting.
 * Null for anything that is not a valid postcode, and for BFPO numbers,
 * which have no outward or inward code.
 */
export function postcodeParts(pc: string): PostcodeParts | null {
  const normalised = normalisePostcode(pc);
  if (normalised === null || normalised.startsWith('BFPO ') || !STRICT.test(normalised)) return null;
  const [outward, inward] = normalised.split(' ') as [string, string];
  const area = /^[A-Z]+/.exec(outward)?.[0] ?? outward;
  return { outward, inward, sector: `${outward} ${inward.charAt(0)}`, area };
}
