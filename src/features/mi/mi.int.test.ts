import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createTestContext, createTestApp, createUser, createServiceAccount, signedInAgent, errorSummary, type TestContext } from '../../../test/support/harness.js';
import { refreshManagementInformation, rebuildManagementInformation, pendingRefresh } from './mi-refresh.js';
import { MiService, NO_FILTERS, mondayOf, type MiFilters } from './mi.service.js';
import { ConversationsService } from '../conversations/conversations.service.js';
import type { Principal } from '../../platform/auth/roles.js';

let ctx: TestContext;
let app: FastifyInstance;
let token: string;
let stokeToken: string;
let worker: { id: string; email: string };
let stokeWorker: { id: string; email: string };
const mi = () => new MiService(ctx);
const period = { from: '2026-03-02', to: '2026-03-08' };

before(async () => {
  ctx = await createTestContext();
  ctx.clock.set('2026-03-02T10:00:00Z');
  app = await createTestApp(ctx);
  token = await createServiceAccount(ctx, { role: 'cads-worker' });
  stokeToken = await createServiceAccount(ctx, { role: 'cads-worker', authorityId: 'stoke-on-trent' });
  worker = await createUser(ctx, { role: 'cads-worker' });
  stokeWorker = await createUser(ctx, { role: 'cads-worker', authorityId: 'stoke-on-trent' });
});
after(async () => {
  await app?.close();
  await ctx?.close();
});

const principal = (u: { id: string; email: string }, authorityId = 'norfolk'): Principal => ({ kind: 'user', id: u.id, authorityId, role: 'team-manager', displayName: 'T', agencyCode: null, teamId: null, email: u.email });

async function child(t: string, familyName: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/people', headers: { authorization: `Bearer ${t}` }, payload: { givenName: 'Morgan', familyName, dateOfBirth: '2016-02-03', sex: 'M', differentChildReason: 'Test fixture' } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().id;
}

async function conversation(opts: { t?: string; workerEmail?: string; personIds: string[]; outcome: string; agency?: string; consent?: 'yes' | 'no' }): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/conversations',
    headers: { authorization: `Bearer ${opts.t ?? token}` },
    payload: {
      caller: { type: 'professional', name: 'Ms Caller', agencyCode: opts.agency ?? 'school', phone: '020 7946 0000', email: null },
      children: opts.personIds.map((personId) => ({ personId, whereNow: 'School', safeTonight: 'yes', outcomeCode: opts.outcome, levelCode: '3', callerAgreed: true, nextSteps: 'Next steps' })),
      concernCategories: ['neglect'], concernDetail: 'Detail', immediacy: 'soon', parentsInformed: 'yes',
      consentGiven: opts.consent ?? 'yes', consentReasonCodes: opts.consent === 'no' ? ['risk-to-child'] : [], consentReasonDetail: opts.consent === 'no' ? 'Risk' : null,
      lawfulBasisCode: 'public-task-children-act', worries: 'Worries', complete: true, workerEmail: opts.workerEmail ?? worker.email,
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().id;
}

let a: string, b: string, c: string;
let first: string, second: string, third: string, stoke: string;

test('completed conversations wait to be counted, then the refresh makes one row per child', async () => {
  a = await child(token, 'Alderton');
  b = await child(token, 'Alderton');
  c = await child(token, 'Brightwell');
  first = await conversation({ personIds: [a, b], outcome: 'social-care-assessment', agency: 'school' });
  ctx.clock.set('2026-03-04T11:00:00Z');
  second = await conversation({ personIds: [a], outcome: 'advice-and-information', agency: 'gp', consent: 'no' });
  third = await conversation({ personIds: [c], outcome: 'advice-and-information', agency: 'school' });
  const sp = await child(stokeToken, 'Stubbs');
  stoke = await conversation({ t: stokeToken, workerEmail: stokeWorker.email, personIds: [sp], outcome: 'advice-and-information' });
  assert.equal(await pendingRefresh(ctx.db), 4, 'four completed conversations waiting');

  const before = await mi().dashboard(principal(worker), period, NO_FILTERS);
  assert.equal(before.volume.conversations, 0, 'nothing counted before the refresh');

  const r = await refreshManagementInformation(ctx.db, ctx.profiles, ctx.clock.now(), { batch: 2 });
  assert.equal(r.conversations, 4);
  assert.equal(r.batches, 2, 'two batches of two');
  assert.equal(await pendingRefresh(ctx.db), 0, 'nothing left waiting');
  const rows = await ctx.db.selectFrom('mi_conversation_facts').select(['conversation_id', 'person_id', 'first_child', 'repeat_within_12_months']).execute();
  assert.equal(rows.length, 5, 'a conversation about two children is two rows');
  assert.equal(rows.filter((x) => x.conversation_id === first && x.first_child).length, 1, 'counted once as a conversation');
  assert.deepEqual(rows.filter((x) => x.repeat_within_12_months).map((x) => x.conversation_id), [second], 'the second conversation about child A is a repeat');
});

