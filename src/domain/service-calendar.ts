/**
 * The service calendar: one place that knows when an authority's service is open, built from
 * the authority's opening hours, its closures, and its bank-holiday division. Every deadline in
 * Front Door (decision deadlines in working days, EDT handovers and MASH checks in working hours)
 * and every answer the phone line gives ("we are closed; we open again at 9am on Monday") comes
 * from here.
 *
 * All instants are Date; every "which day / what time is it" question is answered in
 * Europe/London wall time, so a deadline that crosses a clock change is still right.
 *
 * Bank holiday data (GOV.UK's, about two years ahead) bounds what can be known. The two kinds of
 * question treat the end of that data differently, on purpose:
 *   - deadline arithmetic (`working.*`, `addWorkingHours`, `workingMillisBetween`) throws
 *     CalendarCoverageError for any day outside the data, because a bank holiday nobody has loaded
 *     would make a deadline early;
 *   - the open/closed answer (`statusAt`, `isOpen`, `nextOpening`, `periodsOn`, `holidayOn`) never
 *     throws: outside the data it assumes there are no bank holidays (weekly hours and closures still
 *     apply), because the phone line must still answer. Refresh the data before it runs out.
 */
import { z } from 'zod';
import type { AuthorityProfile } from './authority-profile.js';
import { CalendarCoverageError, createWorkingCalendar, type WorkingCalendar } from './working-days.js';
import { addDays, dayOfWeek, isIsoDate, londonDateOf, londonWallTimeToInstant, MONTH_NAMES } from './dates.js';

export type Division = 'england-and-wales' | 'scotland' | 'northern-ireland';

export interface BankHoliday {
  date: string;
  title: string;
}

/** The parts of an authority profile the calendar needs. */
export type OpeningRules = Pick<AuthorityProfile, 'openingHours' | 'closures'>;

export type ClosedReason = 'outside-hours' | 'weekend' | 'bank-holiday' | 'closure';

export type ServiceStatus =
  | { open: true; closesAt: Date }
  | {
      open: false;
      reason: ClosedReason;
      /** The closure's reason or the bank holiday's title, when that is why. */
      detail: string | null;
      /** The next instant the service opens; null when none is known within the calendar's coverage. */
      nextOpening: Date | null;
    };

export interface OpenPeriod {
  open: Date;
  close: Date;
}

export interface ServiceCalendar {
  /** Working days (weekends and the division's bank holidays excluded) for day-based deadlines. */
  readonly working: WorkingCalendar;
  /** Whether the service is open at `at`, and if not why and when it opens again. */
  statusAt(at: Date): ServiceStatus;
  isOpen(at: Date): boolean;
  /** `at` itself when open; otherwise the next opening instant (null if beyond coverage). */
  nextOpening(at: Date): Date | null;
  /** The open periods of a London calendar date, after bank holidays and closures. */
  periodsOn(date: string): OpenPeriod[];
  /** The bank holiday on a London date, if any. */
  holidayOn(date: string): BankHoliday | null;
  /** `from` plus `hours` of open time (fractions allowed): the clock only runs while the service is open. */
  addWorkingHours(from: Date, hours: number): Date;
  /** Open time between two instants, in milliseconds (0 when `to` is not after `from`). */
  workingMillisBetween(from: Date, to: Date): number;
}

// ---------------------------------------------------------------------------
// Bank holidays (GOV.UK bank-holidays.json)
// ---------------------------------------------------------------------------

export const DIVISIONS: readonly Division[] = ['england-and-wales', 'scotland', 'northern-ireland'];

// Only the fields we rely on are checked; GOV.UK's other fields (division, notes, bunting) are
// allowed and dropped.
const eventSchema = z.object({
  title: z.string().trim().min(1, 'every bank holiday needs a title'),
  date: z.string().refine(isIsoDate, { message: "must be a real 'YYYY-MM-DD' date" }),
});
const divisionSchema = z.object({ events: z.array(eventSchema).min(1, 'a division needs at least one bank holiday') });
const bankHolidaysFileSchema = z.object({
  'england-and-wales': divisionSchema,
  scotland: divisionSchema,
  'northern-ireland': divisionSchema,
});

/**
 * Every division's bank holidays from a parsed GOV.UK bank-holidays.json, each list sorted by date
 * with one entry per date (the first listed wins). The caller reads and parses the file; anything
 * not in that format throws an Error that names the fields at fault.
 */
