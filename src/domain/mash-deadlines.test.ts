/**
 * MASH deadlines for each RAG rating, with the clock pinned across evenings, weekends, bank holidays
 * and clock changes, on both councils' real profiles: Norfolk counts working hours (09:00–17:00,
 * Christmas Eve afternoon closed); Stoke-on-Trent counts red in calendar hours and amber and green in
 * working days.
 */
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { authorityProfileSchema, type AuthorityProfile } from './authority-profile.js';
import { createServiceCalendar, loadBankHolidays } from './service-calendar.js';
import { countdownWords, deadlineState, ragDeadline, timeLeft } from './mash-deadlines.js';

const read = (file: string) => JSON.parse(readFileSync(fileURLToPath(new URL(file, import.meta.url)), 'utf8')) as unknown;
const holidays = loadBankHolidays(read('../../config/calendar/bank-holidays.json'));
const norfolk = authorityProfileSchema.parse(read('../../config/authorities/norfolk.json'));
const stoke = authorityProfileSchema.parse(read('../../config/authorities/stoke-on-trent.json'));
const staffordshire = authorityProfileSchema.parse(read('../../config/authorities/staffordshire.json'));
const calendarOf = (p: AuthorityProfile) => createServiceCalendar(p, holidays[p.bankHolidayDivision]);
const nfk = calendarOf(norfolk);
const sot = calendarOf(stoke);
const target = (p: AuthorityProfile, code: string) => p.mash.ratings.find((r) => r.code === code)!.target;

const due = (p: AuthorityProfile, code: string, from: string) => ragDeadline(target(p, code), new Date(from), p === norfolk ? nfk : sot).toISOString();

describe('Norfolk red: 4 working hours', () => {
  const red = (from: string) => due(norfolk, 'red', from);
  it('inside the day: 10:00 Wednesday is due 14:00', () => assert.equal(red('2026-11-25T10:00:00Z'), '2026-11-25T14:00:00.000Z'));
  it('across an evening: 15:30 Wednesday has 1.5 hours that day, so 11:30 Thursday', () => assert.equal(red('2026-11-25T15:30:00Z'), '2026-11-26T11:30:00.000Z'));
  it('rated in the evening, the clock starts at the next opening: 20:00 Wednesday is due 13:00 Thursday', () => assert.equal(red('2026-11-25T20:00:00Z'), '2026-11-26T13:00:00.000Z'));
  it('across a weekend: 16:00 Friday is due 12:00 Monday', () => assert.equal(red('2026-11-27T16:00:00Z'), '2026-11-30T12:00:00.000Z'));
  it('rated on a Saturday: due 13:00 Monday', () => assert.equal(red('2026-11-28T11:00:00Z'), '2026-11-30T13:00:00.000Z'));
  it('across Christmas: 11:00 Christmas Eve (closing at 13:00), then Christmas, the weekend and the substitute Boxing Day, so 11:00 Tuesday 29 December', () =>
    assert.equal(red('2026-12-24T11:00:00Z'), '2026-12-29T11:00:00.000Z'));
  it('across the autumn clock change: 15:00 BST Friday has 2 hours, then 09:00 GMT Monday + 2 = 11:00 GMT', () =>
    assert.equal(red('2026-10-23T14:00:00Z'), '2026-10-26T11:00:00.000Z'));
  it('across the spring clock change: 16:00 GMT Friday has 1 hour, then 09:00 BST Monday + 3 = 12:00 BST', () =>
    assert.equal(red('2026-03-27T16:00:00Z'), '2026-03-30T11:00:00.000Z'));
});

