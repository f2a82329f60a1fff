import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createTestContext, createTestApp, createUser, signedInAgent, errorSummary, Agent, type TestContext } from '../../../test/support/harness.js';
import { SurveyService } from './survey.service.js';
import { surveyToken, surveyTokenHash } from './survey-token.js';

let ctx: TestContext;
let app: FastifyInstance;
const NOW = '2026-11-23T10:00:00Z';
const DAY = 86_400_000;


const workers: Record<string, { id: string; teamId: string; email: string }> = {};
let seq = 0;

async function addWorker(key: string, authorityId: string, teamName: string, displayName: string) {
  const u = await createUser(ctx, { role: 'cads-worker', authorityId, teamName, displayName });
  const team = await ctx.db.selectFrom('teams').select('id').where('authority_id', '=', authorityId).where('name', '=', teamName).executeTakeFirstOrThrow();
  workers[key] = { id: u.id, teamId: team.id, email: u.email };
}

interface Seeded {
  token: string;
  tokenHash: string;
  conversationId: string;
  writtenRecordId: string;
  reference: string;
}

/**
 * A completed conversation, the written record sent to the caller and its survey invitation,
 * inserted directly as the written-record sender would leave them.
 */
async function seedInvitation(opts: {
  worker: string;
  authorityId?: string;
  sentAt?: string;
  expiresAt?: string;
  status?: 'sent' | 'delivered' | 'failed';
  callerName?: string;
}): Promise<Seeded> {
  const authorityId = opts.authorityId ?? 'norfolk';
  const w = workers[opts.worker]!;
  const sentAt = new Date(opts.sentAt ?? '2026-11-20T11:00:00Z');
  const startedAt = new Date(sentAt.getTime() - 60 * 60 * 1000);
  const conversationId = randomUUID();
  const writtenRecordId = randomUUID();
  const reference = `${authorityId === 'norfolk' ? 'NFK' : 'SOT'}-2026-${String(900000 + ++seq)}`;
  await ctx.db
    .insertInto('conversations')
    .values({ id: conversationId, authority_id: authorityId, reference, status: 'completed', current_version: 1, worker_id: w.id, team_id: w.teamId, started_at: startedAt, completed_at: sentAt })
    .execute();
  await ctx.db
    .insertInto('conversation_versions')
    .values({
      conversation_id: conversationId, version: 1, status: 'completed', caller_type: 'professional',
      caller_name: opts.callerName ?? 'Sam Teacher', caller_role: 'Designated safeguarding lead', caller_agency_code: 'school',
      caller_email: 'sam.teacher@school.example.org', created_by: w.id, completed_by: w.id, completed_at: sentAt,
    })
    .execute();
  await ctx.db
    .insertInto('written_records')
    .values({
      id: writtenRecordId, authority_id: authorityId, conversation_id: conversationId, version: 1, amended: false,
      recipient: 'sam.teacher@school.example.org', reason: 'completed', status: opts.status ?? 'sent', provider: 'notify',
      attempts: 1, requested_by: w.id, queued_at: sentAt, sent_at: opts.status === 'failed' ? null : sentAt, failed_at: opts.status === 'failed' ? sentAt : null,
    })
    .execute();
  const token = surveyToken(ctx.config.sessionSecret, writtenRecordId);
  const tokenHash = surveyTokenHash(token);
  await ctx.db
    .insertInto('survey_invitations')
    .values({
      token_hash: tokenHash, authority_id: authorityId, written_record_id: writtenRecordId, conversation_id: conversationId,
      worker_id: w.id, team_id: w.teamId, created_at: sentAt, expires_at: new Date(opts.expiresAt ?? sentAt.getTime() + 28 * DAY),
    })
    .execute();
  return { token, tokenHash, conversationId, writtenRecordId, reference };
}

/** Another email carrying the same link (the sender resends a version with its first record's link). */
async function seedResend(s: Seeded, status: 'sent' | 'failed', at: string) {
  const first = await ctx.db.selectFrom('written_records').selectAll().where('id', '=', s.writtenRecordId).executeTakeFirstOrThrow();
  await ctx.db
    .insertInto('written_records')
    .values({
      id: randomUUID(), authority_id: first.authority_id, conversation_id: first.conversation_id, version: first.version, amended: false,
      recipient: 'sam.teacher@school.example.org', reason: 'resend', status, attempts: 1, queued_at: new Date(at), sent_at: status === 'sent' ? new Date(at) : null,
    })
    .execute();
}

