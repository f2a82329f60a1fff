/**
 * issue10-E: a subject access export holds everything about the person (including a record merged
 * into theirs), in every section, with third-party information marked for redaction review and never
 * silently left out or left unmarked; it is audited; only the authority's administrators get it.
 *
 * Sophie Trevelyan (born 4 April 2015) lives with her mother Nadia and brother Oscar. A neighbour
 * (a member of the public) rang about Sophie and Oscar; Sophie's outcome was MASH checks, and the
 * police answered with risk information. The police also sent a written referral about Sophie. She
 * has an allocated social worker. An older record of hers, made twice by mistake, was merged.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createTestApp, createTestContext, createUser, signedInAgent, type Agent, type TestContext } from '../../../test/support/harness.js';
import { AUDIT, conversation, decide, merge, person, principalOf, relate, testNhsNumber } from '../../../test/support/retention-fixtures.js';
import type { Principal } from '../../platform/auth/roles.js';
import { MashService } from '../mash/mash.service.js';
import { ReferralsService } from '../referrals/referrals.service.js';
import { AllocatedWorkersService } from '../allocated-workers/allocated-workers.service.js';
import { REVIEW_CATEGORIES } from './subject-access.service.js';

let ctx: TestContext;
let app: FastifyInstance;
let admin: Agent;
const ids: Record<string, string> = {};
const refs: Record<string, string> = {};
const NHS = testNhsNumber(202);

before(async () => {
  ctx = await createTestContext('2026-11-23T10:00:00Z');
  app = await createTestApp(ctx);
  const worker = await principalOf(ctx, (await createUser(ctx, { role: 'cads-worker', displayName: 'Sam Ridley' })).id);
  const manager = await principalOf(ctx, (await createUser(ctx, { role: 'team-manager', displayName: 'Morgan Hale' })).id);
  const coordinator = await principalOf(ctx, (await createUser(ctx, { role: 'mash-coordinator' })).id);
  const police = await principalOf(ctx, (await createUser(ctx, { role: 'partner-practitioner', agencyCode: 'police', displayName: 'PC Dana Whitlock' })).id);
  admin = await signedInAgent(app, (await createUser(ctx, { role: 'administrator' })).email);

  ctx.clock.set('2026-10-01T10:00:00Z');
  ids.sophie = await person(ctx, worker, { given: 'Sophie', family: 'Trevelyan', dob: '2015-04-04', nhs: NHS, address: '3 Quayside Court', postcode: 'NR1 1AA' });
  ids.nadia = await person(ctx, worker, { given: 'Nadia', family: 'Trevelyan', dob: '1990-02-02', householdOf: ids.sophie });
  ids.oscar = await person(ctx, worker, { given: 'Oscar', family: 'Trevelyan', dob: '2017-08-08', householdOf: ids.sophie });
  ids.duplicate = await person(ctx, worker, { given: 'Sophia', family: 'Trevelyan', dob: '2015-04-04' });
  await relate(ctx, worker, ids.sophie, ids.nadia, 'mother');
  await relate(ctx, worker, ids.sophie, ids.oscar, 'sibling');

  refs.older = (await conversation(ctx, worker, { at: '2026-10-05T10:00:00Z', children: [{ personId: ids.duplicate, outcome: 'advice-and-information' }] })).reference;
  ctx.clock.set('2026-10-06T10:00:00Z');
  await merge(ctx, worker, ids.duplicate, ids.sophie);
  const c = await conversation(ctx, worker, {
    at: '2026-11-02T10:00:00Z',
    caller: { name: 'Joan Pettigrew', email: null, phone: '07700 900456', type: 'public' },
    children: [{ personId: ids.sophie, outcome: 'mash-checks', whereNow: 'At school' }, { personId: ids.oscar, outcome: 'advice-and-information', whereNow: 'With a childminder' }],
    worries: '<script>alert("x")</script> Shouting heard most nights',
  });
  ids.conversation = c.id;
  refs.conversation = c.reference;
  await decide(ctx, manager, c.id, ids.sophie, '2026-11-03T10:00:00Z', 'Checks show a pattern of incidents');

  // The MASH: rated, police asked, police answer.
  ctx.clock.set('2026-11-03T11:00:00Z');
  const mash = new MashService(ctx);
  const enquiry = await ctx.db.selectFrom('mash_enquiries').select(['id', 'lock_version']).where('conversation_id', '=', c.id).executeTakeFirstOrThrow();
  const rated = await mash.rate(coordinator, enquiry.id, 'amber', null, enquiry.lock_version, AUDIT);
  assert.ok(rated.ok, 'rated');
  const sent = await mash.sendRequests(coordinator, enquiry.id, ['police'], AUDIT);
  assert.ok(sent.ok, 'sent');
  const request = await ctx.db.selectFrom('mash_check_requests').select('id').where('enquiry_id', '=', enquiry.id).executeTakeFirstOrThrow();
  const answered = await mash.respond(police, request.id, { kind: 'response', nothingKnown: false, holds: 'Two domestic incident logs', sourceSystem: 'Athena', checkedOn: '2026-11-03', riskInformation: 'Mother’s partner Lee Varney arrested in 2025', lawfulBasisCode: 'public-task-children-act' }, AUDIT);
  assert.ok(answered.ok, `answered: ${JSON.stringify(answered)}`);

  // A written referral from the police, matched to Sophie.
  ctx.clock.set('2026-11-10T10:00:00Z');
  const referrals = new ReferralsService(ctx);
  const submitted = await referrals.submit(police, {
    referrer: { name: 'PC Dana Whitlock', role: 'Response officer', phone: '01603 276000', email: 'dana.whitlock@police.example.org' },
    children: [{ givenName: 'Sophie', familyName: 'Trevelyan', dateOfBirth: '2015-04-04', unborn: false, expectedDateOfBirth: null, addressLine1: '3 Quayside Court', town: 'Norwich', postcode: 'NR1 1AA', whereNow: 'At home with mother' }],
    incident: { reference: 'NC-20261110-0042', at: new Date('2026-11-10T01:30:00Z'), place: '3 Quayside Court', postcode: 'NR1 1AA' },
    concernCategories: ['domestic-abuse'], whatHappened: 'Officers attended a domestic incident; the children were present.', immediacy: 'soon',
    parentsInformed: 'yes', consentGiven: 'yes', consentReasonCodes: [], consentReasonDetail: '', lawfulBasisCode: '',
  }, 'page', AUDIT);
  assert.ok(submitted.ok, `referral: ${JSON.stringify(submitted)}`);
  const rc = await ctx.db.selectFrom('referral_children').select('id').where('referral_id', '=', submitted.referral.id).executeTakeFirstOrThrow();
  await referrals.matchChild(worker, submitted.referral.id, rc.id, ids.sophie, AUDIT);

  const allocated = await new AllocatedWorkersService(ctx).add(manager, ids.sophie, { kind: 'social-worker', workerName: 'Alex Morgan', team: 'Norwich East', phone: '01603 222333', email: 'alex.morgan@norfolk.example', userId: '', start: { day: '9', month: '11', year: '2026' } }, AUDIT);
  assert.ok(allocated.ok, `allocated: ${JSON.stringify(allocated)}`);
  ctx.clock.set('2026-11-23T10:00:00Z');
});

after(async () => {
  await app?.close();
  await ctx?.close();
});

/** Every place a string occurs in the export, with the review category of the nearest marked value around it (null: not marked). */
function occurrences(node: unknown, needle: string, category: string | null = null, out: (string | null)[] = []): (string | null)[] {
  if (typeof node === 'string') {
    if (node.includes(needle)) out.push(category);
  } else if (Array.isArray(node)) {
    for (const x of node) occurrences(x, needle, category, out);
  } else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    const marked = o.redactionReview && typeof o.redactionReview === 'object' ? (o.redactionReview as { category: string }).category : null;
    for (const [k, v] of Object.entries(o)) if (k !== 'redactionReview') occurrences(v, needle, marked ?? category, out);
  }
  return out;
}

