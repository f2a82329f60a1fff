import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { createTestContext, createTestApp, createUser, signedInAgent, errorSummary, type Agent, type TestContext } from '../../../test/support/harness.js';

let ctx: TestContext;
let app: FastifyInstance;
let worker: Agent;
let workerId: string;

before(async () => {
  ctx = await createTestContext('2026-11-23T10:00:00Z'); // a Monday
  app = await createTestApp(ctx);
  const u = await createUser(ctx, { role: 'cads-worker' });
  workerId = u.id;
  worker = await signedInAgent(app, u.email);
});
after(async () => {
  await app?.close();
  await ctx?.close();
});

async function startConversation(agent = worker): Promise<string> {
  const res = await agent.post('/conversations', {});
  assert.equal(res.status, 302);
  return res.location!.split('/')[2]!;
}

async function addNewChild(id: string, given: string, family: string, dob: [string, string, string]): Promise<string> {
  const res = await worker.post(`/conversations/${id}/children/new`, {
    'given-name': given, 'family-name': family, 'dob-day': dob[0], 'dob-month': dob[1], 'dob-year': dob[2], sex: 'F', postcode: 'nr1 2dh',
  });
  assert.equal(res.status, 302, `adding ${given}`);
  const row = await ctx.db.selectFrom('persons').select('id').where('given_name', '=', given).where('family_name', '=', family).executeTakeFirstOrThrow();
  return row.id;
}

async function lock(id: string) {
  const r = await ctx.db.selectFrom('conversations').select('lock_version').where('id', '=', id).executeTakeFirstOrThrow();
  return String(r.lock_version);
}

/** Fills every section for two siblings, without consent (with the reasons). */
async function fillSiblingsWithoutConsent(id: string) {
  await worker.post(`/conversations/${id}/caller`, {
    'lock-version': await lock(id), 'caller-type': 'professional', 'caller-name': 'Sam Teacher', 'caller-role': 'Designated safeguarding lead',
    'caller-agency': 'school', 'caller-phone': '01632 960001', 'caller-email': 'sam.teacher@school.example.org', action: 'continue',
  });
  const ellie = await addNewChild(id, 'Mia', 'Fernsby', ['3', '4', '2016']);
  const alfie = await addNewChild(id, 'Noah', 'Fernsby', ['9', '10', '2019']);
  let r = await worker.post(`/conversations/${id}/concern`, {
    'lock-version': await lock(id),
    'children-0-where-now': 'At school', 'children-0-safe-tonight': 'unknown',
    'children-1-where-now': 'At nursery', 'children-1-safe-tonight': 'yes',
    'concern-categories': ['neglect', 'domestic-abuse'], 'concern-detail': 'Arrived hungry three days running; disclosed shouting at home.',
    immediacy: 'soon', 'support-to-date': 'Breakfast club offered.', action: 'continue',
  });
  assert.equal(r.status, 302);
  r = await worker.post(`/conversations/${id}/consent`, {
    'lock-version': await lock(id), 'parents-informed': 'no', 'consent-given': 'no',
    'consent-reason': ['risk-to-child', 'undermine-investigation'], 'consent-reason-detail': 'Father is the alleged perpetrator.',
    'lawful-basis': 'public-task-children-act', action: 'continue',
  });
  assert.equal(r.status, 302);
  r = await worker.post(`/conversations/${id}/analysis`, {
    'lock-version': await lock(id), worries: 'Neglect and exposure to domestic abuse.', strengths: 'Attends school every day.', 'needs-to-happen': 'Assessment.', action: 'continue',
  });
  assert.equal(r.status, 302);
  r = await worker.post(`/conversations/${id}/outcome`, {
    'lock-version': await lock(id),
    'children-0-level': '3', 'children-0-outcome': 'social-care-assessment', 'children-0-caller-agreed': 'yes', 'children-0-next-steps': 'Allocate for assessment', 'children-0-next-steps-by': 'CADS',
    'children-1-level': '3', 'children-1-outcome': 'social-care-assessment', 'children-1-caller-agreed': 'no', 'children-1-disagreement-note': 'Caller wanted a strategy discussion.',
    action: 'continue',
  });
  assert.equal(r.status, 302);
  return { ellie, alfie };
}

