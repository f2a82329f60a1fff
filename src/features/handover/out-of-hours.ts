import type { AuthorityProfile } from '../../domain/authority-profile.js';
import type { ServiceCalendar } from '../../domain/service-calendar.js';

export interface OutOfHoursFields {
  out_of_hours: boolean;
  handover_due_at: Date | null;
}

/**
 * How a new conversation starts on the handover clock. Everything the Emergency Duty Team records,
 * and anything a CADS worker records while the service is closed, is out of hours: CADS must accept
 * it within the profile's working hours of the next opening.
 *
 * The conversation is recorded whatever the calendar can say: a time the calendar cannot place
 * (no bank-holiday data that far ahead) counts as out of hours, so it is handed over rather than
 * lost, and an "accept by" that cannot be worked out is left empty for the list to show as such.
 */
export function outOfHoursFields(service: 'cads' | 'edt', calendar: ServiceCalendar, profile: AuthorityProfile, now: Date): OutOfHoursFields {
  let outOfHours = service === 'edt';
  if (!outOfHours) {
    try {
      outOfHours = !calendar.isOpen(now);
    } catch {
      outOfHours = true;
    }
  }
  if (!outOfHours) return { out_of_hours: false, handover_due_at: null };
  let due: Date | null = null;
  try {
    due = calendar.addWorkingHours(now, profile.edtHandover.acceptWithinWorkingHours);
  } catch {
    due = null;
  }
  return { out_of_hours: true, handover_due_at: due };
}
