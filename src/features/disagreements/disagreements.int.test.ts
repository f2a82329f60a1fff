/**
 * Professional disagreements end to end, with the clock pinned: completing a conversation where the
 * caller disagrees opens stage 1 due in working days (over Christmas); a worker escalates, a manager
 * takes it through the later stages to "not resolved"; another is raised by hand and resolved; the
 * managers' list shows what is overdue; the figures count them; another authority sees nothing.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import {
  createTestContext, createTestApp, createUser, createServiceAccount, signedInAgent, errorSummary, cleanUp,
  type Agent, type TestContext,
} from '../../../test/support/harness.js';
import { alertOverdueStages } from './disagreement-alerts.js';

let ctx: TestContext;
let app: FastifyInstance;
let worker: Agent;
let workerEmail: string;
let manager: Agent;
let mi: Agent;
let stokeManager: Agent;
let partner: Agent;
let token: string;
let conversationId: string;
let disagreedChild: string;
let agreedChild: string;
let firstId: string;
let secondId: string;

// Thursday 24 December 2026, 10:00 GMT. Norfolk's stage 1 is 2 working days: Christmas Day, the
// weekend and the substitute Boxing Day (28th) are skipped, so it is due Wednesday 30 December.
const CHRISTMAS_EVE = '2026-12-24T10:00:00Z';

const disagreementsOf = (id: string) => ctx.db.selectFrom('disagreements').selectAll().where('conversation_id', '=', id).orderBy('raised_at').execute();
const stagesOf = (id: string) => ctx.db.selectFrom('disagreement_stages').selectAll().where('disagreement_id', '=', id).orderBy('stage').execute();
const auditCount = async () => Number((await ctx.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

async function person(givenName: string, familyName: string): Promise<string> {
  const res = await app.inject({
    method: 'POST', url: '/api/v1/people', headers: { authorization: `Bearer ${token}` },
    payload: { givenName, familyName, dateOfBirth: '2014-03-02', sex: 'M', differentChildReason: 'Test fixture: each child is their own' },
  });
  assert.equal(res.statusCode, 201, `creating the child: ${res.body}`);
  return res.json().id as string;
}

/** Completes a conversation through the API: the caller disagrees about the first child and agrees about the second. */
async function completeWithDisagreement(): Promise<string> {
  disagreedChild = await person('Tobias', 'Fernleigh');
  agreedChild = await person('Maisie', 'Fernleigh');
  const res = await app.inject({
    method: 'POST', url: '/api/v1/conversations', headers: { authorization: `Bearer ${token}` },
    payload: {
      caller: { type: 'professional', name: 'Ms Okafor', role: 'Designated safeguarding lead', agencyCode: 'school', phone: '020 7946 0456', email: null },
      children: [
        { personId: disagreedChild, whereNow: 'School', safeTonight: 'yes', outcomeCode: 'advice-and-information', levelCode: '2', callerAgreed: false, disagreementNote: 'The school thinks this needs a social work assessment, not advice and information.', nextSteps: 'Advice given' },
        { personId: agreedChild, whereNow: 'School', safeTonight: 'yes', outcomeCode: 'advice-and-information', levelCode: '2', callerAgreed: true, nextSteps: 'Advice given' },
      ],
      concernCategories: ['neglect'], concernDetail: 'Often hungry', immediacy: 'soon', parentsInformed: 'yes', consentGiven: 'yes',
      worries: 'Hunger', complete: true, workerEmail,
    },
  });
  assert.equal(res.statusCode, 201, `completing the conversation: ${res.body}`);
  return res.json().id as string;
}

before(async () => {
  ctx = await createTestContext(CHRISTMAS_EVE);
  app = await createTestApp(ctx);
  const w = await createUser(ctx, { role: 'cads-worker', displayName: 'Casey Worker' });
  workerEmail = w.email;
  worker = await signedInAgent(app, w.email);
  manager = await signedInAgent(app, (await createUser(ctx, { role: 'team-manager', displayName: 'Morgan Manager' })).email);
  mi = await signedInAgent(app, (await createUser(ctx, { role: 'mi-analyst' })).email);
  partner = await signedInAgent(app, (await createUser(ctx, { role: 'partner-practitioner' })).email);
  stokeManager = await signedInAgent(app, (await createUser(ctx, { role: 'team-manager', authorityId: 'stoke-on-trent' })).email);
  token = await createServiceAccount(ctx, { role: 'cads-worker' });
});

after(async () => {
  await cleanUp(() => app?.close(), () => ctx?.close());
});

