/**
 * MASH deadlines: a RAG rating sets how long partner agencies have to share what they know and the
 * MASH to decide. Councils count the time differently (reference/timescales-and-process.md §5): in
 * working hours (Surrey: red 4, amber 24), in calendar hours (a red enquiry worked through the night),
 * or in working days (Oxfordshire: amber one working day, green three). Each rating in the authority
 * profile says which clock it runs on; everything here works it out from the service calendar, so an
 * evening, a weekend or a bank holiday is counted the way that council counts it.
 */
import type { ServiceCalendar } from './service-calendar.js';
import { londonDateOf, londonWallTimeToInstant } from './dates.js';

export type RagClock = 'working-hours' | 'calendar-hours' | 'working-days';

export interface RagTarget {
  amount: number;
  clock: RagClock;
}

const HOUR = 3_600_000;

/**
 * When work rated with `target` and started at `from` is due.
 * - working hours: the clock runs only while the service is open (a red enquiry rated at 16:00 on a
 *   Friday, 4 working hours, with 9–5 hours, is due at 12:00 on Monday);
 * - calendar hours: the clock never stops;
 * - working days: the end of the nth working day after the London date of `from`, as the decision
 *   deadline counts (the day it arrives is day 0).
 */
export function ragDeadline(target: RagTarget, from: Date, calendar: ServiceCalendar): Date {
  if (!(target.amount > 0)) throw new RangeError(`A RAG target must be more than 0, got ${target.amount}`);
  switch (target.clock) {
    case 'working-hours':
      return calendar.addWorkingHours(from, target.amount);
    case 'calendar-hours':
      return new Date(from.getTime() + target.amount * HOUR);
    case 'working-days': {
      if (!Number.isInteger(target.amount)) throw new RangeError(`Working days must be whole, got ${target.amount}`);
      const day = calendar.working.addWorkingDays(londonDateOf(from), target.amount);
      return londonWallTimeToInstant(day, { hour: 23, minute: 59, second: 59, millisecond: 999 });
    }
  }
}

/**
 * Time left before `due`, counted on the rating's own clock: for working hours only open time counts,
 * so a request due at 10:00 on Monday has one working hour left at 17:00 on Friday, not 65 hours.
 * Negative when overdue (in plain elapsed time, which is what "overdue by" means to everyone).
 */
export function timeLeft(clock: RagClock, now: Date, due: Date, calendar: ServiceCalendar): number {
  if (now.getTime() >= due.getTime()) return due.getTime() - now.getTime();
  return clock === 'working-hours' ? calendar.workingMillisBetween(now, due) : due.getTime() - now.getTime();
}

export type DeadlineState = 'overdue' | 'due-soon' | 'on-time' | 'met' | 'late';

/**
 * Where a deadline stands: met or late once done; otherwise overdue, due soon (within `dueSoonMs` of
 * time left on the rating's clock) or on time.
 */
export function deadlineState(
  clock: RagClock,
  due: Date,
  now: Date,
  doneAt: Date | null,
  calendar: ServiceCalendar,
  dueSoonMs = HOUR,
): DeadlineState {
  if (doneAt) return doneAt.getTime() <= due.getTime() ? 'met' : 'late';
  const left = timeLeft(clock, now, due, calendar);
  if (left <= 0) return 'overdue';
  return left <= dueSoonMs ? 'due-soon' : 'on-time';
}

/** A countdown in words: "3 hours 20 minutes left", "45 minutes left", "overdue by 2 hours 5 minutes". */
export function countdownWords(leftMs: number): string {
  const abs = Math.abs(leftMs);
  const minutes = Math.max(1, Math.ceil(abs / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const part = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  const words = [days ? part(days, 'day') : '', hours ? part(hours, 'hour') : '', !days && mins ? part(mins, 'minute') : '']
    .filter(Boolean)
    .join(' ');
  return leftMs > 0 ? `${words} left` : `overdue by ${words}`;
}
