/**
 * Field-by-field comparison of two standardised people. Each field lands on one
 * comparison level (the Fellegi–Sunter "gamma"), with a plain-English sentence a social
 * worker can check against the records in front of them.
 */
import { jaroWinkler, typoDistance } from './similarity.js';
import { daysBetween, formatDateLong, yearsBetween } from '../dates.js';
import { sameNameForms, swappedDate, addressTokens, type Standardised, type StdName } from './standardise.js';

export const FIELDS = ['nhs', 'given', 'family', 'dob', 'sex', 'home'] as const;
export type Field = (typeof FIELDS)[number];

export const LEVELS = {
  nhs: ['exact', 'different'],
  given: ['exact', 'nickname', 'phonetic', 'close', 'similar', 'initial', 'different'],
  family: ['exact', 'part', 'phonetic', 'close', 'similar', 'different'],
  dob: ['exact', 'swapped', 'one-part', 'near', 'age', 'different'],
  sex: ['same', 'different'],
  // Where the child lives, from the postcode and the address together (they are not independent evidence).
  home: ['same', 'postcode', 'address', 'sector', 'close', 'district', 'different', 'family-home'],
} as const satisfies Record<Field, readonly string[]>;

export type LevelOf<F extends Field> = (typeof LEVELS)[F][number];

export interface FieldComparison {
  field: Field;
  /** null when either side has no value: such a field is no evidence either way. */
  level: string | null;
  /** What the worker reads, e.g. "Ellie is a short form of Eleanor". */
  reason: string | null;
  /** For exact name agreement: the value, for term-frequency adjustment. */
  value?: string;
}

export interface Comparison {
  fields: FieldComparison[];
  /** Facts that rule the pair out whatever else agrees (different valid NHS numbers; twins). */
  hardAgainst: string[];
  /** First and last names were given the other way round on one record. */
  namesSwapped: boolean;
  /**
   * Same date of birth, same surname and same home, but clearly different first names:
   * twins, or a first name recorded wrongly. Never more than a possible match.
   */
  twinLike: string | null;
}

export interface CompareContext {
  /** A searched-for age in whole years, when only the age is known. */
  ageYears?: number | null;
  /** The date ages are worked out on (YYYY-MM-DD). */
  today?: string;
  /** Both records are in the same recorded household. */
  sameHousehold?: boolean;
}

export const title = (s: string) => s.replace(/(^|[\s-])([a-z])/g, (_, p: string, c: string) => p + c.toUpperCase());

type GivenLevel = LevelOf<'given'>;
type FamilyLevel = LevelOf<'family'>;

const GIVEN_RANK: GivenLevel[] = ['exact', 'nickname', 'phonetic', 'close', 'similar', 'initial', 'different'];
const FAMILY_RANK: FamilyLevel[] = ['exact', 'part', 'phonetic', 'close', 'similar', 'different'];

function compareGiven(a: string, b: string, aDm: string[], bDm: string[]): { level: GivenLevel; reason: string } {
  const A = title(a);
  const B = title(b);
  if (a === b) return { level: 'exact', reason: `same first name (${A})` };
  const fa = a.split(' ')[0]!;
  const fb = b.split(' ')[0]!;
  if (fa === fb) return { level: 'exact', reason: `same first name (${title(fa)})` };
  const form = sameNameForms(a, b);
  if (form) {
    if (form === fa) return { level: 'nickname', reason: `${title(fb)} is a short form of ${title(fa)}` };
    if (form === fb) return { level: 'nickname', reason: `${title(fa)} is a short form of ${title(fb)}` };
    return { level: 'nickname', reason: `${title(fa)} and ${title(fb)} can both be short for ${title(form)}` };
  }
  const jw = jaroWinkler(fa, fb);
  const typo = typoDistance(fa, fb);
  if (typo === 1 && Math.min(fa.length, fb.length) >= 3) return { level: 'close', reason: `first names differ by one letter (${title(fa)}, ${title(fb)})` };
  if (aDm.some((c) => bDm.includes(c))) return { level: 'phonetic', reason: `first names sound the same (${title(fa)}, ${title(fb)})` };
  if (jw >= 0.92) return { level: 'close', reason: `first names are spelt almost the same (${title(fa)}, ${title(fb)})` };
  if (jw >= 0.84 || (typo <= 2 && Math.min(fa.length, fb.length) >= 5)) return { level: 'similar', reason: `first names are similar (${title(fa)}, ${title(fb)})` };
  if ((fa.length === 1 || fb.length === 1) && fa[0] === fb[0]) return { level: 'initial', reason: `first initial matches (${title(fa[0]!)})` };
  if (fa.length >= 3 && fb.length >= 3 && (fa.startsWith(fb) || fb.startsWith(fa))) return { level: 'similar', reason: `one first name is the start of the other (${title(fa)}, ${title(fb)})` };
  return { level: 'different', reason: `different first names (${A}, ${B})` };
}

