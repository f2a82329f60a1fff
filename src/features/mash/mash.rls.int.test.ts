/**
 * Row-level security on the MASH tables (migration 0009), tested on its own, without the service:
 * inside a transaction switched to the scoped role by enterRowScope, raw selects with no conditions
 * at all return only the rows of the authorities (and, for a partner, the agency) in scope; a write
 * outside the scope is refused by the database; an empty scope sees nothing; and outside a scoped
 * transaction the policies do not apply. Runs on PostgreSQL and on the embedded engine.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { createTestContext, createUser, cleanUp, type TestContext } from '../../../test/support/harness.js';
import { enterRowScope, type RowScope } from '../../platform/db/row-scope.js';
import type { Tx } from '../../platform/db/database.js';

let ctx: TestContext;
let responderId: string;

/** Every row id made by the fixture, by authority and kind. */
type Kind = 'persons' | 'enquiries' | 'children' | 'ratings' | 'requests' | 'responses';
const made: Record<string, Record<Kind, string[]>> = {};
/** Stoke-on-Trent's enquiries by what was asked: police and health, health only, nothing yet. */
const stoke = { policeAndHealth: '', healthOnly: '', noRequests: '' };
const policeRequests: string[] = [];
const policeResponses: string[] = [];

const HUB: Record<string, string> = { norfolk: 'norfolk-mash', 'stoke-on-trent': 'staffordshire-stoke-mash', staffordshire: 'staffordshire-stoke-mash' };
let nhs = 9990000010;

function bucket(authority: string) {
  return (made[authority] ??= { persons: [], enquiries: [], children: [], ratings: [], requests: [], responses: [] });
}

async function person(authority: string, familyName: string): Promise<string> {
  const id = randomUUID();
  await ctx.db.insertInto('persons').values({ id, authority_id: authority, given_name: 'Test', family_name: familyName, date_of_birth: '2016-02-03', nhs_number: String(nhs++) }).execute();
  bucket(authority).persons.push(id);
  return id;
}

/** An enquiry with one child, rated amber (one rating change), and a request and response for each agency given. */
async function enquiry(authority: string, agencies: string[]): Promise<string> {
  const id = randomUUID();
  const child = await person(authority, `Child${Object.values(made).reduce((n, b) => n + b.enquiries.length, 0)}`);
  const now = new Date('2026-11-23T10:00:00Z');
  const due = new Date('2026-11-26T10:00:00Z');
  const b = bucket(authority);
  await ctx.db.insertInto('mash_enquiries').values({
    id, authority_id: authority, hub_id: HUB[authority]!, reference: `RLS-${authority}-${b.enquiries.length + 1}`, conversation_id: null,
    reason: 'Synthetic fixture', questions: 'What do you know?', rag: 'amber', rated_at: now, due_at: due, status: 'checks', created_by: null, created_at: now,
  }).execute();
  b.enquiries.push(id);
  await ctx.db.insertInto('mash_enquiry_children').values({ enquiry_id: id, person_id: child }).execute();
  b.children.push(`${id}/${child}`);
  const ratingId = randomUUID();
  await ctx.db.insertInto('mash_rating_changes').values({ id: ratingId, enquiry_id: id, from_rag: null, to_rag: 'amber', reason: null, changed_by: null, changed_at: now, due_before: null, due_after: due }).execute();
  b.ratings.push(ratingId);
  for (const agency of agencies) {
    const requestId = randomUUID();
    await ctx.db.insertInto('mash_check_requests').values({ id: requestId, enquiry_id: id, authority_id: authority, agency_code: agency, due_at: due, sent_at: now, status: 'answered', answered_at: now }).execute();
    b.requests.push(requestId);
    const responseId = randomUUID();
    await ctx.db.insertInto('mash_check_responses').values({
      id: responseId, request_id: requestId, kind: 'response', nothing_known: true, holds: null, source_system: 'Synthetic', checked_on: '2026-11-23',
      risk_information: null, lawful_basis_code: 'public-task-children-act', corrects_id: null, responded_by: responderId, responded_at: now,
    }).execute();
    b.responses.push(responseId);
    if (agency === 'police' && authority === 'stoke-on-trent') {
      policeRequests.push(requestId);
      policeResponses.push(responseId);
    }
  }
  return id;
}

