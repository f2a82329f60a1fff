/**
 * The duplicate review queue and reversible merges, end to end through the pages and the API:
 * the scan proposes pairs and never merges; a merge moves everything onto the record kept and
 * deletes nothing; undoing it restores both records exactly; "not the same person" is remembered.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import {
  createTestContext, createTestApp, createUser, createServiceAccount, signedInAgent, errorSummary, cleanUp, type Agent, type TestContext,
} from '../../../test/support/harness.js';
import { MatchingService } from '../matching/matching.service.js';
import { DuplicatesService } from './duplicates.service.js';
import { startDuplicateScanWorker, DUPLICATES_SCAN_CRON } from './worker.js';
import { nhsNumberCheckDigit } from '../../domain/nhs-number.js';

let ctx: TestContext;
let app: FastifyInstance;
let worker: Agent;
let manager: Agent;
let mash: Agent;
let partner: Agent;
let token: string;
let stokeToken: string;
let workerEmail: string;
let service: DuplicatesService;

// The known duplicate: one child recorded twice, each record with its own family and conversations.
let eleanor: string; // record 1: Eleanor Smith-Jones
let ellie: string; // record 2: Ellie Smith-Jones (same child)
let mother: string; // Eleanor's mother, in her household
let brother: string; // Ellie's brother, in her household
let pairId: string;
const eleanorConversations: string[] = [];
const ellieConversations: string[] = [];

/** Valid NHS numbers in the 999 test range. */
function testNhsNumbers(n: number): string[] {
  const out: string[] = [];
  for (let i = 200; out.length < n; i++) {
    const nine = `999${String(i).padStart(6, '0')}`;
    const check = nhsNumberCheckDigit(nine);
    if (check !== null) out.push(nine + check);
  }
  return out;
}

const api = (method: 'GET' | 'POST', url: string, payload?: unknown, auth = token) =>
  app.inject({ method, url, payload: payload as object, headers: { authorization: `Bearer ${auth}` } });

async function addChild(form: Record<string, string>): Promise<string> {
  // Duplicates on record were made by someone who gave a reason for creating a second record.
  const res = await worker.post('/people', { sex: 'U', 'different-child-reason': 'Recorded separately by another caller', ...form });
  assert.equal(res.status, 302, `adding ${form['given-name']}: ${errorSummary(res.body).map(([, t]) => t).join('; ')}`);
  return res.location!.split('/')[2]!;
}

async function addFamilyMember(childId: string, form: Record<string, string>): Promise<string> {
  const res = await worker.post(`/people/${childId}/family`, { sex: 'U', 'lives-with-child': 'yes', ...form });
  assert.equal(res.status, 302, errorSummary(res.body).map(([, t]) => t).join('; '));
  const rel = await ctx.db.selectFrom('relationships').select('related_person_id').where('person_id', '=', childId).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
  return rel.related_person_id;
}

