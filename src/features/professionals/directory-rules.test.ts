import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseMatch, correctedChanges, detailsFromCaller, learnedChanges, nameKey } from './directory-rules.js';

const caller = { caller_type: 'professional', caller_name: ' Dr  Anjali Rao ', caller_role: 'GP', caller_agency_code: 'gp', caller_agency_other: 'ignored', caller_phone: '01632 960 001', caller_email: 'A.Rao@Surgery.example' };
const t = (iso: string) => new Date(iso);

test('a professional caller is tidied for the directory; the public and uncontactable are not', () => {
  const d = detailsFromCaller(caller);
  assert.ok(d, 'a professional with a phone and email is taken');
  assert.equal(d.name, 'Dr Anjali Rao', 'spaces tidied');
  assert.equal(d.email, 'a.rao@surgery.example', 'email lower-cased');
  assert.equal(d.phoneE164, '+441632960001', 'phone normalised');
  assert.equal(d.agencyOther, null, 'agency other only with "other"');
  assert.equal(detailsFromCaller({ ...caller, caller_type: 'public' }), null, 'members of the public are not added');
  assert.equal(detailsFromCaller({ ...caller, caller_phone: null, caller_email: null }), null, 'no way to match: not added');
  assert.equal(detailsFromCaller({ ...caller, caller_phone: 'not a number', caller_email: null }), null, 'an unusable number is no way to match');
});

test('email matches first; a phone matches only when the names agree', () => {
  const cands = [
    { id: 'a', name: 'Anjali Rao', phone_e164: '+441632960001', email: null, updated_at: t('2026-01-01') },
    { id: 'b', name: 'Someone Else', phone_e164: '+441632960001', email: 'a.rao@surgery.example', updated_at: t('2026-01-01') },
  ];
  assert.equal(chooseMatch({ name: 'Anjali Rao', phoneE164: '+441632960001', email: 'a.rao@surgery.example' }, cands)?.id, 'b', 'the email wins');
  assert.equal(chooseMatch({ name: 'Dr Anjali Rao', phoneE164: '+441632960001', email: null }, cands)?.id, 'a', 'phone and name');
  assert.equal(chooseMatch({ name: 'Tom Office', phoneE164: '+441632960001', email: null }, cands), null, 'a colleague on the same number');
  assert.equal(nameKey("Mrs O'Brien-Smith"), "o'brien-smith", 'titles and case go');
});

test('learned changes keep what the caller did not give; corrections set everything', () => {
  const held = { name: 'Anjali Rao', agency_code: 'gp', agency_other: null, role: 'GP', team: 'Surgery', phone: '01632 960001', phone_e164: '+441632960001', email: 'a.rao@surgery.example' };
  const d = detailsFromCaller({ ...caller, caller_role: 'GP partner', caller_email: null, caller_phone: '07700 900001' })!;
  const c = learnedChanges(held, d);
  assert.deepEqual(Object.keys(c).sort(), ['phone', 'phone_e164', 'role'], 'role and phone change; name written another way and missing email do not');
  const k = correctedChanges(held, { ...d, name: 'Anjali Rao', team: null, email: null });
  assert.ok('team' in k && 'email' in k, 'a correction may clear details');
});
