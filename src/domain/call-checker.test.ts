import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addOneMonth,
  answersFor,
  CHECKER_OUTCOMES,
  FIRST_QUESTION,
  isCheckerOutcome,
  isCheckerQuestion,
  isReminderDue,
  isReviewDue,
  nextStep,
  openingSummary,
  parseAnswer,
  previousQuestion,
  reviewDueOn,
  weeklyHoursWords,
  clockWords,
} from './call-checker.js';
import { createServiceCalendar, type BankHoliday } from './service-calendar.js';
import type { AuthorityProfile } from './authority-profile.js';

const HOLIDAYS: BankHoliday[] = [
  { date: '2026-08-31', title: 'Summer bank holiday' },
  { date: '2026-12-25', title: 'Christmas Day' },
  { date: '2026-12-28', title: 'Boxing Day' },
  { date: '2027-01-01', title: 'New Year’s Day' },
];
const weekdays = (open: string, close: string, friday = close): AuthorityProfile['openingHours'] => ({
  monday: [{ open, close }], tuesday: [{ open, close }], wednesday: [{ open, close }], thursday: [{ open, close }],
  friday: [{ open, close: friday }], saturday: [], sunday: [],
});
const norfolk = createServiceCalendar({ openingHours: weekdays('09:00', '17:00'), closures: [{ date: '2026-12-24', from: '13:00', until: '17:00', reason: 'Christmas Eve: the service closes at 1pm' }] }, HOLIDAYS);
const stoke = createServiceCalendar({ openingHours: weekdays('08:30', '17:00', '16:30'), closures: [{ date: '2026-11-25', reason: 'Staff training day' }] }, HOLIDAYS);

test('the flowchart starts with the emergency question', () => {
  assert.equal(FIRST_QUESTION, 'emergency', 'the first question is whether it is an emergency');
});

test('an emergency goes straight to 999', () => {
  assert.deepEqual(nextStep('emergency', 'yes'), { kind: 'outcome', outcome: 'call-999' }, 'emergency yes → call 999');
});

test('no emergency asks about an allocated worker next', () => {
  assert.deepEqual(nextStep('emergency', 'no'), { kind: 'question', question: 'allocated-worker' }, 'emergency no → allocated worker question');
});

test('an allocated worker is contacted directly', () => {
  assert.deepEqual(nextStep('allocated-worker', 'yes'), { kind: 'outcome', outcome: 'contact-allocated-worker' }, 'allocated yes → contact them');
});

test('no allocated worker asks about the threshold next', () => {
  assert.deepEqual(nextStep('allocated-worker', 'no'), { kind: 'question', question: 'threshold' }, 'allocated no → threshold question');
});

test('a concern that meets the threshold is a call to the service', () => {
  assert.deepEqual(nextStep('threshold', 'yes'), { kind: 'outcome', outcome: 'call-the-service' }, 'threshold yes → call the service');
});

test('a concern below the threshold goes to Early Help', () => {
  assert.deepEqual(nextStep('threshold', 'no'), { kind: 'outcome', outcome: 'early-help' }, 'threshold no → Early Help');
});

test('back links return to the question before', () => {
  assert.equal(previousQuestion({ kind: 'question', question: 'emergency' }), null, 'the first question has no question before it');
  assert.equal(previousQuestion({ kind: 'question', question: 'allocated-worker' }), 'emergency', 'allocated → emergency');
  assert.equal(previousQuestion({ kind: 'question', question: 'threshold' }), 'allocated-worker', 'threshold → allocated');
  assert.equal(previousQuestion({ kind: 'outcome', outcome: 'call-999' }), 'emergency', '999 → emergency');
  assert.equal(previousQuestion({ kind: 'outcome', outcome: 'contact-allocated-worker' }), 'allocated-worker', 'worker → allocated');
  assert.equal(previousQuestion({ kind: 'outcome', outcome: 'early-help' }), 'threshold', 'Early Help → threshold');
  assert.equal(previousQuestion({ kind: 'outcome', outcome: 'call-the-service' }), 'threshold', 'call → threshold');
});

