/**
 * What must be true before a conversation (a call or contact to the front
 * door) can be marked complete. Drafts can be saved in any state; these rules
 * only gate completion, so the record is whole before decisions rest on it.
 *
 * Errors carry a stable `field` id that templates use as the HTML id of the
 * input, so the GOV.UK error summary can link straight to it.
 */
import {
  CALLER_TYPES,
  CONSENT_NOT_SOUGHT_REASONS,
  IMMEDIACY_OPTIONS,
  LAWFUL_BASES,
  isCodeIn,
  type CallerType,
  type Immediacy,
} from './codes.js';
import { isPlausibleEmail, normaliseUkPhone } from './phone.js';

export type YesNo = 'yes' | 'no';
export type SafeTonight = 'yes' | 'no' | 'unknown';

export interface ConversationCaller {
  name: string | null;
  role: string | null;
  agencyCode: string | null;
  /** Free-text agency name, used when agencyCode is 'other'. */
  agencyOther: string | null;
  phone: string | null;
  email: string | null;
  callerType: CallerType | null;
}

export interface ConversationChild {
  personId: string | null;
  /** How to name the child in messages, e.g. 'Ellie'. Falls back to 'child 1'. */
  childLabel?: string | null;
  whereNow: string | null;
  safeTonight: SafeTonight | null;
  outcomeCode: string | null;
  callerAgreed: boolean | null;
  disagreementNote: string | null;
  nextSteps: string | null;
  levelCode: string | null;
}

export interface ConversationDraft {
  caller: ConversationCaller;
  children: ConversationChild[];
  concernCategories: string[];
  concernDetail: string | null;
  immediacy: Immediacy | null;
  supportToDate: string | null;
  parentsInformed: YesNo | null;
  consentGiven: YesNo | null;
  consentReasonCodes: string[];
  consentReasonDetail: string | null;
  lawfulBasisCode: string | null;
  worries: string | null;
  strengths: string | null;
  needsToHappen: string | null;
}

/** The authority's local code lists that a completed conversation must use. */
export interface ConversationProfile {
  outcomeCodes: readonly string[];
  concernCategoryCodes: readonly string[];
  levelCodes: readonly string[];
  agencyCodes: readonly string[];
}

export interface FieldError {
  field: string;
  message: string;
}

/** Agency choice meaning "not in the list – type it in". Always accepted. */
export const OTHER_AGENCY_CODE = 'other';

export type ChildFieldName =
  | 'where-now'
  | 'safe-tonight'
  | 'outcome'
  | 'level'
  | 'caller-agreed'
  | 'disagreement-note';

/** The HTML id for one child's field, e.g. 'children-0-outcome'. */
export function childFieldId(index: number, name: ChildFieldName): string {
  return `children-${index}-${name}`;
}

export const PHONE_FORMAT_MESSAGE = 'Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192';
export const EMAIL_FORMAT_MESSAGE = 'Enter an email address in the correct format, like name@example.com';

function hasText(value: string | null | undefined): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function inList(list: readonly string[], value: string | null | undefined): boolean {
  return typeof value === 'string' && list.includes(value);
}

function validateCaller(caller: ConversationCaller, profile: ConversationProfile, errors: FieldError[]): void {
  const isKnownType = isCodeIn(CALLER_TYPES, caller.callerType);
  if (!isKnownType) {
    errors.push({ field: 'caller-type', message: 'Select whether the caller is a professional or a member of the public' });
  }
  if (!hasText(caller.name)) {
    errors.push({ field: 'caller-name', message: "Enter the caller's name" });
  }

  if (caller.callerType === 'professional') {
    if (caller.agencyCode === OTHER_AGENCY_CODE) {
      if (!hasText(caller.agencyOther)) {
        errors.push({ field: 'caller-agency-other', message: "Enter the name of the caller's agency" });
      }
    } else if (!inList(profile.agencyCodes, caller.agencyCode)) {
      errors.push({ field: 'caller-agency', message: "Select the caller's agency" });
    }
    // Professionals must be reachable so the outcome can be fed back to them.
    if (!hasText(caller.phone) && !hasText(caller.email)) {
      errors.push({ field: 'caller-phone', message: 'Enter a phone number or email address for the caller' });
    }
  }

  // Whatever the caller type, details that were given must be usable.
  if (hasText(caller.phone) && normaliseUkPhone(caller.phone) === null) {
    errors.push({ field: 'caller-phone', message: PHONE_FORMAT_MESSAGE });
  }
  if (hasText(caller.email) && !isPlausibleEmail(caller.email)) {
    errors.push({ field: 'caller-email', message: EMAIL_FORMAT_MESSAGE });
  }
}

