// issue10-E: retention rules per record type, as an authority profile states them (ADR 0019).
import { z } from 'zod';

/**
 * The types of record Front Door keeps, each with its own retention rule. A conversation's rule
 * covers its versions, its children's outcomes, its decisions, flags, written records, survey
 * answers, disagreements and tasks; a MASH enquiry's covers its ratings, check requests, responses
 * and answers; a call's covers its events and callback.
 */
export const RETENTION_RECORD_TYPES = ['conversations', 'writtenReferrals', 'mashEnquiries', 'earlyHelpRequests', 'calls', 'partnerQuestions', 'auditEntries'] as const;
export type RetentionRecordType = (typeof RETENTION_RECORD_TYPES)[number];

/** Record types whose records can be deleted by Front Door (the audit log is never touched). */
export const DELETABLE_RECORD_TYPES = RETENTION_RECORD_TYPES.filter((t) => t !== 'auditEntries') as Exclude<RetentionRecordType, 'auditEntries'>[];
export type DeletableRecordType = (typeof DELETABLE_RECORD_TYPES)[number];

export const RECORD_TYPE_INFO: Record<RetentionRecordType, { slug: string; label: string; one: string; recordDate: string }> = {
  conversations: { slug: 'conversations', label: 'Conversations', one: 'conversation', recordDate: 'conversation' },
  writtenReferrals: { slug: 'written-referrals', label: 'Written referrals', one: 'written referral', recordDate: 'referral was received' },
  mashEnquiries: { slug: 'mash-enquiries', label: 'MASH enquiries', one: 'MASH enquiry', recordDate: 'enquiry was opened' },
  earlyHelpRequests: { slug: 'early-help-requests', label: 'Early Help requests', one: 'Early Help request', recordDate: 'request was opened' },
  calls: { slug: 'calls', label: 'Calls', one: 'call', recordDate: 'call' },
  partnerQuestions: { slug: 'partner-questions', label: 'Partners’ questions', one: 'partner’s question', recordDate: 'question was sent' },
  auditEntries: { slug: 'audit-entries', label: 'Audit entries', one: 'year of audit entries', recordDate: 'entry was written' },
};

export function recordTypeFromSlug(slug: string): RetentionRecordType | undefined {
  return RETENTION_RECORD_TYPES.find((t) => RECORD_TYPE_INFO[t].slug === slug);
}

/**
 * When a record's retention period starts:
 * - `childs-birthday`: the birthday of the youngest child the record is about (their expected date
 *   of birth if unborn). A child whose date of birth is not known counts as born on the record's
 *   date, which keeps the record longer rather than shorter.
 * - `last-contact`: the latest contact with any child the record is about (a conversation, written
 *   referral, MASH enquiry or Early Help request, including those merged into the child's record).
 * - `record-date`: the record's own date (the call, the question, the audit entry).
 */
export const RETENTION_TRIGGERS = ['childs-birthday', 'last-contact', 'record-date'] as const;
export type RetentionTrigger = (typeof RETENTION_TRIGGERS)[number];

export const retentionRuleSchema = z
  .object({
    trigger: z.enum(RETENTION_TRIGGERS),
    years: z.number().int().min(1).max(150),
    /** `delete`: due for deletion at the end of the period. `review`: a person decides (never deleted by Front Door for audit entries). */
    action: z.enum(['delete', 'review']).default('delete'),
    /** Where the period comes from, in words (a statute, a council's schedule, the reference). */
    basis: z.string().min(1).max(1000),
    /** True where no statute fixes the period and the council chose it (its DPO and records manager own it). */
    setByCouncil: z.boolean(),
  })
  .strict();
export type RetentionRule = z.infer<typeof retentionRuleSchema>;

const REF = 'reference/information-sharing.md §4';

/**
 * The defaults, used for any rule a profile leaves out. Each period is from the reference's table of
 * observed schedules; none of these is fixed by statute for a front door's records, so every one is
 * the council's to confirm (`setByCouncil`).
 */
