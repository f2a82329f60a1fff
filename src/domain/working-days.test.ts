import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import {
  CalendarCoverageError,
  createWorkingCalendar,
  decisionDeadline,
  loadEnglandAndWalesHolidays,
} from './working-days.js';

// England and Wales bank holidays 2025–2027, as listed in
// timescales-and-process.md §9 (the list the worked examples were computed with).
const HOLIDAYS_2025_2027 = [
  '2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26',
  '2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28',
  '2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28',
];

const calendar = createWorkingCalendar(HOLIDAYS_2025_2027, { coverageEnd: '2027-12-31' });

describe('addWorkingDays: worked examples (timescales-and-process.md §9)', () => {
  const examples: Array<[string, number, string, string]> = [
    ['2025-12-19', 1, '2025-12-22', 'Fri 19 Dec 2025 + 1 → Mon 22 Dec'],
    ['2025-12-24', 1, '2025-12-29', 'Wed 24 Dec 2025 + 1 → Mon 29 Dec (Christmas and Boxing Day)'],
    ['2025-10-01', 45, '2025-12-03', 'Wed 1 Oct 2025 + 45 (assessment) → Wed 3 Dec'],
    ['2025-12-15', 15, '2026-01-08', 'Mon 15 Dec 2025 + 15 (ICPC) → Thu 8 Jan 2026'],
    ['2026-04-02', 1, '2026-04-07', 'Thu 2 Apr 2026 + 1 → Tue 7 Apr (Good Friday, Easter Monday)'],
    ['2026-12-23', 3, '2026-12-30', 'Wed 23 Dec 2026 + 3 → Wed 30 Dec (substitute Boxing Day)'],
  ];
  for (const [start, n, due, description] of examples) {
    it(description, () => assert.equal(calendar.addWorkingDays(start, n), due));
  }
});

describe('addWorkingDays: edge cases', () => {
  it('day 0 is the start date itself, even at a weekend', () => {
    assert.equal(calendar.addWorkingDays('2026-06-17', 0), '2026-06-17');
    assert.equal(calendar.addWorkingDays('2026-06-20', 0), '2026-06-20');
  });

  it('from a weekend, 1 working day is the Monday', () => {
    assert.equal(calendar.addWorkingDays('2026-06-20', 1), '2026-06-22');
    assert.equal(calendar.addWorkingDays('2026-06-21', 1), '2026-06-22');
  });

  it('from a bank holiday, 1 working day is the next working day', () => {
    assert.equal(calendar.addWorkingDays('2026-04-03', 1), '2026-04-07');
  });

  it('crosses the new year with its bank holiday', () => {
    assert.equal(calendar.addWorkingDays('2026-12-31', 1), '2027-01-04');
  });

  it('rejects negative or fractional counts', () => {
    assert.throws(() => calendar.addWorkingDays('2026-06-17', -1), RangeError);
    assert.throws(() => calendar.addWorkingDays('2026-06-17', 1.5), RangeError);
  });

  it('rejects malformed dates', () => {
    assert.throws(() => calendar.addWorkingDays('17/06/2026', 1), TypeError);
  });
});

describe('coverage', () => {
  it('answers up to the last covered day', () => {
    assert.equal(calendar.isWorkingDay('2027-12-31'), true);
    assert.equal(calendar.addWorkingDays('2027-12-23', 2), '2027-12-29');
  });

  it('refuses to answer past the end of the holiday data', () => {
    assert.throws(() => calendar.isWorkingDay('2028-01-04'), CalendarCoverageError);
    assert.throws(() => calendar.addWorkingDays('2027-12-31', 1), (err: unknown) => {
      assert.ok(err instanceof CalendarCoverageError);
      assert.equal(err.date, '2028-01-01');
      assert.match(err.message, /2027-12-31/);
      assert.match(err.message, /gov\.uk\/bank-holidays\.json/);
      return true;
    });
  });

  it('refuses dates before the data starts (defaults to 1 January of the first holiday year)', () => {
    assert.equal(calendar.coverageStart, '2025-01-01');
    assert.throws(() => calendar.isWorkingDay('2024-12-31'), CalendarCoverageError);
  });

  it('accepts an explicit coverage start', () => {
    const c = createWorkingCalendar(HOLIDAYS_2025_2027, { coverageStart: '2025-06-01', coverageEnd: '2027-12-31' });
    assert.throws(() => c.isWorkingDay('2025-05-30'), CalendarCoverageError);
  });

  it('rejects bad construction input', () => {
    assert.throws(() => createWorkingCalendar([], { coverageEnd: '2027-12-31' }), /at least one bank holiday/);
    assert.throws(() => createWorkingCalendar(['2025-13-01'], { coverageEnd: '2027-12-31' }), TypeError);
    assert.throws(() => createWorkingCalendar(HOLIDAYS_2025_2027, { coverageEnd: '2027-12' }), TypeError);
  });
});

describe('isWorkingDay', () => {
  it('is false at weekends and on bank holidays, true otherwise', () => {
    assert.equal(calendar.isWorkingDay('2026-06-17'), true); // Wednesday
    assert.equal(calendar.isWorkingDay('2026-06-20'), false); // Saturday
    assert.equal(calendar.isWorkingDay('2026-06-21'), false); // Sunday
    assert.equal(calendar.isWorkingDay('2026-12-28'), false); // substitute Boxing Day
    assert.equal(calendar.isWorkingDay('2026-12-29'), true);
  });
});

