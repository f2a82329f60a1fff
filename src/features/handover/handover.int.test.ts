/**
 * The Emergency Duty Team's handover, end to end: conversations recorded out of hours are flagged
 * when they start, wait through the night in their own section, join CADS's list when the service
 * opens, show as overdue when nobody accepts them in time, and are accepted exactly once.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import {
  createTestContext, createTestApp, createUser, createServiceAccount, signedInAgent, completeConversationByApi, errorSummary, cleanUp,
  type Agent, type TestContext,
} from '../../../test/support/harness.js';
import { durationWords } from './handover.service.js';

let ctx: TestContext;
let app: FastifyInstance;
let edt: Agent;
let cads: Agent;
let cads2: Agent;
let manager: Agent;
let partner: Agent;
let mi: Agent;
let edtEmail: string;
let cadsId: string;
let token: string;

// November 2026 is GMT: London wall time is UTC.
const FRIDAY_10PM = '2026-11-20T22:00:00Z';
const SATURDAY_MORNING = '2026-11-21T10:00:00Z';
const MONDAY_0930 = '2026-11-23T09:30:00Z';
const MONDAY_DUE = '2026-11-23T11:00:00.000Z'; // 9am opening + 2 working hours

const row = (id: string) => ctx.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

/** Starts a conversation through the page, as the agent; returns its id. */
async function start(agent: Agent): Promise<string> {
  await agent.get('/conversations/new');
  const res = await agent.post('/conversations', {});
  assert.equal(res.status, 302);
  return res.location!.split('/')[2]!;
}

/** The handover page cut into its three sections. */
async function sections(agent: Agent) {
  const res = await agent.get('/handover');
  assert.equal(res.status, 200);
  const body = res.body;
  const waitingAt = body.indexOf('id="waiting"');
  const nightAt = body.indexOf('id="out-of-hours"');
  const acceptedAt = body.indexOf('id="accepted-today"');
  assert.ok(waitingAt > 0 && nightAt > waitingAt && acceptedAt > nightAt);
  return { waiting: body.slice(waitingAt, nightAt), night: body.slice(nightAt, acceptedAt), accepted: body.slice(acceptedAt), body };
}

/** The table row of a reference within a section of the page. */
function rowOf(section: string, reference: string): string {
  const i = section.indexOf(`>${reference}<`);
  assert.ok(i >= 0, `${reference} not in section`);
  const end = section.indexOf('</tr>', i);
  return section.slice(section.lastIndexOf('<tr', i), end);
}

before(async () => {
  ctx = await createTestContext(FRIDAY_10PM);
  app = await createTestApp(ctx);
  const e = await createUser(ctx, { role: 'edt-worker', displayName: 'Erin Night', teamName: 'Emergency Duty Team' }).catch(() => createUser(ctx, { role: 'edt-worker', displayName: 'Erin Night' }));
  edtEmail = e.email;
  edt = await signedInAgent(app, e.email);
  const c = await createUser(ctx, { role: 'cads-worker', displayName: 'Casey Day' });
  cadsId = c.id;
  cads = await signedInAgent(app, c.email);
  cads2 = await signedInAgent(app, (await createUser(ctx, { role: 'cads-worker', displayName: 'Robin Second' })).email);
  manager = await signedInAgent(app, (await createUser(ctx, { role: 'team-manager' })).email);
  partner = await signedInAgent(app, (await createUser(ctx, { role: 'partner-practitioner' })).email);
  mi = await signedInAgent(app, (await createUser(ctx, { role: 'mi-analyst' })).email);
  token = await createServiceAccount(ctx, { role: 'cads-worker' });
});

after(async () => {
  await cleanUp(
    () => app?.close(),
    () => ctx?.close(),
  );
});

