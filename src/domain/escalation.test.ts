/**
 * Escalation stage deadlines on the England and Wales working-day calendar, with pinned dates
 * across weekends, Christmas, Easter and the clock changes.
 */
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createWorkingCalendar, loadEnglandAndWalesHolidays } from './working-days.js';
import { authorityProfileSchema } from './authority-profile.js';
import {
  allowedResults, DEFAULT_ESCALATION_STAGES, dueWords, isLate, nextStage, stageAt, stageDeadline, validateStageResponse, workingDaysBetween,
} from './escalation.js';

const read = (file: string) => JSON.parse(readFileSync(fileURLToPath(new URL(file, import.meta.url)), 'utf8')) as unknown;
const calendar = createWorkingCalendar(loadEnglandAndWalesHolidays(read('../../config/calendar/bank-holidays.json')), { coverageEnd: '2027-12-31' });
const due = (at: string, n: number) => stageDeadline(new Date(at), calendar, n);

describe('stage deadlines in working days', () => {
  it('inside a week: opened Monday 7 December 2026, 2 working days, is due by the end of Wednesday', () => {
    const d = due('2026-12-07T10:00:00Z', 2);
    assert.equal(d.dueOn, '2026-12-09');
    assert.equal(d.dueAt.toISOString(), '2026-12-09T23:59:59.999Z', 'the end of the London day, in GMT');
  });
  it('across a weekend: opened Thursday, 3 working days, is due Tuesday', () => assert.equal(due('2026-11-26T15:00:00Z', 3).dueOn, '2026-12-01'));
  it('opened on a Saturday: day 0 is Saturday, so 1 working day is Monday', () => assert.equal(due('2026-11-28T11:00:00Z', 1).dueOn, '2026-11-30'));
  it('across Christmas: opened Thursday 24 December 2026, 2 working days skip Christmas, the weekend and the substitute Boxing Day', () =>
    assert.equal(due('2026-12-24T11:00:00Z', 2).dueOn, '2026-12-30'));
  it('across New Year: opened Wednesday 30 December 2026, 2 working days skip New Year’s Day and the weekend', () =>
    assert.equal(due('2026-12-30T09:00:00Z', 2).dueOn, '2027-01-04'));
  it('across Easter 2027: opened Thursday 25 March, 1 working day skips Good Friday, the weekend and Easter Monday', () =>
    assert.equal(due('2027-03-25T10:00:00Z', 1).dueOn, '2027-03-30'));
  it('across Easter 2026: opened Wednesday 1 April, 5 working days', () => assert.equal(due('2026-04-01T10:00:00Z', 5).dueOn, '2026-04-10'));
  it('in summer time the due instant is 22:59:59.999Z', () => assert.equal(due('2026-06-10T10:00:00Z', 1).dueAt.toISOString(), '2026-06-11T22:59:59.999Z'));
  it('late in the London evening counts from that London day: 23:30 BST on Friday is Friday', () =>
    assert.equal(due('2026-06-12T22:30:00Z', 1).dueOn, '2026-06-15'));
  it('refuses a deadline past the bank holiday data', () => assert.throws(() => due('2027-12-30T10:00:00Z', 5), /No bank holiday data/));
});

describe('on time or late', () => {
  const { dueAt } = due('2026-12-07T10:00:00Z', 2);
  it('answered on the due day is on time', () => assert.equal(isLate(dueAt, new Date('2026-12-09T16:00:00Z')), false));
  it('answered the next morning is late', () => assert.equal(isLate(dueAt, new Date('2026-12-10T09:00:00Z')), true));
});

describe('working days between', () => {
  it('the same day is 0', () => assert.equal(workingDaysBetween('2026-12-07', '2026-12-07', calendar), 0));
  it('Friday to Monday is 1', () => assert.equal(workingDaysBetween('2026-12-04', '2026-12-07', calendar), 1));
  it('over Christmas 2026: 23 December to 31 December is 4 (24, 29, 30 and 31)', () =>
    assert.equal(workingDaysBetween('2026-12-23', '2026-12-31', calendar), 4));
});