describe('a disagreement from a completed conversation', () => {
  test('completing with the caller not agreeing opens stage 1, due in 2 working days over Christmas', async () => {
    conversationId = await completeWithDisagreement();
    const ds = await disagreementsOf(conversationId);
    assert.equal(ds.length, 1, 'one disagreement: the caller agreed about the other child');
    const d = ds[0]!;
    firstId = d.id;
    assert.equal(d.person_id, disagreedChild, 'about the child the caller disagreed about');
    assert.equal(d.status, 'open', 'open');
    assert.equal(d.current_stage, 1, 'at stage 1');
    assert.equal(d.source, 'completion', 'raised by the completion');
    assert.equal(d.outcome_code, 'advice-and-information', 'records the outcome disagreed with');
    assert.equal(d.caller_name, 'Ms Okafor', 'records the caller');
    assert.match(d.disagreement, /social work assessment/, 'the note is what the caller disagrees with');
    assert.match(d.reference, /^NFK-PD-2026-\d{5}$/, `a reference of its own: ${d.reference}`);
    const [s1] = await stagesOf(d.id);
    assert.equal(s1!.due_on, '2026-12-30', 'due Wednesday 30 December');
    assert.equal(new Date(s1!.due_at).toISOString(), '2026-12-30T23:59:59.999Z', 'by the end of that London day');
    const audit = await ctx.db.selectFrom('audit_events').selectAll().where('action', '=', 'disagreement.raised').where('entity_id', '=', d.id).execute();
    assert.equal(audit.length, 1, 'the raising is audited');
    assert.equal(audit[0]!.person_id, disagreedChild, 'against the child');
    assert.equal(audit[0]!.entity_type, 'disagreement', 'as a disagreement');
  });

  test('the conversation record shows it, with a link to record another; the chronology says it is open', async () => {
    const page = await worker.get(`/conversations/${conversationId}`);
    assert.equal(page.status, 200, 'the record opens');
    assert.match(page.body, /Professional disagreements/, 'the panel is there');
    assert.match(page.body, new RegExp(`href="/disagreements/${firstId}"`), 'links to the disagreement');
    assert.match(page.body, /open at stage 1: the social worker, due 30 December 2026/, 'says where it stands');
    assert.match(page.body, new RegExp(`href="/conversations/${conversationId}/disagreements/new">Record a professional disagreement`), 'and how to record one by hand');
    const chronology = await worker.get(`/people/${disagreedChild}`);
    assert.match(chronology.body, /Caller disagreed – open at stage 1/, 'the chronology line');
  });

  test('the disagreement page shows the stage, its due date and the response form to the worker', async () => {
    const page = await worker.get(`/disagreements/${firstId}`);
    assert.equal(page.status, 200, 'opens');
    assert.match(page.body, /Tobias Fernleigh/, 'names the child');
    assert.match(page.body, /30 December 2026/, 'the due date');
    assert.match(page.body, /Due in 2 working days/, 'in words');
    assert.match(page.body, /Escalate to stage 2: team manager/, 'the worker can escalate stage 1');
    assert.doesNotMatch(page.body, /value="not-resolved"/, 'not resolved is only for the last stage');
  });

  test('a partner agency cannot see it', async () => {
    assert.equal((await partner.get(`/disagreements/${firstId}`)).status, 403, 'forbidden');
  });
});

