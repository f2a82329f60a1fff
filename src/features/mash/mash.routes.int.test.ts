/**
 * The MASH pages, through HTTP as a browser would use them: the dashboard, rating (with errors and a
 * conflict), asking agencies for checks, a partner practitioner's own requests (and nobody else's),
 * responses with GOV.UK errors and nothing saved, questions and corrections, collation with a late
 * response, the analysis and the manager's decision, and opening an enquiry from a child's record.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import {
  createTestContext, createTestApp, createUser, createServiceAccount, completeConversationByApi, signedInAgent, errorSummary, cleanUp,
  type Agent, type TestContext,
} from '../../../test/support/harness.js';

let ctx: TestContext;
let app: FastifyInstance;
let worker: Agent;
let coordinator: Agent;
let manager: Agent;
let police: Agent;
let health: Agent;
let education: Agent;
let probation: Agent;
let enquiryId: string;
let reference: string;
let childId: string;
const requestIds: Record<string, string> = {};

const goodResponse = {
  kind: 'response', holds: 'Two domestic incidents at the address in 2026', sourceSystem: 'Athena',
  'checkedOn-day': '23', 'checkedOn-month': '11', 'checkedOn-year': '2026', riskInformation: 'Father on bail with conditions',
  lawfulBasisCode: 'public-task-children-act',
};

async function enquiry() {
  return ctx.db.selectFrom('mash_enquiries').selectAll().where('id', '=', enquiryId).executeTakeFirstOrThrow();
}

async function responsesTo(requestId: string) {
  return ctx.db.selectFrom('mash_check_responses').selectAll().where('request_id', '=', requestId).orderBy('responded_at').execute();
}

/** The text of a page with tags and spaces squeezed, for matching words the way a reader sees them. */
function text(html: string): string {
  return html.replace(/<[^>]+>/g, ' ').replace(/&nbsp;/g, ' ').replace(/\s+/g, ' ');
}

before(async () => {
  // Monday 23 November 2026, 10:00 in London: Norfolk is open 09:00–17:00 on weekdays.
  ctx = await createTestContext('2026-11-23T10:00:00Z');
  app = await createTestApp(ctx);
  const w = await createUser(ctx, { role: 'cads-worker', displayName: 'Jordan Reeve' });
  worker = await signedInAgent(app, w.email);
  coordinator = await signedInAgent(app, (await createUser(ctx, { role: 'mash-coordinator', displayName: 'Riley Stone' })).email);
  manager = await signedInAgent(app, (await createUser(ctx, { role: 'team-manager', displayName: 'Morgan Hale' })).email);
  police = await signedInAgent(app, (await createUser(ctx, { role: 'partner-practitioner', agencyCode: 'police', displayName: 'PC Amy Lowe' })).email);
  health = await signedInAgent(app, (await createUser(ctx, { role: 'partner-practitioner', agencyCode: 'health', displayName: 'Nurse Sam Patel' })).email);
  education = await signedInAgent(app, (await createUser(ctx, { role: 'partner-practitioner', agencyCode: 'education', displayName: 'Dee Okafor' })).email);
  probation = await signedInAgent(app, (await createUser(ctx, { role: 'partner-practitioner', agencyCode: 'probation', displayName: 'Lee Grant' })).email);
  const token = await createServiceAccount(ctx, { role: 'cads-worker' });
  const c = await completeConversationByApi(app, token, { workerEmail: w.email, callerEmail: 'dr.reed@example.org', familyName: 'Thistlewood' });
  const e = await ctx.db.selectFrom('mash_enquiries').select(['id', 'reference']).where('conversation_id', '=', c.id).executeTakeFirstOrThrow();
  enquiryId = e.id;
  reference = e.reference;
  childId = (await ctx.db.selectFrom('mash_enquiry_children').select('person_id').where('enquiry_id', '=', enquiryId).executeTakeFirstOrThrow()).person_id;
});

after(async () => {
  await cleanUp(() => app?.close(), () => ctx?.close());
});