/** A response stored directly (for the results tests), as if answered on `at`. */
async function seedResponse(s: Seeded, answers: Record<string, string>, at: string) {
  const inv = await ctx.db.selectFrom('survey_invitations').selectAll().where('token_hash', '=', s.tokenHash).executeTakeFirstOrThrow();
  await ctx.db.updateTable('survey_invitations').set({ used_at: new Date(at) }).where('token_hash', '=', s.tokenHash).execute();
  await ctx.db
    .insertInto('survey_responses')
    .values({
      id: randomUUID(), authority_id: inv.authority_id, invitation_token_hash: s.tokenHash, conversation_id: inv.conversation_id,
      worker_id: inv.worker_id, team_id: inv.team_id, submitted_at: new Date(at), answers: JSON.stringify(answers),
    })
    .execute();
}

const responsesFor = (s: Seeded) => ctx.db.selectFrom('survey_responses').selectAll().where('invitation_token_hash', '=', s.tokenHash).execute();

const GOOD = { helpful: '4', 'agreed-outcome': 'yes', 'easy-to-reach': 'no', 'anything-else': 'It took a while to get through,\r\nbut the advice was clear.' };

/** A caller's browser: opens the link (which gives it a session and a CSRF token), then posts. */
async function visitor(token: string) {
  const v = new Agent(app);
  const page = await v.get(`/survey/${token}`);
  return { v, page };
}

before(async () => {
  ctx = await createTestContext(NOW);
  app = await createTestApp(ctx);
  await addWorker('alex', 'norfolk', 'CADS Team 1', 'Alex Duty');
  await addWorker('bea', 'norfolk', 'CADS Team 2', 'Bea Senior');
  await addWorker('stoke', 'stoke-on-trent', ctx.profiles.get('stoke-on-trent').teams[0]!, 'Sid Stoke');
});
after(async () => {
  await app?.close();
  await ctx?.close();
});

