/**
 * A seeded generator of synthetic UK children and the records different callers would make
 * of them, with ground truth, for testing and benchmarking person matching.
 *
 * It models the cases that make matching children hard: households of siblings sharing a
 * surname, address and postcode; twins (same date of birth, same household, different
 * people); step and half siblings with different surnames; double-barrelled surnames;
 * Polish girls' surnames in the feminine form; unborn babies recorded as "Baby of Smith"
 * and later seen with a name and a date of birth near the expected date; and duplicate
 * records with the mistakes callers make (nicknames, typos, phonetic spellings, day and
 * month swapped, old addresses, changed surnames, missing details).
 *
 * Pure and deterministic: the same options give the same records. Nothing here is real
 * personal data; NHS numbers are in the 999 test range.
 */
import { yearsBetween } from '../dates.js';
import { nhsNumberCheckDigit } from '../nhs-number.js';
import { swappedDate } from './standardise.js';
import {
  BOYS_UK, GIRLS_UK, COMPOUND_BOY, COMPOUND_GIRL, COMMUNITIES, SURNAMES_UK, SURNAMES_NORFOLK, SURNAMES_STOKE,
  TOWNS, STREET_STEMS, STREET_STEMS_REGION, STREET_TYPES, NAME_FORMS, SOUND_ALIKE, UNBORN_GIVEN, type Community, type Town,
} from './synthetic-names.js';

/** Bump when the generator's output for a seed changes (benchmarks cache data by it). */
export const GENERATOR_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// Random numbers

/** mulberry32: a small, fast, seeded PRNG. */
export function createRng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  return {
    next,
    int,
    chance: (p: number) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    /** Index chosen by weight. */
    weighted: (weights: readonly number[]): number => {
      let total = 0;
      for (const w of weights) total += w;
      let x = next() * total;
      for (let i = 0; i < weights.length; i++) {
        x -= weights[i]!;
        if (x < 0) return i;
      }
      return weights.length - 1;
    },
    /** Roughly normal (sum of three uniforms), mean 0, standard deviation ~sd. */
    normal: (sd: number) => (next() + next() + next() - 1.5) * 2 * sd,
  };
}
export type Rng = ReturnType<typeof createRng>;

/** Picks from a list ordered most common first, with a Zipf-like weight by rank. */
class RankedPicker<T> {
  private readonly cum: Float64Array;
  constructor(readonly items: readonly T[], offset: number, exponent: number) {
    this.cum = new Float64Array(items.length);
    let total = 0;
    for (let i = 0; i < items.length; i++) {
      total += 1 / Math.pow(i + offset, exponent);
      this.cum[i] = total;
    }
  }
  pick(r: Rng): T {
    const x = r.next() * this.cum[this.cum.length - 1]!;
    let lo = 0;
    let hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo]!;
  }
}

// ---------------------------------------------------------------------------------------------
// Dates (whole days since 1970-01-01, UTC)

const DAY_MS = 86_400_000;
export function isoToDays(iso: string): number {
  return Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
}
export function daysToIso(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}
function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const dim = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= dim;
}
const pad2 = (n: number) => String(n).padStart(2, '0');

/** Day and month exchanged, when that is a different real date; otherwise null. */
export const swapDayMonth = swappedDate;

