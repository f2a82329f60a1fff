/**
 * issue10-E: retention rules from the profiles, the daily review at pinned dates, legal holds,
 * deletion that removes personal data everywhere but keeps the management information's figures,
 * and who may do any of it.
 *
 * The story, in Norfolk (the test clock is set to each record's date as it is made):
 * - Tamsin Fenwright-Oakes (born 15 Jan 2000) and her mother Rowena: one conversation in 2014 with
 *   a decision. Everything about them is due (Tamsin turned 25 in January 2025) and goes.
 * - Dylan Marchbank (born 1 Jun 2000): a conversation about him alone in 2014 (due), and one in 2015
 *   with his sister Esme (born 2012, not due until 2037). Only the first is deleted; Dylan's record
 *   stays, because the second conversation still names him.
 * - Harriet Quenby (born 9 Sep 2000): a conversation in 2014, due, but on legal hold until released.
 * - Xavier Pellingham, born on 29 Feb 2000, recorded twice and merged: due on 1 March 2025.
 * - Kit Alderney: a conversation in 2014 that opened a MASH enquiry (kept 35 years after the last
 *   contact), so the conversation is kept with it.
 * - Lola Brackenbury: a conversation that opened an Early Help request still waiting for details.
 * - A call nobody answered in 2015 (due after 6 years); a call that led to the 2015 conversation
 *   (kept with it); a partner's question from 2016; an audit entry from 1985.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { createTestApp, createTestContext, createUser, signedInAgent, type Agent, type TestContext } from '../../../test/support/harness.js';
import { AUDIT, conversation, decide, merge, person, principalOf, relate, testNhsNumber } from '../../../test/support/retention-fixtures.js';
import { readAuthorityProfiles } from '../../platform/authorities.js';
import type { Principal } from '../../platform/auth/roles.js';
import { QUEUES } from '../../platform/jobs.js';
import { MiService, NO_FILTERS } from '../mi/mi.service.js';
import { refreshManagementInformation } from '../mi/mi-refresh.js';
import { BeforeYouCallService } from '../before-you-call/before-you-call.service.js';
import { verifyAuditChain } from '../../platform/audit-chain.js';
import { RetentionService } from './retention.service.js';
import { startRetentionWorker } from './retention.worker.js';

let ctx: TestContext;
let app: FastifyInstance;
let worker: Principal;
let analyst: Principal;
let admin: Agent;
let stokeAdmin: Agent;
let cadsAgent: Agent;
let managerAgent: Agent;
const ids: Record<string, string> = {};
const TODAY = '2026-11-23T10:00:00Z';

before(async () => {
  ctx = await createTestContext(TODAY);
  app = await createTestApp(ctx);
  const w = await createUser(ctx, { role: 'cads-worker', displayName: 'Sam Ridley' });
  worker = await principalOf(ctx, w.id);
  analyst = await principalOf(ctx, (await createUser(ctx, { role: 'mi-analyst' })).id);
  admin = await signedInAgent(app, (await createUser(ctx, { role: 'administrator' })).email);
  stokeAdmin = await signedInAgent(app, (await createUser(ctx, { role: 'administrator', authorityId: 'stoke-on-trent' })).email);
  cadsAgent = await signedInAgent(app, w.email);
  managerAgent = await signedInAgent(app, (await createUser(ctx, { role: 'team-manager' })).email);

  ctx.clock.set('2014-03-01T10:00:00Z');
  ids.tamsin = await person(ctx, worker, { given: 'Tamsin', family: 'Fenwright-Oakes', dob: '2000-01-15', nhs: testNhsNumber(101), address: '17 Larkspur Row', postcode: 'NR2 4QT' });
  ids.rowena = await person(ctx, worker, { given: 'Rowena', family: 'Fenwright-Oakes', dob: '1978-03-03', householdOf: ids.tamsin });
  await relate(ctx, worker, ids.tamsin, ids.rowena, 'mother');
  ids.dylan = await person(ctx, worker, { given: 'Dylan', family: 'Marchbank', dob: '2000-06-01' });
  ids.esme = await person(ctx, worker, { given: 'Esme', family: 'Marchbank', dob: '2012-05-01', householdOf: ids.dylan });
  await relate(ctx, worker, ids.dylan, ids.esme, 'sibling');
  ids.harriet = await person(ctx, worker, { given: 'Harriet', family: 'Quenby', dob: '2000-09-09' });
  ids.xavier = await person(ctx, worker, { given: 'Xavier', family: 'Pellingham', dob: '2000-02-29' });
  ids.xander = await person(ctx, worker, { given: 'Xander', family: 'Pellingham', dob: '2000-02-29' });
  ids.kit = await person(ctx, worker, { given: 'Kit', family: 'Alderney', dob: '2000-04-04' });
  ids.lola = await person(ctx, worker, { given: 'Lola', family: 'Brackenbury', dob: '2000-07-07' });

  const c1 = await conversation(ctx, worker, {
    at: '2014-03-10T10:00:00Z', children: [{ personId: ids.tamsin, outcome: 'social-care-assessment', whereNow: 'At Larkspur nursery' }],
    worries: 'Tamsin was seen with bruising on her arm', concernDetail: 'Larkspur nursery staff worried',
  });
  ids.c1 = c1.id;
  await decide(ctx, worker, c1.id, ids.tamsin, '2014-03-11T10:00:00Z', 'Mum’s partner Darren Quill has a conviction');
  ids.c3 = (await conversation(ctx, worker, { at: '2014-05-12T10:00:00Z', children: [{ personId: ids.dylan, outcome: 'advice-and-information' }] })).id;
  ids.c4 = (await conversation(ctx, worker, { at: '2015-02-02T10:00:00Z', children: [{ personId: ids.dylan, outcome: 'advice-and-information' }, { personId: ids.esme, outcome: 'advice-and-information' }] })).id;
  ids.c5 = (await conversation(ctx, worker, { at: '2014-06-02T10:00:00Z', children: [{ personId: ids.harriet, outcome: 'advice-and-information' }] })).id;
  ids.c6 = (await conversation(ctx, worker, { at: '2014-07-07T10:00:00Z', children: [{ personId: ids.xander, outcome: 'advice-and-information' }] })).id;
  ids.c7 = (await conversation(ctx, worker, { at: '2014-08-04T10:00:00Z', children: [{ personId: ids.xavier, outcome: 'advice-and-information' }] })).id;
  ctx.clock.set('2014-09-01T10:00:00Z');
  await merge(ctx, worker, ids.xander, ids.xavier);
  ids.c8 = (await conversation(ctx, worker, { at: '2014-10-06T10:00:00Z', children: [{ personId: ids.kit, outcome: 'mash-checks' }] })).id;
  ids.c9 = (await conversation(ctx, worker, { at: '2014-11-03T10:00:00Z', children: [{ personId: ids.lola, outcome: 'early-help-request' }] })).id;
  ids.earlyHelp = (await ctx.db.selectFrom('early_help_requests').select('id').where('conversation_id', '=', ids.c9).executeTakeFirstOrThrow()).id;
  ids.mash = (await ctx.db.selectFrom('mash_enquiries').select('id').where('conversation_id', '=', ids.c8).executeTakeFirstOrThrow()).id;

  ids.call1 = randomUUID();
  ids.call2 = randomUUID();
  await ctx.db.insertInto('calls').values([
    { id: ids.call1, authority_id: 'norfolk', source: 'twilio', external_id: `CA${ids.call1.replace(/-/g, '')}`, line_id: 'professionals', dialled_number: '+443448008021', caller_number: '+447700900111', state: 'ended', outcome: 'abandoned', offered_at: '2015-03-02T09:00:00Z', ended_at: '2015-03-02T09:03:00Z', updated_at: '2015-03-02T09:03:00Z' },
    { id: ids.call2, authority_id: 'norfolk', source: 'twilio', external_id: `CA${ids.call2.replace(/-/g, '')}`, line_id: 'professionals', dialled_number: '+443448008021', caller_number: '+447700900222', state: 'ended', outcome: 'answered', offered_at: '2015-02-02T09:55:00Z', answered_at: '2015-02-02T09:56:00Z', ended_at: '2015-02-02T10:20:00Z', worker_id: worker.id, conversation_id: ids.c4, updated_at: '2015-02-02T10:20:00Z' },
  ]).execute();
  ctx.clock.set('2016-01-04T10:00:00Z');
  ids.question = await new BeforeYouCallService(ctx).submitQuestion('norfolk', { name: 'Gwen Tallis', email: 'gwen.tallis@school.example.org', organisation: 'Larkspur Primary', question: 'Can I call about a child in Year 2?' }, AUDIT);
  // An entry from long ago: entries can be added, never changed.
  await ctx.db.insertInto('audit_events').values({ occurred_at: '1985-06-01T10:00:00Z', authority_id: 'norfolk', action: 'conversation.viewed', entity_type: 'conversation', details: '{}' }).execute();
  ctx.clock.set(TODAY);
});

after(async () => {
  await app?.close();
  await ctx?.close();
});

const service = () => new RetentionService(ctx);
const listed = async () =>
  (await ctx.db.selectFrom('retention_reviews').select(['id', 'record_type', 'record_id', 'review_on', 'dispose_on', 'still_open', 'entries']).where('authority_id', '=', 'norfolk').where('erased_at', 'is', null).execute());
const byRecord = async () => new Map((await listed()).map((r) => [r.record_id, r]));

test('each profile’s retention rules are read and checked at start', () => {
  const profiles = new Map(readAuthorityProfiles().map((p) => [p.id, p]));
  const norfolk = profiles.get('norfolk')!.retention;
  assert.equal(norfolk.reviewMonthsBefore, 3, 'Norfolk reviews three months ahead');
  assert.equal(profiles.get('staffordshire')!.retention.reviewMonthsBefore, 6, 'Staffordshire six');
  assert.deepEqual({ trigger: norfolk.rules.conversations.trigger, years: norfolk.rules.conversations.years }, { trigger: 'childs-birthday', years: 25 }, 'conversations to the 25th birthday');
  assert.deepEqual({ trigger: norfolk.rules.mashEnquiries.trigger, years: norfolk.rules.mashEnquiries.years, action: norfolk.rules.mashEnquiries.action }, { trigger: 'last-contact', years: 35, action: 'review' }, 'MASH enquiries 35 years after the last contact');
  assert.equal(norfolk.rules.calls.years, 6, 'calls six years');
  assert.equal(norfolk.rules.auditEntries.action, 'review', 'audit entries are only reviewed');
  for (const p of profiles.values()) {
    for (const [type, rule] of Object.entries(p.retention.rules)) {
      assert.ok(rule.basis.length > 20, `${p.id} ${type} says where its period comes from`);
      assert.equal(rule.setByCouncil, true, `${p.id} ${type}: the reference fixes none of these by statute`);
    }
  }
});

test('the daily review lists nothing before a record’s review date and lists it for review from then', async () => {
  // Tamsin turns 25 on 15 January 2025: reviewed from 15 October 2024.
  await service().review('norfolk', new Date('2024-10-14T12:00:00Z'));
  assert.equal((await byRecord()).get(ids.c1!), undefined, 'the day before the review date');
  await service().review('norfolk', new Date('2024-10-15T12:00:00Z'));
  const c1 = (await byRecord()).get(ids.c1!);
  assert.ok(c1, 'listed on the review date');
  assert.deepEqual([c1.review_on, c1.dispose_on], ['2024-10-15', '2025-01-15'], 'the review and disposal dates');
  const conversations = (await listed()).filter((r) => r.record_type === 'conversations');
  assert.deepEqual(conversations.map((r) => r.record_id), [ids.c1], 'no other conversation yet');
});

test('at the pinned date the review lists what is due, by each type’s rule', async () => {
  await service().review('norfolk', new Date(TODAY));
  const m = await byRecord();
  for (const c of ['c1', 'c3', 'c5', 'c6', 'c7', 'c9']) assert.ok(m.get(ids[c]!), `conversation ${c} is due`);
  assert.equal(m.get(ids.c4!), undefined, 'the 2015 conversation is kept to Esme’s 25th birthday');
  assert.equal(m.get(ids.c8!), undefined, 'the conversation that opened a MASH enquiry is kept as long as the enquiry');
  assert.equal(m.get(ids.mash!), undefined, 'the MASH enquiry: 35 years after the last contact');
  assert.equal(m.get(ids.c6!)!.dispose_on, '2025-03-01', 'born on 29 February: 25 on 1 March 2025');
  assert.equal(m.get(ids.c7!)!.dispose_on, '2025-03-01', 'the merged record has the same date');
  assert.equal(m.get(ids.c3!)!.dispose_on, '2025-06-01', 'Dylan turned 25 on 1 June 2025');
  assert.ok(m.get(ids.earlyHelp!)?.still_open, 'the Early Help request is listed, and still open');
  assert.equal(m.get(ids.call1!)!.dispose_on, '2021-03-02', 'the unanswered call: six years');
  assert.equal(m.get(ids.call2!), undefined, 'the call that led to the 2015 conversation is kept with it');
  assert.equal(m.get(ids.question!)!.dispose_on, '2022-01-04', 'the partner’s question: six years');
  assert.equal(m.get('1985')!.entries, 1, 'the 1985 audit entries, for review');
  const stoke = await ctx.db.selectFrom('retention_reviews').select('id').where('authority_id', '=', 'stoke-on-trent').execute();
  assert.equal(stoke.length, 0, 'nothing of Norfolk’s is listed for Stoke-on-Trent');
  const audit = await ctx.db.selectFrom('audit_events').select(['details', 'authority_id']).where('action', '=', 'retention.reviewed').orderBy('id', 'desc').executeTakeFirstOrThrow();
  assert.equal(audit.authority_id, 'norfolk', 'the run is audited for the authority');
});

test('the daily job runs through the job queue', async () => {
  await ctx.db.deleteFrom('retention_runs').execute();
  await startRetentionWorker(ctx, 0.5);
  await ctx.jobs.sendNow(QUEUES.retentionReview, {});
  let runs: { authority_id: string }[] = [];
  for (let i = 0; i < 300 && runs.length < 3; i++) {
    runs = await ctx.db.selectFrom('retention_runs').select('authority_id').execute();
    if (runs.length < 3) await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(runs.map((r) => r.authority_id).sort(), ['norfolk', 'staffordshire', 'stoke-on-trent'], 'every authority reviewed by the job');
});

test('only administrators of the authority see or change any of it', async () => {
  for (const agent of [cadsAgent, managerAgent]) {
    assert.equal((await agent.get('/admin/retention')).status, 403, 'the overview');
    assert.equal((await agent.get('/admin/retention/conversations')).status, 403, 'a list');
    assert.equal((await agent.post('/admin/retention/delete', { confirm: 'yes' })).status, 403, 'deleting');
    assert.equal((await agent.post('/admin/retention/holds', { subject: `person:${ids.harriet}`, reason: 'x' })).status, 403, 'a hold');
  }
  const review = (await byRecord()).get(ids.c1!)!;
  assert.equal((await stokeAdmin.get(`/admin/retention/reviews/${review.id}`)).status, 404, 'another authority’s review is not found');
  assert.equal((await stokeAdmin.post(`/admin/retention/reviews/${review.id}`, { decision: 'delete' })).status, 404, 'nor can it be decided');
  assert.equal((await stokeAdmin.post('/admin/retention/holds', { subject: `person:${ids.harriet}`, reason: 'Court case' })).status, 404, 'nor a hold placed on another authority’s child');
  const page = await stokeAdmin.get('/admin/retention/conversations');
  assert.equal(page.status, 200, 'Stoke-on-Trent’s own list');
  assert.ok(!page.body.includes(review.id), 'shows none of Norfolk’s');
  const found = await stokeAdmin.post('/admin/retention/holds/find', { query: (await ctx.db.selectFrom('conversations').select('reference').where('id', '=', ids.c5!).executeTakeFirstOrThrow()).reference });
  assert.equal(found.status, 404, 'another authority’s reference finds nothing');
});

test('the pages list what is due with the rule, and refuse bad decisions with an error summary', async () => {
  const overview = await admin.get('/admin/retention');
  assert.equal(overview.status, 200, 'the overview');
  assert.match(overview.body, /Until the 25th birthday of the youngest child it is about, then deleted/, 'the rule in words');
  const list = await admin.get('/admin/retention/conversations');
  const ref = (await ctx.db.selectFrom('conversations').select('reference').where('id', '=', ids.c1!).executeTakeFirstOrThrow()).reference;
  assert.ok(list.body.includes(ref), 'the due conversation is on the list by its reference');
  assert.ok(!list.body.includes('Fenwright'), 'the list names no child');
  const review = (await byRecord()).get(ids.c1!)!;
  const bad = await admin.post(`/admin/retention/reviews/${review.id}`, { decision: 'keep', 'keep-until-day': '1', 'keep-until-month': '1', 'keep-until-year': '2020', reason: '' });
  assert.equal(bad.status, 400, 'refused');
  assert.match(bad.body, /The date to keep the record until must be in the future/, 'a date in the past');
  assert.match(bad.body, /Enter why the record should be kept/, 'no reason');
  const none = await admin.post('/admin/retention/conversations/approve', {});
  assert.equal(none.status, 400, 'approving nothing');
  assert.match(none.body, /Select the records to approve for deletion/, 'says what to do');
  const audit = await admin.post(`/admin/retention/reviews/${(await byRecord()).get('1985')!.id}`, { decision: 'delete' });
  assert.equal(audit.status, 409, 'audit entries cannot be approved for deletion');
});

/** Every table of the test's schema except the audit log, searched as text for each string. */
async function tablesHolding(strings: string[]): Promise<string[]> {
  const tables = (await sql<{ t: string }>`select table_name as t from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(ctx.db)).rows
    .map((r) => r.t)
    .filter((t) => !['audit_events', 'audit_chain'].includes(t));
  const found: string[] = [];
  for (const t of tables) {
    for (const s of strings) {
      const n = (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(t)} x where x::text ilike ${'%' + s + '%'}`.execute(ctx.db)).rows[0]!.n;
      if (n > 0) found.push(`${t}: ${s}`);
    }
  }
  return found;
}

