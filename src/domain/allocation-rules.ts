/**
 * A child's allocated worker, as a form gives it: a social worker or family practitioner with a
 * team and the phone and email callers use to reach them, optionally a Front Door user, and the
 * date the allocation started. Pure checks, so the rules are tested without a database.
 */
import { parseDateParts } from './dates.js';
import { normaliseUkPhone, isPlausibleEmail } from './phone.js';
import { EMAIL_FORMAT_MESSAGE, PHONE_FORMAT_MESSAGE, type FieldError } from './conversation-rules.js';

export const ALLOCATION_KINDS = [
  { code: 'social-worker', label: 'Social worker' },
  { code: 'family-practitioner', label: 'Family practitioner' },
] as const;
export type AllocationKind = (typeof ALLOCATION_KINDS)[number]['code'];

export function kindLabel(kind: string): string {
  return ALLOCATION_KINDS.find((k) => k.code === kind)?.label ?? kind;
}

const MAX = 200;

export interface AllocationInput {
  kind: string;
  workerName: string;
  team: string;
  phone: string;
  email: string;
  userId: string;
  start: { day: string; month: string; year: string };
}

export interface AllocationValues {
  kind: AllocationKind;
  worker_name: string;
  team: string;
  phone: string;
  email: string;
  user_id: string | null;
  start_date: string;
}

/** Checks an allocation form: everything but the Front Door user is needed, because callers must be able to reach the worker. */
export function parseAllocation(input: AllocationInput, today: string, linkableUserIds: string[]): { ok: true; values: AllocationValues } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const kind = ALLOCATION_KINDS.find((k) => k.code === input.kind)?.code;
  if (!kind) errors.push({ field: 'kind', message: 'Select whether they are a social worker or a family practitioner' });
  const text = (v: string, field: string, missing: string) => {
    if (!v) errors.push({ field, message: missing });
    else if (v.length > MAX) errors.push({ field, message: `Must be ${MAX} characters or fewer` });
    return v;
  };
  const workerName = text(input.workerName, 'worker-name', "Enter the worker's name");
  const team = text(input.team, 'team', "Enter the worker's team");
  let phone = input.phone;
  if (!phone) errors.push({ field: 'phone', message: "Enter the worker's phone number" });
  else if (!normaliseUkPhone(phone)) errors.push({ field: 'phone', message: PHONE_FORMAT_MESSAGE });
  else phone = normaliseUkPhone(phone)!.national;
  const email = input.email;
  if (!email) errors.push({ field: 'email', message: "Enter the worker's email address" });
  else if (!isPlausibleEmail(email) || email.length > 320) errors.push({ field: 'email', message: EMAIL_FORMAT_MESSAGE });
  const userId = input.userId || null;
  if (userId && !linkableUserIds.includes(userId)) errors.push({ field: 'user', message: 'Select a Front Door user from the list, or “Not a Front Door user”' });
  const start = parseDateParts(input.start, { label: 'the date the allocation started', mustBePast: true, allowToday: true, today });
  if (!start.ok) errors.push({ field: start.field === 'all' ? 'start-day' : `start-${start.field}`, message: start.message });
  if (errors.length || !kind || !start.ok) return { ok: false, errors };
  return { ok: true, values: { kind, worker_name: workerName, team, phone, email, user_id: userId, start_date: start.date } };
}
