import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChildWithPerson } from '../conversations/conversations.repository.js';
import {
  buildWrittenRecordModel,
  exampleWrittenRecordSource,
  formatOpeningHours,
  recordDocument,
  writtenRecordPdfFilename,
  writtenRecordSubject,
  type WrittenRecordSource,
} from './written-record.js';
import { profile } from './written-record.fixtures.js';

const closed: { open: string; close: string }[] = [];
const nineToFive = [{ open: '09:00', close: '17:00' }];

describe('buildWrittenRecordModel', () => {
  const src = exampleWrittenRecordSource(profile());
  const model = buildWrittenRecordModel(src);

  test('says who it is from, the reference, version and when the conversation was (London time)', () => {
    assert.equal(model.serviceName, "Children's Advice and Duty Service");
    assert.equal(model.serviceShortName, 'CADS');
    assert.equal(model.authorityName, 'Norfolk County Council');
    assert.equal(model.reference, 'NFK-2026-000123');
    assert.equal(model.version, 1);
    assert.equal(model.amended, false);
    assert.equal(model.amendment, null);
    assert.equal(model.conversationAt, '23 November 2026 at 2:05pm');
    assert.equal(model.sentOn, '23 November 2026');
  });

  test('uses British Summer Time for a summer conversation', () => {
    const summer = buildWrittenRecordModel({ ...src, conversation: { ...src.conversation, startedAt: new Date('2026-07-01T11:00:00Z') }, sentAt: new Date('2026-07-01T23:30:00Z') });
    assert.equal(summer.conversationAt, '1 July 2026 at midday');
    assert.equal(summer.sentOn, '2 July 2026');
  });

  test('gives the worker and the service contact details from the profile', () => {
    assert.deepEqual(model.worker, { name: 'Sam Okafor', email: 'sam.okafor@norfolk.example', phone: '01632 960 444' });
    assert.equal(model.servicePhone, '0344 800 8021', 'the professionals line, not the public one');
    assert.equal(model.serviceEmail, 'cads@norfolk.example');
  });

  test('leaves out worker contact details that are not known', () => {
    const m = buildWrittenRecordModel({ ...src, worker: { name: 'Sam Okafor', email: null, phone: '  ' } });
    assert.deepEqual(m.worker, { name: 'Sam Okafor', email: null, phone: null });
    const rows = recordDocument(m).sections.find((s) => s.id === 'who-you-spoke-to')!.blocks.flatMap((b) => (b.kind === 'rows' ? b.rows : []));
    assert.deepEqual(rows.map((r) => r.label), ['Social worker', 'CADS phone line for professionals', 'CADS email']);
  });

  test('names each child with their date of birth and where they were, and nothing else about them', () => {
    assert.deepEqual(model.children, [
      { name: 'Ellie Smith-Jones', dateOfBirth: '12 April 2017', whereNow: 'At Hillside Primary School until 3:15pm, then collected by mum' },
      { name: 'Jack Smith-Jones', dateOfBirth: '3 September 2020', whereNow: 'At Hillside Primary School until 3:15pm, then collected by mum' },
    ]);
  });

  test('describes an unborn child by the expected date', () => {
    const unborn: ChildWithPerson = { ...src.children[0]!, given_name: null, family_name: null, date_of_birth: null, expected_date_of_birth: '2027-03-03' };
    const m = buildWrittenRecordModel({ ...src, children: [unborn] });
    assert.deepEqual(m.children[0], { name: 'Unborn child', dateOfBirth: 'Unborn, expected 3 March 2027', whereNow: unborn.where_now });
    assert.equal(recordDocument(m).sections.find((s) => s.id === 'children')!.heading, 'The child we discussed');
  });

  test('turns codes into the profile and national labels', () => {
    assert.deepEqual(model.concern.categories, ['Neglect', 'Parenting capacity – substance misuse']);
    assert.equal(model.concern.immediacy, 'Soon – the child needs help in the next few days');
    assert.deepEqual(model.consent.notSoughtReasons, [
      'It would put the child at risk of significant harm',
      'It would put the person making the referral at risk of significant harm',
    ]);
    assert.match(model.consent.lawfulBasis!, /^UK GDPR Article 6\(1\)\(e\) public task/);
    assert.equal(model.consent.parentsInformed, 'No');
    assert.equal(model.consent.consentGiven, 'No');
    assert.deepEqual(
      model.outcomes.map((o) => [o.childName, o.outcome, o.level, o.callerAgreed, o.disagreementNote]),
      [
        ['Ellie Smith-Jones', 'No further action', 'Level 3 – complex needs (targeted support)', 'Yes', null],
        ['Jack Smith-Jones', 'Early Help request (Request for support)', 'Level 3 – complex needs (targeted support)', 'No', 'I think Jack needs the same assessment as Ellie: he is only 6 and relies on his sister for meals.'],
      ],
    );
  });

  test('shows no reasons or lawful basis when consent was given', () => {
    const m = buildWrittenRecordModel({ ...src, version: { ...src.version, parents_informed: 'yes', consent_given: 'yes' } });
    assert.deepEqual(m.consent, { parentsInformed: 'Yes', consentGiven: 'Yes', notSoughtReasons: [], explanation: null, lawfulBasis: null });
  });

  test('uses the organisation the caller named when their agency is "other"', () => {
    const m = buildWrittenRecordModel({ ...src, version: { ...src.version, caller_agency_code: 'other', caller_agency_other: 'Riverside Youth Club' } });
    assert.equal(m.caller.organisation, 'Riverside Youth Club');
  });

  test('writes "Not recorded" rather than leaving gaps', () => {
    const m = buildWrittenRecordModel({ ...src, version: { ...src.version, strengths: null, immediacy: null, caller_role: '  ' } });
    assert.equal(m.discussion.strengths, 'Not recorded');
    assert.equal(m.concern.immediacy, 'Not recorded');
    assert.equal(m.caller.role, 'Not recorded');
  });

  test('carries the emergency message, opening hours, out-of-hours team, disagreement policy and survey', () => {
    assert.equal(model.situationChanges.emergencyMessage, 'If you consider the incident to be an emergency, please call 999.');
    assert.deepEqual(model.situationChanges.openingHours, ['Monday to Friday, 9am to 5pm']);
    assert.deepEqual(model.situationChanges.edt, { name: 'Emergency Duty Team', phone: '0344 800 8020', hours: 'Outside CADS opening hours, at weekends and on bank holidays' });
    assert.deepEqual(model.disagreement, { policyName: 'Resolving Professional Disagreements Policy (Norfolk Safeguarding Children Partnership)', contact: 'nscb@norfolk.gov.uk' });
    assert.deepEqual(model.survey, { url: src.surveyUrl, expiryDays: 28, minutes: 2 });
  });

  test('says the caller spoke to the emergency duty team for an out-of-hours conversation', () => {
    const m = buildWrittenRecordModel({ ...src, conversation: { ...src.conversation, service: 'edt' } });
    assert.equal(m.spokeTo, 'Emergency Duty Team');
  });

  test('copies nothing from extra columns on the rows it is given', () => {
    const leaky = {
      ...src,
      children: src.children.map((c) => ({ ...c, nhs_number: '9434765919', address_line_1: '14 Acacia Avenue', postcode: 'NR1 2AB', upn: 'A123456789012' })),
      otherConversations: [{ reference: 'NFK-2025-000999' }],
    } as WrittenRecordSource;
    const json = JSON.stringify(buildWrittenRecordModel(leaky));
    for (const secret of ['9434765919', 'Acacia', 'NR1 2AB', 'A123456789012', 'NFK-2025-000999']) assert.ok(!json.includes(secret), secret);
  });
});

