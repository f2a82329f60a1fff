/**
 * The referral-related part of the DfE Children in Need census as XML (2024-25 shape onwards:
 * `Sex` M/F/U), following the element order of reference/data-standards.md §1, with the
 * validation rules we can check from what Front Door holds. Pure: children in, XML and findings out.
 *
 * Front Door is a front door: it records referrals (their date, source, whether they were closed
 * with no further action, and the primary need where the worker gave one), not assessments,
 * plans, section 47 enquiries or closures. Those elements are never invented; `NOT_HELD` lists
 * them for the page and the README.
 */
import { ETHNICITY_CODES, REFERRAL_SOURCE_CODES, validateDisabilities } from './codes.js';
import { addDays } from './dates.js';
import { isValidUpn } from './upn.js';

export const NOT_HELD = [
  'CINclosureDate and ReasonForClosure (closures happen in the case management system)',
  'Assessments, AssessmentFactors and their dates',
  'CINPlanDates',
  'Section47, InitialCPCtarget, DateOfInitialCPC and ICPCnotRequired',
  'ChildProtectionPlans and their reviews',
  'PersonDeathDate',
  'FormerUPN',
] as const;

export const PRIMARY_NEED_CODES = ['N1', 'N2', 'N3', 'N4', 'N5', 'N6', 'N7', 'N8', 'N9', 'N0'] as const;

/** The primary need codes with their labels, in the census's order (if two fit, the higher one is chosen). */
export const PRIMARY_NEEDS: { code: (typeof PRIMARY_NEED_CODES)[number]; label: string }[] = [
  { code: 'N1', label: 'Abuse, neglect and exploitation' },
  { code: 'N2', label: "Child's disability or illness" },
  { code: 'N3', label: 'Parental disability or illness' },
  { code: 'N4', label: 'Family in acute stress' },
  { code: 'N5', label: 'Family dysfunction' },
  { code: 'N6', label: 'Socially unacceptable behaviour' },
  { code: 'N7', label: 'Low income' },
  { code: 'N8', label: 'Absent parenting' },
  { code: 'N9', label: 'Cases other than children in need' },
  { code: 'N0', label: 'Not stated' },
];

/** Decisions that end a referral with no further action by children's social care (ReferralNFA = 1). */
export const NFA_DECISION_CODES: readonly string[] = ['advice-no-further-action', 'early-help'];

/** Rule 8610: a referral that leads to further action needs a primary need code. */
export function needsPrimaryNeed(decisionCode: string): boolean {
  return !NFA_DECISION_CODES.includes(decisionCode);
}

export interface CinReferral {
  /** ISO date of the referral (the conversation's London date). */
  referralDate: string;
  sourceCode: string | null;
  primaryNeed: string | null;
  /** True: referral with no further action; null while no decision is recorded. */
  nfa: boolean | null;
  /** Front Door's reference, for findings only. */
  reference: string;
}

export interface CinChild {
  laChildId: string;
  upn: string | null;
  dateOfBirth: string | null;
  expectedDateOfBirth: string | null;
  sex: string | null;
  ethnicity: string | null;
  disabilities: readonly string[];
  referrals: readonly CinReferral[];
}

export interface CinHeader {
  /** The census year: the year in which the collection period ends (31 March). */
  year: number;
  /** The DfE three-digit LA number. */
  lea: string;
  softwareCode: string;
  release: string;
  serialNo: string;
  /** When the file is made, as an ISO date-time without zone (London wall time). */
  dateTime: string;
}

export interface CinFinding {
  laChildId: string;
  reference: string | null;
  item: string;
  /** 'error' stops a DfE upload; 'query' the DfE would ask about. */
  severity: 'error' | 'query';
  problem: string;
}

