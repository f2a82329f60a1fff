/**
 * issue10-F: the authorisation matrix for restricted records, generated from the route table like
 * test/authorisation.int.test.ts (its companion).
 *
 * On the demo data, one record of every kind a route can open (a child, a conversation, a MASH
 * enquiry and request, a referral, an Early Help request, a disagreement, an allocation and its
 * notice, a possible duplicate, a merge, an email in the mailbox, a call) has its child restricted
 * to one named worker. Then, for a user of each role who is not named:
 *
 *  - every route that takes an id is classified (a record about a child, or listed as not), so a
 *    new record page cannot skip the check;
 *  - every route that opens one of those records, page or API, GET or POST, is refused with the
 *    "restricted record" page or a problem+json 403, and names no restricted person;
 *  - every list page, and the MI drill-down, exports and statutory returns, answers without naming
 *    a restricted person;
 *  - a partner agency's practitioner sees "Restricted record" in their MASH requests and can break
 *    glass for their own request.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { createTestContext, createTestApp, createUser, signedInAgent, createServiceAccount, type Agent, type TestContext } from './support/harness.js';
import { ROLES, type Role } from '../src/platform/auth/roles.js';
import { loadDemoData } from '../src/features/demo/demo-data.js';
import { seedDemoCalls } from '../src/features/telephony/demo-calls.js';
import { seedDemoMash } from '../src/features/mash/demo-mash.js';
import { seedDemoReferrals } from '../src/features/referrals/demo-referrals.js';
import { seedDemoAllocatedWorkers } from '../src/features/allocated-workers/demo-allocated-workers.js';
import { seedDemoEarlyHelp } from '../src/features/early-help/demo-early-help.js';
import { seedDemoDisagreements } from '../src/features/disagreements/demo-disagreements.js';
import { refreshManagementInformation } from '../src/features/mi/mi-refresh.js';
import { DuplicatesService } from '../src/features/duplicates/duplicates.service.js';
import { WrittenRecordsService } from '../src/features/written-records/written-records.service.js';
import { RestrictedRecordsService } from '../src/features/restricted-records/restricted-records.service.js';
import { SUBJECT_ROUTES, classification, takesAnId } from '../src/features/restricted-records/subjects.js';
import type { SubjectKind } from '../src/features/restricted-records/restricted-records.repository.js';

const NOW = '2026-11-23T10:00:00Z';
let ctx: TestContext;
let app: FastifyInstance;
const agents = new Map<Role, Agent>();
const tokens = new Map<Role, string>();
let named: { id: string; email: string };
let namedAgent: Agent;
/** One record of each kind, about a restricted child. */
const records = new Map<SubjectKind, string>();
/** The full names of everyone restricted, where no one else in the authority has the same name. */
let names: string[] = [];
let restrictedChild: string;
let policeRequest: string;
let conversationDay: string;

const leaks = (body: string) => names.filter((n) => body.includes(n));
/** Where a name shows, for the failure message. */
const around = (body: string) => {
  const n = leaks(body)[0];
  if (!n) return '';
  const i = body.indexOf(n);
  return body.slice(Math.max(0, i - 400), i + 100).replace(/\s+/g, ' ');
};

async function one<T>(q: Promise<T | undefined>, what: string): Promise<T> {
  const r = await q;
  assert.ok(r, `the demo data has ${what}`);
  return r;
}