/** The rows of every MASH table and of persons that a raw, unconditioned select returns. */
async function visible(db: Tx | TestContext['db']) {
  const ids = async (q: string) => (await sql<{ id: string }>`${sql.raw(q)}`.execute(db)).rows.map((r) => r.id).sort();
  return {
    enquiries: await ids('select id from mash_enquiries'),
    requests: await ids('select id from mash_check_requests'),
    responses: await ids('select id from mash_check_responses'),
    children: await ids(`select enquiry_id || '/' || person_id as id from mash_enquiry_children`),
    ratings: await ids('select id from mash_rating_changes'),
    persons: await ids('select id from persons'),
  };
}

/** What a select sees inside a transaction scoped as given (rolled back afterwards either way). */
async function seenUnder(scope: RowScope) {
  let seen: Awaited<ReturnType<typeof visible>> | undefined;
  await ctx.db.transaction().execute(async (tx) => {
    await enterRowScope(tx, scope);
    seen = await visible(tx);
  });
  return seen!;
}

const all = (authorities: string[], kind: Kind) => authorities.flatMap((a) => made[a]?.[kind] ?? []).sort();

function isRlsRefusal(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err.code === '42501' && /row-level security/.test(err.message ?? '');
}

before(async () => {
  ctx = await createTestContext('2026-11-23T10:00:00Z');
  responderId = (await createUser(ctx, { role: 'partner-practitioner', authorityId: 'stoke-on-trent', agencyCode: 'police' })).id;
  await enquiry('norfolk', ['police', 'health']);
  stoke.policeAndHealth = await enquiry('stoke-on-trent', ['police', 'health']);
  stoke.healthOnly = await enquiry('stoke-on-trent', ['health']);
  stoke.noRequests = await enquiry('stoke-on-trent', []);
  await enquiry('staffordshire', ['police']);
  // People not on any enquiry, in each authority.
  await person('stoke-on-trent', 'Householder');
  await person('norfolk', 'Householder');
});

after(async () => {
  await cleanUp(() => ctx?.close());
});

