/**
 * Early Help requests, end to end through the pages: a conversation whose outcome is an Early Help
 * request opens one for that child (and only that child), prefilled from the conversation; the CADS
 * worker completes it and cannot send it without the family's consent; sending queues the email to
 * the team; the Early Help team's queue, its accept / decline / close, the export and the
 * chronology line.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  createTestContext, createTestApp, createUser, createServiceAccount, signedInAgent, errorSummary, cleanUp,
  type Agent, type TestContext,
} from '../../../test/support/harness.js';
import { EarlyHelpService } from './early-help.service.js';

let ctx: TestContext;
let app: FastifyInstance;
let cads: Agent;
let earlyHelp: Agent;
let manager: Agent;
let partner: Agent;
let stokeEarlyHelp: Agent;
let cadsEmail: string;
let token: string;

const NOW = '2026-11-23T10:00:00Z';

const requestsOf = (conversationId: string) => ctx.db.selectFrom('early_help_requests').selectAll().where('conversation_id', '=', conversationId).orderBy('reference').execute();
const requestRow = (id: string) => ctx.db.selectFrom('early_help_requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

async function person(givenName: string, familyName: string, dateOfBirth: string): Promise<string> {
  const auth = { authorization: `Bearer ${token}` };
  const res = await app.inject({ method: 'POST', url: '/api/v1/people', headers: auth, payload: { givenName, familyName, dateOfBirth, sex: 'F', differentChildReason: 'Test fixture: a child of its own' } });
  assert.equal(res.statusCode, 201, `creating ${givenName} failed: ${res.body}`);
  return res.json().id;
}

/** A completed conversation about two children: the first with an Early Help outcome, the second advice only. */
async function conversation(familyName: string): Promise<{ id: string; reference: string; child: string; other: string; mother: string }> {
  const child = await person('Ruby', familyName, '2016-03-04');
  const other = await person('Ollie', familyName, '2012-01-02');
  const mother = await person('Dawn', familyName, '1990-07-08');
  await ctx.db.insertInto('relationships').values({ id: randomUUID(), authority_id: 'norfolk', person_id: child, related_person_id: mother, relationship_type: 'mother', lives_with_child: true, created_by: null }).execute();
  const res = await app.inject({
    method: 'POST', url: '/api/v1/conversations', headers: { authorization: `Bearer ${token}` },
    payload: {
      caller: { type: 'professional', name: 'Mrs Patel', role: 'Head of year', agencyCode: 'school', phone: '01632 960 001', email: 'patel@school.example' },
      children: [
        { personId: child, whereNow: 'School', safeTonight: 'yes', outcomeCode: 'early-help-request', levelCode: '2', callerAgreed: true, nextSteps: 'Early Help request' },
        { personId: other, whereNow: 'School', safeTonight: 'yes', outcomeCode: 'advice-and-information', levelCode: '1', callerAgreed: true, nextSteps: 'None' },
      ],
      concernCategories: ['neglect'], concernDetail: 'Often late, tired', immediacy: 'not-immediate', parentsInformed: 'yes', consentGiven: 'yes',
      lawfulBasisCode: 'public-task-children-act', worries: 'Attendance has fallen to 80%', needsToHappen: 'Parenting support and help with mornings',
      complete: true, workerEmail: cadsEmail,
    },
  });
  assert.equal(res.statusCode, 201, `completing the conversation failed: ${res.body}`);
  return { id: res.json().id, reference: res.json().reference, child, other, mother };
}

const goodForm = (mother: string) => ({
  family: [mother], needs: ['school-attendance', 'parenting-support'], needsDetail: 'Mornings are hard',
  consent: 'yes', consentNotGivenReason: '', leadName: 'Mrs Patel', leadRole: 'Head of year', leadAgency: 'Oak Primary School', leadPhone: '01632 960 001', leadEmail: 'patel@school.example',
});