function compareFamily(a: StdName, b: StdName): { level: FamilyLevel; reason: string } {
  const fa = a.family!;
  const fb = b.family!;
  if (fa === fb || fa.replace(/ /g, '') === fb.replace(/ /g, '')) return { level: 'exact', reason: `same last name (${title(fa)})` };
  const shared = a.familyTokens.find((t) => t.length > 1 && b.familyTokens.includes(t));
  if (shared) return { level: 'part', reason: `last names share ${title(shared)} (${title(fa)}, ${title(fb)})` };
  const ja = jaroWinkler(fa, fb);
  // Best token pairing handles double-barrelled names with a misspelt part.
  let best = ja;
  for (const x of a.familyTokens) for (const y of b.familyTokens) best = Math.max(best, jaroWinkler(x, y));
  const typo = typoDistance(fa, fb);
  if (typo === 1 && Math.min(fa.length, fb.length) >= 3) return { level: 'close', reason: `last names differ by one letter (${title(fa)}, ${title(fb)})` };
  if (a.familyDm.some((c) => b.familyDm.includes(c))) return { level: 'phonetic', reason: `last names sound the same (${title(fa)}, ${title(fb)})` };
  if (best >= 0.92) return { level: 'close', reason: `last names are spelt almost the same (${title(fa)}, ${title(fb)})` };
  if (best >= 0.84 || (typo <= 2 && Math.min(fa.length, fb.length) >= 5)) return { level: 'similar', reason: `last names are similar (${title(fa)}, ${title(fb)})` };
  return { level: 'different', reason: `different last names (${title(fa)}, ${title(fb)})` };
}

const ymd = (iso: string) => iso.split('-').map(Number) as [number, number, number];
const longDate = formatDateLong;

function compareDob(a: Standardised, b: Standardised, ctx: CompareContext): FieldComparison {
  const da = a.dob;
  const db = b.dob;
  if (da && db) {
    if (da === db) return { field: 'dob', level: 'exact', reason: `same date of birth (${longDate(da)})` };
    if (swappedDate(da) === db) return { field: 'dob', level: 'swapped', reason: `same date of birth with day and month swapped (${longDate(da)}, ${longDate(db)})` };
    const [ya, ma, xa] = ymd(da);
    const [yb, mb, xb] = ymd(db);
    const same = (ya === yb ? 1 : 0) + (ma === mb ? 1 : 0) + (xa === xb ? 1 : 0);
    if (same === 2) return { field: 'dob', level: 'one-part', reason: `dates of birth differ in one part only (${longDate(da)}, ${longDate(db)})` };
    if (Math.abs(daysBetween(da, db)) <= 31) return { field: 'dob', level: 'near', reason: `dates of birth within a month of each other (${longDate(da)}, ${longDate(db)})` };
    return { field: 'dob', level: 'different', reason: `different dates of birth (${longDate(da)}, ${longDate(db)})` };
  }
  // An unborn child's expected date against a born child's date of birth: babies come early and late.
  const ea = a.expected ?? null;
  const eb = b.expected ?? null;
  const pair: [string, string] | null = da && eb ? [da, eb] : ea && db ? [db, ea] : ea && eb ? [ea, eb] : null;
  if (pair) {
    const gap = Math.abs(daysBetween(pair[0], pair[1]));
    if (gap <= 42) return { field: 'dob', level: 'near', reason: `born within six weeks of the expected date (${longDate(pair[1])})` };
    return { field: 'dob', level: 'different', reason: `date of birth far from the expected date (${longDate(pair[1])})` };
  }
  if (ctx.ageYears != null && ctx.today && (da || db)) {
    const age = yearsBetween((da ?? db)!, ctx.today);
    if (Math.abs(age - ctx.ageYears) <= 1) return { field: 'dob', level: 'age', reason: age === ctx.ageYears ? `age matches (${age})` : `age within a year (${age})` };
    return { field: 'dob', level: 'different', reason: `age does not match (${age})` };
  }
  return { field: 'dob', level: null, reason: null };
}