describe('writtenRecordSubject and writtenRecordPdfFilename', () => {
  test('name the service and reference, never a child', () => {
    const model = buildWrittenRecordModel(exampleWrittenRecordSource(profile()));
    const subject = writtenRecordSubject(model);
    assert.equal(subject, "Children's Advice and Duty Service: record of your conversation NFK-2026-000123");
    for (const name of ['Ellie', 'Jack', 'Smith-Jones']) assert.ok(!subject.includes(name));
    assert.equal(writtenRecordPdfFilename(model), 'NFK-2026-000123-v1.pdf');
  });

  test('say when the record is amended', () => {
    const model = buildWrittenRecordModel(exampleWrittenRecordSource(profile(), { amended: true }));
    assert.equal(writtenRecordSubject(model), "Children's Advice and Duty Service: amended record of your conversation NFK-2026-000123");
    assert.equal(writtenRecordPdfFilename(model), 'NFK-2026-000123-v2.pdf');
  });

  test("keep any child's name out of the subject", () => {
    const src = exampleWrittenRecordSource(profile());
    const model = buildWrittenRecordModel({ ...src, children: [{ ...src.children[0]!, given_name: 'Zainab', family_name: 'Okonkwo' }] });
    assert.ok(!/Zainab|Okonkwo/.test(writtenRecordSubject(model)));
  });
});

