/**
 * Ofsted ILACS Annex A, Lists 1 (contacts) and 3 (referrals): column order, value lists and the
 * row-level checks an analyst would otherwise do by hand before an inspection
 * (reference/codes.md §10). Pure: rows in, rows and findings out.
 *
 * Decisions where the sources disagree (each documented in codes.md):
 * - Gender: we hold the CIN census Sex (M, F, U). M → a), F → b), U and unborn → c). We hold no
 *   "neither" value, so d) is never emitted.
 * - Ethnicity: s) REFU and t) NOBT; a child with no ethnicity recorded is exported as t) NOBT and
 *   listed as a finding, since Ofsted expects one of the 20 codes.
 * - Source 5D (LA services – early help) has no letter in the Annex A versions seen; its export
 *   value is a parameter (default `p1) 5D: LA services`, as the SSD tools emit).
 */
import { ETHNICITY_CODES, REFERRAL_SOURCE_CODES } from './codes.js';
import { ageInYears } from './dates.js';

export const LIST_1_HEADERS = ['Child Unique ID', 'Gender', 'Ethnicity', 'Date of Birth', 'Age of Child (Years)', 'Date of Contact', 'Contact Source'] as const;
export const LIST_3_HEADERS = [
  'Child Unique ID', 'Gender', 'Ethnicity', 'Date of Birth', 'Age of Child (Years)', 'Date of Referral', 'Referral Source',
  'Referral NFA?', 'Number of Referrals in Last 12 Months', 'Allocated Team', 'Allocated Worker',
] as const;

const SOURCE_LABELS: Record<string, string> = {
  '1A': 'Individual', '1B': 'Individual', '1C': 'Individual', '1D': 'Individual',
  '2A': 'Schools', '2B': 'Education services',
  '3A': 'Health services', '3B': 'Health services', '3C': 'Health services', '3D': 'Health services', '3E': 'Health services', '3F': 'Health services',
  '4': 'Housing', '5A': 'LA services', '5B': 'LA services', '5C': 'LA services', '6': 'Police', '7': 'Other legal agency', '8': 'Other', '9': 'Anonymous', '10': 'Unknown',
};
/** The 21 lettered sources a)–u), in order; 5D is not among them. */
const LETTERED_SOURCES = ['1A', '1B', '1C', '1D', '2A', '2B', '3A', '3B', '3C', '3D', '3E', '3F', '4', '5A', '5B', '5C', '6', '7', '8', '9', '10'];
const letter = (i: number) => String.fromCharCode('a'.charCodeAt(0) + i);

export const DEFAULT_5D_VALUE = 'p1) 5D: LA services';

/** The Annex A value for a CIN referral source code, e.g. '6' → 'q) 6: Police'; undefined when not a code. */
export function annexASource(cinCode: string, fiveD: string = DEFAULT_5D_VALUE): string | undefined {
  if (cinCode === '5D') return fiveD;
  const i = LETTERED_SOURCES.indexOf(cinCode);
  return i < 0 ? undefined : `${letter(i)}) ${cinCode}: ${SOURCE_LABELS[cinCode]}`;
}

/** The CIN code behind an Annex A source value: 'q) 6: Police' or just 'q)' → '6'. */
export function cinSourceFromAnnexA(value: string, fiveD: string = DEFAULT_5D_VALUE): string | undefined {
  const v = value.trim();
  if (v === fiveD || /^p1\)/.test(v)) return '5D';
  const m = v.match(/^([a-u])\)/);
  return m ? LETTERED_SOURCES[m[1]!.charCodeAt(0) - 'a'.charCodeAt(0)] : undefined;
}

export const ANNEX_A_GENDERS = ['a) Male', 'b) Female', 'c) Not stated/recorded', 'd) Neither'] as const;

export function annexAGender(sex: string | null, unborn: boolean): string {
  if (unborn) return ANNEX_A_GENDERS[2];
  if (sex === 'M') return ANNEX_A_GENDERS[0];
  if (sex === 'F') return ANNEX_A_GENDERS[1];
  return ANNEX_A_GENDERS[2];
}

/** 'WBRI' → 'a) WBRI' … 'NOBT' → 't) NOBT', in the CIN census order of the 20 codes. */
export function annexAEthnicity(code: string | null): string | undefined {
  const i = ETHNICITY_CODES.findIndex((e) => e.code === code);
  return i < 0 ? undefined : `${letter(i)}) ${ETHNICITY_CODES[i]!.code}`;
}

/** ISO 'YYYY-MM-DD' → 'DD/MM/YYYY'. */
export function annexADate(iso: string | null): string {
  if (!iso) return '';
  const [y, m, d] = iso.slice(0, 10).split('-');
  return `${d}/${m}/${y}`;
}

export interface AnnexAChild {
  /** The LA's person id as exported (Front Door's person reference). */
  childId: string;
  sex: string | null;
  ethnicity: string | null;
  dateOfBirth: string | null;
  expectedDateOfBirth: string | null;
}