before(async () => {
  ctx = await createTestContext(NOW);
  const now = new Date(NOW);
  await loadDemoData(ctx.db, { profiles: ctx.profiles.all(), now, calendar: ctx.calendar });
  await seedDemoCalls(ctx.db, ctx.profiles, ctx.calendars, now);
  await seedDemoMash(ctx, now);
  await seedDemoReferrals(ctx, now);
  await seedDemoAllocatedWorkers(ctx, now);
  await seedDemoEarlyHelp(ctx, now);
  await seedDemoDisagreements(ctx, now);
  app = await createTestApp(ctx);
  for (const role of ROLES) {
    const u = await createUser(ctx, { role, displayName: `Not named ${role}` });
    agents.set(role, await signedInAgent(app, u.email));
    tokens.set(role, await createServiceAccount(ctx, { role, name: `svc ${role}` }));
  }
  named = await createUser(ctx, { role: 'cads-worker', displayName: 'Named worker' });
  namedAgent = await signedInAgent(app, named.email);
  const db = ctx.db;
  const A = 'norfolk';

  // A record of each kind, from the demo data; the missing kinds made as people make them.
  const enquiry = await one(db.selectFrom('mash_check_requests as r').select(['r.id', 'r.enquiry_id']).where('r.authority_id', '=', A).where('r.agency_code', '=', 'police').where('r.status', '=', 'open').executeTakeFirst(), 'an open police check request');
  policeRequest = enquiry.id;
  records.set('mash-request', enquiry.id);
  records.set('mash-enquiry', enquiry.enquiry_id);
  const conversation = await one(db.selectFrom('conversations').select(['id', 'started_at']).where('authority_id', '=', A).where('status', '=', 'completed').orderBy('started_at', 'desc').executeTakeFirst(), 'a completed conversation');
  records.set('conversation', conversation.id);
  conversationDay = new Date(conversation.started_at).toISOString().slice(0, 10);
  records.set('referral', (await one(db.selectFrom('referral_children as c').innerJoin('referrals as r', 'r.id', 'c.referral_id').select('r.id').where('r.authority_id', '=', A).where('c.person_id', 'is not', null).executeTakeFirst(), 'a matched referral')).id);
  records.set('early-help-request', (await one(db.selectFrom('early_help_requests').select('id').where('authority_id', '=', A).executeTakeFirst(), 'an Early Help request')).id);
  records.set('disagreement', (await one(db.selectFrom('disagreements').select('id').where('authority_id', '=', A).executeTakeFirst(), 'a disagreement')).id);
  records.set('allocation', (await one(db.selectFrom('worker_allocations').select('id').where('authority_id', '=', A).where('ended_at', 'is', null).executeTakeFirst(), 'an allocation')).id);
  records.set('allocated-worker-notice', (await one(db.selectFrom('allocated_worker_notices').select('id').where('authority_id', '=', A).executeTakeFirst(), 'a notice to an allocated worker')).id);
  records.set('call', (await one(db.selectFrom('calls').select('id').where('authority_id', '=', A).where('conversation_id', 'is not', null).executeTakeFirst(), 'a call with a conversation')).id);

  // A possible duplicate and a merge: near-copies of a demo child, found by the scan and merged through the API.
  const token = tokens.get('team-manager')!;
  const copyOf = async (): Promise<{ original: string; copy: string }> => {
    const p = await one(
      db.selectFrom('persons').select(['id', 'given_name', 'family_name', 'date_of_birth', 'sex', 'postcode']).where('authority_id', '=', A).where('merged_into_id', 'is', null)
        .where('date_of_birth', 'is not', null).where('given_name', 'is not', null).orderBy('person_number').offset(records.size * 7).executeTakeFirst(),
      'a child to copy',
    );
    const res = await app.inject({ method: 'POST', url: '/api/v1/people', headers: { authorization: `Bearer ${token}` }, payload: { givenName: p.given_name, familyName: p.family_name, dateOfBirth: p.date_of_birth, sex: p.sex, postcode: p.postcode ?? undefined, differentChildReason: 'Test: a duplicate made on purpose' } });
    assert.equal(res.statusCode, 201, `the copy is made: ${res.body}`);
    return { original: p.id, copy: res.json().id };
  };
  const dup = await copyOf();
  await new DuplicatesService(ctx).scan(A, { full: true });
  records.set('duplicate', (await one(db.selectFrom('duplicate_candidates').select('id').where('authority_id', '=', A).where((eb) => eb.or([eb('person_a_id', '=', dup.copy), eb('person_b_id', '=', dup.copy)])).executeTakeFirst(), 'the copy found as a possible duplicate')).id);
  const merged = await copyOf();
  const m = await app.inject({ method: 'POST', url: `/api/v1/people/${merged.copy}/merge`, headers: { authorization: `Bearer ${token}` }, payload: { mergeIntoId: merged.original, reason: 'Test: the same child' } });
  assert.equal(m.statusCode, 201, `the merge is made: ${m.body}`);
  records.set('merge', (await one(db.selectFrom('person_merges').select('id').where('merged_id', '=', merged.copy).executeTakeFirst(), 'the merge')).id);

  // An email in the local mailbox: a demo written record, delivered as the worker would.
  const wr = await one(db.selectFrom('written_records').select('id').where('authority_id', '=', A).executeTakeFirst(), 'a written record');
  await new WrittenRecordsService(ctx).deliver(wr.id, { retryCount: 0, retryLimit: 3 });
  records.set('mailbox-message', (await one(db.selectFrom('mailbox_messages').select('id').where('written_record_id', '=', wr.id).executeTakeFirst(), 'the mailbox message')).id);

  // Restrict the child (or children) of each record to the named worker.
  const service = new RestrictedRecordsService(ctx);
  const everyone = new Set<string>();
  for (const [kind, id] of records) for (const p of await service.subjectPeople(db, kind, id, [A])) everyone.add(p);
  restrictedChild = (await service.subjectPeople(db, 'conversation', conversation.id, [A]))[0]!;
  records.set('person', restrictedChild);
  const manager = await createUser(ctx, { role: 'team-manager', displayName: 'Restricting manager' });
  const mgr = { kind: 'user' as const, id: manager.id, authorityId: A, role: 'team-manager' as const, displayName: 'Restricting manager', agencyCode: null, teamId: null, email: manager.email };
  for (const personId of everyone) {
    const survivor = (await db.selectFrom('persons').select(['id', 'merged_into_id']).where('id', '=', personId).executeTakeFirstOrThrow()).merged_into_id ? null : personId;
    if (!survivor) continue; // a merged record is covered through the record kept
    const r = await service.restrict(mgr, personId, { scope: 'person', namedEmails: named.email, ownerEmail: named.email, reason: 'Test' }, { principal: mgr, ip: null, requestId: null });
    assert.ok(r.ok, `restricting ${personId}: ${JSON.stringify(r)}`);
  }

  // The names to look for: those of everyone covered, where the name is theirs alone in the authority.
  const covered = await db.selectFrom('persons').select(['given_name', 'family_name']).where('id', 'in', [...(await service.withheldFor({ ...mgr, id: randomUUID() })).people.keys()]).execute();
  const full = covered.filter((p) => p.given_name && p.family_name).map((p) => `${p.given_name} ${p.family_name}`);
  const counts = await sql<{ name: string; n: number }>`select given_name || ' ' || family_name as name, count(*)::int as n from persons where authority_id = ${A} group by 1`.execute(db);
  names = [...new Set(full.filter((n) => counts.rows.find((c) => c.name === n)?.n === 1))];
  assert.ok(names.length >= 8, `enough restricted names to look for (${names.length})`);

  await refreshManagementInformation(ctx.db, ctx.profiles, now);
});
after(async () => {
  await app?.close();
  await ctx?.close();
});

