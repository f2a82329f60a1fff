/**
 * Written referrals from emergency services: what makes one whole, how the same incident is
 * recognised when it arrives twice, and how its deadline stands. Pure: no I/O.
 *
 * Errors carry a `field` (the HTML id on the page, for the error summary) and a `path` (the
 * JSON path in the API's body, for problem+json field errors).
 */
import { CONSENT_NOT_SOUGHT_REASONS, IMMEDIACY_OPTIONS, LAWFUL_BASES, isCodeIn } from './codes.js';
import { isPlausibleEmail, normaliseUkPhone } from './phone.js';
import { isValidPostcode, normalisePostcode } from './postcode.js';
import { foldName } from './names.js';
import { PHONE_FORMAT_MESSAGE, EMAIL_FORMAT_MESSAGE } from './conversation-rules.js';

export const REFERRAL_TEXT_MAX = 5000;
export const REFERRAL_NAME_MAX = 100;
export const REFERRAL_MAX_CHILDREN = 10;

export interface ReferralChildInput {
  givenName: string;
  familyName: string;
  /** 'YYYY-MM-DD', already parsed; null when not known. */
  dateOfBirth: string | null;
  unborn: boolean;
  expectedDateOfBirth: string | null;
  addressLine1: string;
  town: string;
  postcode: string;
  whereNow: string;
}

export interface ReferralInput {
  referrer: { name: string; role: string; phone: string; email: string };
  children: ReferralChildInput[];
  incident: { reference: string; at: Date | null; place: string; postcode: string };
  concernCategories: string[];
  whatHappened: string;
  immediacy: string;
  parentsInformed: string;
  consentGiven: string;
  consentReasonCodes: string[];
  consentReasonDetail: string;
  lawfulBasisCode: string;
}

export interface ReferralError {
  field: string;
  path: string;
  message: string;
}

/** A referral that passed every check, tidied for saving. */
export interface CleanReferral {
  referrer: { name: string; role: string | null; phone: string; email: string | null };
  children: {
    given_name: string | null; family_name: string | null; date_of_birth: string | null; expected_date_of_birth: string | null;
    address_line_1: string | null; town: string | null; postcode: string | null; where_now: string;
  }[];
  incident: { reference: string; key: string; at: Date; place: string; postcode: string | null };
  concernCategories: string[];
  whatHappened: string;
  immediacy: 'immediate' | 'soon' | 'not-immediate';
  parentsInformed: 'yes' | 'no';
  consentGiven: 'yes' | 'no';
  consentReasonCodes: string[];
  consentReasonDetail: string | null;
  lawfulBasisCode: string | null;
}

const text = (s: string | null | undefined) => (typeof s === 'string' ? s.trim() : '');
const orNull = (s: string) => (s === '' ? null : s);