describe('the caller survey', () => {
  test('shows the questions with the service and date, never the child, caller or reference', async () => {
    const s = await seedInvitation({ worker: 'alex' });
    const { page } = await visitor(s.token);
    assert.equal(page.status, 200);
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.match(page.body, /Children&#39;s Advice and Duty Service|Children's Advice and Duty Service/);
    assert.match(page.body, /Norfolk County Council/);
    assert.match(page.body, /on 20 November 2026/);
    assert.match(page.body, /How helpful was the conversation\?/);
    assert.match(page.body, /1 is not at all helpful, 5 is very helpful/);
    assert.match(page.body, /type="radio"[^>]*id="helpful"|id="helpful"[^>]*type="radio"/);
    assert.match(page.body, /<textarea[^>]*id="anything-else"/);
    assert.match(page.body, /name="_csrf" value="[^"]+"/);
    assert.doesNotMatch(page.body, /Sam Teacher|NFK-2026|sam\.teacher/);
    assert.ok(!page.body.includes(s.token), 'the token appears only in the address');
  });

  test('answering stores exactly one response, linked to the conversation, worker and team', async () => {
    const s = await seedInvitation({ worker: 'alex' });
    const { v } = await visitor(s.token);
    const res = await v.post(`/survey/${s.token}`, GOOD);
    assert.equal(res.status, 200);
    assert.match(res.body, /govuk-panel--confirmation/);
    assert.match(res.body, /Thank you/);
    const rows = await responsesFor(s);
    assert.equal(rows.length, 1);
    const r = rows[0]!;
    assert.equal(r.authority_id, 'norfolk');
    assert.equal(r.conversation_id, s.conversationId);
    assert.equal(r.worker_id, workers.alex!.id);
    assert.equal(r.team_id, workers.alex!.teamId);
    assert.equal(r.submitted_at.toISOString(), new Date(NOW).toISOString());
    assert.deepEqual(r.answers, { helpful: '4', 'agreed-outcome': 'yes', 'easy-to-reach': 'no', 'anything-else': 'It took a while to get through,\nbut the advice was clear.' });
    const inv = await ctx.db.selectFrom('survey_invitations').select('used_at').where('token_hash', '=', s.tokenHash).executeTakeFirstOrThrow();
    assert.equal(inv.used_at?.toISOString(), new Date(NOW).toISOString());

    // A second use, by form or by opening the link again: 410, and nothing more is stored.
    const again = await v.post(`/survey/${s.token}`, { ...GOOD, helpful: '1' });
    assert.equal(again.status, 410);
    assert.match(again.body, /You have already answered this survey/);
    const reopened = await new Agent(app).get(`/survey/${s.token}`);
    assert.equal(reopened.status, 410);
    assert.match(reopened.body, /You have already answered this survey/);
    assert.equal((await responsesFor(s)).length, 1);
    assert.equal((await responsesFor(s))[0]!.answers.helpful, '4');
  });

  test('an optional question can be left out, and only the authority’s questions are kept', async () => {
    const s = await seedInvitation({ worker: 'bea' });
    const { v } = await visitor(s.token);
    const res = await v.post(`/survey/${s.token}`, { helpful: '5', 'agreed-outcome': 'partly', 'easy-to-reach': 'yes', 'anything-else': '   ', 'caller-name': 'Injected' });
    assert.equal(res.status, 200);
    assert.deepEqual((await responsesFor(s))[0]!.answers, { helpful: '5', 'agreed-outcome': 'partly', 'easy-to-reach': 'yes' });
  });

  test('an expired link gets 410 and stores nothing', async () => {
    const s = await seedInvitation({ worker: 'alex', sentAt: '2026-09-01T10:00:00Z' });
    const { v, page } = await visitor(s.token);
    assert.equal(page.status, 410);
    assert.match(page.body, /This survey link has expired/);
    assert.match(page.body, /Norfolk County Council/);
    assert.doesNotMatch(page.body, /name="helpful"/);
    const res = await v.post(`/survey/${s.token}`, GOOD);
    assert.equal(res.status, 410);
    assert.match(res.body, /This survey link has expired/);
    assert.equal((await responsesFor(s)).length, 0);
    const inv = await ctx.db.selectFrom('survey_invitations').select('used_at').where('token_hash', '=', s.tokenHash).executeTakeFirstOrThrow();
    assert.equal(inv.used_at, null);
  });

  test('a link expires at its expiry time exactly', async () => {
    const s = await seedInvitation({ worker: 'alex', sentAt: '2026-11-01T10:00:00Z', expiresAt: NOW });
    assert.equal((await new Agent(app).get(`/survey/${s.token}`)).status, 410);
  });

  test('a forged (well-formed but unknown) or garbled token gets 404 and stores nothing', async () => {
    const before = await ctx.db.selectFrom('survey_responses').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const forged = surveyToken('not the real secret at all, not at all', randomUUID());
    assert.match(forged, /^[A-Za-z0-9_-]{43}$/);
    for (const token of [forged, 'abc', 'x'.repeat(44), 'not%20a%20token', `${forged.slice(0, 42)}!`]) {
      const v = new Agent(app);
      const page = await v.get(`/survey/${token}`);
      assert.equal(page.status, 404, `GET ${token}`);
      assert.match(page.body, /This survey link is not valid/);
      const res = await v.post(`/survey/${token}`, GOOD);
      assert.equal(res.status, 404, `POST ${token}`);
      assert.match(res.body, /This survey link is not valid/);
    }
    const afterwards = await ctx.db.selectFrom('survey_responses').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(afterwards.n), Number(before.n));
  });

  test('missing required answers: 400, an error summary linking to the first radio of each question, nothing stored', async () => {
    const s = await seedInvitation({ worker: 'alex' });
    const { v } = await visitor(s.token);
    const res = await v.post(`/survey/${s.token}`, { 'anything-else': 'Kept when the page is shown again' });
    assert.equal(res.status, 400);
    assert.deepEqual(errorSummary(res.body).map(([href]) => href), ['#helpful', '#agreed-outcome', '#easy-to-reach']);
    assert.match(errorSummary(res.body)[0]![1], /Select an answer to “How helpful was the conversation\?”/);
    // Each link lands on a real element: the first radio of its question.
    for (const id of ['helpful', 'agreed-outcome', 'easy-to-reach']) assert.match(res.body, new RegExp(`id="${id}"[^>]*type="radio"|type="radio"[^>]*id="${id}"`));
    assert.match(res.body, /<title>Error: /);
    assert.match(res.body, /Kept when the page is shown again/);
    assert.equal((await responsesFor(s)).length, 0);
    const inv = await ctx.db.selectFrom('survey_invitations').select('used_at').where('token_hash', '=', s.tokenHash).executeTakeFirstOrThrow();
    assert.equal(inv.used_at, null);

    // Values from outside the options, and text over 2,000 characters, are refused too.
    const bad = await v.post(`/survey/${s.token}`, { helpful: '6', 'agreed-outcome': 'yes', 'easy-to-reach': 'maybe', 'anything-else': 'a'.repeat(2001) });
    assert.equal(bad.status, 400);
    assert.deepEqual(errorSummary(bad.body).map(([href]) => href), ['#helpful', '#easy-to-reach', '#anything-else']);
    assert.match(bad.body, /2,000 characters or fewer/);
    assert.match(bad.body, /value="yes" checked/);
    assert.equal((await responsesFor(s)).length, 0);

    // Exactly 2,000 characters is fine, and the link still works after the errors.
    const ok = await v.post(`/survey/${s.token}`, { ...GOOD, 'anything-else': 'b'.repeat(2000) });
    assert.equal(ok.status, 200);
    assert.equal((await responsesFor(s)).length, 1);
  });

  test('the survey form needs its CSRF token like every other form', async () => {
    const s = await seedInvitation({ worker: 'alex' });
    const { v } = await visitor(s.token);
    const res = await v.post(`/survey/${s.token}`, { ...GOOD, _csrf: 'forged' });
    assert.equal(res.status, 403);
    assert.equal((await responsesFor(s)).length, 0);
  });

  test('two submissions at the same moment: exactly one is stored', async () => {
    const s = await seedInvitation({ worker: 'bea' });
    const [a, b] = await Promise.all([visitor(s.token), visitor(s.token)]);
    const results = await Promise.all([a.v.post(`/survey/${s.token}`, GOOD), b.v.post(`/survey/${s.token}`, { ...GOOD, helpful: '2' })]);
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 410]);
    assert.match(results.find((r) => r.status === 410)!.body, /You have already answered this survey/);
    assert.equal((await responsesFor(s)).length, 1);
  });

  test('the conditional update lets exactly one of two submissions through, even after both found the link open', async () => {
    const s = await seedInvitation({ worker: 'alex' });
    const service = new SurveyService(ctx.db, ctx.clock, ctx.profiles);
    const [x, y] = await Promise.all([service.open(s.token), service.open(s.token)]);
    assert.ok(x.kind === 'open' && y.kind === 'open');
    const outcomes = await Promise.all([service.submit(x, { helpful: '5' }), service.submit(y, { helpful: '1' })]);
    assert.deepEqual(outcomes.sort(), [false, true]);
    const rows = await responsesFor(s);
    assert.equal(rows.length, 1);
    assert.equal((await service.open(s.token)).kind, 'used');
  });

  test('submissions are rate limited', async () => {
    // An app of its own, so this test's requests count against no other test's limit.
    const limited = await createTestApp(ctx);
    try {
      const v = new Agent(limited);
      await v.get('/survey/abc');
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) statuses.push((await v.post('/survey/abc', GOOD)).status);
      assert.deepEqual(statuses.slice(0, 20), Array(20).fill(404));
      assert.equal(statuses[20], 429);
    } finally {
      await limited.close();
    }
  });
});

