import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  addDays,
  ageInYears,
  dayOfWeek,
  daysBetween,
  formatDateLong,
  formatDateTimeLondon,
  isIsoDate,
  londonDateOf,
  londonWallTimeToInstant,
  parseDateParts,
  todayInLondon,
  type ParseDateOptions,
} from './dates.js';

const dob: ParseDateOptions = { label: 'date of birth', mustBePast: true, today: '2026-06-15' };

describe('parseDateParts', () => {
  it('returns an ISO date for a valid entry', () => {
    assert.deepEqual(parseDateParts({ day: '3', month: '2', year: '2015' }, dob), { ok: true, date: '2015-02-03' });
    assert.deepEqual(parseDateParts({ day: ' 03 ', month: '02', year: ' 2015' }, dob), { ok: true, date: '2015-02-03' });
  });

  it('accepts month names in full or abbreviated, in any case', () => {
    for (const month of ['jan', 'Jan', 'JAN', 'January', 'january', 'Jan.']) {
      const r = parseDateParts({ day: '1', month, year: '2020' }, dob);
      assert.deepEqual(r, { ok: true, date: '2020-01-01' }, month);
    }
    assert.deepEqual(parseDateParts({ day: '9', month: 'Sept', year: '2020' }, dob), { ok: true, date: '2020-09-09' });
    assert.deepEqual(parseDateParts({ day: '9', month: 'dec', year: '2020' }, dob), { ok: true, date: '2020-12-09' });
  });

  it('asks for the date when nothing is entered, highlighting the whole input', () => {
    const r = parseDateParts({ day: '', month: ' ', year: undefined }, dob);
    assert.deepEqual(r, { ok: false, message: 'Enter date of birth', field: 'all', fields: ['day', 'month', 'year'] });
  });

  it('lower-cases a sentence-case label mid-sentence but keeps acronyms', () => {
    const r1 = parseDateParts({}, { label: 'Date of birth' });
    assert.equal(r1.ok ? '' : r1.message, 'Enter date of birth');
    const r2 = parseDateParts({}, { label: 'EHCP review date' });
    assert.equal(r2.ok ? '' : r2.message, 'Enter EHCP review date');
  });

  it('names each missing part and highlights only those', () => {
    assert.deepEqual(parseDateParts({ day: '1', month: '', year: '2020' }, dob), {
      ok: false,
      message: 'Date of birth must include a month',
      field: 'month',
      fields: ['month'],
    });
    assert.deepEqual(parseDateParts({ day: '', month: '', year: '2020' }, dob), {
      ok: false,
      message: 'Date of birth must include a day and month',
      field: 'day',
      fields: ['day', 'month'],
    });
    assert.deepEqual(parseDateParts({ day: '1', month: '', year: '' }, dob), {
      ok: false,
      message: 'Date of birth must include a month and year',
      field: 'month',
      fields: ['month', 'year'],
    });
  });

  it('asks for a 4-digit year', () => {
    assert.deepEqual(parseDateParts({ day: '1', month: '1', year: '20' }, dob), {
      ok: false,
      message: 'Year must include 4 numbers',
      field: 'year',
      fields: ['year'],
    });
  });

  it('reports an impossible single part against that part', () => {
    const month13 = parseDateParts({ day: '1', month: '13', year: '2020' }, dob);
    assert.deepEqual(month13, { ok: false, message: 'Date of birth must be a real date', field: 'month', fields: ['month'] });
    const day32 = parseDateParts({ day: '32', month: '1', year: '2020' }, dob);
    assert.equal(day32.ok ? '' : day32.field, 'day');
    const day0 = parseDateParts({ day: '0', month: '1', year: '2020' }, dob);
    assert.equal(day0.ok ? '' : day0.field, 'day');
    const badMonthName = parseDateParts({ day: '1', month: 'janvier', year: '2020' }, dob);
    assert.equal(badMonthName.ok ? '' : badMonthName.field, 'month');
    const letters = parseDateParts({ day: '1', month: '1', year: '20x0' }, dob);
    assert.equal(letters.ok ? '' : letters.field, 'year');
  });

  it('highlights the whole date when more than one part is wrong or it is unclear which', () => {
    const two = parseDateParts({ day: '40', month: '13', year: '2020' }, dob);
    assert.deepEqual(two, { ok: false, message: 'Date of birth must be a real date', field: 'all', fields: ['day', 'month', 'year'] });
    const april31 = parseDateParts({ day: '31', month: '4', year: '2020' }, dob);
    assert.equal(april31.ok ? '' : april31.field, 'all');
    const feb29 = parseDateParts({ day: '29', month: '2', year: '2025' }, dob);
    assert.equal(feb29.ok ? '' : feb29.message, 'Date of birth must be a real date');
  });

  it('accepts 29 February in a leap year', () => {
    assert.deepEqual(parseDateParts({ day: '29', month: 'feb', year: '2024' }, dob), { ok: true, date: '2024-02-29' });
  });

  it('missing parts outrank impossible ones', () => {
    const r = parseDateParts({ day: '45', month: '', year: '2020' }, dob);
    assert.equal(r.ok ? '' : r.message, 'Date of birth must include a month');
  });

  it('enforces dates in the past', () => {
    const future = parseDateParts({ day: '16', month: '6', year: '2026' }, dob);
    assert.deepEqual(future, { ok: false, message: 'Date of birth must be in the past', field: 'all', fields: ['day', 'month', 'year'] });
    const today = parseDateParts({ day: '15', month: '6', year: '2026' }, dob);
    assert.equal(today.ok ? '' : today.message, 'Date of birth must be in the past');
    assert.deepEqual(parseDateParts({ day: '14', month: '6', year: '2026' }, dob), { ok: true, date: '2026-06-14' });
  });

  it('can allow today, with the GOV.UK "today or in the past" wording', () => {
    const opts = { ...dob, allowToday: true };
    assert.deepEqual(parseDateParts({ day: '15', month: '6', year: '2026' }, opts), { ok: true, date: '2026-06-15' });
    const r = parseDateParts({ day: '16', month: '6', year: '2026' }, opts);
    assert.equal(r.ok ? '' : r.message, 'Date of birth must be today or in the past');
  });

  it('enforces dates in the future', () => {
    const opts: ParseDateOptions = { label: 'expected date of birth', mustBeFuture: true, today: '2026-06-15' };
    const past = parseDateParts({ day: '15', month: '6', year: '2026' }, opts);
    assert.equal(past.ok ? '' : past.message, 'Expected date of birth must be in the future');
    assert.deepEqual(parseDateParts({ day: '16', month: '6', year: '2026' }, opts), { ok: true, date: '2026-06-16' });
    const todayAllowed = parseDateParts({ day: '14', month: '6', year: '2026' }, { ...opts, allowToday: true });
    assert.equal(todayAllowed.ok ? '' : todayAllowed.message, 'Expected date of birth must be today or in the future');
  });

  it('does not need today when there is no past/future rule', () => {
    assert.deepEqual(parseDateParts({ day: '1', month: '1', year: '2099' }, { label: 'date' }), { ok: true, date: '2099-01-01' });
  });

  it('throws if a past/future rule is set without today', () => {
    assert.throws(() => parseDateParts({ day: '1', month: '1', year: '2020' }, { label: 'date', mustBePast: true }), TypeError);
  });
});