test('the answers listed for each outcome lead to that outcome', () => {
  for (const outcome of CHECKER_OUTCOMES) {
    const answers = answersFor(outcome);
    let step = nextStep(answers[0]!.question, answers[0]!.answer);
    for (const a of answers.slice(1)) {
      assert.equal(step.kind, 'question', `${outcome}: ${a.question} is asked`);
      step = nextStep(a.question, a.answer);
    }
    assert.deepEqual(step, { kind: 'outcome', outcome }, `${outcome}: the answers end there`);
  }
});

test('only yes and no are answers; only known steps are steps', () => {
  assert.equal(parseAnswer('yes'), 'yes', 'yes');
  assert.equal(parseAnswer('no'), 'no', 'no');
  assert.equal(parseAnswer(''), null, 'nothing chosen');
  assert.equal(parseAnswer('maybe'), null, 'made up');
  assert.equal(parseAnswer(['yes']), null, 'an array');
  assert.ok(isCheckerQuestion('threshold') && !isCheckerQuestion('call-999'), 'questions');
  assert.ok(isCheckerOutcome('early-help') && !isCheckerOutcome('emergency'), 'outcomes');
});

test('times are said the GOV.UK way', () => {
  assert.equal(clockWords(9, 0), '9am', '9am');
  assert.equal(clockWords(8, 30), '8:30am', '8:30am');
  assert.equal(clockWords(16, 30), '4:30pm', '4:30pm');
  assert.equal(clockWords(12, 0), 'midday', 'midday');
  assert.equal(clockWords(0, 0), 'midnight', 'midnight');
});

test('weekly hours run days with the same hours together', () => {
  assert.deepEqual(weeklyHoursWords(weekdays('09:00', '17:00')), ['Monday to Friday: 9am to 5pm', 'Saturday and Sunday: closed'], 'Norfolk');
  assert.deepEqual(weeklyHoursWords(weekdays('08:30', '17:00', '16:30')), ['Monday to Thursday: 8:30am to 5pm', 'Friday: 8:30am to 4:30pm', 'Saturday and Sunday: closed'], 'Stoke-on-Trent');
});

test('inside opening hours: open now, until closing, with today’s hours', () => {
  // Monday 23 November 2026, 10:00 GMT.
  const s = openingSummary(norfolk, new Date('2026-11-23T10:00:00Z'));
  assert.equal(s.openNow, true, 'open');
  assert.equal(s.statusText, 'Open now, until 5pm', 'until 5pm');
  assert.equal(s.hoursTodayText, '9am to 5pm', 'hours today');
  assert.equal(s.todayText, 'Monday 23 November', 'today');
  assert.equal(s.useEdt, false, 'no EDT while open');
  assert.equal(s.nextOpeningText, null, 'no next opening while open');
});

test('a weekday evening: closed, the EDT, opens tomorrow morning', () => {
  const s = openingSummary(stoke, new Date('2026-11-23T18:30:00Z'));
  assert.equal(s.openNow, false, 'closed');
  assert.equal(s.closedReason, 'outside-hours', 'outside hours');
  assert.equal(s.closedReasonText, 'It is outside opening hours.', 'reason');
  assert.equal(s.hoursTodayText, '8:30am to 5pm', 'today’s hours still shown');
  assert.equal(s.nextOpeningText, 'at 8:30am tomorrow', 'next opening');
  assert.equal(s.useEdt, true, 'EDT');
});

test('before opening: opens later today', () => {
  const s = openingSummary(norfolk, new Date('2026-11-23T07:15:00Z'));
  assert.equal(s.openNow, false, 'closed');
  assert.equal(s.nextOpeningText, 'at 9am today', 'later today');
});

