/**
 * Golden-file tests of the statutory returns: a fixed synthetic data set (pinned clock, fresh
 * schema, so references and person numbers are the same every run) goes through the real API,
 * the MI refresh and the export routes; the files must match test/golden/ byte for byte.
 * To accept a deliberate change, delete the golden file, run the test, and read the new one.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { createTestContext, createTestApp, createUser, createServiceAccount, signedInAgent, type TestContext, type Agent } from '../../../test/support/harness.js';
import { refreshManagementInformation } from './mi-refresh.js';
import { ConversationsService } from '../conversations/conversations.service.js';
import type { Principal } from '../../platform/auth/roles.js';

const golden = fileURLToPath(new URL('../../../test/golden/', import.meta.url));
let ctx: TestContext;
let app: FastifyInstance;
let agent: Agent;

function matchesGolden(name: string, actual: string) {
  const file = `${golden}${name}`;
  if (!existsSync(file)) {
    mkdirSync(golden, { recursive: true });
    writeFileSync(file, actual);
    assert.fail(`${name} did not exist: written now; read it, and run the test again`);
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from the golden file`);
}

before(async () => {
  ctx = await createTestContext();
  ctx.clock.set('2026-02-02T09:30:00Z');
  app = await createTestApp(ctx);
  const token = await createServiceAccount(ctx, { role: 'cads-worker' });
  const worker = await createUser(ctx, { role: 'cads-worker', displayName: 'Jo Whitfield' });
  const auth = { authorization: `Bearer ${token}` };
  const person = async (p: Record<string, unknown>) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/people', headers: auth, payload: { differentChildReason: 'Golden data set', ...p } });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().id as string;
  };
  const talk = async (personIds: string[], outcome: string, agencyCode: string, callerType = 'professional') => {
    const res = await app.inject({
      method: 'POST', url: '/api/v1/conversations', headers: auth,
      payload: {
        caller: { type: callerType, name: 'A Caller', agencyCode, phone: '020 7946 0000', email: null },
        children: personIds.map((personId) => ({ personId, whereNow: 'Home', safeTonight: 'yes', outcomeCode: outcome, levelCode: '3', callerAgreed: true, nextSteps: 'Steps' })),
        concernCategories: ['neglect'], concernDetail: 'Detail', immediacy: 'soon', parentsInformed: 'yes', consentGiven: 'yes', consentReasonCodes: [],
        lawfulBasisCode: 'public-task-children-act', worries: 'Worries', complete: true, workerEmail: worker.email,
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().id as string;
  };
  const amelia = await person({ givenName: 'Amelia', familyName: 'Goldfinch', dateOfBirth: '2014-05-06', sex: 'F', ethnicity: 'WBRI' });
  const bilal = await person({ givenName: 'Bilal', familyName: 'Goldfinch', dateOfBirth: '2019-11-30', sex: 'M', ethnicity: 'APKN' });
  const unborn = await person({ familyName: 'Goldfinch', unborn: true, dateOfBirth: '2026-06-01', sex: 'U' });
  const casey = await person({ givenName: 'Casey', familyName: 'Heron', dateOfBirth: '2011-01-15', sex: 'U' });

  const assessed = await talk([amelia, bilal], 'social-care-assessment', 'school');
  ctx.clock.set('2026-02-10T14:00:00Z');
  await talk([unborn], 'advice-and-information', 'health-visitor');
  const nfa = await talk([casey], 'social-care-assessment', 'police');
  ctx.clock.set('2026-03-03T10:00:00Z');
  await talk([amelia], 'strategy-discussion', 'family-member', 'public');
  await talk([casey], 'early-help-request', 'early-help');

  const svc = new ConversationsService(ctx.db, ctx.clock, ctx.profiles, ctx.calendars);
  const p: Principal = { kind: 'user', id: worker.id, authorityId: 'norfolk', role: 'cads-worker', displayName: 'Jo Whitfield', agencyCode: null, teamId: null, email: worker.email };
  const r = await svc.recordDecision(p, nfa, { personId: casey, decisionCode: 'advice-no-further-action', rationale: 'Advice given' }, { principal: p, ip: null, requestId: null });
  assert.ok(r.ok, 'decision recorded');
  const withNeed = await svc.recordDecision(p, assessed, { personId: amelia, decisionCode: 'child-and-family-assessment', primaryNeed: 'N1', rationale: 'Assess' }, { principal: p, ip: null, requestId: null });
  assert.ok(withNeed.ok, 'decision with a primary need recorded');
  const missing = await svc.recordDecision(p, assessed, { personId: bilal, decisionCode: 'child-and-family-assessment', rationale: 'Assess' }, { principal: p, ip: null, requestId: null });
  assert.deepEqual(missing.ok ? [] : missing.errors.map((e) => e.field), ['primary-need'], 'further action needs a primary need');

  await refreshManagementInformation(ctx.db, ctx.profiles, ctx.clock.now());
  ctx.clock.set('2026-04-02T09:00:00Z');
  agent = await signedInAgent(app, (await createUser(ctx, { role: 'mi-analyst' })).email);
});
after(async () => {
  await app?.close();
  await ctx?.close();
});

test('Annex A List 1 (contacts) as CSV matches the golden file', async () => {
  const res = await agent.get('/mi/annex-a/export?list=1&format=csv&from=2026-02-01&to=2026-03-31');
  assert.equal(res.status, 200);
  matchesGolden('annex-a-list-1.csv', res.body);
});

test('Annex A List 3 (referrals) as CSV matches the golden file', async () => {
  const res = await agent.get('/mi/annex-a/export?list=3&format=csv&from=2026-02-01&to=2026-03-31');
  assert.equal(res.status, 200);
  matchesGolden('annex-a-list-3.csv', res.body);
});

test('the CIN census XML for 2026 matches the golden file', async () => {
  const res = await agent.get('/mi/cin-census/export?year=2026');
  assert.equal(res.status, 200);
  matchesGolden('cin-census-2026.xml', res.body.replace(/<DateTime>[^<]*<\/DateTime>/, '<DateTime>(when made)</DateTime>'));
});

test('the Annex A page shows the row counts and the validation report; the download is audited', async () => {
  const page = await agent.get('/mi/annex-a?from=2026-02-01&to=2026-03-31');
  assert.equal(page.status, 200);
  assert.match(page.body, /List 1: contacts<\/h2>\s*<p class="govuk-body">6 rows\./);
  assert.match(page.body, /List 3: referrals<\/h2>\s*<p class="govuk-body">4 rows\./);
  const audit = await ctx.db.selectFrom('audit_events').select(['details']).where('action', '=', 'mi.statutory-return-exported').execute();
  assert.ok(audit.length >= 2, 'each download is recorded');
  const bad = await agent.get('/mi/annex-a?from-day=31&from-month=2&from-year=2026');
  assert.equal(bad.status, 400);
  assert.equal((await agent.get('/mi/annex-a/export?list=2&format=csv')).status, 400, 'only lists 1 and 3');
});

test('the CIN census page lists errors, queries and what we do not hold', async () => {
  const page = await agent.get('/mi/cin-census?year=2026');
  assert.equal(page.status, 200);
  assert.match(page.body, /3 children, 4 referrals/);
  assert.match(page.body, /PrimaryNeedCode/);
  assert.match(page.body, /ChildProtectionPlans and their reviews/);
  assert.equal((await agent.get('/mi/cin-census?year=1999')).status, 400);
});