test('every route that takes an id says whether it opens a record about a child', () => {
  const unclassified = app.routeTable.filter((r) => takesAnId(r.url) && !classification(r.url)).map((r) => `${r.method} ${r.url}`);
  assert.deepEqual(unclassified, [], 'add each to SUBJECT_ROUTES (guarded) or NOT_ABOUT_A_CHILD (with why) in src/features/restricted-records/subjects.ts');
  for (const s of SUBJECT_ROUTES) assert.ok(app.routeTable.some((r) => r.url === s.prefix || r.url.startsWith(`${s.prefix}/`)), `${s.prefix} is a route of the app`);
});

test('the named worker opens the restricted records', async () => {
  const person = await namedAgent.get(`/people/${restrictedChild}`);
  assert.equal(person.status, 200, 'the named worker opens the child');
  assert.ok(names.some((n) => person.body.includes(n)), 'and sees the name');
  assert.equal((await namedAgent.get(`/conversations/${records.get('conversation')}`)).status, 200, 'and the conversation');
});

const MANAGE = /^\/people\/:id\/restriction/;
const concrete = (url: string, kind: SubjectKind) =>
  url.replace(':id', records.get(kind)!).replace(/:version/g, '1').replace(/:questionId/g, randomUUID());

for (const role of ROLES) {
  test(`role ${role}, not named: every route that opens a restricted record refuses, and names no one`, async () => {
    const agent = agents.get(role)!;
    const checked: string[] = [];
    for (const r of app.routeTable) {
      if ('public' in r.access || !r.access.roles.includes(role) || r.stream || MANAGE.test(r.url)) continue;
      const s = SUBJECT_ROUTES.find((x) => r.url === x.prefix || r.url.startsWith(`${x.prefix}/`));
      if (!s) continue;
      const url = concrete(r.url, s.kind);
      if (r.api) {
        const res = await app.inject({ method: r.method as 'GET', url, headers: { authorization: `Bearer ${tokens.get(role)}` }, payload: r.method === 'POST' ? {} : undefined });
        assert.equal(res.statusCode, 403, `${role} API ${r.method} ${r.url} must be refused, got ${res.statusCode} ${res.body.slice(0, 200)}`);
        assert.match(res.json().type, /\/problems\/restricted-record$/, `${r.method} ${r.url} says why`);
        assert.deepEqual(leaks(res.body), [], `${r.method} ${r.url} names no one: ${around(res.body)}`);
      } else {
        const res = r.method === 'GET' ? await agent.get(url) : await agent.post(url, {});
        assert.equal(res.status, 403, `${role} ${r.method} ${r.url} must be refused, got ${res.status}`);
        assert.ok(res.body.includes('This record is restricted'), `${r.method} ${r.url} shows the restricted record page`);
        assert.deepEqual(leaks(res.body), [], `${r.method} ${r.url} names no one: ${around(res.body)}`);
      }
      checked.push(`${r.method} ${r.url}`);
    }
    // Each role that can open records at all met some of them.
    if (['cads-worker', 'team-manager', 'partner-practitioner', 'administrator'].includes(role)) assert.ok(checked.length > 0, `${role} met guarded routes`);
  });

  test(`role ${role}, not named: every list page names no restricted person`, async () => {
    const agent = agents.get(role)!;
    for (const r of app.routeTable) {
      if ('public' in r.access || !r.access.roles.includes(role) || r.stream || r.method !== 'GET' || takesAnId(r.url)) continue;
      if (r.api) {
        const res = await app.inject({ method: 'GET', url: r.url, headers: { authorization: `Bearer ${tokens.get(role)}` } });
        assert.ok(res.statusCode < 500, `API GET ${r.url} answers (${res.statusCode})`);
        assert.deepEqual(leaks(res.body), [], `API GET ${r.url} names no restricted person: ${around(res.body)}`);
      } else {
        const res = await agent.get(r.url);
        assert.ok(res.status < 500, `GET ${r.url} answers (${res.status})`);
        assert.deepEqual(leaks(res.body), [], `GET ${r.url} names no restricted person: ${around(res.body)}`);
      }
    }
  });
}

