/**
 * "Should I call?": the professional flowchart that partners follow before they phone the service,
 * as pure logic. One question per page, in this order:
 *
 *   1. Is it an emergency, or is a child in immediate danger?   yes → call 999 now
 *   2. Does the child or family have an allocated worker?        yes → contact them directly
 *   3. Does the concern meet the threshold for the service?      no  → Early Help (Request for support)
 *                                                                 yes → call the service (its number,
 *                                                                       options, hours, EDT, what to have ready)
 *
 * Also here: the "open now / hours today / next opening" wording for the result page, built from an
 * authority's service calendar (so bank holidays and closures count), and the monthly review rule
 * for the pages' content.
 */
import type { AuthorityProfile } from './authority-profile.js';
import type { ClosedReason, ServiceCalendar } from './service-calendar.js';
import { describeOpening } from './service-calendar.js';
import { dayOfWeek, londonDateOf, MONTH_NAMES } from './dates.js';

export const CHECKER_QUESTIONS = ['emergency', 'allocated-worker', 'threshold'] as const;
export type CheckerQuestion = (typeof CHECKER_QUESTIONS)[number];
export const CHECKER_OUTCOMES = ['call-999', 'contact-allocated-worker', 'early-help', 'call-the-service'] as const;
export type CheckerOutcome = (typeof CHECKER_OUTCOMES)[number];
export type CheckerAnswer = 'yes' | 'no';

export type CheckerStep = { kind: 'question'; question: CheckerQuestion } | { kind: 'outcome'; outcome: CheckerOutcome };

export const FIRST_QUESTION: CheckerQuestion = 'emergency';

export function isCheckerQuestion(value: unknown): value is CheckerQuestion {
  return typeof value === 'string' && (CHECKER_QUESTIONS as readonly string[]).includes(value);
}

export function isCheckerOutcome(value: unknown): value is CheckerOutcome {
  return typeof value === 'string' && (CHECKER_OUTCOMES as readonly string[]).includes(value);
}

/** 'yes' or 'no'; anything else (nothing chosen, a made-up value) is null. */
export function parseAnswer(value: unknown): CheckerAnswer | null {
  return value === 'yes' || value === 'no' ? value : null;
}

/** Where an answer leads: the next question, or an outcome. */
export function nextStep(question: CheckerQuestion, answer: CheckerAnswer): CheckerStep {
  switch (question) {
    case 'emergency':
      return answer === 'yes' ? { kind: 'outcome', outcome: 'call-999' } : { kind: 'question', question: 'allocated-worker' };
    case 'allocated-worker':
      return answer === 'yes' ? { kind: 'outcome', outcome: 'contact-allocated-worker' } : { kind: 'question', question: 'threshold' };
    case 'threshold':
      return answer === 'yes' ? { kind: 'outcome', outcome: 'call-the-service' } : { kind: 'outcome', outcome: 'early-help' };
  }
}

/** The question a step's "Back" link returns to; null for the first question. */
export function previousQuestion(step: CheckerStep): CheckerQuestion | null {
  if (step.kind === 'question') {
    const i = CHECKER_QUESTIONS.indexOf(step.question);
    return i <= 0 ? null : CHECKER_QUESTIONS[i - 1]!;
  }
  switch (step.outcome) {
    case 'call-999':
      return 'emergency';
    case 'contact-allocated-worker':
      return 'allocated-worker';
    case 'early-help':
    case 'call-the-service':
      return 'threshold';
  }
}

/** The answers that lead to an outcome, in order: what the result page lists as "Your answers". */
export function answersFor(outcome: CheckerOutcome): { question: CheckerQuestion; answer: CheckerAnswer }[] {
  switch (outcome) {
    case 'call-999':
      return [{ question: 'emergency', answer: 'yes' }];
    case 'contact-allocated-worker':
      return [{ question: 'emergency', answer: 'no' }, { question: 'allocated-worker', answer: 'yes' }];
    case 'early-help':
      return [{ question: 'emergency', answer: 'no' }, { question: 'allocated-worker', answer: 'no' }, { question: 'threshold', answer: 'no' }];
    case 'call-the-service':
      return [{ question: 'emergency', answer: 'no' }, { question: 'allocated-worker', answer: 'no' }, { question: 'threshold', answer: 'yes' }];
  }
}

// ---------------------------------------------------------------------------
// Opening hours, in words
// ---------------------------------------------------------------------------

const DAY_KEYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

const londonTime = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** '9am', '8:30am', '4:30pm', 'midday', 'midnight' (GOV.UK style) from hours and minutes. */
export function clockWords(hour: number, minute: number): string {
  if (minute === 0 && hour === 0) return 'midnight';
  if (minute === 0 && hour === 12) return 'midday';
  const h12 = hour % 12 === 0 ? 12 : hour % 12;
  const suffix = hour < 12 ? 'am' : 'pm';
  return minute === 0 ? `${h12}${suffix}` : `${h12}:${String(minute).padStart(2, '0')}${suffix}`;
}

/** An instant's London wall time in words. */
export function timeWords(instant: Date): string {
  const parts = londonTime.formatToParts(instant);
  return clockWords(Number(parts.find((p) => p.type === 'hour')?.value), Number(parts.find((p) => p.type === 'minute')?.value));
}

function hhmmWords(hhmm: string): string {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return clockWords(h, m);
}

function periodsWords(periods: { open: string; close: string }[]): string {
  return periods.map((p) => `${hhmmWords(p.open)} to ${hhmmWords(p.close)}`).join(' and ');
}