export function loadBankHolidays(json: unknown): Record<Division, BankHoliday[]> {
  const result = bankHolidaysFileSchema.safeParse(json);
  if (!result.success) {
    throw new Error(`Bank holidays data is not in the GOV.UK bank-holidays.json format:\n${z.prettifyError(result.error)}`);
  }
  const tidy = (events: readonly BankHoliday[]): BankHoliday[] => {
    const byDate = new Map<string, BankHoliday>();
    for (const e of events) if (!byDate.has(e.date)) byDate.set(e.date, { date: e.date, title: e.title });
    return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  };
  return {
    'england-and-wales': tidy(result.data['england-and-wales'].events),
    scotland: tidy(result.data.scotland.events),
    'northern-ireland': tidy(result.data['northern-ireland'].events),
  };
}

// ---------------------------------------------------------------------------
// The calendar
// ---------------------------------------------------------------------------

export interface ServiceCalendarOptions {
  /** Last date the holiday list is complete for; defaults to 31 December of the last holiday's year. */
  coverageEnd?: string;
}

interface WallTime {
  hour: number;
  minute: number;
}

/** An interval of instants in epoch milliseconds, start inclusive, end exclusive. */
interface Span {
  start: number;
  end: number;
}

interface DayInfo {
  holiday: BankHoliday | null;
  /** The day's closures, in the order the rules list them. */
  closures: readonly ParsedClosure[];
  /** Periods from the weekly opening hours alone (before bank holidays and closures). */
  regular: readonly Span[];
  /** What is left after bank holidays and closures. */
  spans: readonly Span[];
}

interface ParsedClosure {
  from: WallTime | null;
  until: WallTime | null;
  reason: string;
}

const WEEKDAY_KEYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MS_PER_HOUR = 3_600_000;
/** How far statusAt and nextOpening look ahead for an opening before giving up. */
const SEARCH_DAYS = 400;
const DAY_CACHE_LIMIT = 4000;