function validateChild(child: ConversationChild, index: number, profile: ConversationProfile, errors: FieldError[]): void {
  const who = hasText(child.childLabel) ? child.childLabel.trim() : `child ${index + 1}`;
  const add = (name: ChildFieldName, message: string) => errors.push({ field: childFieldId(index, name), message });

  if (!hasText(child.whereNow)) add('where-now', `Enter where ${who} is now`);
  if (child.safeTonight !== 'yes' && child.safeTonight !== 'no' && child.safeTonight !== 'unknown') {
    add('safe-tonight', `Select whether ${who} is safe tonight`);
  }
  // An unknown code (say, one retired from the profile since the draft was
  // saved) is treated as not chosen, because the radio will show as empty.
  if (!inList(profile.outcomeCodes, child.outcomeCode)) add('outcome', `Select the agreed outcome for ${who}`);
  if (!inList(profile.levelCodes, child.levelCode)) add('level', `Select the level of need for ${who}`);
  if (child.callerAgreed !== true && child.callerAgreed !== false) {
    add('caller-agreed', `Select whether the caller agreed with the outcome for ${who}`);
  } else if (child.callerAgreed === false && !hasText(child.disagreementNote)) {
    add('disagreement-note', `Enter why the caller did not agree with the outcome for ${who}`);
  }
}

/**
 * Every problem that stops `draft` being completed, in the order the fields
 * appear in the draft. An empty array means it can be completed.
 */
export function validateForCompletion(draft: ConversationDraft, profile: ConversationProfile): FieldError[] {
  const errors: FieldError[] = [];

  validateCaller(draft.caller, profile, errors);

  if (draft.children.length === 0) {
    errors.push({ field: 'children', message: 'Add at least one child' });
  }
  draft.children.forEach((child, i) => validateChild(child, i, profile, errors));

  const categories = draft.concernCategories;
  if (categories.length === 0 || !categories.every((c) => profile.concernCategoryCodes.includes(c))) {
    errors.push({ field: 'concern-categories', message: 'Select at least one category of concern' });
  }
  if (!hasText(draft.concernDetail)) {
    errors.push({ field: 'concern-detail', message: 'Enter details of the concern' });
  }
  if (!isCodeIn(IMMEDIACY_OPTIONS, draft.immediacy)) {
    errors.push({ field: 'immediacy', message: 'Select how urgent the concern is' });
  }

  if (draft.parentsInformed !== 'yes' && draft.parentsInformed !== 'no') {
    errors.push({ field: 'parents-informed', message: 'Select whether the parents or carers have been told about the concern' });
  }
  if (draft.consentGiven !== 'yes' && draft.consentGiven !== 'no') {
    errors.push({ field: 'consent-given', message: 'Select whether the parents or carers consented to the call' });
  }

  // Sharing without consent is lawful for safeguarding, but the reason and the
  // lawful basis must be on record (information sharing golden rule 7).
  if (draft.consentGiven === 'no') {
    if (!hasText(draft.consentReasonDetail)) {
      errors.push({ field: 'consent-reason-detail', message: 'Explain why consent was not sought' });
    }
    const reasons = draft.consentReasonCodes;
    if (reasons.length === 0 || !reasons.every((r) => isCodeIn(CONSENT_NOT_SOUGHT_REASONS, r))) {
      errors.push({ field: 'consent-reason', message: 'Select why consent was not sought' });
    }
    if (!isCodeIn(LAWFUL_BASES, draft.lawfulBasisCode)) {
      errors.push({ field: 'lawful-basis', message: 'Select the lawful basis for sharing information without consent' });
    }
  }

  if (!hasText(draft.worries)) {
    errors.push({ field: 'worries', message: 'Enter what we are worried about' });
  }

  return errors;
}