describe('recording a conversation about two siblings without consent', () => {
  let id: string;
  let kids: { ellie: string; alfie: string };

  test('each section saves as a draft and the task list shows progress', async () => {
    id = await startConversation();
    kids = await fillSiblingsWithoutConsent(id);
    const page = await worker.get(`/conversations/${id}/edit`);
    assert.equal(page.status, 200);
    assert.equal((page.body.match(/Completed/g) ?? []).length >= 6, true);
    const version = await ctx.db.selectFrom('conversation_versions').selectAll().where('conversation_id', '=', id).executeTakeFirstOrThrow();
    assert.equal(version.status, 'draft');
    assert.deepEqual(version.consent_reason_codes, ['risk-to-child', 'undermine-investigation']);
    assert.equal(version.caller_phone, '01632 960001');
  });

  test('the second child joined the first child’s household', async () => {
    const rows = await ctx.db.selectFrom('persons').select(['household_id']).where('id', 'in', [kids.ellie, kids.alfie]).execute();
    assert.ok(rows[0]!.household_id);
    assert.equal(rows[0]!.household_id, rows[1]!.household_id);
  });

  test('completing locks the record and sets the one-working-day decision deadline', async () => {
    const res = await worker.post(`/conversations/${id}/complete`, { 'lock-version': await lock(id) });
    assert.equal(res.status, 302);
    const c = await ctx.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(c.status, 'completed');
    // Started Monday 23 November 2026 10:00 GMT: due by the end of Tuesday 24 November (London).
    assert.equal(c.decision_due_at!.toISOString(), '2026-11-24T23:59:59.999Z');
    const page = await worker.get(`/conversations/${id}`);
    assert.match(page.body, /Conversation completed/);
    assert.match(page.body, /It would put the child at risk of significant harm/);
    assert.match(page.body, /Caller wanted a strategy discussion/);
  });

  test('a completed conversation cannot be changed by any section route or the database itself', async () => {
    for (const section of ['caller', 'concern', 'consent', 'analysis', 'outcome']) {
      const res = await worker.post(`/conversations/${id}/${section}`, { 'lock-version': await lock(id), 'caller-name': 'Changed', worries: 'Changed', action: 'save' });
      assert.equal(res.status, 409, section);
    }
    assert.equal((await worker.post(`/conversations/${id}/children/remove`, { 'person-id': kids.ellie })).status, 409);
    const v = await ctx.db.selectFrom('conversation_versions').select(['caller_name', 'worries']).where('conversation_id', '=', id).executeTakeFirstOrThrow();
    assert.equal(v.caller_name, 'Sam Teacher');
    await assert.rejects(sql`update conversation_versions set worries = 'x' where conversation_id = ${id}`.execute(ctx.db), /cannot be changed/);
    await assert.rejects(sql`delete from conversation_children where conversation_id = ${id}`.execute(ctx.db), /cannot be changed/);
  });

  test('it appears on the worker’s list awaiting decision, and overdue after the deadline', async () => {
    let list = await worker.get('/');
    assert.match(list.body, new RegExp(`Awaiting decision[\\s\\S]*${(await ctx.db.selectFrom('conversations').select('reference').where('id', '=', id).executeTakeFirstOrThrow()).reference}`));
    assert.doesNotMatch(list.body, /Overdue/);
    ctx.clock.set('2026-11-25T09:00:00Z');
    list = await worker.get('/');
    assert.match(list.body, /Overdue/);
    ctx.clock.set('2026-11-23T10:00:00Z');
  });

  test('the chronology of each child shows the conversation with outcome, caller agency and worker', async () => {
    const page = await worker.get(`/people/${kids.alfie}`);
    assert.equal(page.status, 200);
    assert.match(page.body, /Referral for a social care assessment/);
    assert.match(page.body, /School/);
    assert.match(page.body, /Test cads-worker/);
  });

  test('recording the decision takes it off the list', async () => {
    const noNeed = await worker.post(`/conversations/${id}/decision`, { 'person-id': kids.ellie, decision: 'child-and-family-assessment', rationale: 'Threshold met.' });
    assert.equal(noNeed.status, 400, 'an assessment needs the primary need');
    assert.deepEqual(errorSummary(noNeed.body), [['#primary-need', 'Select the primary need, or “N0 Not stated” if it is not known yet']]);
    const badNeed = await worker.post(`/conversations/${id}/decision`, { 'person-id': kids.ellie, decision: 'child-and-family-assessment', 'primary-need': 'N12', rationale: 'Threshold met.' });
    assert.equal(badNeed.status, 400, 'only N0 to N9');
    for (const pid of [kids.ellie, kids.alfie]) {
      const res = await worker.post(`/conversations/${id}/decision`, { 'person-id': pid, decision: 'child-and-family-assessment', 'primary-need': 'N1', rationale: 'Threshold met.' });
      assert.equal(res.status, 302);
    }
    const saved = await ctx.db.selectFrom('decisions').select('primary_need_code').where('conversation_id', '=', id).execute();
    assert.deepEqual(saved.map((d) => d.primary_need_code), ['N1', 'N1'], 'the primary need is kept with each decision');
    const list = await worker.get('/');
    assert.doesNotMatch(list.body.split('Drafts and corrections')[0]!, /Fernsby/);
  });

  test('a correction creates version 2 with its reason and leaves version 1 untouched', async () => {
    const noReason = await worker.post(`/conversations/${id}/amend`, { reason: '' });
    assert.equal(noReason.status, 400);
    assert.deepEqual(errorSummary(noReason.body), [['#reason', 'Enter why the record needs correcting']]);
    const res = await worker.post(`/conversations/${id}/amend`, { reason: 'Caller’s phone number was wrong' });
    assert.equal(res.status, 302);
    await worker.post(`/conversations/${id}/caller`, {
      'lock-version': await lock(id), 'caller-type': 'professional', 'caller-name': 'Sam Teacher', 'caller-agency': 'school', 'caller-phone': '01632 960002', 'caller-email': 'sam.teacher@school.example.org', action: 'save',
    });
    const done = await worker.post(`/conversations/${id}/complete`, { 'lock-version': await lock(id) });
    assert.equal(done.status, 302);
    const versions = await ctx.db.selectFrom('conversation_versions').select(['version', 'status', 'caller_phone', 'amendment_reason']).where('conversation_id', '=', id).orderBy('version').execute();
    assert.deepEqual(versions.map((v) => [v.version, v.status, v.caller_phone]), [[1, 'completed', '01632 960001'], [2, 'completed', '01632 960002']]);
    assert.equal(versions[1]!.amendment_reason, 'Caller’s phone number was wrong');
    const c = await ctx.db.selectFrom('conversations').select(['current_version', 'decision_due_at']).where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(c.current_version, 2);
    assert.equal(c.decision_due_at!.toISOString(), '2026-11-24T23:59:59.999Z', 'the decision clock is not restarted by a correction');
    const v1 = await worker.get(`/conversations/${id}/versions/1`);
    assert.match(v1.body, /01632 960001/);
    assert.match(v1.body, /has since been corrected/);
  });

  test('every step was audited against both children', async () => {
    const actions = await ctx.db.selectFrom('audit_events').select(['action', 'person_id']).where('conversation_id', '=', id).execute();
    const kinds = new Set(actions.map((a) => a.action));
    for (const k of ['conversation.created', 'conversation.child-added', 'conversation.draft-saved', 'conversation.completed', 'conversation.viewed', 'decision.recorded', 'conversation.amendment-started']) {
      assert.ok(kinds.has(k), k);
    }
    const completedFor = actions.filter((a) => a.action === 'conversation.completed').map((a) => a.person_id).sort();
    assert.deepEqual(completedFor, [kids.ellie, kids.alfie, kids.ellie, kids.alfie].sort());
  });
});