type Part = { level: string | null; reason: string | null };

function comparePostcode(a: Standardised, b: Standardised): Part {
  if (!a.postcode || !b.postcode) return { level: null, reason: null };
  if (a.postcode === b.postcode) return { level: 'exact', reason: `same postcode (${a.postcode})` };
  if (a.sector && a.sector === b.sector) return { level: 'sector', reason: `same postcode sector (${a.sector})` };
  const pa = a.postcode.replace(/ /g, '');
  const pb = b.postcode.replace(/ /g, '');
  if (typoDistance(pa, pb) === 1) return { level: 'close', reason: `postcodes differ by one character (${a.postcode}, ${b.postcode})` };
  if (a.outward && a.outward === b.outward) return { level: 'district', reason: `same postcode district (${a.outward})` };
  return { level: 'different', reason: `different postcodes (${a.postcode}, ${b.postcode})` };
}

function compareAddress(a: Standardised, b: Standardised): Part {
  const ta = addressTokens(a.address);
  const tb = addressTokens(b.address);
  if (!ta.length || !tb.length) return { level: null, reason: null };
  if (a.address === b.address) return { level: 'exact', reason: 'same address' };
  let shared = 0;
  for (const x of ta) if (tb.some((y) => y === x || (x.length >= 4 && y.length >= 4 && jaroWinkler(x, y) >= 0.9))) shared++;
  const union = ta.length + tb.length - shared;
  const jac = shared / union;
  if (jac >= 0.99) return { level: 'exact', reason: 'same address' };
  if (jac >= 0.5) return { level: 'most', reason: 'addresses mostly the same' };
  if (shared > 0) return { level: 'some', reason: 'addresses have words in common' };
  return { level: 'different', reason: 'different addresses' };
}

/** One level for where the child lives, so a shared home is not counted twice (postcode and address). */
function compareHome(pc: Part, ad: Part): FieldComparison {
  const sameAddress = ad.level === 'exact' || ad.level === 'most';
  const both = (level: string, reason: string): FieldComparison => ({ field: 'home', level, reason });
  if (pc.level === 'exact' && sameAddress) return both('same', `same address and postcode${pc.reason ? ` (${pc.reason.replace(/^same postcode \((.*)\)$/, '$1')})` : ''}`);
  if (pc.level === 'exact') return both('postcode', pc.reason!);
  if (sameAddress && (pc.level === null || pc.level === 'close' || pc.level === 'sector')) return both('address', pc.level === null ? 'same address' : `same address; ${pc.reason}`);
  if (pc.level === 'sector') return both('sector', pc.reason!);
  if (pc.level === 'close') return both('close', pc.reason!);
  if (sameAddress) return both('address', `same address; ${pc.reason}`);
  if (pc.level === 'district') return both('district', pc.reason!);
  if (pc.level === 'different') return both('different', ad.level === null || ad.level === 'different' ? 'different address and postcode' : pc.reason!);
  if (ad.level === 'different') return both('different', 'different addresses');
  if (ad.level === 'some') return both('district', 'addresses have words in common');
  return { field: 'home', level: null, reason: null };
}

function bestNames(a: Standardised, b: Standardised) {
  let given: { level: GivenLevel; reason: string; value?: string } | null = null;
  let family: { level: FamilyLevel; reason: string; value?: string } | null = null;
  for (const x of a.names) {
    for (const y of b.names) {
      if (x.given && y.given) {
        const g = compareGiven(x.given, y.given, x.givenDm, y.givenDm);
        if (!given || GIVEN_RANK.indexOf(g.level) < GIVEN_RANK.indexOf(given.level)) given = { ...g, value: g.level === 'exact' ? x.given.split(' ')[0] : undefined };
      }
      if (x.family && y.family) {
        const f = compareFamily(x, y);
        if (!family || FAMILY_RANK.indexOf(f.level) < FAMILY_RANK.indexOf(family.level)) family = { ...f, value: f.level === 'exact' ? x.family : undefined };
      }
    }
  }
  return { given, family };
}

