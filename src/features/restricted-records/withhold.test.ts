import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withhold, uuidsIn, NOTHING_WITHHELD, type WithheldSet } from './withhold.js';
import { classification, subjectOfPath, subjectOfRoute } from './subjects.js';

const ELLIE = '11111111-1111-4111-8111-111111111111';
const ALFIE = '22222222-2222-4222-8222-222222222222';
const TALK = '33333333-3333-4333-8333-333333333333';
const w: WithheldSet = { people: new Map([[ELLIE, 'NFK7']]), records: new Set([TALK]) };

test('nothing withheld: the data itself comes back', () => {
  const data = { person: { id: ELLIE, given_name: 'Ellie' } };
  assert.equal(withhold(data, NOTHING_WITHHELD), data, 'the same object');
});

test('a person row is blanked wherever its id is, and keeps its ids and codes', () => {
  const out = withhold({
    person: { id: ELLIE, given_name: 'Ellie', family_name: 'Smith-Jones', date_of_birth: '2015-03-27', nhs_number: '9434765919', postcode: 'NR1 2DH', sex: 'F', household_id: 'h1' },
    children: [{ person_id: ELLIE, given_name: 'Ellie', outcome_code: 'mash-checks' }, { person_id: ALFIE, given_name: 'Alfie', outcome_code: 'advice' }],
  }, w);
  assert.deepEqual(out.person, {
    id: ELLIE, given_name: null, family_name: null, date_of_birth: null, nhs_number: null, postcode: null, sex: 'F', household_id: 'h1', restricted: true, restrictedReference: 'NFK7',
  }, 'the person row is blanked but keeps its id');
  assert.equal(out.children[0]!.outcome_code, 'mash-checks', 'codes stay, so the row still counts');
  assert.equal(out.children[0]!.given_name, null, 'the name goes');
  assert.deepEqual(out.children[1], { person_id: ALFIE, given_name: 'Alfie', outcome_code: 'advice' }, 'another child is untouched');
});

test('every shape a page gives a person in is caught', () => {
  const out = withhold({
    chronology: [{ conversationId: TALK, children: [{ personId: ELLIE, name: 'Ellie Smith-Jones' }] }],
    partner: { personId: ELLIE, givenName: 'Ellie', familyName: 'Smith-Jones', address: { line1: '1 Road', postcode: 'NR1 2DH' } },
    search: { person: { id: ELLIE, given_name: 'Ellie' }, reasons: ['same first name (Ellie)'], against: ['different postcode'], household: [{ id: ALFIE, name: 'Alfie' }] },
  }, w);
  assert.equal(out.chronology[0]!.children[0]!.name, 'Restricted record NFK7', 'a display name becomes the reference');
  assert.deepEqual(out.partner.address, { line1: null, postcode: null }, 'an address keeps its shape, blanked');
  assert.equal(out.partner.givenName, null, 'camelCase names go too');
  assert.deepEqual([out.search.reasons, out.search.against, out.search.household], [[], [], []], 'the matching evidence about a withheld result goes with it');
});

test('a row listing a withheld conversation’s children as one string, and a note under it, lose them', () => {
  const out = withhold({ work: [{ id: TALK, reference: 'NFK-2026-000001', children: 'Ellie Smith-Jones, Alfie Smith-Jones' }], notes: [{ conversationId: TALK, text: 'Early Help request for Ellie: sent' }] }, w);
  assert.equal(out.work[0]!.children, 'Restricted record', 'the children column');
  assert.equal(out.work[0]!.reference, 'NFK-2026-000001', 'the reference stays');
  assert.equal(out.notes[0]!.text, 'Restricted record', 'the note');
});

test('dates, buffers and repeated objects pass through', () => {
  const when = new Date('2026-11-23T10:00:00Z');
  const shared = { id: ELLIE, given_name: 'Ellie' };
  const out = withhold({ when, pdf: Buffer.from('x'), a: shared, b: shared }, w);
  assert.equal(out.when, when, 'a date is not copied');
  assert.ok(Buffer.isBuffer(out.pdf), 'a buffer is not walked');
  assert.equal(out.a, out.b, 'a shared object is withheld once');
});

test('the UUIDs a request names are found anywhere in its query or body', () => {
  assert.deepEqual(uuidsIn({ 'person-id': ELLIE.toUpperCase(), nested: { list: [`x ${ALFIE} y`] } }), [ELLIE, ALFIE], 'found and lower-cased');
});

test('routes and paths are matched to the record they open', () => {
  assert.deepEqual(subjectOfRoute('/conversations/:id/family', { id: TALK }), { kind: 'conversation', id: TALK, path: `/conversations/${TALK}` }, 'a conversation section');
  assert.equal(subjectOfRoute('/people/search', {}), null, 'not a record');
  assert.equal(subjectOfRoute('/people/:id', { id: 'not-a-uuid' }), null, 'a malformed id is left to the route');
  assert.deepEqual(subjectOfPath(`/mash/requests/${TALK}`), { kind: 'mash-request', id: TALK, path: `/mash/requests/${TALK}` }, 'a partner’s request');
  for (const bad of [`//evil.example/people/${ELLIE}`, `https://evil.example/people/${ELLIE}`, `/people/${ELLIE}?x=1`, '/people/search', `/api/v1/people/${ELLIE}`]) {
    assert.equal(subjectOfPath(bad), null, `${bad} is not a page to open`);
  }
  assert.equal(classification('/early-help/:id/edit'), 'subject', 'guarded');
  assert.equal(classification('/tasks/:id/done'), 'not-about-a-child', 'listed');
  assert.equal(classification('/something-new/:id'), null, 'a new route is neither until someone decides');
});