export interface ContactRow extends AnnexAChild {
  /** London calendar date of the contact, ISO. */
  contactDate: string;
  /** CIN referral source code of the caller's agency (null when it could not be worked out). */
  sourceCode: string | null;
  /** Front Door's own reference, for the findings list only (never in the return itself). */
  reference: string;
}

export interface ReferralRow extends ContactRow {
  nfa: boolean | null;
  referralsInLast12Months: number;
  team: string | null;
  worker: string | null;
}

export interface Finding {
  /** 1-based row number in the list as exported (excluding the header row). */
  row: number;
  reference: string;
  column: string;
  problem: string;
}

export interface AnnexAList {
  headers: readonly string[];
  rows: string[][];
  findings: Finding[];
}

function childColumns(c: AnnexAChild, extractDate: string, row: number, reference: string, findings: Finding[]): string[] {
  const unborn = !c.dateOfBirth && !!c.expectedDateOfBirth;
  const ethnicity = annexAEthnicity(c.ethnicity);
  if (!ethnicity) findings.push({ row, reference, column: 'Ethnicity', problem: c.ethnicity ? `“${c.ethnicity}” is not one of the 20 DfE codes; exported as t) NOBT` : 'not recorded; exported as t) NOBT' });
  if (!unborn && !c.dateOfBirth) findings.push({ row, reference, column: 'Date of Birth', problem: 'no date of birth recorded' });
  if (!unborn && (c.sex === null || c.sex === 'U')) findings.push({ row, reference, column: 'Gender', problem: 'sex not recorded for a born child; exported as c) Not stated/recorded' });
  if (/[^A-Za-z0-9-]/.test(c.childId) || c.childId.length > 36) findings.push({ row, reference, column: 'Child Unique ID', problem: 'not a plain identifier' });
  return [
    c.childId,
    annexAGender(c.sex, unborn),
    ethnicity ?? 't) NOBT',
    annexADate(c.dateOfBirth),
    c.dateOfBirth ? String(ageInYears(c.dateOfBirth, extractDate)) : '',
  ];
}

function sourceColumn(code: string | null, fiveD: string, row: number, reference: string, column: string, findings: Finding[]): string {
  const v = code ? annexASource(code, fiveD) : undefined;
  if (!v) {
    findings.push({ row, reference, column, problem: code ? `“${code}” is not a CIN referral source code; exported as u) 10: Unknown` : 'caller’s agency has no source code; exported as u) 10: Unknown' });
    return annexASource('10')!;
  }
  return v;
}

/**
 * List 1: one row per child per contact, oldest first (then by child id), ages at `extractDate`.
 * Every row is exported: findings say what an analyst should check, they never drop a contact.
 */
export function buildList1(contacts: readonly ContactRow[], extractDate: string, fiveD = DEFAULT_5D_VALUE): AnnexAList {
  const findings: Finding[] = [];
  const sorted = [...contacts].sort((a, b) => a.contactDate.localeCompare(b.contactDate) || a.childId.localeCompare(b.childId) || a.reference.localeCompare(b.reference));
  const rows = sorted.map((c, i) => [
    ...childColumns(c, extractDate, i + 1, c.reference, findings),
    annexADate(c.contactDate),
    sourceColumn(c.sourceCode, fiveD, i + 1, c.reference, 'Contact Source', findings),
  ]);
  return { headers: LIST_1_HEADERS, rows, findings };
}

/** List 3: one row per child per referral, oldest first. */
export function buildList3(referrals: readonly ReferralRow[], extractDate: string, fiveD = DEFAULT_5D_VALUE): AnnexAList {
  const findings: Finding[] = [];
  const sorted = [...referrals].sort((a, b) => a.contactDate.localeCompare(b.contactDate) || a.childId.localeCompare(b.childId) || a.reference.localeCompare(b.reference));
  const rows = sorted.map((r, i) => {
    const row = i + 1;
    if (r.nfa === null) findings.push({ row, reference: r.reference, column: 'Referral NFA?', problem: 'no decision recorded yet; exported as b) No' });
    if (!r.team) findings.push({ row, reference: r.reference, column: 'Allocated Team', problem: 'no team recorded' });
    if (!r.worker) findings.push({ row, reference: r.reference, column: 'Allocated Worker', problem: 'no worker recorded' });
    return [
      ...childColumns(r, extractDate, row, r.reference, findings),
      annexADate(r.contactDate),
      sourceColumn(r.sourceCode, fiveD, row, r.reference, 'Referral Source', findings),
      r.nfa ? 'a) Yes' : 'b) No',
      String(r.referralsInLast12Months),
      r.team ?? '',
      r.worker ?? '',
    ];
  });
  return { headers: LIST_3_HEADERS, rows, findings };
}

/** Every CIN referral source code has exactly one Annex A value (5D by parameter): checked by the tests. */
export const ALL_SOURCE_CODES = REFERRAL_SOURCE_CODES.map((s) => s.code);