describe('MASH pages', () => {
  test('the menu has MASH for MASH staff and MASH requests for partners', async () => {
    assert.match((await coordinator.get('/')).body, /href="\/mash"/);
    assert.match((await worker.get('/')).body, /href="\/mash"/);
    const partnerHome = (await police.get('/')).body;
    assert.match(partnerHome, /href="\/mash\/requests"/);
    assert.doesNotMatch(partnerHome, /href="\/mash"/);
  });

  test('the dashboard lists the new enquiry awaiting a rating, and filters', async () => {
    const res = await coordinator.get('/mash');
    assert.equal(res.status, 200);
    assert.match(res.body, new RegExp(`href="/mash/enquiries/${enquiryId}">${reference}</a>`));
    const page = text(res.body);
    assert.match(page, /Kayleigh Thistlewood/);
    assert.match(page, /Not rated/);
    assert.match(page, /Awaiting rating/);
    assert.match(page, /None sent/);
    assert.match(res.body, /data-figure="awaiting-rating">1</);
    // The worker sees it too; a partner is refused.
    assert.equal((await worker.get('/mash')).status, 200);
    assert.equal((await police.get('/mash')).status, 403);
    // Filters: by part of the reference, and ones that match nothing.
    assert.match((await coordinator.get(`/mash?reference=${reference.slice(-6)}`)).body, new RegExp(reference));
    assert.match((await coordinator.get('/mash?reference=NOPE-999')).body, /No enquiries match these filters/);
    assert.match((await coordinator.get('/mash?rag=red')).body, /No enquiries match these filters/);
    assert.match((await coordinator.get('/mash?status=closed')).body, /No enquiries match these filters/);
    // Nonsense in the query is ignored rather than an error.
    assert.equal((await coordinator.get('/mash?status=%3Cscript%3E&page=-4')).status, 200);
  });

  test('the enquiry page shows the children, the reason and the rating form; agencies wait for a rating', async () => {
    const res = await coordinator.get(`/mash/enquiries/${enquiryId}`);
    assert.equal(res.status, 200);
    assert.match(res.body, new RegExp(`href="/people/${childId}">Kayleigh Thistlewood</a>`));
    assert.match(res.body, /MASH checks agreed in conversation/);
    assert.match(res.body, /Rate the enquiry/);
    assert.match(res.body, /Significant concerns, not immediate: checks within 24 working hours/);
    assert.match(res.body, /id="rate-first"/);
    assert.match(res.body, /href="\/conversations\//);
    // A CADS worker can read it but not rate it.
    const asWorker = await worker.get(`/mash/enquiries/${enquiryId}`);
    assert.equal(asWorker.status, 200);
    assert.doesNotMatch(asWorker.body, /id="rating-form"/);
    assert.equal((await police.get(`/mash/enquiries/${enquiryId}`)).status, 403);
  });

  test('rating: no choice is an error and saves nothing; amber sets the deadline; a change needs a reason; a stale form is a conflict', async () => {
    const lock = (await enquiry()).lock_version;
    const bad = await coordinator.post(`/mash/enquiries/${enquiryId}/rating`, { 'lock-version': String(lock) });
    assert.equal(bad.status, 400);
    assert.deepEqual(errorSummary(bad.body), [['#rag', 'Select red, amber or green']]);
    assert.match(bad.body, /<title>Error: /);
    assert.equal((await enquiry()).rag, null);

    const ok = await coordinator.post(`/mash/enquiries/${enquiryId}/rating`, { rag: 'amber', 'lock-version': String(lock) });
    assert.equal(ok.status, 302);
    assert.equal(ok.location, `/mash/enquiries/${enquiryId}`);
    const after = await coordinator.get(ok.location!);
    // Monday 10:00 + 24 working hours = Thursday 10:00.
    assert.match(text(after.body), /Rated Amber Checks with partner agencies and the decision are due by 26 November 2026 at 10am/);
    const e = await enquiry();
    assert.equal(e.rag, 'amber');
    assert.equal(e.status, 'checks');
    assert.match(after.body, /Change the rating/);
    assert.match(text(after.body), /First rating/);

    const noReason = await coordinator.post(`/mash/enquiries/${enquiryId}/rating`, { rag: 'red', 'lock-version': String(e.lock_version) });
    assert.equal(noReason.status, 400);
    assert.deepEqual(errorSummary(noReason.body), [['#reason', 'Enter why the rating is changing']]);
    assert.equal((await enquiry()).rag, 'amber');

    const stale = await coordinator.post(`/mash/enquiries/${enquiryId}/rating`, { rag: 'red', reason: 'Police report overnight', 'lock-version': String(lock) });
    assert.equal(stale.status, 409);
    assert.match(stale.body, /Another person changed this MASH enquiry while you were working on it/);
    assert.match(stale.body, /govuk-error-summary/);
    assert.equal((await enquiry()).rag, 'amber');

    // A CADS worker may not rate.
    assert.equal((await worker.post(`/mash/enquiries/${enquiryId}/rating`, { rag: 'red', 'lock-version': String(e.lock_version) })).status, 403);
  });

  test('sending requests: none chosen is an error; police, health and education are asked and shown as sent', async () => {
    const none = await coordinator.post(`/mash/enquiries/${enquiryId}/requests`, {});
    assert.equal(none.status, 400);
    assert.deepEqual(errorSummary(none.body), [['#agencies', 'Select at least one agency']]);
    assert.equal((await ctx.db.selectFrom('mash_check_requests').select('id').where('enquiry_id', '=', enquiryId).execute()).length, 0);

    const sent = await coordinator.post(`/mash/enquiries/${enquiryId}/requests`, { agencies: ['police', 'health', 'education'] });
    assert.equal(sent.status, 302);
    const page = await coordinator.get(`/mash/enquiries/${enquiryId}`);
    assert.match(text(page.body), /Requests sent Asked for checks: Police, Health \(GP, health visiting, school nursing, hospitals\), Education\./);
    assert.match(text(page.body), /0 of 3 answered/);
    assert.match(text(page.body), /Already asked: Police, Health \(GP, health visiting, school nursing, hospitals\), Education\./);
    assert.doesNotMatch(page.body, /value="police"/);
    assert.match(page.body, /id="request-police"/);
    for (const r of await ctx.db.selectFrom('mash_check_requests').select(['id', 'agency_code']).where('enquiry_id', '=', enquiryId).execute()) {
      requestIds[r.agency_code] = r.id;
    }
    assert.deepEqual(Object.keys(requestIds).sort(), ['education', 'health', 'police']);
    const dash = text((await coordinator.get('/mash')).body);
    assert.match(dash, /0 of 3 answered/);
  });

  test('a partner sees only their agency’s requests, and another agency’s request is not found', async () => {
    const list = await police.get('/mash/requests');
    assert.equal(list.status, 200);
    assert.match(list.body, new RegExp(`href="/mash/requests/${requestIds.police}">${reference}</a>`));
    assert.doesNotMatch(list.body, new RegExp(requestIds.health!));
    assert.doesNotMatch(list.body, new RegExp(requestIds.education!));
    assert.match(text(list.body), /Norfolk County Council|Norfolk/);
    assert.match(text(list.body), /1 request waiting/);
    // Another agency's request, by its real id: not found, as a guessed one would be.
    assert.equal((await police.get(`/mash/requests/${requestIds.health}`)).status, 404);
    assert.equal((await police.post(`/mash/requests/${requestIds.health}/responses`, goodResponse)).status, 404);
    assert.equal((await responsesTo(requestIds.health!)).length, 0);
    // An agency that was not asked has nothing.
    assert.match((await probation.get('/mash/requests')).body, /There are no requests waiting/);

    const one = await police.get(`/mash/requests/${requestIds.police}`);
    assert.equal(one.status, 200);
    assert.match(text(one.body), /Kayleigh Thistlewood Child the enquiry is about 6 May 2015/);
    assert.match(one.body, /What does each agency know about the children/);
    // Only what they need to search: never the reason, the concern or the outcome.
    assert.doesNotMatch(one.body, /MASH checks agreed in conversation/);
    assert.doesNotMatch(one.body, /Weight loss|Faltering growth/);
    assert.match(one.body, /Your agency has not responded yet/);
  });

  test('a response with mistakes shows the errors and saves nothing', async () => {
    const missing = await police.post(`/mash/requests/${requestIds.police}/responses`, { kind: 'response' });
    assert.equal(missing.status, 400);
    assert.deepEqual(errorSummary(missing.body).map(([href]) => href), ['#holds', '#sourceSystem', '#checkedOn-day', '#lawfulBasisCode']);

    const noKind = await police.post(`/mash/requests/${requestIds.police}/responses`, {});
    assert.deepEqual(errorSummary(noKind.body), [['#kind', 'Select whether this is a response, a question or a correction']]);

    const badDate = await police.post(`/mash/requests/${requestIds.police}/responses`, { ...goodResponse, 'checkedOn-day': '31', 'checkedOn-month': '2' });
    assert.equal(badDate.status, 400);
    assert.deepEqual(errorSummary(badDate.body), [['#checkedOn-day', 'The date you checked must be a real date']]);
    // What they typed is kept.
    assert.match(badDate.body, /Two domestic incidents at the address in 2026/);

    const future = await police.post(`/mash/requests/${requestIds.police}/responses`, { ...goodResponse, 'checkedOn-day': '24' });
    assert.deepEqual(errorSummary(future.body), [['#checkedOn-day', 'The date you checked must be today or in the past']]);

    const both = await police.post(`/mash/requests/${requestIds.police}/responses`, { ...goodResponse, nothingKnown: 'yes' });
    assert.deepEqual(errorSummary(both.body).map(([href]) => href), ['#holds']);

    assert.equal((await responsesTo(requestIds.police!)).length, 0);
    assert.equal((await ctx.db.selectFrom('mash_check_requests').select('status').where('id', '=', requestIds.police!).executeTakeFirstOrThrow()).status, 'open');
  });

  test('a response is sent with a success banner, shown without an edit link, and can be corrected', async () => {
    const res = await police.post(`/mash/requests/${requestIds.police}/responses`, goodResponse);
    assert.equal(res.status, 302);
    assert.equal(res.location, `/mash/requests/${requestIds.police}`);
    const page = await police.get(res.location!);
    assert.match(page.body, /govuk-notification-banner--success/);
    assert.match(text(page.body), /Response sent/);
    assert.match(text(page.body), /Two domestic incidents at the address in 2026/);
    assert.match(text(page.body), /Answered on time/);
    const saved = await responsesTo(requestIds.police!);
    assert.equal(saved.length, 1);
    assert.equal(saved[0]!.checked_on, '2026-11-23');
    assert.equal(saved[0]!.source_system, 'Athena');
    // Immutable: no change link, only a correction.
    assert.doesNotMatch(page.body, />Change</);
    assert.match(page.body, new RegExp(`href="/mash/requests/${requestIds.police}\\?correct=${saved[0]!.id}#kind"`));

    const correcting = await police.get(`/mash/requests/${requestIds.police}?correct=${saved[0]!.id}`);
    assert.match(correcting.body, /value="correction" checked/);

    const noTarget = await police.post(`/mash/requests/${requestIds.police}/responses`, { ...goodResponse, kind: 'correction' });
    assert.equal(noTarget.status, 400);
    assert.deepEqual(errorSummary(noTarget.body).map(([href]) => href), ['#correctsId']);

    const corrected = await police.post(`/mash/requests/${requestIds.police}/responses`, {
      ...goodResponse, kind: 'correction', correctsId: saved[0]!.id, holds: 'Three domestic incidents at the address in 2026',
    });
    assert.equal(corrected.status, 302);
    const after = text((await police.get(`/mash/requests/${requestIds.police}`)).body);
    assert.match(after, /Correction sent/);
    assert.match(after, /Corrected later/);
    assert.equal((await responsesTo(requestIds.police!)).length, 2);
    assert.equal((await responsesTo(requestIds.police!))[0]!.holds, 'Two domestic incidents at the address in 2026');
  });

  test('a question to the MASH keeps the request open', async () => {
    const empty = await health.post(`/mash/requests/${requestIds.health}/responses`, { kind: 'question' });
    assert.deepEqual(errorSummary(empty.body), [['#question', 'Enter your question for the MASH']]);
    const asked = await health.post(`/mash/requests/${requestIds.health}/responses`, { kind: 'question', question: 'Is the baby registered with a GP under another surname?' });
    assert.equal(asked.status, 302);
    assert.match(text((await health.get(asked.location!)).body), /Question sent/);
    assert.equal((await ctx.db.selectFrom('mash_check_requests').select('status').where('id', '=', requestIds.health!).executeTakeFirstOrThrow()).status, 'open');
  });

  test('past the deadline, open requests show as overdue; a late response shows as late', async () => {
    // Thursday 26 November, 11:00: an hour past the amber deadline.
    ctx.clock.set('2026-11-26T11:00:00Z');
    const dash = await coordinator.get('/mash');
    assert.match(text(dash.body), /1 of 3 answered/);
    assert.match(text(dash.body), /2 overdue/);
    assert.match(dash.body, /data-figure="overdue-requests">2</);
    assert.match(text((await coordinator.get('/mash?overdue=yes')).body), new RegExp(reference));
    const list = text((await education.get('/mash/requests')).body);
    assert.match(list, /Overdue overdue by 1 hour/);

    const late = await education.post(`/mash/requests/${requestIds.education}/responses`, {
      kind: 'response', nothingKnown: 'yes', sourceSystem: 'SIMS', 'checkedOn-day': '26', 'checkedOn-month': '11', 'checkedOn-year': '2026', lawfulBasisCode: 'public-task-children-act',
    });
    assert.equal(late.status, 302);
    assert.match(text((await education.get(late.location!)).body), /Late/);
    const healthAnswer = await health.post(`/mash/requests/${requestIds.health}/responses`, { ...goodResponse, holds: 'Registered with Riverside surgery; missed two appointments', sourceSystem: 'SystmOne' });
    assert.equal(healthAnswer.status, 302);
    assert.equal((await enquiry()).status, 'collation');
  });

  test('collation shows every agency side by side, with the question, the correction and the late response', async () => {
    const res = await worker.get(`/mash/enquiries/${enquiryId}/collation`);
    assert.equal(res.status, 200);
    const page = text(res.body);
    assert.match(page, /Kayleigh Thistlewood/);
    for (const agency of ['police', 'health', 'education']) assert.match(res.body, new RegExp(`id="agency-${agency}"`));
    assert.match(page, /Question Health \(GP, health visiting, school nursing, hospitals\) asked the MASH/);
    assert.match(page, /Is the baby registered with a GP under another surname\?/);
    assert.match(page, /Corrected later/);
    assert.match(page, /Corrects the response of 23 November 2026/);
    assert.match(page, /Nothing known/);
    assert.match(page, /Late/);
    assert.match(page, /UK GDPR Article 6\(1\)\(e\) public task/);
    assert.match(page, /PC Amy Lowe/);
    // No decision form until the analysis is saved, and never for a worker.
    assert.doesNotMatch(res.body, /name="decisionCode"/);
    assert.equal((await police.get(`/mash/enquiries/${enquiryId}/collation`)).status, 403);
  });

  test('the analysis: blanks are errors; saved, it goes to a team manager, who decides', async () => {
    const lock = (await enquiry()).lock_version;
    const blank = await worker.post(`/mash/enquiries/${enquiryId}/analysis`, { 'lock-version': String(lock), risks: 'Domestic abuse' });
    assert.equal(blank.status, 400);
    assert.deepEqual(errorSummary(blank.body), [['#strengths', 'Enter the strengths'], ['#unknowns', 'Enter what is unknown']]);
    assert.match(blank.body, />Domestic abuse</);
    assert.equal((await enquiry()).analysed_at, null);

    const saved = await worker.post(`/mash/enquiries/${enquiryId}/analysis`, {
      'lock-version': String(lock), risks: 'Domestic abuse at the address', strengths: 'School attendance is good', unknowns: 'Whether father still visits',
    });
    assert.equal(saved.status, 302);
    assert.equal((await enquiry()).status, 'decision');
    const asWorker = await worker.get(`/mash/enquiries/${enquiryId}/collation`);
    assert.match(text(asWorker.body), /Analysis saved/);
    assert.doesNotMatch(asWorker.body, /name="decisionCode"/);

    const asManager = await manager.get(`/mash/enquiries/${enquiryId}/collation`);
    assert.match(asManager.body, /name="decisionCode"/);
    assert.match(asManager.body, /Child and family assessment/);
    assert.equal((await coordinator.post(`/mash/enquiries/${enquiryId}/decision`, { decisionCode: 'early-help', rationale: 'x' })).status, 403);

    const lock2 = (await enquiry()).lock_version;
    const noChoice = await manager.post(`/mash/enquiries/${enquiryId}/decision`, { 'lock-version': String(lock2) });
    assert.equal(noChoice.status, 400);
    assert.deepEqual(errorSummary(noChoice.body), [['#decisionCode', 'Select what happens next'], ['#rationale', 'Enter the reasons for the decision']]);
    assert.equal((await enquiry()).status, 'decision');

    const decided = await manager.post(`/mash/enquiries/${enquiryId}/decision`, {
      'lock-version': String(lock2), decisionCode: 'child-and-family-assessment', rationale: 'Repeated domestic abuse; needs assessment',
    });
    assert.equal(decided.status, 302);
    assert.equal(decided.location, `/mash/enquiries/${enquiryId}`);
    const page = text((await manager.get(decided.location!)).body);
    assert.match(page, /Decision recorded/);
    assert.match(page, /What happens next Child and family assessment/);
    assert.match(page, /Repeated domestic abuse; needs assessment/);
    const e = await enquiry();
    assert.equal(e.status, 'closed');
    assert.equal(e.decision_code, 'child-and-family-assessment');
    // Closed: no more rating or requests, and it leaves the open list.
    assert.doesNotMatch((await coordinator.get(`/mash/enquiries/${enquiryId}`)).body, /id="rating-form"/);
    assert.doesNotMatch((await coordinator.get('/mash')).body, new RegExp(reference));
    assert.match(text((await coordinator.get('/mash?status=closed')).body), new RegExp(`${reference}.*Decided`));
  });

  test('a manager opens an enquiry from a child’s record; missing reasons are errors and nothing is created', async () => {
    const count = async () => (await ctx.db.selectFrom('mash_enquiries').select('id').execute()).length;
    const before = await count();
    assert.match((await manager.get(`/people/${childId}`)).body, new RegExp(`href="/mash/enquiries/new\\?person=${childId}">Start a MASH enquiry</a>`));
    assert.doesNotMatch((await worker.get(`/people/${childId}`)).body, /Start a MASH enquiry/);
    const form = await manager.get(`/mash/enquiries/new?person=${childId}`);
    assert.equal(form.status, 200);
    assert.match(form.body, /Kayleigh Thistlewood/);
    assert.equal((await worker.get(`/mash/enquiries/new?person=${childId}`)).status, 403);

    const bad = await manager.post('/mash/enquiries', { person: childId, children: childId, reason: '', questions: '' });
    assert.equal(bad.status, 400);
    assert.deepEqual(errorSummary(bad.body).map(([href]) => href), ['#reason', '#questions']);
    const noChild = await manager.post('/mash/enquiries', { person: childId, reason: 'Police notification', questions: 'Who lives there?' });
    assert.deepEqual(errorSummary(noChild.body), [['#children', 'Select at least one child']]);
    assert.equal(await count(), before);

    const ok = await manager.post('/mash/enquiries', { person: childId, children: childId, reason: 'Police notification of a domestic incident', questions: 'Who lives at the address?' });
    assert.equal(ok.status, 302);
    assert.match(ok.location!, /^\/mash\/enquiries\/[0-9a-f-]{36}$/);
    assert.equal(await count(), before + 1);
    const page = text((await manager.get(ok.location!)).body);
    assert.match(page, /opened Rate the enquiry red, amber or green/);
    assert.match(page, /Police notification of a domestic incident/);
  });
});