describe('Norfolk amber: 24 working hours (three working days)', () => {
  const amber = (from: string) => due(norfolk, 'amber', from);
  it('from the opening on Monday: the close of Wednesday', () => assert.equal(amber('2026-11-23T09:00:00Z'), '2026-11-25T17:00:00.000Z'));
  it('from midday Friday: Friday 5, Monday 8, Tuesday 8, Wednesday 3, so 12:00 Wednesday', () => assert.equal(amber('2026-11-27T12:00:00Z'), '2026-12-02T12:00:00.000Z'));
  it('across Easter 2026: midday Maundy Thursday (BST) skips Good Friday and Easter Monday, so 12:00 Thursday 9 April', () =>
    assert.equal(amber('2026-04-02T11:00:00Z'), '2026-04-09T11:00:00.000Z'));
  it('rated at night: 23:00 Sunday is due at the close of Wednesday', () => assert.equal(amber('2026-11-22T23:00:00Z'), '2026-11-25T17:00:00.000Z'));
});

describe('Norfolk green: 72 working hours (nine working days)', () => {
  const green = (from: string) => due(norfolk, 'green', from);
  it('from the opening on Monday 23 November: the close of Thursday 3 December', () => assert.equal(green('2026-11-23T09:00:00Z'), '2026-12-03T17:00:00.000Z'));
  it('over Christmas: 09:00 Monday 21 December has 21, 22, 23, 24 (until 13:00), 29, 30, 31 December, then 4, 5 January 2027 (1 January is a bank holiday)', () =>
    // 21–23: 24 h; 24th: 4 h (28); 29–31: 24 h (52); 4 Jan: 8 h (60); 5 Jan: 8 h (68); 6 Jan: 4 h (72) -> 13:00 on 6 January.
    assert.equal(green('2026-12-21T09:00:00Z'), '2027-01-06T13:00:00.000Z'));
});

describe('Stoke-on-Trent red: 4 calendar hours, day or night', () => {
  const red = (from: string) => due(stoke, 'red', from);
  it('rated at 22:00 Friday: due 02:00 Saturday', () => assert.equal(red('2026-11-27T22:00:00Z'), '2026-11-28T02:00:00.000Z'));
  it('on Christmas Day the clock still runs', () => assert.equal(red('2026-12-25T10:00:00Z'), '2026-12-25T14:00:00.000Z'));
  it('across the night the clocks go back: 23:00 BST Saturday plus 4 real hours is 02:00 GMT Sunday', () =>
    assert.equal(red('2026-10-24T22:00:00Z'), '2026-10-25T02:00:00.000Z'));
});

describe('Stoke-on-Trent amber: one working day; green: three working days', () => {
  it('amber rated on Monday is due by the end of Tuesday (London time)', () => assert.equal(due(stoke, 'amber', '2026-11-23T10:00:00Z'), '2026-11-24T23:59:59.999Z'));
  it('amber rated on Friday evening is due by the end of Monday', () => assert.equal(due(stoke, 'amber', '2026-11-27T19:00:00Z'), '2026-11-30T23:59:59.999Z'));
  it('amber rated on a Saturday counts from Saturday: due by the end of Monday', () => assert.equal(due(stoke, 'amber', '2026-11-28T12:00:00Z'), '2026-11-30T23:59:59.999Z'));
  it('amber rated on Christmas Eve skips Christmas Day and the substitute Boxing Day: end of Tuesday 29 December', () =>
    assert.equal(due(stoke, 'amber', '2026-12-24T15:00:00Z'), '2026-12-29T23:59:59.999Z'));
  it('amber in summer ends at 23:59:59.999 BST', () => assert.equal(due(stoke, 'amber', '2026-07-15T10:00:00Z'), '2026-07-16T22:59:59.999Z'));
  it('green from Wednesday 23 December: 24th, 29th and 30th, so the end of Wednesday 30 December', () =>
    assert.equal(due(stoke, 'green', '2026-12-23T10:00:00Z'), '2026-12-30T23:59:59.999Z'));
  it('green across Easter 2027 (Good Friday 26 March, Easter Monday 29 March): from Thursday 25 March, due the end of Thursday 1 April', () =>
    // 30 and 31 March and 1 April are the three working days; the clocks change on 28 March, so the end of the day is BST.
    assert.equal(due(stoke, 'green', '2027-03-25T10:00:00Z'), '2027-04-01T22:59:59.999Z'));
});

