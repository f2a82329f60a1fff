/**
 * Working days for statutory timescales: Monday to Friday, excluding bank
 * holidays in England and Wales (the CIN census convention).
 *
 * Counting convention: the day something arrives is day 0, so "within 1
 * working day" means by the end of the next working day.
 *
 * Bank holidays are data, published by GOV.UK about two years ahead. Past the
 * end of that data we cannot know whether a day is a working day, so the
 * calendar refuses to answer rather than quietly treat a future bank holiday
 * as a working day and produce a deadline that is a day early.
 */
import { z } from 'zod';
import { addDays, dayOfWeek, isIsoDate, londonDateOf, londonWallTimeToInstant } from './dates.js';

export class CalendarCoverageError extends Error {
  constructor(
    readonly date: string,
    readonly coverageStart: string,
    readonly coverageEnd: string,
  ) {
    super(
      `No bank holiday data for ${date}: the working-day calendar only covers ${coverageStart} to ${coverageEnd}. ` +
        'Refresh the bank holidays file from https://www.gov.uk/bank-holidays.json.',
    );
    this.name = 'CalendarCoverageError';
  }
}

export interface WorkingCalendar {
  /** First date the holiday data is known to cover. */
  readonly coverageStart: string;
  /** Last date the holiday data is known to cover. */
  readonly coverageEnd: string;
  /** Throws CalendarCoverageError outside the covered range. */
  isWorkingDay(date: string): boolean;
  /**
   * The date `n` working days after `date`, counting `date` itself as day 0
   * (so n = 0 returns `date` unchanged, even on a weekend). Throws
   * CalendarCoverageError if the answer would fall outside the covered range.
   */
  addWorkingDays(date: string, n: number): string;
}

export interface WorkingCalendarOptions {
  /** Last date the holiday list is complete for, e.g. '2027-12-31'. */
  coverageEnd: string;
  /** Defaults to 1 January of the year of the earliest holiday given. */
  coverageStart?: string;
}

export function createWorkingCalendar(
  holidays: readonly string[],
  options: WorkingCalendarOptions,
): WorkingCalendar {
  if (holidays.length === 0) {
    throw new Error('createWorkingCalendar needs at least one bank holiday; an empty list usually means the data did not load');
  }
  for (const h of holidays) {
    if (!isIsoDate(h)) throw new TypeError(`Bank holiday ${JSON.stringify(h)} is not a 'YYYY-MM-DD' date`);
  }
  const sorted = [...holidays].sort();
  const coverageEnd = options.coverageEnd;
  if (!isIsoDate(coverageEnd)) {
    throw new TypeError(`coverageEnd ${JSON.stringify(coverageEnd)} is not a 'YYYY-MM-DD' date`);
  }
  const coverageStart = options.coverageStart ?? `${(sorted[0] as string).slice(0, 4)}-01-01`;
  if (!isIsoDate(coverageStart)) {
    throw new TypeError(`coverageStart ${JSON.stringify(coverageStart)} is not a 'YYYY-MM-DD' date`);
  }
  if (coverageStart > coverageEnd) {
    throw new RangeError(`coverageStart ${coverageStart} is after coverageEnd ${coverageEnd}`);
  }
  const holidaySet: ReadonlySet<string> = new Set(sorted);

  function checkCovered(date: string): void {
    if (!isIsoDate(date)) throw new TypeError(`Expected a 'YYYY-MM-DD' date, got ${JSON.stringify(date)}`);
    if (date < coverageStart || date > coverageEnd) {
      throw new CalendarCoverageError(date, coverageStart, coverageEnd);
    }
  }

  function isWorkingDay(date: string): boolean {
    checkCovered(date);
    const dow = dayOfWeek(date);
    return dow !== 0 && dow !== 6 && !holidaySet.has(date);
  }

  function addWorkingDays(date: string, n: number): string {
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(`Number of working days must be a whole number of 0 or more, got ${n}`);
    }
    checkCovered(date);
    let current = date;
    let remaining = n;
    while (remaining > 0) {
      current = addDays(current, 1);
      if (isWorkingDay(current)) remaining -= 1;
    }
    return current;
  }

  return { coverageStart, coverageEnd, isWorkingDay, addWorkingDays };
}

/**
 * When a contact received at `receivedAt` needs a decision by: the last
 * millisecond (23:59:59.999 London time) of the next working day after the
 * London date of receipt (or the `workingDays`-th, when an authority allows longer).
 * Returned as an instant, so it is 22:59:59.999Z in
 * summer and 23:59:59.999Z in winter.
 */
export function decisionDeadline(receivedAt: Date, calendar: WorkingCalendar, workingDays = 1): Date {
  const dayOfReceipt = londonDateOf(receivedAt);
  const dueDate = calendar.addWorkingDays(dayOfReceipt, workingDays);
  return londonWallTimeToInstant(dueDate, { hour: 23, minute: 59, second: 59, millisecond: 999 });
}

// Only the fields we rely on are checked; GOV.UK also sends title, notes and
// bunting, and the other divisions, which are allowed through untouched.
const bankHolidaysFileSchema = z.object({
  'england-and-wales': z.object({
    events: z.array(
      z.object({
        date: z.string().refine(isIsoDate, { message: "must be a 'YYYY-MM-DD' date" }),
      }),
    ),
  }),
});

/**
 * The England and Wales dates from a parsed GOV.UK bank-holidays.json, sorted
 * and without duplicates. The caller reads and parses the file.
 */
export function loadEnglandAndWalesHolidays(json: unknown): string[] {
  const result = bankHolidaysFileSchema.safeParse(json);
  if (!result.success) {
    throw new Error(`Bank holidays data is not in the GOV.UK bank-holidays.json format:\n${z.prettifyError(result.error)}`);
  }
  const dates = result.data['england-and-wales'].events.map((e) => e.date);
  return [...new Set(dates)].sort();
}
