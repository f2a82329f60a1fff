import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusOnSave, validateEarlyHelp, type EarlyHelpInput } from './early-help-rules.js';

const allowed = { needCodes: ['school-attendance', 'behaviour'], familyIds: ['m'] };
const complete: EarlyHelpInput = {
  familyMemberIds: ['m'], needCodes: ['behaviour'], needsDetail: null, consent: 'yes', consentNotGivenReason: null,
  leadName: 'Sam', leadRole: 'Teacher', leadAgency: 'School', leadPhone: '01632 960 001', leadEmail: null,
};
const fields = (input: EarlyHelpInput, action: 'save' | 'send') => validateEarlyHelp(input, action, allowed).map((e) => e.field);

test('a complete request with consent can be sent', () => {
  assert.deepEqual(fields(complete, 'send'), [], 'no errors');
});

test('without consent a request can be saved with a reason but never sent', () => {
  const no = { ...complete, consent: 'no', consentNotGivenReason: 'Parents declined' };
  assert.deepEqual(fields(no, 'save'), [], 'saving is fine');
  assert.deepEqual(fields(no, 'send'), ['consent'], 'sending is refused on the consent question');
  assert.deepEqual(fields({ ...no, consentNotGivenReason: null }, 'save'), ['consentNotGivenReason'], 'the reason is needed');
  assert.equal(statusOnSave('no'), 'consent-not-given', 'saved as not agreed');
  assert.equal(statusOnSave('yes'), 'details-needed', 'otherwise still to complete');
  assert.equal(statusOnSave(null), 'details-needed', 'or not answered yet');
});

test('sending needs needs, consent and a reachable lead professional; saving does not', () => {
  const empty: EarlyHelpInput = { familyMemberIds: [], needCodes: [], needsDetail: null, consent: null, consentNotGivenReason: null, leadName: null, leadRole: null, leadAgency: null, leadPhone: null, leadEmail: null };
  assert.deepEqual(fields(empty, 'save'), [], 'an empty draft can be saved');
  assert.deepEqual(fields(empty, 'send'), ['needs', 'consent', 'leadName', 'leadRole', 'leadAgency', 'leadPhone'], 'everything is asked for');
  assert.deepEqual(fields({ ...complete, leadPhone: null, leadEmail: 'sam@school.example' }, 'send'), [], 'an email is enough to reach them');
});

test('only the profile’s needs and the child’s family can be chosen', () => {
  assert.deepEqual(fields({ ...complete, needCodes: ['made-up'] }, 'save'), ['needs'], 'unknown need');
  assert.deepEqual(fields({ ...complete, familyMemberIds: ['stranger'] }, 'save'), ['family'], 'someone not in the family');
  assert.deepEqual(fields({ ...complete, leadEmail: 'nope' }, 'save'), ['leadEmail'], 'a malformed email');
});
