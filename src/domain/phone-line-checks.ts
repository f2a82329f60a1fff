/**
 * Checks an administrator can read on the phone-line page: mistakes in an authority profile that
 * the schema cannot catch on its own (a queue nobody is sent to, a number a switch cannot dial,
 * holiday data about to run out, a message with a placeholder the phone line does not fill in).
 *
 * Pure: the profile, its calendar and the time are given. Errors first, then warnings, then what
 * was checked and found in order.
 */
import type { AuthorityProfile, Prompt } from './authority-profile.js';
import type { ServiceCalendar } from './service-calendar.js';
import { addDays, dayOfWeek, formatDateLong, londonDateOf } from './dates.js';
import { normaliseUkPhone } from './phone.js';
import { KNOWN_PLACEHOLDERS } from './ivr.js';

export type CheckLevel = 'error' | 'warning' | 'ok';

export interface PhoneLineCheck {
  level: CheckLevel;
  message: string;
}

/** How far ahead the bank-holiday data must reach before it is worth a warning. */
export const HOLIDAY_DATA_WARNING_DAYS = 183;

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] as const;
/** By dayOfWeek: 0 is Sunday. */
const WEEK = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const DAY_NAMES: Record<string, string> = {
  monday: 'Monday', tuesday: 'Tuesday', wednesday: 'Wednesday', thursday: 'Thursday', friday: 'Friday', saturday: 'Saturday', sunday: 'Sunday',
};

const MESSAGE_NAMES: Record<string, string> = {
  emergency: 'emergency message',
  outOfHours: 'out-of-hours message',
  closed: 'closed-today message',
  invalidOption: 'wrong-option message',
  noOption: 'no-choice message',
  queueWait: 'waiting message',
  callbackOffer: 'callback offer',
  callbackConfirmed: 'callback confirmation',
};

/** Every prompt in the profile with a name an administrator recognises. */
export function namedPrompts(profile: AuthorityProfile): { name: string; prompt: Prompt }[] {
  const out: { name: string; prompt: Prompt }[] = [];
  for (const line of profile.phoneLines) {
    if (line.greeting) out.push({ name: `greeting on the ${line.id} line`, prompt: line.greeting });
    if (line.menuIntro) out.push({ name: `menu introduction on the ${line.id} line`, prompt: line.menuIntro });
    for (const o of line.options) if (o.prompt) out.push({ name: `option ${o.digit} on the ${line.id} line`, prompt: o.prompt });
  }
  for (const [key, name] of Object.entries(MESSAGE_NAMES)) {
    const prompt = (profile.phoneMessages as Record<string, unknown>)[key] as Prompt | undefined;
    if (prompt) out.push({ name: `the ${name}`, prompt });
  }
  return out;
}

