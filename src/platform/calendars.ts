import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AuthorityProfiles } from './authorities.js';
import {
  createServiceCalendar,
  loadBankHolidays,
  type BankHoliday,
  type Division,
  type ServiceCalendar,
} from '../domain/service-calendar.js';

export const bankHolidaysFile = fileURLToPath(new URL('../../config/calendar/bank-holidays.json', import.meta.url));

/**
 * Each authority's service calendar (opening hours, closures and its division's bank holidays),
 * built the first time it is asked for and kept. Profiles are loaded once at start, so a calendar
 * never goes stale within a process.
 */
export class ServiceCalendars {
  private readonly byAuthority = new Map<string, ServiceCalendar>();

  constructor(
    private readonly profiles: AuthorityProfiles,
    private readonly holidays: Readonly<Record<Division, readonly BankHoliday[]>>,
  ) {}

  /** Reads the GOV.UK bank-holidays.json (config/calendar/ unless told otherwise); a bad file stops the start. */
  static load(profiles: AuthorityProfiles, file = bankHolidaysFile): ServiceCalendars {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`Could not read the bank holidays file ${file}: ${(err as Error).message}`);
    }
    return new ServiceCalendars(profiles, loadBankHolidays(json));
  }

  forAuthority(authorityId: string): ServiceCalendar {
    let calendar = this.byAuthority.get(authorityId);
    if (!calendar) {
      const profile = this.profiles.get(authorityId);
      calendar = createServiceCalendar(profile, this.holidays[profile.bankHolidayDivision]);
      this.byAuthority.set(authorityId, calendar);
    }
    return calendar;
  }
}
