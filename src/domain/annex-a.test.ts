import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALL_SOURCE_CODES, ANNEX_A_GENDERS, DEFAULT_5D_VALUE, LIST_1_HEADERS, LIST_3_HEADERS,
  annexADate, annexAEthnicity, annexAGender, annexASource, buildList1, buildList3, cinSourceFromAnnexA, type ReferralRow,
} from './annex-a.js';
import { ETHNICITY_CODES } from './codes.js';

test('contact source letters follow codes.md §10 exactly', () => {
  const expected: Record<string, string> = {
    '1A': 'a) 1A: Individual', '1B': 'b) 1B: Individual', '1C': 'c) 1C: Individual', '1D': 'd) 1D: Individual',
    '2A': 'e) 2A: Schools', '2B': 'f) 2B: Education services',
    '3A': 'g) 3A: Health services', '3B': 'h) 3B: Health services', '3C': 'i) 3C: Health services', '3D': 'j) 3D: Health services', '3E': 'k) 3E: Health services', '3F': 'l) 3F: Health services',
    '4': 'm) 4: Housing', '5A': 'n) 5A: LA services', '5B': 'o) 5B: LA services', '5C': 'p) 5C: LA services',
    '6': 'q) 6: Police', '7': 'r) 7: Other legal agency', '8': 's) 8: Other', '9': 't) 9: Anonymous', '10': 'u) 10: Unknown',
  };
  for (const [code, value] of Object.entries(expected)) assert.equal(annexASource(code), value, code);
  assert.equal(annexASource('5D'), DEFAULT_5D_VALUE);
  assert.equal(annexASource('5D', '5D - LA Services – early help'), '5D - LA Services – early help');
  assert.equal(annexASource('11'), undefined);
});

test('every CIN source code maps to Annex A and back to itself', () => {
  assert.equal(ALL_SOURCE_CODES.length, 22);
  for (const code of ALL_SOURCE_CODES) {
    const v = annexASource(code);
    assert.ok(v, `no Annex A value for ${code}`);
    assert.equal(cinSourceFromAnnexA(v), code, `${code} → ${v} → back`);
  }
  assert.equal(cinSourceFromAnnexA('q)'), '6');
  assert.equal(cinSourceFromAnnexA('nonsense'), undefined);
});

test('gender: M, F, U and unborn; d) is never emitted from what we hold', () => {
  assert.equal(annexAGender('M', false), 'a) Male');
  assert.equal(annexAGender('F', false), 'b) Female');
  assert.equal(annexAGender('U', false), 'c) Not stated/recorded');
  assert.equal(annexAGender(null, false), 'c) Not stated/recorded');
  assert.equal(annexAGender('F', true), 'c) Not stated/recorded', 'an unborn child is c)');
  assert.ok(![annexAGender('M', false), annexAGender('F', false), annexAGender('U', false)].includes(ANNEX_A_GENDERS[3]), 'd) not used');
});

test('ethnicity: the 20 codes lettered a) to t) in CIN order', () => {
  assert.equal(ETHNICITY_CODES.length, 20);
  assert.equal(annexAEthnicity('WBRI'), 'a) WBRI');
  assert.equal(annexAEthnicity('CHNE'), 'q) CHNE');
  assert.equal(annexAEthnicity('REFU'), 's) REFU');
  assert.equal(annexAEthnicity('NOBT'), 't) NOBT');
  assert.equal(annexAEthnicity('WENG'), undefined, 'extended codes are not Annex A codes');
  assert.equal(annexAEthnicity(null), undefined);
});

test('dates are DD/MM/YYYY', () => {
  assert.equal(annexADate('2026-03-09'), '09/03/2026');
  assert.equal(annexADate(null), '');
});

const child = { childId: 'P-1', sex: 'F', ethnicity: 'WBRI', dateOfBirth: '2015-06-30', expectedDateOfBirth: null };

test('List 1: one row per child per contact, oldest first, ages at the extract date, findings without dropping rows', () => {
  const list = buildList1(
    [
      { ...child, contactDate: '2026-05-02', sourceCode: '2A', reference: 'NFK-2' },
      { childId: 'P-2', sex: null, ethnicity: null, dateOfBirth: null, expectedDateOfBirth: '2026-12-01', contactDate: '2026-04-01', sourceCode: '3B', reference: 'NFK-1' },
      { childId: 'P-3', sex: 'U', ethnicity: 'XXXX', dateOfBirth: null, expectedDateOfBirth: null, contactDate: '2026-05-02', sourceCode: null, reference: 'NFK-3' },
    ],
    '2026-07-01',
  );
  assert.deepEqual(list.headers, LIST_1_HEADERS);
  assert.deepEqual(list.rows, [
    ['P-2', 'c) Not stated/recorded', 't) NOBT', '', '', '01/04/2026', 'h) 3B: Health services'],
    ['P-1', 'b) Female', 'a) WBRI', '30/06/2015', '11', '02/05/2026', 'e) 2A: Schools'],
    ['P-3', 'c) Not stated/recorded', 't) NOBT', '', '', '02/05/2026', 'u) 10: Unknown'],
  ]);
  const problems = list.findings.map((f) => `${f.row} ${f.reference} ${f.column}`);
  assert.deepEqual(problems, [
    '1 NFK-1 Ethnicity',
    '3 NFK-3 Ethnicity', '3 NFK-3 Date of Birth', '3 NFK-3 Gender', '3 NFK-3 Contact Source',
  ]);
});

test('List 3: NFA, the 12-month count, team and worker, with findings for what is missing', () => {
  const r: ReferralRow = { ...child, contactDate: '2026-05-02', sourceCode: '6', reference: 'SOT-9', nfa: true, referralsInLast12Months: 2, team: 'ChAD Team 1', worker: 'Rachel Boulton' };
  const list = buildList3([r, { ...r, reference: 'SOT-10', contactDate: '2026-06-01', nfa: null, team: null, worker: null, sourceCode: '5D' }], '2026-07-01');
  assert.deepEqual(list.headers, LIST_3_HEADERS);
  assert.deepEqual(list.rows[0], ['P-1', 'b) Female', 'a) WBRI', '30/06/2015', '11', '02/05/2026', 'q) 6: Police', 'a) Yes', '2', 'ChAD Team 1', 'Rachel Boulton']);
  assert.deepEqual(list.rows[1]!.slice(6), ['p1) 5D: LA services', 'b) No', '2', '', '']);
  assert.deepEqual(list.findings.map((f) => f.column), ['Referral NFA?', 'Allocated Team', 'Allocated Worker']);
});