type Bundle = { subject: { recordKept: string; personIds: string[]; name: string }; sections: Record<string, unknown[]>; redactionReview: { total: number; byCategory: Record<string, number> }; redaction?: unknown };

async function exportJson(agent: Agent, personId: string): Promise<Bundle> {
  const res = await agent.get(`/admin/subject-access/people/${personId}/export/json`);
  assert.equal(res.status, 200, 'the export downloads');
  assert.match(String(res.headers['content-disposition']), /^attachment; filename="subject-access-[0-9a-f]{8}-2026-11-23\.json"$/, 'as a file named without the person’s name');
  return JSON.parse(res.body) as Bundle;
}

test('finding the person: by a reference (with their family) or by NHS number', async () => {
  const byRef = await admin.post('/admin/subject-access', { query: refs.conversation! });
  assert.equal(byRef.status, 200, 'found by the conversation reference');
  for (const n of ['Sophie Trevelyan', 'Oscar Trevelyan', 'Nadia Trevelyan']) assert.ok(byRef.body.includes(n), `${n} is listed`);
  const byNhs = await admin.post('/admin/subject-access', { query: NHS.replace(/(\d{3})(\d{3})(\d{4})/, '$1 $2 $3') });
  assert.match(byNhs.body, /Sophie Trevelyan/, 'found by NHS number, written with spaces');
  const nothing = await admin.post('/admin/subject-access', { query: 'NFK-1999-000001' });
  assert.equal(nothing.status, 404, 'an unknown reference');
  assert.match(nothing.body, /govuk-error-summary/, 'says so in the error summary');
});