/**
 * The weekly hours in words, days with the same hours run together:
 * ['Monday to Thursday: 8:30am to 5pm', 'Friday: 8:30am to 4:30pm', 'Saturday and Sunday: closed'].
 */
export function weeklyHoursWords(openingHours: AuthorityProfile['openingHours']): string[] {
  const groups: { from: number; to: number; text: string }[] = [];
  DAY_KEYS.forEach((key, i) => {
    const periods = [...(openingHours[key] ?? [])].sort((a, b) => a.open.localeCompare(b.open));
    const text = periods.length ? periodsWords(periods) : 'closed';
    const last = groups[groups.length - 1];
    if (last && last.text === text && last.to === i - 1) last.to = i;
    else groups.push({ from: i, to: i, text });
  });
  return groups.map((g) => {
    const days = g.from === g.to ? DAY_NAMES[g.from] : g.to === g.from + 1 ? `${DAY_NAMES[g.from]} and ${DAY_NAMES[g.to]}` : `${DAY_NAMES[g.from]} to ${DAY_NAMES[g.to]}`;
    return `${days}: ${g.text}`;
  });
}

export interface OpeningSummary {
  openNow: boolean;
  /** 'Open now, until 5pm' or 'Closed now'. */
  statusText: string;
  /** 'Monday 23 November' (London). */
  todayText: string;
  /** '9am to 5pm', or 'Closed today' with the reason when there is one. */
  hoursTodayText: string;
  closedReason: ClosedReason | null;
  /** Why it is closed, in words: 'It is a bank holiday (Christmas Day).'; null when open. */
  closedReasonText: string | null;
  /** 'at 9am tomorrow'; null when open, or when no opening is known. */
  nextOpeningText: string | null;
  /** Out of hours the caller should use the Emergency Duty Team if a child is at risk now. */
  useEdt: boolean;
}

function longDate(date: string): string {
  const [, m, d] = date.split('-').map(Number) as [number, number, number];
  return `${WEEKDAY_NAMES[dayOfWeek(date)]} ${d} ${MONTH_NAMES[m - 1]}`;
}

/**
 * Whether the service is open at `now`, today's hours (after bank holidays and closures) and, when
 * closed, why and when it opens again, in the words the result page uses.
 */
export function openingSummary(calendar: Pick<ServiceCalendar, 'statusAt' | 'periodsOn' | 'holidayOn'>, now: Date): OpeningSummary {
  const today = londonDateOf(now);
  const status = calendar.statusAt(now);
  const periods = calendar.periodsOn(today);
  const holiday = calendar.holidayOn(today);
  let hoursTodayText: string;
  if (periods.length > 0) {
    hoursTodayText = periods.map((p) => `${timeWords(p.open)} to ${timeWords(p.close)}`).join(' and ');
  } else if (holiday) {
    hoursTodayText = `Closed today: it is a bank holiday (${holiday.title})`;
  } else if (!status.open && status.reason === 'closure' && status.detail) {
    hoursTodayText = `Closed today: ${status.detail}`;
  } else {
    hoursTodayText = 'Closed today';
  }
  const todayText = longDate(today);
  if (status.open) {
    return {
      openNow: true,
      statusText: `Open now, until ${timeWords(status.closesAt)}`,
      todayText,
      hoursTodayText,
      closedReason: null,
      closedReasonText: null,
      nextOpeningText: null,
      useEdt: false,
    };
  }
  const reasonText: Record<ClosedReason, string> = {
    'outside-hours': 'It is outside opening hours.',
    weekend: 'It is the weekend.',
    'bank-holiday': `It is a bank holiday${status.detail ? ` (${status.detail})` : ''}.`,
    closure: `The service is closed${status.detail ? `: ${status.detail}` : ''}.`,
  };
  return {
    openNow: false,
    statusText: 'Closed now',
    todayText,
    hoursTodayText,
    closedReason: status.reason,
    closedReasonText: reasonText[status.reason],
    nextOpeningText: status.nextOpening ? describeOpening(status.nextOpening, now) : null,
    useEdt: true,
  };
}

// ---------------------------------------------------------------------------
// Reviewing the content
// ---------------------------------------------------------------------------

/** The London date one calendar month after `date` (31 January → 28 or 29 February). */
export function addOneMonth(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const ny = m === 12 ? y + 1 : y;
  const nm = m === 12 ? 1 : m + 1;
  const lastDay = new Date(Date.UTC(ny, nm, 0)).getUTCDate();
  return `${ny}-${String(nm).padStart(2, '0')}-${String(Math.min(d, lastDay)).padStart(2, '0')}`;
}

/** Content last reviewed at `lastReviewedAt` is due for review from the same London date a month later. */
export function reviewDueOn(lastReviewedAt: Date): string {
  return addOneMonth(londonDateOf(lastReviewedAt));
}

export function isReviewDue(lastReviewedAt: Date, now: Date): boolean {
  return londonDateOf(now) >= reviewDueOn(lastReviewedAt);
}

/**
 * Whether the administrators should be reminded now: the content is due for review, and they have
 * not been reminded since it was last reviewed, or were reminded more than a month ago and it is
 * still not reviewed. So one reminder a month, and none while the content is up to date.
 */
export function isReminderDue(lastReviewedAt: Date, remindedAt: Date | null, now: Date): boolean {
  if (!isReviewDue(lastReviewedAt, now)) return false;
  if (remindedAt === null || remindedAt < lastReviewedAt) return true;
  return isReviewDue(remindedAt, now);
}

