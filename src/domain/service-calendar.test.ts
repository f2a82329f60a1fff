import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  createServiceCalendar,
  describeOpening,
  loadBankHolidays,
  type OpeningRules,
  type ServiceStatus,
} from './service-calendar.js';
import { CalendarCoverageError } from './working-days.js';

// The real data file the app loads.
const holidaysFile = fileURLToPath(new URL('../../config/calendar/bank-holidays.json', import.meta.url));
const rawHolidays = JSON.parse(readFileSync(holidaysFile, 'utf8')) as unknown;
const holidays = loadBankHolidays(rawHolidays);

const weekdays = (periods: Array<{ open: string; close: string }>): OpeningRules['openingHours'] => ({
  monday: periods,
  tuesday: periods,
  wednesday: periods,
  thursday: periods,
  friday: periods,
  saturday: [],
  sunday: [],
});

/** Mon–Fri 08:00–20:00, England and Wales. */
const long = createServiceCalendar({ openingHours: weekdays([{ open: '08:00', close: '20:00' }]), closures: [] }, holidays['england-and-wales']);

const at = (iso: string) => new Date(iso);
const closed = (s: ServiceStatus) => {
  assert.equal(s.open, false);
  return s as Extract<ServiceStatus, { open: false }>;
};

describe('loadBankHolidays', () => {
  it('reads all three divisions from the real file, sorted, with titles', () => {
    assert.equal(holidays['england-and-wales'].length, 132);
    assert.equal(holidays.scotland.length, 102);
    assert.equal(holidays['northern-ireland'].length, 113);
    for (const list of Object.values(holidays)) {
      const dates = list.map((h) => h.date);
      assert.deepEqual(dates, [...new Set(dates)].sort());
    }
    assert.deepEqual(holidays['england-and-wales'].find((h) => h.date === '2026-12-28'), { date: '2026-12-28', title: 'Boxing Day' });
    assert.ok(holidays['northern-ireland'].some((h) => h.date === '2026-03-17' && h.title === 'St Patrick’s Day'));
  });

  it('sorts and removes duplicate dates', () => {
    const division = (events: unknown[]) => ({ division: 'x', events });
    const out = loadBankHolidays({
      'england-and-wales': division([
        { title: 'Boxing Day', date: '2026-12-28', notes: 'Substitute day', bunting: true },
        { title: 'Christmas Day', date: '2026-12-25' },
        { title: 'Boxing Day again', date: '2026-12-28' },
      ]),
      scotland: division([{ title: 'Christmas Day', date: '2026-12-25' }]),
      'northern-ireland': division([{ title: 'Christmas Day', date: '2026-12-25' }]),
    });
    assert.deepEqual(out['england-and-wales'], [
      { date: '2026-12-25', title: 'Christmas Day' },
      { date: '2026-12-28', title: 'Boxing Day' },
    ]);
  });

  it('rejects malformed input with a clear error', () => {
    const good = rawHolidays as Record<string, { events: unknown[] }>;
    const bad: unknown[] = [
      null,
      'not json',
      [],
      {},
      { ...good, scotland: undefined },
      { ...good, scotland: { events: [] } },
      { ...good, scotland: { events: [{ title: 'Christmas Day', date: '2026-02-30' }] } },
      { ...good, scotland: { events: [{ title: 'Christmas Day', date: '25/12/2026' }] } },
      { ...good, scotland: { events: [{ date: '2026-12-25' }] } },
    ];
    for (const json of bad) {
      assert.throws(() => loadBankHolidays(json), /not in the GOV\.UK bank-holidays\.json format/, JSON.stringify(json)?.slice(0, 80));
    }
    assert.throws(() => loadBankHolidays({ ...good, scotland: { events: [{ title: 'X', date: '2026-02-30' }] } }), /scotland/);
  });
});

