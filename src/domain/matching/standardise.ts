/**
 * Standardisation for person matching: the values stored beside a person's raw details
 * (and computed the same way for a search), so that spelling, formatting and the way a
 * caller knows a child do not decide whether the child is found.
 *
 * Bump STANDARDISATION_VERSION whenever a rule here (or the nickname list) changes: the
 * service recomputes every stored person with an older version before it serves.
 */
import { doubleMetaphone } from 'double-metaphone';
import nicknames from './nicknames.json' with { type: 'json' };
import { foldName } from '../names.js';
import { normalisePostcode, isValidPostcode, postcodeParts } from '../postcode.js';
import { normaliseNhsNumber, isValidNhsNumber } from '../nhs-number.js';
import { isIsoDate } from '../dates.js';

export const STANDARDISATION_VERSION = 3;

const NICKNAMES = nicknames as Record<string, string[]>;

/** The details of a person (stored or searched for) that matching looks at. */
export interface MatchInput {
  givenName: string | null;
  familyName: string | null;
  /** Other names the person is known by (aliases, previous names). */
  otherNames?: { givenName: string | null; familyName: string | null }[];
  dateOfBirth: string | null;
  expectedDateOfBirth?: string | null;
  sex?: string | null;
  nhsNumber?: string | null;
  postcode?: string | null;
  address?: string | null;
}

export interface StdName {
  given: string | null;
  family: string | null;
  /** The given name's canonical forms (itself and the formal names it is a short form of). */
  givenCanon: string[];
  givenDm: string[];
  /** Family name split on hyphens and spaces ("smith jones" → smith, jones). */
  familyTokens: string[];
  familyDm: string[];
}

export interface Standardised {
  names: StdName[];
  /** True when the only name given is a placeholder ("Baby", "Unborn", "Baby of Smith"). */
  placeholder: boolean;
  dob: string | null;
  /** The expected date for an unborn child. */
  expected: string | null;
  sex: 'M' | 'F' | null;
  nhs: string | null;
  /** Upper-case postcode without surrounding space; UK postcodes in the standard form. */
  postcode: string | null;
  outward: string | null;
  sector: string | null;
  /** For blocking: the UK sector, or the whole postcode when it is not a UK one. */
  postcodeBlock: string | null;
  address: string | null;
}

// Words a caller or a system uses when the name is not known yet. Never evidence of identity.
const PLACEHOLDER_WORDS = new Set([
  'baby', 'unborn', 'unknown', 'not', 'known', 'notknown', 'nk', 'unnamed', 'infant', 'child', 'newborn', 'twin',
  'boy', 'girl', 'male', 'female', 'of', 'the', 'a', 'b', 'c', 'x', 'xx', 'xxx', 'tbc', 'na', 'n', 'k', 'none', 'anon', 'anonymous',
  'one', 'two', '1', '2', 'i', 'ii', 'first', 'second',
]);
const PLACEHOLDER_HEAD = new Set(['baby', 'unborn', 'unknown', 'unnamed', 'infant', 'newborn', 'twin', 'nk', 'notknown', 'tbc', 'anon', 'anonymous']);

/**
 * A given name that is really a placeholder: "Baby", "Unborn", "Unknown", "Baby of Smith",
 * "Twin 1", "Baby Girl", "Not known". Real names that merely contain such a word are
 * kept ("Bob", "Knowles").
 */
export function isPlaceholderGiven(folded: string | null): boolean {
  if (!folded) return false;
  const words = folded.split(' ');
  if (!PLACEHOLDER_HEAD.has(words[0]!) && !(words[0] === 'not' && words[1] === 'known')) return false;
  // "Baby of Smith": everything after "of" is the parent's surname, not the child's name.
  const ofAt = words.indexOf('of');
  const rest = ofAt >= 0 ? words.slice(0, ofAt) : words;
  return rest.every((w) => PLACEHOLDER_WORDS.has(w));
}

export function isPlaceholderFamily(folded: string | null): boolean {
  if (!folded) return false;
  return folded.split(' ').every((w) => PLACEHOLDER_WORDS.has(w) && w !== 'of');
}

/** Canonical forms of a folded given name (first word only: "mary jane" → mary's forms). */
export function canonicalGiven(folded: string): string[] {
  const first = folded.split(' ')[0]!;
  return NICKNAMES[first] ?? [first];
}

/** Are these two folded given names forms of the same name (nickname, short form)? */
export function sameNameForms(a: string, b: string): string | null {
  const ca = canonicalGiven(a);
  const cb = canonicalGiven(b);
  const fa = a.split(' ')[0]!;
  const fb = b.split(' ')[0]!;
  if (cb.includes(fa)) return fa;
  if (ca.includes(fb)) return fb;
  const shared = ca.find((x) => cb.includes(x));
  return shared ?? null;
}

