/**
 * What a caller hears and where their call goes: the phone line's menu as pure decisions, so
 * the Twilio webhooks, the CTI API and the administrator's "check what a caller hears" page all
 * give the same answer for the same line and time.
 */
import type { AuthorityProfile, Prompt } from './authority-profile.js';
import { describeOpening, type ClosedReason, type ServiceCalendar } from './service-calendar.js';

export type PhoneLine = AuthorityProfile['phoneLines'][number];
export type MenuOption = { digit: string; queue: string };

export type IvrStep =
  /** The service is closed: say why and who to call, then hang up. */
  | { kind: 'closed'; reason: ClosedReason; prompts: Prompt[] }
  /** Say the prompts while listening for one key press. */
  | { kind: 'menu'; prompts: Prompt[]; options: MenuOption[] }
  /** Put the caller in a queue (after the prompts). */
  | { kind: 'enqueue'; queue: string; prompts: Prompt[] }
  /** The key was not an option: say so and offer the menu again. */
  | { kind: 'retry'; prompts: Prompt[]; options: MenuOption[] }
  /** Nothing more can be done on this call: say the prompts and hang up. */
  | { kind: 'hangup'; prompts: Prompt[] };

/** How many times the menu is offered before the caller is told to call again. */
export const MENU_ATTEMPTS = 3;

export interface PromptVars {
  serviceName: string;
  edtName: string;
  edtPhone: string;
  nextOpening: string;
}

const PLACEHOLDER = /\{(serviceName|edtName|edtPhone|nextOpening)\}/g;
export const KNOWN_PLACEHOLDERS = ['serviceName', 'edtName', 'edtPhone', 'nextOpening'] as const;

/** A prompt with its placeholders filled in. Recordings are returned as they are. */
export function fillPrompt(prompt: Prompt, vars: PromptVars): Prompt {
  if ('play' in prompt) return prompt;
  return { say: prompt.say.replace(PLACEHOLDER, (_, k: keyof PromptVars) => vars[k]) };
}

/** A prompt as words on a page: the text, or a note that a recording is played. */
export function renderPromptText(prompt: Prompt, vars?: PromptVars): string {
  if ('play' in prompt) return `[recording: ${prompt.play}]`;
  return vars ? (fillPrompt(prompt, vars) as { say: string }).say : prompt.say;
}

export function findLine(profile: AuthorityProfile, lineId: string): PhoneLine | undefined {
  return profile.phoneLines.find((l) => l.id === lineId);
}

function getLine(profile: AuthorityProfile, lineId: string): PhoneLine {
  const line = findLine(profile, lineId);
  if (!line) throw new Error(`The ${profile.id} profile has no phone line "${lineId}"`);
  return line;
}

export function promptVars(profile: AuthorityProfile, calendar: ServiceCalendar, at: Date): PromptVars {
  const next = calendar.nextOpening(at);
  return {
    serviceName: profile.service.name,
    edtName: profile.edt.name,
    edtPhone: profile.edt.phone,
    nextOpening: next ? describeOpening(next, at) : 'on the next working day',
  };
}

function menuPrompts(line: PhoneLine): Prompt[] {
  return [
    ...(line.menuIntro ? [line.menuIntro] : []),
    ...line.options.map((o) => o.prompt ?? { say: `${o.label}: press ${o.digit}.` }),
  ];
}

function menuOptions(line: PhoneLine): MenuOption[] {
  return line.options.map((o) => ({ digit: o.digit, queue: o.queue }));
}

/** The first thing a caller meets on `lineId` at `at`. */
export function incomingCall(profile: AuthorityProfile, calendar: ServiceCalendar, lineId: string, at: Date): IvrStep {
  const line = getLine(profile, lineId);
  const vars = promptVars(profile, calendar, at);
  const m = profile.phoneMessages;
  const status = calendar.statusAt(at);
  if (!status.open) {
    // A bank holiday or a closure closes the whole day's service; otherwise it is simply out of hours.
    const message = status.reason === 'bank-holiday' || status.reason === 'closure' ? m.closed : m.outOfHours;
    return { kind: 'closed', reason: status.reason, prompts: [m.emergency, message].map((p) => fillPrompt(p, vars)) };
  }
  const opening = [...(line.greeting ? [line.greeting] : []), m.emergency];
  if (line.options.length === 0) {
    return { kind: 'enqueue', queue: line.defaultQueue!, prompts: opening.map((p) => fillPrompt(p, vars)) };
  }
  return { kind: 'menu', prompts: [...opening, ...menuPrompts(line)].map((p) => fillPrompt(p, vars)), options: menuOptions(line) };
}

/**
 * What happens after the menu: `digit` is the key pressed (null when the caller pressed nothing)
 * and `attempt` counts the menus heard so far, starting at 1.
 */
export function chosenOption(
  profile: AuthorityProfile,
  lineId: string,
  digit: string | null,
  attempt: number,
  vars: PromptVars,
): IvrStep {
  const line = getLine(profile, lineId);
  const m = profile.phoneMessages;
  const chosen = digit ? line.options.find((o) => o.digit === digit) : undefined;
  if (chosen) return { kind: 'enqueue', queue: chosen.queue, prompts: [] };
  if (!digit && line.defaultQueue) return { kind: 'enqueue', queue: line.defaultQueue, prompts: [] };
  if (attempt >= MENU_ATTEMPTS) {
    if (line.defaultQueue) return { kind: 'enqueue', queue: line.defaultQueue, prompts: [fillPrompt(m.invalidOption, vars)] };
    return { kind: 'hangup', prompts: [fillPrompt(m.noOption, vars)] };
  }
  const lead = digit ? [m.invalidOption] : [];
  return { kind: 'retry', prompts: [...lead, ...menuPrompts(line)].map((p) => fillPrompt(p, vars)), options: menuOptions(line) };
}

/** What a caller waiting in `queue` hears on each turn of the hold loop. */
export function holdStep(
  profile: AuthorityProfile,
  queueCode: string,
  waitedSeconds: number,
  vars: PromptVars,
): { prompts: Prompt[]; offerCallback: boolean } {
  const queue = profile.queues.find((q) => q.code === queueCode);
  const m = profile.phoneMessages;
  const offerCallback = !!queue && waitedSeconds >= queue.callbackOfferAfterSeconds;
  return { prompts: [fillPrompt(m.queueWait, vars), ...(offerCallback ? [fillPrompt(m.callbackOffer, vars)] : [])], offerCallback };
}
