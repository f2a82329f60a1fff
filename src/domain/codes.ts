/**
 * National and service-wide code lists with the labels shown to users.
 *
 * Codes are always strings ('4', '10'), because several national lists mix
 * digits and letters and DfE returns compare them as text. Local lists
 * (outcomes, levels of need, agencies, concern categories) live in each
 * authority's profile, not here.
 */

export interface CodeOption<C extends string = string> {
  readonly code: C;
  readonly label: string;
}

type CodeOf<L extends readonly CodeOption[]> = L[number]['code'];

/** The label for `code` in `list`, or undefined when the code is not in it. */
export function labelFor(list: readonly CodeOption[], code: string): string | undefined {
  return list.find((item) => item.code === code)?.label;
}

/** Narrow an untrusted string to a member of `list`. */
export function isCodeIn<L extends readonly CodeOption[]>(list: L, value: unknown): value is CodeOf<L> {
  return typeof value === 'string' && list.some((item) => item.code === value);
}

// ---------------------------------------------------------------------------
// Sex (CIN census 2024-25 onwards, N00783). An unborn child must be U.
// ---------------------------------------------------------------------------

export const SEX_CODES = [
  { code: 'M', label: 'Male' },
  { code: 'F', label: 'Female' },
  { code: 'U', label: 'Not known' },
] as const satisfies readonly CodeOption[];
export type SexCode = CodeOf<typeof SEX_CODES>;

// ---------------------------------------------------------------------------
// Ethnicity: the 20 DfE main codes, in the order of the CIN census XSD.
// Must come from the child or family, never be guessed by the worker.
// ---------------------------------------------------------------------------

export interface EthnicityOption extends CodeOption {
  readonly group: string;
}

export const ETHNICITY_CODES = [
  { code: 'WBRI', label: 'White British', group: 'White' },
  { code: 'WIRI', label: 'White Irish', group: 'White' },
  { code: 'WIRT', label: 'Traveller of Irish heritage', group: 'White' },
  { code: 'WOTH', label: 'Any other White background', group: 'White' },
  { code: 'WROM', label: 'Gypsy/Roma', group: 'White' },
  { code: 'MWBC', label: 'White and Black Caribbean', group: 'Mixed' },
  { code: 'MWBA', label: 'White and Black African', group: 'Mixed' },
  { code: 'MWAS', label: 'White and Asian', group: 'Mixed' },
  { code: 'MOTH', label: 'Any other mixed background', group: 'Mixed' },
  { code: 'AIND', label: 'Indian', group: 'Asian or Asian British' },
  { code: 'APKN', label: 'Pakistani', group: 'Asian or Asian British' },
  { code: 'ABAN', label: 'Bangladeshi', group: 'Asian or Asian British' },
  { code: 'AOTH', label: 'Any other Asian background', group: 'Asian or Asian British' },
  { code: 'BCRB', label: 'Caribbean', group: 'Black or Black British' },
  { code: 'BAFR', label: 'African', group: 'Black or Black British' },
  { code: 'BOTH', label: 'Any other black background', group: 'Black or Black British' },
  { code: 'CHNE', label: 'Chinese', group: 'Chinese or other ethnic group' },
  { code: 'OOTH', label: 'Any other ethnic group', group: 'Chinese or other ethnic group' },
  { code: 'REFU', label: 'Refused', group: 'Not given' },
  { code: 'NOBT', label: 'Information not yet obtained', group: 'Not given' },
] as const satisfies readonly EthnicityOption[];
export type EthnicityCode = CodeOf<typeof ETHNICITY_CODES>;

// ---------------------------------------------------------------------------
// Disability (CIN N00099): zero or more per child.
// ---------------------------------------------------------------------------

