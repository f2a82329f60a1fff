import { test } from 'node:test';
import assert from 'node:assert/strict';
import { incidentReferenceKey, isLikelyDuplicate, referralDeadline, spanWords, validateReferral, type IncidentFacts, type ReferralInput } from './referral-rules.js';

const NOW = new Date('2026-11-23T10:00:00Z');
const opts = { concernCategoryCodes: ['neglect', 'domestic-abuse'], now: NOW, today: '2026-11-23' };

function input(over: Partial<ReferralInput> = {}): ReferralInput {
  return {
    referrer: { name: 'PC Dana Whitlock', role: 'Police constable', phone: '01632 960 001', email: '' },
    children: [{ givenName: 'Tyler', familyName: 'Brockway', dateOfBirth: '2016-04-02', unborn: false, expectedDateOfBirth: null, addressLine1: '', town: '', postcode: 'nr18 0ab', whereNow: 'Home' }],
    incident: { reference: 'ppn 123/45', at: new Date('2026-11-23T02:00:00Z'), place: 'Mill Lane', postcode: '' },
    concernCategories: ['domestic-abuse'],
    whatHappened: 'A domestic incident',
    immediacy: 'soon',
    parentsInformed: 'yes',
    consentGiven: 'yes',
    consentReasonCodes: [],
    consentReasonDetail: '',
    lawfulBasisCode: '',
    ...over,
  };
}

test('a whole referral is tidied for saving', () => {
  const r = validateReferral(input(), opts);
  assert.ok(r.ok, 'valid');
  assert.equal(r.referral.incident.key, 'PPN12345', 'the reference compared without case, spaces or punctuation');
  assert.equal(r.referral.children[0]!.postcode, 'NR18 0AB');
  assert.equal(r.referral.referrer.phone, '01632 960001');
  assert.equal(r.referral.consentReasonDetail, null, 'no consent reason kept when consent was given');
});

test('each missing or wrong part is named, with its page field and its API path', () => {
  const r = validateReferral(input({ referrer: { name: '', role: '', phone: 'ring me', email: 'nope' }, children: [], concernCategories: ['aliens'], consentGiven: 'no' }), opts);
  assert.ok(!r.ok, 'invalid');
  const paths = r.errors.map((e) => e.path);
  for (const p of ['referrer.name', 'referrer.role', 'referrer.phone', 'referrer.email', 'children', 'concernCategories', 'consentReasonCodes', 'consentReasonDetail', 'lawfulBasisCode']) {
    assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
  }
  assert.ok(r.errors.some((e) => e.field === 'referrer-phone'), 'the page field too');
});

test('an incident in the future, or a child born tomorrow, is refused', () => {
  const r = validateReferral(input({
    incident: { reference: 'X1', at: new Date('2026-11-23T12:00:00Z'), place: 'Here', postcode: '' },
    children: [{ givenName: 'A', familyName: 'B', dateOfBirth: '2026-11-24', unborn: false, expectedDateOfBirth: null, addressLine1: '', town: '', postcode: '', whereNow: 'Home' }],
  }), opts);
  assert.ok(!r.ok, 'invalid');
  assert.deepEqual(r.errors.map((e) => e.path).sort(), ['children.0.dateOfBirth', 'incident.at']);
});

test('an unborn child needs an expected date of birth but no name', () => {
  const child = { givenName: '', familyName: '', dateOfBirth: null, unborn: true, expectedDateOfBirth: null, addressLine1: '', town: '', postcode: '', whereNow: 'With mother' };
  const r = validateReferral(input({ children: [child] }), opts);
  assert.ok(!r.ok && r.errors.length === 1 && r.errors[0]!.field === 'children-0-expected-day', 'only the expected date is asked for');
  assert.ok(validateReferral(input({ children: [{ ...child, expectedDateOfBirth: '2027-02-01' }] }), opts).ok, 'valid with the date');
});

test('incident references compare without case, spaces or punctuation', () => {
  assert.equal(incidentReferenceKey(' nc-2026/00123 '), 'NC202600123');
});

const facts = (over: Partial<IncidentFacts> = {}): IncidentFacts => ({
  incidentAt: new Date('2026-11-23T01:00:00Z'),
  postcode: 'NR19 1AA',
  place: '2 Elm Close',
  children: [{ personId: null, givenName: 'Kian', familyName: 'Oakshott', dateOfBirth: '2014-01-20' }],
  ...over,
});

test('the same child at the same place within the window is a likely duplicate', () => {
  assert.equal(isLikelyDuplicate(facts(), facts({ incidentAt: new Date('2026-11-23T05:59:00Z') }), 6), true);
  assert.equal(isLikelyDuplicate(facts(), facts({ incidentAt: new Date('2026-11-23T07:01:00Z') }), 6), false, 'too far apart in time');
  assert.equal(isLikelyDuplicate(facts(), facts({ postcode: 'NR1 1AA' }), 6), false, 'another place');
  assert.equal(isLikelyDuplicate(facts(), facts({ children: [{ personId: null, givenName: 'Ella', familyName: 'Oakshott', dateOfBirth: '2012-01-01' }] }), 6), false, 'another child');
  assert.equal(isLikelyDuplicate(facts({ postcode: null }), facts({ postcode: null, place: '2 elm close.' }), 6), true, 'the same words for the place when there is no postcode');
  const matched = [{ personId: 'p1', givenName: 'K', familyName: 'Oakshott-Reid', dateOfBirth: null }];
  assert.equal(isLikelyDuplicate(facts({ children: matched }), facts({ children: [{ ...matched[0]!, givenName: 'Kian' }] }), 6), true, 'the same matched record, whatever the spelling');
});

test('the deadline in words: on time, due soon, overdue', () => {
  const due = new Date('2026-11-23T11:00:00Z');
  assert.deepEqual(referralDeadline(due, new Date('2026-11-23T09:00:00Z'), 60), { state: 'on-time', countdown: '2 hours left' });
  assert.deepEqual(referralDeadline(due, new Date('2026-11-23T10:30:00Z'), 60), { state: 'due-soon', countdown: '30 minutes left' });
  assert.deepEqual(referralDeadline(due, new Date('2026-11-23T12:05:00Z'), 60), { state: 'overdue', countdown: 'Overdue by 1 hour 5 minutes' });
  assert.equal(spanWords(3 * 86_400_000 + 3_600_000), '3 days 1 hour');
});