describe('bad input', () => {
  test('completing an incomplete draft lists every problem, links each to its field, and saves nothing', async () => {
    const id = await startConversation();
    const res = await worker.post(`/conversations/${id}/complete`, { 'lock-version': await lock(id) });
    assert.equal(res.status, 400);
    assert.match(res.body, /<title>Error: /);
    const errors = errorSummary(res.body);
    const hrefs = errors.map(([h]) => h);
    assert.ok(hrefs.includes(`/conversations/${id}/caller#caller-name`));
    assert.ok(hrefs.includes(`/conversations/${id}/children#children`));
    assert.ok(hrefs.includes(`/conversations/${id}/consent#consent-given`));
    const c = await ctx.db.selectFrom('conversations').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(c.status, 'draft');
  });

  test('consent refused without a reason cannot be completed', async () => {
    const id = await startConversation();
    await fillSiblingsWithoutConsent(id).catch(() => undefined);
    await worker.post(`/conversations/${id}/consent`, { 'lock-version': await lock(id), 'parents-informed': 'no', 'consent-given': 'no', action: 'save' });
    const res = await worker.post(`/conversations/${id}/complete`, { 'lock-version': await lock(id) });
    assert.equal(res.status, 400);
    const texts = errorSummary(res.body).map(([, t]) => t);
    assert.ok(texts.includes('Select why consent was not sought'));
    assert.ok(texts.includes('Explain why consent was not sought'));
    assert.ok(texts.includes('Select the lawful basis for sharing information without consent'));
  });

  test('a malformed email and phone are refused on the caller page with inline errors; nothing is saved', async () => {
    const id = await startConversation();
    const res = await worker.post(`/conversations/${id}/caller`, { 'lock-version': await lock(id), 'caller-name': 'Pat', 'caller-email': 'not-an-email', 'caller-phone': 'call me', action: 'save' });
    assert.equal(res.status, 400);
    assert.deepEqual(errorSummary(res.body).map(([h]) => h), ['#caller-phone', '#caller-email']);
    assert.match(res.body, /id="caller-email-error"/);
    const v = await ctx.db.selectFrom('conversation_versions').select('caller_name').where('conversation_id', '=', id).executeTakeFirstOrThrow();
    assert.equal(v.caller_name, null);
  });

  test('two people saving the same draft: the second is told, not silently overwritten', async () => {
    const id = await startConversation();
    const stale = await lock(id);
    const first = await worker.post(`/conversations/${id}/analysis`, { 'lock-version': stale, worries: 'First', action: 'save' });
    assert.equal(first.status, 302);
    const second = await worker.post(`/conversations/${id}/analysis`, { 'lock-version': stale, worries: 'Second', action: 'save' });
    assert.equal(second.status, 409);
    assert.match(second.body, /Someone else has saved this conversation/);
    const v = await ctx.db.selectFrom('conversation_versions').select('worries').where('conversation_id', '=', id).executeTakeFirstOrThrow();
    assert.equal(v.worries, 'First');
  });

  test('another authority’s conversation is not found', async () => {
    const id = await startConversation();
    const stoke = await createUser(ctx, { role: 'cads-worker', authorityId: 'stoke-on-trent' });
    const other = await signedInAgent(app, stoke.email);
    assert.equal((await other.get(`/conversations/${id}`)).status, 404);
    assert.equal((await other.get(`/conversations/${id}/caller`)).status, 404);
    assert.equal((await other.post(`/conversations/${id}/analysis`, { 'lock-version': '0', worries: 'x' })).status, 404);
  });
});