export const DISABILITY_CODES = [
  { code: 'NONE', label: 'No disability' },
  { code: 'MOB', label: 'Mobility' },
  { code: 'HAND', label: 'Hand function' },
  { code: 'PC', label: 'Personal care' },
  { code: 'INC', label: 'Incontinence' },
  { code: 'COMM', label: 'Communication' },
  { code: 'LD', label: 'Learning' },
  { code: 'HEAR', label: 'Hearing' },
  { code: 'VIS', label: 'Vision' },
  { code: 'BEH', label: 'Behaviour' },
  { code: 'CON', label: 'Consciousness' },
  { code: 'AUT', label: 'Autism' },
  { code: 'DDA', label: 'Other' },
] as const satisfies readonly CodeOption[];
export type DisabilityCode = CodeOf<typeof DISABILITY_CODES>;

/**
 * An error message for a child's disability list, or null if it is
 * acceptable. Mirrors CIN rules 8790 (NONE with anything else) and 8794 (the
 * same code twice), so the census return is not rejected later. An empty
 * list is allowed: it means nothing has been recorded yet.
 */
export function validateDisabilities(codes: readonly string[]): string | null {
  if (codes.some((c) => !isCodeIn(DISABILITY_CODES, c))) {
    return 'Select disabilities from the list';
  }
  const distinct = new Set(codes);
  if (distinct.has('NONE') && distinct.size > 1) {
    return "Select either 'No disability' or the child's disabilities, not both";
  }
  if (distinct.size !== codes.length) {
    return 'Select each disability only once';
  }
  return null;
}

// ---------------------------------------------------------------------------
// Referral / contact source (CIN N00152). Labels use the CIN XSD wording; the
// Standard Safeguarding Dataset words 1D, 5B and 5C slightly differently.
// ---------------------------------------------------------------------------

export interface ReferralSourceOption extends CodeOption {
  readonly group: string;
}

export const REFERRAL_SOURCE_CODES = [
  { code: '1A', group: 'Individual', label: 'INDIVIDUAL – family member, relative or carer' },
  { code: '1B', group: 'Individual', label: 'INDIVIDUAL – acquaintance (including neighbours and child minders)' },
  { code: '1C', group: 'Individual', label: 'INDIVIDUAL – self' },
  { code: '1D', group: 'Individual', label: 'INDIVIDUAL – other (including strangers)' },
  { code: '2A', group: 'Education', label: 'SCHOOLS' },
  { code: '2B', group: 'Education', label: 'EDUCATION SERVICES' },
  { code: '3A', group: 'Health', label: 'HEALTH SERVICES – general practitioner (GP)' },
  { code: '3B', group: 'Health', label: 'HEALTH SERVICES – health visitor' },
  { code: '3C', group: 'Health', label: 'HEALTH SERVICES – school nurse' },
  { code: '3D', group: 'Health', label: 'HEALTH SERVICES – other primary health services' },
  { code: '3E', group: 'Health', label: 'HEALTH SERVICES – A&E (accident and emergency department)' },
  { code: '3F', group: 'Health', label: 'HEALTH SERVICES – other (for example hospice)' },
  { code: '4', group: 'Housing', label: 'HOUSING – local authority housing or housing association' },
  { code: '5A', group: 'LA services', label: 'LA SERVICES – social care, for example adults social care services' },
  {
    code: '5B',
    group: 'LA services',
    label:
      'LA SERVICES – other internal (department other than social care in local authorities, for example, youth offending (excluding housing))',
  },
  {
    code: '5C',
    group: 'LA services',
    label: "LA SERVICES – external, for example, from another local authority's adults social care services",
  },
  { code: '5D', group: 'LA services', label: 'LA SERVICES – early help' },
  { code: '6', group: 'Police', label: 'POLICE' },
  {
    code: '7',
    group: 'Legal',
    label:
      'OTHER LEGAL AGENCY – including courts, probation, immigration, CAFCASS (Children and Family Court Advisory and Support Service) or prison',
  },
  {
    code: '8',
    group: 'Other',
    label: "OTHER – including children's centres, independent agency providers or voluntary organisations",
  },
  { code: '9', group: 'Anonymous', label: 'ANONYMOUS' },
  { code: '10', group: 'Unknown', label: 'UNKNOWN' },
] as const satisfies readonly ReferralSourceOption[];
export type ReferralSourceCode = CodeOf<typeof REFERRAL_SOURCE_CODES>;

