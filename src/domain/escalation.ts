/**
 * Resolving professional disagreements: the stages of an authority's policy (the worker, then the
 * team manager, the service manager, the head of service…), each with a timescale in working days,
 * and what a response at a stage may do (resolve it, escalate it to the next stage, or at the last
 * stage close it unresolved). Pure: the calendar and the clock are handed in.
 *
 * A stage is due by the end of the Nth working day after the London date it opened on (the day it
 * opened is day 0), on the authority's working-day calendar (weekends and bank holidays excluded).
 */
import type { WorkingCalendar } from './working-days.js';
import { addDays, londonDateOf, londonWallTimeToInstant } from './dates.js';
import type { FieldError } from './person-rules.js';

export interface EscalationStage {
  code: string;
  label: string;
  /** Who answers at this stage, in the policy's words ("Team manager"). */
  who: string;
  respondWithinWorkingDays: number;
}

export type StageResult = 'resolved' | 'escalate' | 'not-resolved';

export const RESULT_LABELS: Record<StageResult, string> = {
  resolved: 'Resolved',
  escalate: 'Escalated to the next stage',
  'not-resolved': 'Not resolved',
};

/** The stages used when a profile names none. The timescales are illustrative. */
export const DEFAULT_ESCALATION_STAGES: EscalationStage[] = [
  { code: 'worker', label: 'Stage 1: the social worker', who: 'Consultant social worker who made the recommendation', respondWithinWorkingDays: 2 },
  { code: 'team-manager', label: 'Stage 2: team manager', who: 'CADS team manager', respondWithinWorkingDays: 3 },
  { code: 'service-manager', label: 'Stage 3: service manager', who: 'Service manager', respondWithinWorkingDays: 5 },
  { code: 'head-of-service', label: 'Stage 4: head of service', who: 'Head of service', respondWithinWorkingDays: 10 },
];

/** When a stage opened at `openedAt` must be answered by: the London date, and the last instant of it. */
export function stageDeadline(openedAt: Date, calendar: WorkingCalendar, workingDays: number): { dueOn: string; dueAt: Date } {
  const dueOn = calendar.addWorkingDays(londonDateOf(openedAt), workingDays);
  return { dueOn, dueAt: londonWallTimeToInstant(dueOn, { hour: 23, minute: 59, second: 59, millisecond: 999 }) };
}

/** Whether a stage due at `dueAt` and answered at `respondedAt` (or not yet, at `now`) is late. */
export function isLate(dueAt: Date, respondedAtOrNow: Date): boolean {
  return respondedAtOrNow.getTime() > dueAt.getTime();
}

/** The results a response may give at stage `stage` (1-based) of `stageCount`. */
export function allowedResults(stage: number, stageCount: number): StageResult[] {
  return stage >= stageCount ? ['resolved', 'not-resolved'] : ['resolved', 'escalate'];
}

/** The stage after `stage` (1-based), or null at the last. */
export function nextStage(stages: readonly EscalationStage[], stage: number): EscalationStage | null {
  return stages[stage] ?? null;
}

/** The policy's stage `stage` (1-based); a stage past the policy's end (the policy shortened since) reads as the last. */
export function stageAt(stages: readonly EscalationStage[], stage: number): EscalationStage {
  const s = stages[Math.min(stage, stages.length) - 1];
  if (!s) throw new RangeError(`No escalation stage ${stage}`);
  return s;
}

/**
 * Working days from `from` to `to` (London dates): how many working days come after `from`, up to and
 * including `to`. The same day, or `to` before `from`, is 0. So a disagreement raised on a Friday and
 * resolved the next Monday took 1 working day.
 */
export function workingDaysBetween(from: string, to: string, calendar: WorkingCalendar): number {
  let n = 0;
  for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) if (calendar.isWorkingDay(d)) n += 1;
  return n;
}

/** "Overdue by 3 working days", "Due today", "Due in 2 working days": how a stage stands, in words. */
export function dueWords(dueOn: string, now: Date, calendar: WorkingCalendar): string {
  const today = londonDateOf(now);
  if (today === dueOn) return 'Due today';
  if (today > dueOn) {
    const n = Math.max(1, workingDaysBetween(dueOn, today, calendar));
    return `Overdue by ${n} working day${n === 1 ? '' : 's'}`;
  }
  const n = workingDaysBetween(today, dueOn, calendar);
  return n <= 0 ? 'Due today' : `Due in ${n} working day${n === 1 ? '' : 's'}`;
}

export interface StageResponseInput {
  response: string;
  result: string;
  agreedOutcome: string;
  nextSteps: string;
}

/** Checks a stage response from the form: the response, a result the stage allows, and what was agreed or what happens next. */
export function validateStageResponse(input: StageResponseInput, stage: number, stageCount: number): FieldError[] {
  const errors: FieldError[] = [];
  const allowed = allowedResults(stage, stageCount);
  if (!input.response.trim()) errors.push({ field: 'response', message: 'Enter what was discussed and decided at this stage' });
  else if (input.response.length > 10000) errors.push({ field: 'response', message: 'The response must be 10,000 characters or fewer' });
  if (!(allowed as string[]).includes(input.result)) {
    errors.push({
      field: 'result',
      message: stage >= stageCount ? 'Select whether the disagreement was resolved or not resolved' : 'Select whether the disagreement was resolved or is escalated to the next stage',
    });
  } else if (input.result === 'resolved' && !input.agreedOutcome.trim()) {
    errors.push({ field: 'agreed-outcome', message: 'Enter the outcome that was agreed' });
  } else if (input.result === 'not-resolved' && !input.nextSteps.trim()) {
    errors.push({ field: 'next-steps', message: 'Enter what happens next, for example a referral to the safeguarding partnership' });
  }
  for (const [field, value] of [['agreed-outcome', input.agreedOutcome], ['next-steps', input.nextSteps]] as const) {
    if (value.length > 10000 && !errors.some((e) => e.field === field)) errors.push({ field, message: 'This must be 10,000 characters or fewer' });
  }
  return errors;
}