/** The incident reference as compared: upper case, letters and digits only ("ppn/123 45" = "PPN12345"). */
export function incidentReferenceKey(reference: string): string {
  return reference.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/**
 * Every problem with a referral, or the referral tidied for saving. `concernCategoryCodes` are the
 * authority's; `now` stops an incident being dated in the future (a few minutes' grace for clocks).
 */
export function validateReferral(
  input: ReferralInput,
  opts: { concernCategoryCodes: readonly string[]; now: Date; today: string },
): { ok: true; referral: CleanReferral } | { ok: false; errors: ReferralError[] } {
  const errors: ReferralError[] = [];
  const add = (field: string, path: string, message: string) => errors.push({ field, path, message });
  const long = (value: string, max: number, field: string, path: string, what: string) => {
    if (value.length > max) add(field, path, `${what} must be ${max} characters or fewer`);
  };

  const name = text(input.referrer.name);
  const role = text(input.referrer.role);
  const phone = text(input.referrer.phone);
  const email = text(input.referrer.email);
  if (!name) add('referrer-name', 'referrer.name', 'Enter your name');
  long(name, 200, 'referrer-name', 'referrer.name', 'Your name');
  if (!role) add('referrer-role', 'referrer.role', 'Enter your role, like police constable or paramedic');
  long(role, 200, 'referrer-role', 'referrer.role', 'Your role');
  let phoneNational = '';
  if (!phone) add('referrer-phone', 'referrer.phone', 'Enter a phone number we can call you back on');
  else {
    const n = normaliseUkPhone(phone);
    if (!n) add('referrer-phone', 'referrer.phone', PHONE_FORMAT_MESSAGE);
    else phoneNational = n.national;
  }
  if (email && !isPlausibleEmail(email)) add('referrer-email', 'referrer.email', EMAIL_FORMAT_MESSAGE);

  const children: CleanReferral['children'] = [];
  if (input.children.length === 0) add('children-0-given-name', 'children', 'Give the details of at least one child');
  if (input.children.length > REFERRAL_MAX_CHILDREN) add('children-0-given-name', 'children', `Send at most ${REFERRAL_MAX_CHILDREN} children on one referral`);
  input.children.slice(0, REFERRAL_MAX_CHILDREN).forEach((c, i) => {
    const f = (x: string) => `children-${i}-${x}`;
    const p = (x: string) => `children.${i}.${x}`;
    const who = `child ${i + 1}`;
    const given = text(c.givenName);
    const family = text(c.familyName);
    if (!given && !family && !c.unborn) add(f('given-name'), p('givenName'), `Enter the first name or last name of ${who}`);
    long(given, REFERRAL_NAME_MAX, f('given-name'), p('givenName'), `The first name of ${who}`);
    long(family, REFERRAL_NAME_MAX, f('family-name'), p('familyName'), `The last name of ${who}`);
    if (c.unborn && !c.expectedDateOfBirth) add(f('expected-day'), p('expectedDateOfBirth'), `Enter the expected date of birth of ${who}`);
    if (!c.unborn && c.dateOfBirth && c.dateOfBirth > opts.today) add(f('dob-day'), p('dateOfBirth'), `The date of birth of ${who} must be today or in the past`);
    const postcode = text(c.postcode);
    if (postcode && !isValidPostcode(postcode)) add(f('postcode'), p('postcode'), `Enter a real postcode for ${who}, like NR1 2DH`);
    const whereNow = text(c.whereNow);
    if (!whereNow) add(f('where-now'), p('whereNow'), `Enter where ${who} is now`);
    long(whereNow, 1000, f('where-now'), p('whereNow'), `Where ${who} is now`);
    long(text(c.addressLine1), 200, f('address-line-1'), p('addressLine1'), `The address of ${who}`);
    long(text(c.town), 100, f('town'), p('town'), `The town of ${who}`);
    children.push({
      given_name: orNull(given),
      family_name: orNull(family),
      date_of_birth: c.unborn ? null : c.dateOfBirth,
      expected_date_of_birth: c.unborn ? c.expectedDateOfBirth : null,
      address_line_1: orNull(text(c.addressLine1)),
      town: orNull(text(c.town)),
      postcode: postcode && isValidPostcode(postcode) ? normalisePostcode(postcode) : null,
      where_now: whereNow,
    });
  });

  const reference = text(input.incident.reference);
  if (!reference || incidentReferenceKey(reference) === '') add('incident-reference', 'incident.reference', 'Enter your incident reference, like the occurrence or PPN number');
  long(reference, 60, 'incident-reference', 'incident.reference', 'The incident reference');
  const at = input.incident.at;
  if (!at) add('incident-day', 'incident.at', 'Enter the date and time of the incident');
  else if (at.getTime() > opts.now.getTime() + 5 * 60_000) add('incident-day', 'incident.at', 'The date and time of the incident must be in the past');
  const place = text(input.incident.place);
  if (!place) add('incident-place', 'incident.place', 'Enter where the incident happened');
  long(place, 500, 'incident-place', 'incident.place', 'Where the incident happened');
  const incidentPostcode = text(input.incident.postcode);
  if (incidentPostcode && !isValidPostcode(incidentPostcode)) add('incident-postcode', 'incident.postcode', 'Enter a real postcode for the incident, like NR1 2DH');

  const categories = input.concernCategories;
  if (categories.length === 0 || !categories.every((c) => opts.concernCategoryCodes.includes(c))) {
    add('concern-categories', 'concernCategories', 'Select at least one category of concern');
  }
  const whatHappened = text(input.whatHappened);
  if (!whatHappened) add('what-happened', 'whatHappened', 'Enter what happened');
  long(whatHappened, REFERRAL_TEXT_MAX, 'what-happened', 'whatHappened', 'What happened');
  if (!isCodeIn(IMMEDIACY_OPTIONS, input.immediacy)) add('immediacy', 'immediacy', 'Select how urgent the concern is');
  if (input.parentsInformed !== 'yes' && input.parentsInformed !== 'no') {
    add('parents-informed', 'parentsInformed', 'Select whether the parents or carers have been told about the referral');
  }
  if (input.consentGiven !== 'yes' && input.consentGiven !== 'no') {
    add('consent-given', 'consentGiven', 'Select whether the parents or carers consented to the referral');
  }
  const reasonDetail = text(input.consentReasonDetail);
  if (input.consentGiven === 'no') {
    const reasons = input.consentReasonCodes;
    if (reasons.length === 0 || !reasons.every((r) => isCodeIn(CONSENT_NOT_SOUGHT_REASONS, r))) add('consent-reason', 'consentReasonCodes', 'Select why consent was not sought');
    if (!reasonDetail) add('consent-reason-detail', 'consentReasonDetail', 'Explain why consent was not sought');
    long(reasonDetail, REFERRAL_TEXT_MAX, 'consent-reason-detail', 'consentReasonDetail', 'The reason');
    if (!isCodeIn(LAWFUL_BASES, input.lawfulBasisCode)) add('lawful-basis', 'lawfulBasisCode', 'Select the lawful basis for sharing information without consent');
  }

  if (errors.length) return { ok: false, errors };
  const noConsent = input.consentGiven === 'no';
  return {
    ok: true,
    referral: {
      referrer: { name, role: orNull(role), phone: phoneNational, email: orNull(email) },
      children,
      incident: { reference, key: incidentReferenceKey(reference), at: at!, place, postcode: incidentPostcode ? normalisePostcode(incidentPostcode) : null },
      concernCategories: [...new Set(categories)],
      whatHappened,
      immediacy: input.immediacy as CleanReferral['immediacy'],
      parentsInformed: input.parentsInformed as 'yes' | 'no',
      consentGiven: input.consentGiven as 'yes' | 'no',
      consentReasonCodes: noConsent ? [...new Set(input.consentReasonCodes)] : [],
      consentReasonDetail: noConsent ? reasonDetail : null,
      lawfulBasisCode: noConsent ? input.lawfulBasisCode : null,
    },
  };
}

// ---------------------------------------------------------------------------
// Likely duplicates
// ---------------------------------------------------------------------------

/** What two referrals are compared on. */
export interface IncidentFacts {
  incidentAt: Date;
  postcode: string | null;
  place: string;
  children: { personId: string | null; givenName: string | null; familyName: string | null; dateOfBirth: string | null }[];
}

/** How a child is recognised across referrals: the record it was matched to, or its name and date of birth. */
export function childKeys(c: IncidentFacts['children'][number]): string[] {
  const keys: string[] = [];
  if (c.personId) keys.push(`person:${c.personId}`);
  const given = foldName(c.givenName);
  const family = foldName(c.familyName);
  if (family && (given || c.dateOfBirth)) keys.push(`name:${given}|${family}|${c.dateOfBirth ?? ''}`);
  return keys;
}

const placeKey = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * Whether two referrals are likely about the same incident: a child in common, incidents within
 * `windowHours` of each other, and the same place (the same postcode when both give one,
 * otherwise the same words for the place).
 */
export function isLikelyDuplicate(a: IncidentFacts, b: IncidentFacts, windowHours: number): boolean {
  if (Math.abs(a.incidentAt.getTime() - b.incidentAt.getTime()) > windowHours * 3_600_000) return false;
  const samePlace = a.postcode && b.postcode ? a.postcode === b.postcode : placeKey(a.place) !== '' && placeKey(a.place) === placeKey(b.place);
  if (!samePlace) return false;
  const keysA = new Set(a.children.flatMap(childKeys));
  return b.children.flatMap(childKeys).some((k) => keysA.has(k));
}

// ---------------------------------------------------------------------------
// Deadlines
// ---------------------------------------------------------------------------

export type ReferralDeadlineState = 'on-time' | 'due-soon' | 'overdue';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "2 days 3 hours", "2 hours 5 minutes", "45 minutes": a span in words, rounded up to the minute. */
export function spanWords(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d > 0) return h === 0 ? plural(d, 'day') : `${plural(d, 'day')} ${plural(h, 'hour')}`;
  if (h === 0) return plural(m, 'minute');
  return m === 0 ? plural(h, 'hour') : `${plural(h, 'hour')} ${plural(m, 'minute')}`;
}

/** How a waiting referral's deadline stands at `now`, in a state and in words. */
export function referralDeadline(dueAt: Date, now: Date, dueSoonMinutes: number): { state: ReferralDeadlineState; countdown: string } {
  const left = dueAt.getTime() - now.getTime();
  if (left < 0) return { state: 'overdue', countdown: `Overdue by ${spanWords(-left)}` };
  return { state: left <= dueSoonMinutes * 60_000 ? 'due-soon' : 'on-time', countdown: `${spanWords(left)} left` };
}
