import { z } from 'zod';
import { accumulationRuleSchema } from './accumulation.js';
import { DEFAULT_ESCALATION_STAGES } from './escalation.js';
import { retentionSchema } from './retention.js'; // issue10-E

/**
 * An authority profile: how one council runs the service. Councils configure the same
 * service differently (hours, phone options, levels of need, outcomes), so none of
 * this is code.
 */
const coded = z.object({ code: z.string().min(1), label: z.string().min(1) });
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'times are HH:MM, 24-hour clock');
const day = z.array(
  z.object({ open: hhmm, close: hhmm }).refine((p) => p.open < p.close, 'open must be before close (periods past midnight are not supported)'),
);
const slug = z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and hyphens');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "dates are 'YYYY-MM-DD'");
/** Something a caller hears: words read out by the switch's voice, or a recording at a URL. */
export const promptSchema = z.union([
  z.object({ say: z.string().min(1).max(1000) }).strict(),
  z.object({ play: z.string().url() }).strict(),
]);
const prompt = promptSchema;
export type Prompt = z.infer<typeof promptSchema>;

export const authorityProfileSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/),
    name: z.string().min(1),
    service: z.object({
      name: z.string().min(1),
      shortName: z.string().min(1),
      referencePrefix: z.string().regex(/^[A-Z]{2,5}$/),
      description: z.string(),
    }),
    phoneLines: z
      .array(
        z.object({
          /** A short name for the line, used in URLs and in the calls table. */
          id: slug,
          /** As printed for callers, e.g. '0344 800 8021'. The switch sends it in E.164. */
          number: z.string().min(1),
          for: z.enum(['professionals', 'public']),
          description: z.string(),
          /** Played or said first on every call in opening hours. */
          greeting: prompt.optional(),
          /** Said before the options; the options' own prompts (or labels) follow. */
          menuIntro: prompt.optional(),
          options: z.array(
            z.object({
              digit: z.string().regex(/^[0-9]$/),
              label: z.string(),
              queue: z.string(),
              /** What the menu says for this option; built from the label when absent. */
              prompt: prompt.optional(),
            }),
          ),
          /**
           * Where a caller goes who does not choose (or a line without options). Without one, a caller
           * who does not choose hears the menu again and then the no-option message.
           */
          defaultQueue: z.string().optional(),
        }),
      )
      .min(1),
    /** The queues calls wait in. Every option's queue and every line's default queue must be here. */
    queues: z
      .array(
        z.object({
          code: slug,
          label: z.string().min(1),
          /** A call answered within this many seconds counts as answered within target. */
          answerTargetSeconds: z.number().int().min(5).max(3600).default(60),
          /** After waiting this long a caller is offered a callback. */
          callbackOfferAfterSeconds: z.number().int().min(10).max(7200).default(180),
        }),
      )
      .min(1),
    openingHours: z.object({
      monday: day,
      tuesday: day,
      wednesday: day,
      thursday: day,
      friday: day,
      saturday: day,
      sunday: day,
    }),
    /**
     * Days or parts of days the service is closed although it would normally be open (training, a
     * Christmas Eve afternoon). Without from/until the whole day is closed. Bank holidays are closed anyway.
     */
    closures: z
      .array(
        z
          .object({
            date: isoDate,
            from: hhmm.optional(),
            until: hhmm.optional(),
            reason: z.string().min(1),
          })
          .refine((c) => (c.from === undefined) === (c.until === undefined), 'give both from and until, or neither')
          .refine((c) => c.from === undefined || c.until === undefined || c.from < c.until, 'from must be before until'),
      )
      .default([]),
    bankHolidayDivision: z.enum(['england-and-wales', 'scotland', 'northern-ireland']),
    /** What callers hear. Text may use {serviceName}, {edtName}, {edtPhone} and {nextOpening}. */
    phoneMessages: z
      .object({
        /** Amazon Polly or Twilio voice for <Say>; language for both. */
        voice: z.string().default('Polly.Amy'),
        language: z.string().default('en-GB'),
        emergency: prompt.default({ say: 'If a child is in immediate danger, hang up and call 999.' }),
        outOfHours: prompt.default({
          say: '{serviceName} is closed. It opens again {nextOpening}. If you are worried about a child now, call the {edtName} on {edtPhone}.',
        }),
        closed: prompt.default({
          say: '{serviceName} is closed today. It opens again {nextOpening}. If you are worried about a child now, call the {edtName} on {edtPhone}.',
        }),
        invalidOption: prompt.default({ say: 'Sorry, that is not one of the options.' }),
        noOption: prompt.default({ say: 'We did not hear a choice. Please call again, or call the {edtName} on {edtPhone} if a child is at risk now.' }),
        queueWait: prompt.default({ say: 'Thank you for waiting. A social worker will answer as soon as they can.' }),
        callbackOffer: prompt.default({ say: 'To leave your number so that we call you back, press 1. To keep waiting, stay on the line.' }),
        callbackConfirmed: prompt.default({ say: 'Thank you. We will call you back on the number you are calling from. Goodbye.' }),
        holdMusic: z.string().url().optional(),
      })
      .prefault({}),
    /**
     * The MASH this authority's enquiries go to. Several authorities may name the same hub (Stoke-on-Trent
     * and Staffordshire share one). Each RAG rating's target runs on its own clock: working hours,
     * calendar hours or working days (reference/timescales-and-process.md §5).
     */
    mash: z
      .object({
        hub: z.object({ id: slug, name: z.string().min(1) }),
        ratings: z
          .array(
            z.object({
              code: z.enum(['red', 'amber', 'green']),
              label: z.string().min(1),
              description: z.string().min(1),
              target: z.object({ amount: z.number().positive().max(2000), clock: z.enum(['working-hours', 'calendar-hours', 'working-days']) }),
            }),
          )
          .min(1),
        /**
         * The agencies a MASH coordinator can ask for checks. `leadEmail` is the agency's MASH lead (a
         * team inbox, not a person's): told when one of the agency's check requests goes overdue.
         */
        checkAgencies: z.array(coded.extend({ leadEmail: z.string().email().optional() })).min(1),
        /** What the manager can decide after the checks. */
        outcomes: z.array(coded).min(1),
        /** A request with less than this much time left on its clock is shown as due soon. */
        dueSoonMinutes: z.number().int().min(5).max(1440).default(60),
      })
      .superRefine((m, ctx) => {
        for (const key of ['ratings', 'checkAgencies', 'outcomes'] as const) {
          const codes = m[key].map((c) => c.code);
          const dup = codes.find((c, i) => codes.indexOf(c) !== i);
          if (dup) ctx.addIssue({ code: 'custom', path: [key], message: `code "${dup}" appears twice` });
        }
        for (const [i, r] of m.ratings.entries()) {
          if (r.target.clock === 'working-days' && !Number.isInteger(r.target.amount)) {
            ctx.addIssue({ code: 'custom', path: ['ratings', i, 'target', 'amount'], message: 'working days must be a whole number' });
          }
        }
      }),
    /** Out-of-hours conversations must be accepted by CADS within this many working hours of the next opening. */
    edtHandover: z.object({ acceptWithinWorkingHours: z.number().min(0.25).max(24).default(2) }).prefault({}),
    edt: z.object({ name: z.string(), phone: z.string(), hours: z.string() }),
    emergencyMessage: z.string(),
    allocatedWorkerMessage: z.string(),
    /**
     * The partnership's resolving professional disagreements policy: its name and contact (shown to
     * callers), a link to it, and its escalation stages in order, each answered within so many working
     * days of opening (issue 8: disagreements).
     */
    disagreementPolicy: z.object({
      name: z.string(),
      contact: z.string().optional(),
      url: z.string().url().optional(),
      stages: z
        .array(z.object({ code: slug, label: z.string().min(1), who: z.string().min(1), respondWithinWorkingDays: z.number().int().min(1).max(60) }))
        .min(1)
        .max(8)
        .default(DEFAULT_ESCALATION_STAGES)
        .refine((stages) => new Set(stages.map((s) => s.code)).size === stages.length, 'each escalation stage needs its own code'),
    }),
    /**
     * Written referrals: taken only from emergency services. `acceptedFrom` names the agencies
     * (a user's or service account's agency code) that may send one, with the CIN census referral
     * source each counts as; everyone else is told to phone. A referral must be decided within
     * `decideWithinWorkingHours` of the service's open time; a second referral about the same child
     * within `duplicateWindowHours` of the incident and at the same place is flagged as a likely duplicate.
     */
    writtenReferrals: z
      .object({
        acceptedFrom: z
          .array(z.object({ agencyCode: slug, label: z.string().min(1), referralSource: z.string().regex(/^(1[A-D]|2[AB]|3[A-F]|4|5[A-D]|6|7|8|9|10)$/) }))
          .default([
            { agencyCode: 'police', label: 'Police', referralSource: '6' },
            { agencyCode: 'ambulance', label: 'Ambulance service', referralSource: '3F' },
          ]),
        decideWithinWorkingHours: z.number().min(0.25).max(80).default(4),
        dueSoonMinutes: z.number().int().min(5).max(1440).default(60),
        duplicateWindowHours: z.number().min(1).max(72).default(6),
      })
      .prefault({}),
    /**
     * The Early Help team that CADS sends requests for support to: its inbox (a team address, told
     * of each request by reference only), the needs a request can name, why the team may decline
     * one, and the public "Request for support" page for partners.
     */
    earlyHelp: z
      .object({
        teamName: z.string().min(1).default('Early Help team'),
        teamEmail: z.string().email().default('early.help@example.org'),
        requestForSupportUrl: z.string().url().default('https://www.gov.uk/'),
        needs: z
          .array(coded)
          .min(1)
          .default([
            { code: 'school-attendance', label: 'School attendance' },
            { code: 'emotional-wellbeing', label: 'Emotional wellbeing and mental health' },
            { code: 'parenting-support', label: 'Parenting support' },
            { code: 'domestic-abuse', label: 'Domestic abuse' },
            { code: 'housing-financial', label: 'Housing and money' },
            { code: 'substance-misuse', label: 'Drug or alcohol misuse' },
            { code: 'child-development-health', label: 'Child development and health' },
            { code: 'behaviour', label: 'Behaviour' },
            { code: 'young-carer', label: 'Young carer' },
          ]),
        declineReasons: z
          .array(coded)
          .min(1)
          .default([
            { code: 'family-withdrew-consent', label: 'The family withdrew their consent' },
            { code: 'needs-met-elsewhere', label: 'Needs are being met elsewhere' },
            { code: 'needs-social-care', label: 'Needs social care: back to CADS' },
            { code: 'other', label: 'Another reason' },
          ]),
      })
      .prefault({}),
    /**
     * Statutory returns (issue 9): the authority's three-digit DfE local authority number, for the
     * CIN census header. Without it the census file is flagged as not ready to upload.
     */
    statutoryReturns: z.object({ laNumber: z.string().regex(/^\d{3}$/, 'three digits') }).optional(),
    /**
     * The public "Before you call" pages: where partners' questions about the service are emailed (a
     * team inbox, e.g. the safeguarding partnership's business unit, passed to the head of service),
     * and whether the authority's pages are illustrative (made up in the spirit of the real ones).
     */
    beforeYouCall: z
      .object({
        questionsEmail: z.string().email().optional(),
        illustrative: z.boolean().default(false),
      })
      .prefault({}),
    // issue10-E: how long each type of record is kept, and when it is reviewed (src/domain/retention.ts).
    retention: retentionSchema.prefault({}),
    decisionDeadlineWorkingDays: z.number().int().min(1).max(10),
    teams: z.array(z.string().min(1)).min(1),
    levels: z.array(coded).min(1),
    concernCategories: z.array(coded).min(1),
    outcomes: z
      .array(coded.extend({ requiresDecision: z.boolean(), socialCareReferral: z.boolean(), /** Completing a conversation with this outcome opens a MASH enquiry. */ startsMashEnquiry: z.boolean().default(false), /** Completing a conversation with this outcome opens an Early Help request for the child. */ createsEarlyHelpRequest: z.boolean().default(false), /** Completing a conversation with this outcome passes it to the child's allocated worker (refused when they have none). */ passesToAllocatedWorker: z.boolean().default(false) }))
      .min(1),
    decisions: z.array(coded).min(1),
    agencies: z.array(coded.extend({ referralSource: z.string().regex(/^(1[A-D]|2[AB]|3[A-F]|4|5[A-D]|6|7|8|9|10)$/) })),
    accumulationRules: z.array(accumulationRuleSchema),
    writtenRecord: z.object({
      /** GOV.UK Notify template for the record (the email body is the `body` personalisation field). */
      notifyTemplateId: z.string().uuid(),
      /** Shown to callers as the service's address for replies; never a personal inbox. */
      replyToEmail: z.string().email(),
    }),
    survey: z.object({
      expiryDays: z.number().int().min(1).max(365).default(28),
      questions: z
        .array(
          z.object({
            key: z.string().regex(/^[a-z][a-z0-9-]*$/),
            kind: z.enum(['scale', 'choice', 'text']),
            text: z.string().min(1),
            hint: z.string().optional(),
            required: z.boolean().default(false),
            options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
          }),
        )
        .min(1),
    }),
  })
  .superRefine((p, ctx) => {
    for (const key of ['levels', 'concernCategories', 'outcomes', 'decisions', 'agencies'] as const) {
      const codes = p[key].map((c) => c.code);
      const dup = codes.find((c, i) => codes.indexOf(c) !== i);
      if (dup) ctx.addIssue({ code: 'custom', path: [key], message: `code "${dup}" appears twice` });
    }
    const queues = new Set(p.queues.map((q) => q.code));
    if (queues.size !== p.queues.length) ctx.addIssue({ code: 'custom', path: ['queues'], message: 'a queue code appears twice' });
    const lineIds = p.phoneLines.map((l) => l.id);
    const dupLine = lineIds.find((c, i) => lineIds.indexOf(c) !== i);
    if (dupLine) ctx.addIssue({ code: 'custom', path: ['phoneLines'], message: `line id "${dupLine}" appears twice` });
    p.phoneLines.forEach((line, i) => {
      const digits = line.options.map((o) => o.digit);
      const dupDigit = digits.find((d, j) => digits.indexOf(d) !== j);
      if (dupDigit) ctx.addIssue({ code: 'custom', path: ['phoneLines', i, 'options'], message: `option ${dupDigit} appears twice` });
      line.options.forEach((o, j) => {
        if (!queues.has(o.queue)) ctx.addIssue({ code: 'custom', path: ['phoneLines', i, 'options', j, 'queue'], message: `queue "${o.queue}" is not in the queues list` });
      });
      if (line.defaultQueue && !queues.has(line.defaultQueue)) {
        ctx.addIssue({ code: 'custom', path: ['phoneLines', i, 'defaultQueue'], message: `queue "${line.defaultQueue}" is not in the queues list` });
      }
      if (line.options.length === 0 && !line.defaultQueue) {
        ctx.addIssue({ code: 'custom', path: ['phoneLines', i], message: 'a line without options needs a defaultQueue' });
      }
    });
    for (const [name, periods] of Object.entries(p.openingHours)) {
      const sorted = [...periods].sort((a, b) => a.open.localeCompare(b.open));
      for (let k = 1; k < sorted.length; k++) {
        if (sorted[k]!.open < sorted[k - 1]!.close) ctx.addIssue({ code: 'custom', path: ['openingHours', name], message: 'opening periods overlap' });
      }
    }
    if (!p.agencies.some((a) => a.code === 'other')) {
      ctx.addIssue({ code: 'custom', path: ['agencies'], message: 'the agency list needs an "other" entry' });
    }
  });

export type AuthorityProfile = z.infer<typeof authorityProfileSchema>;

export function labelOf(list: { code: string; label: string }[], code: string | null | undefined): string {
  if (!code) return '';
  return list.find((x) => x.code === code)?.label ?? code;
}