test('search, a household member’s chronology and MI drill-downs show "Restricted record", not the name', async () => {
  const worker = agents.get('cads-worker')!;
  const [name] = (await ctx.db.selectFrom('persons').select(['given_name', 'family_name']).where('id', '=', restrictedChild).execute()).map((p) => `${p.given_name} ${p.family_name}`);
  const search = await worker.post('/people/search', { name: name! });
  // Up to the "add a new child" form, which carries what the worker typed.
  const results = search.body.slice(0, search.body.indexOf('Not the right child?'));
  assert.ok(results.includes('Restricted record'), 'the search finds the restricted child and says so');
  assert.deepEqual(leaks(results), [], `the results name no restricted person: ${around(results)}`);

  // Someone in the restricted child's household who is not restricted themselves: their chronology lists the child's conversations.
  const household = await ctx.db.selectFrom('persons as a').innerJoin('persons as p', 'p.household_id', 'a.household_id').select('p.id').where('a.id', '=', restrictedChild).where('p.id', '!=', restrictedChild).execute();
  for (const h of household) {
    const page = await worker.get(`/people/${h.id}`);
    if (page.status === 403) continue; // restricted in their own right
    assert.equal(page.status, 200, 'the household member’s record opens');
    assert.deepEqual(leaks(page.body), [], `it names no restricted person: ${around(page.body)}`);
  }

  for (const role of ['mi-analyst', 'team-manager'] as const) {
    const drill = await agents.get(role)!.get(`/mi/drill?from=${conversationDay}&to=${conversationDay}&kind=day&value=${conversationDay}`);
    assert.equal(drill.status, 200, `${role} opens the drill-down`);
    assert.ok(drill.body.includes('Restricted record'), `${role}'s drill-down lists the restricted child without the name`);
    assert.deepEqual(leaks(drill.body), [], `${role}'s drill-down names no restricted person: ${around(drill.body)}`);
  }
});