describe('opening hours: open inclusive, close exclusive', () => {
  it('a Wednesday in January (GMT: 08:00 London is 08:00Z)', () => {
    assert.equal(long.isOpen(at('2026-01-14T07:59:59Z')), false);
    assert.equal(long.isOpen(at('2026-01-14T08:00:00Z')), true);
    assert.equal(long.isOpen(at('2026-01-14T19:59:59Z')), true);
    assert.equal(long.isOpen(at('2026-01-14T20:00:00Z')), false);
  });

  it('a Wednesday in July (BST: 08:00 London is 07:00Z)', () => {
    assert.equal(long.isOpen(at('2026-07-15T06:59:59Z')), false);
    assert.equal(long.isOpen(at('2026-07-15T07:00:00Z')), true);
    assert.equal(long.isOpen(at('2026-07-15T07:59:00Z')), true);
    assert.equal(long.isOpen(at('2026-07-15T18:59:59Z')), true);
    assert.equal(long.isOpen(at('2026-07-15T19:00:00Z')), false);
  });

  it('statusAt says when it closes, or why it is closed and when it opens', () => {
    assert.deepEqual(long.statusAt(at('2026-07-15T12:00:00Z')), { open: true, closesAt: at('2026-07-15T19:00:00Z') });
    assert.deepEqual(long.statusAt(at('2026-07-15T06:59:00Z')), { open: false, reason: 'outside-hours', detail: null, nextOpening: at('2026-07-15T07:00:00Z') });
    assert.deepEqual(long.statusAt(at('2026-07-15T19:00:00Z')), { open: false, reason: 'outside-hours', detail: null, nextOpening: at('2026-07-16T07:00:00Z') });
  });

  it('a Saturday is closed for the weekend and opens on Monday', () => {
    const s = closed(long.statusAt(at('2026-07-18T10:00:00Z')));
    assert.equal(s.reason, 'weekend');
    assert.equal(s.detail, null);
    assert.deepEqual(s.nextOpening, at('2026-07-20T07:00:00Z'));
    assert.deepEqual(long.periodsOn('2026-07-18'), []);
  });

  it('nextOpening is the instant itself when open', () => {
    assert.deepEqual(long.nextOpening(at('2026-07-15T12:34:56Z')), at('2026-07-15T12:34:56Z'));
    assert.deepEqual(long.nextOpening(at('2026-07-17T19:30:00Z')), at('2026-07-20T07:00:00Z'));
  });
});

describe('bank holidays', () => {
  it('Christmas Day 2026 is closed all day', () => {
    const s = closed(long.statusAt(at('2026-12-25T12:00:00Z')));
    assert.equal(s.reason, 'bank-holiday');
    assert.equal(s.detail, 'Christmas Day');
    assert.deepEqual(s.nextOpening, at('2026-12-29T08:00:00Z'));
    assert.deepEqual(long.periodsOn('2026-12-25'), []);
  });

  it('the substitute Boxing Day, Monday 28 December 2026, is closed; it opens Tuesday 29 December at 08:00', () => {
    const s = closed(long.statusAt(at('2026-12-28T10:00:00Z')));
    assert.equal(s.reason, 'bank-holiday');
    assert.equal(s.detail, 'Boxing Day');
    assert.deepEqual(s.nextOpening, at('2026-12-29T08:00:00Z'));
    assert.deepEqual(long.holidayOn('2026-12-28'), { date: '2026-12-28', title: 'Boxing Day' });
    assert.equal(long.holidayOn('2026-12-29'), null);
    assert.equal(long.working.isWorkingDay('2026-12-28'), false);
  });

  it('Scotland: 2 January is a bank holiday there but not in England and Wales', () => {
    const scotland = createServiceCalendar({ openingHours: weekdays([{ open: '09:00', close: '17:00' }]), closures: [] }, holidays.scotland);
    const noon = at('2026-01-02T12:00:00Z');
    const s = closed(scotland.statusAt(noon));
    assert.equal(s.reason, 'bank-holiday');
    assert.equal(s.detail, '2nd January');
    assert.deepEqual(s.nextOpening, at('2026-01-05T09:00:00Z'));
    assert.equal(scotland.working.isWorkingDay('2026-01-02'), false);
    assert.equal(long.isOpen(noon), true);
    assert.equal(long.working.isWorkingDay('2026-01-02'), true);
    // Scotland does not take Easter Monday.
    assert.equal(scotland.isOpen(at('2026-04-06T12:00:00Z')), true);
    assert.equal(long.isOpen(at('2026-04-06T12:00:00Z')), false);
  });
});