describe('MASH row-level security', () => {
  test('the fixture is as intended: every authority has rows in every table', () => {
    for (const a of ['norfolk', 'stoke-on-trent', 'staffordshire']) {
      for (const k of ['persons', 'enquiries', 'children', 'ratings', 'requests', 'responses'] as Kind[]) assert.ok(bucket(a)[k].length > 0, `${a} ${k}`);
    }
  });

  test('outside a scoped transaction the policies do not apply: everything is visible', async () => {
    const seen = await visible(ctx.db);
    const everyone = ['norfolk', 'stoke-on-trent', 'staffordshire'];
    for (const k of ['enquiries', 'requests', 'responses', 'children', 'ratings'] as Kind[]) assert.deepEqual(seen[k], all(everyone, k), k);
    for (const id of all(everyone, 'persons')) assert.ok(seen.persons.includes(id), `person ${id} visible`);
    // And in a plain transaction too.
    await ctx.db.transaction().execute(async (tx) => {
      assert.deepEqual((await visible(tx)).enquiries, all(everyone, 'enquiries'));
    });
  });

  test('scoped to Stoke-on-Trent (its own staff): only Stoke-on-Trent rows, with no where clause', async () => {
    const seen = await seenUnder({ authorities: ['stoke-on-trent'], agency: null });
    for (const k of ['enquiries', 'requests', 'responses', 'children', 'ratings', 'persons'] as Kind[]) {
      assert.deepEqual(seen[k], all(['stoke-on-trent'], k), k);
    }
  });

  test('inside the scope the transaction runs as the scoped role; the scope ends with the transaction', async () => {
    await ctx.db.transaction().execute(async (tx) => {
      await enterRowScope(tx, { authorities: ['stoke-on-trent'], agency: 'police' });
      const r = await sql<{ who: string; authorities: string; agency: string }>`select current_user as who, current_setting('front_door.authorities', true) as authorities, current_setting('front_door.agency', true) as agency`.execute(tx);
      assert.deepEqual(r.rows[0], { who: 'front_door_scoped', authorities: 'stoke-on-trent', agency: 'police' });
    });
    // The next transaction, and a plain query, see everything again.
    const after = await visible(ctx.db);
    assert.equal(after.enquiries.length, all(['norfolk', 'stoke-on-trent', 'staffordshire'], 'enquiries').length);
  });

  test('scoped to the police in Stoke-on-Trent: police requests and their responses only, only enquiries with a police request, no rating changes', async () => {
    const seen = await seenUnder({ authorities: ['stoke-on-trent'], agency: 'police' });
    assert.deepEqual(seen.requests, [...policeRequests].sort());
    assert.deepEqual(seen.responses, [...policeResponses].sort());
    // Not the enquiry asked of health only, nor the one nothing has been asked about yet.
    assert.deepEqual(seen.enquiries, [stoke.policeAndHealth]);
    assert.deepEqual(seen.children, all(['stoke-on-trent'], 'children').filter((c) => c.startsWith(`${stoke.policeAndHealth}/`)));
    assert.deepEqual(seen.ratings, []);
    // People: only the children of the enquiries the police were asked about (and their households).
    const asked = all(['stoke-on-trent'], 'children').filter((c) => c.startsWith(`${stoke.policeAndHealth}/`)).map((c) => c.split('/')[1]!);
    assert.ok(asked.length > 0, 'the police enquiry has children');
    assert.deepEqual(seen.persons, [...new Set(asked)].sort());
  });

  test('scoped to an agency that was asked nothing: no requests, responses, enquiries or rating changes', async () => {
    const seen = await seenUnder({ authorities: ['stoke-on-trent'], agency: 'probation' });
    assert.deepEqual([seen.requests, seen.responses, seen.enquiries, seen.children, seen.ratings], [[], [], [], [], []]);
  });

  test('a joint hub scope (Stoke-on-Trent and Staffordshire, police) sees both authorities’ police rows and nothing of Norfolk', async () => {
    const seen = await seenUnder({ authorities: ['staffordshire', 'stoke-on-trent'], agency: 'police' });
    const staffsPolice = bucket('staffordshire').requests;
    assert.deepEqual(seen.requests, [...policeRequests, ...staffsPolice].sort());
    assert.deepEqual(seen.enquiries, [stoke.policeAndHealth, ...bucket('staffordshire').enquiries].sort());
    for (const id of bucket('norfolk').persons) assert.ok(!seen.persons.includes(id), `Norfolk person ${id} hidden`);
  });

  test('an empty scope sees nothing at all', async () => {
    const seen = await seenUnder({ authorities: [], agency: null });
    assert.deepEqual(seen, { enquiries: [], requests: [], responses: [], children: [], ratings: [], persons: [] });
    const police = await seenUnder({ authorities: [], agency: 'police' });
    assert.deepEqual(police, { enquiries: [], requests: [], responses: [], children: [], ratings: [], persons: [] });
  });

  test('a conditioned query for another authority’s rows by id finds nothing under the scope', async () => {
    const norfolkEnquiry = bucket('norfolk').enquiries[0]!;
    const norfolkPerson = bucket('norfolk').persons[0]!;
    await ctx.db.transaction().execute(async (tx) => {
      await enterRowScope(tx, { authorities: ['stoke-on-trent'], agency: null });
      assert.equal((await sql`select id from mash_enquiries where id = ${norfolkEnquiry}`.execute(tx)).rows.length, 0);
      assert.equal((await sql`select id from persons where id = ${norfolkPerson}`.execute(tx)).rows.length, 0);
      // Nor can it be changed: the update matches no row.
      const u = await sql`update mash_enquiries set reason = 'changed' where id = ${norfolkEnquiry}`.execute(tx);
      assert.equal(Number(u.numAffectedRows ?? 0), 0);
    });
    const row = await ctx.db.selectFrom('mash_enquiries').select('reason').where('id', '=', norfolkEnquiry).executeTakeFirstOrThrow();
    assert.equal(row.reason, 'Synthetic fixture');
  });

  test('inserting an enquiry for another authority under the scope is refused (42501); for its own authority it is allowed', async () => {
    const row = (authority: string) => ({
      id: randomUUID(), authority_id: authority, hub_id: HUB[authority]!, reference: `RLS-insert-${randomUUID().slice(0, 8)}`, conversation_id: null,
      reason: 'Synthetic', questions: 'Synthetic', status: 'awaiting-rating' as const, created_by: null, created_at: new Date('2026-11-23T10:00:00Z'),
    });
    const norfolk = row('norfolk');
    await assert.rejects(
      ctx.db.transaction().execute(async (tx) => {
        await enterRowScope(tx, { authorities: ['stoke-on-trent'], agency: null });
        await tx.insertInto('mash_enquiries').values(norfolk).execute();
      }),
      isRlsRefusal,
    );
    assert.equal((await ctx.db.selectFrom('mash_enquiries').select('id').where('id', '=', norfolk.id).execute()).length, 0);

    // The positive control: the same insert for Stoke-on-Trent goes in (and is rolled back).
    const own = row('stoke-on-trent');
    const rollback = new Error('roll back');
    await assert.rejects(
      ctx.db.transaction().execute(async (tx) => {
        await enterRowScope(tx, { authorities: ['stoke-on-trent'], agency: null });
        await tx.insertInto('mash_enquiries').values(own).execute();
        assert.equal((await sql`select id from mash_enquiries where id = ${own.id}`.execute(tx)).rows.length, 1);
        throw rollback;
      }),
      (e) => e === rollback,
    );
  });

  test('a police scope cannot insert a request for another agency, nor a person of another authority', async () => {
    const enquiryId = stoke.healthOnly;
    await assert.rejects(
      ctx.db.transaction().execute(async (tx) => {
        await enterRowScope(tx, { authorities: ['stoke-on-trent'], agency: 'police' });
        await tx.insertInto('mash_check_requests').values({ id: randomUUID(), enquiry_id: enquiryId, authority_id: 'stoke-on-trent', agency_code: 'health-visiting', due_at: new Date(), sent_at: new Date(), status: 'open' }).execute();
      }),
      isRlsRefusal,
    );
    await assert.rejects(
      ctx.db.transaction().execute(async (tx) => {
        await enterRowScope(tx, { authorities: ['stoke-on-trent'], agency: null });
        await tx.insertInto('persons').values({ id: randomUUID(), authority_id: 'staffordshire', given_name: 'Test', family_name: 'Elsewhere' }).execute();
      }),
      isRlsRefusal,
    );
  });
  test('a partner sees the household of a child it was asked about, and no other household', async () => {
    // Rows made for this test only, and removed again, so the other tests' expectations stand.
    const household = randomUUID();
    const otherHousehold = randomUUID();
    await ctx.db.insertInto('households').values([{ id: household, authority_id: 'stoke-on-trent' }, { id: otherHousehold, authority_id: 'stoke-on-trent' }]).execute();
    const child = (await ctx.db.selectFrom('mash_enquiry_children').select('person_id').where('enquiry_id', '=', stoke.policeAndHealth).executeTakeFirstOrThrow()).person_id;
    const mother = randomUUID();
    const neighbour = randomUUID();
    await ctx.db.updateTable('persons').set({ household_id: household }).where('id', '=', child).execute();
    await ctx.db.insertInto('persons').values([
      { id: mother, authority_id: 'stoke-on-trent', household_id: household, given_name: 'Test', family_name: 'Mother' },
      { id: neighbour, authority_id: 'stoke-on-trent', household_id: otherHousehold, given_name: 'Test', family_name: 'Neighbour' },
    ]).execute();
    try {
      const police = await seenUnder({ authorities: ['stoke-on-trent'], agency: 'police' });
      assert.ok(police.persons.includes(child), 'the child asked about is visible to the police');
      assert.ok(police.persons.includes(mother), 'so is a member of the child’s household');
      assert.ok(!police.persons.includes(neighbour), 'a person in another household is not');
      const probation = await seenUnder({ authorities: ['stoke-on-trent'], agency: 'probation' });
      assert.deepEqual(probation.persons, [], 'an agency asked about nobody sees nobody');
      const staff = await seenUnder({ authorities: ['stoke-on-trent'], agency: null });
      assert.ok(staff.persons.includes(neighbour), 'the council’s own staff see all of its people');
    } finally {
      await ctx.db.deleteFrom('persons').where('id', 'in', [mother, neighbour]).execute();
      await ctx.db.updateTable('persons').set({ household_id: null }).where('id', '=', child).execute();
      await ctx.db.deleteFrom('households').where('id', 'in', [household, otherHousehold]).execute();
    }
  });
});