test('the dashboard adds up: volume, outcomes, conversion, consent, repeats, decisions', async () => {
  const d = await mi().dashboard(principal(worker), period, NO_FILTERS);
  assert.ok(d.asOf, 'as-of time shown');
  assert.equal(d.volume.conversations, 3, 'Stoke-on-Trent’s conversation is not Norfolk’s');
  assert.equal(d.volume.children, 4);
  assert.deepEqual(d.volume.days.map((x) => [x.day, x.conversations]), [['2026-03-02', 1], ['2026-03-03', 0], ['2026-03-04', 2], ['2026-03-05', 0], ['2026-03-06', 0], ['2026-03-07', 0], ['2026-03-08', 0]]);
  assert.deepEqual(d.volume.weeks, [{ week: '2026-03-02', conversations: 3, children: 4 }]);
  assert.equal(d.outcomes.find((o) => o.code === 'social-care-assessment')!.children, 2);
  assert.equal(d.outcomes.find((o) => o.code === 'advice-and-information')!.children, 2);
  assert.deepEqual(d.conversion, { conversations: 3, children: 4, referrals: 2, assessments: 0, s47: 0 });
  assert.equal(d.consent.yes, 2);
  assert.equal(d.consent.no, 1);
  assert.deepEqual(d.consent.reasons.map((x) => [x.code, x.n]), [['risk-to-child', 1]]);
  assert.deepEqual(d.repeat, { children: 4, repeats: 1 });
  assert.equal(d.decisions.needed, 2);
  assert.equal(d.decisions.decided, 0);
});

test('filters narrow every figure', async () => {
  const gp = await mi().dashboard(principal(worker), period, { ...NO_FILTERS, agency: 'gp' });
  assert.equal(gp.volume.conversations, 1);
  assert.equal(gp.consent.no, 1);
  const assess = await mi().dashboard(principal(worker), period, { ...NO_FILTERS, outcome: 'social-care-assessment' });
  assert.equal(assess.volume.children, 2);
  const ooh = await mi().dashboard(principal(worker), period, { ...NO_FILTERS, hours: 'out' });
  assert.equal(ooh.volume.children, 0, 'all in opening hours');
  const otherWeek = await mi().dashboard(principal(worker), { from: '2026-03-09', to: '2026-03-15' }, NO_FILTERS);
  assert.equal(otherWeek.volume.conversations, 0);
});

test('a decision marks the conversation again; the refresh counts it as in time; no duplicate rows', async () => {
  const svc = new ConversationsService(ctx.db, ctx.clock, ctx.profiles, ctx.calendars);
  const audit = { principal: principal(worker), ip: null, requestId: null };
  ctx.clock.set('2026-03-02T15:00:00Z');
  const r = await svc.recordDecision(principal(worker), first, { personId: a, decisionCode: 'child-and-family-assessment', primaryNeed: 'N4', rationale: 'Needs an assessment' }, audit);
  assert.ok(r.ok, 'decision recorded');
  assert.equal(await pendingRefresh(ctx.db), 1, 'the decision marked its conversation');
  await refreshManagementInformation(ctx.db, ctx.profiles, ctx.clock.now());
  assert.equal((await ctx.db.selectFrom('mi_conversation_facts').select('person_id').execute()).length, 5, 'remade, not added to');
  ctx.clock.set('2026-03-10T12:00:00Z');
  const d = await mi().dashboard(principal(worker), period, NO_FILTERS);
  assert.equal(d.conversion.assessments, 1);
  assert.deepEqual({ decided: d.decisions.decided, inTime: d.decisions.inTime, overdue: d.decisions.overdue }, { decided: 1, inTime: 1, overdue: 1 }, 'child B’s decision is overdue');
});

test('drilling into a figure lists the conversations behind it', async () => {
  const rows = await mi().drill(principal(worker), period, NO_FILTERS, 'repeat', '');
  assert.deepEqual(rows.map((r) => r.conversation_id), [second]);
  const overdue = await mi().drill(principal(worker), period, NO_FILTERS, 'decision-overdue', '');
  assert.deepEqual(overdue.map((r) => [r.conversation_id, r.person_id]), [[first, b]]);
  const stokeRows = await mi().drill(principal(stokeWorker, 'stoke-on-trent'), period, NO_FILTERS, 'conversations', '');
  assert.deepEqual(stokeRows.map((r) => r.conversation_id), [stoke], 'each authority sees its own');
  void third;
});