describe('escalating through the stages', () => {
  test('the worker escalates stage 1 on time; stage 2 is due in 3 working days over New Year', async () => {
    ctx.clock.set('2026-12-29T11:00:00Z');
    const res = await worker.post(`/disagreements/${firstId}/respond`, { stage: '1', response: 'Talked it through with Ms Okafor; she still wants an assessment.', result: 'escalate' });
    assert.equal(res.status, 302, `redirects: ${res.body.slice(0, 300)}`);
    const [s1, s2] = await stagesOf(firstId);
    assert.equal(s1!.result, 'escalate', 'stage 1 escalated');
    assert.equal(s1!.on_time, true, 'on time');
    assert.ok(s1!.responded_by, 'who responded is kept');
    assert.equal(s2!.stage_code, 'team-manager', 'stage 2 is the team manager');
    assert.equal(s2!.due_on, '2027-01-04', '30, 31 December, then New Year’s Day and the weekend, so Monday 4 January');
    const page = await worker.get(res.location!);
    assert.match(page.body, /escalated to stage 2/, 'the flash says so');
    const chronology = await worker.get(`/people/${disagreedChild}`);
    assert.match(chronology.body, /Caller disagreed – escalated to stage 2/, 'the chronology line moves on');
  });

  test('a worker cannot answer stage 2', async () => {
    const res = await worker.post(`/disagreements/${firstId}/respond`, { stage: '2', response: 'x', result: 'resolved', 'agreed-outcome': 'y' });
    assert.equal(res.status, 403, 'only a team manager answers later stages');
  });

  test('the old stage 1 form posted again is a conflict, and nothing changes', async () => {
    const before = await auditCount();
    const res = await worker.post(`/disagreements/${firstId}/respond`, { stage: '1', response: 'Again', result: 'escalate' });
    assert.equal(res.status, 409, 'conflict');
    assert.match(res.body, /already been answered/, 'says why');
    assert.equal((await stagesOf(firstId)).length, 2, 'no stage added');
    assert.equal(await auditCount(), before + 1, 'only the page view is audited');
  });

  test('an empty response shows the error summary and saves nothing', async () => {
    const before = await stagesOf(firstId);
    const res = await manager.post(`/disagreements/${firstId}/respond`, { stage: '2' });
    assert.equal(res.status, 400, 'a validation error');
    assert.deepEqual(errorSummary(res.body), [
      ['#response', 'Enter what was discussed and decided at this stage'],
      ['#result', 'Select whether the disagreement was resolved or is escalated to the next stage'],
    ]);
    const resolvedWithoutOutcome = await manager.post(`/disagreements/${firstId}/respond`, { stage: '2', response: 'Spoke to the school', result: 'resolved' });
    assert.deepEqual(errorSummary(resolvedWithoutOutcome.body), [['#agreed-outcome', 'Enter the outcome that was agreed']]);
    assert.match(resolvedWithoutOutcome.body, /Spoke to the school/, 'what was typed is kept');
    assert.deepEqual(await stagesOf(firstId), before, 'nothing saved');
  });

  test('later, stage 2 is overdue: on the managers’ list, the home page and in words', async () => {
    ctx.clock.set('2027-01-06T10:00:00Z');
    const list = await manager.get('/disagreements?status=overdue');
    assert.equal(list.status, 200, 'the list opens');
    const d = (await disagreementsOf(conversationId))[0]!;
    assert.match(list.body, new RegExp(d.reference), 'lists it');
    assert.match(list.body, /govuk-tag--red">\s*Overdue\s*</, 'tagged overdue in words');
    assert.match(list.body, /Overdue by 2 working days/, 'by how much');
    assert.match(list.body, /Stage 2: team manager/, 'at stage 2');
    const home = await manager.get('/');
    assert.match(home.body, /1 open disagreement, 1 overdue/, 'the home panel');
    const closed = await manager.get('/disagreements?status=closed');
    assert.doesNotMatch(closed.body, new RegExp(d.reference), 'not among the closed');
    assert.equal((await worker.get('/disagreements')).status, 403, 'the list is for managers');
  });

  test('the overdue scan emails the team managers once, naming no child', async () => {
    assert.equal(await alertOverdueStages(ctx), 1, 'one stage told');
    assert.equal(await alertOverdueStages(ctx), 0, 'and only once');
    const sent = await ctx.db.selectFrom('notifications').selectAll().where('kind', '=', 'escalation-overdue').execute();
    assert.equal(sent.length, 1, 'one manager in Norfolk, one email');
    assert.match(sent[0]!.subject, /Overdue professional disagreement: NFK-PD-/, 'names the reference');
    assert.match(sent[0]!.text_body, /Stage 2: team manager, which was due by the end of 4 January 2027/, 'the stage and its due date');
    assert.doesNotMatch(sent[0]!.text_body + sent[0]!.html, /Fernleigh|Tobias/, 'never the child');
  });

  test('the manager escalates late to stage 3 and then to stage 4, each due in its working days from now', async () => {
    let res = await manager.post(`/disagreements/${firstId}/respond`, { stage: '2', response: 'Reviewed the case notes with the DSL.', result: 'escalate' });
    assert.equal(res.status, 302, 'stage 2 answered');
    res = await manager.post(`/disagreements/${firstId}/respond`, { stage: '3', response: 'Service manager met the head teacher.', result: 'escalate' });
    assert.equal(res.status, 302, 'stage 3 answered');
    const [, s2, s3, s4] = await stagesOf(firstId);
    assert.equal(s2!.on_time, false, 'stage 2 was answered late');
    assert.equal(s3!.due_on, '2027-01-13', 'stage 3: 5 working days from Wednesday 6 January');
    assert.equal(s3!.on_time, true, 'stage 3 on time');
    assert.equal(s4!.due_on, '2027-01-20', 'stage 4: 10 working days from Wednesday 6 January');
    const page = await manager.get(`/disagreements/${firstId}`);
    assert.match(page.body, /value="not-resolved"/, 'at the last stage, not resolved is offered');
    assert.doesNotMatch(page.body, /value="escalate"/, 'and escalation is not');
  });

  test('at the last stage, escalating is refused and not resolved needs what happens next', async () => {
    let res = await manager.post(`/disagreements/${firstId}/respond`, { stage: '4', response: 'Head of service reviewed.', result: 'escalate' });
    assert.deepEqual(errorSummary(res.body), [['#result', 'Select whether the disagreement was resolved or not resolved']]);
    res = await manager.post(`/disagreements/${firstId}/respond`, { stage: '4', response: 'Head of service reviewed.', result: 'not-resolved' });
    assert.deepEqual(errorSummary(res.body), [['#next-steps', 'Enter what happens next, for example a referral to the safeguarding partnership']]);
    assert.equal((await disagreementsOf(conversationId))[0]!.status, 'open', 'still open');
  });

  test('not resolved at the last stage closes it unresolved; a second response is refused (409)', async () => {
    let res = await manager.post(`/disagreements/${firstId}/respond`, { stage: '4', response: 'Head of service reviewed.', result: 'not-resolved', 'next-steps': 'Referred to the NSCP under its escalation policy.' });
    assert.equal(res.status, 302, 'answered');
    const d = (await disagreementsOf(conversationId))[0]!;
    assert.equal(d.status, 'unresolved', 'closed unresolved');
    assert.equal(d.closing_note, 'Referred to the NSCP under its escalation policy.', 'with what happens next');
    assert.ok(d.closed_at, 'closed');
    res = await manager.post(`/disagreements/${firstId}/respond`, { stage: '4', response: 'Change my mind', result: 'resolved', 'agreed-outcome': 'x' });
    assert.equal(res.status, 409, 'a closed stage cannot be answered again');
    const audits = await ctx.db.selectFrom('audit_events').select('details').where('action', '=', 'disagreement.responded').where('entity_id', '=', firstId).execute();
    assert.equal(audits.length, 4, 'each response audited once');
  });

  test('a stage response cannot be changed in the database either', async () => {
    const [s1] = await stagesOf(firstId);
    await assert.rejects(ctx.db.updateTable('disagreement_stages').set({ response: 'rewritten' }).where('id', '=', s1!.id).execute(), /cannot be changed/, 'the trigger refuses');
  });
});

describe('raising one by hand, and resolving it', () => {
  test('an empty form shows the error summary and saves nothing', async () => {
    const form = await worker.get(`/conversations/${conversationId}/disagreements/new`);
    assert.equal(form.status, 200, 'the form opens');
    assert.match(form.body, /value="Ms Okafor"/, 'the caller is filled in');
    const res = await worker.post(`/conversations/${conversationId}/disagreements`, {});
    assert.equal(res.status, 400, 'a validation error');
    assert.deepEqual(errorSummary(res.body), [
      ['#person', 'Select the child whose outcome the caller disagrees with'],
      ['#disagreement', 'Enter what the caller disagrees with, and why'],
    ]);
    assert.equal((await disagreementsOf(conversationId)).length, 1, 'nothing saved');
  });

  test('the caller comes back about the other child: stage 1 is due 2 working days from now', async () => {
    ctx.clock.set('2027-01-08T15:00:00Z'); // a Friday
    const res = await worker.post(`/conversations/${conversationId}/disagreements`, { person: agreedChild, disagreement: 'On reflection the school disagrees for Maisie too.', 'caller-name': 'Ms Okafor' });
    assert.equal(res.status, 302, `recorded: ${res.body.slice(0, 400)}`);
    secondId = res.location!.split('/')[2]!;
    const d = (await disagreementsOf(conversationId)).find((x) => x.id === secondId)!;
    assert.equal(d.source, 'by-hand', 'by hand');
    assert.equal(d.person_id, agreedChild, 'about Maisie');
    assert.equal((await stagesOf(secondId))[0]!.due_on, '2027-01-12', 'Friday + 2 working days is Tuesday');
    const again = await worker.post(`/conversations/${conversationId}/disagreements`, { person: agreedChild, disagreement: 'Again' });
    assert.deepEqual(errorSummary(again.body), [['#person', 'There is already an open disagreement about Maisie Fernleigh from this conversation']]);
  });

  test('resolved at stage 1 closes it with the agreed outcome; answering again is refused', async () => {
    let res = await worker.post(`/disagreements/${secondId}/respond`, { stage: '1', response: 'Agreed to ask the Early Help team to visit this week.', result: 'resolved', 'agreed-outcome': 'Early Help, with a visit this week' });
    assert.equal(res.status, 302, 'answered');
    const page = await worker.get(res.location!);
    assert.match(page.body, /resolved at stage 1 and is closed/, 'the flash');
    assert.match(page.body, /Early Help, with a visit this week/, 'the agreed outcome is shown');
    res = await worker.post(`/disagreements/${secondId}/respond`, { stage: '1', response: 'x', result: 'resolved', 'agreed-outcome': 'y' });
    assert.equal(res.status, 409, 'refused');
    const chronology = await worker.get(`/people/${agreedChild}`);
    assert.match(chronology.body, /Caller disagreed – resolved at stage 1/, 'the chronology line');
    const closed = await manager.get('/disagreements?status=closed');
    assert.match(closed.body, /govuk-tag--green">\s*Resolved\s*</, 'on the closed list, resolved');
    assert.match(closed.body, /govuk-tag--grey">\s*Not resolved\s*</, 'and the other, not resolved');
  });
});

describe('figures', () => {
  test('counts for the period, as a table and as CSV', async () => {
    const res = await mi.get('/disagreements/reports?from=2026-12-01&to=2027-01-31');
    assert.equal(res.status, 200, 'the MI analyst sees the figures');
    const cell = (id: string) => res.body.match(new RegExp(`id="${id}">([^<]*)<`))?.[1];
    assert.equal(cell('raised'), '2', 'two raised');
    assert.equal(cell('resolved-stage-1'), '1', 'one resolved at stage 1');
    assert.equal(cell('resolved-stage-2'), '0', 'none at stage 2');
    assert.equal(cell('unresolved'), '1', 'one not resolved');
    assert.equal(cell('open'), '0', 'none open');
    assert.equal(cell('average'), '0', 'resolved the day it was raised');
    assert.doesNotMatch(res.body, /Fernleigh/, 'no child is named');
    const csv = await mi.get('/disagreements/reports.csv?from=2026-12-01&to=2027-01-31');
    assert.equal(csv.status, 200, 'the CSV downloads');
    assert.match(String(csv.headers['content-type']), /text\/csv/, 'as CSV');
    assert.match(csv.body, /Disagreements raised,2\r\n/, 'with the counts');
    assert.match(csv.body, /Not resolved after the last stage,1\r\n/, 'and the unresolved');
    const bad = await mi.get('/disagreements/reports?from-day=31&from-month=2&from-year=2027');
    assert.equal(bad.status, 400, 'a bad date is an error');
    assert.equal(errorSummary(bad.body).length, 1, 'in the summary');
    assert.equal((await worker.get('/disagreements/reports')).status, 403, 'not for workers');
  });

  test('an open, overdue one is counted as open and overdue', async () => {
    ctx.clock.set('2027-01-11T10:00:00Z');
    const c = await completeWithDisagreement();
    const id = (await disagreementsOf(c))[0]!.id;
    assert.equal((await stagesOf(id))[0]!.due_on, '2027-01-13', 'Monday + 2');
    ctx.clock.set('2027-01-15T10:00:00Z');
    const res = await manager.get('/disagreements/reports?from=2027-01-11&to=2027-01-11');
    const cell = (x: string) => res.body.match(new RegExp(`id="${x}">([^<]*)<`))?.[1];
    assert.equal(cell('raised'), '1', 'one raised that day');
    assert.equal(cell('open'), '1', 'open');
    assert.equal(cell('overdue'), '1', 'and overdue');
    assert.equal(cell('average'), 'None resolved', 'nothing to average');
  });
});

describe('another authority', () => {
  test('cannot see or answer Norfolk’s disagreements (404) and does not list them', async () => {
    assert.equal((await stokeManager.get(`/disagreements/${firstId}`)).status, 404, 'not found');
    assert.equal((await stokeManager.post(`/disagreements/${secondId}/respond`, { stage: '1', response: 'x', result: 'resolved', 'agreed-outcome': 'y' })).status, 404, 'cannot answer');
    assert.equal((await stokeManager.get(`/conversations/${conversationId}/disagreements/new`)).status, 404, 'cannot raise one on the conversation');
    const list = await stokeManager.get('/disagreements?status=closed');
    assert.match(list.body, /There are no closed disagreements/, 'an empty list');
  });
});