/** 1 April of the year before `year` to 31 March of `year`. */
export function collectionPeriod(year: number): { start: string; end: string } {
  return { start: `${year - 1}-04-01`, end: `${year}-03-31` };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
const el = (name: string, value: string | null | undefined) => (value === null || value === undefined || value === '' ? '' : `<${name}>${esc(value)}</${name}>`);

/** Checks one child against the rules we can check (rule numbers from the DfE validator, via codes.md and data-standards.md). */
export function validateChild(c: CinChild, year: number): CinFinding[] {
  const out: CinFinding[] = [];
  const f = (item: string, problem: string, reference: string | null = null, severity: CinFinding['severity'] = 'error') => out.push({ laChildId: c.laChildId, reference, item, severity, problem });
  if (!/^[A-Za-z0-9]{1,20}$/.test(c.laChildId)) f('LAchildID', 'must be 1 to 20 letters and digits (rules 1570/1580)');
  if (c.upn !== null && !isValidUpn(c.upn)) f('UPN', 'is not a valid unique pupil number (check letter or format)');
  const unborn = !c.dateOfBirth && !!c.expectedDateOfBirth;
  if (!c.dateOfBirth && !c.expectedDateOfBirth) f('PersonBirthDate', 'neither a date of birth nor an expected date of birth is recorded');
  if (unborn && c.sex !== 'U') f('Sex', 'an unborn child must be U (rule 8750)');
  if (!['M', 'F', 'U'].includes(c.sex ?? '')) f('Sex', 'must be M, F or U (rule 4180)');
  if (!ETHNICITY_CODES.some((e) => e.code === c.ethnicity)) f('Ethnicity', c.ethnicity ? `“${c.ethnicity}” is not one of the 20 DfE codes` : 'not recorded (use NOBT only when it has genuinely not been obtained)');
  const disabilityProblem = validateDisabilities(c.disabilities);
  if (disabilityProblem) f('Disability', disabilityProblem);
  const { start, end } = collectionPeriod(year);
  for (const r of c.referrals) {
    if (r.referralDate < start || r.referralDate > end) f('CINreferralDate', `is outside the collection period ${start} to ${end} (rule 8600)`, r.reference);
    const birth = c.dateOfBirth ?? c.expectedDateOfBirth;
    if (birth && r.referralDate < addDays(birth, -280)) f('CINreferralDate', 'is more than 40 weeks before the (expected) date of birth (rule 8606)', r.reference);
    if (!REFERRAL_SOURCE_CODES.some((s) => s.code === r.sourceCode)) f('ReferralSource', r.sourceCode ? `“${r.sourceCode}” is not a valid code` : 'is missing (rule 8866)', r.reference);
    if (r.nfa === null) f('ReferralNFA', 'no decision recorded yet: exported as 0 (further action)', r.reference, 'query');
    if (r.nfa !== true && !r.primaryNeed) f('PrimaryNeedCode', 'is required when the referral led to further action (rule 8610)', r.reference);
    if (r.primaryNeed && !(PRIMARY_NEED_CODES as readonly string[]).includes(r.primaryNeed)) f('PrimaryNeedCode', `“${r.primaryNeed}” is not N0 to N9`, r.reference);
  }
  // UN7 (referral with no further action, no UPN) only when every episode is NFA (rule 8772).
  if (!c.upn && !unborn && c.referrals.some((r) => r.nfa !== true) && c.referrals.length) f('UPN', 'no UPN and not every referral was NFA: record the UPN or a UPNunknown reason', null, 'query');
  return out;
}

function childXml(c: CinChild): string {
  const unborn = !c.dateOfBirth && !!c.expectedDateOfBirth;
  const allNfa = c.referrals.length > 0 && c.referrals.every((r) => r.nfa === true);
  const upnUnknown = c.upn ? null : unborn ? 'UN1' : allNfa ? 'UN7' : null;
  const ids = [
    el('LAchildID', c.laChildId), el('UPN', c.upn), el('UPNunknown', upnUnknown),
    el('PersonBirthDate', c.dateOfBirth), el('ExpectedPersonBirthDate', unborn ? c.expectedDateOfBirth : null), el('Sex', unborn ? 'U' : (c.sex ?? 'U')),
  ].join('');
  const disabilities = c.disabilities.length ? `<Disabilities>${c.disabilities.map((d) => el('Disability', d)).join('')}</Disabilities>` : '';
  const characteristics = `${el('Ethnicity', c.ethnicity ?? 'NOBT')}${disabilities}`;
  const details = [...c.referrals]
    .sort((a, b) => a.referralDate.localeCompare(b.referralDate))
    .map((r) => `<CINdetails>${el('CINreferralDate', r.referralDate)}${el('ReferralSource', r.sourceCode)}${el('PrimaryNeedCode', r.primaryNeed)}${el('ReferralNFA', r.nfa ? '1' : '0')}</CINdetails>`)
    .join('');
  return `<Child><ChildIdentifiers>${ids}</ChildIdentifiers><ChildCharacteristics>${characteristics}</ChildCharacteristics>${details}</Child>`;
}

/**
 * The census file for the children given (each with the referrals of the census year) and the
 * findings. Children are ordered by LAchildID so that the same data gives the same file.
 */
export function buildCinCensus(header: CinHeader, children: readonly CinChild[]): { xml: string; findings: CinFinding[] } {
  const sorted = [...children].filter((c) => c.referrals.length > 0).sort((a, b) => a.laChildId.localeCompare(b.laChildId));
  const findings = sorted.flatMap((c) => validateChild(c, header.year));
  if (!/^\d{3}$/.test(header.lea)) findings.unshift({ laChildId: '', reference: null, item: 'LEA', severity: 'error', problem: 'the DfE LA number must be three digits' });
  const head =
    `<Header><CollectionDetails><Collection>CIN</Collection><Year>${header.year}</Year><ReferenceDate>${header.year}-03-31</ReferenceDate></CollectionDetails>` +
    `<Source><SourceLevel>L</SourceLevel>${el('LEA', header.lea)}${el('SoftwareCode', header.softwareCode)}${el('Release', header.release)}${el('SerialNo', header.serialNo)}${el('DateTime', header.dateTime)}</Source></Header>`;
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Message>${head}<Children>${sorted.map(childXml).join('')}</Children></Message>\n`;
  return { xml, findings };
}