describe('survey results for managers', () => {
  const period = '?from=2026-06-01&to=2026-07-31';
  let manager: Agent;

  before(async () => {
    // June and July 2026 in Norfolk: Alex (team 1) had three surveys sent, two answered; Bea (team 2)
    // had three sent (one by a resend) and one answered, and one whose emails all failed (not counted as sent).
    const a1 = await seedInvitation({ worker: 'alex', sentAt: '2026-06-03T09:00:00Z', callerName: 'Priya Nurse' });
    const a2 = await seedInvitation({ worker: 'alex', sentAt: '2026-06-20T09:00:00Z', callerName: 'Priya Nurse' });
    await seedInvitation({ worker: 'alex', sentAt: '2026-07-02T09:00:00Z' });
    const b1 = await seedInvitation({ worker: 'bea', sentAt: '2026-07-10T09:00:00Z' });
    await seedInvitation({ worker: 'bea', sentAt: '2026-07-11T09:00:00Z' });
    const failed = await seedInvitation({ worker: 'bea', sentAt: '2026-07-12T09:00:00Z', status: 'failed' });
    await seedResend(failed, 'failed', '2026-07-12T12:00:00Z');
    // A link whose first email failed but whose resend went: that one was sent.
    const resent = await seedInvitation({ worker: 'bea', sentAt: '2026-07-13T09:00:00Z', status: 'failed' });
    await seedResend(resent, 'sent', '2026-07-14T09:00:00Z');
    await seedResponse(a1, { helpful: '5', 'agreed-outcome': 'yes', 'easy-to-reach': 'yes', 'anything-else': 'Really clear advice from Priya Nurse’s call' }, '2026-06-04T12:00:00Z');
    await seedResponse(a2, { helpful: '3', 'agreed-outcome': 'partly', 'easy-to-reach': 'no', 'anything-else': 'Waited <b>forty</b> minutes' }, '2026-06-25T12:00:00Z');
    await seedResponse(b1, { helpful: '4', 'agreed-outcome': 'yes', 'easy-to-reach': 'yes' }, '2026-07-15T12:00:00Z');
    // Stoke's, in the same months: never on Norfolk's page.
    const s1 = await seedInvitation({ worker: 'stoke', authorityId: 'stoke-on-trent', sentAt: '2026-06-05T09:00:00Z' });
    await seedResponse(s1, { helpful: '1', 'agreed-outcome': 'no', 'easy-to-reach': 'no', 'anything-else': 'Stoke-only comment' }, '2026-06-06T12:00:00Z');

    const u = await createUser(ctx, { role: 'team-manager' });
    manager = await signedInAgent(app, u.email);
  });

  /** The cells of the table with this caption, row by row (header cells included). */
  function table(html: string, caption: string): string[][] {
    const i = html.indexOf(`govuk-table__caption--m">${caption}`);
    assert.ok(i >= 0, `no table captioned "${caption}"`);
    const body = html.slice(i, html.indexOf('</table>', i));
    return [...body.matchAll(/<tr class="govuk-table__row">([\s\S]*?)<\/tr>/g)].map((m) =>
      [...m[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim()),
    );
  }

  test('counts, response rate and averages for the period', async () => {
    const res = await manager.get(`/survey-results${period}`);
    assert.equal(res.status, 200);
    assert.match(res.body, /1 June 2026 to 31 July 2026/);
    assert.match(res.body, /Surveys sent\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*6/);
    assert.match(res.body, /Responses\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*3/);
    assert.match(res.body, /Response rate\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*50%/);
    assert.deepEqual(table(res.body, 'How helpful was the conversation?'), [
      ['Answer', 'Responses', 'Percentage of answers'],
      ['1 – not at all helpful', '0', '0%'], ['2', '0', '0%'], ['3', '1', '33%'], ['4', '1', '33%'], ['5 – very helpful', '1', '33%'],
    ]);
    assert.match(res.body, /Average: <strong>4\.0<\/strong> on a scale of 1 to 5/);
    assert.deepEqual(table(res.body, 'Did you agree with the outcome?').slice(1), [['Yes', '2', '67%'], ['Partly', '1', '33%'], ['No', '0', '0%']]);
    assert.deepEqual(table(res.body, 'By month the survey was sent').slice(1), [
      ['June 2026', '2', '2', '100%', '4.0'],
      ['July 2026', '4', '1', '25%', '4.0'],
    ]);
  });

  test('per team and per worker', async () => {
    const res = await manager.get(`/survey-results${period}`);
    assert.deepEqual(table(res.body, 'By team'), [
      ['Team', 'Surveys sent', 'Responses', 'Response rate', 'Average helpfulness (1 to 5)'],
      ['CADS Team 1', '3', '2', '67%', '4.0'],
      ['CADS Team 2', '3', '1', '33%', '4.0'],
    ]);
    assert.deepEqual(table(res.body, 'By worker').slice(1), [
      ['Alex Duty', '3', '2', '67%', '4.0'],
      ['Bea Senior', '3', '1', '33%', '4.0'],
    ]);
  });

  test('free text, newest first, with date, team and worker but not the caller or the conversation', async () => {
    const res = await manager.get(`/survey-results${period}`);
    const rows = table(res.body, 'Is there anything else you would like to tell us?');
    assert.deepEqual(rows, [
      ['Date', 'Team', 'Worker', 'Answer'],
      ['25 June 2026', 'CADS Team 1', 'Alex Duty', 'Waited &lt;b&gt;forty&lt;/b&gt; minutes'],
      ['4 June 2026', 'CADS Team 1', 'Alex Duty', 'Really clear advice from Priya Nurse’s call'],
    ]);
    // What a caller wrote is theirs to include; the caller's name from the record and the reference are never added.
    assert.doesNotMatch(res.body.replace('Really clear advice from Priya Nurse’s call', ''), /Priya Nurse|Sam Teacher|sam\.teacher|NFK-2026|Designated safeguarding lead/);
    assert.doesNotMatch(res.body, /Stoke-only comment|Sid Stoke/);
  });

  test('the default period is the last 12 months, month by month', async () => {
    const res = await manager.get('/survey-results');
    assert.equal(res.status, 200);
    assert.match(res.body, /1 December 2025 to 23 November 2026/);
    const months = table(res.body, 'By month the survey was sent').slice(1);
    assert.equal(months.length, 12);
    assert.equal(months[0]![0], 'December 2025');
    assert.equal(months[11]![0], 'November 2026');
    assert.deepEqual(months.find((m) => m[0] === 'June 2026'), ['June 2026', '2', '2', '100%', '4.0']);
    assert.match(res.body, /Waited &lt;b&gt;forty&lt;\/b&gt; minutes/);
  });

  test('the period can be chosen with the date inputs, and is validated', async () => {
    const july = await manager.get('/survey-results?from-day=1&from-month=7&from-year=2026&to-day=31&to-month=7&to-year=2026');
    assert.equal(july.status, 200);
    assert.match(july.body, /Surveys sent\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*4/);
    assert.match(july.body, /value="7"/);

    const empty = await manager.get('/survey-results?from=2020-01-01&to=2020-01-31');
    assert.equal(empty.status, 200);
    assert.match(empty.body, /No survey links were sent in this period/);

    const bad = await manager.get('/survey-results?from=2026-02-30&to=2026-01-01');
    assert.equal(bad.status, 400);
    assert.deepEqual(errorSummary(bad.body), [['#from-day', 'Start date must be a real date']]);

    const backwards = await manager.get('/survey-results?from=2026-07-01&to=2026-06-01');
    assert.equal(backwards.status, 400);
    assert.deepEqual(errorSummary(backwards.body), [['#to-day', 'End date must be the same as or after the start date']]);

    const parts = await manager.get('/survey-results?from-day=1&from-month=13&from-year=2026');
    assert.equal(parts.status, 400);
    assert.deepEqual(errorSummary(parts.body), [['#from-month', 'Start date must be a real date']]);
  });

  test('MI analysts may see the results; CADS workers may not', async () => {
    const analyst = await signedInAgent(app, (await createUser(ctx, { role: 'mi-analyst' })).email);
    assert.equal((await analyst.get(`/survey-results${period}`)).status, 200);
    const worker = await signedInAgent(app, workers.alex!.email);
    assert.equal((await worker.get('/survey-results')).status, 403);
    const anonymous = await new Agent(app).get('/survey-results');
    assert.equal(anonymous.status, 302);
    assert.match(anonymous.location ?? '', /^\/sign-in/);
  });

  test('a Stoke manager sees only Stoke’s results', async () => {
    const stoke = await signedInAgent(app, (await createUser(ctx, { role: 'team-manager', authorityId: 'stoke-on-trent' })).email);
    const res = await stoke.get(`/survey-results${period}`);
    assert.equal(res.status, 200);
    assert.match(res.body, /Stoke-only comment/);
    assert.match(res.body, /Surveys sent\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*1/);
    assert.doesNotMatch(res.body, /Alex Duty|Bea Senior|Really clear advice|CADS Team 1/);
  });
});