before(async () => {
  ctx = await createTestContext(NOW);
  app = await createTestApp(ctx);
  const c = await createUser(ctx, { role: 'cads-worker', displayName: 'Casey Day' });
  cadsEmail = c.email;
  cads = await signedInAgent(app, c.email);
  earlyHelp = await signedInAgent(app, (await createUser(ctx, { role: 'early-help-practitioner', displayName: 'Eva Help' })).email);
  manager = await signedInAgent(app, (await createUser(ctx, { role: 'team-manager' })).email);
  partner = await signedInAgent(app, (await createUser(ctx, { role: 'partner-practitioner' })).email);
  stokeEarlyHelp = await signedInAgent(app, (await createUser(ctx, { role: 'early-help-practitioner', authorityId: 'stoke-on-trent' })).email);
  token = await createServiceAccount(ctx, { role: 'cads-worker' });
});

after(async () => {
  await cleanUp(() => app?.close(), () => ctx?.close());
});

describe('Early Help requests', () => {
  let conv: Awaited<ReturnType<typeof conversation>>;
  let id: string;

  test('completing a conversation opens a request for the child with the Early Help outcome only, prefilled', async () => {
    conv = await conversation('Fletcher');
    const rows = await requestsOf(conv.id);
    assert.equal(rows.length, 1, 'one request: the other child’s outcome was advice');
    const r = rows[0]!;
    id = r.id;
    assert.equal(r.person_id, conv.child, 'the request is for the child with the Early Help outcome');
    assert.equal(r.status, 'details-needed', 'a new request needs its details');
    assert.match(r.reference, /^[A-Z]{2,5}-EH-\d{6}$/, 'it has a reference of its own');
    assert.equal(r.consent, 'yes', 'consent comes from the conversation');
    assert.equal(r.lead_name, 'Mrs Patel', 'the caller is proposed as lead professional');
    assert.equal(r.lead_role, 'Head of year', 'with their role');
    assert.ok(r.needs_detail?.includes('Parenting support') && r.needs_detail.includes('Attendance'), 'needs come from what needs to happen and the worries');
    const audit = await ctx.db.selectFrom('audit_events').selectAll().where('action', '=', 'early-help.request-created').where('entity_id', '=', id).execute();
    assert.equal(audit.length, 1, 'the creation is audited');
    assert.equal(audit[0]!.entity_type, 'early-help-request', 'with its entity type');

    // Completing the same version again (say, a retried hook) adds nothing.
    const c = await ctx.db.selectFrom('conversations').selectAll().where('id', '=', conv.id).executeTakeFirstOrThrow();
    const again = await ctx.db.transaction().execute((tx) => new EarlyHelpService(ctx).onConversationCompleted(tx, c, 1, null));
    assert.deepEqual(again, [], 'no second request for the same child and conversation');
  });

  test('the conversation record and the worker’s home page say to complete it', async () => {
    const page = await cads.get(`/conversations/${conv.id}`);
    assert.equal(page.status, 200, 'the record opens');
    assert.ok(page.body.includes('Complete the Early Help request for Ruby Fletcher'), 'the record page says what to do');
    const home = await cads.get('/');
    assert.ok(home.body.includes(`/early-help/${id}/edit`), 'the home page links to the form');
    const form = await cads.get(`/early-help/${id}/edit`);
    assert.equal(form.status, 200, 'the form opens');
    assert.ok(form.body.includes('Dawn Fletcher'), 'the family from the child’s record are offered');
    assert.ok(form.body.includes('value="Mrs Patel"'), 'the lead professional is prefilled');
  });

  test('sending needs the form complete, and nothing is saved when it is not', async () => {
    const before = await requestRow(id);
    const res = await cads.post(`/early-help/${id}/edit`, { action: 'send', needsDetail: 'Changed text that must not be saved', consent: '', leadName: '' });
    assert.equal(res.status, 400, 'the form comes back');
    const fields = errorSummary(res.body).map(([href]) => href);
    for (const f of ['#needs', '#consent', '#leadName', '#leadRole', '#leadAgency', '#leadPhone']) assert.ok(fields.includes(f), `an error for ${f}: ${fields.join(', ')}`);
    const after = await requestRow(id);
    assert.equal(after.needs_detail, before.needs_detail, 'nothing half-saved');
    assert.equal(after.lock_version, before.lock_version, 'the row is untouched');

    const badEmail = await cads.post(`/early-help/${id}/edit`, { ...goodForm(conv.mother), action: 'send', leadEmail: 'not an email' });
    assert.equal(badEmail.status, 400, 'a bad email is refused');
    assert.deepEqual(errorSummary(badEmail.body).map(([h]) => h), ['#leadEmail'], 'only the email is wrong');
    const stranger = await cads.post(`/early-help/${id}/edit`, { ...goodForm(conv.mother), action: 'send', family: [conv.other, randomUUID()] });
    assert.equal(stranger.status, 400, 'family must come from the child’s record');
  });

  test('without the family’s consent the request cannot be sent: it is saved as not agreed, with why', async () => {
    const send = await cads.post(`/early-help/${id}/edit`, { ...goodForm(conv.mother), action: 'send', consent: 'no', consentNotGivenReason: 'Mum does not want support' });
    assert.equal(send.status, 400, 'sending without consent is refused');
    assert.ok(errorSummary(send.body).some(([h, t]) => h === '#consent' && t.includes('cannot be sent')), 'and says why');
    assert.equal((await requestRow(id)).status, 'details-needed', 'nothing changed');
    const sent = await ctx.db.selectFrom('notifications').selectAll().where('subject_id', '=', id).execute();
    assert.equal(sent.length, 0, 'no email');

    const noReason = await cads.post(`/early-help/${id}/edit`, { ...goodForm(conv.mother), action: 'save', consent: 'no', consentNotGivenReason: '' });
    assert.equal(noReason.status, 400, 'a reason is needed');
    assert.deepEqual(errorSummary(noReason.body).map(([h]) => h), ['#consentNotGivenReason'], 'the reason field is named');

    const save = await cads.post(`/early-help/${id}/edit`, { ...goodForm(conv.mother), action: 'save', consent: 'no', consentNotGivenReason: 'Mum does not want support' });
    assert.equal(save.status, 302, 'saved');
    const r = await requestRow(id);
    assert.equal(r.status, 'consent-not-given', 'recorded as not agreed');
    assert.equal(r.consent_not_given_reason, 'Mum does not want support', 'with why');
    const page = await cads.get(`/early-help/${id}`);
    assert.ok(page.body.includes('Not sent: the family have not agreed'), `the page says it was not sent (status ${page.status})`);
  });

  test('with consent it is sent: status, email to the team inbox (no name), audit, in one go', async () => {
    const res = await cads.post(`/early-help/${id}/edit`, { ...goodForm(conv.mother), action: 'send' });
    assert.equal(res.status, 302, 'sent');
    const r = await requestRow(id);
    assert.equal(r.status, 'sent', 'status sent');
    assert.equal(r.sent_at?.toISOString(), new Date(NOW).toISOString(), 'sent now');
    assert.deepEqual(r.need_codes, ['school-attendance', 'parenting-support'], 'needs saved');
    assert.deepEqual(r.family_member_ids, [conv.mother], 'family saved');
    assert.equal(r.consent_not_given_reason, null, 'the old reason is cleared');
    const n = await ctx.db.selectFrom('notifications').selectAll().where('subject_type', '=', 'early-help-request').where('subject_id', '=', id).execute();
    assert.equal(n.length, 1, 'one email queued');
    assert.equal(n[0]!.kind, 'early-help-request', 'of the Early Help kind');
    assert.equal(n[0]!.to_address, ctx.profiles.get('norfolk').earlyHelp.teamEmail, 'to the team inbox');
    assert.ok(n[0]!.text_body.includes(r.reference) && n[0]!.text_body.includes(id), 'with the reference and a link');
    assert.ok(!/Ruby|Fletcher/.test(n[0]!.text_body + n[0]!.subject + n[0]!.html), 'naming no child');
    const audit = await ctx.db.selectFrom('audit_events').select(['person_id']).where('action', '=', 'early-help.request-sent').where('entity_id', '=', id).execute();
    assert.deepEqual(audit.map((a) => a.person_id).sort(), [conv.child, conv.mother].sort(), 'the sending is audited for the child and the family chosen');

    const again = await cads.post(`/early-help/${id}/edit`, { ...goodForm(conv.mother), action: 'send' });
    assert.equal(again.status, 409, 'a sent request cannot be changed or sent twice');
  });

  test('the queue is the Early Help team’s and managers’, not partners’', async () => {
    const q = await earlyHelp.get('/early-help');
    assert.equal(q.status, 200, 'the Early Help practitioner sees the queue');
    assert.ok(q.body.includes((await requestRow(id)).reference), 'with the request');
    assert.ok((await earlyHelp.get('/')).body.includes('1 Early Help request is waiting'), 'their home page says one is waiting');
    assert.equal((await manager.get('/early-help')).status, 200, 'a team manager sees it too');
    assert.equal((await partner.get('/early-help')).status, 403, 'a partner practitioner does not');
    assert.equal((await partner.get(`/early-help/${id}`)).status, 403, 'nor the request');
    assert.equal((await cads.get('/early-help')).status, 403, 'the queue is not CADS’s');
    const view = await earlyHelp.get(`/early-help/${id}`);
    assert.equal(view.status, 200, 'the practitioner opens it');
    assert.ok(view.body.includes('Ruby Fletcher') && view.body.includes('Dawn Fletcher') && view.body.includes(conv.reference), 'child, family and conversation reference shown');
    assert.ok(!view.body.includes('Attendance has fallen to 80%\n') && !view.body.includes('Often late, tired'), 'not the conversation itself');
    assert.ok(!view.body.includes(`href="/conversations/${conv.id}"`), 'and no link into CADS’s record');
    const audit = await ctx.db.selectFrom('audit_events').selectAll().where('action', '=', 'early-help.request-viewed').where('entity_id', '=', id).where('actor_role', '=', 'early-help-practitioner').execute();
    assert.ok(audit.length >= 1, 'the view is audited');
    assert.equal((await stokeEarlyHelp.get(`/early-help/${id}`)).status, 404, 'another authority’s request is not found');
    assert.equal((await stokeEarlyHelp.post(`/early-help/${id}/accept`, { allocatedTo: 'Team' })).status, 404, 'nor can they act on it');
    const stokeQueue = await stokeEarlyHelp.get('/early-help?status=all');
    assert.ok(!stokeQueue.body.includes('Ruby Fletcher'), 'nor is it in their queue');
  });

  test('accept, decline and close: each needs what it needs, and a wrong step is refused with 409', async () => {
    assert.equal((await earlyHelp.post(`/early-help/${id}/close`, {})).status, 409, 'a sent request cannot be closed before it is accepted');
    const empty = await earlyHelp.post(`/early-help/${id}/accept`, {});
    assert.equal(empty.status, 400, 'accepting needs an allocation');
    assert.deepEqual(errorSummary(empty.body).map(([h]) => h), ['#allocatedTo'], 'the field is named');
    ctx.clock.set('2026-11-24T09:00:00Z');
    const ok = await earlyHelp.post(`/early-help/${id}/accept`, { allocatedTo: 'North locality Early Help team', acceptNote: 'Family support worker to call' });
    assert.equal(ok.status, 302, 'accepted');
    const r = await requestRow(id);
    assert.equal(r.status, 'accepted', 'status accepted');
    assert.equal(r.allocated_to, 'North locality Early Help team', 'allocated');
    assert.equal(r.decided_at?.toISOString(), '2026-11-24T09:00:00.000Z', 'timestamped');
    assert.equal((await earlyHelp.post(`/early-help/${id}/accept`, { allocatedTo: 'Again' })).status, 409, 'cannot accept twice');
    assert.equal((await earlyHelp.post(`/early-help/${id}/decline`, { reasonCode: 'needs-met-elsewhere' })).status, 409, 'cannot decline once accepted');
    assert.equal((await cads.post(`/early-help/${id}/accept`, { allocatedTo: 'Me' })).status, 403, 'CADS cannot accept for the team');

    // The chronology and the conversation show where it stands.
    const record = await cads.get(`/people/${conv.child}`);
    assert.ok(record.body.includes('Early Help request: accepted'), 'the chronology says accepted');
    const page = await cads.get(`/conversations/${conv.id}`);
    assert.ok(page.body.includes('Accepted') && page.body.includes('Allocated to North locality Early Help team'), 'the conversation says accepted and to whom');

    ctx.clock.set('2026-12-20T09:00:00Z');
    assert.equal((await earlyHelp.post(`/early-help/${id}/close`, { closeNote: 'Support finished' })).status, 302, 'closed');
    assert.equal((await requestRow(id)).status, 'closed', 'status closed');
    const history = await ctx.db.selectFrom('early_help_status_changes').select(['from_status', 'to_status', 'changed_by', 'changed_at']).where('request_id', '=', id).orderBy('changed_at').orderBy('seq').execute();
    assert.deepEqual(history.map((h) => h.to_status), ['details-needed', 'consent-not-given', 'sent', 'accepted', 'closed'], 'every change of status is kept');
    assert.ok(history.slice(1).every((h) => h.changed_by), 'each by someone');
    const audited = await ctx.db.selectFrom('audit_events').select('details').where('action', '=', 'early-help.status-changed').where('entity_id', '=', id).execute();
    assert.equal(audited.length, 2, 'accept and close are audited');
  });

  test('declining needs a reason, which CADS sees in the chronology', async () => {
    ctx.clock.set(NOW);
    const c2 = await conversation('Greaves');
    const [r] = await requestsOf(c2.id);
    assert.ok(r, 'a request was opened');
    assert.equal((await earlyHelp.post(`/early-help/${r.id}/decline`, { reasonCode: 'needs-social-care' })).status, 409, 'an unsent request cannot be declined');
    assert.equal((await cads.post(`/early-help/${r.id}/edit`, { ...goodForm(c2.mother), action: 'send' })).status, 302, 'sent');
    const none = await earlyHelp.post(`/early-help/${r.id}/decline`, {});
    assert.equal(none.status, 400, 'a reason is needed');
    assert.deepEqual(errorSummary(none.body).map(([h]) => h), ['#reasonCode'], 'the reason is named');
    const other = await earlyHelp.post(`/early-help/${r.id}/decline`, { reasonCode: 'other' });
    assert.deepEqual(errorSummary(other.body).map(([h]) => h), ['#declineNote'], '“another reason” needs words');
    assert.equal((await earlyHelp.post(`/early-help/${r.id}/decline`, { reasonCode: 'needs-social-care', declineNote: 'Risk is higher than described' })).status, 302, 'declined');
    const row = await requestRow(r.id);
    assert.equal(row.status, 'declined', 'status declined');
    assert.equal(row.decline_reason_code, 'needs-social-care', 'with the reason');
    const record = await cads.get(`/people/${c2.child}`);
    assert.ok(record.body.includes('Early Help request: declined (Needs social care: back to CADS)'), 'the chronology says declined and why');
    assert.equal((await earlyHelp.post(`/early-help/${r.id}/close`, {})).status, 409, 'a declined request cannot be closed');
  });

  test('a correction that takes the Early Help outcome away withdraws a request not yet sent', async () => {
    const c4 = await conversation('Iredale');
    const [r] = await requestsOf(c4.id);
    assert.equal(r!.status, 'details-needed', 'opened');
    // The worker corrects the record: Ruby's outcome becomes advice.
    assert.equal((await cads.post(`/conversations/${c4.id}/amend`, { reason: 'Outcome recorded wrongly' })).status, 302, 'correction started');
    const lock = async () => String((await ctx.db.selectFrom('conversations').select('lock_version').where('id', '=', c4.id).executeTakeFirstOrThrow()).lock_version);
    const saved = await cads.post(`/conversations/${c4.id}/outcome`, {
      'lock-version': await lock(),
      'children-0-outcome': 'advice-and-information', 'children-0-level': '1', 'children-0-caller-agreed': 'yes', 'children-0-next-steps': 'None', 'children-0-next-steps-by': 'CADS',
      'children-1-outcome': 'advice-and-information', 'children-1-level': '1', 'children-1-caller-agreed': 'yes', 'children-1-next-steps': 'None', 'children-1-next-steps-by': 'CADS',
    });
    assert.equal(saved.status, 302, `outcome saved: ${errorSummary(saved.body).join('; ')}`);
    const done = await cads.post(`/conversations/${c4.id}/complete`, { 'lock-version': await lock() });
    assert.equal(done.status, 302, `correction completed: ${errorSummary(done.body).join('; ')}`);
    assert.equal((await requestsOf(c4.id)).length, 1, 'no new request');
    assert.equal((await requestRow(r!.id)).status, 'withdrawn', 'withdrawn');
    const home = await cads.get('/');
    assert.ok(!home.body.includes(`/early-help/${r!.id}/edit`), 'no longer on the worker’s home page');
    assert.equal((await earlyHelp.post(`/early-help/${r!.id}/accept`, { allocatedTo: 'X' })).status, 409, 'and the team cannot accept it');
  });

  test('the export is CSV with a header, ISO dates, safe cells, one audit row per child', async () => {
    const c3 = await conversation('Hale');
    const [r] = await requestsOf(c3.id);
    const sent = await cads.post(`/early-help/${r!.id}/edit`, { ...goodForm(c3.mother), action: 'send', leadName: '=HYPERLINK("http://evil.example","click")', needsDetail: '+cmd, with a comma' });
    assert.equal(sent.status, 302, 'sent with awkward text');
    const res = await earlyHelp.get('/early-help/export.csv?from=2026-11-01&to=2026-11-30&status=all');
    assert.equal(res.status, 200, 'the export downloads');
    assert.match(String(res.headers['content-type']), /^text\/csv/, 'as CSV');
    assert.match(String(res.headers['content-disposition']), /attachment/, 'as a file');
    assert.ok(res.body.startsWith('\uFEFF'), 'a byte-order mark, so spreadsheets read UTF-8 names');
    const lines = res.body.slice(1).split('\r\n');
    assert.ok(lines[0]!.startsWith('Reference,Status,Sent at,Child'), 'a header row');
    const hale = lines.find((l) => l.includes('Ruby Hale'));
    assert.ok(hale, 'the request is in it');
    assert.ok(hale.includes(`"'=HYPERLINK(""http://evil.example"",""click"")"`), `the formula is neutralised: ${hale}`);
    assert.ok(hale.includes(`"'+cmd, with a comma"`), 'a leading plus is neutralised and the comma quoted');
    assert.ok(hale.includes('2026-11-23T10:00:00.000Z'), 'dates are ISO');
    assert.equal(lines.filter((l) => l.includes('-EH-')).length, 3, 'all three sent requests of November');
    const audit = await ctx.db.selectFrom('audit_events').select('person_id').where('action', '=', 'early-help.exported').execute();
    assert.equal(audit.length, 3, 'one audit row per child');

    const onlyAccepted = await earlyHelp.get('/early-help/export.csv?status=accepted');
    assert.equal(onlyAccepted.body.split('\r\n').filter((l) => l.includes('-EH-')).length, 0, 'filtered by status (the accepted one is closed now)');
    const december = await earlyHelp.get('/early-help/export.csv?from=2026-12-01');
    assert.equal(december.body, '\uFEFF' + lines[0] + '\r\n', 'a period with nothing has just the header');
    assert.equal((await earlyHelp.get('/early-help/export.csv?from=yesterday')).status, 400, 'a bad date is refused');
    assert.equal((await manager.get('/early-help/export.csv')).status, 200, 'managers can export');
    assert.equal((await cads.get('/early-help/export.csv')).status, 403, 'CADS workers cannot');
    assert.equal((await partner.get('/early-help/export.csv')).status, 403, 'partners cannot');
  });
});