const TAMSIN = ['Fenwright', 'Larkspur Row', 'Larkspur nursery', 'Darren Quill', testNhsNumber(101), 'bruising on her arm'];

test('deletion removes the personal data everywhere, keeps the figures, and a hold stops it', async () => {
  // A hold on Harriet (placed on the page, with its reason).
  const ref5 = (await ctx.db.selectFrom('conversations').select('reference').where('id', '=', ids.c5!).executeTakeFirstOrThrow()).reference;
  const found = await admin.post('/admin/retention/holds/find', { query: ref5 });
  assert.equal(found.status, 200, 'the record is found by its reference');
  assert.match(found.body, /Harriet Quenby/, 'and the child in it');
  const noReason = await admin.post('/admin/retention/holds', { subject: `person:${ids.harriet}`, reason: '', query: ref5 });
  assert.equal(noReason.status, 400, 'a hold needs a reason');
  const placed = await admin.post('/admin/retention/holds', { subject: `person:${ids.harriet}`, reason: 'Family court proceedings, case FD26P00123', query: ref5 });
  assert.equal(placed.status, 303, 'hold placed');
  const holdId = (await ctx.db.selectFrom('legal_holds').select('id').where('subject_id', '=', ids.harriet!).executeTakeFirstOrThrow()).id;

  // Every listed record approved (audit entries cannot be).
  const rows = await listed();
  for (const type of ['conversations', 'calls', 'partner-questions', 'early-help-requests']) {
    const key = { conversations: 'conversations', calls: 'calls', 'partner-questions': 'partnerQuestions', 'early-help-requests': 'earlyHelpRequests' }[type]!;
    const res = await admin.post(`/admin/retention/${type}/approve`, { ids: rows.filter((r) => r.record_type === key).map((r) => r.id) });
    assert.equal(res.status, 303, `approve ${type}`);
  }

  // The figures before.
  await refreshManagementInformation(ctx.db, ctx.profiles, ctx.clock.now());
  const period = { from: '2014-01-01', to: '2015-12-31' };
  const mi = new MiService(ctx);
  const figures = async () => {
    const strip = ({ asOf: _a, waiting: _w, ...rest }: Awaited<ReturnType<MiService['dashboard']>>) => rest;
    return { facts: strip(await mi.dashboard(analyst, period, NO_FILTERS, { source: 'facts' })), daily: strip(await mi.dashboard(analyst, period, NO_FILTERS, { source: 'daily' })) };
  };
  const beforeFigures = await figures();
  assert.equal(beforeFigures.facts.volume.conversations, 8, 'eight conversations in the period');
  assert.ok((await tablesHolding(TAMSIN)).length > 0, 'the search finds Tamsin’s details before the deletion');

  const confirmMissing = await admin.post('/admin/retention/delete', {});
  assert.equal(confirmMissing.status, 400, 'deleting must be confirmed');
  const page = await admin.get('/admin/retention/delete');
  assert.match(page.body, /on legal hold/, 'the confirmation page says what is held back');
  const done = await admin.post('/admin/retention/delete', { confirm: 'yes' });
  assert.equal(done.status, 303, 'deleted');

  const erased = async (table: 'conversations' | 'persons' | 'calls' | 'early_help_requests' | 'before_you_call_questions', id: string) =>
    (await sql<{ at: Date | null }>`select erased_at as at from ${sql.table(table)} where id = ${id}`.execute(ctx.db)).rows[0]!.at !== null;
  for (const c of ['c1', 'c3', 'c6', 'c7', 'c9']) assert.ok(await erased('conversations', ids[c]!), `conversation ${c} deleted`);
  assert.ok(!(await erased('conversations', ids.c5!)), 'Harriet’s conversation is on hold');
  assert.ok(!(await erased('conversations', ids.c4!)), 'the conversation about Dylan and Esme is untouched');
  assert.ok(!(await erased('early_help_requests', ids.earlyHelp!)), 'the open Early Help request is not deleted');
  assert.ok(await erased('calls', ids.call1!), 'the unanswered call');
  assert.ok(await erased('before_you_call_questions', ids.question!), 'the partner’s question');
  for (const p of ['tamsin', 'rowena', 'xavier', 'xander']) assert.ok(await erased('persons', ids[p]!), `${p}’s record anonymised`);
  for (const p of ['dylan', 'esme', 'harriet', 'kit', 'lola']) assert.ok(!(await erased('persons', ids[p]!)), `${p}’s record kept`);

  assert.deepEqual(await tablesHolding(TAMSIN), [], 'nothing about Tamsin is left in any table but the audit log');
  assert.deepEqual(await tablesHolding(['Pellingham', 'Gwen Tallis', 'Larkspur Primary', '+447700900111']), [], 'nor about Xavier (both records), the partner’s question or the call');
  const v1 = await ctx.db.selectFrom('conversation_versions').selectAll().where('conversation_id', '=', ids.c1!).executeTakeFirstOrThrow();
  assert.deepEqual([v1.caller_name, v1.caller_email, v1.caller_phone, v1.worries, v1.concern_detail], [null, null, null, null, null], 'the caller’s details and the notes');
  assert.deepEqual([v1.caller_type, v1.caller_agency_code, v1.concern_categories, v1.consent_given], ['professional', 'gp', ['neglect'], 'yes'], 'the codes stay');
  const ch1 = await ctx.db.selectFrom('conversation_children').selectAll().where('conversation_id', '=', ids.c1!).executeTakeFirstOrThrow();
  assert.deepEqual([ch1.where_now, ch1.next_steps, ch1.outcome_code, ch1.level_code], [null, null, 'social-care-assessment', '2'], 'the child’s outcome stays, the notes go');
  const wr = await ctx.db.selectFrom('written_records').select('recipient').where('conversation_id', '=', ids.c1!).execute();
  assert.ok(wr.length > 0 && wr.every((w) => !w.recipient.includes('@')), 'the written record’s address is gone');
  const rel = await ctx.db.selectFrom('relationships').select('id').where((eb) => eb.or([eb('person_id', '=', ids.tamsin!), eb('related_person_id', '=', ids.tamsin!)])).execute();
  assert.equal(rel.length, 0, 'Tamsin’s relationships are gone');
  const dylan = await ctx.db.selectFrom('persons').select(['given_name', 'date_of_birth']).where('id', '=', ids.dylan!).executeTakeFirstOrThrow();
  assert.deepEqual([dylan.given_name, dylan.date_of_birth], ['Dylan', '2000-06-01'], 'Dylan, named by a conversation still kept, is whole');
  const esmeRel = await ctx.db.selectFrom('relationships').select('id').where('person_id', '=', ids.dylan!).where('related_person_id', '=', ids.esme!).execute();
  assert.equal(esmeRel.length, 1, 'and so is his relationship to Esme');

  // The pages still open, showing the skeleton: reference and outcome, no notes.
  const view = await cadsAgent.get(`/conversations/${ids.c1}`);
  assert.equal(view.status, 200, 'the deleted conversation still opens');
  assert.ok(!view.body.includes('Larkspur') && !view.body.includes('Fenwright'), 'without the personal data');
  assert.equal((await cadsAgent.get(`/people/${ids.tamsin}`)).status, 200, 'the anonymised child’s page still opens');
  assert.equal((await cadsAgent.get(`/people/${ids.dylan}`)).status, 200, 'Dylan’s chronology, with a deleted conversation in it');

  // The figures after: the same, from the summary table and from the per-day totals, even once remade.
  await refreshManagementInformation(ctx.db, ctx.profiles, ctx.clock.now());
  assert.deepEqual(await figures(), beforeFigures, 'the management information is unchanged');
  const facts = await ctx.db.selectFrom('mi_conversation_facts').select('conversation_id').where('conversation_id', '=', ids.c1!).execute();
  assert.equal(facts.length, 1, 'the deleted conversation is still counted');

  // Releasing the hold lets Harriet's record go on the next deletion (it is still approved).
  const noWhy = await admin.post(`/admin/retention/holds/${holdId}/release`, { reason: '' });
  assert.equal(noWhy.status, 400, 'releasing needs a reason');
  assert.equal((await admin.post(`/admin/retention/holds/${holdId}/release`, { reason: 'Proceedings concluded' })).status, 303, 'released');
  assert.equal((await admin.post('/admin/retention/delete', { confirm: 'yes' })).status, 303, 'deleted again');
  assert.ok(await erased('conversations', ids.c5!), 'Harriet’s conversation, once released');
  assert.ok(await erased('persons', ids.harriet!), 'and Harriet’s record');
  await refreshManagementInformation(ctx.db, ctx.profiles, ctx.clock.now());
  assert.deepEqual(await figures(), beforeFigures, 'the figures still unchanged');

  // The disposal log.
  const log = await admin.get('/admin/retention/conversations?show=deleted');
  assert.match(log.body, /Deleted/, 'deleted records are listed with when and by whom');
});