describe('clock changes (29 March and 25 October 2026)', () => {
  it('the Friday before and the Monday after spring forward', () => {
    assert.deepEqual(long.periodsOn('2026-03-27'), [{ open: at('2026-03-27T08:00:00Z'), close: at('2026-03-27T20:00:00Z') }]);
    assert.deepEqual(long.periodsOn('2026-03-30'), [{ open: at('2026-03-30T07:00:00Z'), close: at('2026-03-30T19:00:00Z') }]);
    assert.equal(long.isOpen(at('2026-03-30T06:59:59Z')), false);
    assert.equal(long.isOpen(at('2026-03-30T07:00:00Z')), true);
    assert.deepEqual(long.nextOpening(at('2026-03-27T20:00:00Z')), at('2026-03-30T07:00:00Z'));
  });

  it('the Friday before and the Monday after fall back', () => {
    assert.deepEqual(long.periodsOn('2026-10-23'), [{ open: at('2026-10-23T07:00:00Z'), close: at('2026-10-23T19:00:00Z') }]);
    assert.deepEqual(long.periodsOn('2026-10-26'), [{ open: at('2026-10-26T08:00:00Z'), close: at('2026-10-26T20:00:00Z') }]);
    assert.equal(long.isOpen(at('2026-10-26T07:59:59Z')), false);
    assert.equal(long.isOpen(at('2026-10-26T08:00:00Z')), true);
  });

  it('Friday 19:00 + 2 working hours is Monday 09:00 London time, across either change', () => {
    // Spring: Friday 19:00 GMT, Monday 09:00 BST.
    assert.deepEqual(long.addWorkingHours(at('2026-03-27T19:00:00Z'), 2), at('2026-03-30T08:00:00Z'));
    // Autumn: Friday 19:00 BST, Monday 09:00 GMT.
    assert.deepEqual(long.addWorkingHours(at('2026-10-23T18:00:00Z'), 2), at('2026-10-26T09:00:00Z'));
  });

  it('workingMillisBetween across the weekend of a clock change counts open time only', () => {
    const hour = 3_600_000;
    assert.equal(long.workingMillisBetween(at('2026-03-27T19:00:00Z'), at('2026-03-30T08:00:00Z')), 2 * hour);
    assert.equal(long.workingMillisBetween(at('2026-10-23T18:00:00Z'), at('2026-10-26T09:00:00Z')), 2 * hour);
  });
});

describe('addWorkingHours and workingMillisBetween', () => {
  const hour = 3_600_000;

  it('the clock starts at the next opening when the start is closed', () => {
    // Saturday morning: counting starts Monday 08:00 BST.
    assert.deepEqual(long.addWorkingHours(at('2026-07-18T09:00:00Z'), 1.5), at('2026-07-20T08:30:00Z'));
    // 0 hours: when the clock would start.
    assert.deepEqual(long.addWorkingHours(at('2026-07-18T09:00:00Z'), 0), at('2026-07-20T07:00:00Z'));
    assert.deepEqual(long.addWorkingHours(at('2026-07-15T09:00:00Z'), 0), at('2026-07-15T09:00:00Z'));
  });

  it('ends at the close when the hours run out exactly then', () => {
    assert.deepEqual(long.addWorkingHours(at('2026-01-14T19:00:00Z'), 1), at('2026-01-14T20:00:00Z'));
  });

  it('skips bank holidays and weekends (Christmas 2026)', () => {
    // Thursday 24 Dec 19:00 + 2h: 1h on Thursday, then Tuesday 29 Dec 08:00–09:00.
    assert.deepEqual(long.addWorkingHours(at('2026-12-24T19:00:00Z'), 2), at('2026-12-29T09:00:00Z'));
    assert.equal(long.workingMillisBetween(at('2026-12-24T19:00:00Z'), at('2026-12-29T09:00:00Z')), 2 * hour);
  });

  it('spans several days', () => {
    // 12 hours a day: Wednesday 08:00 + 30h = Friday 14:00.
    assert.deepEqual(long.addWorkingHours(at('2026-01-14T08:00:00Z'), 30), at('2026-01-16T14:00:00Z'));
    assert.equal(long.workingMillisBetween(at('2026-01-14T08:00:00Z'), at('2026-01-16T14:00:00Z')), 30 * hour);
  });

  it('workingMillisBetween is 0 for an empty or backwards range and for closed time', () => {
    assert.equal(long.workingMillisBetween(at('2026-01-14T10:00:00Z'), at('2026-01-14T10:00:00Z')), 0);
    assert.equal(long.workingMillisBetween(at('2026-01-14T12:00:00Z'), at('2026-01-14T10:00:00Z')), 0);
    assert.equal(long.workingMillisBetween(at('2026-07-18T00:00:00Z'), at('2026-07-19T23:00:00Z')), 0);
    assert.equal(long.workingMillisBetween(at('2026-01-14T00:00:00Z'), at('2026-01-15T00:00:00Z')), 12 * hour);
  });

  it('rejects negative or non-finite hours', () => {
    assert.throws(() => long.addWorkingHours(at('2026-01-14T10:00:00Z'), -1), RangeError);
    assert.throws(() => long.addWorkingHours(at('2026-01-14T10:00:00Z'), Number.NaN), RangeError);
  });
});