describe('due in words', () => {
  it('before', () => assert.equal(dueWords('2026-12-09', new Date('2026-12-07T10:00:00Z'), calendar), 'Due in 2 working days'));
  it('on the day', () => assert.equal(dueWords('2026-12-09', new Date('2026-12-09T10:00:00Z'), calendar), 'Due today'));
  it('one working day late over a weekend', () => assert.equal(dueWords('2026-12-11', new Date('2026-12-14T10:00:00Z'), calendar), 'Overdue by 1 working day'));
  it('late by several', () => assert.equal(dueWords('2026-12-09', new Date('2026-12-14T10:00:00Z'), calendar), 'Overdue by 3 working days'));
  it('due on a Saturday (0 working days away) reads as overdue by 1 on the Saturday after', () =>
    assert.equal(dueWords('2026-12-11', new Date('2026-12-12T10:00:00Z'), calendar), 'Overdue by 1 working day'));
});

describe('stages and results', () => {
  const stages = DEFAULT_ESCALATION_STAGES;
  it('escalate is allowed before the last stage, not-resolved only at it', () => {
    assert.deepEqual(allowedResults(1, 4), ['resolved', 'escalate']);
    assert.deepEqual(allowedResults(4, 4), ['resolved', 'not-resolved']);
  });
  it('next stage', () => {
    assert.equal(nextStage(stages, 1)?.code, 'team-manager');
    assert.equal(nextStage(stages, 4), null);
  });
  it('a stage past the policy’s end reads as the last', () => assert.equal(stageAt(stages, 6).code, 'head-of-service'));
  it('every profile has stages in order with whole working days', () => {
    for (const file of ['norfolk', 'stoke-on-trent', 'staffordshire']) {
      const p = authorityProfileSchema.parse(read(`../../config/authorities/${file}.json`));
      assert.ok(p.disagreementPolicy.stages.length >= 2, `${file} has at least two stages`);
      for (const s of p.disagreementPolicy.stages) assert.ok(Number.isInteger(s.respondWithinWorkingDays) && s.respondWithinWorkingDays > 0, `${file} ${s.code} has whole working days`);
    }
  });
  it('a profile without stages gets the defaults', () => {
    const p = read('../../config/authorities/norfolk.json') as Record<string, unknown>;
    const parsed = authorityProfileSchema.parse({ ...p, disagreementPolicy: { name: 'Policy' } });
    assert.deepEqual(parsed.disagreementPolicy.stages, DEFAULT_ESCALATION_STAGES);
  });
});

describe('validating a response', () => {
  const ok = { response: 'Met the caller; agreed a strategy discussion.', result: 'resolved', agreedOutcome: 'Strategy discussion today', nextSteps: '' };
  it('a complete response passes', () => assert.deepEqual(validateStageResponse(ok, 1, 4), []));
  it('an empty one names the response and the result', () =>
    assert.deepEqual(validateStageResponse({ response: ' ', result: '', agreedOutcome: '', nextSteps: '' }, 1, 4).map((e) => e.field), ['response', 'result']));
  it('resolved needs the agreed outcome', () =>
    assert.deepEqual(validateStageResponse({ ...ok, agreedOutcome: '' }, 2, 4).map((e) => e.field), ['agreed-outcome']));
  it('escalate is refused at the last stage', () => assert.deepEqual(validateStageResponse({ ...ok, result: 'escalate' }, 4, 4).map((e) => e.field), ['result']));
  it('not resolved is refused before the last stage', () => assert.deepEqual(validateStageResponse({ ...ok, result: 'not-resolved' }, 3, 4).map((e) => e.field), ['result']));
  it('not resolved needs what happens next', () =>
    assert.deepEqual(validateStageResponse({ ...ok, result: 'not-resolved', nextSteps: '' }, 4, 4).map((e) => e.field), ['next-steps']));
});
