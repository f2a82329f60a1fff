/**
 * The administrator's phone-line page: the set-up as loaded, whether the line is open, the checks,
 * "check what a caller hears", and the versions of the profile with what changed.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createTestContext, createTestApp, createUser, signedInAgent, errorSummary, cleanUp, type Agent, type TestContext } from '../../../test/support/harness.js';
import { readAuthorityProfiles, syncAuthorityProfiles } from '../../platform/authorities.js';

let ctx: TestContext;
let app: FastifyInstance;
let admin: Agent;
let manager: Agent;
let worker: Agent;
let stokeAdmin: Agent;

const check = (agent: Agent, q: Record<string, string>) => agent.get(`/admin/phone-line/check?${new URLSearchParams(q).toString()}`);
const at = (date: string, time: string, extra: Record<string, string> = {}) => {
  const [year, month, day] = date.split('-') as [string, string, string];
  return { line: 'professionals', 'date-day': day, 'date-month': month, 'date-year': year, time, ...extra };
};
/** The text of the page without tags, with spaces tidied, for matching what a reader sees. */
const words = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;|&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

before(async () => {
  ctx = await createTestContext('2026-11-23T10:00:00Z'); // a Monday
  app = await createTestApp(ctx);
  admin = await signedInAgent(app, (await createUser(ctx, { role: 'administrator' })).email);
  manager = await signedInAgent(app, (await createUser(ctx, { role: 'team-manager' })).email);
  worker = await signedInAgent(app, (await createUser(ctx, { role: 'cads-worker' })).email);
  stokeAdmin = await signedInAgent(app, (await createUser(ctx, { role: 'administrator', authorityId: 'stoke-on-trent' })).email);
});

after(async () => {
  await cleanUp(
    () => app?.close(),
    () => ctx?.close(),
  );
});

describe('the phone-line page', () => {
  test('an administrator sees the set-up, the status, the checks and the next 14 days', async () => {
    const res = await admin.get('/admin/phone-line');
    assert.equal(res.status, 200);
    const text = words(res.body);
    assert.match(text, /Open now\? Open Closes at 5pm\./);
    assert.match(text, /0344 800 8021/);
    assert.match(text, /Welcome to Norfolk's Children's Advice and Duty Service, for professionals/);
    assert.match(text, /3 Your call relates to Domestic Abuse .* Option 3: domestic abuse \(domestic-abuse\)/);
    assert.match(text, /Professionals: new worries \(consultation\): for callers who do not choose/);
    assert.match(text, /Monday 9am to 5pm/);
    assert.match(text, /Saturday Closed/);
    assert.match(text, /Thursday 24 December 2026 All day|Thursday 24 December 2026 1pm to 5pm Christmas Eve/);
    assert.match(text, /Division England and Wales/);
    assert.match(text, /Friday 25 December 2026: Christmas Day/);
    assert.match(text, /Holiday data runs until 31 December 2027/);
    // Messages as heard now: the next opening and the EDT's number filled in.
    assert.match(text, /We open again at 9am tomorrow\. If you are worried about a child now, call the Emergency Duty Team on 0344 800 8020/);
    assert.match(text, /Written as: \{serviceName\}|Written as: You have called/);
    assert.match(text, /within 2 working hours of the next opening/);
    assert.match(text, /No problems found\./);
    assert.match(text, /OK Every queue is used by at least one line/);
    // The next 14 days mark today, bank holidays and closures.
    assert.match(text, /Monday 23 November 2026 \(today\) 9am to 5pm/);
    assert.match(text, /Saturday 28 November 2026 Closed/);
    // The version history links to each version.
    assert.match(res.body, /href="\/admin\/phone-line\/versions\/1"/);
    // Only the principal's own authority.
    assert.doesNotMatch(text, /01782 235100/);
  });

  test('a team manager sees it; a CADS worker is refused', async () => {
    assert.equal((await manager.get('/admin/phone-line')).status, 200);
    assert.equal((await worker.get('/admin/phone-line')).status, 403);
    assert.equal((await worker.get('/admin/phone-line/check')).status, 403);
    assert.equal((await worker.get('/admin/phone-line/versions/1')).status, 403);
  });

  test('the administrator’s home page links to it', async () => {
    assert.match((await admin.get('/')).body, /href="\/admin\/phone-line"/);
  });

  test('the page shows a 14-day window with bank holidays and closures marked', async () => {
    ctx.clock.set('2026-12-20T10:00:00Z');
    try {
      const text = words((await admin.get('/admin/phone-line')).body);
      assert.match(text, /Thursday 24 December 2026 9am to 1pm Closure Christmas Eve: the service closes at 1pm \(1pm to 5pm\)/);
      assert.match(text, /Friday 25 December 2026 Closed Bank holiday Christmas Day/);
      assert.match(text, /Open now\? Closed Weekend\. Opens again at 9am tomorrow/);
    } finally {
      ctx.clock.set('2026-11-23T10:00:00Z');
    }
  });
});