describe('accumulation', () => {
  test('a third conversation about a child within 12 months raises the banner and a stored flag', async () => {
    let child = '';
    for (let i = 0; i < 3; i++) {
      ctx.clock.set(new Date(Date.UTC(2026, 8 + i, 7, 10)).toISOString()); // 7 Sep, 7 Oct, 7 Nov 2026
      const id = await startConversation();
      if (i === 0) child = await addNewChild(id, 'Ruby', 'Quill', ['1', '2', '2018']);
      else assert.equal((await worker.post(`/conversations/${id}/children`, { 'person-id': child })).status, 302);
      await worker.post(`/conversations/${id}/caller`, { 'lock-version': await lock(id), 'caller-type': 'professional', 'caller-name': 'GP', 'caller-agency': 'gp', 'caller-phone': '01632 960003', action: 'save' });
      await worker.post(`/conversations/${id}/concern`, { 'lock-version': await lock(id), 'children-0-where-now': 'Home', 'children-0-safe-tonight': 'yes', 'concern-categories': 'neglect', 'concern-detail': 'Missed appointments', immediacy: 'not-immediate', action: 'save' });
      await worker.post(`/conversations/${id}/consent`, { 'lock-version': await lock(id), 'parents-informed': 'yes', 'consent-given': 'yes', action: 'save' });
      await worker.post(`/conversations/${id}/analysis`, { 'lock-version': await lock(id), worries: 'Health needs unmet', action: 'save' });
      await worker.post(`/conversations/${id}/outcome`, { 'lock-version': await lock(id), 'children-0-level': '2', 'children-0-outcome': 'advice-and-information', 'children-0-caller-agreed': 'yes', action: 'save' });
      assert.equal((await worker.post(`/conversations/${id}/complete`, { 'lock-version': await lock(id) })).status, 302);
      const page = await worker.get(`/people/${child}`);
      if (i < 2) assert.doesNotMatch(page.body, /Concerns are accumulating/);
      else {
        assert.match(page.body, /Concerns are accumulating/);
        assert.match(page.body, /3 conversations in the last 12 months/);
      }
    }
    const flags = await ctx.db.selectFrom('accumulation_flags').select('message').where('person_id', '=', child).execute();
    assert.ok(flags.some((f) => /3 conversations/.test(f.message)));
    ctx.clock.set('2026-11-23T10:00:00Z');
  });
});

test('the work list belongs to its worker; a team manager sees the team', async () => {
  const manager = await createUser(ctx, { role: 'team-manager' });
  const m = await signedInAgent(app, manager.email);
  const own = await m.get('/');
  assert.doesNotMatch(own.body, /Fernsby/);
  const team = await m.get('/team');
  assert.equal(team.status, 200);
  assert.match(team.body, /Test cads-worker/);
  void workerId;
});