function parseHhmm(value: string, what: string): WallTime {
  const m = HHMM.exec(value);
  if (!m) throw new TypeError(`${what} ${JSON.stringify(value)} is not an 'HH:MM' time (24-hour clock)`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

const minutesOf = (w: WallTime) => w.hour * 60 + w.minute;

function assertInstant(at: Date, what: string): number {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new TypeError(`${what} must be a valid Date`);
  return at.getTime();
}

function assertDate(date: string): void {
  if (!isIsoDate(date)) throw new TypeError(`Expected a 'YYYY-MM-DD' date, got ${JSON.stringify(date)}`);
}

/** Sorted, with touching or overlapping spans joined. */
function normalise(spans: Span[]): Span[] {
  const sorted = spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

function subtract(spans: readonly Span[], cut: Span): Span[] {
  return spans.flatMap((s) => {
    if (cut.end <= s.start || cut.start >= s.end) return [s];
    const parts: Span[] = [];
    if (cut.start > s.start) parts.push({ start: s.start, end: cut.start });
    if (cut.end < s.end) parts.push({ start: cut.end, end: s.end });
    return parts;
  });
}

/**
 * A service calendar for one authority: its weekly opening hours and closures (`rules`, usually
 * the authority profile itself) and the bank holidays of its division.
 *
 * `working` is the day-based working calendar and throws CalendarCoverageError outside the
 * holiday data's coverage, as do addWorkingHours and workingMillisBetween when they would have to
 * look at such a day: a deadline must never be quietly early because a bank holiday was unknown.
 * statusAt, isOpen, nextOpening, periodsOn and holidayOn never throw for coverage: past the data
 * they assume no bank holidays, so the phone line keeps answering (at worst it says it is open on
 * a bank holiday nobody has loaded yet, which the closures list can correct).
 */
export function createServiceCalendar(
  rules: OpeningRules,
  holidays: readonly BankHoliday[],
  options: ServiceCalendarOptions = {},
): ServiceCalendar {
  if (holidays.length === 0) {
    throw new Error('createServiceCalendar needs at least one bank holiday; an empty list usually means the data did not load');
  }
  const sortedHolidays = [...holidays].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const lastHoliday = sortedHolidays[sortedHolidays.length - 1]!;
  const working = createWorkingCalendar(
    sortedHolidays.map((h) => h.date),
    { coverageEnd: options.coverageEnd ?? `${lastHoliday.date.slice(0, 4)}-12-31` },
  );
  const holidayByDate = new Map<string, BankHoliday>();
  for (const h of sortedHolidays) if (!holidayByDate.has(h.date)) holidayByDate.set(h.date, { date: h.date, title: h.title });

  // The weekly hours, checked once here rather than on every question.
  const weekly: Array<Array<{ open: WallTime; close: WallTime }>> = WEEKDAY_KEYS.map((key) =>
    (rules.openingHours[key] ?? []).map((p, i) => {
      const open = parseHhmm(p.open, `openingHours.${key}[${i}].open`);
      const close = parseHhmm(p.close, `openingHours.${key}[${i}].close`);
      if (minutesOf(open) >= minutesOf(close)) {
        throw new RangeError(`openingHours.${key}[${i}]: open (${p.open}) must be before close (${p.close})`);
      }
      return { open, close };
    }),
  );

  const closuresByDate = new Map<string, ParsedClosure[]>();
  (rules.closures ?? []).forEach((c, i) => {
    if (!isIsoDate(c.date)) throw new TypeError(`closures[${i}].date ${JSON.stringify(c.date)} is not a 'YYYY-MM-DD' date`);
    if ((c.from === undefined) !== (c.until === undefined)) throw new TypeError(`closures[${i}]: give both from and until, or neither`);
    const from = c.from === undefined ? null : parseHhmm(c.from, `closures[${i}].from`);
    const until = c.until === undefined ? null : parseHhmm(c.until, `closures[${i}].until`);
    if (from && until && minutesOf(from) >= minutesOf(until)) {
      throw new RangeError(`closures[${i}]: from (${c.from}) must be before until (${c.until})`);
    }
    const list = closuresByDate.get(c.date) ?? [];
    list.push({ from, until, reason: c.reason });
    closuresByDate.set(c.date, list);
  });

  const dayCache = new Map<string, DayInfo>();

  function closureSpan(date: string, c: ParsedClosure): Span | null {
    if (!c.from || !c.until) return null;
    return {
      start: londonWallTimeToInstant(date, c.from).getTime(),
      end: londonWallTimeToInstant(date, c.until).getTime(),
    };
  }

  function dayInfo(date: string): DayInfo {
    const cached = dayCache.get(date);
    if (cached) return cached;
    assertDate(date);
    const regular = normalise(
      (weekly[dayOfWeek(date)] ?? []).map((p) => ({
        start: londonWallTimeToInstant(date, p.open).getTime(),
        end: londonWallTimeToInstant(date, p.close).getTime(),
      })),
    );
    const holiday = holidayByDate.get(date) ?? null;
    const closures = closuresByDate.get(date) ?? [];
    let spans: Span[] = holiday ? [] : regular;
    for (const c of closures) {
      const cut = closureSpan(date, c);
      spans = cut ? subtract(spans, cut) : [];
    }
    const info: DayInfo = { holiday, closures, regular, spans };
    if (dayCache.size >= DAY_CACHE_LIMIT) dayCache.clear();
    dayCache.set(date, info);
    return info;
  }

  /** For deadline arithmetic: the day, or CalendarCoverageError outside the holiday data. */
  function coveredDayInfo(date: string): DayInfo {
    if (date < working.coverageStart || date > working.coverageEnd) {
      throw new CalendarCoverageError(date, working.coverageStart, working.coverageEnd);
    }
    return dayInfo(date);
  }

  /** The first open instant at or after `t`, looking SEARCH_DAYS ahead. */
  function firstOpenFrom(t: number): number | null {
    let date = londonDateOf(new Date(t));
    for (let i = 0; i <= SEARCH_DAYS; i++) {
      for (const s of dayInfo(date).spans) if (s.end > t) return Math.max(s.start, t);
      date = addDays(date, 1);
    }
    return null;
  }

  function statusAt(at: Date): ServiceStatus {
    const t = assertInstant(at, 'statusAt(at)');
    const date = londonDateOf(at);
    const info = dayInfo(date);
    const span = info.spans.find((s) => s.start <= t && t < s.end);
    if (span) return { open: true, closesAt: new Date(span.end) };

    const next = firstOpenFrom(t);
    const nextOpening = next === null ? null : new Date(next);
    if (info.holiday) return { open: false, reason: 'bank-holiday', detail: info.holiday.title, nextOpening };
    const inClosure = info.closures.find((c) => {
      const cut = closureSpan(date, c);
      return cut === null || (cut.start <= t && t < cut.end);
    });
    if (inClosure) return { open: false, reason: 'closure', detail: inClosure.reason, nextOpening };
    // Partial closures that between them take the whole day.
    if (info.regular.length > 0 && info.spans.length === 0 && info.closures[0]) {
      return { open: false, reason: 'closure', detail: info.closures[0].reason, nextOpening };
    }
    const dow = dayOfWeek(date);
    if ((dow === 0 || dow === 6) && info.spans.length === 0) return { open: false, reason: 'weekend', detail: null, nextOpening };
    return { open: false, reason: 'outside-hours', detail: null, nextOpening };
  }

  function addWorkingHours(from: Date, hours: number): Date {
    let t = assertInstant(from, 'addWorkingHours(from)');
    if (!Number.isFinite(hours) || hours < 0) {
      throw new RangeError(`Number of working hours must be 0 or more, got ${hours}`);
    }
    let remaining = Math.round(hours * MS_PER_HOUR);
    let date = londonDateOf(from);
    let closedDays = 0;
    for (;;) {
      const { spans } = coveredDayInfo(date);
      for (const s of spans) {
        if (s.end <= t) continue;
        const start = Math.max(s.start, t);
        // With 0 hours the answer is when the clock would start: `from` if open, else the next opening.
        if (remaining <= s.end - start) return new Date(start + remaining);
        remaining -= s.end - start;
        t = s.end;
      }
      closedDays = spans.length === 0 ? closedDays + 1 : 0;
      if (closedDays > SEARCH_DAYS) throw new RangeError(`The service has no opening hours in the ${SEARCH_DAYS} days before ${date}`);
      date = addDays(date, 1);
    }
  }

  function workingMillisBetween(from: Date, to: Date): number {
    const a = assertInstant(from, 'workingMillisBetween(from)');
    const b = assertInstant(to, 'workingMillisBetween(to)');
    if (b <= a) return 0;
    let total = 0;
    const last = londonDateOf(to);
    for (let date = londonDateOf(from); date <= last; date = addDays(date, 1)) {
      for (const s of coveredDayInfo(date).spans) {
        const overlap = Math.min(s.end, b) - Math.max(s.start, a);
        if (overlap > 0) total += overlap;
      }
    }
    return total;
  }

  return {
    working,
    statusAt,
    isOpen: (at) => {
      const t = assertInstant(at, 'isOpen(at)');
      return dayInfo(londonDateOf(at)).spans.some((s) => s.start <= t && t < s.end);
    },
    nextOpening: (at) => {
      const next = firstOpenFrom(assertInstant(at, 'nextOpening(at)'));
      return next === null ? null : new Date(next);
    },
    periodsOn: (date) => dayInfo(date).spans.map((s) => ({ open: new Date(s.start), close: new Date(s.end) })),
    holidayOn: (date) => {
      assertDate(date);
      const h = holidayByDate.get(date);
      return h ? { ...h } : null;
    },
    addWorkingHours,
    workingMillisBetween,
  };
}

// ---------------------------------------------------------------------------
// Words for callers
// ---------------------------------------------------------------------------

const londonTimeFormatter = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** London wall time of an instant in the house style: '9am', '8:30am', '1pm', 'midday', 'midnight'. */
function spokenTime(instant: Date): string {
  const parts = londonTimeFormatter.formatToParts(instant);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value);
  if (minute === 0 && hour === 0) return 'midnight';
  if (minute === 0 && hour === 12) return 'midday';
  const h12 = hour % 12 === 0 ? 12 : hour % 12;
  const suffix = hour < 12 ? 'am' : 'pm';
  return minute === 0 ? `${h12}${suffix}` : `${h12}:${String(minute).padStart(2, '0')}${suffix}`;
}

/**
 * When the service opens, as a caller hears it, in London time: 'at 9am today', 'at 8:30am
 * tomorrow', 'at 9am on Monday 28 December' (with the year only when it is not now's year).
 * Midday and midnight are said as such, as GOV.UK style has it.
 */
export function describeOpening(next: Date, now: Date): string {
  assertInstant(next, 'describeOpening(next)');
  assertInstant(now, 'describeOpening(now)');
  const time = spokenTime(next);
  const day = londonDateOf(next);
  const today = londonDateOf(now);
  if (day === today) return `at ${time} today`;
  if (day === addDays(today, 1)) return `at ${time} tomorrow`;
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const year = day.slice(0, 4) === today.slice(0, 4) ? '' : ` ${y}`;
  return `at ${time} on ${WEEKDAY_NAMES[dayOfWeek(day)]} ${d} ${MONTH_NAMES[m - 1]}${year}`;
}