test('exports and statutory returns name no restricted person', async () => {
  const analyst = agents.get('mi-analyst')!;
  const period = 'from=2025-06-01&to=2026-11-23';
  // The text downloads (a workbook is compressed, so it could not be searched; it holds the same rows).
  for (const url of [
    `/mi/export?${period}&format=csv&figure=outcomes`,
    `/mi/annex-a/export?${period}&list=1&format=csv`, `/mi/annex-a/export?${period}&list=3&format=csv`, '/mi/cin-census/export?year=2027',
    `/disagreements/reports.csv?${period}`,
  ]) {
    const res = await analyst.get(url);
    assert.equal(res.status, 200, `${url} downloads`);
    assert.deepEqual(leaks(res.body), [], `${url} names no restricted person: ${around(res.body)}`);
  }
  const eh = await agents.get('team-manager')!.get('/early-help/export.csv?from=2025-06-01&to=2026-11-23');
  assert.equal(eh.status, 200, 'the Early Help export downloads');
  assert.ok(eh.body.includes('Restricted record'), 'with the restricted child as a restricted record');
  assert.deepEqual(leaks(eh.body), [], `the Early Help export names no restricted person: ${around(eh.body)}`);
});

test('a partner agency sees "Restricted record" in its requests, and breaks glass for its own request', async () => {
  const police = agents.get('partner-practitioner')!;
  const list = await police.get('/mash/requests');
  assert.equal(list.status, 200, 'the partner’s requests open');
  assert.ok(list.body.includes(`/mash/requests/${policeRequest}`), 'the request about the restricted child is listed');
  assert.deepEqual(leaks(list.body), [], `without a name: ${around(list.body)}`);
  const api = await app.inject({ method: 'GET', url: '/api/v1/mash/requests', headers: { authorization: `Bearer ${tokens.get('partner-practitioner')}` } });
  assert.equal(api.statusCode, 200, 'the agency’s system lists its requests');
  const people = (api.json().requests as { people: { restricted?: boolean }[] }[]).flatMap((r) => r.people);
  assert.ok(people.some((p) => p.restricted === true), 'the agency’s system sees that a restricted record is there');
  assert.deepEqual(leaks(api.body), [], `the agency’s system gets no name: ${around(api.body)}`);

  const refused = await police.get(`/mash/requests/${policeRequest}`);
  assert.equal(refused.status, 403, 'the request itself needs a reason');
  const res = await police.post('/break-glass', { next: `/mash/requests/${policeRequest}`, reason: 'Answering this check request' });
  assert.equal(res.status, 302, 'the partner gives a reason');
  const open = await police.get(`/mash/requests/${policeRequest}`);
  assert.equal(open.status, 200, 'and opens the request');
  const children = await ctx.db.selectFrom('mash_check_requests as r').innerJoin('mash_enquiry_children as c', 'c.enquiry_id', 'r.enquiry_id').innerJoin('persons as p', 'p.id', 'c.person_id')
    .select(['p.given_name', 'p.family_name']).where('r.id', '=', policeRequest).execute();
  assert.ok(children.some((c) => open.body.includes(`<td class="govuk-table__cell">${[c.given_name, c.family_name].filter(Boolean).join(' ')}</td>`)), 'with the names to search for');
  const told = await ctx.db.selectFrom('notifications').select('to_address').where('kind', '=', 'restricted-record-opened').execute();
  assert.ok(told.some((t) => t.to_address === named.email), 'the owner is told');
  assert.ok(told.length >= 2, 'and a manager');
});