describe('decisionDeadline', () => {
  const deadline = (iso: string) => decisionDeadline(new Date(iso), calendar).toISOString();

  it('winter (GMT): end of the next working day is 23:59:59.999Z', () => {
    // Wednesday 14 January 2026, 10:00 GMT.
    assert.equal(deadline('2026-01-14T10:00:00Z'), '2026-01-15T23:59:59.999Z');
  });

  it('summer (BST): end of the next working day is 22:59:59.999Z', () => {
    // Wednesday 15 July 2026, 11:00 BST.
    assert.equal(deadline('2026-07-15T10:00:00Z'), '2026-07-16T22:59:59.999Z');
  });

  it('uses the London date of receipt: just after midnight BST is the next day', () => {
    // 23:30 UTC Wed 15 July = 00:30 BST Thu 16 July, so the deadline is Friday.
    assert.equal(deadline('2026-07-15T23:30:00Z'), '2026-07-17T22:59:59.999Z');
  });

  it('across the October clock change (BST receipt, GMT deadline)', () => {
    // 23:30 UTC Thu 22 Oct 2026 = 00:30 BST Fri 23 Oct. Next working day is
    // Mon 26 Oct, after the clocks go back on Sun 25 Oct, so midnight is 23:59:59.999Z.
    assert.equal(deadline('2026-10-22T23:30:00Z'), '2026-10-26T23:59:59.999Z');
    // Friday afternoon BST: same Monday deadline.
    assert.equal(deadline('2026-10-23T15:00:00Z'), '2026-10-26T23:59:59.999Z');
    // Thursday morning BST: Friday deadline, still in BST.
    assert.equal(deadline('2026-10-22T09:00:00Z'), '2026-10-23T22:59:59.999Z');
  });

  it('across the March clock change (GMT receipt, BST deadline)', () => {
    // Fri 27 March 2026 GMT → Mon 30 March, after the clocks go forward.
    assert.equal(deadline('2026-03-27T16:00:00Z'), '2026-03-30T22:59:59.999Z');
  });

  it('skips weekends and bank holidays', () => {
    // Received Saturday → Monday.
    assert.equal(deadline('2026-06-20T12:00:00Z'), '2026-06-22T22:59:59.999Z');
    // Received Thu 2 April 2026 → Tue 7 April (Good Friday and Easter Monday).
    assert.equal(deadline('2026-04-02T12:00:00Z'), '2026-04-07T22:59:59.999Z');
    // Christmas Eve 2025 → Mon 29 December.
    assert.equal(deadline('2025-12-24T12:00:00Z'), '2025-12-29T23:59:59.999Z');
  });

  it('fails loudly past the end of the holiday data', () => {
    assert.throws(() => decisionDeadline(new Date('2027-12-31T12:00:00Z'), calendar), CalendarCoverageError);
  });
});

describe('loadEnglandAndWalesHolidays', () => {
  const sample = {
    'england-and-wales': {
      division: 'england-and-wales',
      events: [
        { title: 'Boxing Day', date: '2026-12-28', notes: 'Substitute day', bunting: true },
        { title: 'Christmas Day', date: '2026-12-25', notes: '', bunting: true },
        { title: 'Christmas Day', date: '2026-12-25', notes: '', bunting: true },
      ],
    },
    scotland: { division: 'scotland', events: [{ title: 'St Andrew’s Day', date: '2026-11-30', notes: '', bunting: true }] },
  };

  it('returns only England and Wales dates, sorted and de-duplicated', () => {
    assert.deepEqual(loadEnglandAndWalesHolidays(sample), ['2026-12-25', '2026-12-28']);
  });

  it('throws a clear error for the wrong shape', () => {
    assert.throws(() => loadEnglandAndWalesHolidays(null), /GOV\.UK bank-holidays\.json format/);
    assert.throws(() => loadEnglandAndWalesHolidays({ scotland: sample.scotland }), /england-and-wales/);
    assert.throws(
      () => loadEnglandAndWalesHolidays({ 'england-and-wales': { events: [{ date: '25/12/2026' }] } }),
      /YYYY-MM-DD/,
    );
  });

  // The project's own copy of GOV.UK's file, which the service loads.
  const projectFile = fileURLToPath(new URL('../../config/calendar/bank-holidays.json', import.meta.url));
  it('matches the §9 list in the project copy of bank-holidays.json', () => {
    const all = loadEnglandAndWalesHolidays(JSON.parse(readFileSync(projectFile, 'utf8')));
    assert.equal(all.length, 132);
    assert.equal(all[0], '2012-01-02');
    assert.equal(all.at(-1), '2027-12-28');
    assert.deepEqual(all.filter((d) => d >= '2025-01-01'), HOLIDAYS_2025_2027);
    const full = createWorkingCalendar(all, { coverageEnd: '2027-12-31' });
    assert.equal(full.addWorkingDays('2025-10-01', 45), '2025-12-03');
  });

  // The shared reference copy is beside the project on developer and CI machines; when it is,
  // the project copy must not have drifted from it.
  const sharedFile = fileURLToPath(new URL('../../../shared/data/calendar/bank-holidays.json', import.meta.url));
  it('is identical to the shared reference copy when that is present', { skip: !existsSync(sharedFile) && 'shared/ is not beside this checkout' }, () => {
    assert.equal(readFileSync(projectFile, 'utf8'), readFileSync(sharedFile, 'utf8'));
  });
});