describe('closures and split days', () => {
  const nineToFive = weekdays([{ open: '09:00', close: '17:00' }]);
  const calendar = createServiceCalendar(
    {
      openingHours: nineToFive,
      closures: [
        { date: '2026-12-24', from: '13:00', until: '17:00', reason: 'Christmas Eve: the service closes at 1pm' },
        { date: '2026-12-31', reason: 'Staff training' },
        { date: '2026-11-18', from: '11:00', until: '12:00', reason: 'Team meeting' },
      ],
    },
    holidays['england-and-wales'],
  );

  it('a partial closure takes the afternoon of Christmas Eve', () => {
    assert.deepEqual(calendar.periodsOn('2026-12-24'), [{ open: at('2026-12-24T09:00:00Z'), close: at('2026-12-24T13:00:00Z') }]);
    assert.deepEqual(calendar.statusAt(at('2026-12-24T12:00:00Z')), { open: true, closesAt: at('2026-12-24T13:00:00Z') });
    const s = closed(calendar.statusAt(at('2026-12-24T13:00:00Z')));
    assert.equal(s.reason, 'closure');
    assert.equal(s.detail, 'Christmas Eve: the service closes at 1pm');
    assert.deepEqual(s.nextOpening, at('2026-12-29T09:00:00Z'));
    // After the closure's end the day is simply over.
    assert.equal(closed(calendar.statusAt(at('2026-12-24T17:30:00Z'))).reason, 'outside-hours');
  });

  it('a partial closure in the middle splits the day in two', () => {
    assert.deepEqual(calendar.periodsOn('2026-11-18'), [
      { open: at('2026-11-18T09:00:00Z'), close: at('2026-11-18T11:00:00Z') },
      { open: at('2026-11-18T12:00:00Z'), close: at('2026-11-18T17:00:00Z') },
    ]);
    const s = closed(calendar.statusAt(at('2026-11-18T11:30:00Z')));
    assert.equal(s.reason, 'closure');
    assert.equal(s.detail, 'Team meeting');
    assert.deepEqual(s.nextOpening, at('2026-11-18T12:00:00Z'));
    assert.deepEqual(calendar.addWorkingHours(at('2026-11-18T10:30:00Z'), 1), at('2026-11-18T12:30:00Z'));
  });

  it('a full-day closure closes the day with its reason', () => {
    assert.deepEqual(calendar.periodsOn('2026-12-31'), []);
    for (const t of ['2026-12-31T07:00:00Z', '2026-12-31T12:00:00Z', '2026-12-31T20:00:00Z']) {
      const s = closed(calendar.statusAt(at(t)));
      assert.equal(s.reason, 'closure');
      assert.equal(s.detail, 'Staff training');
      // New Year's Day is a Friday, then the weekend.
      assert.deepEqual(s.nextOpening, at('2027-01-04T09:00:00Z'));
    }
    // Closures are service closures, not bank holidays: the day still counts as a working day.
    assert.equal(calendar.working.isWorkingDay('2026-12-31'), true);
  });

  it('two periods in a day (09:00–12:00, 13:00–17:00)', () => {
    const split = createServiceCalendar(
      { openingHours: weekdays([{ open: '13:00', close: '17:00' }, { open: '09:00', close: '12:00' }]), closures: [] },
      holidays['england-and-wales'],
    );
    assert.deepEqual(split.periodsOn('2026-01-14'), [
      { open: at('2026-01-14T09:00:00Z'), close: at('2026-01-14T12:00:00Z') },
      { open: at('2026-01-14T13:00:00Z'), close: at('2026-01-14T17:00:00Z') },
    ]);
    assert.deepEqual(split.statusAt(at('2026-01-14T10:00:00Z')), { open: true, closesAt: at('2026-01-14T12:00:00Z') });
    assert.deepEqual(split.statusAt(at('2026-01-14T12:30:00Z')), { open: false, reason: 'outside-hours', detail: null, nextOpening: at('2026-01-14T13:00:00Z') });
    assert.deepEqual(split.addWorkingHours(at('2026-01-14T11:00:00Z'), 2), at('2026-01-14T14:00:00Z'));
    assert.equal(split.workingMillisBetween(at('2026-01-14T00:00:00Z'), at('2026-01-15T00:00:00Z')), 7 * 3_600_000);
    assert.equal(split.workingMillisBetween(at('2026-01-14T11:00:00Z'), at('2026-01-14T14:00:00Z')), 2 * 3_600_000);
  });

  it('rejects bad rules when built', () => {
    const eng = holidays['england-and-wales'];
    assert.throws(() => createServiceCalendar({ openingHours: weekdays([{ open: '9:00', close: '17:00' }]), closures: [] }, eng), TypeError);
    assert.throws(() => createServiceCalendar({ openingHours: weekdays([{ open: '17:00', close: '09:00' }]), closures: [] }, eng), RangeError);
    assert.throws(() => createServiceCalendar({ openingHours: nineToFive, closures: [{ date: '2026-02-30', reason: 'x' }] }, eng), TypeError);
    assert.throws(() => createServiceCalendar({ openingHours: nineToFive, closures: [] }, []), /at least one bank holiday/);
  });
});