test('every step is audited, the deletion without personal data, and the chain still holds', async () => {
  const rows = await ctx.db.selectFrom('audit_events').select(['action', 'details', 'person_id', 'actor_role']).where('action', 'like', 'retention.%').execute();
  const count = (a: string) => rows.filter((r) => r.action === a).length;
  assert.ok(count('retention.decided') >= 8, 'each approval');
  assert.equal(count('retention.hold-placed'), 1, 'the hold placed');
  assert.equal(count('retention.hold-released'), 1, 'and released');
  const placed = rows.find((r) => r.action === 'retention.hold-placed')!;
  assert.equal(placed.person_id, ids.harriet, 'on Harriet’s audit trail');
  assert.match(JSON.stringify(placed.details), /Family court proceedings/, 'with its reason');
  const erasedRows = rows.filter((r) => r.action === 'retention.erased');
  assert.ok(erasedRows.some((r) => r.person_id === ids.tamsin), 'the deletion is on Tamsin’s trail');
  assert.ok(erasedRows.every((r) => r.actor_role === 'administrator'), 'by the administrator');
  const text = JSON.stringify(erasedRows.map((r) => r.details));
  for (const s of [...TAMSIN, 'Harriet', 'Quenby', 'Pellingham', 'Gwen']) assert.ok(!text.includes(s), `the deletion's audit details do not hold "${s}"`);
  assert.match(text, new RegExp(ids.c1!), 'but name the records by id');
  const chain = await verifyAuditChain(ctx.db);
  assert.ok(chain.ok, `the audit chain verifies after deletion: ${JSON.stringify(chain)}`);
});

