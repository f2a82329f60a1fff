import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCinCensus, collectionPeriod, validateChild, NOT_HELD, type CinChild } from './cin-census.js';

const header = { year: 2026, lea: '999', softwareCode: 'front-door', release: '1.0', serialNo: '001', dateTime: '2026-04-02T09:00:00' };
const base: CinChild = {
  laChildId: 'P0001', upn: null, dateOfBirth: '2015-03-27', expectedDateOfBirth: null, sex: 'F', ethnicity: 'NOBT', disabilities: ['NONE'],
  referrals: [{ referralDate: '2025-10-06', sourceCode: '2A', primaryNeed: null, nfa: true, reference: 'NFK-2025-000001' }],
};

test('the collection period runs 1 April to 31 March', () => {
  assert.deepEqual(collectionPeriod(2026), { start: '2025-04-01', end: '2026-03-31' });
});

test('a referral closed with no further action gives the DfE minimal example, element for element', () => {
  const { xml, findings } = buildCinCensus(header, [base]);
  assert.deepEqual(findings, []);
  assert.equal(
    xml,
    '<?xml version="1.0" encoding="UTF-8"?>\n<Message>' +
      '<Header><CollectionDetails><Collection>CIN</Collection><Year>2026</Year><ReferenceDate>2026-03-31</ReferenceDate></CollectionDetails>' +
      '<Source><SourceLevel>L</SourceLevel><LEA>999</LEA><SoftwareCode>front-door</SoftwareCode><Release>1.0</Release><SerialNo>001</SerialNo><DateTime>2026-04-02T09:00:00</DateTime></Source></Header>' +
      '<Children><Child><ChildIdentifiers><LAchildID>P0001</LAchildID><UPNunknown>UN7</UPNunknown><PersonBirthDate>2015-03-27</PersonBirthDate><Sex>F</Sex></ChildIdentifiers>' +
      '<ChildCharacteristics><Ethnicity>NOBT</Ethnicity><Disabilities><Disability>NONE</Disability></Disabilities></ChildCharacteristics>' +
      '<CINdetails><CINreferralDate>2025-10-06</CINreferralDate><ReferralSource>2A</ReferralSource><ReferralNFA>1</ReferralNFA></CINdetails></Child></Children></Message>\n',
  );
});

test('an unborn child is U with an expected date of birth and UN1', () => {
  const { xml, findings } = buildCinCensus(header, [{ ...base, dateOfBirth: null, expectedDateOfBirth: '2026-05-01', sex: 'U' }]);
  assert.match(xml, /<UPNunknown>UN1<\/UPNunknown><ExpectedPersonBirthDate>2026-05-01<\/ExpectedPersonBirthDate><Sex>U<\/Sex>/);
  assert.deepEqual(findings, []);
});

test('further action needs a primary need; outside the period, bad codes and unborn sex are errors', () => {
  const child: CinChild = {
    ...base, laChildId: 'BAD-ID', sex: 'F', dateOfBirth: null, expectedDateOfBirth: '2026-01-01', ethnicity: 'WENG', disabilities: ['NONE', 'VIS'],
    referrals: [
      { referralDate: '2025-03-31', sourceCode: '11', primaryNeed: null, nfa: false, reference: 'A' },
      { referralDate: '2025-06-01', sourceCode: '6', primaryNeed: 'N12', nfa: null, reference: 'B' },
    ],
  };
  const got = validateChild(child, 2026).map((f) => `${f.reference ?? '-'} ${f.item} ${f.severity}`);
  assert.deepEqual(got, [
    '- LAchildID error', '- Sex error', '- Ethnicity error', '- Disability error',
    'A CINreferralDate error', 'A ReferralSource error', 'A PrimaryNeedCode error',
    'B ReferralNFA query', 'B PrimaryNeedCode error',
  ]);
});

test('a born child with further action and no UPN is queried; the LEA must be three digits', () => {
  const child = { ...base, referrals: [{ ...base.referrals[0]!, nfa: false, primaryNeed: 'N1' }] };
  assert.deepEqual(validateChild(child, 2026).map((f) => `${f.item} ${f.severity}`), ['UPN query']);
  const { xml, findings } = buildCinCensus({ ...header, lea: '99' }, [child]);
  assert.equal(findings[0]!.item, 'LEA');
  assert.doesNotMatch(xml, /UPNunknown/, 'no UN7 unless every referral was NFA');
  assert.match(xml, /<PrimaryNeedCode>N1<\/PrimaryNeedCode><ReferralNFA>0<\/ReferralNFA>/);
});

test('text is escaped and children without referrals are left out, in LAchildID order', () => {
  const { xml } = buildCinCensus({ ...header, softwareCode: 'a<b&c' }, [{ ...base, laChildId: 'P0002' }, { ...base, referrals: [] , laChildId: 'P0000' }, base]);
  assert.match(xml, /<SoftwareCode>a&lt;b&amp;c<\/SoftwareCode>/);
  assert.deepEqual([...xml.matchAll(/<LAchildID>(\w+)<\/LAchildID>/g)].map((m) => m[1]), ['P0001', 'P0002']);
});

test('what Front Door does not hold is listed, not invented', () => {
  const { xml } = buildCinCensus(header, [base]);
  assert.ok(NOT_HELD.length >= 5, 'the list names the census items we do not hold');
  for (const tag of ['CINclosureDate', 'ReasonForClosure', 'Assessments', 'CINPlanDates', 'Section47', 'ChildProtectionPlans']) assert.doesNotMatch(xml, new RegExp(`<${tag}>`), tag);
});

test('a referral more than 40 weeks before the expected birth is an error (rule 8606)', () => {
  const child: CinChild = { ...base, dateOfBirth: null, expectedDateOfBirth: '2026-09-01', sex: 'U', referrals: [{ ...base.referrals[0]!, referralDate: '2025-11-24' }] };
  assert.deepEqual(validateChild(child, 2026).map((f) => f.problem), ['is more than 40 weeks before the (expected) date of birth (rule 8606)']);
  assert.deepEqual(validateChild({ ...child, referrals: [{ ...base.referrals[0]!, referralDate: '2025-11-25' }] }, 2026), [], 'exactly 40 weeks is allowed');
});