describe('ageInYears', () => {
  it('counts completed years', () => {
    assert.equal(ageInYears('2010-06-15', '2026-06-14'), 15);
    assert.equal(ageInYears('2010-06-15', '2026-06-15'), 16);
    assert.equal(ageInYears('2010-06-15', '2026-12-31'), 16);
    assert.equal(ageInYears('2026-06-15', '2026-06-15'), 0);
  });

  it('treats a 29 February birthday as 1 March in other years', () => {
    assert.equal(ageInYears('2008-02-29', '2026-02-28'), 17);
    assert.equal(ageInYears('2008-02-29', '2026-03-01'), 18);
    assert.equal(ageInYears('2008-02-29', '2024-02-29'), 16);
  });

  it('throws for a date before birth or a malformed date', () => {
    assert.throws(() => ageInYears('2026-06-15', '2026-06-14'), RangeError);
    assert.throws(() => ageInYears('2026-02-30', '2026-06-14'), TypeError);
  });
});

describe('London dates', () => {
  it('uses the London date, not the UTC date, in summer', () => {
    // 23:30 UTC on 15 July is 00:30 BST on 16 July.
    assert.equal(londonDateOf(new Date('2026-07-15T23:30:00Z')), '2026-07-16');
    assert.equal(londonDateOf(new Date('2026-07-15T22:59:59Z')), '2026-07-15');
  });

  it('matches UTC in winter', () => {
    assert.equal(londonDateOf(new Date('2026-01-15T23:30:00Z')), '2026-01-15');
    assert.equal(londonDateOf(new Date('2026-01-16T00:00:00Z')), '2026-01-16');
  });

  it('todayInLondon reads the clock it is given', () => {
    assert.equal(todayInLondon(new Date('2026-03-29T23:15:00Z')), '2026-03-30');
  });

  it('rejects an invalid Date', () => {
    assert.throws(() => londonDateOf(new Date('nonsense')), TypeError);
  });
});