// ---------------------------------------------------------------------------
// Why a professional did not seek consent before contacting us. The labels
// finish the sentence "We did not seek consent because…".
// ---------------------------------------------------------------------------

export const CONSENT_NOT_SOUGHT_REASONS = [
  { code: 'risk-to-child', label: 'It would put the child at risk of significant harm' },
  { code: 'risk-to-another-child', label: 'It would put another child at risk of significant harm' },
  { code: 'risk-to-someone-else', label: 'It would put someone else at risk of significant harm' },
  { code: 'risk-to-referrer', label: 'It would put the person making the referral at risk of significant harm' },
  { code: 'undermine-investigation', label: 'It would undermine the investigation of a serious crime' },
] as const satisfies readonly CodeOption[];
export type ConsentNotSoughtReasonCode = CodeOf<typeof CONSENT_NOT_SOUGHT_REASONS>;

// ---------------------------------------------------------------------------
// Lawful basis for sharing without consent. Consent is deliberately not in
// this list: it is not the lawful basis for safeguarding shares (DfE 2024).
// ---------------------------------------------------------------------------

export interface LawfulBasisOption extends CodeOption {
  /** The UK GDPR Article 6 limb, for reports and the record of processing. */
  readonly article: string;
}

export const LAWFUL_BASES = [
  {
    code: 'public-task-children-act',
    article: '6(1)(e)',
    label:
      'UK GDPR Article 6(1)(e) public task (Children Act 1989 s17/s47, Children Act 2004 s11) with DPA 2018 Schedule 1 paragraph 18 safeguarding',
  },
  {
    code: 'legal-obligation',
    article: '6(1)(c)',
    label: 'UK GDPR Article 6(1)(c) legal obligation (for example a duty to help with section 47 enquiries, or a court order)',
  },
  {
    code: 'vital-interests',
    article: '6(1)(d)',
    label: "UK GDPR Article 6(1)(d) vital interests (an emergency where someone's life is at risk)",
  },
] as const satisfies readonly LawfulBasisOption[];
export type LawfulBasisCode = CodeOf<typeof LAWFUL_BASES>;

// ---------------------------------------------------------------------------
// Family composition: how a person relates to the child.
// ---------------------------------------------------------------------------

export const RELATIONSHIP_TYPES = [
  { code: 'mother', label: 'Mother' },
  { code: 'father', label: 'Father' },
  { code: 'step-parent', label: 'Step-parent' },
  { code: 'carer', label: 'Carer' },
  { code: 'sibling', label: 'Brother or sister' },
  { code: 'half-sibling', label: 'Half-brother or half-sister' },
  { code: 'step-sibling', label: 'Stepbrother or stepsister' },
  { code: 'grandparent', label: 'Grandparent' },
  { code: 'aunt-uncle', label: 'Aunt or uncle' },
  { code: 'other-relative', label: 'Other relative' },
  { code: 'family-friend', label: 'Family friend' },
  { code: 'other-important-person', label: 'Other important person' },
] as const satisfies readonly CodeOption[];
export type RelationshipType = CodeOf<typeof RELATIONSHIP_TYPES>;

// ---------------------------------------------------------------------------
// Conversations
// ---------------------------------------------------------------------------

export const CALLER_TYPES = [
  { code: 'professional', label: 'Professional' },
  { code: 'public', label: 'Member of the public' },
] as const satisfies readonly CodeOption[];
export type CallerType = CodeOf<typeof CALLER_TYPES>;

export const IMMEDIACY_OPTIONS = [
  { code: 'immediate', label: 'Immediate – the child is at risk now' },
  { code: 'soon', label: 'Soon – the child needs help in the next few days' },
  { code: 'not-immediate', label: 'Not immediate – the child is not at risk now but the family may need support' },
] as const satisfies readonly CodeOption[];
export type Immediacy = CodeOf<typeof IMMEDIACY_OPTIONS>;
