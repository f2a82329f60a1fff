/**
 * issue10-A: the administrators' audit search (/admin/audit): by user, by child and by period, with
 * paging and a CSV download. Only administrators reach it; an administrator sees only their own
 * authority's entries (and the system's entries that name it); bad input gets the GOV.UK error
 * summary; the addresses carry ids and dates only; every search and download is itself audited.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import {
  createTestContext, createTestApp, createUser, createServiceAccount, signedInAgent, errorSummary, completeConversationByApi, cleanUp,
  type Agent, type TestContext,
} from '../../../test/support/harness.js';
import { verifyAuditChainSnapshot, describeResult } from '../../platform/audit-chain.js';
import { todayInLondon } from '../../domain/dates.js';
import { RestrictedRecordsService } from '../restricted-records/restricted-records.service.js';

let ctx: TestContext;
let app: FastifyInstance;
let admin: Agent;
let adminId: string;
let stokeAdmin: Agent;
let worker: { id: string; email: string };
let otherWorker: { id: string; email: string };
let stokeWorker: { id: string; email: string };
let formulaUser: { id: string; email: string };
let ellie: string;
let stokeChild: string;

const PERIOD = 'from=2026-11-01&to=2026-11-22';
const NOVEMBER = (day: number, hour = 10) => new Date(Date.UTC(2026, 10, day, hour, 0, 0));

async function person(authorityId: string, given: string, family: string): Promise<string> {
  const id = randomUUID();
  await ctx.db.insertInto('persons').values({ id, authority_id: authorityId, given_name: given, family_name: family, date_of_birth: '2017-03-04' }).execute();
  return id;
}

/** An audit entry as recordAudit would write it, at a chosen time. */
async function entry(e: { authority: string | null; user?: string | null; role?: string | null; action: string; personId?: string | null; at: Date; details?: Record<string, unknown> }) {
  await ctx.db.insertInto('audit_events').values({
    occurred_at: e.at, authority_id: e.authority, actor_user_id: e.user ?? null, actor_role: e.role ?? null, action: e.action,
    entity_type: e.personId ? 'person' : 'other', entity_id: e.personId ?? null, person_id: e.personId ?? null, details: JSON.stringify(e.details ?? {}), ip: '192.0.2.1', request_id: 'req',
  }).execute();
}

/** The rows of the results table. */
function resultRows(html: string): string[] {
  const body = html.match(/<table class="govuk-table" id="audit-entries">[\s\S]*?<tbody class="govuk-table__body">([\s\S]*?)<\/tbody>/);
  return body ? [...body[1]!.matchAll(/<tr class="govuk-table__row">([\s\S]*?)<\/tr>/g)].map((m) => m[1]!) : [];
}

function parseCsv(text: string): string[][] {
  assert.ok(text.startsWith('\uFEFF'), 'a byte-order mark for Excel');
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const s = text.slice(1);
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; }
    else if (ch === '\r' && s[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += ch;
  }
  return rows;
}

before(async () => {
  ctx = await createTestContext('2026-11-23T10:00:00Z');
  app = await createTestApp(ctx);
  const a = await createUser(ctx, { role: 'administrator', displayName: 'Ada Admin' });
  adminId = a.id;
  admin = await signedInAgent(app, a.email);
  stokeAdmin = await signedInAgent(app, (await createUser(ctx, { role: 'administrator', authorityId: 'stoke-on-trent' })).email);
  worker = await createUser(ctx, { role: 'cads-worker', displayName: 'Wendy Worker' });
  otherWorker = await createUser(ctx, { role: 'cads-worker', displayName: 'Oscar Other' });
  stokeWorker = await createUser(ctx, { role: 'cads-worker', authorityId: 'stoke-on-trent', displayName: 'Sam Stoke' });
  formulaUser = await createUser(ctx, { role: 'team-manager', displayName: '=HYPERLINK("http://example.test")' });
  ellie = await person('norfolk', 'Ellie', 'Fixture');
  stokeChild = await person('stoke-on-trent', 'Libby', 'Fixture');

  // Sixty views of Ellie's record by the worker, one an hour from 10 November.
  for (let i = 0; i < 60; i++) await entry({ authority: 'norfolk', user: worker.id, role: 'cads-worker', action: 'person.viewed', personId: ellie, at: new Date(NOVEMBER(10).getTime() + i * 3_600_000) });
  await entry({ authority: 'norfolk', user: otherWorker.id, role: 'cads-worker', action: 'chronology.viewed', personId: ellie, at: NOVEMBER(15) });
  await entry({ authority: 'norfolk', user: formulaUser.id, role: 'team-manager', action: 'user.signed-in', at: NOVEMBER(16) });
  await entry({ authority: 'norfolk', user: worker.id, role: 'cads-worker', action: 'person.viewed', personId: ellie, at: new Date('2026-09-01T10:00:00Z') });
  // The system's own entries name their authority in their details.
  await entry({ authority: null, action: 'mash.overdue-alerted', at: NOVEMBER(12), details: { authorityId: 'norfolk', requestId: 'r1' } });
  await entry({ authority: null, action: 'mash.overdue-alerted', at: NOVEMBER(12), details: { authorityId: 'stoke-on-trent', requestId: 'r2' } });
  // Another authority's.
  await entry({ authority: 'stoke-on-trent', user: stokeWorker.id, role: 'cads-worker', action: 'person.viewed', personId: stokeChild, at: NOVEMBER(11) });
});
after(() => cleanUp(() => app?.close(), () => ctx?.close()));