test('the export has every section, holds the merged record too, and marks third parties for review', async () => {
  const b = await exportJson(admin, ids.duplicate!);
  assert.equal(b.subject.recordKept, ids.sophie, 'asked for the merged record, it answers for the record kept');
  assert.deepEqual([...b.subject.personIds].sort(), [ids.sophie!, ids.duplicate!].sort(), 'both records');
  const n = (k: string) => b.sections[k]!.length;
  assert.equal(n('person'), 2, 'both person records');
  assert.equal(n('relationships'), 2, 'mother and brother');
  assert.equal(n('conversations'), 2, 'the conversation about the merged record and the later one');
  assert.equal(n('decisions'), 1, 'the decision');
  assert.equal(n('mashEnquiries'), 1, 'the MASH enquiry');
  assert.equal(n('writtenReferrals'), 1, 'the written referral');
  assert.equal(n('allocatedWorkers'), 1, 'the allocated worker');
  assert.ok(n('writtenRecordsSent') >= 0 && Array.isArray(b.sections.writtenRecordsSent), 'written records sent (none: the caller gave no email)');
  assert.ok(n('auditTrail') >= 5, 'who created, changed and viewed the record');
  for (const k of ['earlyHelpRequests', 'disagreements', 'calls', 'legalHolds', 'accumulationFlags', 'allocatedWorkerNotices', 'recordsMerged']) assert.ok(Array.isArray(b.sections[k]), `section ${k} is there`);
  assert.equal(n('recordsMerged'), 1, 'the merge');

  const person = b.sections.person!.find((p) => (p as { recordKept: boolean }).recordKept) as Record<string, unknown>;
  assert.deepEqual([person.givenName, person.dateOfBirth, person.nhsNumber, person.postcode], ['Sophie', '2015-04-04', NHS, 'NR1 1AA'], 'her own details, unmarked');

  // Oscar is both another child in the conversation and Sophie's brother.
  const expect: [string, (keyof typeof REVIEW_CATEGORIES)[]][] = [
    ['Joan Pettigrew', ['caller']], ['07700 900456', ['caller']], ['Oscar', ['other-child', 'family-member']], ['Nadia', ['family-member']], ['Alex Morgan', ['professional']],
    ['Lee Varney', ['partner-information']], ['Two domestic incident logs', ['partner-information']], ['dana.whitlock@police.example.org', ['referrer']],
    ['Shouting heard most nights', ['free-text']], ['Checks show a pattern', ['free-text']], ['Sam Ridley', ['professional']], ['Morgan Hale', ['professional']],
  ];
  for (const [needle, categories] of expect) {
    const where = occurrences(b, needle);
    assert.ok(where.length > 0, `"${needle}" is in the export, not left out`);
    assert.deepEqual([...new Set(where)].sort(), [...categories].sort(), `every "${needle}" is marked for review, as ${categories.join(' or ')}`);
  }
  assert.equal(b.redactionReview.total, Object.values(b.redactionReview.byCategory).reduce((x, y) => x + y, 0), 'the count adds up');
  assert.ok(b.redactionReview.total >= expect.length, 'the count is filled in');
});

