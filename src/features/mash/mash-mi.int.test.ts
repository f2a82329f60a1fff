/**
 * MASH management information, on a pinned clock: enquiries by rating (open and decided), check
 * requests answered on time and late by agency, and the median and 90th percentile time from a
 * conversation to the MASH decision; the page for the roles that may see it, for their own
 * authority only.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  createTestContext, createTestApp, createUser, createServiceAccount, completeConversationByApi, cleanUp, signedInAgent, errorSummary, type TestContext,
} from '../../../test/support/harness.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import { HttpError } from '../../platform/http/errors.js';
import { MashService } from './mash.service.js';
import { MashMiService, durationWords } from './mash-mi.js';

let ctx: TestContext;
let app: FastifyInstance;
let mi: MashMiService;
let analyst: Principal;
let stokeAnalystEmail: string;
let analystEmail: string;

async function principal(role: Role, opts: { authorityId?: string; agencyCode?: string } = {}): Promise<Principal> {
  const u = await createUser(ctx, { role, ...opts });
  return {
    kind: 'user', id: u.id, authorityId: opts.authorityId ?? 'norfolk', role, displayName: `Test ${role}`,
    agencyCode: opts.agencyCode ?? (role === 'partner-practitioner' ? 'police' : null), teamId: null, email: u.email,
  };
}

async function lockVersion(id: string): Promise<number> {
  return (await ctx.db.selectFrom('mash_enquiries').select('lock_version').where('id', '=', id).executeTakeFirstOrThrow()).lock_version;
}

const answer = {
  kind: 'response', nothingKnown: true, holds: null, sourceSystem: 'Athena', checkedOn: '2026-11-23', riskInformation: null, lawfulBasisCode: 'public-task-children-act',
};

before(async () => {
  ctx = await createTestContext('2026-11-23T10:00:00Z');
  app = await createTestApp(ctx);
  mi = new MashMiService(ctx);
  const service = new MashService(ctx);
  const worker = await principal('cads-worker');
  const coordinator = await principal('mash-coordinator');
  const manager = await principal('team-manager');
  const police = await principal('partner-practitioner', { agencyCode: 'police' });
  const health = await principal('partner-practitioner', { agencyCode: 'health' });
  analyst = await principal('mi-analyst');
  analystEmail = analyst.email!;
  stokeAnalystEmail = (await createUser(ctx, { role: 'mi-analyst', authorityId: 'stoke-on-trent' })).email;
  const token = await createServiceAccount(ctx, { role: 'cads-worker' });
  const enquiryOf = async (conversationId: string) => (await ctx.db.selectFrom('mash_enquiries').select('id').where('conversation_id', '=', conversationId).executeTakeFirstOrThrow()).id;
  const requestOf = async (enquiryId: string, agency: string) =>
    (await ctx.db.selectFrom('mash_check_requests').select('id').where('enquiry_id', '=', enquiryId).where('agency_code', '=', agency).executeTakeFirstOrThrow()).id;

  // E1: a conversation on Monday at 10:00, rated red (due 14:00); police answer at 12:00 (on time),
  // health at 15:00 (late), education never (overdue); decided at 16:00, six hours after the conversation began.
  const a = await completeConversationByApi(app, token, { workerEmail: worker.email!, callerEmail: null, familyName: 'Abernethy' });
  const e1 = await enquiryOf(a.id);
  assert.ok((await service.rate(coordinator, e1, 'red', null, await lockVersion(e1))).ok);
  assert.ok((await service.sendRequests(coordinator, e1, ['police', 'health', 'education'])).ok);
  ctx.clock.set('2026-11-23T12:00:00Z');
  assert.ok((await service.respond(police, await requestOf(e1, 'police'), answer)).ok);
  ctx.clock.set('2026-11-23T15:00:00Z');
  assert.ok((await service.respond(health, await requestOf(e1, 'health'), answer)).ok);
  ctx.clock.set('2026-11-23T16:00:00Z');
  assert.ok((await service.decide(manager, e1, 'strategy-discussion', 'Threshold met')).ok);

  // E0: opened by a manager on 1 September, rated green, still open: outside the default period.
  const child = (await ctx.db.selectFrom('mash_enquiry_children').select('person_id').where('enquiry_id', '=', e1).executeTakeFirstOrThrow()).person_id;
  ctx.clock.set('2026-09-01T09:00:00Z');
  const e0 = await service.create(coordinator, { childIds: [child], reason: 'Police notification', questions: 'Who lives there?' });
  assert.ok(e0.ok);
  assert.ok((await service.rate(coordinator, e0.enquiry.id, 'green', null, await lockVersion(e0.enquiry.id))).ok);

  // E2: a conversation on Tuesday at 09:00, rated amber (due Thursday 17:00), police asked and not yet
  // due at the end; decided on Wednesday at 08:00, 23 hours after the conversation began.
  ctx.clock.set('2026-11-24T09:00:00Z');
  const b = await completeConversationByApi(app, token, { workerEmail: worker.email!, callerEmail: null, familyName: 'Brackenbury' });
  const e2 = await enquiryOf(b.id);
  assert.ok((await service.rate(coordinator, e2, 'amber', null, await lockVersion(e2))).ok);
  assert.ok((await service.sendRequests(coordinator, e2, ['police'])).ok);
  ctx.clock.set('2026-11-25T08:00:00Z');
  assert.ok((await service.decide(manager, e2, 'early-help', 'Below threshold')).ok);

  // E3: opened by a manager on Wednesday, not yet rated.
  ctx.clock.set('2026-11-25T10:00:00Z');
  assert.ok((await service.create(coordinator, { childIds: [child], reason: 'School concern', questions: 'Anything known?' })).ok);

  // Stoke-on-Trent's enquiry and request: never in Norfolk's figures.
  const stokeEnquiry = randomUUID();
  await ctx.db.insertInto('mash_enquiries').values({
    id: stokeEnquiry, authority_id: 'stoke-on-trent', hub_id: 'staffordshire-stoke-mash', reference: 'STK-MASH-2026-999999', conversation_id: null,
    reason: 'r', questions: 'q', rag: 'red', rated_at: new Date('2026-11-24T10:00:00Z'), due_at: new Date('2026-11-24T14:00:00Z'), status: 'checks', created_at: new Date('2026-11-24T10:00:00Z'),
  }).execute();
  await ctx.db.insertInto('mash_check_requests').values({
    id: randomUUID(), enquiry_id: stokeEnquiry, authority_id: 'stoke-on-trent', agency_code: 'police', due_at: new Date('2026-11-24T14:00:00Z'), sent_at: new Date('2026-11-24T10:00:00Z'), status: 'open',
  }).execute();

  ctx.clock.set('2026-11-26T12:00:00Z');
});

after(async () => {
  await cleanUp(() => app?.close(), () => ctx?.close());
});

describe('MASH figures', () => {
  test('the default period is the 28 days up to and including today', () => {
    assert.deepEqual(mi.defaultPeriod(), { from: '2026-10-30', to: '2026-11-26' });
  });

  test('enquiries opened in the period, by rating, open and decided', async () => {
    const f = await mi.figures(analyst, mi.defaultPeriod());
    assert.deepEqual(f.enquiries.rows.map((r) => [r.rating, r.open, r.closed, r.total]), [
      ['red', 0, 1, 1], ['amber', 0, 1, 1], ['green', 0, 0, 0], ['unrated', 1, 0, 1],
    ]);
    assert.deepEqual(f.enquiries.totals, { open: 1, closed: 2, total: 3 });
  });

  test('requests by agency: answered on time (answered_at <= due_at), late, overdue and the rest', async () => {
    const f = await mi.figures(analyst, mi.defaultPeriod());
    const row = (code: string) => {
      const r = f.agencies.rows.find((x) => x.code === code)!;
      return [r.sent, r.onTime, r.late, r.openOverdue, r.other, r.onTimeRate];
    };
    assert.deepEqual(row('police'), [2, 1, 0, 0, 1, '100%']);
    assert.deepEqual(row('health'), [1, 0, 1, 0, 0, '0%']);
    assert.deepEqual(row('education'), [1, 0, 0, 1, 0, '–']);
    assert.deepEqual(row('housing'), [0, 0, 0, 0, 0, '–']);
    assert.deepEqual(f.agencies.totals, { sent: 4, onTime: 1, late: 1, openOverdue: 1, other: 1, onTimeRate: '50%' });
  });

  test('time from conversation to decision: median and 90th percentile of 6 and 23 hours', async () => {
    const f = await mi.figures(analyst, mi.defaultPeriod());
    assert.equal(f.timeToDecision.decisions, 2);
    assert.equal(f.timeToDecision.medianMs, 14.5 * 3600_000);
    assert.equal(Math.round(f.timeToDecision.p90Ms!), Math.round(21.3 * 3600_000));
    assert.equal(f.timeToDecision.median, '14 hours 30 minutes');
    assert.equal(f.timeToDecision.p90, '21 hours 18 minutes');
  });

  test('another period counts only what falls in it', async () => {
    const f = await mi.figures(analyst, { from: '2026-09-01', to: '2026-09-30' });
    assert.deepEqual(f.enquiries.totals, { open: 1, closed: 0, total: 1 });
    assert.equal(f.enquiries.rows.find((r) => r.rating === 'green')!.open, 1);
    assert.equal(f.agencies.totals.sent, 0);
    assert.equal(f.timeToDecision.decisions, 0);
    assert.equal(f.timeToDecision.median, 'No decisions');
    // Monday only: E1, its three requests and its decision.
    const monday = await mi.figures(analyst, { from: '2026-11-23', to: '2026-11-23' });
    assert.deepEqual(monday.enquiries.totals, { open: 0, closed: 1, total: 1 });
    assert.equal(monday.agencies.totals.sent, 3);
    assert.equal(monday.timeToDecision.median, '6 hours');
  });

  test('only the roles that may see MASH reports', async () => {
    for (const role of ['cads-worker', 'partner-practitioner', 'administrator', 'edt-worker'] as Role[]) {
      await assert.rejects(mi.figures(await principal(role), mi.defaultPeriod()), (e: unknown) => e instanceof HttpError && e.status === 403);
    }
  });

  test('durations in words', () => {
    assert.equal(durationWords(null), 'No decisions');
    assert.equal(durationWords(20_000), 'Less than a minute');
    assert.equal(durationWords(45 * 60_000), '45 minutes');
    assert.equal(durationWords((26 * 60 + 10) * 60_000), '1 day 2 hours');
  });
});

describe('the MASH reports page', () => {
  test('an MI analyst sees their authority’s figures with their definitions', async () => {
    const agent = await signedInAgent(app, analystEmail);
    const res = await agent.get('/mash/reports');
    assert.equal(res.status, 200);
    assert.match(res.body, /30 October 2026 to 26 November 2026/);
    assert.match(res.body, /Enquiries opened, by rating/);
    assert.match(res.body, /14 hours 30 minutes/);
    assert.match(res.body, /21 hours 18 minutes/);
    assert.match(res.body, /at or before the request(&#39;|'|’)s deadline/);
    assert.ok(!res.body.includes('Abernethy') && !res.body.includes('Brackenbury'), 'no child on the page');
    const sept = await agent.get('/mash/reports?from-day=1&from-month=9&from-year=2026&to-day=30&to-month=9&to-year=2026');
    assert.equal(sept.status, 200);
    assert.match(sept.body, /1 September 2026 to 30 September 2026/);
  });

  test('a date that does not exist gets the error summary', async () => {
    const agent = await signedInAgent(app, analystEmail);
    const res = await agent.get('/mash/reports?from-day=31&from-month=2&from-year=2026');
    assert.equal(res.status, 400);
    assert.equal(errorSummary(res.body).length, 1);
    assert.equal(errorSummary(res.body)[0]![0], '#from-day');
  });

  test('Stoke-on-Trent’s analyst sees only Stoke-on-Trent', async () => {
    const agent = await signedInAgent(app, stokeAnalystEmail);
    const res = await agent.get('/mash/reports?from=2026-11-01&to=2026-11-30');
    assert.equal(res.status, 200);
    assert.match(res.body, /14 hours 30 minutes|No decisions/);
    assert.ok(!res.body.includes('14 hours 30 minutes'));
    const f = await mi.figures({ ...analyst, authorityId: 'stoke-on-trent' }, { from: '2026-11-01', to: '2026-11-30' });
    assert.deepEqual(f.enquiries.totals, { open: 1, closed: 0, total: 1 });
    assert.deepEqual(f.agencies.totals, { sent: 1, onTime: 0, late: 0, openOverdue: 1, other: 0, onTimeRate: '–' });
  });

  test('a CADS worker cannot open it', async () => {
    const u = await createUser(ctx, { role: 'cads-worker' });
    const agent = await signedInAgent(app, u.email);
    assert.equal((await agent.get('/mash/reports')).status, 403);
  });
});