/** Records and completes a conversation about the given people through the API. */
async function completeConversation(personIds: string[], outcomeCode = 'mash-checks'): Promise<string> {
  const res = await api('POST', '/api/v1/conversations', {
    caller: { type: 'professional', name: 'Dr Reed', agencyCode: 'gp', phone: '020 7946 0123', email: null },
    children: personIds.map((personId) => ({ personId, whereNow: 'Home', safeTonight: 'yes', outcomeCode, levelCode: '3', callerAgreed: true, nextSteps: 'MASH checks today' })),
    concernCategories: ['neglect'], concernDetail: 'Weight loss', immediacy: 'soon', parentsInformed: 'no', consentGiven: 'no',
    consentReasonCodes: ['risk-to-child'], consentReasonDetail: 'Parent may flee', lawfulBasisCode: 'public-task-children-act', worries: 'Faltering growth',
    complete: true, workerEmail,
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().id as string;
}

/** Everything a merge could touch, row by row, in a fixed order. */
async function snapshot() {
  const rows = async (table: 'persons' | 'person_aliases' | 'relationships' | 'households' | 'conversation_children' | 'conversations' | 'conversation_versions' | 'decisions', order: string[]) =>
    (await sql<Record<string, unknown>>`select * from ${sql.table(table)} order by ${sql.join(order.map((c) => sql.ref(c)))}`.execute(ctx.db)).rows;
  return {
    persons: await rows('persons', ['id']),
    person_aliases: await rows('person_aliases', ['id']),
    relationships: await rows('relationships', ['id']),
    households: await rows('households', ['id']),
    conversations: await rows('conversations', ['id']),
    conversation_versions: await rows('conversation_versions', ['conversation_id', 'version']),
    conversation_children: await rows('conversation_children', ['conversation_id', 'version', 'person_id']),
    decisions: await rows('decisions', ['id']),
  };
}

/** What the API says about a person: their record with family links, and their chronology. */
async function readBack(id: string) {
  const person = await api('GET', `/api/v1/people/${id}`);
  const chronology = await api('GET', `/api/v1/people/${id}/chronology`);
  assert.equal(person.statusCode, 200);
  assert.equal(chronology.statusCode, 200);
  return { person: person.json(), chronology: chronology.json() };
}

const auditActions = async (action: string) =>
  ctx.db.selectFrom('audit_events').select(['person_id', 'details', 'actor_user_id', 'actor_service_account_id']).where('action', '=', action).execute();

before(async () => {
  ctx = await createTestContext();
  app = await createTestApp(ctx);
  service = new DuplicatesService(ctx);
  const w = await createUser(ctx, { role: 'cads-worker', displayName: 'Sam Worker' });
  workerEmail = w.email;
  worker = await signedInAgent(app, w.email);
  manager = await signedInAgent(app, (await createUser(ctx, { role: 'team-manager' })).email);
  mash = await signedInAgent(app, (await createUser(ctx, { role: 'mash-coordinator' })).email);
  partner = await signedInAgent(app, (await createUser(ctx, { role: 'partner-practitioner' })).email);
  token = await createServiceAccount(ctx, { role: 'cads-worker' });
  stokeToken = await createServiceAccount(ctx, { role: 'cads-worker', authorityId: 'stoke-on-trent' });

  const home = { 'address-line-1': '12 Oak Road', town: 'Norwich', postcode: 'NR1 2DH' };
  eleanor = await addChild({ 'given-name': 'Eleanor', 'family-name': 'Smith-Jones', 'alias-given': 'Nell', 'alias-family': 'Smith', 'dob-day': '4', 'dob-month': '11', 'dob-year': '2016', sex: 'F', 'nhs-number': '999 100 0003', ...home });
  ellie = await addChild({ 'given-name': 'Ellie', 'family-name': 'Smith-Jones', 'dob-day': '4', 'dob-month': '11', 'dob-year': '2016', sex: 'F', ...home });
  mother = await addFamilyMember(eleanor, { 'given-name': 'Anne', 'family-name': 'Smith-Jones', 'dob-day': '1', 'dob-month': '2', 'dob-year': '1988', sex: 'F', 'relationship-type': 'mother' });
  brother = await addFamilyMember(ellie, { 'given-name': 'Alfie', 'family-name': 'Smith-Jones', 'dob-day': '9', 'dob-month': '3', 'dob-year': '2019', sex: 'M', 'relationship-type': 'sibling' });

  ctx.clock.set('2026-10-01T10:00:00Z');
  eleanorConversations.push(await completeConversation([eleanor], 'no-further-action'));
  ctx.clock.set('2026-10-20T10:00:00Z');
  ellieConversations.push(await completeConversation([ellie, brother]));
  ctx.clock.set('2026-11-10T10:00:00Z');
  ellieConversations.push(await completeConversation([ellie], 'no-further-action'));
  ctx.clock.set('2026-11-23T10:00:00Z');
  // However people were made, their standardised columns are up to date before the engine runs.
  await new MatchingService().restandardise(ctx.db);
});

after(async () => {
  await cleanUp(
    () => app?.close(),
    () => ctx?.close(),
  );
});

describe('the scan', () => {
  test('proposes the known duplicate pair, with its reasons, and merges nothing', async () => {
    const result = await service.scan('norfolk');
    assert.ok(result.peopleScanned >= 4, `scanned ${result.peopleScanned}`);
    const [a, b] = eleanor < ellie ? [eleanor, ellie] : [ellie, eleanor];
    const pair = await ctx.db.selectFrom('duplicate_candidates').selectAll().where('person_a_id', '=', a).where('person_b_id', '=', b).executeTakeFirst();
    assert.ok(pair, 'the pair Eleanor / Ellie is in the queue');
    assert.equal(pair.status, 'open');
    assert.ok(pair.probability >= 0.5);
    assert.ok((pair.reasons as string[]).length > 0);
    pairId = pair.id;
    const merged = await ctx.db.selectFrom('persons').select('id').where('merged_into_id', 'is not', null).execute();
    assert.equal(merged.length, 0, 'the scan never merges');
    assert.equal(Number((await ctx.db.selectFrom('person_merges').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 0);
    const scans = await ctx.db.selectFrom('duplicate_scans').selectAll().where('authority_id', '=', 'norfolk').executeTakeFirstOrThrow();
    assert.ok(scans.last_started_at && scans.last_finished_at);
  });

  test('a second scan looks only at people changed since, and keeps the pair as it was', async () => {
    const again = await service.scan('norfolk');
    assert.equal(again.peopleScanned, 0);
    const pair = await ctx.db.selectFrom('duplicate_candidates').select(['id', 'status']).where('id', '=', pairId).executeTakeFirstOrThrow();
    assert.equal(pair.status, 'open');
  });

  test('the review queue lists the pair with both names, dates of birth, the likelihood and the reasons', async () => {
    const res = await worker.get('/duplicates');
    assert.equal(res.status, 200);
    assert.match(res.body, /Eleanor Smith-Jones/);
    assert.match(res.body, /Ellie Smith-Jones/);
    assert.match(res.body, /Born 4 November 2016/);
    assert.match(res.body, /(Very likely|Likely|Possibly) the same child/);
    assert.match(res.body, /\d+%/);
    assert.match(res.body, new RegExp(`/duplicates/${pairId}`));
    assert.match(res.body, /Look for duplicates now/);
    const viaApi = await api('GET', '/api/v1/duplicates');
    assert.equal(viaApi.statusCode, 200);
    assert.ok(viaApi.json().pairs.some((p: { id: string }) => p.id === pairId));
  });

  test('a MASH coordinator may review but not decide; a partner-agency practitioner may not see the queue', async () => {
    const page = await mash.get('/duplicates');
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.body, /Look for duplicates now/);
    const compare = await mash.get(`/duplicates/${pairId}`);
    assert.equal(compare.status, 200);
    assert.doesNotMatch(compare.body, /Merge records/);
    assert.equal((await mash.post(`/duplicates/${pairId}/merge`, { survivor: eleanor, reason: 'x' })).status, 403);
    assert.equal((await partner.get('/duplicates')).status, 403);
    assert.equal((await partner.get(`/duplicates/${pairId}`)).status, 403);
  });
});

describe('comparing a pair', () => {
  test('shows both records side by side with the reasons, and is audited as a view of both children', async () => {
    const res = await worker.get(`/duplicates/${pairId}`);
    assert.equal(res.status, 200);
    for (const text of ['Eleanor Smith-Jones', 'Ellie Smith-Jones', 'Nell Smith', '999 100 0003', 'NR1 2DH', '12 Oak Road', 'Anne Smith-Jones', 'Alfie Smith-Jones', 'Merge records', 'Not the same person']) {
      assert.ok(res.body.includes(text), text);
    }
    const audit = await auditActions('duplicates.viewed');
    assert.deepEqual(new Set(audit.map((a) => a.person_id)), new Set([eleanor, ellie]));
  });

  test('a merge without a choice or a reason is explained, and nothing is saved', async () => {
    const before = await snapshot();
    const res = await worker.post(`/duplicates/${pairId}/merge`, { survivor: '', reason: '  ' });
    assert.equal(res.status, 400);
    assert.deepEqual(errorSummary(res.body).map(([h]) => h), ['#survivor', '#reason']);
    assert.deepEqual(await snapshot(), before);
    assert.equal((await ctx.db.selectFrom('person_merges').select('id').execute()).length, 0);
  });
});

describe('merge and unmerge round trip', () => {
  let before: Awaited<ReturnType<typeof snapshot>>;
  let eleanorBefore: Awaited<ReturnType<typeof readBack>>;
  let ellieBefore: Awaited<ReturnType<typeof readBack>>;
  let mergeId: string;

  test('merging moves conversations, family and history onto the record kept, and deletes nothing', async () => {
    before = await snapshot();
    eleanorBefore = await readBack(eleanor);
    ellieBefore = await readBack(ellie);
    assert.deepEqual(eleanorBefore.chronology.entries.filter((e: { aboutThisChild: boolean }) => e.aboutThisChild).map((e: { conversationId: string }) => e.conversationId), eleanorConversations);

    const res = await worker.post(`/duplicates/${pairId}/merge`, { survivor: eleanor, reason: 'Same child: confirmed with the school and the GP' });
    assert.equal(res.status, 302, errorSummary(res.body).join('; '));
    assert.equal(res.location, `/people/${eleanor}`);

    // Nothing deleted or rewritten: every row is as it was, except the merged record's link to the one kept.
    const after = await snapshot();
    for (const table of Object.keys(before) as (keyof typeof before)[]) {
      assert.equal(after[table].length, before[table].length, `${table} row count`);
      if (table !== 'persons') assert.deepEqual(after[table], before[table], table);
    }
    for (const [i, row] of after.persons.entries()) {
      if (row.id !== ellie) assert.deepEqual(row, before.persons[i], `person ${String(row.id)}`);
      else {
        assert.equal(row.merged_into_id, eleanor);
        assert.ok(row.merged_at instanceof Date);
        assert.deepEqual({ ...row, merged_into_id: null, merged_at: null }, before.persons[i]);
      }
    }

    const merge = await ctx.db.selectFrom('person_merges').selectAll().executeTakeFirstOrThrow();
    mergeId = merge.id;
    assert.equal(merge.survivor_id, eleanor);
    assert.equal(merge.merged_id, ellie);
    assert.equal(merge.reason, 'Same child: confirmed with the school and the GP');
    assert.equal((await ctx.db.selectFrom('duplicate_candidates').select('status').where('id', '=', pairId).executeTakeFirstOrThrow()).status, 'merged');

    // The record kept now shows everything about both.
    const kept = await readBack(eleanor);
    const about = kept.chronology.entries.filter((e: { aboutThisChild: boolean }) => e.aboutThisChild).map((e: { conversationId: string }) => e.conversationId);
    assert.deepEqual(new Set(about), new Set([...eleanorConversations, ...ellieConversations]));
    const familyIds = kept.person.family.map((f: { id: string }) => f.id);
    assert.ok(familyIds.includes(mother), 'her own mother');
    assert.ok(familyIds.includes(brother), 'the merged record’s brother');

    const page = await worker.get(`/people/${eleanor}`);
    assert.equal(page.status, 200);
    assert.match(page.body, /Records merged/);
    assert.match(page.body, /id="merged-records"/);
    assert.match(page.body, new RegExp(`/merges/${mergeId}/unmerge`));
    assert.match(page.body, /Alfie Smith-Jones/);
    assert.match(page.body, /this child, merged record/);
    // Eleanor's "no further action" was followed within 28 days by a conversation about Ellie: only the merged record shows it.
    assert.equal(eleanorBefore.chronology.flags.length, 0);
    assert.ok(kept.chronology.flags.length > 0, 'accumulation counts the merged record’s conversations');
    assert.match(page.body, /Concerns are accumulating/);
    for (const id of ellieConversations) {
      const ref = (await ctx.db.selectFrom('conversations').select('reference').where('id', '=', id).executeTakeFirstOrThrow()).reference;
      assert.ok(page.body.includes(ref), ref);
    }

    // The merged record still opens, says where it went, and the view is audited.
    const mergedPage = await worker.get(`/people/${ellie}`);
    assert.equal(mergedPage.status, 200);
    assert.match(mergedPage.body, /This record was merged into/);
    assert.match(mergedPage.body, new RegExp(`href="/people/${eleanor}"`));
    assert.match(mergedPage.body, /Sam Worker/);
    // Its details are changed on the kept record, not here.
    assert.doesNotMatch(mergedPage.body, new RegExp(`href="/people/${ellie}/edit"`));
    const views = await ctx.db.selectFrom('audit_events').select('id').where('action', '=', 'person.viewed').where('person_id', '=', ellie).execute();
    assert.ok(views.length >= 2, 'viewing the kept record and the merged record both count as views of the merged child');

    // The pair has left the queue.
    assert.doesNotMatch((await worker.get('/duplicates')).body, new RegExp(`/duplicates/${pairId}`));

    const audit = await auditActions('person.merged');
    assert.deepEqual(new Set(audit.map((a) => a.person_id)), new Set([eleanor, ellie]));
    assert.equal((audit[0]!.details as { mergeId: string }).mergeId, mergeId);
  });

  test('undoing needs a reason; without one nothing changes', async () => {
    const page = await worker.get(`/merges/${mergeId}/unmerge`);
    assert.equal(page.status, 200);
    assert.match(page.body, /Undo a merge/);
    const snap = await snapshot();
    const res = await worker.post(`/merges/${mergeId}/unmerge`, { reason: '' });
    assert.equal(res.status, 400);
    assert.deepEqual(errorSummary(res.body).map(([h]) => h), ['#reason']);
    assert.deepEqual(await snapshot(), snap);
  });

  test('undoing the merge restores both records exactly', async () => {
    const res = await manager.post(`/merges/${mergeId}/unmerge`, { reason: 'Twins, not the same child: the school has two' });
    assert.equal(res.status, 302, errorSummary(res.body).join('; '));
    assert.equal(res.location, `/people/${ellie}`);
    assert.deepEqual(await snapshot(), before);
    assert.deepEqual(await readBack(eleanor), eleanorBefore);
    assert.deepEqual(await readBack(ellie), ellieBefore);

    const merge = await ctx.db.selectFrom('person_merges').selectAll().where('id', '=', mergeId).executeTakeFirstOrThrow();
    assert.ok(merge.unmerged_at && merge.unmerged_by);
    assert.equal(merge.unmerge_reason, 'Twins, not the same child: the school has two');
    const audit = await auditActions('person.unmerged');
    assert.deepEqual(new Set(audit.map((a) => a.person_id)), new Set([eleanor, ellie]));

    const page = await worker.get(`/people/${ellie}`);
    assert.doesNotMatch(page.body, /This record was merged into/);
    assert.doesNotMatch((await worker.get(`/people/${eleanor}`)).body, /id="merged-records"/);
  });

  test('a merge cannot be undone twice', async () => {
    const res = await api('POST', `/api/v1/merges/${mergeId}/unmerge`, { reason: 'again' });
    assert.equal(res.statusCode, 409);
    assert.match(String(res.headers['content-type']), /application\/problem\+json/);
    assert.match(res.json().detail, /already been undone/);
  });

  test('the pair is not put back in the queue by itself, even by a full scan', async () => {
    await service.scan('norfolk', { full: true });
    assert.equal((await ctx.db.selectFrom('duplicate_candidates').select('status').where('id', '=', pairId).executeTakeFirstOrThrow()).status, 'merged');
    assert.doesNotMatch((await worker.get('/duplicates')).body, new RegExp(`/duplicates/${pairId}`));
  });
});

describe('merging through the API, and the guards', () => {
  let mergeId: string;

  test('merges a person into another record; a new conversation naming the merged record lands on the record kept', async () => {
    const res = await api('POST', `/api/v1/people/${ellie}/merge`, { mergeIntoId: eleanor, reason: 'Confirmed with health visitor' });
    assert.equal(res.statusCode, 201, res.body);
    mergeId = res.json().mergeId;
    assert.deepEqual(res.json(), { mergeId, survivorId: eleanor, mergedId: ellie });
    // Reading the merged record through the API says where it went.
    assert.equal((await api('GET', `/api/v1/people/${ellie}`)).json().mergedIntoId, eleanor);
    assert.equal((await api('GET', `/api/v1/people/${eleanor}`)).json().mergedIntoId, null);
    const audit = await ctx.db.selectFrom('audit_events').select(['actor_service_account_id', 'person_id']).where('action', '=', 'person.merged').where('actor_service_account_id', 'is not', null).execute();
    assert.equal(audit.length, 2);

    const conversationId = await completeConversation([ellie]);
    const children = await ctx.db.selectFrom('conversation_children').select('person_id').where('conversation_id', '=', conversationId).execute();
    assert.deepEqual(children.map((c) => c.person_id), [eleanor]);

    // And on a page: adding the merged record to a draft adds the record kept.
    const start = await worker.post('/conversations', {});
    assert.equal(start.status, 302);
    const draftId = start.location!.split('/')[2]!;
    const added = await worker.post(`/conversations/${draftId}/children`, { 'person-id': ellie });
    assert.ok([302, 303].includes(added.status), String(added.status));
    const draftChildren = await ctx.db.selectFrom('conversation_children').select('person_id').where('conversation_id', '=', draftId).execute();
    assert.deepEqual(draftChildren.map((c) => c.person_id), [eleanor]);
  });

  test('a record cannot be merged into itself', async () => {
    const res = await api('POST', `/api/v1/people/${eleanor}/merge`, { mergeIntoId: eleanor, reason: 'x' });
    assert.equal(res.statusCode, 422);
    assert.match(res.json().detail, /cannot be merged into itself/);
  });

  test('a record already merged cannot be merged again, nor can anything be merged into it', async () => {
    const res = await api('POST', `/api/v1/people/${ellie}/merge`, { mergeIntoId: mother, reason: 'x' });
    assert.equal(res.statusCode, 409);
    assert.match(res.json().detail, /already been merged into another record/);
    const into = await api('POST', `/api/v1/people/${brother}/merge`, { mergeIntoId: ellie, reason: 'x' });
    assert.equal(into.statusCode, 409);
    assert.match(into.json().detail, /merge into that record instead/);
  });

  test('records with different NHS numbers are refused with a clear message', async () => {
    const [one, two] = testNhsNumbers(2);
    const a = await addChild({ 'given-name': 'Jack', 'family-name': 'Brown', 'dob-day': '1', 'dob-month': '6', 'dob-year': '2015', 'nhs-number': one! });
    const b = await addChild({ 'given-name': 'Jack', 'family-name': 'Brown', 'dob-day': '1', 'dob-month': '6', 'dob-year': '2015', 'nhs-number': two! });
    const res = await api('POST', `/api/v1/people/${a}/merge`, { mergeIntoId: b, reason: 'Looks the same' });
    assert.equal(res.statusCode, 422);
    assert.match(res.json().detail, /different NHS numbers/);
    assert.deepEqual(res.json().errors.map((e: { field: string }) => e.field), ['survivor']);
    assert.equal((await ctx.db.selectFrom('persons').select('merged_into_id').where('id', 'in', [a, b]).execute()).filter((p) => p.merged_into_id).length, 0);
  });

  test('a record of another authority looks like one that does not exist', async () => {
    const created = await api('POST', '/api/v1/people', { givenName: 'Ellie', familyName: 'Smith-Jones', dateOfBirth: '2016-11-04', sex: 'F' }, stokeToken);
    assert.equal(created.statusCode, 201);
    const res = await api('POST', `/api/v1/people/${created.json().id}/merge`, { mergeIntoId: eleanor, reason: 'x' });
    assert.equal(res.statusCode, 404);
  });

  test('a reason is required over the API too', async () => {
    const res = await api('POST', `/api/v1/people/${mother}/merge`, { mergeIntoId: eleanor, reason: '' });
    assert.equal(res.statusCode, 400);
  });

  test('the merge is undone through the API', async () => {
    const res = await api('POST', `/api/v1/merges/${mergeId}/unmerge`, { reason: 'Merged by mistake' });
    assert.equal(res.statusCode, 200, res.body);
    const p = await ctx.db.selectFrom('persons').select(['merged_into_id', 'merged_at']).where('id', '=', ellie).executeTakeFirstOrThrow();
    assert.deepEqual(p, { merged_into_id: null, merged_at: null });
  });
});

describe('not the same person', () => {
  test('is remembered: a later scan never proposes the pair again', async () => {
    const home = { 'address-line-1': '3 Elm Close', town: 'Norwich', postcode: 'NR3 1AB' };
    const oliver = await addChild({ 'given-name': 'Oliver', 'family-name': 'Greenwood', 'dob-day': '12', 'dob-month': '5', 'dob-year': '2018', sex: 'M', ...home });
    const olly = await addChild({ 'given-name': 'Olly', 'family-name': 'Greenwood', 'dob-day': '12', 'dob-month': '5', 'dob-year': '2018', sex: 'M', ...home });
    await new MatchingService().restandardise(ctx.db);
    await service.scan('norfolk');
    const [a, b] = oliver < olly ? [oliver, olly] : [olly, oliver];
    const pair = await ctx.db.selectFrom('duplicate_candidates').selectAll().where('person_a_id', '=', a).where('person_b_id', '=', b).executeTakeFirst();
    assert.ok(pair, 'the pair Oliver / Olly is proposed');
    assert.equal(pair.status, 'open');

    const res = await worker.post(`/duplicates/${pair.id}/not-same`, { note: 'Cousins who share a birthday' });
    assert.equal(res.status, 302);
    assert.equal(res.location, '/duplicates');
    const decided = await ctx.db.selectFrom('duplicate_candidates').selectAll().where('id', '=', pair.id).executeTakeFirstOrThrow();
    assert.equal(decided.status, 'not-same');
    assert.equal(decided.decision_note, 'Cousins who share a birthday');
    const audit = await auditActions('duplicate.marked-not-same');
    assert.deepEqual(new Set(audit.map((x) => x.person_id)), new Set([oliver, olly]));

    // Deciding again is refused, and a full scan leaves the decision alone.
    const again = await worker.post(`/duplicates/${pair.id}/not-same`, {});
    assert.equal(again.status, 409);
    assert.match(again.body, /already been decided/);
    await service.scan('norfolk', { full: true });
    assert.equal((await ctx.db.selectFrom('duplicate_candidates').select('status').where('id', '=', pair.id).executeTakeFirstOrThrow()).status, 'not-same');
    const queue = await worker.get('/duplicates');
    assert.doesNotMatch(queue.body, new RegExp(`/duplicates/${pair.id}`));
    const comparison = await worker.get(`/duplicates/${pair.id}`);
    assert.match(comparison.body, /marked as not the same person/);
    assert.doesNotMatch(comparison.body, /Merge records/);
  });
});

describe('the job', () => {
  test('“Look for duplicates now” runs the scan through the job queue, and the nightly run is scheduled', async () => {
    await startDuplicateScanWorker(ctx, 0.5);
    const schedules = await ctx.jobs.boss.getSchedules();
    const nightly = schedules.find((s) => s.name === 'duplicates-scan');
    assert.ok(nightly, 'scheduled');
    assert.equal(nightly.cron, DUPLICATES_SCAN_CRON);
    // pg-boss keeps the time zone in a column of its own (its type only declares the options).
    assert.equal((nightly as unknown as { timezone?: string }).timezone ?? nightly.options?.tz, 'Europe/London');

    const before = (await ctx.db.selectFrom('duplicate_scans').select('last_finished_at').where('authority_id', '=', 'norfolk').executeTakeFirstOrThrow()).last_finished_at!;
    const res = await manager.post('/duplicates/scan', {});
    assert.equal(res.status, 302);
    assert.equal(res.location, '/duplicates');
    const deadline = Date.now() + 30_000;
    for (;;) {
      const row = await ctx.db.selectFrom('duplicate_scans').select('last_finished_at').where('authority_id', '=', 'norfolk').executeTakeFirstOrThrow();
      if (row.last_finished_at && row.last_finished_at > before) break;
      assert.ok(Date.now() < deadline, 'the scan job ran within 30 seconds');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal((await ctx.db.selectFrom('persons').select('id').where('merged_into_id', 'is not', null).execute()).length, 0, 'the job never merges');
  });
});
