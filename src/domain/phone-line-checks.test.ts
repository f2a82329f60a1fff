import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authorityProfileSchema, type AuthorityProfile } from './authority-profile.js';
import { createServiceCalendar, loadBankHolidays } from './service-calendar.js';
import { checkPhoneLine, placeholdersIn } from './phone-line-checks.js';

const read = (file: string) => JSON.parse(readFileSync(fileURLToPath(new URL(file, import.meta.url)), 'utf8')) as unknown;
const holidays = loadBankHolidays(read('../../config/calendar/bank-holidays.json'))['england-and-wales'];
const norfolk = authorityProfileSchema.parse(read('../../config/authorities/norfolk.json'));
const NOW = new Date('2026-11-23T10:00:00Z');

/** A copy of Norfolk's profile with some changes, validated like a real file. */
function profileWith(change: (raw: Record<string, any>) => void): AuthorityProfile {
  const raw = structuredClone(read('../../config/authorities/norfolk.json')) as Record<string, any>;
  change(raw);
  return authorityProfileSchema.parse(raw);
}

const run = (p: AuthorityProfile, now = NOW, holidayList = holidays) => checkPhoneLine(p, createServiceCalendar(p, holidayList), now);
const messages = (checks: ReturnType<typeof run>, level: 'error' | 'warning' | 'ok') => checks.filter((c) => c.level === level).map((c) => c.message);

describe('checkPhoneLine', () => {
  it('finds nothing wrong with the Norfolk profile as shipped, and says what it checked', () => {
    const checks = run(norfolk);
    assert.deepEqual(messages(checks, 'error'), []);
    assert.deepEqual(messages(checks, 'warning'), []);
    const ok = messages(checks, 'ok');
    assert.ok(ok.includes('2 line numbers are possible UK phone numbers'));
    assert.ok(ok.includes('Every queue is used by at least one line'));
    assert.ok(ok.includes('The bank holiday data runs until 31 December 2027'));
    assert.ok(ok.includes('Every message uses only placeholders the phone line fills in'));
  });

  it('lists errors first, then warnings, then what is fine', () => {
    const p = profileWith((r) => {
      r.phoneLines[0].number = '12345';
      r.queues.push({ code: 'spare', label: 'Spare queue' });
    });
    const levels = run(p).map((c) => c.level);
    const order = { error: 0, warning: 1, ok: 2 };
    assert.deepEqual(levels, [...levels].sort((a, b) => order[a] - order[b]));
    assert.equal(levels[0], 'error');
  });

  it('warns about a queue no line uses', () => {
    const p = profileWith((r) => r.queues.push({ code: 'spare', label: 'Spare queue' }));
    assert.deepEqual(messages(run(p), 'warning'), ['The queue “Spare queue” (spare) is not used by any line: no call can reach it']);
  });

  it('refuses a line number that is not a possible UK number', () => {
    const p = profileWith((r) => {
      r.phoneLines[1].number = '0344 800';
    });
    assert.deepEqual(messages(run(p), 'error'), ['The public line’s number “0344 800” is not a possible UK phone number']);
  });

  it('warns when the holiday data runs out within 6 months, and is an error once it has', () => {
    const checks = run(norfolk, new Date('2027-08-01T10:00:00Z'));
    assert.match(messages(checks, 'warning').join('\n'), /bank holiday data runs out on 31 December 2027, within 6 months/);
    const after = run(norfolk, new Date('2028-01-05T10:00:00Z'));
    assert.match(messages(after, 'error').join('\n'), /bank holiday data ran out on 31 December 2027/);
  });

  it('warns about closures in the past, and closures on days already closed', () => {
    const p = profileWith((r) => {
      r.closures.push({ date: '2026-03-02', reason: 'Training day' }, { date: '2026-12-25', reason: 'Christmas' }, { date: '2026-11-28', reason: 'Saturday training' });
    });
    const w = messages(run(p), 'warning');
    assert.ok(w.includes('1 closure is in the past and can be removed from the profile: 2 March 2026'), w.join('\n'));
    assert.ok(w.includes('The closure on 25 December 2026 is on a bank holiday (Christmas Day), when the service is closed anyway'));
    assert.ok(w.includes('The closure on 28 November 2026 is on a Saturday, when the service is closed anyway'));
  });

  it('warns about a weekday with no opening hours', () => {
    const p = profileWith((r) => {
      r.openingHours.wednesday = [];
    });
    assert.deepEqual(messages(run(p), 'warning'), ['There are no opening hours on Wednesdays: the service is closed all day every Wednesday']);
    assert.ok(!messages(run(p), 'ok').includes('There are opening hours on every weekday'));
  });

  it('refuses a message with a placeholder the phone line does not fill in', () => {
    const p = profileWith((r) => {
      r.phoneMessages.outOfHours = { say: 'We are closed. We open {nextOpenning}. Call {edtName}.' };
      r.phoneLines[0].greeting = { say: 'Welcome to {council}.' };
    });
    const e = messages(run(p), 'error');
    assert.equal(e.length, 2);
    assert.match(e[0]!, /^Greeting on the professionals line uses \{council\}, which the phone line does not fill in/);
    assert.match(e[1]!, /^The out-of-hours message uses \{nextOpenning\}/);
    assert.match(e[1]!, /Use \{serviceName\}, \{edtName\}, \{edtPhone\}, \{nextOpening\}/);
  });

  it('warns about a line with options but no default queue, and an option whose words miss its key', () => {
    const p = profileWith((r) => {
      delete r.phoneLines[0].defaultQueue;
      r.phoneLines[0].options[1].prompt = { say: 'For child exploitation, press two.' };
    });
    const w = messages(run(p), 'warning');
    assert.ok(w.some((m) => /professionals line has no default queue/.test(m)));
    assert.ok(w.includes('On the professionals line, what is said for option 2 does not mention 2'));
  });
});

describe('placeholdersIn', () => {
  it('finds every {name} in a text', () => {
    assert.deepEqual(placeholdersIn('Open {nextOpening}; call {edtName} on {edtPhone}.'), ['nextOpening', 'edtName', 'edtPhone']);
    assert.deepEqual(placeholdersIn('No placeholders'), []);
  });
});
