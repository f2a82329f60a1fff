import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createTestContext, createTestApp, createUser, signedInAgent, errorSummary, type Agent, type TestContext } from '../../../test/support/harness.js';

let ctx: TestContext;
let app: FastifyInstance;
let worker: Agent;
let ellieId: string;

const ellie = {
  'given-name': 'Eleanor', 'family-name': 'Smith-Jones', 'alias-given': 'Ellie', 'alias-family': 'Smith',
  'dob-day': '4', 'dob-month': '11', 'dob-year': '2016', sex: 'F', ethnicity: 'WBRI', 'nhs-number': '999 100 0003',
  upn: 'G820201325001', 'address-line-1': '12 Oak Road', town: 'Norwich', postcode: 'nr12dh', 'first-language': 'English',
  'interpreter-needed': 'no', disability: 'NONE',
};

before(async () => {
  ctx = await createTestContext();
  app = await createTestApp(ctx);
  const u = await createUser(ctx, { role: 'cads-worker' });
  worker = await signedInAgent(app, u.email);
  const res = await worker.post('/people', ellie);
  assert.equal(res.status, 302);
  ellieId = res.location!.split('/')[2]!;
});
after(async () => {
  await app?.close();
  await ctx?.close();
});

describe('adding a child', () => {
  test('stores normalised identifiers and folded search names, and audits the creation', async () => {
    const p = await ctx.db.selectFrom('persons').selectAll().where('id', '=', ellieId).executeTakeFirstOrThrow();
    assert.equal(p.nhs_number, '9991000003');
    assert.equal(p.postcode, 'NR1 2DH');
    assert.equal(p.date_of_birth, '2016-11-04');
    assert.equal(p.name_search, 'eleanor smith jones | ellie smith');
    const audit = await ctx.db.selectFrom('audit_events').select('action').where('person_id', '=', ellieId).execute();
    assert.ok(audit.some((a) => a.action === 'person.created'));
  });

  test('every bad field is listed in the error summary, linked to its input, and nothing is saved', async () => {
    const count = async () => Number((await ctx.db.selectFrom('persons').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    const res = await worker.post('/people', { ...ellie, 'given-name': '', 'nhs-number': '943 476 5918', upn: 'R247962919251', postcode: 'QQ1 1CA', 'dob-day': '31', 'dob-month': '2', disability: ['NONE', 'AUT'] });
    assert.equal(res.status, 400);
    assert.deepEqual(errorSummary(res.body).map(([h]) => h), ['#given-name', '#dob-day', '#nhs-number', '#upn', '#postcode', '#disability']);
    assert.match(res.body, /Date of birth must be a real date/);
    assert.equal(await count(), before);
  });
});

describe('creating a child who is likely already on record', () => {
  test('asks for a reason, saves nothing without one, and audits the reason given', async () => {
    const count = async () => Number((await ctx.db.selectFrom('persons').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    // Same child as Eleanor, as a caller would give her: a short name and the day and month swapped.
    const again = { ...ellie, 'given-name': 'Ellie', 'nhs-number': '', 'dob-day': ellie['dob-month'], 'dob-month': ellie['dob-day'] };
    const refused = await worker.post('/people', again);
    assert.equal(refused.status, 400);
    assert.deepEqual(errorSummary(refused.body).map(([h]) => h), ['#different-child-reason']);
    assert.match(refused.body, new RegExp(`href="/people/${ellieId}"`));
    assert.match(refused.body, /same date of birth with day and month swapped/i);
    assert.equal(await count(), before);

    const created = await worker.post('/people', { ...again, 'different-child-reason': 'A cousin with the same name; confirmed with the school' });
    assert.equal(created.status, 302);
    const id = created.location!.split('/')[2]!;
    const audit = await ctx.db.selectFrom('audit_events').select(['action', 'details']).where('person_id', '=', id).where('action', '=', 'person.created').executeTakeFirstOrThrow();
    const details = audit.details as { differentChildReason?: string; likelyExisting?: { personId: string }[] };
    assert.equal(details.differentChildReason, 'A cousin with the same name; confirmed with the school');
    assert.deepEqual(details.likelyExisting?.map((l) => l.personId), [ellieId]);
  });
});

describe('searching before creating', () => {
  const search = (form: Record<string, string>) => worker.post('/people/search', form);

  test('finds a child under another spelling or a known-as name, with the reasons', async () => {
    for (const name of ['Ellie Smith', 'Eleanor Smith Jones', 'eleanor smithjones', 'Elenor Smith-Jones']) {
      const res = await search({ name });
      assert.equal(res.status, 200, name);
      assert.match(res.body, /Eleanor Smith-Jones/, name);
    }
  });

  test('finds a child by date of birth with day and month swapped', async () => {
    const res = await search({ 'dob-day': '11', 'dob-month': '4', 'dob-year': '2016' });
    assert.match(res.body, /Eleanor Smith-Jones/);
    assert.match(res.body, /same date of birth with day and month swapped/i);
  });

  test('finds a child by NHS number in any format, and by postcode', async () => {
    assert.match((await search({ 'nhs-number': '999-100-0003' })).body, /same NHS number/i);
    assert.match((await search({ postcode: 'NR1 2DH' })).body, /same (address and )?postcode/i);
  });

  test('an empty or invalid search is explained, not run', async () => {
    assert.deepEqual(errorSummary((await search({})).body).map(([h]) => h), ['#name']);
    assert.deepEqual(errorSummary((await search({ 'nhs-number': '123' })).body).map(([h]) => h), ['#nhs-number']);
  });

  test('search terms travel in the request body and are audited, never in the address', async () => {
    const page = await worker.get('/people/search');
    assert.match(page.body, /<form method="post" action="\/people\/search"/);
    const rows = await ctx.db.selectFrom('audit_events').select('details').where('action', '=', 'person.searched').execute();
    assert.ok(rows.some((r) => (r.details as { criteria?: { name?: string } }).criteria?.name === 'ellie smith'));
  });

  test('people of another authority are never found or shown', async () => {
    const stoke = await createUser(ctx, { role: 'cads-worker', authorityId: 'stoke-on-trent' });
    const other = await signedInAgent(app, stoke.email);
    const res = await other.post('/people/search', { name: 'Eleanor Smith-Jones' });
    assert.match(res.body, /0 possible matches/);
    assert.doesNotMatch(res.body, new RegExp(`/people/${ellieId}`));
    assert.equal((await other.get(`/people/${ellieId}`)).status, 404);
  });
});

describe('the child’s record', () => {
  test('viewing it is audited in the same request', async () => {
    const before = await ctx.db.selectFrom('audit_events').select('id').where('person_id', '=', ellieId).where('action', '=', 'person.viewed').execute();
    const page = await worker.get(`/people/${ellieId}`);
    assert.equal(page.status, 200);
    assert.match(page.body, /943|999 100 0003/);
    const after = await ctx.db.selectFrom('audit_events').select('id').where('person_id', '=', ellieId).where('action', '=', 'person.viewed').execute();
    assert.equal(after.length, before.length + 1);
  });

  test('changing details records what changed, and a stale form is refused', async () => {
    const p = await ctx.db.selectFrom('persons').select('version').where('id', '=', ellieId).executeTakeFirstOrThrow();
    const ok = await worker.post(`/people/${ellieId}/edit`, { ...ellie, 'alias-given': '', 'alias-family': '', 'school-setting': 'Oak Primary', version: String(p.version) });
    assert.equal(ok.status, 302);
    const ev = await ctx.db.selectFrom('audit_events').select('details').where('person_id', '=', ellieId).where('action', '=', 'person.updated').executeTakeFirstOrThrow();
    assert.deepEqual((ev.details as { changes: Record<string, unknown> }).changes.school_setting, { from: null, to: 'Oak Primary' });
    const stale = await worker.post(`/people/${ellieId}/edit`, { ...ellie, town: 'Cromer', version: String(p.version) });
    assert.equal(stale.status, 400);
    assert.match(stale.body, /Someone else changed these details/);
  });

  test('family members are shared records: a mother added to one sibling shows on the other', async () => {
    const sib = await worker.post('/people', { 'given-name': 'Alfie', 'family-name': 'Smith-Jones', sex: 'M', 'dob-day': '1', 'dob-month': '6', 'dob-year': '2020', 'household-of': ellieId });
    const alfieId = sib.location!.split('/')[2]!;
    let res = await worker.post(`/people/${ellieId}/family`, { 'related-person-id': alfieId, 'relationship-type': 'sibling', 'lives-with-child': 'yes' });
    assert.equal(res.status, 302);
    res = await worker.post(`/people/${ellieId}/family`, { 'relationship-type': 'mother', 'lives-with-child': 'yes', 'given-name': 'Kerry', 'family-name': 'Smith-Jones' });
    assert.equal(res.status, 302);
    const kerry = await ctx.db.selectFrom('persons').select(['id', 'household_id']).where('given_name', '=', 'Kerry').executeTakeFirstOrThrow();
    const ellieRow = await ctx.db.selectFrom('persons').select('household_id').where('id', '=', ellieId).executeTakeFirstOrThrow();
    assert.equal(kerry.household_id, ellieRow.household_id);
    const page = await worker.get(`/people/${alfieId}`);
    assert.match(page.body, /Eleanor Smith-Jones/);
    const bad = await worker.post(`/people/${ellieId}/family`, { 'given-name': 'X', 'family-name': 'Y' });
    assert.equal(bad.status, 400);
    assert.deepEqual(errorSummary(bad.body).map(([h]) => h), ['#relationship-type', '#lives-with-child']);
  });

  test('an administrator can read the child’s audit trail, and that reading is audited too', async () => {
    const admin = await createUser(ctx, { role: 'administrator' });
    const a = await signedInAgent(app, admin.email);
    const page = await a.get(`/admin/audit/people/${ellieId}`);
    assert.equal(page.status, 200);
    assert.match(page.body, /person\.created/);
    assert.match(page.body, /person\.viewed/);
    const trail = await ctx.db.selectFrom('audit_events').select('action').where('person_id', '=', ellieId).where('action', '=', 'audit-trail.viewed').execute();
    assert.equal(trail.length, 1);
  });
});

test('the audit log cannot be changed or deleted, even with direct SQL', async () => {
  const { sql } = await import('kysely');
  await assert.rejects(sql`update audit_events set action = 'x'`.execute(ctx.db), /append-only/);
  await assert.rejects(sql`delete from audit_events`.execute(ctx.db), /append-only/);
});
