/**
 * Checks a person's details as entered on the "add a child" and "change details" forms.
 * Pure: the form fields come in, either a clean record or GOV.UK-style errors go out.
 */
import { parseDateParts } from './dates.js';
import { normaliseNhsNumber, isValidNhsNumber } from './nhs-number.js';
import { normaliseUpn, isValidUpn } from './upn.js';
import { normalisePostcode, isValidPostcode } from './postcode.js';
import { SEX_CODES, ETHNICITY_CODES, DISABILITY_CODES, isCodeIn, validateDisabilities } from './codes.js';

export interface PersonForm {
  givenName: string;
  familyName: string;
  aliasGiven: string;
  aliasFamily: string;
  unborn: boolean;
  dob: { day: string; month: string; year: string };
  sex: string;
  ethnicity: string;
  nhsNumber: string;
  upn: string;
  addressLine1: string;
  addressLine2: string;
  town: string;
  postcode: string;
  schoolSetting: string;
  gpPractice: string;
  firstLanguage: string;
  interpreterNeeded: string;
  disabilityCodes: string[];
}

export interface PersonRecord {
  given_name: string | null;
  family_name: string | null;
  date_of_birth: string | null;
  expected_date_of_birth: string | null;
  sex: 'M' | 'F' | 'U';
  ethnicity: string | null;
  nhs_number: string | null;
  upn: string | null;
  address_line_1: string | null;
  address_line_2: string | null;
  town: string | null;
  postcode: string | null;
  school_setting: string | null;
  gp_practice: string | null;
  first_language: string | null;
  interpreter_needed: boolean | null;
  disability_codes: string[];
}

export interface FieldError {
  field: string;
  message: string;
}

const blank = (s: string) => (s.trim() === '' ? null : s.trim());

export function validatePerson(
  form: PersonForm,
  today: string,
): { ok: true; person: PersonRecord; alias: { given_name: string | null; family_name: string | null } | null } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const given = blank(form.givenName);
  const family = blank(form.familyName);

  if (!form.unborn && !given) errors.push({ field: 'given-name', message: 'Enter the first name' });
  if (!family) errors.push({ field: 'family-name', message: 'Enter the last name' });
  if (given && given.length > 100) errors.push({ field: 'given-name', message: 'First name must be 100 characters or fewer' });
  if (family && family.length > 100) errors.push({ field: 'family-name', message: 'Last name must be 100 characters or fewer' });

  let dob: string | null = null;
  let expected: string | null = null;
  const anyDatePart = [form.dob.day, form.dob.month, form.dob.year].some((p) => p.trim() !== '');
  if (form.unborn) {
    const r = parseDateParts(form.dob, { label: 'expected date of birth', mustBeFuture: true, allowToday: true, today });
    if (r.ok) expected = r.date;
    else errors.push({ field: `dob-${r.field === 'all' ? 'day' : r.field}`, message: r.message });
  } else if (anyDatePart) {
    const r = parseDateParts(form.dob, { label: 'date of birth', mustBePast: true, allowToday: true, today });
    if (r.ok) dob = r.date;
    else errors.push({ field: `dob-${r.field === 'all' ? 'day' : r.field}`, message: r.message });
  }

  let sex: 'M' | 'F' | 'U' = 'U';
  if (form.unborn) {
    sex = 'U';
  } else if (isCodeIn(SEX_CODES, form.sex)) {
    sex = form.sex;
  } else {
    errors.push({ field: 'sex', message: 'Select the child’s sex, or ‘Not known’' });
  }

  const ethnicity = blank(form.ethnicity);
  if (ethnicity && !isCodeIn(ETHNICITY_CODES, ethnicity)) errors.push({ field: 'ethnicity', message: 'Select an ethnicity from the list' });

  let nhs: string | null = null;
  if (blank(form.nhsNumber)) {
    nhs = normaliseNhsNumber(form.nhsNumber);
    if (!nhs || !isValidNhsNumber(nhs)) {
      errors.push({ field: 'nhs-number', message: 'Enter a valid NHS number, like 943 476 5919. Check it has 10 digits and no typing mistakes' });
      nhs = null;
    }
  }
  let upn: string | null = null;
  if (blank(form.upn)) {
    upn = normaliseUpn(form.upn);
    if (!upn || !isValidUpn(upn)) {
      errors.push({ field: 'upn', message: 'Enter a valid unique pupil number (UPN): a letter followed by 12 characters, like G820201325001' });
      upn = null;
    }
  }
  let postcode: string | null = null;
  if (blank(form.postcode)) {
    if (!isValidPostcode(form.postcode)) errors.push({ field: 'postcode', message: 'Enter a real postcode, like NR1 2DH' });
    else postcode = normalisePostcode(form.postcode);
  }

  const badDisability = form.disabilityCodes.find((c) => !isCodeIn(DISABILITY_CODES, c));
  if (badDisability) errors.push({ field: 'disability', message: 'Select disabilities from the list' });
  else {
    const msg = validateDisabilities(form.disabilityCodes);
    if (msg) errors.push({ field: 'disability', message: msg });
  }

  let interpreter: boolean | null = null;
  if (form.interpreterNeeded === 'yes') interpreter = true;
  else if (form.interpreterNeeded === 'no') interpreter = false;

  if (errors.length) return { ok: false, errors };
  const aliasGiven = blank(form.aliasGiven);
  const aliasFamily = blank(form.aliasFamily);
  return {
    ok: true,
    person: {
      given_name: given,
      family_name: family,
      date_of_birth: dob,
      expected_date_of_birth: expected,
      sex,
      ethnicity: ethnicity ?? 'NOBT',
      nhs_number: nhs,
      upn,
      address_line_1: blank(form.addressLine1),
      address_line_2: blank(form.addressLine2),
      town: blank(form.town),
      postcode,
      school_setting: blank(form.schoolSetting),
      gp_practice: blank(form.gpPractice),
      first_language: blank(form.firstLanguage),
      interpreter_needed: interpreter,
      disability_codes: form.disabilityCodes,
    },
    alias: aliasGiven || aliasFamily ? { given_name: aliasGiven, family_name: aliasFamily } : null,
  };
}