/** One digit of a date of birth mistyped (day, month or last digit of the year), still a real date not after `notAfter`. */
export function mistypeDate(iso: string, r: Rng, notAfter: string): string | null {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  for (let attempt = 0; attempt < 20; attempt++) {
    let [ny, nm, nd] = [y, m, d];
    const which = r.weighted([4, 2, 2, 2]);
    if (which === 0) nd = d + (r.chance(0.5) ? 1 : -1); // 14 → 15
    else if (which === 1) nd = (d % 10) + 10 * r.int(0, 3); // 14 → 24, 04 → 14
    else if (which === 2) nm = r.chance(0.5) ? m + (r.chance(0.5) ? 1 : -1) : (m % 10) + 10 * r.int(0, 1); // 03 → 04, 01 → 11
    else ny = y + (r.chance(0.5) ? 1 : -1); // 2015 → 2016
    if (!isRealDate(ny, nm, nd)) continue;
    const out = `${ny}-${pad2(nm)}-${pad2(nd)}`;
    if (out !== iso && out <= notAfter) return out;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Identifiers

/**
 * Unique test-range NHS numbers (999 + six digits + check digit) in a seeded order. There
 * are about 909,000 of them; after that it returns null.
 */
class NhsNumbers {
  private k = 0;
  private readonly offset: number;
  constructor(seed: number) {
    this.offset = (seed * 104_729) % 1_000_000;
  }
  next(): string | null {
    while (this.k < 1_000_000) {
      // 7919 is coprime with 10^6, so k → k·7919 + offset (mod 10^6) visits every six-digit tail once.
      const tail = (this.k++ * 7919 + this.offset) % 1_000_000;
      const nine = `999${String(tail).padStart(6, '0')}`;
      const c = nhsNumberCheckDigit(nine);
      if (c !== null && !/^(\d)\1{9}$/.test(`${nine}${c}`)) return `${nine}${c}`;
    }
    return null;
  }
}

// Letters Royal Mail uses in the inward code.
const INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

// ---------------------------------------------------------------------------------------------
// Name variants

const FORMS_BY_NAME = new Map<string, { sex: 'M' | 'F'; forms: readonly string[] }[]>();
for (const g of NAME_FORMS) {
  for (const f of g.forms) {
    const k = f.toLowerCase();
    const list = FORMS_BY_NAME.get(k) ?? [];
    list.push(g);
    FORMS_BY_NAME.set(k, list);
  }
}
const SOUND_BY_NAME = new Map<string, readonly string[]>();
for (const g of SOUND_ALIKE) for (const n of g) if (!SOUND_BY_NAME.has(n.toLowerCase())) SOUND_BY_NAME.set(n.toLowerCase(), g);

/**
 * Another form of the same given name: a short form for a formal name (Eleanor → Ellie),
 * the formal name or another short form for a short one (Alfie → Alfred). Null when the
 * name has no other form.
 */
export function nameVariant(given: string, sex: string, r: Rng): string | null {
  const groups = (FORMS_BY_NAME.get(given.toLowerCase()) ?? []).filter((g) => sex !== 'M' && sex !== 'F' ? true : g.sex === sex);
  if (groups.length === 0) return null;
  const g = r.pick(groups);
  const isFormal = g.forms[0]!.toLowerCase() === given.toLowerCase();
  const others = g.forms.filter((f) => f.toLowerCase() !== given.toLowerCase());
  if (others.length === 0) return null;
  if (isFormal) return r.pick(others); // a short form
  return r.chance(0.6) ? g.forms[0]! : r.pick(others);
}

const KEYBOARD: Record<string, string> = {
  q: 'wa', w: 'qes', e: 'wrd', r: 'etf', t: 'ryg', y: 'tuh', u: 'yij', i: 'uok', o: 'ipl', p: 'ol',
  a: 'qsz', s: 'adwx', d: 'sfe', f: 'dgr', g: 'fht', h: 'gjy', j: 'hku', k: 'jli', l: 'ko',
  z: 'xa', x: 'zcs', c: 'xvd', v: 'cbf', b: 'vng', n: 'bmh', m: 'nj',
};

function withCaseOf(ch: string, like: string): string {
  return like === like.toUpperCase() && like !== like.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase();
}

/**
 * One typing mistake: a letter inserted, deleted, replaced by a neighbouring key, or two
 * letters transposed. The first letter is kept most of the time, as it is in real typos.
 */
export function typo(word: string, r: Rng): string {
  if (word.length < 2) return word + r.pick(['e', 'a', 'h']);
  for (let attempt = 0; attempt < 10; attempt++) {
    const chars = [...word];
    const from = r.chance(0.9) ? 1 : 0;
    const op = r.weighted([3, 3, 2, 3]); // substitute, delete, insert, transpose
    const i = r.int(from, chars.length - 1);
    const c = chars[i]!;
    const lower = c.toLowerCase();
    if (op === 0) {
      const near = KEYBOARD[lower];
      if (!near) continue;
      chars[i] = withCaseOf(r.pick([...near]), c);
    } else if (op === 1) {
      if (chars.length < 3 || c === '-' || c === ' ') continue;
      chars.splice(i, 1);
    } else if (op === 2) {
      const near = KEYBOARD[lower];
      const ins = r.chance(0.5) || !near ? lower : r.pick([...near]);
      if (!/[a-z]/.test(ins)) continue;
      chars.splice(i + 1, 0, ins);
    } else {
      if (i + 1 >= chars.length) continue;
      const a = chars[i]!;
      const b = chars[i + 1]!;
      if (a.toLowerCase() === b.toLowerCase() || b === '-' || a === '-') continue;
      chars[i] = withCaseOf(b, a);
      chars[i + 1] = b === b.toUpperCase() && i === 0 ? a.toLowerCase() : withCaseOf(a, b);
    }
    const out = chars.join('');
    if (out.toLowerCase() !== word.toLowerCase()) return out;
  }
  return word + 'e';
}

// Spelling changes that keep the sound: tried in a random order until one applies.
const PHONETIC_RULES: [RegExp, string][] = [
  [/ph/i, 'f'], [/(?<=.)f(?=.)/, 'ph'], [/ie$/, 'y'], [/y$/, 'ie'], [/ey$/, 'y'], [/ee$/, 'i'], [/ck/, 'k'],
  [/^C(?=[aou])/, 'K'], [/^K(?=[aou])/, 'C'], [/ll/, 'l'], [/nn/, 'n'], [/tt/, 't'], [/ss/, 's'], [/rr/, 'r'], [/mm/, 'm'],
  [/(?<=[aeiou])l$/, 'll'], [/(?<=[aeiou])n$/, 'nn'], [/ee/, 'ea'], [/ea/, 'ee'], [/ai/, 'ay'], [/ay/, 'ai'], [/ei/, 'ie'],
  [/th/, 't'], [/w/, 'v'], [/sz/, 'sh'], [/cz/, 'ch'], [/(?<=.)y(?=.)/, 'i'], [/(?<=[^aeiou])i(?=[aeiou])/, 'y'],
  [/ou/, 'ow'], [/s$/, 'z'], [/x/, 'ks'], [/qu/, 'kw'], [/(?<=.)a$/, 'ah'], [/ah$/, 'a'], [/(?<=.)e$/, ''],
];

/**
 * A spelling that sounds the same (Kayleigh → Kaley, Mohammed → Muhammad, Aiden → Aidan):
 * from the list of known variants, or by a spelling rule. Null if nothing applies.
 */
export function soundAlike(name: string, r: Rng): string | null {
  const group = SOUND_BY_NAME.get(name.toLowerCase());
  if (group && r.chance(0.85)) {
    const others = group.filter((g) => g.toLowerCase() !== name.toLowerCase());
    if (others.length) return r.pick(others);
  }
  const order = PHONETIC_RULES.map((rule, i) => [r.next(), i] as const).sort((a, b) => a[0] - b[0]);
  for (const [, i] of order) {
    const [re, to] = PHONETIC_RULES[i]!;
    if (!re.test(name)) continue;
    let out = name.replace(re, to);
    out = out.charAt(0).toUpperCase() + out.slice(1);
    if (out.length >= 2 && out.toLowerCase() !== name.toLowerCase()) return out;
  }
  return null;
}

/** Without accents or Polish/Romanian letters (Wiśniewska → Wisniewska, Ștefan → Stefan). */
export function stripAccents(s: string): string {
  return s.replace(/ł/g, 'l').replace(/Ł/g, 'L').normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
}

/** A girl's form of a surname, where the language has one (Kowalski → Kowalska, Kazlauskas → Kazlauskaitė). */
function feminine(surname: string, community: string): string {
  if (community === 'polish') return /(sk|ck|dzk)i$/.test(surname) ? surname.slice(0, -1) + 'a' : surname;
  if (community === 'lithuanian') return surname.replace(/as$/, 'aitė').replace(/(?<!ai)us$/, 'utė').replace(/is$/, 'ytė');
  return surname;
}

// ---------------------------------------------------------------------------------------------
// The generator

export interface GenerateOptions {
  seed: number;
  /** Number of distinct people (clusters). */
  people: number;
  /** Share of people with at least one extra record of them (default 0.3). */
  duplicateRate?: number;
  /** Share of born children's records that carry the NHS number (default 0.35). */
  nhsRate?: number;
  /** Chance that a birth is twins (default 0.02; the UK rate is about 0.015). */
  twinRate?: number;
  /** Chance a household is expecting a baby (default 0.04). */
  unbornRate?: number;
  /** Chance a baby under ten months also has the record made of it before birth (default 0.35). */
  unbornHistoryRate?: number;
  /** The day the data is "as of": ages and expected dates are relative to it (default 2026-11-23). */
  asOf?: string;
  /** Regions to place households in (default both). */
  regions?: readonly ('norfolk' | 'stoke')[];
  /** Prefix of record, cluster and household ids (default `syn<seed>`). */
  idPrefix?: string;
}

export const SCENARIOS = [
  'original',
  'nickname', 'typo_given', 'phonetic_given', 'given_name_partial',
  'typo_family', 'phonetic_family', 'surname_change', 'double_barrel_partial',
  'dob_swap', 'dob_digit', 'dob_missing', 'age_only',
  'moved', 'address_missing', 'postcode_typo',
  'names_swapped', 'accents_dropped', 'format_noise', 'sex_missing', 'nhs_missing',
  'unborn_then_born', 'unborn_variant',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Columns of the common linkage CSV format, then this generator's extra columns. */
export const CSV_COLUMNS = [
  'record_id', 'cluster_id', 'given_name', 'family_name', 'date_of_birth', 'sex', 'postcode', 'address', 'nhs_number',
  'household_id', 'scenario', 'expected_date_of_birth', 'age_years', 'twin_of',
] as const;

/** One record of a child as a caller or system reported it. Empty string = not given. */
export interface SyntheticRecord {
  record_id: string;
  /** Ground truth: records with the same cluster_id are the same child. */
  cluster_id: string;
  given_name: string;
  family_name: string;
  date_of_birth: string;
  sex: 'M' | 'F' | 'U' | '';
  postcode: string;
  /** "12 Mill Road, Norwich" (house and street, then town). */
  address: string;
  nhs_number: string;
  /** Ground truth household (siblings share it). */
  household_id: string;
  /** 'original' for the clean record of the child, else the corruptions applied, joined with '+'. */
  scenario: string;
  /** For an unborn child: the expected date of delivery. */
  expected_date_of_birth: string;
  /** For an "age only" record: the age in years the caller gave. */
  age_years: string;
  /** For a twin: the cluster_id of the other twin. */
  twin_of: string;
}

interface Address {
  line: string;
  town: string;
  postcode: string;
}

interface Street {
  name: string;
  units: string[];
}

interface Household {
  id: string;
  town: Town;
  address: Address;
  previous: Address | null;
  motherSurname: string;
  /** Every surname in the household: parents', previous partner's. */
  surnames: string[];
  community: string;
}

interface Person {
  cluster: string;
  given: string;
  family: string;
  sex: 'M' | 'F' | 'U';
  dob: string | null;
  expected: string | null;
  /** For a born child: the expected date given before birth. */
  expectedBefore: string | null;
  nhs: string | null;
  household: Household;
  twinOf: string | null;
  twinOrder: number;
}

const ALL_COMMUNITY = { name: 'uk' } as const;

class ChildGenerator {
  readonly r: Rng;
  readonly asOf: string;
  readonly asOfDays: number;
  readonly prefix: string;
  private readonly nhs: NhsNumbers;
  private readonly towns: readonly Town[];
  private readonly townWeights: number[];
  private readonly streets = new Map<string, Street[]>();
  private readonly boys = new RankedPicker(BOYS_UK, 10, 0.8);
  private readonly girls = new RankedPicker(GIRLS_UK, 10, 0.8);
  private readonly surnamesUk = new RankedPicker(SURNAMES_UK, 5, 0.9);
  private readonly expectedHouseholds: number;
  private householdSeq = 0;
  private personSeq = 0;
  private recordSeq = 0;

  constructor(readonly o: Required<Omit<GenerateOptions, 'regions' | 'idPrefix'>> & { regions: readonly ('norfolk' | 'stoke')[]; idPrefix: string }) {
    this.r = createRng(o.seed * 2654435761 + 12345);
    this.asOf = o.asOf;
    this.asOfDays = isoToDays(o.asOf);
    this.prefix = o.idPrefix;
    this.nhs = new NhsNumbers(o.seed);
    this.towns = TOWNS.filter((t) => o.regions.includes(t.region));
    this.townWeights = this.towns.map((t) => t.weight);
    this.expectedHouseholds = Math.max(1, o.people / 2.2);
  }

  // ---- places

  private streetsOf(town: Town): Street[] {
    let list = this.streets.get(town.name);
    if (list) return list;
    const share = town.weight / this.townWeights.reduce((a, b) => a + b, 0);
    // About 40 households a street, at least 12 streets a town.
    const n = Math.max(12, Math.ceil((this.expectedHouseholds * share) / 40));
    list = [];
    const r = this.r;
    for (let i = 0; i < n; i++) {
      const district = r.pick(town.districts);
      const sector = r.chance(0.05) ? 0 : r.int(1, 9);
      const units = Array.from({ length: r.int(1, 3) }, () => `${district} ${sector}${r.pick([...INWARD_LETTERS])}${r.pick([...INWARD_LETTERS])}`);
      const stem = r.chance(0.2) ? r.pick(STREET_STEMS_REGION[town.region]) : r.pick(STREET_STEMS);
      list.push({ name: `${stem} ${r.pick(STREET_TYPES)}`, units });
    }
    this.streets.set(town.name, list);
    return list;
  }

  private address(town: Town): Address {
    const r = this.r;
    const street = r.pick(this.streetsOf(town));
    const no = r.int(1, street.units.length * 30);
    const unit = street.units[Math.min(street.units.length - 1, Math.floor((no - 1) / 30))]!;
    const flat = r.chance(0.12) ? `Flat ${r.int(1, 12)}, ` : '';
    return { line: `${flat}${no} ${street.name}`, town: town.name, postcode: unit };
  }

  private pickTown(region?: 'norfolk' | 'stoke'): Town {
    const towns = region ? this.towns.filter((t) => t.region === region) : this.towns;
    return towns[this.r.weighted(towns.map((t) => t.weight))]!;
  }

  private previousAddress(h: Household): Address {
    if (h.previous) return h.previous;
    const r = this.r;
    const town = r.chance(0.65) ? h.town : r.chance(0.9) ? this.pickTown(h.town.region) : this.pickTown();
    let a = this.address(town);
    if (a.line === h.address.line && a.postcode === h.address.postcode) a = this.address(town);
    h.previous = a;
    return a;
  }

  // ---- names

  private pickCommunity(region: 'norfolk' | 'stoke'): Community | typeof ALL_COMMUNITY {
    const r = this.r;
    const weights = COMMUNITIES.map((c) => {
      if (region === 'stoke' && c.name === 'south-asian') return c.weight * 1.8;
      if (region === 'norfolk' && (c.name === 'polish' || c.name === 'lithuanian' || c.name === 'romanian')) return c.weight * 1.5;
      return c.weight;
    });
    const ukWeight = 80;
    const i = r.weighted([ukWeight, ...weights]);
    return i === 0 ? ALL_COMMUNITY : COMMUNITIES[i - 1]!;
  }

  private surname(c: Community | typeof ALL_COMMUNITY, region: 'norfolk' | 'stoke'): string {
    const r = this.r;
    if (c !== ALL_COMMUNITY && 'surnames' in c) return r.pick(c.surnames);
    if (r.chance(0.12)) return r.pick(region === 'norfolk' ? SURNAMES_NORFOLK : SURNAMES_STOKE);
    return this.surnamesUk.pick(r);
  }

  private givenName(c: Community | typeof ALL_COMMUNITY, sex: 'M' | 'F'): string {
    const r = this.r;
    if (c !== ALL_COMMUNITY && 'boys' in c && !r.chance(c.ukNameChance)) return r.pick(sex === 'M' ? c.boys : c.girls);
    const base = (sex === 'M' ? this.boys : this.girls).pick(r);
    // Compound names (Lily-Rose, Alfie-James), common among children born since about 2005.
    if (c === ALL_COMMUNITY && !base.includes('-') && r.chance(0.06)) return `${base}-${r.pick(sex === 'M' ? COMPOUND_BOY : COMPOUND_GIRL)}`;
    return base;
  }

  // ---- people

  private newCluster(): string {
    return `${this.prefix}-p${String(++this.personSeq).padStart(7, '0')}`;
  }

  /** One household of children (and maybe an unborn baby). */
  household(): Person[] {
    const r = this.r;
    const town = this.pickTown();
    const region = town.region;
    const community = this.pickCommunity(region);
    const h: Household = {
      id: `${this.prefix}-h${String(++this.householdSeq).padStart(7, '0')}`,
      town,
      address: this.address(town),
      previous: null,
      motherSurname: '',
      surnames: [],
      community: community.name,
    };
    // The father's family may come from another community.
    const fatherCommunity = r.chance(0.08) ? this.pickCommunity(region) : community;
    const mother = this.surname(community, region);
    const father = this.surname(fatherCommunity, region);
    h.motherSurname = mother;
    // married 40, cohabiting 20, single mother 22, blended (step/half siblings) 12, double-barrelled 6
    const kind = r.weighted([40, 20, 22, 12, community === ALL_COMMUNITY ? 6 : 1]);
    const previousPartner = this.surname(community, region);
    h.surnames = [...new Set(kind === 3 ? [mother, father, previousPartner] : [mother, father])];

    // Births, eldest first.
    const nChildren = 1 + r.weighted([35, 35, 18, 8, 3, 1]);
    const eldestAgeDays = Math.floor(r.next() * 18 * 365.25);
    let day = this.asOfDays - eldestAgeDays;
    const births: { dob: number; twins: boolean }[] = [];
    while (births.length < nChildren && day <= this.asOfDays) {
      births.push({ dob: day, twins: r.chance(this.o.twinRate) });
      day += r.int(330, 2200);
    }
    const people: Person[] = [];
    const usedGiven = new Set<string>();
    const nameFor = (sex: 'M' | 'F', initial?: string): string => {
      for (let attempt = 0; attempt < 30; attempt++) {
        const n = this.givenName(community, sex);
        if (usedGiven.has(n.toLowerCase())) continue;
        if (initial && attempt < 20 && n[0] !== initial) continue;
        usedGiven.add(n.toLowerCase());
        return n;
      }
      const n = `${this.givenName(community, sex)}`;
      usedGiven.add(n.toLowerCase());
      return n;
    };
    const doubleBarrel = r.chance(0.5) ? `${mother}-${father}` : `${father}-${mother}`;
    const childSurname = (index: number): string => {
      let s: string;
      if (kind === 0) s = father;
      else if (kind === 1) s = r.chance(0.75) ? father : mother;
      else if (kind === 2) s = r.chance(0.6) ? mother : father;
      else if (kind === 3) s = index < Math.ceil(births.length / 2) ? previousPartner : father;
      else s = mother === father ? mother : doubleBarrel;
      return s;
    };
    births.forEach((b, index) => {
      const dob = daysToIso(b.dob);
      const sexA: 'M' | 'F' = r.chance(0.512) ? 'M' : 'F';
      const baseSurname = childSurname(index);
      // Expected date the midwife gave, for a baby who may also have been recorded before birth.
      const expectedBefore = daysToIso(b.dob + Math.max(-28, Math.min(28, Math.round(r.normal(9)))));
      const a: Person = {
        cluster: this.newCluster(), given: nameFor(sexA), family: sexA === 'F' ? feminine(baseSurname, community.name) : baseSurname, sex: sexA, dob, expected: null,
        expectedBefore, nhs: this.nhs.next(), household: h, twinOf: null, twinOrder: 0,
      };
      people.push(a);
      if (b.twins) {
        const sexB: 'M' | 'F' = r.chance(0.6) ? sexA : sexA === 'M' ? 'F' : 'M';
        // Twins often get matching names (Ava and Amelia, Jack and Jacob).
        const initial = r.chance(0.4) ? a.given[0] : undefined;
        const twin: Person = {
          cluster: this.newCluster(), given: nameFor(sexB, initial), family: sexB === sexA ? a.family : sexB === 'F' ? feminine(baseSurname, community.name) : baseSurname,
          sex: sexB, dob, expected: null, expectedBefore, nhs: this.nhs.next(), household: h, twinOf: a.cluster, twinOrder: 2,
        };
        a.twinOf = twin.cluster;
        a.twinOrder = 1;
        people.push(twin);
      }
    });
    // A baby on the way, if the youngest child is over six months old.
    const youngest = births.length ? births[births.length - 1]!.dob : -Infinity;
    if (r.chance(this.o.unbornRate) && this.asOfDays - youngest > 180) {
      const known = r.chance(0.3);
      const sex: 'M' | 'F' | 'U' = known ? (r.chance(0.5) ? 'M' : 'F') : 'U';
      people.push({
        cluster: this.newCluster(), given: '', family: kind === 2 ? mother : father, sex, dob: null,
        expected: daysToIso(this.asOfDays + r.int(7, 250)), expectedBefore: null, nhs: null, household: h, twinOf: null, twinOrder: 0,
      });
    }
    return people;
  }

  // ---- records

  private nextRecordId(): string {
    return `${this.prefix}-r${String(++this.recordSeq).padStart(7, '0')}`;
  }

  private base(p: Person, scenario: string): SyntheticRecord {
    const a = p.household.address;
    return {
      record_id: this.nextRecordId(),
      cluster_id: p.cluster,
      given_name: p.given,
      family_name: p.family,
      date_of_birth: p.dob ?? '',
      sex: p.sex,
      postcode: a.postcode,
      address: `${a.line}, ${a.town}`,
      nhs_number: '',
      household_id: p.household.id,
      scenario,
      expected_date_of_birth: p.expected ?? '',
      age_years: '',
      twin_of: p.twinOf ?? '',
    };
  }

  private unbornRecord(p: Person, expected: string, scenario: Scenario): SyntheticRecord {
    const r = this.r;
    const rec = this.base(p, scenario);
    const mother = p.household.motherSurname;
    let given: string;
    if (p.twinOrder) given = r.pick([`Twin ${p.twinOrder}`, `Twin ${p.twinOrder} of ${mother}`, `Baby ${p.twinOrder === 1 ? 'A' : 'B'}`, `Unborn twin ${p.twinOrder}`]);
    else given = r.pick(UNBORN_GIVEN).replace('{m}', mother);
    if (given === 'Baby Boy' && p.sex === 'F') given = 'Baby Girl';
    if (given === 'Baby Girl' && p.sex === 'M') given = 'Baby Boy';
    const surnameInGiven = given.includes(mother);
    const fam = r.weighted([6, 2, surnameInGiven ? 2 : 0]);
    rec.given_name = given;
    rec.family_name = fam === 0 ? mother : fam === 1 ? p.family || mother : '';
    if (!rec.given_name && !rec.family_name) rec.family_name = mother;
    rec.date_of_birth = '';
    rec.expected_date_of_birth = expected;
    rec.sex = p.dob ? (r.chance(0.35) ? p.sex : 'U') : p.sex;
    rec.nhs_number = '';
    if (p.dob && r.chance(0.25)) {
      // Recorded before a move made around the birth.
      const prev = this.previousAddress(p.household);
      rec.postcode = prev.postcode;
      rec.address = `${prev.line}, ${prev.town}`;
    }
    return rec;
  }

  /** Every record of one person: the original, an unborn record if any, and duplicates. */
  recordsOf(p: Person): SyntheticRecord[] {
    const r = this.r;
    const o = this.o;
    const out: SyntheticRecord[] = [];
    if (!p.dob) {
      // Not born yet: every record is a placeholder with an expected date.
      out.push(this.unbornRecord(p, p.expected!, 'original'));
      if (r.chance(o.duplicateRate)) {
        const k = 1 + r.weighted([75, 20, 5]);
        for (let i = 0; i < k; i++) {
          const shifted = daysToIso(isoToDays(p.expected!) + (r.chance(0.5) ? 0 : r.int(-14, 14)));
          out.push(this.unbornRecord(p, shifted, 'unborn_variant'));
        }
      }
      return out;
    }
    const original = this.base(p, 'original');
    if (p.nhs && r.chance(o.nhsRate)) original.nhs_number = p.nhs;
    if (r.chance(0.03)) {
      original.address = '';
      original.postcode = '';
    }
    out.push(original);
    // A baby under ten months may have been recorded before birth.
    if (this.asOfDays - isoToDays(p.dob) < 300 && r.chance(o.unbornHistoryRate)) {
      out.push(this.unbornRecord(p, p.expectedBefore!, 'unborn_then_born'));
    }
    if (r.chance(o.duplicateRate)) {
      const k = 1 + r.weighted([70, 20, 7, 3]);
      for (let i = 0; i < k; i++) out.push(this.duplicate(p, original));
    }
    return out;
  }

  /** A record of a born child as another caller reported it, with one to three mistakes or gaps. */
  duplicate(p: Person, original: SyntheticRecord): SyntheticRecord {
    const r = this.r;
    const rec = this.base(p, '');
    if (p.nhs && r.chance(this.o.nhsRate)) rec.nhs_number = p.nhs;
    const n = 1 + r.weighted([50, 35, 15]);
    const applied: Scenario[] = [];
    const groups = new Set<string>();
    // Formatting noise is applied last, to the final values.
    let format = false;
    for (let attempt = 0; attempt < 30 && applied.length + (format ? 1 : 0) < n; attempt++) {
      const c = CORRUPTIONS[r.weighted(CORRUPTION_WEIGHTS)]!;
      if (groups.has(c.group)) continue;
      if (c.name === 'format_noise') {
        format = true;
        groups.add(c.group);
        continue;
      }
      if (c.name === 'nhs_missing' && !original.nhs_number) continue;
      if (c.apply(this, p, rec)) {
        applied.push(c.name);
        groups.add(c.group);
      }
    }
    if (format && FORMAT_NOISE.apply(this, p, rec)) applied.push('format_noise');
    rec.scenario = applied.length ? applied.join('+') : 'copy';
    return rec;
  }

  // Exposed for the corruption table.
  moveAway(p: Person, rec: SyntheticRecord): void {
    const prev = this.previousAddress(p.household);
    rec.postcode = prev.postcode;
    rec.address = `${prev.line}, ${prev.town}`;
  }
  otherSurname(p: Person): string {
    const others = p.household.surnames.filter((s) => s !== p.family && !p.family.split('-').includes(s));
    const s = others.length ? this.r.pick(others) : this.surnamesUk.pick(this.r);
    return p.sex === 'F' ? feminine(s, p.household.community) : s;
  }
}

interface Corruption {
  name: Scenario;
  /** At most one corruption per group on a record. */
  group: string;
  weight: number;
  /** Applies the corruption; false when it does not apply to this record. */
  apply(g: ChildGenerator, p: Person, rec: SyntheticRecord): boolean;
}

const CORRUPTIONS: Corruption[] = [
  {
    name: 'nickname', group: 'given', weight: 10,
    apply(g, p, rec) {
      const first = rec.given_name.split(/[- ]/)[0]!;
      const v = nameVariant(first, p.sex, g.r);
      if (!v) return false;
      rec.given_name = v;
      return true;
    },
  },
  {
    name: 'typo_given', group: 'given', weight: 8,
    apply(g, _p, rec) {
      if (!rec.given_name) return false;
      rec.given_name = typo(rec.given_name, g.r);
      return true;
    },
  },
  {
    name: 'phonetic_given', group: 'given', weight: 8,
    apply(g, _p, rec) {
      const v = rec.given_name ? soundAlike(rec.given_name, g.r) : null;
      if (!v) return false;
      rec.given_name = v;
      return true;
    },
  },
  {
    name: 'given_name_partial', group: 'given', weight: 25,
    apply(g, _p, rec) {
      const parts = rec.given_name.split(/[- ]/);
      if (parts.length < 2) return false;
      const k = g.r.weighted([5, 2, 1.5, 1.5]);
      rec.given_name = k === 0 ? parts[0]! : k === 1 ? parts.join(' ') : k === 2 ? parts.join('').replace(/^(.)(.*)$/, (_m, a: string, b: string) => a + b.toLowerCase()) : parts[parts.length - 1]!;
      return true;
    },
  },
  {
    name: 'typo_family', group: 'family', weight: 8,
    apply(g, _p, rec) {
      if (!rec.family_name) return false;
      rec.family_name = typo(rec.family_name, g.r);
      return true;
    },
  },
  {
    name: 'phonetic_family', group: 'family', weight: 6,
    apply(g, _p, rec) {
      const v = rec.family_name ? soundAlike(rec.family_name, g.r) : null;
      if (!v) return false;
      rec.family_name = v;
      return true;
    },
  },
  {
    name: 'surname_change', group: 'family', weight: 7,
    apply(g, p, rec) {
      if (!rec.family_name) return false;
      const other = g.otherSurname(p);
      if (other === p.family) return false;
      rec.family_name = other;
      return true;
    },
  },
  {
    name: 'double_barrel_partial', group: 'family', weight: 30,
    apply(g, _p, rec) {
      const parts = rec.family_name.split('-');
      if (parts.length < 2) return false;
      const k = g.r.weighted([3, 3, 2, 1, 1]);
      rec.family_name = k === 0 ? parts[0]! : k === 1 ? parts[parts.length - 1]! : k === 2 ? parts.join(' ') : k === 3 ? parts.join('') : [...parts].reverse().join('-');
      return true;
    },
  },
  {
    name: 'dob_swap', group: 'dob', weight: 6,
    apply(_g, _p, rec) {
      const s = rec.date_of_birth ? swapDayMonth(rec.date_of_birth) : null;
      if (!s) return false;
      rec.date_of_birth = s;
      return true;
    },
  },
  {
    name: 'dob_digit', group: 'dob', weight: 6,
    apply(g, _p, rec) {
      const s = rec.date_of_birth ? mistypeDate(rec.date_of_birth, g.r, g.asOf) : null;
      if (!s) return false;
      rec.date_of_birth = s;
      return true;
    },
  },
  {
    name: 'dob_missing', group: 'dob', weight: 4,
    apply(_g, _p, rec) {
      if (!rec.date_of_birth) return false;
      rec.date_of_birth = '';
      return true;
    },
  },
  {
    name: 'age_only', group: 'dob', weight: 4,
    apply(g, _p, rec) {
      if (!rec.date_of_birth) return false;
      const age = yearsBetween(rec.date_of_birth, g.asOf);
      rec.age_years = String(Math.max(0, g.r.chance(0.15) ? age + (g.r.chance(0.5) ? 1 : -1) : age));
      rec.date_of_birth = '';
      return true;
    },
  },
  {
    name: 'moved', group: 'address', weight: 10,
    apply(g, p, rec) {
      g.moveAway(p, rec);
      return true;
    },
  },
  {
    name: 'address_missing', group: 'address', weight: 6,
    apply(g, _p, rec) {
      if (!rec.address && !rec.postcode) return false;
      if (g.r.chance(0.3)) rec.postcode = '';
      else {
        rec.address = '';
        rec.postcode = '';
      }
      return true;
    },
  },
  {
    name: 'postcode_typo', group: 'address', weight: 4,
    apply(g, _p, rec) {
      if (!rec.postcode) return false;
      const [out, inw] = rec.postcode.split(' ') as [string, string];
      const r = g.r;
      let next: string;
      const k = r.weighted([3, 2, 1]);
      if (k === 0) next = `${out} ${inw.slice(0, 2)}${r.pick([...INWARD_LETTERS])}`;
      else if (k === 1) next = `${out} ${inw[0]}${r.pick([...INWARD_LETTERS])}${inw[2]}`;
      else next = `${out} ${(Number(inw[0]) + (r.chance(0.5) ? 1 : 9)) % 10}${inw.slice(1)}`;
      if (next === rec.postcode) return false;
      rec.postcode = next;
      return true;
    },
  },
  {
    name: 'names_swapped', group: 'swap', weight: 3,
    apply(_g, _p, rec) {
      if (!rec.given_name || !rec.family_name) return false;
      [rec.given_name, rec.family_name] = [rec.family_name, rec.given_name];
      return true;
    },
  },
  {
    name: 'accents_dropped', group: 'accents', weight: 20,
    apply(_g, _p, rec) {
      const g2 = stripAccents(rec.given_name);
      const f2 = stripAccents(rec.family_name);
      if (g2 === rec.given_name && f2 === rec.family_name) return false;
      rec.given_name = g2;
      rec.family_name = f2;
      return true;
    },
  },
  {
    name: 'format_noise', group: 'format', weight: 6,
    apply(g, _p, rec) {
      const r = g.r;
      const k = r.weighted([3, 1, 1, 3, 2]);
      if (k === 0 && rec.family_name) rec.family_name = rec.family_name.toUpperCase();
      else if (k === 1 && rec.given_name) {
        rec.given_name = rec.given_name.toUpperCase();
        rec.family_name = rec.family_name.toUpperCase();
      } else if (k === 2 && rec.given_name) rec.given_name = rec.given_name.toLowerCase();
      else if (k === 3 && rec.postcode) rec.postcode = r.chance(0.5) ? rec.postcode.toLowerCase() : rec.postcode.replace(' ', '');
      else if (k === 4 && rec.address) {
        rec.address = rec.address.replace(/\bRoad\b/, 'Rd').replace(/\bStreet\b/, 'St').replace(/\bAvenue\b/, 'Ave').replace(/\bClose\b/, 'Cl').replace(/\bDrive\b/, 'Dr').replace(/\bLane\b/, 'Ln');
        if (r.chance(0.5)) rec.address = rec.address.toLowerCase();
      } else return false;
      return true;
    },
  },
  {
    name: 'sex_missing', group: 'sex', weight: 3,
    apply(g, _p, rec) {
      if (rec.sex !== 'M' && rec.sex !== 'F') return false;
      rec.sex = g.r.chance(0.5) ? 'U' : '';
      return true;
    },
  },
  {
    name: 'nhs_missing', group: 'nhs', weight: 4,
    apply(_g, _p, rec) {
      rec.nhs_number = '';
      return true;
    },
  },
];
const CORRUPTION_WEIGHTS = CORRUPTIONS.map((c) => c.weight);
const FORMAT_NOISE = CORRUPTIONS.find((c) => c.name === 'format_noise')!;

function resolve(opts: GenerateOptions) {
  return {
    seed: opts.seed,
    people: opts.people,
    duplicateRate: opts.duplicateRate ?? 0.3,
    nhsRate: opts.nhsRate ?? 0.35,
    twinRate: opts.twinRate ?? 0.02,
    unbornRate: opts.unbornRate ?? 0.04,
    unbornHistoryRate: opts.unbornHistoryRate ?? 0.35,
    asOf: opts.asOf ?? '2026-11-23',
    regions: opts.regions ?? (['norfolk', 'stoke'] as const),
    idPrefix: opts.idPrefix ?? `syn${opts.seed}`,
  };
}

/**
 * The records household by household, in generation order (the records of one child are
 * next to each other). For large sets that should not be held in memory at once.
 */
export function* iterateChildren(opts: GenerateOptions): Generator<SyntheticRecord> {
  const g = new ChildGenerator(resolve(opts));
  let made = 0;
  while (made < opts.people) {
    for (const p of g.household()) {
      if (made >= opts.people) break;
      made++;
      yield* g.recordsOf(p);
    }
  }
}

/**
 * `people` synthetic children with their duplicate records, shuffled (seeded) so that the
 * records of one child are not next to each other, and numbered in that order.
 */
export function generateChildren(opts: GenerateOptions): SyntheticRecord[] {
  const records = [...iterateChildren(opts)];
  const r = createRng(opts.seed ^ 0x5bd1e995);
  for (let i = records.length - 1; i > 0; i--) {
    const j = Math.floor(r.next() * (i + 1));
    [records[i], records[j]] = [records[j]!, records[i]!];
  }
  const prefix = opts.idPrefix ?? `syn${opts.seed}`;
  records.forEach((rec, i) => (rec.record_id = `${prefix}-r${String(i + 1).padStart(7, '0')}`));
  return records;
}

// ---------------------------------------------------------------------------------------------
// CSV (the common linkage format: RFC 4180, quoted only when needed, LF line endings)

export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvLine(rec: SyntheticRecord): string {
  return CSV_COLUMNS.map((c) => csvField(rec[c])).join(',');
}

export function csvHeader(): string {
  return CSV_COLUMNS.join(',');
}