/**
 * The authority dimension of the matrix: for a user of every role in Norfolk, every route that
 * opens a record about a child, page or API, GET or POST, is given the id of a record of the same
 * kind from another council (Stoke-on-Trent's demo data) and must answer as if it did not exist:
 * 404 (or 403), never the record, a form, a redirect or a validation error.
 */
test('every route that opens a record refuses another council’s record, for every role', async () => {
  const db = ctx.db;
  const S = 'stoke-on-trent';
  const other = new Map<SubjectKind, string>();
  const pick = async (kind: SubjectKind, q: Promise<{ id: string } | undefined>) => {
    const r = await q;
    if (r) other.set(kind, r.id);
  };
  await pick('conversation', db.selectFrom('conversations').select('id').where('authority_id', '=', S).where('status', '=', 'completed').executeTakeFirst());
  await pick('person', db.selectFrom('persons').select('id').where('authority_id', '=', S).where('merged_into_id', 'is', null).executeTakeFirst());
  await pick('mash-enquiry', db.selectFrom('mash_enquiries').select('id').where('authority_id', '=', S).executeTakeFirst());
  await pick('mash-request', db.selectFrom('mash_check_requests').select('id').where('authority_id', '=', S).executeTakeFirst());
  await pick('referral', db.selectFrom('referrals').select('id').where('authority_id', '=', S).executeTakeFirst());
  await pick('early-help-request', db.selectFrom('early_help_requests').select('id').where('authority_id', '=', S).executeTakeFirst());
  await pick('disagreement', db.selectFrom('disagreements').select('id').where('authority_id', '=', S).executeTakeFirst());
  await pick('allocation', db.selectFrom('worker_allocations').select('id').where('authority_id', '=', S).executeTakeFirst());
  await pick('allocated-worker-notice', db.selectFrom('allocated_worker_notices').select('id').where('authority_id', '=', S).executeTakeFirst());
  await pick('call', db.selectFrom('calls').select('id').where('authority_id', '=', S).executeTakeFirst());
  for (const k of ['conversation', 'person', 'mash-enquiry', 'mash-request', 'referral', 'early-help-request', 'call'] as SubjectKind[]) assert.ok(other.has(k), `Stoke-on-Trent's demo data has a ${k}`);
  const wrong: string[] = [];
  let checked = 0;
  for (const role of ROLES) {
    const agent = agents.get(role)!;
    for (const r of app.routeTable) {
      if ('public' in r.access || !r.access.roles.includes(role) || r.stream) continue;
      const s = SUBJECT_ROUTES.find((x) => r.url === x.prefix || r.url.startsWith(`${x.prefix}/`));
      if (!s || !other.has(s.kind)) continue;
      const url = r.url.replace(':id', other.get(s.kind)!).replace(/:version/g, '1').replace(/:questionId/g, randomUUID());
      const status = r.api
        ? (await app.inject({ method: r.method as 'GET', url, headers: { authorization: `Bearer ${tokens.get(role)}` }, payload: r.method === 'POST' ? {} : undefined })).statusCode
        : (r.method === 'GET' ? await agent.get(url) : await agent.post(url, {})).status;
      checked += 1;
      if (![403, 404].includes(status)) wrong.push(`${role} ${r.api ? 'API ' : ''}${r.method} ${r.url}: ${status}`);
    }
  }
  assert.ok(checked > 100, `route × role pairs checked against another council's records: ${checked}`);
  assert.deepEqual(wrong, [], 'another council’s record must look as if it did not exist');
});