test('Friday afternoon in Stoke-on-Trent closes at 4:30pm and opens on Monday', () => {
  const s = openingSummary(stoke, new Date('2026-11-27T16:45:00Z'));
  assert.equal(s.hoursTodayText, '8:30am to 4:30pm', 'Friday hours');
  assert.equal(s.openNow, false, 'closed at 4:45pm');
  assert.equal(s.nextOpeningText, 'at 8:30am on Monday 30 November', 'Monday');
});

test('the weekend: closed today, opens on Monday', () => {
  const s = openingSummary(norfolk, new Date('2026-11-28T11:00:00Z'));
  assert.equal(s.closedReason, 'weekend', 'weekend');
  assert.equal(s.hoursTodayText, 'Closed today', 'closed today');
  assert.equal(s.closedReasonText, 'It is the weekend.', 'reason');
  assert.equal(s.nextOpeningText, 'at 9am on Monday 30 November', 'Monday');
});

test('a bank holiday: closed today with the holiday named', () => {
  const s = openingSummary(norfolk, new Date('2026-12-28T11:00:00Z'));
  assert.equal(s.closedReason, 'bank-holiday', 'bank holiday');
  assert.equal(s.hoursTodayText, 'Closed today: it is a bank holiday (Boxing Day)', 'named');
  assert.equal(s.closedReasonText, 'It is a bank holiday (Boxing Day).', 'reason');
  assert.equal(s.nextOpeningText, 'at 9am tomorrow', 'opens on the 29th');
});

test('a whole-day closure and a part-day closure', () => {
  const whole = openingSummary(stoke, new Date('2026-11-25T10:00:00Z'));
  assert.equal(whole.closedReason, 'closure', 'closure');
  assert.equal(whole.hoursTodayText, 'Closed today: Staff training day', 'whole day');
  assert.equal(whole.nextOpeningText, 'at 8:30am tomorrow', 'tomorrow');
  const part = openingSummary(norfolk, new Date('2026-12-24T14:00:00Z'));
  assert.equal(part.hoursTodayText, '9am to 1pm', 'Christmas Eve ends at 1pm');
  assert.equal(part.closedReasonText, 'The service is closed: Christmas Eve: the service closes at 1pm.', 'reason');
  assert.equal(part.nextOpeningText, 'at 9am on Tuesday 29 December', 'after Christmas');
});

test('a month after review, the content is due for review again', () => {
  assert.equal(addOneMonth('2026-01-31'), '2026-02-28', 'end of month');
  assert.equal(addOneMonth('2026-12-15'), '2027-01-15', 'year end');
  assert.equal(reviewDueOn(new Date('2026-10-23T09:00:00Z')), '2026-11-23', 'due date');
  assert.equal(isReviewDue(new Date('2026-10-23T09:00:00Z'), new Date('2026-11-22T23:00:00Z')), false, 'not yet');
  assert.equal(isReviewDue(new Date('2026-10-23T09:00:00Z'), new Date('2026-11-23T00:30:00Z')), true, 'due');
});

test('one reminder a month while the content is not reviewed', () => {
  const reviewed = new Date('2026-09-01T10:00:00Z');
  assert.equal(isReminderDue(reviewed, null, new Date('2026-09-20T10:00:00Z')), false, 'not due yet');
  assert.equal(isReminderDue(reviewed, null, new Date('2026-10-01T10:00:00Z')), true, 'due, never reminded');
  assert.equal(isReminderDue(reviewed, new Date('2026-10-01T10:00:00Z'), new Date('2026-10-15T10:00:00Z')), false, 'reminded this month');
  assert.equal(isReminderDue(reviewed, new Date('2026-10-01T10:00:00Z'), new Date('2026-11-01T10:00:00Z')), true, 'still not reviewed a month after the reminder');
  assert.equal(isReminderDue(new Date('2026-10-20T10:00:00Z'), new Date('2026-10-01T10:00:00Z'), new Date('2026-11-01T10:00:00Z')), false, 'reviewed since: not due');
  assert.equal(isReminderDue(new Date('2026-10-20T10:00:00Z'), new Date('2026-10-01T10:00:00Z'), new Date('2026-11-20T10:00:00Z')), true, 'due again after the new review');
});