describe('beyond the bank holiday data (after 2027)', () => {
  it('coverage ends on 31 December of the last holiday’s year', () => {
    assert.equal(long.working.coverageEnd, '2027-12-31');
    const shorter = createServiceCalendar({ openingHours: weekdays([]), closures: [] }, holidays['england-and-wales'], { coverageEnd: '2027-06-30' });
    assert.equal(shorter.working.coverageEnd, '2027-06-30');
  });

  it('the open/closed answer still works, assuming no bank holidays', () => {
    assert.equal(long.isOpen(at('2028-01-05T12:00:00Z')), true);
    // Monday 3 January 2028 will be a substitute bank holiday, but the data does not say so yet.
    assert.deepEqual(long.statusAt(at('2028-01-03T12:00:00Z')), { open: true, closesAt: at('2028-01-03T20:00:00Z') });
    assert.equal(long.holidayOn('2028-01-03'), null);
    const s = closed(long.statusAt(at('2028-01-01T12:00:00Z')));
    assert.equal(s.reason, 'weekend');
    assert.deepEqual(s.nextOpening, at('2028-01-03T08:00:00Z'));
    assert.deepEqual(long.nextOpening(at('2027-12-31T20:00:00Z')), at('2028-01-03T08:00:00Z'));
  });

  it('deadline arithmetic refuses to guess', () => {
    assert.throws(() => long.working.addWorkingDays('2027-12-31', 1), CalendarCoverageError);
    assert.throws(() => long.working.isWorkingDay('2028-01-05'), CalendarCoverageError);
    assert.throws(() => long.addWorkingHours(at('2027-12-31T19:00:00Z'), 2), CalendarCoverageError);
    assert.throws(() => long.workingMillisBetween(at('2027-12-31T12:00:00Z'), at('2028-01-04T12:00:00Z')), CalendarCoverageError);
    // Within coverage it answers.
    assert.deepEqual(long.addWorkingHours(at('2027-12-31T18:00:00Z'), 2), at('2027-12-31T20:00:00Z'));
  });

  it('nextOpening is null when the service never opens', () => {
    const never = createServiceCalendar({ openingHours: weekdays([]), closures: [] }, holidays['england-and-wales']);
    assert.equal(never.nextOpening(at('2026-01-14T12:00:00Z')), null);
    assert.deepEqual(never.statusAt(at('2026-01-14T12:00:00Z')), { open: false, reason: 'outside-hours', detail: null, nextOpening: null });
  });
});

describe('describeOpening', () => {
  it('today and tomorrow, in London time', () => {
    assert.equal(describeOpening(at('2026-07-15T08:00:00Z'), at('2026-07-15T06:00:00Z')), 'at 9am today');
    assert.equal(describeOpening(at('2026-07-16T07:30:00Z'), at('2026-07-15T19:00:00Z')), 'at 8:30am tomorrow');
    // 00:30 BST on the 16th is already the 16th in London.
    assert.equal(describeOpening(at('2026-07-16T07:00:00Z'), at('2026-07-15T23:30:00Z')), 'at 8am today');
    assert.equal(describeOpening(at('2026-01-14T13:00:00Z'), at('2026-01-14T12:30:00Z')), 'at 1pm today');
    assert.equal(describeOpening(at('2026-01-14T12:00:00Z'), at('2026-01-14T11:00:00Z')), 'at midday today');
  });

  it('a later day names the weekday and date, with the year only when it differs', () => {
    assert.equal(describeOpening(at('2026-12-29T09:00:00Z'), at('2026-12-24T14:00:00Z')), 'at 9am on Tuesday 29 December');
    assert.equal(describeOpening(at('2027-01-04T09:00:00Z'), at('2026-12-31T12:00:00Z')), 'at 9am on Monday 4 January 2027');
    assert.equal(describeOpening(at('2026-03-30T07:00:00Z'), at('2026-03-27T20:00:00Z')), 'at 8am on Monday 30 March');
  });

  it('reads a real next opening', () => {
    const now = at('2026-12-25T10:00:00Z');
    assert.equal(describeOpening(long.nextOpening(now)!, now), 'at 8am on Tuesday 29 December');
  });
});
