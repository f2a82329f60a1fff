import { z } from 'zod';
import { accumulationRuleSchema } from './accumulation.js';

/**
 * An authority profile: how one council runs the service. Councils configure the same
 * service differently (hours, phone options, levels of need, outcomes), so none of
 * this is code.
 */
const coded = z.object({ code: z.string().min(1), label: z.string().min(1) });
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'times are HH:MM, 24-hour clock');
const day = z.array(z.object({ open: hhmm, close: hhmm }));

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
    phoneLines: z.array(
      z.object({
        number: z.string().min(1),
        for: z.enum(['professionals', 'public']),
        description: z.string(),
        options: z.array(z.object({ digit: z.string().regex(/^[0-9]$/), label: z.string(), queue: z.string() })),
      }),
    ),
    openingHours: z.object({
      monday: day,
      tuesday: day,
      wednesday: day,
      thursday: day,
      friday: day,
      saturday: day,
      sunday: day,
    }),
    // Front Door serves English councils; other divisions' calendars are not loaded yet.
    bankHolidayDivision: z.literal('england-and-wales'),
    edt: z.object({ name: z.string(), phone: z.string(), hours: z.string() }),
    emergencyMessage: z.string(),
    allocatedWorkerMessage: z.string(),
    disagreementPolicy: z.object({ name: z.string(), contact: z.string().optional() }),
    decisionDeadlineWorkingDays: z.number().int().min(1).max(10),
    teams: z.array(z.string().min(1)).min(1),
    levels: z.array(coded).min(1),
    concernCategories: z.array(coded).min(1),
    outcomes: z
      .array(coded.extend({ requiresDecision: z.boolean(), socialCareReferral: z.boolean() }))
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
    if (!p.agencies.some((a) => a.code === 'other')) {
      ctx.addIssue({ code: 'custom', path: ['agencies'], message: 'the agency list needs an "other" entry' });
    }
  });

export type AuthorityProfile = z.infer<typeof authorityProfileSchema>;

export function labelOf(list: { code: string; label: string }[], code: string | null | undefined): string {
  if (!code) return '';
  return list.find((x) => x.code === code)?.label ?? code;
}