describe('check what a caller hears', () => {
  test('the empty form', async () => {
    const res = await admin.get('/admin/phone-line/check');
    assert.equal(res.status, 200);
    assert.deepEqual(errorSummary(res.body), []);
    assert.match(res.body, /<form method="get" action="\/admin\/phone-line\/check"/);
  });

  test('on Christmas Day the line is closed for the bank holiday', async () => {
    const res = await check(admin, at('2026-12-25', '10:00'));
    assert.equal(res.status, 200);
    const text = words(res.body);
    assert.match(text, /First step Closed: bank holiday \(Christmas Day\)/);
    assert.match(text, /Where the call goes Nowhere: the call ends/);
    assert.match(text, /If you think a child is in immediate danger, hang up and call 999\./);
    assert.match(text, /We are closed today\. We open again at 9am on Tuesday 29 December\./);
  });

  test('at 10am on a weekday the caller hears the menu, and pressing nothing goes to the default queue', async () => {
    const res = await check(admin, at('2026-11-24', '10:00'));
    assert.equal(res.status, 200);
    const text = words(res.body);
    assert.match(text, /First step Menu/);
    assert.match(text, /Welcome to Norfolk's Children's Advice and Duty Service/);
    assert.match(text, /If your call is about child exploitation, press 2\./);
    assert.match(text, /press a key: 1 for “Option 1: child has an allocated worker”, 2 for “Option 2: child exploitation”/);
    assert.match(text, /The caller presses nothing/);
    assert.match(text, /Where the call goes The queue “Professionals: new worries”/);
    assert.match(text, /After waiting 3 minutes/);
  });

  test('a digit sends the call to its queue; a wrong digit hears the menu again', async () => {
    const two = words((await check(admin, at('2026-11-24', '10:00', { digit: '2' }))).body);
    assert.match(two, /The caller presses 2/);
    assert.match(two, /Where the call goes The queue “Option 2: child exploitation”/);
    const nine = words((await check(admin, at('2026-11-24', '10:00', { digit: '9' }))).body);
    assert.match(nine, /Sorry, that is not one of the options\./);
    assert.match(nine, /If the caller keeps pressing 9/);
  });

  test('the public line has no options: straight to its queue', async () => {
    const text = words((await check(admin, at('2026-11-24', '16:59', { line: 'public' }))).body);
    assert.match(text, /First step Straight to a queue/);
    assert.match(text, /Where the call goes The queue “Members of the public”/);
  });

  test('in the evening the caller hears the out-of-hours message', async () => {
    const text = words((await check(admin, at('2026-11-24', '17:00'))).body);
    assert.match(text, /First step Closed: outside opening hours/);
    assert.match(text, /We are closed\. We open again at 9am tomorrow\./);
  });

  test('bad input is listed in the error summary', async () => {
    const res = await check(admin, at('2026-02-30', '25:00', { line: 'nope', digit: '12' }));
    assert.equal(res.status, 400);
    const errors = errorSummary(res.body);
    assert.deepEqual(errors.map(([href]) => href), ['#line', '#date-day', '#time', '#digit']);
    assert.match(errors[1]![1], /real date/);
    assert.match(res.body, /govuk-input--error/);
    // What was typed is kept.
    assert.match(res.body, /name="date-day" type="text" value="30"|value="30"/);
  });

  test('a line of another authority is not offered', async () => {
    const res = await check(admin, at('2026-11-24', '10:00', { line: 'chad' }));
    assert.equal(res.status, 400);
    assert.deepEqual(errorSummary(res.body).map(([href]) => href), ['#line']);
    assert.equal((await check(stokeAdmin, at('2026-11-24', '10:00', { line: 'chad' }))).status, 200);
  });
});

describe('profile versions', () => {
  test('the first version has nothing to compare with; unknown versions are not found', async () => {
    const res = await admin.get('/admin/phone-line/versions/1');
    assert.equal(res.status, 200);
    assert.match(words(res.body), /Nothing: this is the first version loaded/);
    for (const v of ['2', '0', '-1', 'abc', '99999999999']) {
      assert.equal((await admin.get(`/admin/phone-line/versions/${v}`)).status, 404, v);
    }
  });

  test('syncing a changed profile makes a new version, and its page shows what changed', async () => {
    const profiles = readAuthorityProfiles();
    // The same profiles again: no new version.
    await syncAuthorityProfiles(ctx.db, profiles);
    assert.equal((await ctx.db.selectFrom('authority_profile_versions').select('version').where('authority_id', '=', 'norfolk').execute()).length, 1);

    const changed = profiles.map((p) =>
      p.id === 'norfolk'
        ? { ...p, edt: { ...p.edt, phone: '0344 800 8099' }, openingHours: { ...p.openingHours, saturday: [{ open: '10:00', close: '12:00' }] }, closures: [] }
        : p,
    );
    await syncAuthorityProfiles(ctx.db, changed);
    const versions = await ctx.db.selectFrom('authority_profile_versions').select(['version', 'profile_hash']).where('authority_id', '=', 'norfolk').orderBy('version').execute();
    assert.deepEqual(versions.map((v) => v.version), [1, 2]);
    assert.equal((await ctx.db.selectFrom('authority_profile_versions').select('version').where('authority_id', '=', 'stoke-on-trent').execute()).length, 1);

    const page = await admin.get('/admin/phone-line/versions/2');
    assert.equal(page.status, 200);
    const text = words(page.body);
    assert.match(text, /What changed from version 1/);
    assert.match(text, /edt\.phone Changed 0344 800 8020 0344 800 8099/);
    assert.match(text, /openingHours\.saturday\[0\] Added Not set \{ "open": "10:00", "close": "12:00" \}/);
    assert.match(text, /closures\[0\] Removed \{ "date": "2026-12-24"/);
    assert.match(words((await admin.get('/admin/phone-line')).body), new RegExp(`2 Latest .* ${versions[1]!.profile_hash.slice(0, 12)}`));

    // Going back to the first text is a third version, not version 1 again.
    await syncAuthorityProfiles(ctx.db, profiles);
    const after = await ctx.db.selectFrom('authority_profile_versions').select('profile_hash').where('authority_id', '=', 'norfolk').orderBy('version').execute();
    assert.equal(after.length, 3);
    assert.equal(after[2]!.profile_hash, after[0]!.profile_hash);

    // Another authority's administrator sees only their own versions.
    assert.equal((await stokeAdmin.get('/admin/phone-line/versions/2')).status, 404);
  });
});
