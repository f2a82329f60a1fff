/**
 * Accumulation of concern: spotting a child who keeps coming back to the
 * front door, so that a run of individually "low level" calls is looked at
 * as a whole. Each authority chooses its rules in its profile.
 *
 * The rules are kept deliberately simple, because a social worker has to be
 * able to check a flag by looking at the list of conversations. All counting
 * is in London calendar days, which is how the worker sees the dates.
 *
 * - count-in-window: at least `count` conversations whose dates all fit inside
 *   `windowDays` consecutive calendar days, somewhere in the lookback period.
 *   With windowDays 7, Monday and the following Sunday fit; Monday and the
 *   following Monday (8 calendar days) do not.
 * - repeat-after-outcome: a conversation on the same day as, or up to
 *   `withinDays` days after, an earlier one that ended with one of
 *   `outcomeCodes` (typically no further action).
 *
 * The lookback period is the last `lookbackDays` calendar days up to and
 * including the London date of `asOf` (365 days unless the rule says
 * otherwise). Conversations after `asOf` are ignored. Whether the conversation
 * being recorded now counts is the caller's choice: include it in the list or not.
 */
import { z } from 'zod';
import { daysBetween, londonDateOf } from './dates.js';

export const DEFAULT_LOOKBACK_DAYS = 365;

const days = z.number().int().min(1).max(3660);

const countInWindowRuleSchema = z
  .strictObject({
    kind: z.literal('count-in-window'),
    count: z.number().int().min(2).max(100),
    windowDays: days,
    lookbackDays: days.optional(),
  })
  .refine((r) => r.windowDays <= (r.lookbackDays ?? DEFAULT_LOOKBACK_DAYS), {
    message: 'windowDays cannot be longer than the lookback period',
    path: ['windowDays'],
  });

const repeatAfterOutcomeRuleSchema = z
  .strictObject({
    kind: z.literal('repeat-after-outcome'),
    outcomeCodes: z.array(z.string().min(1)).min(1),
    withinDays: days,
    lookbackDays: days.optional(),
  })
  .refine((r) => r.withinDays <= (r.lookbackDays ?? DEFAULT_LOOKBACK_DAYS), {
    message: 'withinDays cannot be longer than the lookback period',
    path: ['withinDays'],
  });

/** One rule from an authority profile. Strict, so a misspelt key is an error rather than a silently ignored rule. */
export const accumulationRuleSchema = z.discriminatedUnion('kind', [
  countInWindowRuleSchema,
  repeatAfterOutcomeRuleSchema,
]);
export const accumulationRulesSchema = z.array(accumulationRuleSchema);

export type CountInWindowRule = z.infer<typeof countInWindowRuleSchema>;
export type RepeatAfterOutcomeRule = z.infer<typeof repeatAfterOutcomeRuleSchema>;
export type AccumulationRule = z.infer<typeof accumulationRuleSchema>;

export interface ConversationSummary {
  id: string;
  occurredAt: Date;
  outcomeCode: string;
}

export interface AccumulationFlag {
  rule: AccumulationRule;
  /** Plain English for the worker, e.g. '3 conversations in the last 12 months'. */
  message: string;
  /** The conversations behind the flag, oldest first. */
  conversationIds: string[];
}

export interface AccumulationOptions {
  /** Outcome code → label, so messages can say 'No further action' instead of a code. */
  outcomeLabels?: Readonly<Record<string, string>>;
}

interface Dated extends ConversationSummary {
  date: string;
}

function describePeriod(n: number): string {
  if (n === 365 || n === 366) return '12 months';
  return n === 1 ? '1 day' : `${n} days`;
}

function conversations(n: number): string {
  return n === 1 ? '1 conversation' : `${n} conversations`;
}

function idsInOrder(items: readonly Dated[], ids: ReadonlySet<string>): string[] {
  return items.filter((c) => ids.has(c.id)).map((c) => c.id);
}