describe('who may search', () => {
  test('only administrators: every other role is refused every audit page', async () => {
    for (const role of ['cads-worker', 'team-manager', 'mi-analyst', 'mash-coordinator'] as const) {
      const a = await signedInAgent(app, (await createUser(ctx, { role })).email);
      assert.equal((await a.get(`/admin/audit?${PERIOD}`)).status, 403, `${role}: search`);
      assert.equal((await a.get(`/admin/audit/export.csv?${PERIOD}`)).status, 403, `${role}: download`);
      assert.equal((await a.post('/admin/audit', { reference: 'NFK-2026-000001' })).status, 403, `${role}: find by reference`);
      assert.equal((await a.get(`/admin/audit/people/${ellie}`)).status, 403, `${role}: a child's trail`);
    }
  });

  test('the search form opens without searching (and without recording a search)', async () => {
    const before = await ctx.db.selectFrom('audit_events').select('id').where('action', '=', 'audit-log.searched').execute();
    const page = await admin.get('/admin/audit');
    assert.equal(page.status, 200);
    assert.match(page.body, /<h1 class="govuk-heading-l">Audit log<\/h1>/);
    assert.match(page.body, /Leave the dates blank for the last 30 days \(25 October 2026 to 23 November 2026\)/);
    assert.equal(resultRows(page.body).length, 0, 'no results yet');
    const after = await ctx.db.selectFrom('audit_events').select('id').where('action', '=', 'audit-log.searched').execute();
    assert.equal(after.length, before.length, 'opening the form is not a search');
  });
});

