/**
 * Calendar dates and London wall-clock helpers.
 *
 * A calendar date (date of birth, day a referral arrived) is held as an ISO
 * string 'YYYY-MM-DD', never as a Date: a Date is an instant, and turning a
 * date into midnight-UTC silently shifts it by a day whenever London is on BST.
 * Instants (when a call happened) stay as Date and are only turned into a
 * calendar date through `londonDateOf`, so every "what day was it" question is
 * answered in the service's own time zone.
 */

const LONDON = 'Europe/London';
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

// ---------------------------------------------------------------------------
// ISO calendar-date arithmetic (time-zone free: done on UTC midnights, which
// never have DST jumps, then converted straight back to a date string).
// ---------------------------------------------------------------------------

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function toIso(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

/** True for a real calendar date written exactly as 'YYYY-MM-DD'. */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function assertIsoDate(value: string, what = 'date'): void {
  if (!isIsoDate(value)) {
    throw new TypeError(`Expected ${what} as a real 'YYYY-MM-DD' date, got ${JSON.stringify(value)}`);
  }
}

function isoToUtcMs(date: string): number {
  assertIsoDate(date);
  return Date.parse(`${date}T00:00:00Z`);
}

function utcMsToIso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `date` moved by `days` calendar days (negative moves back). */
export function addDays(date: string, days: number): string {
  if (!Number.isInteger(days)) throw new TypeError(`days must be a whole number, got ${days}`);
  return utcMsToIso(isoToUtcMs(date) + days * MS_PER_DAY);
}

/** Whole calendar days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: string, to: string): number {
  return Math.round((isoToUtcMs(to) - isoToUtcMs(from)) / MS_PER_DAY);
}

/** 0 = Sunday … 6 = Saturday, matching Date#getDay. */
export function dayOfWeek(date: string): number {
  return new Date(isoToUtcMs(date)).getUTCDay();
}

// ---------------------------------------------------------------------------
// London wall clock
// ---------------------------------------------------------------------------

// Formatters are expensive to build; these are reused for every call.
const londonPartsFormatter = new Intl.DateTimeFormat('en-GB', {
  timeZone: LONDON,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function assertValidInstant(instant: Date): void {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new TypeError('Expected a valid Date instant');
  }
}

function londonWallClock(instant: Date): WallClock {
  assertValidInstant(instant);
  const out: Record<string, number> = {};
  for (const part of londonPartsFormatter.formatToParts(instant)) {
    if (part.type !== 'literal') out[part.type] = Number(part.value);
  }
  return {
    year: out.year ?? NaN,
    month: out.month ?? NaN,
    day: out.day ?? NaN,
    hour: out.hour ?? NaN,
    minute: out.minute ?? NaN,
    second: out.second ?? NaN,
  };
}

/** The calendar date in London at `instant`. */
export function londonDateOf(instant: Date): string {
  const w = londonWallClock(instant);
  return toIso(w.year, w.month, w.day);
}

/** Today's date in London; `now` is passed in so callers and tests control the clock. */
export function todayInLondon(now: Date): string {
  return londonDateOf(now);
}

/** London's offset from UTC at `instant`, in milliseconds (0 in GMT, +1h in BST). */
function londonOffsetMs(instant: Date): number {
  const w = londonWallClock(instant);
  const wallAsUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  // Sub-second precision is not part of the wall clock parts, so compare whole seconds.
  const instantSeconds = Math.floor(instant.getTime() / 1000) * 1000;
  return wallAsUtc - instantSeconds;
}

/**
 * The instant at which London clocks show `time` on `date`.
 *
 * For a wall time that does not exist (inside the spring-forward gap) this
 * lands an hour later; for one that happens twice (the autumn repeat) it picks
 * the second (GMT) occurrence. Neither matters for end-of-day deadlines,
 * because UK clocks change in the small hours, never near midnight.
 */
export function londonWallTimeToInstant(
  date: string,
  time: { hour: number; minute?: number; second?: number; millisecond?: number },
): Date {
  assertIsoDate(date);
  const { hour, minute = 0, second = 0, millisecond = 0 } = time;
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wallAsUtc = Date.UTC(y, m - 1, d, hour, minute, second, millisecond);
  // Two passes: the first guess may sit on the other side of a clock change.
  const firstGuess = wallAsUtc - londonOffsetMs(new Date(wallAsUtc));
  const secondGuess = wallAsUtc - londonOffsetMs(new Date(firstGuess));
  return new Date(secondGuess);
}

// ---------------------------------------------------------------------------
// Display (GOV.UK style: '23 November 2026', '2:05pm', 'midday', 'midnight')
// ---------------------------------------------------------------------------

/** '2026-11-23' → '23 November 2026'. */
export function formatDateLong(date: string): string {
  assertIsoDate(date);
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return `${d} ${MONTH_NAMES[m - 1]} ${y}`;
}

function formatTimeGovUk(hour: number, minute: number): string {
  // GOV.UK style guide: 'midday' and 'midnight' rather than 12pm/12am.
  if (minute === 0 && hour === 0) return 'midnight';
  if (minute === 0 && hour === 12) return 'midday';
  const suffix = hour < 12 ? 'am' : 'pm';
  const h12 = hour % 12 === 0 ? 12 : hour % 12;
  return minute === 0 ? `${h12}${suffix}` : `${h12}:${pad2(minute)}${suffix}`;
}

/** An instant as London sees it: '23 November 2026 at 2:05pm'. */
export function formatDateTimeLondon(instant: Date): string {
  const w = londonWallClock(instant);
  return `${w.day} ${MONTH_NAMES[w.month - 1]} ${w.year} at ${formatTimeGovUk(w.hour, w.minute)}`;
}

// ---------------------------------------------------------------------------
// Age
// ---------------------------------------------------------------------------

/**
 * Completed years of age on `onDate`. Someone born on 29 February turns a year
 * older on 1 March in non-leap years, the usual reading in England and Wales.
 */
export function ageInYears(dob: string, onDate: string): number {
  assertIsoDate(dob, 'date of birth');
  assertIsoDate(onDate);
  if (onDate < dob) {
    throw new RangeError(`Cannot work out an age on ${onDate} for someone born on ${dob}`);
  }
  return yearsBetween(dob, onDate);
}

/**
 * Whole years from one ISO date to another, without checks: negative when `onDate` comes first.
 * For matching, where dates are whatever a caller or another system gave (some in the future).
 */
export function yearsBetween(dob: string, onDate: string): number {
  const [by, bm, bd] = dob.split('-').map(Number) as [number, number, number];
  const [oy, om, od] = onDate.split('-').map(Number) as [number, number, number];
  const hadBirthdayThisYear = om > bm || (om === bm && od >= bd);
  return oy - by - (hadBirthdayThisYear ? 0 : 1);
}

// ---------------------------------------------------------------------------
// GOV.UK date input parsing
// ---------------------------------------------------------------------------

export type DatePart = 'day' | 'month' | 'year';

export interface DatePartsInput {
  day?: string | null;
  month?: string | null;
  year?: string | null;
}

export interface ParseDateOptions {
  /**
   * What the date is, as it reads mid-sentence: 'date of birth'. It is
   * capitalised automatically when it starts a message.
   */
  label: string;
  mustBePast?: boolean;
  mustBeFuture?: boolean;
  /** Let today's date pass `mustBePast`/`mustBeFuture` (messages then say 'today or in the past'). */
  allowToday?: boolean;
  /** Today's London date 'YYYY-MM-DD'; required when mustBePast or mustBeFuture is set. */
  today?: string;
}

export type ParseDateResult =
  | { ok: true; date: string }
  | {
      ok: false;
      message: string;
      /** Where the error summary link should point. */
      field: DatePart | 'all';
      /** Every input to highlight (all three when `field` is 'all'). */
      fields: DatePart[];
    };

const MONTH_LOOKUP: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  MONTH_NAMES.forEach((name, i) => {
    map.set(name.toLowerCase(), i + 1);
    map.set(name.slice(0, 3).toLowerCase(), i + 1);
  });
  // 'Sept' is a common abbreviation that the 3-letter rule does not cover.
  map.set('sept', 9);
  return map;
})();