describe('time left, states and countdowns', () => {
  const redDue = new Date('2026-11-30T12:00:00Z'); // Norfolk red rated 16:00 Friday 27 November
  it('on working hours only open time counts: at 16:30 Friday, 3.5 working hours are left', () =>
    assert.equal(timeLeft('working-hours', new Date('2026-11-27T16:30:00Z'), redDue, nfk), 3.5 * 3_600_000));
  it('on calendar hours and working days, elapsed time counts', () =>
    assert.equal(timeLeft('working-days', new Date('2026-11-27T16:30:00Z'), redDue, sot), (67.5) * 3_600_000));
  it('on time, due soon within the hour, overdue, met and late', () => {
    assert.equal(deadlineState('working-hours', redDue, new Date('2026-11-27T16:30:00Z'), null, nfk), 'on-time');
    // At 16:30 on Sunday the service is closed: 3 working hours are left, so not yet due soon.
    assert.equal(deadlineState('working-hours', redDue, new Date('2026-11-29T16:30:00Z'), null, nfk), 'on-time');
    assert.equal(deadlineState('working-hours', redDue, new Date('2026-11-30T11:15:00Z'), null, nfk), 'due-soon');
    assert.equal(deadlineState('working-hours', redDue, new Date('2026-11-30T12:01:00Z'), null, nfk), 'overdue');
    assert.equal(deadlineState('working-hours', redDue, new Date('2026-12-01T09:00:00Z'), new Date('2026-11-30T11:59:00Z'), nfk), 'met');
    assert.equal(deadlineState('working-hours', redDue, new Date('2026-12-01T09:00:00Z'), new Date('2026-11-30T12:30:00Z'), nfk), 'late');
    assert.equal(deadlineState('working-hours', redDue, new Date('2026-11-30T11:15:00Z'), null, nfk, 30 * 60_000), 'on-time', 'the due-soon window is configurable');
  });
  it('words for a countdown', () => {
    assert.equal(countdownWords(3.5 * 3_600_000), '3 hours 30 minutes left');
    assert.equal(countdownWords(45 * 60_000), '45 minutes left');
    assert.equal(countdownWords(30_000), '1 minute left');
    assert.equal(countdownWords(-(2 * 3_600_000 + 5 * 60_000)), 'overdue by 2 hours 5 minutes');
    assert.equal(countdownWords(26 * 3_600_000), '1 day 2 hours left');
  });
});

describe('the profile’s MASH section', () => {
  it('every council rates red, amber and green, and Stoke-on-Trent and Staffordshire name one hub', () => {
    for (const p of [norfolk, stoke, staffordshire]) assert.deepEqual(p.mash.ratings.map((r) => r.code), ['red', 'amber', 'green']);
    assert.equal(stoke.mash.hub.id, 'staffordshire-stoke-mash');
    assert.equal(staffordshire.mash.hub.id, stoke.mash.hub.id);
    assert.notEqual(norfolk.mash.hub.id, stoke.mash.hub.id);
  });
  it('refuses a fraction of a working day and a rating twice', () => {
    const raw = read('../../config/authorities/stoke-on-trent.json') as { mash: { ratings: { code: string; target: { amount: number } }[] } };
    const fraction = structuredClone(raw);
    fraction.mash.ratings[1]!.target.amount = 1.5;
    assert.match(JSON.stringify(authorityProfileSchema.safeParse(fraction).error?.issues), /working days must be a whole number/);
    const twice = structuredClone(raw);
    twice.mash.ratings[2]!.code = 'amber';
    assert.match(JSON.stringify(authorityProfileSchema.safeParse(twice).error?.issues), /appears twice/);
  });
  it('a target of nothing is refused', () => assert.throws(() => ragDeadline({ amount: 0, clock: 'working-hours' }, new Date(), nfk), RangeError));
});