test('weeks start on Monday', () => {
  assert.equal(mondayOf('2026-03-08'), '2026-03-02');
  assert.equal(mondayOf('2026-03-02'), '2026-03-02');
  assert.equal(mondayOf('2026-03-04'), '2026-03-02');
});


test('the dashboard page: figures with drill-down links, a chart with a table, and errors for bad filters', async () => {
  ctx.clock.set('2026-03-10T12:00:00Z');
  const manager = await createUser(ctx, { role: 'team-manager' });
  const agent = await signedInAgent(app, manager.email);
  const page = await agent.get('/mi?from=2026-03-02&to=2026-03-08');
  assert.equal(page.status, 200, page.body.slice(0, 300));
  assert.match(page.body, /<svg[^>]+role="img"/, 'the chart is an image with a text alternative');
  assert.match(page.body, /Conversations per day/);
  assert.match(page.body, /href="\/mi\/drill\?kind=repeat&amp;from=2026-03-02/, 'the repeat figure opens its list');
  assert.match(page.body, /Figures as of/);
  assert.match(page.body, /3 conversations about 3 children/, 'the text summary counts each child once');
  const bad = await agent.get('/mi?from=2026-03-02&to=2026-03-08&agency=nonsense&hours=later');
  assert.equal(bad.status, 400);
  assert.deepEqual(errorSummary(bad.body).map(([, text]) => text), ['Select a caller agency from the list', 'Select in hours, out of hours or both']);
  const analyst = await signedInAgent(app, (await createUser(ctx, { role: 'mi-analyst' })).email);
  assert.equal((await analyst.get('/mi')).status, 200, 'MI analysts see it too');
  const worker2 = await signedInAgent(app, worker.email);
  assert.equal((await worker2.get('/mi')).status, 403, 'a social worker does not');
});

test('exports: one figure as CSV, every figure as XLSX, the same numbers as the page', async () => {
  const manager = await createUser(ctx, { role: 'team-manager' });
  const agent = await signedInAgent(app, manager.email);
  const csv = await app.inject({ method: 'GET', url: '/mi/export?format=csv&figure=outcomes&from=2026-03-02&to=2026-03-08', headers: { cookie: agent.cookieHeader() } });
  assert.equal(csv.statusCode, 200);
  assert.match(String(csv.headers['content-type']), /text\/csv/);
  assert.match(String(csv.headers['content-disposition']), /front-door-mi-outcomes-2026-03-02-to-2026-03-08\.csv/);
  const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
  assert.equal(lines[0], 'Outcome,Children,Share of children');
  assert.ok(lines.includes('Referral for a social care assessment,2,50'), `assessment row in ${lines.join(' | ')}`);
  const xlsx = await app.inject({ method: 'GET', url: '/mi/export?format=xlsx&figure=all&from=2026-03-02&to=2026-03-08', headers: { cookie: agent.cookieHeader() } });
  assert.equal(xlsx.statusCode, 200);
  assert.equal(xlsx.rawPayload.subarray(0, 2).toString(), 'PK', 'an xlsx (zip) file');
  const allCsv = await agent.get('/mi/export?format=csv&figure=all&from=2026-03-02&to=2026-03-08');
  assert.equal(allCsv.status, 400, 'one table per CSV');
  assert.equal((await agent.get('/mi/export?format=pdf&figure=outcomes')).status, 400);
  assert.equal((await agent.get('/mi/export?format=csv&figure=nonsense')).status, 404);
});

test('a drill-down lists the children behind a figure and is audited as a view of each', async () => {
  const manager = await createUser(ctx, { role: 'team-manager' });
  const agent = await signedInAgent(app, manager.email);
  const page = await agent.get('/mi/drill?kind=outcome&value=social-care-assessment&from=2026-03-02&to=2026-03-08');
  assert.equal(page.status, 200);
  assert.match(page.body, /Children with this outcome: Referral for a social care assessment/);
  assert.equal((page.body.match(/href="\/people\/[0-9a-f]{8}-/g) ?? []).length, 2, 'two children');
  const audit = await ctx.db.selectFrom('audit_events').select(['person_id', 'actor_user_id']).where('action', '=', 'mi.drilled-down').where('actor_user_id', '=', manager.id).execute();
  assert.deepEqual(audit.map((x) => x.person_id).sort(), [a, b].sort(), 'one audit row per child');
  assert.equal((await agent.get('/mi/drill?kind=nonsense')).status, 404);
});

test('“Count changes now” counts what is waiting and goes back to the same figures', async () => {
  const manager = await createUser(ctx, { role: 'team-manager' });
  const agent = await signedInAgent(app, manager.email);
  await conversation({ personIds: [c], outcome: 'advice-and-information' });
  assert.equal(await pendingRefresh(ctx.db), 1);
  const res = await agent.post('/mi/refresh', { query: 'from=2026-03-02&to=2026-03-08' });
  assert.equal(res.status, 303);
  assert.equal(res.location, '/mi?from=2026-03-02&to=2026-03-08');
  assert.equal(await pendingRefresh(ctx.db), 0);
});

test('a full rebuild gives the same rows as the incremental refresh', async () => {
  const snapshot = async () =>
    (await ctx.db.selectFrom('mi_conversation_facts').select(['conversation_id', 'person_id', 'child_key', 'first_child', 'repeat_within_12_months', 'social_care_referral', 'decision_code', 'outcome_code', 'day']).orderBy('conversation_id').orderBy('person_id').execute());
  await refreshManagementInformation(ctx.db, ctx.profiles, ctx.clock.now());
  const incremental = await snapshot();
  await conversation({ personIds: [a], outcome: 'advice-and-information' });
  const r = await rebuildManagementInformation(ctx.db, ctx.profiles, ctx.clock.now());
  assert.equal(await pendingRefresh(ctx.db), 0, 'the rebuild took what was marked');
  const rebuilt = await snapshot();
  assert.equal(r.rows, incremental.length + 1, 'every row, and the new conversation');
  const latest = rebuilt.find((x) => !incremental.some((y) => y.conversation_id === x.conversation_id))!;
  assert.equal(latest.repeat_within_12_months, true, 'child A again: a repeat');
  assert.deepEqual(rebuilt.filter((x) => x !== latest), incremental, 'the same rows as the incremental refresh made');
});

test('the per-day totals give the same figures as the per-child rows, for no filter and for each single filter', async () => {
  // One more conversation, counted by the incremental refresh (the totals so far came from the rebuild).
  await conversation({ personIds: [c], outcome: 'social-care-assessment', agency: 'gp', consent: 'no' });
  assert.equal((await refreshManagementInformation(ctx.db, ctx.profiles, ctx.clock.now())).conversations, 1);
  const long = { from: '2026-01-01', to: '2026-03-31' };
  const team = (await ctx.db.selectFrom('conversations').select('team_id').where('id', '=', first).executeTakeFirstOrThrow()).team_id!;
  const cases: MiFilters[] = [
    NO_FILTERS,
    { ...NO_FILTERS, teamId: team },
    { ...NO_FILTERS, workerId: worker.id },
    { ...NO_FILTERS, agency: 'gp' },
    { ...NO_FILTERS, concern: 'neglect' },
    { ...NO_FILTERS, level: '3' },
    { ...NO_FILTERS, outcome: 'social-care-assessment' },
    { ...NO_FILTERS, hours: 'in' },
  ];
  for (const f of cases) {
    const facts = await mi().dashboard(principal(worker), long, f, { source: 'facts' });
    const daily = await mi().dashboard(principal(worker), long, f, { source: 'daily' });
    assert.ok(facts.volume.conversations > 0, `some conversations for ${JSON.stringify(f)}`);
    assert.equal(daily.volume.distinctChildren, null, 'over 31 days the per-day totals do not count children once across days');
    const strip = (x: typeof facts) => ({ ...x, volume: { ...x.volume, distinctChildren: null } });
    assert.deepEqual(strip(daily), strip(facts), `the same figures for ${JSON.stringify(f)}`);
    // A short period: the same figures again, including how many different children.
    const month = { from: '2026-03-01', to: '2026-03-31' };
    assert.deepEqual(await mi().dashboard(principal(worker), month, f, { source: 'daily' }), await mi().dashboard(principal(worker), month, f, { source: 'facts' }), `the same month's figures for ${JSON.stringify(f)}`);
  }
  const auto = await mi().dashboard(principal(worker), long, NO_FILTERS);
  assert.equal(auto.volume.distinctChildren, null, 'a 90-day period reads the per-day totals');
  const two = await mi().dashboard(principal(worker), long, { ...NO_FILTERS, agency: 'gp', level: '3' });
  assert.notEqual(two.volume.distinctChildren, null, 'two filters read the per-child rows');
});