describe('amended records', () => {
  const src = exampleWrittenRecordSource(profile(), { amended: true });
  const model = buildWrittenRecordModel(src);

  test('say which record they replace, why, and what changed', () => {
    assert.equal(model.amended, true);
    assert.equal(model.amendment!.replacesVersion, 1);
    assert.equal(model.amendment!.replacesDate, '23 November 2026');
    assert.match(model.amendment!.reason, /direct line was recorded wrongly/);
    assert.deepEqual(model.amendment!.changes, [
      "Caller's phone number",
      'Details of the concern were changed',
      "Agreed outcome for Ellie Smith-Jones: was 'No further action', now 'Referral for a social care assessment'",
      "Level of need for Ellie Smith-Jones: was 'Level 3 – complex needs (targeted support)', now 'Level 4 – specialist or statutory need'",
      'Next steps for Ellie Smith-Jones',
      'Who will do the next steps for Ellie Smith-Jones',
    ]);
    const notice = recordDocument(model).notice!;
    assert.equal(notice.title, 'Amended record – this replaces the record dated 23 November 2026, version 1');
  });

  test('list coded and yes/no changes with their old and new values', () => {
    const v2 = { ...src.version, immediacy: 'immediate', parents_informed: 'yes' as const, concern_categories: ['neglect'] };
    const children = src.children.map((c, i) => (i === 1 ? { ...c, caller_agreed: true, disagreement_note: null } : c));
    const m = buildWrittenRecordModel({ ...src, version: v2, children });
    const changes = m.amendment!.changes;
    assert.ok(changes.includes("Type of concern: was 'Neglect, Parenting capacity – substance misuse', now 'Neglect'"), changes.join('\n'));
    assert.ok(changes.includes("How immediate the concern is: was 'Soon', now 'Immediate'"));
    assert.ok(changes.includes("Whether parents or carers were told about the call: was 'No', now 'Yes'"));
    assert.ok(changes.includes("Whether you agreed with the outcome for Jack Smith-Jones: was 'No', now 'Yes'"));
    assert.ok(changes.includes('Why you disagreed with the outcome for Jack Smith-Jones'));
  });

  test('ignore a reordering of the same concern categories', () => {
    const v2 = { ...src.previousVersion!, version: 2, concern_categories: ['parenting-substance-misuse', 'neglect'] };
    const m = buildWrittenRecordModel({ ...src, version: v2, children: src.previousChildren!.map((c) => ({ ...c, version: 2 })) });
    assert.deepEqual(m.amendment!.changes, []);
    assert.equal(recordDocument(m).notice!.blocks.some((b) => b.kind === 'paragraph' && b.parts.join('').includes('not included in this record')), true);
  });

  test('name a child who was added, but not one who was removed', () => {
    const [ellie, jack] = src.children as [ChildWithPerson, ChildWithPerson];
    const baby: ChildWithPerson = { ...ellie, person_id: 'baby', given_name: 'Rosie', date_of_birth: '2026-10-01' };
    const m = buildWrittenRecordModel({ ...src, children: [ellie, baby] });
    assert.ok(m.amendment!.changes.includes('Rosie Smith-Jones was added to this record'));
    assert.ok(m.amendment!.changes.includes('A child was removed from this record'));
    assert.ok(!m.amendment!.changes.some((c) => c.includes('Jack')), `${jack.given_name} is not named`);
  });

  test('compare only the conversation fields when the previous children are not given', () => {
    const m = buildWrittenRecordModel({ ...src, previousChildren: null });
    assert.deepEqual(m.amendment!.changes, ["Caller's phone number", 'Details of the concern were changed']);
  });

  test('list a changed long text as changed, not its words', () => {
    const changes = model.amendment!.changes.join('\n');
    assert.ok(!changes.includes('electricity'));
  });
});

