import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validatePerson, type PersonForm } from './person-rules.js';

const base: PersonForm = {
  givenName: 'Poppy', familyName: 'Turner', aliasGiven: '', aliasFamily: '', unborn: false,
  dob: { day: '4', month: '3', year: '2017' }, sex: 'F', ethnicity: 'WBRI', nhsNumber: '999 100 0003', upn: '',
  addressLine1: '1 Oak Road', addressLine2: '', town: 'Norwich', postcode: 'nr1 2dh', schoolSetting: '', gpPractice: '',
  firstLanguage: 'English', interpreterNeeded: 'no', disabilityCodes: [],
};
const today = '2026-11-23';

test('a complete child is accepted and normalised', () => {
  const r = validatePerson(base, today);
  assert.ok(r.ok);
  assert.equal(r.person.date_of_birth, '2017-03-04');
  assert.equal(r.person.nhs_number, '9991000003');
  assert.equal(r.person.postcode, 'NR1 2DH');
  assert.equal(r.person.interpreter_needed, false);
  assert.equal(r.alias, null);
});

test('bad identifiers are each reported against their field', () => {
  const r = validatePerson({ ...base, nhsNumber: '9434765918', upn: 'R247962919251', postcode: 'QQ1 1CA' }, today);
  assert.ok(!r.ok);
  assert.deepEqual(r.errors.map((e) => e.field).sort(), ['nhs-number', 'postcode', 'upn']);
});

test('a date of birth in the future is refused', () => {
  const r = validatePerson({ ...base, dob: { day: '1', month: '1', year: '2030' } }, today);
  assert.ok(!r.ok);
  assert.match(r.errors[0]!.message, /past/);
});

test('an unborn child needs an expected date and no first name; sex is not known', () => {
  const r = validatePerson({ ...base, unborn: true, givenName: '', sex: '', dob: { day: '1', month: '3', year: '2027' } }, today);
  assert.ok(r.ok);
  assert.equal(r.person.expected_date_of_birth, '2027-03-01');
  assert.equal(r.person.date_of_birth, null);
  assert.equal(r.person.sex, 'U');
});

test('NONE cannot be combined with another disability', () => {
  const r = validatePerson({ ...base, disabilityCodes: ['NONE', 'AUT'] }, today);
  assert.ok(!r.ok);
  assert.equal(r.errors[0]!.field, 'disability');
});

test('names are required and sex must be chosen', () => {
  const r = validatePerson({ ...base, givenName: ' ', familyName: '', sex: '' }, today);
  assert.ok(!r.ok);
  assert.deepEqual(r.errors.map((e) => e.field), ['given-name', 'family-name', 'sex']);
});

test('an alias is returned when given', () => {
  const r = validatePerson({ ...base, aliasGiven: 'Pops' }, today);
  assert.ok(r.ok);
  assert.deepEqual(r.alias, { given_name: 'Pops', family_name: null });
});