describe('out-of-hours handover', () => {
  let fridayDraft: string;
  let fridayCompleted: { id: string; reference: string };
  let fridayRef: string;

  test('a conversation an EDT worker starts at 10pm on a Friday is flagged, due 2 working hours after Monday’s opening', async () => {
    ctx.clock.set(FRIDAY_10PM);
    fridayDraft = await start(edt);
    const r = await row(fridayDraft);
    fridayRef = r.reference;
    assert.equal(r.service, 'edt');
    assert.equal(r.out_of_hours, true);
    assert.equal(r.handover_due_at?.toISOString(), MONDAY_DUE);
    assert.equal(r.handover_accepted_at, null);

    // The API's create path flags its conversations the same way.
    ctx.clock.set('2026-11-20T23:15:00Z');
    fridayCompleted = await completeConversationByApi(app, token, { workerEmail: edtEmail, callerEmail: null, familyName: 'Nightingale' });
    const c = await row(fridayCompleted.id);
    assert.equal(c.out_of_hours, true);
    assert.equal(c.handover_due_at?.toISOString(), MONDAY_DUE);
  });

  test('over the weekend they show only under “Still out of hours”', async () => {
    ctx.clock.set(SATURDAY_MORNING);
    const s = await sections(cads);
    assert.ok(!s.waiting.includes(fridayRef));
    assert.match(s.waiting, /no out-of-hours conversations waiting/);
    const night = rowOf(s.night, fridayRef);
    assert.match(night, /Erin Night/);
    assert.match(night, /Draft/);
    assert.match(night, /23 November 2026 at 9am/); // handed over when the service opens
    assert.match(night, /23 November 2026 at 11am/); // accept by
    const completed = rowOf(s.night, fridayCompleted.reference);
    assert.match(completed, /Kayleigh Nightingale/);
    assert.match(completed, /Completed/);
    assert.match(completed, /MASH checks/i);
    // Nothing waits yet, so the home page has no banner.
    const home = await cads.get('/');
    assert.doesNotMatch(home.body, /waiting to be accepted/);
  });

  test('on Monday morning they are waiting to be accepted, with the time left, and the home page says so', async () => {
    ctx.clock.set(MONDAY_0930);
    const s = await sections(cads);
    assert.ok(!s.night.includes(fridayRef));
    const w = rowOf(s.waiting, fridayRef);
    assert.match(w, new RegExp(`href="/conversations/${fridayDraft}"`));
    assert.match(w, /20 November 2026 at 10pm/);
    assert.match(w, /23 November 2026 at 11am/);
    assert.match(w, /Due in 1 hour 30 minutes/);
    assert.doesNotMatch(w, /Overdue/);
    assert.match(w, new RegExp(`action="/handover/${fridayDraft}/accept"`));
    assert.match(rowOf(s.waiting, fridayCompleted.reference), /Kayleigh Nightingale/);

    const home = await cads.get('/');
    assert.match(home.body, /2 out-of-hours conversations are waiting to be accepted/);
    assert.doesNotMatch(home.body, /overdue<\/p>/);
    assert.match(home.body, /href="\/handover"/);
    assert.match((await manager.get('/')).body, /2 out-of-hours conversations are waiting to be accepted/);
    // The EDT worker does not accept handovers, so has no banner.
    assert.doesNotMatch((await edt.get('/')).body, /waiting to be accepted/);
  });

  test('a CADS worker’s conversation inside opening hours is not flagged', async () => {
    ctx.clock.set('2026-11-23T10:00:00Z');
    const id = await start(cads);
    const r = await row(id);
    assert.equal(r.service, 'cads');
    assert.equal(r.out_of_hours, false);
    assert.equal(r.handover_due_at, null);
    assert.ok(!(await sections(cads)).body.includes(`>${r.reference}<`));
  });

  test('a CADS worker’s conversation at 7:30am is flagged, due at 11am', async () => {
    ctx.clock.set('2026-11-24T07:30:00Z');
    const id = await start(cads);
    const r = await row(id);
    assert.equal(r.service, 'cads');
    assert.equal(r.out_of_hours, true);
    assert.equal(r.handover_due_at?.toISOString(), '2026-11-24T11:00:00.000Z');
    // Before 9am it is still out of hours.
    assert.ok(rowOf((await sections(cads)).night, r.reference));
    ctx.clock.set('2026-11-24T09:00:00Z');
    assert.ok(rowOf((await sections(cads)).waiting, r.reference));
  });

  test('once past the due time it shows as overdue, on the list and on the home page', async () => {
    ctx.clock.set('2026-11-23T11:05:00Z');
    const s = await sections(manager);
    const w = rowOf(s.waiting, fridayRef);
    assert.match(w, /govuk-tag--red[^>]*>\s*Overdue/);
    assert.doesNotMatch(w, /Due in/);
    const home = await cads.get('/');
    assert.match(home.body, /2 out-of-hours conversations are waiting to be accepted, 2 overdue/);
  });

  test('a worker accepts it; a second worker is told who did, and nothing changes', async () => {
    ctx.clock.set('2026-11-23T11:10:00Z');
    const res = await cads.post(`/handover/${fridayCompleted.id}/accept`);
    assert.equal(res.status, 302);
    assert.equal(res.location, '/handover');
    const page = await sections(cads);
    assert.match(page.body, new RegExp(`${fridayCompleted.reference} accepted`));
    assert.ok(!page.waiting.includes(fridayCompleted.reference));
    const acceptedRow = rowOf(page.accepted, fridayCompleted.reference);
    assert.match(acceptedRow, /Casey Day/);
    assert.match(acceptedRow, /Late/);

    const accepted = await row(fridayCompleted.id);
    assert.equal(accepted.handover_accepted_by, cadsId);
    assert.equal(accepted.handover_accepted_at?.toISOString(), '2026-11-23T11:10:00.000Z');

    const audit = await ctx.db.selectFrom('audit_events').selectAll().where('action', '=', 'conversation.handover-accepted').execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.conversation_id, fridayCompleted.id);
    assert.equal(audit[0]!.actor_user_id, cadsId);
    const child = await ctx.db.selectFrom('conversation_children').select('person_id').where('conversation_id', '=', fridayCompleted.id).executeTakeFirstOrThrow();
    assert.equal(audit[0]!.person_id, child.person_id);
    assert.deepEqual(audit[0]!.details, { dueAt: MONDAY_DUE, overdue: true });

    ctx.clock.set('2026-11-23T11:12:00Z');
    const again = await cads2.post(`/handover/${fridayCompleted.id}/accept`);
    assert.equal(again.status, 409);
    const [[href, text]] = errorSummary(again.body) as [[string, string]];
    assert.equal(href, '#accepted-today');
    assert.match(text, new RegExp(`Casey Day already accepted ${fridayCompleted.reference} on 23 November 2026 at 11:10am`));
    const unchanged = await row(fridayCompleted.id);
    assert.equal(unchanged.handover_accepted_by, cadsId);
    assert.equal(unchanged.handover_accepted_at?.toISOString(), '2026-11-23T11:10:00.000Z');
    assert.equal((await ctx.db.selectFrom('audit_events').select('id').where('action', '=', 'conversation.handover-accepted').execute()).length, 1);

    // The banner counts only what is still waiting.
    assert.match((await cads.get('/')).body, /1 out-of-hours conversation is waiting to be accepted, 1 overdue/);
  });

  test('a conversation inside opening hours, or an unknown id, cannot be accepted (404)', async () => {
    ctx.clock.set('2026-11-23T10:30:00Z');
    const inHours = await start(cads);
    assert.equal((await cads.post(`/handover/${inHours}/accept`)).status, 404);
    assert.equal((await cads.post('/handover/00000000-0000-4000-8000-000000000000/accept')).status, 404);
    assert.equal((await cads.post('/handover/not-a-uuid/accept')).status, 404);
    assert.equal((await row(inHours)).handover_accepted_at, null);
  });

  test('another authority’s out-of-hours conversations are never listed or acceptable', async () => {
    ctx.clock.set('2026-11-20T23:30:00Z');
    const stokeEdt = await signedInAgent(app, (await createUser(ctx, { role: 'edt-worker', authorityId: 'stoke-on-trent', displayName: 'Stoke Night' })).email);
    const stokeId = await start(stokeEdt);
    const stoke = await row(stokeId);
    assert.equal(stoke.out_of_hours, true);
    // Stoke opens at 8:30am on Monday: due at 10:30am.
    assert.equal(stoke.handover_due_at?.toISOString(), '2026-11-23T10:30:00.000Z');

    ctx.clock.set('2026-11-23T12:00:00Z');
    const s = await sections(cads);
    assert.ok(!s.body.includes(stoke.reference));
    assert.equal((await cads.post(`/handover/${stokeId}/accept`)).status, 404);
    assert.equal((await row(stokeId)).handover_accepted_at, null);

    const stokeCads = await signedInAgent(app, (await createUser(ctx, { role: 'cads-worker', authorityId: 'stoke-on-trent' })).email);
    const theirs = await sections(stokeCads);
    assert.ok(rowOf(theirs.waiting, stoke.reference));
    assert.ok(!theirs.body.includes(fridayRef));
  });

  test('only CADS workers and team managers see the list', async () => {
    for (const agent of [partner, mi, edt]) {
      assert.equal((await agent.get('/handover')).status, 403);
      assert.equal((await agent.post(`/handover/${fridayDraft}/accept`)).status, 403);
    }
    assert.equal((await row(fridayDraft)).handover_accepted_at, null);
    assert.equal((await manager.get('/handover')).status, 200);
  });

  test('the header links to the list for those who accept', async () => {
    assert.match((await cads.get('/')).body, /href="\/handover"[^>]*>\s*Handover/);
    assert.doesNotMatch((await mi.get('/')).body, /href="\/handover"/);
  });
});

describe('durationWords', () => {
  test('says hours and minutes, rounded up to the minute', () => {
    assert.equal(durationWords(90 * 60_000), '1 hour 30 minutes');
    assert.equal(durationWords(2 * 3_600_000), '2 hours');
    assert.equal(durationWords(59_000), '1 minute');
    assert.equal(durationWords(61_000), '2 minutes');
    assert.equal(durationWords(0), '1 minute');
  });
});

test('the conversation page says it was recorded out of hours, and where its handover stands', async () => {
  ctx.clock.set(FRIDAY_10PM);
  const id = await start(edt);
  const { body } = await edt.get(`/conversations/${id}`);
  assert.match(body, /Out of hours/);
  assert.match(body, /waiting on the <a class="govuk-link" href="\/handover">handover list<\/a>/);
  ctx.clock.set(MONDAY_0930);
  const accepted = await cads.post(`/handover/${id}/accept`, {});
  assert.equal(accepted.status, 302);
  const after = (await cads.get(`/conversations/${id}`)).body;
  assert.match(after, /Handed over to CADS: accepted/);
});