export const DEFAULT_RETENTION_RULES: Record<RetentionRecordType, RetentionRule> = {
  conversations: {
    trigger: 'childs-birthday', years: 25, action: 'delete', setByCouncil: true,
    basis: `Until the child’s 25th birthday: the common date of birth + 25 pattern for children in need and contact records (Derbyshire offers DOB+25 as a standard period; Devon keeps child in need records to 18 + 3 years of inactivity). No statute sets it (${REF}). A conversation about several children is kept until the youngest one’s date.`,
  },
  writtenReferrals: {
    trigger: 'childs-birthday', years: 25, action: 'delete', setByCouncil: true,
    basis: `As for conversations: until the child’s 25th birthday, a local period (${REF}).`,
  },
  mashEnquiries: {
    trigger: 'last-contact', years: 35, action: 'review', setByCouncil: true,
    basis: `MASH checks are for the children most at risk, so an enquiry is kept like a child protection record: 35 years after the last contact (Blackpool’s schedule), then reviewed. A local period (${REF}).`,
  },
  earlyHelpRequests: {
    trigger: 'childs-birthday', years: 25, action: 'delete', setByCouncil: true,
    basis: `Until the child’s 25th birthday (Derbyshire’s DOB+25 standard period). A local period (${REF}).`,
  },
  calls: {
    trigger: 'record-date', years: 6, action: 'delete', setByCouncil: true,
    basis: `The reference names no period for call details. Six years after the call follows the Limitation Act 1980 period used for advice consultations (Devon). A call that led to a conversation is kept as long as the conversation.`,
  },
  partnerQuestions: {
    trigger: 'record-date', years: 6, action: 'delete', setByCouncil: true,
    basis: `The reference names no period for questions about the service. Six years after the question, as for advice consultations (Limitation Act 1980).`,
  },
  auditEntries: {
    trigger: 'record-date', years: 35, action: 'review', setByCouncil: true,
    basis: `Reviewed when the longest rule for the records they describe has passed (35 years). Front Door never deletes audit entries: the log is append-only and hash-chained, and its own retention is decided outside the application.`,
  },
};

export const retentionSchema = z
  .object({
    /** How many months before a record's disposal date it is listed for review. */
    reviewMonthsBefore: z.number().int().min(0).max(24).default(3),
    rules: z
      .object({
        conversations: retentionRuleSchema.default(DEFAULT_RETENTION_RULES.conversations),
        writtenReferrals: retentionRuleSchema.default(DEFAULT_RETENTION_RULES.writtenReferrals),
        mashEnquiries: retentionRuleSchema.default(DEFAULT_RETENTION_RULES.mashEnquiries),
        earlyHelpRequests: retentionRuleSchema.default(DEFAULT_RETENTION_RULES.earlyHelpRequests),
        calls: retentionRuleSchema.default(DEFAULT_RETENTION_RULES.calls),
        partnerQuestions: retentionRuleSchema.default(DEFAULT_RETENTION_RULES.partnerQuestions),
        auditEntries: retentionRuleSchema.default(DEFAULT_RETENTION_RULES.auditEntries),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((r, ctx) => {
    // Calls, questions and audit entries are not about a child in a way the service can date.
    for (const key of ['calls', 'partnerQuestions', 'auditEntries'] as const) {
      if (r.rules[key].trigger !== 'record-date') {
        ctx.addIssue({ code: 'custom', path: ['rules', key, 'trigger'], message: `${RECORD_TYPE_INFO[key].label} can only be kept for a period after their own date ("record-date")` });
      }
    }
    if (r.rules.auditEntries.action !== 'review') {
      ctx.addIssue({ code: 'custom', path: ['rules', 'auditEntries', 'action'], message: 'audit entries are only ever reviewed: Front Door does not delete them' });
    }
  });
export type RetentionSettings = z.infer<typeof retentionSchema>;

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * A calendar date plus whole years, as a birthday is counted: 29 February goes to 1 March in a year
 * without one (the later day, so nothing is deleted early). The database's front_door_add_years is
 * the same.
 */
export function addYears(isoDate: string, years: number): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  const year = y + years;
  if (m === 2 && d === 29 && !isLeap(year)) return `${String(year).padStart(4, '0')}-03-01`;
  return `${String(year).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** A calendar date minus whole months (the day clamped to the end of a shorter month). */
export function subtractMonths(isoDate: string, months: number): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  const index = y * 12 + (m - 1) - months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${s}`;
}

/** The rule in words, for the administrators' pages. */
export function describeRule(type: RetentionRecordType, rule: RetentionRule): string {
  const years = `${rule.years} ${rule.years === 1 ? 'year' : 'years'}`;
  const what =
    rule.trigger === 'childs-birthday'
      ? `Until the ${ordinal(rule.years)} birthday of the youngest child it is about`
      : rule.trigger === 'last-contact'
        ? `${years} after the last contact with any child it is about`
        : `${years} after the ${RECORD_TYPE_INFO[type].recordDate}`;
  return `${what}, then ${rule.action === 'delete' ? 'deleted' : 'reviewed'}`;
}

/** Where a record stands on a given day: not yet, listed for review, or past its disposal date. */
export function retentionStage(today: string, reviewOn: string, disposeOn: string): 'not-yet' | 'review' | 'due' {
  if (disposeOn <= today) return 'due';
  if (reviewOn <= today) return 'review';
  return 'not-yet';
}