describe('londonWallTimeToInstant', () => {
  it('converts BST and GMT wall times', () => {
    assert.equal(londonWallTimeToInstant('2026-07-17', { hour: 23, minute: 59, second: 59, millisecond: 999 }).toISOString(), '2026-07-17T22:59:59.999Z');
    assert.equal(londonWallTimeToInstant('2026-01-15', { hour: 9 }).toISOString(), '2026-01-15T09:00:00.000Z');
  });

  it('is correct on both sides of the spring change (29 March 2026, 01:00 UTC)', () => {
    assert.equal(londonWallTimeToInstant('2026-03-29', { hour: 0, minute: 30 }).toISOString(), '2026-03-29T00:30:00.000Z');
    assert.equal(londonWallTimeToInstant('2026-03-29', { hour: 3 }).toISOString(), '2026-03-29T02:00:00.000Z');
    // 01:30 does not exist that morning; it lands an hour later, at 02:30 BST.
    assert.equal(londonWallTimeToInstant('2026-03-29', { hour: 1, minute: 30 }).toISOString(), '2026-03-29T01:30:00.000Z');
  });

  it('is correct on both sides of the autumn change (25 October 2026, 01:00 UTC)', () => {
    assert.equal(londonWallTimeToInstant('2026-10-25', { hour: 0, minute: 30 }).toISOString(), '2026-10-24T23:30:00.000Z');
    assert.equal(londonWallTimeToInstant('2026-10-25', { hour: 3 }).toISOString(), '2026-10-25T03:00:00.000Z');
    // 01:30 happens twice; the later (GMT) one is chosen.
    assert.equal(londonWallTimeToInstant('2026-10-25', { hour: 1, minute: 30 }).toISOString(), '2026-10-25T01:30:00.000Z');
  });
});

describe('formatDateLong', () => {
  it('writes dates the GOV.UK way', () => {
    assert.equal(formatDateLong('2026-11-23'), '23 November 2026');
    assert.equal(formatDateLong('2026-01-05'), '5 January 2026');
  });

  it('throws for a non-date', () => {
    assert.throws(() => formatDateLong('2026-13-01'), TypeError);
    assert.throws(() => formatDateLong('23/11/2026'), TypeError);
  });
});

describe('formatDateTimeLondon', () => {
  it('shows London time with am/pm', () => {
    assert.equal(formatDateTimeLondon(new Date('2026-11-23T14:05:00Z')), '23 November 2026 at 2:05pm');
    assert.equal(formatDateTimeLondon(new Date('2026-11-23T09:30:00Z')), '23 November 2026 at 9:30am');
  });

  it('drops :00 on the hour and uses midday and midnight', () => {
    assert.equal(formatDateTimeLondon(new Date('2026-11-23T14:00:00Z')), '23 November 2026 at 2pm');
    assert.equal(formatDateTimeLondon(new Date('2026-11-23T12:00:00Z')), '23 November 2026 at midday');
    assert.equal(formatDateTimeLondon(new Date('2026-11-23T00:00:00Z')), '23 November 2026 at midnight');
    assert.equal(formatDateTimeLondon(new Date('2026-11-23T00:05:00Z')), '23 November 2026 at 12:05am');
    assert.equal(formatDateTimeLondon(new Date('2026-11-23T12:45:00Z')), '23 November 2026 at 12:45pm');
  });

  it('applies BST, including a change of date', () => {
    assert.equal(formatDateTimeLondon(new Date('2026-07-15T13:05:00Z')), '15 July 2026 at 2:05pm');
    assert.equal(formatDateTimeLondon(new Date('2026-07-15T23:30:00Z')), '16 July 2026 at 12:30am');
  });
});

describe('ISO date helpers', () => {
  it('isIsoDate accepts only real dates in YYYY-MM-DD', () => {
    assert.equal(isIsoDate('2024-02-29'), true);
    assert.equal(isIsoDate('2025-02-29'), false);
    assert.equal(isIsoDate('2025-2-1'), false);
    assert.equal(isIsoDate('2025-02-01T00:00:00Z'), false);
    assert.equal(isIsoDate(20250201), false);
  });

  it('addDays and daysBetween cross month, year and clock-change boundaries', () => {
    assert.equal(addDays('2025-12-31', 1), '2026-01-01');
    assert.equal(addDays('2026-03-01', -1), '2026-02-28');
    assert.equal(addDays('2026-10-24', 2), '2026-10-26');
    assert.equal(daysBetween('2026-03-28', '2026-03-30'), 2);
    assert.equal(daysBetween('2026-01-01', '2025-01-01'), -365);
  });

  it('dayOfWeek numbers Sunday as 0', () => {
    assert.equal(dayOfWeek('2025-12-19'), 5); // Friday
    assert.equal(dayOfWeek('2025-12-21'), 0); // Sunday
  });
});