/** The placeholders in a text, e.g. ['nextOpening', 'edtPhone']. */
export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!);
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function checkPhoneLine(profile: AuthorityProfile, calendar: ServiceCalendar, now: Date): PhoneLineCheck[] {
  const errors: string[] = [];
  const warnings: string[] = [];
  const ok: string[] = [];
  const today = londonDateOf(now);

  // Numbers a caller dials, and the EDT number callers are told to ring.
  const badNumbers = profile.phoneLines.filter((l) => !normaliseUkPhone(l.number));
  for (const l of badNumbers) errors.push(`The ${l.id} line’s number “${l.number}” is not a possible UK phone number`);
  if (badNumbers.length === 0) ok.push(`${plural(profile.phoneLines.length, 'line number is a possible UK phone number', 'line numbers are possible UK phone numbers')}`);
  if (!normaliseUkPhone(profile.edt.phone)) errors.push(`The ${profile.edt.name}’s number “${profile.edt.phone}” is not a possible UK phone number, and callers are told to ring it when the service is closed`);
  else ok.push(`The ${profile.edt.name}’s number ${profile.edt.phone} is a possible UK phone number`);

  // Queues.
  const used = new Set(profile.phoneLines.flatMap((l) => [...l.options.map((o) => o.queue), ...(l.defaultQueue ? [l.defaultQueue] : [])]));
  const unused = profile.queues.filter((q) => !used.has(q.code));
  for (const q of unused) warnings.push(`The queue “${q.label}” (${q.code}) is not used by any line: no call can reach it`);
  if (unused.length === 0) ok.push('Every queue is used by at least one line');
  for (const l of profile.phoneLines) {
    if (l.options.length > 0 && !l.defaultQueue) {
      warnings.push(`The ${l.id} line has no default queue: a caller who does not choose an option hears the menu again and is then asked to call back`);
    }
    for (const o of l.options) {
      if (o.prompt && 'say' in o.prompt && !o.prompt.say.includes(o.digit)) {
        warnings.push(`On the ${l.id} line, what is said for option ${o.digit} does not mention ${o.digit}`);
      }
    }
  }

  // Bank holidays.
  const coverageEnd = calendar.working.coverageEnd;
  if (coverageEnd < today) {
    errors.push(`The bank holiday data ran out on ${formatDateLong(coverageEnd)}: deadlines cannot be worked out, and the phone line may answer on a bank holiday. Update config/calendar/bank-holidays.json from GOV.UK`);
  } else if (coverageEnd < addDays(today, HOLIDAY_DATA_WARNING_DAYS)) {
    warnings.push(`The bank holiday data runs out on ${formatDateLong(coverageEnd)}, within 6 months. Update config/calendar/bank-holidays.json from GOV.UK`);
  } else {
    ok.push(`The bank holiday data runs until ${formatDateLong(coverageEnd)}`);
  }

  // Opening hours and closures.
  const noHours = WEEKDAYS.filter((d) => profile.openingHours[d].length === 0);
  for (const d of noHours) warnings.push(`There are no opening hours on ${DAY_NAMES[d]}s: the service is closed all day every ${DAY_NAMES[d]}`);
  if (noHours.length === 0) ok.push('There are opening hours on every weekday');
  const past = profile.closures.filter((c) => c.date < today);
  if (past.length) {
    warnings.push(`${plural(past.length, 'closure is', 'closures are')} in the past and can be removed from the profile: ${past.map((c) => formatDateLong(c.date)).join(', ')}`);
  }
  for (const c of profile.closures.filter((x) => x.date >= today)) {
    const holiday = calendar.holidayOn(c.date);
    const dayName = WEEK[dayOfWeek(c.date)]!;
    if (holiday) warnings.push(`The closure on ${formatDateLong(c.date)} is on a bank holiday (${holiday.title}), when the service is closed anyway`);
    else if (profile.openingHours[dayName].length === 0) warnings.push(`The closure on ${formatDateLong(c.date)} is on a ${DAY_NAMES[dayName]}, when the service is closed anyway`);
  }
  if (past.length === 0) ok.push(profile.closures.length ? 'Every closure listed is today or later' : 'No closures are listed');

  // Messages.
  const known = new Set<string>(KNOWN_PLACEHOLDERS);
  let unknownFound = false;
  for (const { name, prompt } of namedPrompts(profile)) {
    if (!('say' in prompt)) {
      if (!prompt.play.startsWith('https://')) warnings.push(`The recording for ${name} is not on an https:// address; switches may refuse to play it`);
      continue;
    }
    const unknown = [...new Set(placeholdersIn(prompt.say).filter((p) => !known.has(p)))];
    if (unknown.length) {
      unknownFound = true;
      errors.push(`${name[0]!.toUpperCase()}${name.slice(1)} uses ${unknown.map((u) => `{${u}}`).join(', ')}, which the phone line does not fill in: callers would hear it as written. Use ${KNOWN_PLACEHOLDERS.map((k) => `{${k}}`).join(', ')}`);
    }
  }
  if (!unknownFound) ok.push('Every message uses only placeholders the phone line fills in');

  return [
    ...errors.map((message) => ({ level: 'error' as const, message })),
    ...warnings.map((message) => ({ level: 'warning' as const, message })),
    ...ok.map((message) => ({ level: 'ok' as const, message })),
  ];
}