/** Given and family names exchanged between the records ("Smith Ellie" for "Ellie Smith"). */
function swappedNames(a: Standardised, b: Standardised): boolean {
  for (const x of a.names) {
    for (const y of b.names) {
      if (!x.given || !x.family || !y.given || !y.family) continue;
      if (x.given === y.given || x.family === y.family) continue;
      if (jaroWinkler(x.given, y.family) >= 0.85 && jaroWinkler(x.family, y.given) >= 0.85) return true;
    }
  }
  return false;
}

function crossName(a: Standardised, b: Standardised): string | null {
  for (const x of a.names) {
    for (const y of b.names) {
      if (x.given && y.family && x.given.length >= 4 && jaroWinkler(x.given, y.family) >= 0.9) return x.given;
      if (x.family && y.given && y.given.length >= 4 && jaroWinkler(x.family, y.given) >= 0.9) return y.given;
    }
  }
  return null;
}

const STRONG_GIVEN: GivenLevel[] = ['exact', 'nickname', 'phonetic', 'close'];

export function compare(a: Standardised, b: Standardised, ctx: CompareContext = {}): Comparison {
  const fields: FieldComparison[] = [];
  const hardAgainst: string[] = [];

  if (a.nhs && b.nhs) {
    if (a.nhs === b.nhs) fields.push({ field: 'nhs', level: 'exact', reason: 'same NHS number' });
    else {
      fields.push({ field: 'nhs', level: 'different', reason: 'different NHS numbers' });
      hardAgainst.push('different NHS numbers, both valid');
    }
  } else fields.push({ field: 'nhs', level: null, reason: null });

  let { given, family } = bestNames(a, b);
  const namesSwapped = (!given || given.level === 'different') && (!family || family.level === 'different') && swappedNames(a, b);
  if (namesSwapped) {
    given = { level: 'close', reason: 'first and last names written the other way round' };
    family = { level: 'close', reason: 'first and last names written the other way round' };
  }
  // One name in the other box ("Quilliam Ashleigh" for "Maddison Quilliam"): a surname written as a first name.
  if (!namesSwapped && (!given || given.level === 'different') && (!family || family.level === 'different')) {
    const cross = crossName(a, b);
    if (cross) family = { level: 'close', reason: `${title(cross)} is a first name on one record and a last name on the other` };
  }
  fields.push(given ? { field: 'given', level: given.level, reason: given.reason, value: given.value } : { field: 'given', level: null, reason: null });
  fields.push(family ? { field: 'family', level: family.level, reason: family.reason, value: family.value } : { field: 'family', level: null, reason: null });

  const dob = compareDob(a, b, ctx);
  fields.push(dob);
  if (a.sex && b.sex) fields.push({ field: 'sex', level: a.sex === b.sex ? 'same' : 'different', reason: a.sex === b.sex ? null : 'recorded sex differs' });
  else fields.push({ field: 'sex', level: null, reason: null });
  const postcode = comparePostcode(a, b);
  const address = compareAddress(a, b);
  const home = compareHome(postcode, address);
  // A shared surname and a shared home are one fact, not two: brothers and sisters have both.
  // Counting them separately would make every sibling look like the same child.
  if (family && ['exact', 'part'].includes(family.level) && ['same', 'postcode', 'address'].includes(home.level ?? '')) {
    home.level = 'family-home';
  }
  fields.push(home);

  // Twins and other children born the same day into one family: same date, same home, clearly different first names.
  let twinLike: string | null = null;
  if (dob.level === 'exact' && given && !STRONG_GIVEN.includes(given.level) && given.level !== 'similar') {
    const sameFamily = family && ['exact', 'part'].includes(family.level);
    if (ctx.sameHousehold) hardAgainst.push('same date of birth and household but different first names: twins');
    // Without a recorded household the rule is kept for children: for adults (parents, carers)
    // a twin living at the same address is rare, and a wrongly recorded first name is not.
    else if (sameFamily && (postcode.level === 'exact' || address.level === 'exact') && (!ctx.today || yearsBetween(a.dob!, ctx.today) < 18)) {
      twinLike = 'same date of birth and home but different first names: could be twins';
    }
  }
  return { fields, hardAgainst, namesSwapped, twinLike };
}
