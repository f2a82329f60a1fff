import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import type { Database } from './db/database.js';
import type { AuthorityProfiles } from './authorities.js';
import type { Jobs } from './jobs.js';
import type { Mailer } from './mail/mailer.js';
import type { ServiceCalendars } from './calendars.js';
import { createWorkingCalendar, loadEnglandAndWalesHolidays, type WorkingCalendar } from '../domain/working-days.js';

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

/** What every feature is given: built once in main.ts (or by the test harness). */
export interface AppContext {
  config: Config;
  db: Database;
  profiles: AuthorityProfiles;
  /** England and Wales working days, for code not yet on per-authority calendars. */
  calendar: WorkingCalendar;
  /** Each authority's service calendar: opening hours, closures, its division's bank holidays. */
  calendars: ServiceCalendars;
  clock: Clock;
  /**
   * issue10-D: the clock that session timeouts and re-authentication are measured on; the system
   * clock when absent. Apart from ctx.clock because that one is pinned or sped up in tests and the
   * call simulator, where a session must not time out because business time jumped a day.
   */
  sessionClock?: Clock;
  /** Durable jobs (pg-boss) on the same database. */
  jobs: Jobs;
  mailer: Mailer;
}

const holidaysFile = fileURLToPath(new URL('../../config/calendar/bank-holidays.json', import.meta.url));

export function loadWorkingCalendar(file = holidaysFile): WorkingCalendar {
  const holidays = loadEnglandAndWalesHolidays(JSON.parse(readFileSync(file, 'utf8')));
  const lastYear = holidays[holidays.length - 1]!.slice(0, 4);
  return createWorkingCalendar(holidays, { coverageEnd: `${lastYear}-12-31` });
}
