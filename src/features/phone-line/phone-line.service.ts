import type { AppContext } from '../../platform/context.js';
import type { Principal } from '../../platform/auth/roles.js';
import { notFound } from '../../platform/http/errors.js';
import type { AuthorityProfile, Prompt } from '../../domain/authority-profile.js';
import { describeOpening, type ClosedReason, type ServiceCalendar } from '../../domain/service-calendar.js';
import { chosenOption, holdStep, incomingCall, MENU_ATTEMPTS, promptVars, renderPromptText, type IvrStep, type PromptVars } from '../../domain/ivr.js';
import { checkPhoneLine, placeholdersIn } from '../../domain/phone-line-checks.js';
import { diffJson } from '../../domain/json-diff.js';
import { addDays, dayOfWeek, formatDateLong, londonDateOf, londonWallTimeToInstant, parseDateParts, type DatePart } from '../../domain/dates.js';
import { PhoneLineRepository } from './phone-line.repository.js';

const WEEK = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
const DIVISIONS: Record<AuthorityProfile['bankHolidayDivision'], string> = {
  'england-and-wales': 'England and Wales',
  scotland: 'Scotland',
  'northern-ireland': 'Northern Ireland',
};
const MESSAGES: { key: keyof AuthorityProfile['phoneMessages']; name: string; when: string }[] = [
  { key: 'emergency', name: 'Emergency', when: 'Said on every call, open or closed' },
  { key: 'outOfHours', name: 'Out of hours', when: 'Outside opening hours and at weekends' },
  { key: 'closed', name: 'Closed today', when: 'On bank holidays and closures' },
  { key: 'invalidOption', name: 'Not an option', when: 'The caller pressed a key that is not an option' },
  { key: 'noOption', name: 'No choice', when: `The caller chose nothing after ${MENU_ATTEMPTS} menus, on a line without a default queue` },
  { key: 'queueWait', name: 'Waiting', when: 'Repeated while the caller waits in a queue' },
  { key: 'callbackOffer', name: 'Callback offer', when: 'Once the caller has waited as long as the queue allows' },
  { key: 'callbackConfirmed', name: 'Callback confirmed', when: 'The caller asked to be called back' },
];
const TIME = /^([01]?\d|2[0-3])[:.]([0-5]\d)$/;
const DIGIT = /^[0-9*#]$/;
const MAX_CHECK_FIELD = 20;

const londonTime = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** '9am', '8:30am', 'midday', 'midnight', as GOV.UK style writes times. */
export function timeWords(hour: number, minute: number): string {
  if (minute === 0 && hour === 0) return 'midnight';
  if (minute === 0 && hour === 12) return 'midday';
  const h12 = hour % 12 === 0 ? 12 : hour % 12;
  const suffix = hour < 12 ? 'am' : 'pm';
  return minute === 0 ? `${h12}${suffix}` : `${h12}:${String(minute).padStart(2, '0')}${suffix}`;
}

function instantTime(d: Date): string {
  const parts = londonTime.formatToParts(d);
  return timeWords(Number(parts.find((p) => p.type === 'hour')!.value), Number(parts.find((p) => p.type === 'minute')!.value));
}

function hhmmWords(hhmm: string): string {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return timeWords(h, m);
}

/** '1 minute', '1 minute 30 seconds', '45 seconds'. */
export function secondsWords(total: number): string {
  const m = Math.floor(total / 60);
  const s = total % 60;
  const mins = m === 0 ? '' : `${m} minute${m === 1 ? '' : 's'}`;
  const secs = s === 0 ? '' : `${s} second${s === 1 ? '' : 's'}`;
  return [mins, secs].filter(Boolean).join(' ') || '0 seconds';
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** 'Monday 23 November 2026'. */
function dayLong(date: string): string {
  return `${DAY_NAMES[dayOfWeek(date)]} ${formatDateLong(date)}`;
}

function closedWords(reason: ClosedReason, detail: string | null): string {
  switch (reason) {
    case 'bank-holiday':
      return `bank holiday${detail ? ` (${detail})` : ''}`;
    case 'closure':
      return `closure${detail ? ` (${detail})` : ''}`;
    case 'weekend':
      return 'weekend';
    default:
      return 'outside opening hours';
  }
}

export interface CheckValues {
  line: string;
  day: string;
  month: string;
  year: string;
  time: string;
  digit: string;
}

export interface CheckStep {
  title: string;
  prompts: string[];
  outcome: string;
}

export interface CheckResult {
  at: Date;
  lineLabel: string;
  serviceStatus: string;
  firstStep: string;
  destination: string;
  steps: CheckStep[];
}

export type CheckAnswer =
  | { values: CheckValues; asked: false }
  | { values: CheckValues; asked: true; errors: { text: string; href: string }[]; dateError: { text: string; fields: DatePart[] } | null }
  | { values: CheckValues; asked: true; errors: []; result: CheckResult };

/**
 * The administrator's view of the phone line: how it is set up, whether it is open, what callers
 * hear, checks for mistakes, and every version of the profile that has been loaded.
 */
export class PhoneLineService {
  readonly repo = new PhoneLineRepository();
  constructor(private readonly ctx: AppContext) {}

  private profileAndCalendar(principal: Principal): { profile: AuthorityProfile; calendar: ServiceCalendar } {
    return { profile: this.ctx.profiles.get(principal.authorityId), calendar: this.ctx.calendars.forAuthority(principal.authorityId) };
  }

  private queueLabel(profile: AuthorityProfile, code: string): string {
    return profile.queues.find((q) => q.code === code)?.label ?? code;
  }

  lineLabel(line: AuthorityProfile['phoneLines'][number]): string {
    return `${line.number}: ${line.description || (line.for === 'public' ? 'members of the public' : 'professionals')}`;
  }

  /** 'Open. Closes at 5pm' or 'Closed: weekend. Opens again at 9am on Monday 23 November', and the part after the first word. */
  statusWords(calendar: ServiceCalendar, at: Date, now: Date = at): { open: boolean; text: string; detail: string } {
    const s = calendar.statusAt(at);
    if (s.open) {
      const sameDay = londonDateOf(s.closesAt) === londonDateOf(at);
      const detail = `Closes at ${instantTime(s.closesAt)}${sameDay ? '' : ` on ${dayLong(londonDateOf(s.closesAt))}`}`;
      return { open: true, text: `Open. ${detail}`, detail };
    }
    const next = s.nextOpening ? `Opens again ${describeOpening(s.nextOpening, now)}` : 'No opening is known in the next year';
    const why = closedWords(s.reason, s.detail);
    return { open: false, text: `Closed: ${why}. ${next}`, detail: `${capitalise(why)}. ${next}` };
  }

  async overview(principal: Principal) {
    const now = this.ctx.clock.now();
    const { profile, calendar } = this.profileAndCalendar(principal);
    const today = londonDateOf(now);
    // While the service is open nobody hears the closed messages, so they are shown as callers
    // will hear them from closing time: "we open again at 9am tomorrow", not "at 10am today".
    const nowStatus = calendar.statusAt(now);
    const sayAt = nowStatus.open ? nowStatus.closesAt : now;
    const vars = promptVars(profile, calendar, sayAt);
    const text = (p: Prompt | undefined) => (p ? renderPromptText(p, vars) : null);

    const lines = profile.phoneLines.map((l) => ({
      id: l.id,
      number: l.number,
      for: l.for === 'public' ? 'Members of the public' : 'Professionals',
      description: l.description,
      label: this.lineLabel(l),
      greeting: text(l.greeting),
      menuIntro: text(l.menuIntro),
      options: l.options.map((o) => ({ digit: o.digit, label: o.label, queue: o.queue, queueLabel: this.queueLabel(profile, o.queue), prompt: text(o.prompt) })),
      defaultQueue: l.defaultQueue ? { code: l.defaultQueue, label: this.queueLabel(profile, l.defaultQueue) } : null,
    }));

    const queues = profile.queues.map((q) => ({
      code: q.code,
      label: q.label,
      answerTarget: secondsWords(q.answerTargetSeconds),
      callbackAfter: secondsWords(q.callbackOfferAfterSeconds),
      usedBy: profile.phoneLines.flatMap((l) => [
        ...l.options.filter((o) => o.queue === q.code).map((o) => `${l.id} line, option ${o.digit}`),
        ...(l.defaultQueue === q.code ? [`${l.id} line, when no option is chosen`] : []),
      ]),
    }));

    const openingHours = WEEK.map((d) => ({
      day: capitalise(d),
      periods: profile.openingHours[d].length ? profile.openingHours[d].map((p) => `${hhmmWords(p.open)} to ${hhmmWords(p.close)}`).join(', ') : 'Closed',
    }));

    const closure = (c: AuthorityProfile['closures'][number]) => ({
      date: dayLong(c.date),
      time: c.from && c.until ? `${hhmmWords(c.from)} to ${hhmmWords(c.until)}` : 'All day',
      reason: c.reason,
    });
    const sortedClosures = [...profile.closures].sort((a, b) => a.date.localeCompare(b.date) || (a.from ?? '').localeCompare(b.from ?? ''));

    const coverageEnd = calendar.working.coverageEnd;
    const nextHolidays: { date: string; title: string }[] = [];
    for (let d = today; d <= coverageEnd && nextHolidays.length < 5; d = addDays(d, 1)) {
      const h = calendar.holidayOn(d);
      if (h) nextHolidays.push({ date: dayLong(d), title: h.title });
    }

    const days = Array.from({ length: 14 }, (_, i) => {
      const date = addDays(today, i);
      const periods = calendar.periodsOn(date);
      const holiday = calendar.holidayOn(date);
      return {
        date: dayLong(date),
        today: i === 0,
        open: periods.length > 0,
        periods: periods.length ? periods.map((p) => `${instantTime(p.open)} to ${instantTime(p.close)}`).join(', ') : 'Closed',
        holiday: holiday?.title ?? null,
        closures: profile.closures.filter((c) => c.date === date).map((c) => (c.from && c.until ? `${c.reason} (${hhmmWords(c.from)} to ${hhmmWords(c.until)})` : c.reason)),
      };
    });

    const messages = MESSAGES.map((m) => {
      const prompt = profile.phoneMessages[m.key] as Prompt;
      return {
        name: m.name,
        when: m.when,
        heard: renderPromptText(prompt, vars),
        template: 'say' in prompt && placeholdersIn(prompt.say).length ? prompt.say : null,
      };
    });

    const versions = (await this.repo.versions(this.ctx.db, principal.authorityId)).map((v, i) => ({
      version: v.version,
      loadedAt: v.loaded_at,
      shortHash: v.profile_hash.slice(0, 12),
      current: i === 0,
    }));

    const checks = checkPhoneLine(profile, calendar, now);
    return {
      now,
      status: this.statusWords(calendar, now),
      checks,
      checkCounts: { errors: checks.filter((c) => c.level === 'error').length, warnings: checks.filter((c) => c.level === 'warning').length },
      lines,
      queues,
      openingHours,
      closures: {
        upcoming: sortedClosures.filter((c) => c.date >= today).map(closure),
        past: sortedClosures.filter((c) => c.date < today).map(closure),
      },
      bankHolidays: { division: DIVISIONS[profile.bankHolidayDivision], next: nextHolidays, dataEndsOn: formatDateLong(coverageEnd) },
      messages,
      messagesFrom: nowStatus.open ? nowStatus.closesAt : null,
      voice: { voice: profile.phoneMessages.voice, language: profile.phoneMessages.language, holdMusic: profile.phoneMessages.holdMusic ?? null },
      edt: { ...profile.edt, handoverHours: profile.edtHandover.acceptWithinWorkingHours },
      days,
      versions,
      lineItems: this.lineItems(profile, ''),
    };
  }

  lineItems(profile: AuthorityProfile, selected: string) {
    return [
      { value: '', text: 'Choose a line', selected: selected === '' },
      ...profile.phoneLines.map((l) => ({ value: l.id, text: this.lineLabel(l), selected: l.id === selected })),
    ];
  }

  /** The "check what a caller hears" form: what the caller would hear, in order, and where the call would go. */
  check(principal: Principal, query: Record<string, unknown>): CheckAnswer {
    const one = (v: unknown) => (typeof v === 'string' ? v.trim().slice(0, MAX_CHECK_FIELD) : Array.isArray(v) && typeof v[0] === 'string' ? v[0].trim().slice(0, MAX_CHECK_FIELD) : '');
    const values: CheckValues = {
      line: one(query.line),
      day: one(query['date-day']),
      month: one(query['date-month']),
      year: one(query['date-year']),
      time: one(query.time),
      digit: one(query.digit),
    };
    if (Object.values(values).every((v) => v === '')) return { values, asked: false };
    const { profile, calendar } = this.profileAndCalendar(principal);

    const errors: { text: string; href: string }[] = [];
    const line = profile.phoneLines.find((l) => l.id === values.line);
    if (!line) errors.push({ text: 'Select the phone line the caller rings', href: '#line' });
    const date = parseDateParts({ day: values.day, month: values.month, year: values.year }, { label: 'date of the call' });
    let dateError: { text: string; fields: DatePart[] } | null = null;
    if (!date.ok) {
      dateError = { text: date.message, fields: date.fields };
      errors.push({ text: date.message, href: `#date-${date.field === 'all' ? 'day' : date.field}` });
    }
    const time = TIME.exec(values.time);
    if (!values.time) errors.push({ text: 'Enter the time of the call', href: '#time' });
    else if (!time) errors.push({ text: 'Enter the time of the call in the 24-hour clock, like 09:30 or 17:45', href: '#time' });
    if (values.digit && !DIGIT.test(values.digit)) errors.push({ text: 'Enter one key the caller presses: 0 to 9, * or #', href: '#digit' });
    if (errors.length || !line || !date.ok || !time) return { values, asked: true, errors, dateError };

    const at = londonWallTimeToInstant(date.date, { hour: Number(time[1]), minute: Number(time[2]) });
    const vars = promptVars(profile, calendar, at);
    const status = calendar.statusAt(at);
    const steps: CheckStep[] = [];
    const say = (s: IvrStep) => s.prompts.map((p) => renderPromptText(p));
    const menuWords = (options: { digit: string; queue: string }[]) =>
      `The caller is asked to press a key: ${options.map((o) => `${o.digit} for “${this.queueLabel(profile, o.queue)}”`).join(', ')}`;

    const first = incomingCall(profile, calendar, line.id, at);
    let firstStep: string;
    let destination = 'Nowhere: the call ends';
    let queue: string | null = null;

    if (first.kind === 'closed') {
      firstStep = `Closed: ${closedWords(first.reason, status.open ? null : status.detail)}`;
      steps.push({ title: 'When the call is answered', prompts: say(first), outcome: 'The call ends: the caller is told to ring the Emergency Duty Team if a child is at risk now' });
    } else if (first.kind === 'enqueue') {
      firstStep = 'Straight to a queue (this line has no options)';
      steps.push({ title: 'When the call is answered', prompts: say(first), outcome: `The call goes to the queue “${this.queueLabel(profile, first.queue)}”` });
      queue = first.queue;
    } else if (first.kind === 'menu') {
      firstStep = 'Menu';
      steps.push({ title: 'When the call is answered', prompts: say(first), outcome: menuWords(first.options) });
      const digit = values.digit || null;
      const next = chosenOption(profile, line.id, digit, 1, vars);
      const title = digit ? `The caller presses ${digit}` : 'The caller presses nothing';
      queue = this.followOn(profile, line.id, digit, next, title, steps, vars, menuWords);
    } else {
      firstStep = first.kind;
      steps.push({ title: 'When the call is answered', prompts: say(first), outcome: 'The call ends' });
    }

    if (queue) {
      destination = `The queue “${this.queueLabel(profile, queue)}”`;
      const q = profile.queues.find((x) => x.code === queue);
      const waiting = holdStep(profile, queue, 0, vars);
      steps.push({ title: 'While the caller waits', prompts: waiting.prompts.map((p) => renderPromptText(p)), outcome: 'Repeated until a worker answers' });
      if (q) {
        const offer = holdStep(profile, queue, q.callbackOfferAfterSeconds, vars);
        steps.push({
          title: `After waiting ${secondsWords(q.callbackOfferAfterSeconds)}`,
          prompts: offer.prompts.map((p) => renderPromptText(p)),
          outcome: `The caller can press 1 to be called back. ${renderPromptText(profile.phoneMessages.callbackConfirmed, vars)}`,
        });
      }
    }

    const statusText = this.statusWords(calendar, at, at).text;
    return {
      values,
      asked: true,
      errors: [],
      result: { at, lineLabel: this.lineLabel(line), serviceStatus: statusText, firstStep, destination, steps },
    };
  }

  /** What happens after the first menu; returns the queue the call ends up in, if any. */
  private followOn(
    profile: AuthorityProfile, lineId: string, digit: string | null, step: IvrStep, title: string, steps: CheckStep[], vars: PromptVars,
    menuWords: (options: { digit: string; queue: string }[]) => string,
  ): string | null {
    const say = (s: IvrStep) => s.prompts.map((p) => renderPromptText(p));
    if (step.kind === 'enqueue') {
      steps.push({ title, prompts: say(step), outcome: `The call goes to the queue “${this.queueLabel(profile, step.queue)}”` });
      return step.queue;
    }
    if (step.kind === 'retry') {
      steps.push({ title, prompts: say(step), outcome: `${menuWords(step.options)} (the menu is offered ${MENU_ATTEMPTS} times in all)` });
      const last = chosenOption(profile, lineId, digit, MENU_ATTEMPTS, vars);
      const lastTitle = digit ? `If the caller keeps pressing ${digit}` : 'If the caller still presses nothing';
      if (last.kind === 'enqueue') {
        steps.push({ title: lastTitle, prompts: say(last), outcome: `The call goes to the queue “${this.queueLabel(profile, last.queue)}”` });
        return last.queue;
      }
      steps.push({ title: lastTitle, prompts: say(last), outcome: 'The call ends' });
      return null;
    }
    steps.push({ title, prompts: say(step), outcome: 'The call ends' });
    return null;
  }

  /** One version of the profile and what changed from the one before. */
  async version(principal: Principal, version: number) {
    const rows = await this.repo.versionAndPrevious(this.ctx.db, principal.authorityId, version);
    const current = rows.find((r) => r.version === version);
    if (!current) throw notFound('version');
    const previous = rows.find((r) => r.version === version - 1) ?? null;
    const shown = (v: unknown): string | null => (v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v, null, 2));
    const changes = previous
      ? diffJson(previous.profile, current.profile).map((c) => ({
          path: c.path || '(the whole profile)',
          kind: c.before === undefined ? 'Added' : c.after === undefined ? 'Removed' : 'Changed',
          before: shown(c.before),
          after: shown(c.after),
        }))
      : [];
    return {
      version: current.version,
      loadedAt: current.loaded_at,
      shortHash: current.profile_hash.slice(0, 12),
      previous: previous ? { version: previous.version, loadedAt: previous.loaded_at, shortHash: previous.profile_hash.slice(0, 12) } : null,
      changes,
    };
  }
}