describe('searching', () => {
  test('by period: the authority’s entries and its system entries, newest first, 50 a page; nothing of another authority', async () => {
    const page = await admin.get(`/admin/audit?${PERIOD}`);
    assert.equal(page.status, 200);
    // 60 views + 1 chronology + 1 sign-in + 1 Norfolk system entry = 63.
    assert.match(page.body, /63 entries\s+from 1 November 2026 to 22 November 2026/);
    assert.match(page.body, /Showing 1 to 50\./);
    const rows = resultRows(page.body);
    assert.equal(rows.length, 50);
    assert.match(rows[0]!, /user\.signed-in/, 'newest first');
    assert.doesNotMatch(page.body, /Sam Stoke|Libby Fixture|"r2"/, 'nothing of Stoke-on-Trent');
    const next = await admin.get(`/admin/audit?${PERIOD}&page=2`);
    assert.match(next.body, /Showing 51 to 63\./);
    const nextRows = resultRows(next.body);
    assert.equal(nextRows.length, 13);
    assert.equal([...rows, ...nextRows].filter((r) => /mash\.overdue-alerted/.test(r) && /System/.test(r)).length, 1, 'the system’s Norfolk entry, once');
    assert.doesNotMatch(next.body, /1 September 2026/, 'nothing outside the period');
    // The other administrator sees their own authority's three.
    const stoke = await stokeAdmin.get(`/admin/audit?${PERIOD}`);
    assert.match(stoke.body, /2 entries\s+from/);
    assert.match(stoke.body, /Sam Stoke/);
    assert.doesNotMatch(stoke.body, /Wendy Worker|Ellie Fixture/);
  });

  test('by user and by child, with links between them that carry ids and dates only', async () => {
    const byUser = await admin.get(`/admin/audit?user=${otherWorker.id}&${PERIOD}`);
    assert.match(byUser.body, /1 entry\s+from/);
    assert.match(resultRows(byUser.body)[0]!, /Oscar Other.*chronology\.viewed/s);

    const byChild = await admin.get(`/admin/audit?person=${ellie}&${PERIOD}`);
    assert.match(byChild.body, /61 entries\s+from 1 November 2026 to 22 November 2026 about Ellie Fixture/);
    const both = await admin.get(`/admin/audit?person=${ellie}&user=${worker.id}&from=2026-09-01&to=2026-09-01`);
    assert.match(both.body, /1 entry\s+from 1 September 2026 to 1 September 2026 about Ellie Fixture/);

    const hrefs = [...byChild.body.matchAll(/href="(\/admin\/audit[^"#]*)/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
    assert.ok(hrefs.length > 5, 'paging, download and user links');
    for (const h of hrefs) {
      assert.match(h, /^\/admin\/audit(\/export\.csv|\/people\/[0-9a-f-]{36})?(\?((user|person)=[0-9a-f-]{36}|from=\d{4}-\d\d-\d\d|to=\d{4}-\d\d-\d\d|page=\d+)(&((user|person)=[0-9a-f-]{36}|from=\d{4}-\d\d-\d\d|to=\d{4}-\d\d-\d\d|page=\d+))*)?$/, `only ids and dates in ${h}`);
    }
    assert.ok(hrefs.includes(`/admin/audit?user=${worker.id}&from=2026-11-01&to=2026-11-22`), 'a user’s name leads to their entries');
  });

  test('every search is audited, naming the administrator, the criteria and the children it showed', async () => {
    await admin.get(`/admin/audit?user=${otherWorker.id}&${PERIOD}`);
    const last = await ctx.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'audit-log.searched')
      .where('actor_user_id', '=', adminId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    assert.equal(last.authority_id, 'norfolk');
    assert.equal(last.person_id, ellie, 'the child whose entry was shown');
    assert.deepEqual(last.details, { userId: otherWorker.id, personId: null, from: '2026-11-01', to: '2026-11-22', page: 1, results: 1 });
  });

  test('bad input gets the error summary, each message linking to its field, and nothing is searched', async () => {
    const before = (await ctx.db.selectFrom('audit_events').select('id').where('action', '=', 'audit-log.searched').execute()).length;
    const dates = await admin.get('/admin/audit?from-day=31&from-month=2&from-year=2026&to-day=1&to-month=3&to-year=2026');
    assert.equal(dates.status, 400);
    assert.deepEqual(errorSummary(dates.body), [['#from-day', 'Start date must be a real date']]);
    const order = await admin.get('/admin/audit?from=2026-11-20&to=2026-11-01');
    assert.deepEqual(errorSummary(order.body), [['#to-day', 'End date must be the same as or after the start date']]);
    const bad = await admin.get(`/admin/audit?person=Ellie%20Fixture&user=${stokeWorker.id}&${PERIOD}`);
    assert.equal(bad.status, 400);
    assert.deepEqual(errorSummary(bad.body).map(([h]) => h), ['#user', '#person']);
    assert.match(bad.body, /Select a user from the list/, 'another authority’s user is not on the list');
    const elsewhere = await admin.get(`/admin/audit?person=${stokeChild}&${PERIOD}`);
    assert.deepEqual(errorSummary(elsewhere.body), [['#person', 'There is no child or person with that record ID in your authority']]);
    const csv = await admin.get(`/admin/audit/export.csv?person=${stokeChild}&${PERIOD}`);
    assert.equal(csv.status, 400);
    assert.match(String(csv.headers['content-type']), /text\/html/, 'a page with the error, not a file');
    assert.equal(errorSummary(csv.body).length, 1);
    const after = (await ctx.db.selectFrom('audit_events').select('id').where('action', '=', 'audit-log.searched').execute()).length;
    assert.equal(after, before, 'no search was made');
  });
});

describe('downloading', () => {
  test('the results as CSV, oldest first, each with its place in the chain; formulas are neutralised; the download is audited', async () => {
    const res = await app.inject({ method: 'GET', url: `/admin/audit/export.csv?${PERIOD}`, headers: { cookie: admin.cookieHeader() } });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/csv/);
    assert.match(String(res.headers['content-disposition']), /^attachment; filename="audit-log-2026-11-01-to-2026-11-22\.csv"$/);
    const rows = parseCsv(res.body);
    assert.deepEqual(rows[0], ['Entry', 'When (UTC)', 'When (London)', 'Who', 'Role', 'Action', 'Child', 'Child record ID', 'Conversation', 'About', 'About ID', 'Details', 'IP address', 'Request ID', 'Chain position', 'Chain hash']);
    assert.equal(rows.length, 64, 'a header and 63 entries');
    assert.equal(rows[1]![1], '2026-11-10T10:00:00.000Z', 'oldest first');
    assert.equal(rows[1]![6], 'Ellie Fixture');
    const signIn = rows.find((r) => r[5] === 'user.signed-in')!;
    assert.equal(signIn[3], `'=HYPERLINK("http://example.test")`, 'a name that looks like a formula is written as text');
    const chain = new Map((await ctx.db.selectFrom('audit_chain').select(['event_id', 'seq', sql<string>`encode(hash, 'hex')`.as('hash')]).execute()).map((c) => [String(c.event_id), c]));
    for (const r of rows.slice(1)) {
      const link = chain.get(r[0]!);
      assert.ok(link, `entry ${r[0]} is in the chain`);
      assert.equal(r[14], String(link.seq));
      assert.equal(r[15], link.hash);
    }
    const audited = await ctx.db.selectFrom('audit_events').selectAll().where('action', '=', 'audit-log.exported').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    assert.equal(audited.actor_user_id, adminId);
    assert.deepEqual(audited.details, { userId: null, personId: null, from: '2026-11-01', to: '2026-11-22', rows: 63 });
  });
});

describe('finding a child, and the child’s trail', () => {
  test('a conversation reference (posted, never in the address) finds its children, with links to their trail and to the search', async () => {
    const token = await createServiceAccount(ctx);
    const c = await completeConversationByApi(app, token, { workerEmail: worker.email, callerEmail: null, familyName: 'Referenced' });
    const found = await admin.post('/admin/audit', { reference: c.reference.toLowerCase() });
    assert.equal(found.status, 200);
    const child = await ctx.db.selectFrom('conversation_children').select('person_id').where('conversation_id', '=', c.id).executeTakeFirstOrThrow();
    assert.match(found.body, new RegExp(`href="/admin/audit/people/${child.person_id}"`));
    assert.match(found.body, new RegExp(`href="/admin/audit\\?person=${child.person_id}"`));

    const missing = await admin.post('/admin/audit', { reference: 'NFK-2026-999999' });
    assert.equal(missing.status, 404);
    assert.deepEqual(errorSummary(missing.body), [['#reference', 'No conversation in your authority has that reference']]);
    const blank = await admin.post('/admin/audit', { reference: '' });
    assert.equal(blank.status, 400);
    assert.deepEqual(errorSummary(blank.body).map(([h]) => h), ['#reference']);

    // Entries written now (the database's clock, not the test's) appear when searched by the child.
    const today = todayInLondon(new Date());
    const trail = await admin.get(`/admin/audit/people/${child.person_id}`);
    assert.equal(trail.status, 200);
    assert.match(trail.body, /person\.created/);
    assert.match(trail.body, new RegExp(`href="/admin/audit\\?person=${child.person_id}"`), 'the trail leads to the search');
    const search = await admin.get(`/admin/audit?person=${child.person_id}&from=2026-01-01&to=${today}`);
    assert.equal(search.status, 200);
    assert.ok(resultRows(search.body).some((r) => /conversation\.completed/.test(r)), 'the completion is among the child’s entries');
  });

  test('another authority’s child’s trail is not found', async () => {
    assert.equal((await admin.get(`/admin/audit/people/${stokeChild}`)).status, 404);
  });
});

describe('a restricted child (issue10-F)', () => {
  test('an administrator not named sees the entries but not who the child is, on the page and in the CSV; searching by the child is refused', async () => {
    const manager = await createUser(ctx, { role: 'team-manager' });
    const restricted = await new RestrictedRecordsService(ctx).restrict(
      { kind: 'user', id: manager.id, authorityId: 'norfolk', role: 'team-manager', displayName: 'Test manager', agencyCode: null, teamId: null, email: manager.email },
      ellie,
      { scope: 'person', namedEmails: worker.email, ownerEmail: worker.email, reason: 'A member of staff’s family' },
      { principal: null, ip: null, requestId: null },
    );
    assert.ok(restricted.ok, `restricted: ${JSON.stringify(restricted)}`);
    const page = await admin.get(`/admin/audit?user=${otherWorker.id}&${PERIOD}`);
    assert.equal(page.status, 200);
    const row = resultRows(page.body)[0]!;
    assert.match(row, /chronology\.viewed/, 'the entry is there');
    assert.match(row, /Restricted record [A-Z]+-?\d+/, 'shown by its reference');
    assert.doesNotMatch(page.body, /Ellie Fixture/, 'not by name');

    const res = await app.inject({ method: 'GET', url: `/admin/audit/export.csv?${PERIOD}`, headers: { cookie: admin.cookieHeader() } });
    assert.equal(res.statusCode, 200);
    assert.doesNotMatch(res.body, /Ellie|Fixture/, 'no name in the file');
    const rows = parseCsv(res.body).slice(1).filter((r) => r[7] === ellie);
    assert.equal(rows.length, 61, 'the child’s entries are all there');
    assert.ok(rows.every((r) => /^Restricted record /.test(r[6]!) && r[11] === 'withheld: restricted record'), 'each withheld');

    const refused = await admin.get(`/admin/audit?person=${ellie}&${PERIOD}`);
    assert.equal(refused.status, 403, 'searching by the restricted child needs a reason first, as opening their record does');
  });
});

test('after every search, download and fixture, the chain is intact', async () => {
  const r = await verifyAuditChainSnapshot(ctx.db);
  assert.ok(r.ok, describeResult(r));
});