/** Double Metaphone codes of each word, primary and alternate, without repeats. */
export function phonetic(folded: string): string[] {
  const out = new Set<string>();
  for (const w of folded.split(' ')) {
    if (!w || /^\d+$/.test(w)) continue;
    for (const code of doubleMetaphone(w)) if (code) out.add(code);
  }
  return [...out];
}

export function familyTokens(folded: string): string[] {
  return folded.split(' ').filter((t) => t.length > 0);
}

export function standardiseName(givenRaw: string | null, familyRaw: string | null): StdName & { placeholderGiven: boolean; placeholderFamily: boolean } {
  let given: string | null = foldName(givenRaw) || null;
  let family: string | null = foldName(familyRaw) || null;
  const placeholderGiven = isPlaceholderGiven(given);
  const placeholderFamily = isPlaceholderFamily(family);
  if (placeholderGiven) {
    // "Baby of Smith" tells us the parent's surname, which is likely the child's: keep it as a family name if none given.
    const m = given!.match(/\bof (.+)$/);
    if (!family && m) family = m[1]!;
    given = null;
  }
  if (placeholderFamily) family = null;
  const tokens = family ? familyTokens(family) : [];
  return {
    given,
    family,
    givenCanon: given ? canonicalGiven(given) : [],
    givenDm: given ? phonetic(given.split(' ')[0]!) : [],
    familyTokens: tokens,
    familyDm: family ? phonetic(family) : [],
    placeholderGiven,
    placeholderFamily,
  };
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date in YYYY-MM-DD (year 0001 or later), or null. */
export function validIsoDate(raw: string | null | undefined): string | null {
  const t = raw?.trim();
  return t && isIsoDate(t) && !t.startsWith('0000') ? t : null;
}

/** The date with day and month exchanged, when that is also a real date and different. */
export function swappedDate(iso: string): string | null {
  const m = ISO.exec(iso);
  if (!m || m[2] === m[3]) return null;
  return validIsoDate(`${m[1]}-${m[3]}-${m[2]}`);
}

export function standardisePostcode(raw: string | null | undefined): { postcode: string | null; outward: string | null; sector: string | null; block: string | null } {
  if (!raw || !raw.trim()) return { postcode: null, outward: null, sector: null, block: null };
  if (isValidPostcode(raw)) {
    const pc = normalisePostcode(raw)!;
    const parts = postcodeParts(pc);
    return { postcode: pc, outward: parts?.outward ?? null, sector: parts?.sector ?? null, block: parts?.sector ?? pc };
  }
  // Not a UK postcode (an overseas or mistyped one): compare it as written, without spaces.
  const compact = raw.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return compact ? { postcode: compact, outward: null, sector: null, block: compact } : { postcode: null, outward: null, sector: null, block: null };
}

const ADDRESS_NOISE = new Set(['flat', 'the', 'road', 'rd', 'street', 'st', 'lane', 'ln', 'avenue', 'ave', 'close', 'cl', 'drive', 'dr', 'court', 'ct', 'way', 'place', 'pl', 'of', 'and']);

/** Address words worth comparing (folded, without common street-type words). */
export function addressTokens(folded: string | null): string[] {
  if (!folded) return [];
  return [...new Set(folded.split(' ').filter((w) => w && !ADDRESS_NOISE.has(w)))];
}

export function standardise(input: MatchInput): Standardised {
  const all = [{ givenName: input.givenName, familyName: input.familyName }, ...(input.otherNames ?? [])];
  const names: StdName[] = [];
  let anyReal = false;
  for (const n of all) {
    const s = standardiseName(n.givenName, n.familyName);
    if (!s.given && !s.family) continue;
    if (s.given) anyReal = true;
    const { placeholderGiven: _pg, placeholderFamily: _pf, ...name } = s;
    if (!names.some((x) => x.given === name.given && x.family === name.family)) names.push(name);
  }
  const placeholder = !anyReal && all.some((n) => isPlaceholderGiven(foldName(n.givenName) || null));
  const nhsRaw = input.nhsNumber ? normaliseNhsNumber(input.nhsNumber) : null;
  const pc = standardisePostcode(input.postcode);
  const sex = input.sex === 'M' || input.sex === 'F' ? input.sex : null;
  return {
    names,
    placeholder,
    dob: validIsoDate(input.dateOfBirth),
    expected: validIsoDate(input.expectedDateOfBirth ?? null),
    sex,
    nhs: nhsRaw && isValidNhsNumber(nhsRaw) ? nhsRaw : null,
    postcode: pc.postcode,
    outward: pc.outward,
    sector: pc.sector,
    postcodeBlock: pc.block,
    address: foldName(input.address) || null,
  };
}

/**
 * Blocking keys: each is one indexed rule for candidate generation. A stored person keeps
 * the keys of their own details; a search asks for the keys of the details given plus
 * their plausible variants (day and month swapped, first and last names the other way
 * round). Two records become candidates when they share any key.
 *
 * Specific keys (always asked):
 *   n   exact NHS number
 *   gy  canonical given name + year of birth
 *   gd  phonetic given name + date of birth
 *   fd  phonetic family name + date of birth
 *   fym, fyd, fmd  phonetic family name + two of the three parts of the date (one part mistyped)
 *   gf  canonical given name + phonetic family name (for records without a usable date)
 *   gp  phonetic given name + postcode sector (or non-UK postcode)
 *   fp  phonetic family name + postcode sector
 *   dp  date of birth + postcode sector (both names misspelt or changed)
 *   ad  house number and street + postcode area
 *   pc  full postcode (a household or a street)
 * Broad keys (asked only when the specific ones find nobody likely, each capped):
 *   d   date of birth;  g  canonical given name;  gm  phonetic given name;  f  phonetic family name
 */
export function blockingKeys(s: Standardised, opts: { forSearch: boolean } = { forSearch: false }): string[] {
  return [...specificKeys(s, opts.forSearch), ...broadKeys(s, opts.forSearch)];
}

function dobVariants(s: Standardised, forSearch: boolean): string[] {
  const dates = [s.dob, s.expected].filter((d): d is string => !!d);
  const out = new Set(dates);
  if (forSearch) for (const d of dates) { const sw = swappedDate(d); if (sw) out.add(sw); }
  return [...out];
}

function searchNames(s: Standardised, forSearch: boolean): StdName[] {
  if (!forSearch) return s.names;
  const swapped: StdName[] = [];
  for (const n of s.names) {
    if (n.given && n.family) swapped.push(standardiseName(n.family, n.given));
    // A single name may be in the wrong box ("Schechter" given as a first name): try it in the other.
    else if (n.given && !n.family) swapped.push(standardiseName(null, n.given));
    else if (n.family && !n.given) swapped.push(standardiseName(n.family, null));
  }
  return [...s.names, ...swapped];
}

const famCodes = (n: StdName) => n.familyTokens.map((t) => phonetic(t)[0]).filter((c): c is string => !!c);

/** "25 grace" from "25 grace place, welikrak" or "flat 8, 25 grace place": a house number and the street's first word. */
export function addressKey(s: Standardised): string | null {
  if (!s.address) return null;
  const words = s.address.split(' ');
  const at = words.findIndex((w, i) => /^\d+[a-z]?$/.test(w) && /^[a-z]{2,}$/.test(words[i + 1] ?? ''));
  if (at < 0) return null;
  const area = s.outward ?? (s.postcode ? s.postcode.slice(0, 2) : '');
  return `${words[at]} ${words[at + 1]}|${area}`;
}

export function specificKeys(s: Standardised, forSearch = false): string[] {
  const keys = new Set<string>();
  if (s.nhs) keys.add(`n:${s.nhs}`);
  const dobs = dobVariants(s, forSearch);
  const years = new Set(dobs.map((d) => d.slice(0, 4)));
  for (const n of searchNames(s, forSearch)) {
    const fams = famCodes(n);
    if (n.given) {
      for (const c of n.givenCanon) {
        for (const y of years) keys.add(`gy:${c}|${y}`);
        for (const f of fams) keys.add(`gf:${c}|${f}`);
      }
      if (n.givenDm[0]) {
        for (const d of dobs) keys.add(`gd:${n.givenDm[0]}|${d}`);
        if (s.postcodeBlock) keys.add(`gp:${n.givenDm[0]}|${s.postcodeBlock}`);
      }
    }
    for (const f of fams) {
      for (const d of dobs) {
        keys.add(`fd:${f}|${d}`);
        // One part of the date mistyped: the other two parts still pair with the surname.
        keys.add(`fym:${f}|${d.slice(0, 7)}`);
        keys.add(`fyd:${f}|${d.slice(0, 4)}|${d.slice(8)}`);
        keys.add(`fmd:${f}|${d.slice(5)}`);
      }
      if (s.postcodeBlock) keys.add(`fp:${f}|${s.postcodeBlock}`);
    }
  }
  if (s.postcodeBlock) for (const d of dobs) keys.add(`dp:${d}|${s.postcodeBlock}`);
  if (s.postcode) keys.add(`pc:${s.postcode}`);
  const ad = addressKey(s);
  if (ad) keys.add(`ad:${ad}`);
  return [...keys];
}

export function broadKeys(s: Standardised, forSearch = false): string[] {
  const keys = new Set<string>();
  for (const d of dobVariants(s, forSearch)) keys.add(`d:${d}`);
  for (const n of searchNames(s, forSearch)) {
    if (n.givenCanon[0]) for (const c of n.givenCanon) keys.add(`g:${c}`);
    if (n.givenDm[0]) keys.add(`gm:${n.givenDm[0]}`);
    for (const f of famCodes(n)) keys.add(`f:${f}`);
  }
  return [...keys];
}