describe('formatOpeningHours', () => {
  test('groups days with the same hours', () => {
    assert.deepEqual(formatOpeningHours(profile().openingHours), ['Monday to Friday, 9am to 5pm']);
  });

  test('writes out different Friday hours (Stoke-on-Trent)', () => {
    assert.deepEqual(formatOpeningHours(profile('stoke-on-trent').openingHours), ['Monday to Thursday, 8:30am to 5pm', 'Friday, 8:30am to 4:30pm']);
  });

  test('handles split days, weekends, midday and midnight, and no hours at all', () => {
    assert.deepEqual(
      formatOpeningHours({
        monday: [{ open: '08:00', close: '12:00' }, { open: '13:00', close: '20:00' }],
        tuesday: nineToFive,
        wednesday: closed,
        thursday: nineToFive,
        friday: nineToFive,
        saturday: [{ open: '10:00', close: '00:00' }],
        sunday: [{ open: '10:00', close: '00:00' }],
      }),
      ['Monday, 8am to midday and 1pm to 8pm', 'Tuesday, 9am to 5pm', 'Thursday and Friday, 9am to 5pm', 'Saturday and Sunday, 10am to midnight'],
    );
    const none = { monday: closed, tuesday: closed, wednesday: closed, thursday: closed, friday: closed, saturday: closed, sunday: closed };
    assert.deepEqual(formatOpeningHours(none), []);
  });
});

describe('recordDocument', () => {
  test('has the sections in the order callers read them', () => {
    const d = recordDocument(buildWrittenRecordModel(exampleWrittenRecordSource(profile())));
    assert.equal(d.title, 'Record of your conversation');
    assert.deepEqual(d.masthead, ["Children's Advice and Duty Service", 'Norfolk County Council']);
    assert.deepEqual(
      d.sections.map((s) => s.heading),
      [
        'Who you spoke to',
        'Your details',
        'The children we discussed',
        'The concern',
        'Parents, carers and consent',
        'What we discussed',
        'What we agreed',
        'If the situation changes',
        'If you disagree',
        'Tell us what you thought',
      ],
    );
    assert.equal(d.footer[0], 'Keep this record for your own files.');
  });

  test('omits the disagreement contact when the profile has none', () => {
    const d = recordDocument(buildWrittenRecordModel(exampleWrittenRecordSource(profile('stoke-on-trent'))));
    const text = JSON.stringify(d.sections.find((s) => s.id === 'if-you-disagree'));
    assert.ok(text.includes('Stoke-on-Trent Safeguarding Children Partnership escalation policy'));
    assert.ok(!text.includes('Contact:'));
  });
});