test('the readable summary marks the same items and shows text safely', async () => {
  const res = await admin.get(`/admin/subject-access/people/${ids.sophie}/export/html`);
  assert.equal(res.status, 200, 'downloads');
  assert.match(String(res.headers['content-type']), /^text\/html/, 'as HTML');
  assert.match(String(res.headers['content-disposition']), /^attachment; filename="subject-access-[0-9a-f]{8}-2026-11-23\.html"$/, 'as a file');
  assert.ok(!/<script/i.test(res.body), 'no script element: the worries’ text is escaped');
  assert.match(res.body, /&lt;script&gt;alert/, 'but shown as written');
  const tags = (res.body.match(/<span class="review" data-category=/g) ?? []).length;
  const stated = Number(res.body.match(/<p>(\d+) items? (?:is|are) marked/)?.[1]);
  assert.ok(stated > 10, `the summary says how many items are marked (${stated})`);
  assert.equal(tags, stated, 'one tag for every marked item');
  assert.match(res.body, /Conversations <span class="count">\(2\)<\/span>/, 'the sections are headed with their counts');
});

test('exports are audited on the person’s trail; other roles and other authorities are refused', async () => {
  const rows = await ctx.db.selectFrom('audit_events').select(['action', 'details', 'person_id']).where('action', '=', 'subject-access.exported').execute();
  const formats = rows.filter((r) => r.person_id === ids.sophie).map((r) => (r.details as { format: string }).format).sort();
  assert.deepEqual(formats, ['html', 'json'], 'each download, on Sophie’s trail');
  assert.ok(rows.some((r) => r.person_id === ids.duplicate), 'and on the merged record’s');
  assert.ok(!JSON.stringify(rows.map((r) => r.details)).includes('Trevelyan'), 'the audit details name no one');

  const page = await admin.get(`/admin/subject-access/people/${ids.sophie}`);
  assert.equal(page.status, 200, 'the summary page');
  assert.match(page.body, /Marked for redaction review/, 'says how much is marked');
  const viewed = await ctx.db.selectFrom('audit_events').select('id').where('action', '=', 'subject-access.viewed').where('person_id', '=', ids.sophie!).execute();
  assert.equal(viewed.length, 1, 'viewing the summary is audited');

  for (const role of ['cads-worker', 'team-manager', 'mi-analyst', 'mash-coordinator'] as const) {
    const agent = await signedInAgent(app, (await createUser(ctx, { role })).email);
    assert.equal((await agent.get(`/admin/subject-access/people/${ids.sophie}/export/json`)).status, 403, `${role} cannot export`);
    assert.equal((await agent.get('/admin/subject-access')).status, 403, `${role} cannot find`);
  }
  const stoke = await signedInAgent(app, (await createUser(ctx, { role: 'administrator', authorityId: 'stoke-on-trent' })).email);
  assert.equal((await stoke.get(`/admin/subject-access/people/${ids.sophie}/export/json`)).status, 404, 'another authority’s administrator finds nothing');
  assert.equal((await stoke.get(`/admin/subject-access/people/${ids.sophie}`)).status, 404, 'nor the summary');
  const found = await stoke.post('/admin/subject-access', { query: refs.conversation! });
  assert.equal(found.status, 404, 'nor by reference');
  const after = await ctx.db.selectFrom('audit_events').select('id').where('action', '=', 'subject-access.exported').execute();
  assert.equal(after.length, rows.length, 'refused requests export nothing');
});

test('a principal outside the authority cannot build a bundle through the service either', async () => {
  const { SubjectAccessService } = await import('./subject-access.service.js');
  const stokeAdmin: Principal = { kind: 'user', id: ids.sophie!, authorityId: 'stoke-on-trent', role: 'administrator', displayName: 'x', agencyCode: null, teamId: null, email: null };
  await assert.rejects(new SubjectAccessService(ctx).build(stokeAdmin, ids.sophie!), /not found/i, 'not found in another authority');
});