function sentenceStart(label: string): string {
  return label.charAt(0).toUpperCase() + label.slice(1);
}

function midSentence(label: string): string {
  // Lower-case 'Date of birth' but leave acronyms such as 'EHCP review date' alone.
  const second = label.charAt(1);
  if (second && second === second.toUpperCase() && second !== second.toLowerCase()) return label;
  return label.charAt(0).toLowerCase() + label.slice(1);
}

function joinWithAnd(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function parseMonth(raw: string): number | null {
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  const named = MONTH_LOOKUP.get(raw.toLowerCase().replace(/\.$/, ''));
  return named ?? null;
}

function fail(message: string, field: DatePart | 'all', fields?: DatePart[]): ParseDateResult {
  return {
    ok: false,
    message,
    field,
    fields: fields ?? (field === 'all' ? ['day', 'month', 'year'] : [field]),
  };
}

/**
 * Turn the three boxes of a GOV.UK date input into an ISO date, or the single
 * highest-priority error message the Design System asks for (missing, then
 * impossible, then outside the allowed range).
 */
export function parseDateParts(input: DatePartsInput, options: ParseDateOptions): ParseDateResult {
  const Label = sentenceStart(options.label);
  const parts: Record<DatePart, string> = {
    day: (input.day ?? '').trim(),
    month: (input.month ?? '').trim(),
    year: (input.year ?? '').trim(),
  };
  const order: DatePart[] = ['day', 'month', 'year'];
  const missing = order.filter((p) => parts[p] === '');

  if (missing.length === 3) return fail(`Enter ${midSentence(options.label)}`, 'all');
  if (missing.length > 0) {
    return fail(`${Label} must include a ${joinWithAnd(missing)}`, missing[0] as DatePart, missing);
  }
  // A short year is "incomplete" rather than "wrong", so it ranks with the missing-part errors.
  if (/^\d{1,3}$/.test(parts.year)) return fail('Year must include 4 numbers', 'year');

  const wrong: DatePart[] = [];
  const day = /^\d{1,2}$/.test(parts.day) ? Number(parts.day) : NaN;
  if (!(day >= 1 && day <= 31)) wrong.push('day');
  const month = parseMonth(parts.month) ?? NaN;
  if (!(month >= 1 && month <= 12)) wrong.push('month');
  const year = /^\d{4}$/.test(parts.year) ? Number(parts.year) : NaN;
  if (!(year >= 1000)) wrong.push('year');

  const realDate = `${Label} must be a real date`;
  if (wrong.length === 1) return fail(realDate, wrong[0] as DatePart);
  if (wrong.length > 1) return fail(realDate, 'all');
  // Each part is plausible alone but together they are not (31 April, 29 February 2025):
  // it is not clear which box is wrong, so the whole date is highlighted.
  if (day > daysInMonth(year, month)) return fail(realDate, 'all');

  const date = toIso(year, month, day);

  if (options.mustBePast || options.mustBeFuture) {
    const today = options.today;
    if (today === undefined) {
      throw new TypeError('parseDateParts needs options.today when mustBePast or mustBeFuture is set');
    }
    assertIsoDate(today, 'today');
    const allowToday = options.allowToday === true;
    if (options.mustBePast && (date > today || (date === today && !allowToday))) {
      return fail(`${Label} must be ${allowToday ? 'today or ' : ''}in the past`, 'all');
    }
    if (options.mustBeFuture && (date < today || (date === today && !allowToday))) {
      return fail(`${Label} must be ${allowToday ? 'today or ' : ''}in the future`, 'all');
    }
  }

  return { ok: true, date };
}