function evaluateCountInWindow(rule: CountInWindowRule, history: Dated[], asOfDate: string): AccumulationFlag | null {
  const lookback = rule.lookbackDays ?? DEFAULT_LOOKBACK_DAYS;
  const inLookback = history.filter((c) => daysBetween(c.date, asOfDate) < lookback);
  const fits = (first: Dated, last: Dated) => daysBetween(first.date, last.date) < rule.windowDays;

  // Any window holding `count` or more conversations contains a run of `count`
  // consecutive ones, so checking consecutive runs finds every one of them.
  const involved = new Set<string>();
  for (let end = rule.count - 1; end < inLookback.length; end++) {
    const start = end - rule.count + 1;
    if (fits(inLookback[start] as Dated, inLookback[end] as Dated)) {
      for (let k = start; k <= end; k++) involved.add((inLookback[k] as Dated).id);
    }
  }
  if (involved.size === 0) return null;

  let message: string;
  if (rule.windowDays >= lookback) {
    message = `${conversations(inLookback.length)} in the last ${describePeriod(lookback)}`;
  } else {
    // Report the busiest window, which is the figure a worker would reach by counting.
    let busiest = 0;
    let start = 0;
    for (let end = 0; end < inLookback.length; end++) {
      while (!fits(inLookback[start] as Dated, inLookback[end] as Dated)) start++;
      busiest = Math.max(busiest, end - start + 1);
    }
    message = `${conversations(busiest)} within ${describePeriod(rule.windowDays)} of each other in the last ${describePeriod(lookback)}`;
  }
  return { rule, message, conversationIds: idsInOrder(inLookback, involved) };
}

function evaluateRepeatAfterOutcome(
  rule: RepeatAfterOutcomeRule,
  history: Dated[],
  asOfDate: string,
  options: AccumulationOptions,
): AccumulationFlag | null {
  const lookback = rule.lookbackDays ?? DEFAULT_LOOKBACK_DAYS;
  const inLookback = history.filter((c) => daysBetween(c.date, asOfDate) < lookback);
  const involved = new Set<string>();
  const repeats = new Set<string>();
  const triggeringOutcomes: string[] = [];

  inLookback.forEach((earlier, i) => {
    if (!rule.outcomeCodes.includes(earlier.outcomeCode)) return;
    for (const later of inLookback.slice(i + 1)) {
      // Two records with the same timestamp cannot say which came first.
      if (later.occurredAt.getTime() === earlier.occurredAt.getTime()) continue;
      if (daysBetween(earlier.date, later.date) > rule.withinDays) break;
      involved.add(earlier.id);
      involved.add(later.id);
      repeats.add(later.id);
      if (!triggeringOutcomes.includes(earlier.outcomeCode)) triggeringOutcomes.push(earlier.outcomeCode);
    }
  });
  if (repeats.size === 0) return null;

  const outcomes = triggeringOutcomes
    .map((code) => `'${options.outcomeLabels?.[code] ?? code}'`)
    .join(' or ');
  let message = `Contacted again within ${describePeriod(rule.withinDays)} after the outcome ${outcomes}`;
  if (repeats.size > 1) message += ` (${repeats.size} times in the last ${describePeriod(lookback)})`;
  return { rule, message, conversationIds: idsInOrder(inLookback, involved) };
}

/** The rules that fire for one child's conversations, in the order the rules are given. */
export function evaluateAccumulation(
  history: readonly ConversationSummary[],
  asOf: Date,
  rules: readonly AccumulationRule[],
  options: AccumulationOptions = {},
): AccumulationFlag[] {
  if (!(asOf instanceof Date) || Number.isNaN(asOf.getTime())) throw new TypeError('asOf must be a valid Date');
  for (const c of history) {
    if (!(c.occurredAt instanceof Date) || Number.isNaN(c.occurredAt.getTime())) {
      throw new TypeError(`Conversation ${c.id} has no valid occurredAt`);
    }
  }
  const asOfDate = londonDateOf(asOf);
  const dated: Dated[] = history
    .filter((c) => c.occurredAt.getTime() <= asOf.getTime())
    .map((c) => ({ ...c, date: londonDateOf(c.occurredAt) }))
    .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id.localeCompare(b.id));

  const flags: AccumulationFlag[] = [];
  for (const rule of rules) {
    const flag =
      rule.kind === 'count-in-window'
        ? evaluateCountInWindow(rule, dated, asOfDate)
        : evaluateRepeatAfterOutcome(rule, dated, asOfDate, options);
    if (flag) flags.push(flag);
  }
  return flags;
}

/** How far back any of the rules look, in days: history older than this cannot fire a rule. */
export function longestLookbackDays(rules: readonly AccumulationRule[]): number {
  return Math.max(DEFAULT_LOOKBACK_DAYS, ...rules.map((r) => r.lookbackDays ?? DEFAULT_LOOKBACK_DAYS));
}