test('a record kept for longer comes back for review when the date passes', async () => {
  const review = (await byRecord()).get(ids.earlyHelp!)!;
  const kept = await admin.post(`/admin/retention/reviews/${review.id}`, { decision: 'keep', 'keep-until-day': '1', 'keep-until-month': '6', 'keep-until-year': '2027', reason: 'Lola became looked after: part of her care file' });
  assert.equal(kept.status, 303, 'kept');
  await service().review('norfolk', new Date(TODAY));
  const still = await ctx.db.selectFrom('retention_reviews').select(['decision', 'keep_until']).where('id', '=', review.id).executeTakeFirstOrThrow();
  assert.deepEqual([still.decision, still.keep_until], ['keep', '2027-06-01'], 'the decision stands until then');
  await service().review('norfolk', new Date('2027-06-01T12:00:00Z'));
  const back = await ctx.db.selectFrom('retention_reviews').select(['decision']).where('id', '=', review.id).executeTakeFirstOrThrow();
  assert.equal(back.decision, null, 'listed again, waiting for a decision');
  ctx.clock.set(TODAY);
});

test('the records that are never changed accept only the removal of personal data, and only during a deletion', async () => {
  const c4 = ids.c4!;
  await assert.rejects(
    sql`update conversation_versions set worries = null where conversation_id = ${c4}`.execute(ctx.db),
    /completed conversation versions cannot be changed/,
    'outside a deletion, a completed version is still locked',
  );
  await assert.rejects(
    ctx.db.transaction().execute(async (tx) => {
      await sql`select set_config('front_door.erasure', 'on', true)`.execute(tx);
      await sql`update conversation_versions set consent_given = 'no', worries = null where conversation_id = ${c4}`.execute(tx);
    }),
    /completed conversation versions cannot be changed/,
    'during a deletion, a coded field still cannot change',
  );
  await assert.rejects(
    ctx.db.transaction().execute(async (tx) => {
      await sql`select set_config('front_door.erasure', 'on', true)`.execute(tx);
      await sql`update conversation_children set outcome_code = 'no-further-action' where conversation_id = ${c4}`.execute(tx);
    }),
    /children of a completed conversation version cannot be changed/,
    'nor a child’s outcome',
  );
  await assert.rejects(
    ctx.db.transaction().execute(async (tx) => {
      await sql`select set_config('front_door.erasure', 'on', true)`.execute(tx);
      await sql`delete from conversation_versions where conversation_id = ${c4}`.execute(tx);
    }),
    /cannot be changed/,
    'nor can a version be deleted',
  );
  const v = await ctx.db.selectFrom('conversation_versions').select(['worries', 'consent_given']).where('conversation_id', '=', c4).executeTakeFirstOrThrow();
  assert.deepEqual([v.worries, v.consent_given], ['Faltering growth', 'yes'], 'nothing changed');
});
