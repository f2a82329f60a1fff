/**
 * Written referrals from emergency services, end to end: police and ambulance send them (on the
 * page and through the API), everyone else is told to phone; the same incident sent twice is one
 * referral; a likely duplicate is flagged; the queue keeps each referral's deadline on the
 * service's clock; CADS matches the children and phones back or decides.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  createTestContext, createTestApp, createUser, createServiceAccount, signedInAgent, errorSummary, cleanUp,
  type Agent, type TestContext,
} from '../../../test/support/harness.js';
import { hashToken } from '../../platform/http/app.js';
import type { Principal } from '../../platform/auth/roles.js';
import { ConversationsService } from '../conversations/conversations.service.js';
import { completionListener } from '../conversations/completion.js';

let ctx: TestContext;
let app: FastifyInstance;
let police: Agent;
let ambulance: Agent;
let education: Agent;
let cads: Agent;
let stokeCads: Agent;
let policeToken: string;
let educationToken: string;
let stokePoliceToken: string;
let cadsToken: string;
let cadsPrincipal: Principal;

// November 2026 is GMT: London wall time is UTC. Norfolk is open 09:00–17:00 on weekdays.
const MONDAY_10AM = '2026-11-23T10:00:00Z';

async function serviceAccount(authorityId: string, agencyCode: string): Promise<string> {
  const token = randomBytes(24).toString('hex');
  await ctx.db.insertInto('service_accounts').values({ id: randomUUID(), authority_id: authorityId, name: `${agencyCode} feed`, role: 'partner-practitioner', agency_code: agencyCode, token_hash: hashToken(token) }).execute();
  return token;
}

const count = async (table: 'referrals' | 'referral_children' | 'referral_repeats') =>
  Number((await ctx.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

let seq = 0;
/** A whole, valid API body; each call a new incident unless the reference is given. */
function apiBody(over: Record<string, unknown> = {}, child: Record<string, unknown> = {}) {
  seq++;
  return {
    referrer: { name: 'PC Dana Whitlock', role: 'Police constable', phone: '01632 960 001', email: 'dana.whitlock@police.example' },
    incident: { reference: `NC-${Date.now()}-${seq}`, at: '2026-11-23T02:15:00Z', place: '14 Mill Lane, Wymondham', postcode: 'NR18 0AB' },
    children: [{ givenName: 'Tyler', familyName: `Brockway${seq}`, dateOfBirth: '2016-04-02', addressLine1: '14 Mill Lane', town: 'Wymondham', postcode: 'NR18 0AB', whereNow: 'At home with his grandmother', ...child }],
    concernCategories: ['domestic-abuse'],
    whatHappened: 'Police attended a domestic incident at 02:15. Tyler was present and frightened.',
    immediacy: 'soon',
    parentsInformed: 'yes',
    consentGiven: 'no',
    consentReasonCodes: ['risk-to-child'],
    consentReasonDetail: 'Telling the father could increase the risk to the child.',
    lawfulBasisCode: 'public-task-children-act',
    ...over,
  };
}

const post = (token: string, payload: unknown) =>
  app.inject({ method: 'POST', url: '/api/v1/referrals', headers: { authorization: `Bearer ${token}` }, payload: payload as Record<string, unknown> });

/** A whole, valid page form. */
function pageForm(over: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  seq++;
  return {
    'referrer-name': 'Sam Ridley', 'referrer-role': 'Paramedic', 'referrer-phone': '07700 900 123', 'referrer-email': '',
    'incident-reference': `AMB-${seq}-${Date.now()}`, 'incident-day': '23', 'incident-month': '11', 'incident-year': '2026', 'incident-time': '1:40am',
    'incident-place': 'Outside 3 Station Road, Attleborough', 'incident-postcode': 'NR17 2AA',
    'children-0-given-name': 'Ruby', 'children-0-family-name': `Ashcombe${seq}`, 'children-0-dob-day': '9', 'children-0-dob-month': '7', 'children-0-dob-year': '2019',
    'children-0-address-line-1': '3 Station Road', 'children-0-town': 'Attleborough', 'children-0-postcode': 'NR17 2AA', 'children-0-where-now': 'Norfolk and Norwich hospital with her aunt',
    'concern-categories': ['neglect', 'parenting-substance-misuse'],
    'what-happened': 'Called to the mother, unconscious after drink and drugs; Ruby (4) alone with her.',
    immediacy: 'immediate', 'parents-informed': 'no', 'consent-given': 'yes',
    ...over,
  };
}

before(async () => {
  ctx = await createTestContext(MONDAY_10AM);
  app = await createTestApp(ctx);
  police = await signedInAgent(app, (await createUser(ctx, { role: 'partner-practitioner', agencyCode: 'police' })).email);
  ambulance = await signedInAgent(app, (await createUser(ctx, { role: 'partner-practitioner', agencyCode: 'ambulance' })).email);
  education = await signedInAgent(app, (await createUser(ctx, { role: 'partner-practitioner', agencyCode: 'education' })).email);
  const cadsUser = await createUser(ctx, { role: 'cads-worker', displayName: 'Cara Duty' });
  cads = await signedInAgent(app, cadsUser.email);
  const team = await ctx.db.selectFrom('users').select('team_id').where('id', '=', cadsUser.id).executeTakeFirstOrThrow();
  cadsPrincipal = { kind: 'user', id: cadsUser.id, authorityId: 'norfolk', role: 'cads-worker', displayName: 'Cara Duty', agencyCode: null, teamId: team.team_id, email: cadsUser.email };
  stokeCads = await signedInAgent(app, (await createUser(ctx, { role: 'cads-worker', authorityId: 'stoke-on-trent' })).email);
  policeToken = await createServiceAccount(ctx, { role: 'partner-practitioner', name: 'Police PPN feed' });
  educationToken = await serviceAccount('norfolk', 'education');
  stokePoliceToken = await serviceAccount('stoke-on-trent', 'police');
  cadsToken = await createServiceAccount(ctx, { role: 'cads-worker' });
});
after(() => cleanUp(() => app?.close(), () => ctx?.close()));

describe('sending a written referral on the page', () => {
  test('a police officer sees the form and sends a referral, which lands in the queue', async () => {
    const home = await police.get('/');
    assert.match(home.body, /href="\/referrals\/new"/, 'the police officer has a way to send one');
    const form = await police.get('/referrals/new');
    assert.equal(form.status, 200);
    assert.match(form.body, /Send a written referral/);
    const before = await count('referrals');
    const res = await police.post('/referrals', pageForm({ 'referrer-role': 'Police constable' }));
    assert.equal(res.status, 302, errorSummary(res.body).join(' | '));
    assert.match(res.location!, /^\/referrals\/[0-9a-f-]{36}\/sent$/);
    assert.equal(await count('referrals'), before + 1, 'one referral saved');
    const sent = await police.get(res.location!);
    assert.equal(sent.status, 200);
    assert.match(sent.body, /NFK-WR-2026-\d{6}/, 'the sender is given the reference');
    const row = await ctx.db.selectFrom('referrals').selectAll().where('id', '=', res.location!.split('/')[2]!).executeTakeFirstOrThrow();
    assert.equal(row.channel, 'page');
    assert.equal(row.agency_code, 'police');
    assert.equal(row.referral_source, '6', 'police is CIN referral source 6');
    assert.equal(row.incident_at.toISOString(), '2026-11-23T01:40:00.000Z', '1:40am London time');
    const queue = await cads.get('/referrals');
    assert.match(queue.body, new RegExp(row.reference), 'the referral is in the CADS queue');
  });

  test('an education practitioner is told to phone instead, with the number and options, and nothing is saved', async () => {
    const page = await education.get('/referrals/new');
    assert.equal(page.status, 403);
    assert.match(page.body, /Phone us instead/);
    assert.match(page.body, /0344 800 8021/, 'the authority’s number');
    assert.match(page.body, /Option 1/, 'the phone options');
    assert.doesNotMatch(page.body, /name="referrer-name"/, 'no form');
    const home = await education.get('/');
    assert.doesNotMatch(home.body, /href="\/referrals\/new"/, 'no link to send one');
    const before = await count('referrals');
    const res = await education.post('/referrals', pageForm());
    assert.equal(res.status, 403);
    assert.match(res.body, /0344 800 8021/);
    assert.equal(await count('referrals'), before, 'nothing saved');
  });

  test('a form with problems is shown again with an error summary, and nothing is saved', async () => {
    const before = await count('referrals');
    const empty = await ambulance.post('/referrals', {});
    assert.equal(empty.status, 400);
    const errors = errorSummary(empty.body).map(([href]) => href);
    for (const field of ['#referrer-name', '#referrer-phone', '#children-0-given-name', '#children-0-where-now', '#incident-reference', '#incident-day', '#incident-place', '#concern-categories', '#what-happened', '#immediacy', '#parents-informed', '#consent-given']) {
      assert.ok(errors.includes(field), `${field} in ${errors.join(', ')}`);
    }
    const badDate = await ambulance.post('/referrals', pageForm({ 'children-0-dob-month': '13', 'consent-given': 'no' }));
    assert.equal(badDate.status, 400);
    const hrefs = errorSummary(badDate.body).map(([href]) => href);
    assert.ok(hrefs.includes('#children-0-dob-month'), hrefs.join(', '));
    assert.ok(hrefs.includes('#consent-reason'), 'the rules’ errors are listed with the date’s');
    assert.match(badDate.body, /value="Sam Ridley"/, 'what was typed is kept');
    assert.equal(await count('referrals'), before, 'nothing saved');
  });
});

describe('the API', () => {
  test('a police system’s referral is created: 201 with id, reference and status', async () => {
    const before = await count('referrals');
    const res = await post(policeToken, apiBody());
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.match(body.id, /^[0-9a-f-]{36}$/);
    assert.match(body.reference, /^NFK-WR-2026-\d{6}$/);
    assert.equal(body.status, 'waiting');
    assert.equal(await count('referrals'), before + 1);
    const status = await app.inject({ method: 'GET', url: `/api/v1/referrals/${body.id}`, headers: { authorization: `Bearer ${policeToken}` } });
    assert.equal(status.statusCode, 200);
    assert.equal(status.json().statusLabel, 'Waiting');
  });

  test('the routes are in the OpenAPI description', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    assert.ok(doc.paths['/api/v1/referrals']?.post, 'POST /api/v1/referrals');
    assert.ok(doc.paths['/api/v1/referrals/{id}']?.get, 'GET /api/v1/referrals/{id}');
  });

  test('a non-emergency account is refused with a problem+json that says why and gives the number', async () => {
    const before = await count('referrals');
    const res = await post(educationToken, apiBody());
    assert.equal(res.statusCode, 403);
    assert.match(String(res.headers['content-type']), /application\/problem\+json/);
    const p = res.json();
    assert.equal(p.title, 'Written referrals are only taken from emergency services');
    assert.match(p.detail, /only takes written referrals from emergency services/);
    assert.match(p.detail, /0344 800 8021/, 'the detail gives the number to phone');
    assert.equal(p.phone, '0344 800 8021');
    // Even a malformed body gets the refusal, not a list of field errors.
    assert.equal((await post(educationToken, {})).statusCode, 403);
    assert.equal(await count('referrals'), before, 'nothing saved');
  });

  test('the same police referral posted twice is one referral, and the second answer says so', async () => {
    const body = apiBody();
    const first = await post(policeToken, body);
    assert.equal(first.statusCode, 201);
    const before = await count('referrals');
    // The same incident number, typed differently by another system.
    const again = await post(policeToken, { ...body, incident: { ...body.incident, reference: ` ${body.incident.reference.toLowerCase()} ` } });
    assert.equal(again.statusCode, 200, again.body);
    const a = again.json();
    assert.equal(a.id, first.json().id, 'the existing referral');
    assert.equal(a.duplicateOf.reference, first.json().reference);
    assert.match(a.notice, /already referred as/);
    assert.equal(a.repeats, 1);
    assert.equal(await count('referrals'), before, 'no second referral');
    const repeats = await ctx.db.selectFrom('referral_repeats').selectAll().where('referral_id', '=', a.id).execute();
    assert.equal(repeats.length, 1, 'the repeat is recorded');
    const page = await cads.get(`/referrals/${a.id}`);
    assert.match(page.body, /Sent again/, 'the repeat shows on the referral');
    const queue = await cads.get('/referrals');
    assert.match(queue.body, /Sent again 1 time/);
  });

  test('malformed bodies are refused with field errors and nothing is saved', async () => {
    const before = [await count('referrals'), await count('referral_children'), await count('referral_repeats')];
    const good = apiBody();
    const cases: [string, unknown, string][] = [
      ['empty', {}, 'referrer'],
      ['no children', { ...good, children: [] }, 'children'],
      ['wrong types', { ...good, immediacy: 'whenever', parentsInformed: true }, 'immediacy'],
      ['an unknown field', { ...good, nhsNumber: '9434765919' }, 'body'],
      ['a date that is not a date', { ...good, incident: { ...good.incident, at: 'last night' } }, 'incident.at'],
      ['no reason for not seeking consent', { ...good, consentReasonCodes: [], consentReasonDetail: '' }, 'consentReasonCodes'],
      ['a concern the authority does not use', { ...good, concernCategories: ['aliens'] }, 'concernCategories'],
      ['a phone number that is not one', { ...good, referrer: { ...good.referrer, phone: 'call the station' } }, 'referrer.phone'],
    ];
    for (const [what, payload, field] of cases) {
      const res = await post(policeToken, payload);
      assert.equal(res.statusCode, 422, `${what}: ${res.body}`);
      assert.match(String(res.headers['content-type']), /application\/problem\+json/, what);
      const fields = (res.json().errors as { field: string }[]).map((e) => e.field);
      assert.ok(fields.some((f) => f.startsWith(field)), `${what}: ${fields.join(', ')}`);
    }
    assert.deepEqual([await count('referrals'), await count('referral_children'), await count('referral_repeats')], before, 'nothing saved');
  });

  test('another authority’s referral is not found, on the API and on the pages', async () => {
    const res = await post(policeToken, apiBody());
    const id = res.json().id;
    const api = await app.inject({ method: 'GET', url: `/api/v1/referrals/${id}`, headers: { authorization: `Bearer ${stokePoliceToken}` } });
    assert.equal(api.statusCode, 404);
    assert.equal((await stokeCads.get(`/referrals/${id}`)).status, 404);
    assert.equal((await stokeCads.post(`/referrals/${id}/decision`, { decision: 'early-help', rationale: 'x' })).status, 404);
    assert.equal((await stokeCads.post(`/referrals/${id}/phone-back`, {})).status, 404);
    assert.doesNotMatch((await stokeCads.get('/referrals')).body, new RegExp(res.json().reference), 'not in the other authority’s queue');
    const other = await app.inject({ method: 'GET', url: `/api/v1/referrals/${id}`, headers: { authorization: `Bearer ${educationToken}` } });
    assert.equal(other.statusCode, 404, 'another agency cannot read it either');
  });
});

describe('likely duplicates', () => {
  test('the same child at the same place within hours, under another reference, is flagged; the worker decides', async () => {
    const child = { givenName: 'Kian', familyName: 'Oakshott', dateOfBirth: '2014-01-20' };
    const first = (await post(policeToken, apiBody({ incident: { reference: 'PPN-7001', at: '2026-11-23T01:00:00Z', place: '2 Elm Close, Dereham', postcode: 'NR19 1AA' } }, child))).json();
    const ambulanceToken = await serviceAccount('norfolk', 'ambulance');
    const second = await post(ambulanceToken, apiBody({ incident: { reference: 'EEAS-55', at: '2026-11-23T03:30:00Z', place: 'Elm Close', postcode: 'NR19 1AA' } }, child));
    assert.equal(second.statusCode, 201, 'a likely duplicate is saved');
    const row = await ctx.db.selectFrom('referrals').selectAll().where('id', '=', second.json().id).executeTakeFirstOrThrow();
    assert.equal(row.possible_duplicate_of, first.id, 'flagged as a possible duplicate of the first');
    // Far away, or a day later: not flagged.
    const elsewhere = await post(ambulanceToken, apiBody({ incident: { reference: 'EEAS-56', at: '2026-11-23T03:30:00Z', place: 'Somewhere else', postcode: 'NR1 1AA' } }, child));
    assert.equal((await ctx.db.selectFrom('referrals').select('possible_duplicate_of').where('id', '=', elsewhere.json().id).executeTakeFirstOrThrow()).possible_duplicate_of, null);

    const queue = await cads.get('/referrals');
    assert.match(queue.body, new RegExp(`Possible duplicate of ${first.reference}`), 'shown in the queue');
    const page = await cads.get(`/referrals/${row.id}`);
    assert.match(page.body, /Is this the same incident as/);
    const noChoice = await cads.post(`/referrals/${row.id}/duplicate`, {});
    assert.equal(noChoice.status, 400);
    const same = await cads.post(`/referrals/${row.id}/duplicate`, { resolution: 'same' });
    assert.equal(same.status, 302);
    const closed = await ctx.db.selectFrom('referrals').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    assert.equal(closed.status, 'duplicate');
    assert.equal(closed.possible_duplicate_of, first.id, 'linked to the first');
    assert.ok(closed.closed_at, 'closed');
    const audit = await ctx.db.selectFrom('audit_events').selectAll().where('action', '=', 'referral.duplicate-resolved').where('entity_id', '=', row.id).execute();
    assert.equal(audit.length, 1, 'audited');

    // Another flagged one turns out to be a different incident: it stays in the queue.
    const third = await post(ambulanceToken, apiBody({ incident: { reference: 'EEAS-57', at: '2026-11-23T04:00:00Z', place: '2 Elm Close', postcode: 'NR19 1AA' } }, child));
    const thirdRow = await ctx.db.selectFrom('referrals').selectAll().where('id', '=', third.json().id).executeTakeFirstOrThrow();
    assert.equal(thirdRow.possible_duplicate_of, first.id);
    assert.equal((await cads.post(`/referrals/${thirdRow.id}/duplicate`, { resolution: 'different' })).status, 302);
    const kept = await ctx.db.selectFrom('referrals').selectAll().where('id', '=', thirdRow.id).executeTakeFirstOrThrow();
    assert.equal(kept.status, 'waiting');
    assert.equal(kept.duplicate_resolution, 'different');
  });
});

describe('the deadline', () => {
  test('runs on the service’s open hours across a weekend, with due soon and overdue in words', async () => {
    ctx.clock.set('2026-11-20T15:00:00Z'); // Friday 3pm
    try {
      const res = await post(policeToken, apiBody({ incident: { reference: 'PPN-FRI-1', at: '2026-11-20T13:00:00Z', place: 'Market Place, Diss', postcode: 'IP22 4AB' } }));
      assert.equal(res.statusCode, 201);
      // Two working hours on Friday (3pm–5pm), then two on Monday (9am–11am).
      assert.equal(res.json().dueAt, '2026-11-23T11:00:00.000Z');
      const ref = res.json().reference;
      const rowOf = (html: string) => {
        const i = html.indexOf(`>${ref}<`);
        assert.ok(i > 0, `${ref} in the queue`);
        return html.slice(html.lastIndexOf('<tr', i), html.indexOf('</tr>', i));
      };
      ctx.clock.set('2026-11-21T12:00:00Z'); // Saturday: still on time, the clock does not run
      assert.match(rowOf((await cads.get('/referrals')).body), /On time/);
      ctx.clock.set('2026-11-23T10:30:00Z'); // Monday 10:30
      const soon = rowOf((await cads.get('/referrals')).body);
      assert.match(soon, /Due soon/);
      assert.match(soon, /30 minutes left/);
      ctx.clock.set('2026-11-23T11:45:00Z');
      const late = rowOf((await cads.get('/referrals')).body);
      assert.match(late, /Overdue/);
      assert.match(late, /Overdue by 45 minutes/);
      const home = await cads.get('/');
      assert.match(home.body, /written referrals? (is|are) waiting, <strong>\d+ overdue<\/strong>/, 'the home page counts the overdue');
    } finally {
      ctx.clock.set(MONDAY_10AM);
    }
  });
});

describe('working a referral', () => {
  async function existingChild(): Promise<string> {
    const res = await app.inject({
      method: 'POST', url: '/api/v1/people', headers: { authorization: `Bearer ${cadsToken}` },
      payload: { givenName: 'Maisie', familyName: 'Thurlow', dateOfBirth: '2017-03-14', sex: 'F', postcode: 'NR2 4AA', differentChildReason: 'Test fixture' },
    });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().id;
  }

  test('the worker matches the child, makes a record for another, then phones back: a prefilled conversation, linked both ways', async () => {
    const personId = await existingChild();
    const res = await post(policeToken, {
      ...apiBody({ incident: { reference: 'PPN-8801', at: '2026-11-23T00:30:00Z', place: '7 Rose Lane, Norwich', postcode: 'NR2 4AA' } }, { givenName: 'Maisie', familyName: 'Thurlow', dateOfBirth: '2017-03-14', postcode: 'NR2 4AA' }),
    });
    const body = apiBody({}, {});
    const withSibling = await post(policeToken, { ...body, incident: { reference: 'PPN-8802', at: '2026-11-23T00:30:00Z', place: '9 Rose Lane, Norwich', postcode: 'NR2 4AB' }, children: [body.children[0], { givenName: 'Noah', familyName: 'Quenby', dateOfBirth: '2020-08-01', whereNow: 'With a neighbour' }] });
    const id = res.json().id;
    assert.ok(withSibling.statusCode === 201);

    const page = await cads.get(`/referrals/${id}`);
    assert.equal(page.status, 200);
    assert.match(page.body, new RegExp(`value="${personId}"`), 'the matching engine offers the existing record');
    const viewed = await ctx.db.selectFrom('audit_events').selectAll().where('action', '=', 'referral.viewed').where('entity_id', '=', id).execute();
    assert.equal(viewed.length, 1, 'the view is audited');

    const early = await cads.post(`/referrals/${id}/phone-back`, {});
    assert.equal(early.status, 400, 'not before the children are matched');
    assert.match(early.body, /Match each child/);

    const child = await ctx.db.selectFrom('referral_children').selectAll().where('referral_id', '=', id).executeTakeFirstOrThrow();
    const none = await cads.post(`/referrals/${id}/match`, { child: child.id });
    assert.equal(none.status, 400, 'a record must be chosen');
    const matched = await cads.post(`/referrals/${id}/match`, { child: child.id, [`person-${child.id}`]: personId });
    assert.equal(matched.status, 302);
    assert.equal((await ctx.db.selectFrom('referral_children').select('person_id').where('id', '=', child.id).executeTakeFirstOrThrow()).person_id, personId);

    const phoned = await cads.post(`/referrals/${id}/phone-back`, {});
    assert.equal(phoned.status, 302, errorSummary(phoned.body).join(' | '));
    const conversationId = phoned.location!.split('/')[2]!;
    const referral = await ctx.db.selectFrom('referrals').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(referral.status, 'conversation');
    assert.equal(referral.conversation_id, conversationId, 'the referral links to the conversation');
    const version = await ctx.db.selectFrom('conversation_versions').selectAll().where('conversation_id', '=', conversationId).executeTakeFirstOrThrow();
    assert.equal(version.caller_name, 'PC Dana Whitlock');
    assert.equal(version.caller_type, 'professional');
    assert.equal(version.caller_agency_code, 'police');
    assert.deepEqual(version.concern_categories, ['domestic-abuse']);
    assert.equal(version.consent_given, 'no');
    assert.deepEqual(version.consent_reason_codes, ['risk-to-child']);
    assert.match(version.concern_detail!, new RegExp(referral.reference), 'the concern names the referral');
    const kids = await ctx.db.selectFrom('conversation_children').selectAll().where('conversation_id', '=', conversationId).execute();
    assert.deepEqual(kids.map((k) => [k.person_id, k.where_now]), [[personId, 'At home with his grandmother']]);
    const draft = await cads.get(`/conversations/${conversationId}`);
    assert.equal(draft.status, 200, 'the worker lands on the conversation');
    const back = await cads.get(`/referrals/${id}`);
    assert.match(back.body, new RegExp(`href="/conversations/${conversationId}"`), 'and the referral links to it');
    const record = await cads.get(`/people/${personId}`);
    assert.match(record.body, /Written referrals/);
    assert.match(record.body, new RegExp(referral.reference), 'the child’s record lists the referral');
    assert.equal((await cads.post(`/referrals/${id}/phone-back`, {})).status, 409, 'only once');

    // Once the conversation is completed, its record and the child's chronology say where it came from.
    const conversations = new ConversationsService(ctx.db, ctx.clock, ctx.profiles, ctx.calendars, completionListener(ctx));
    const audit = { principal: cadsPrincipal, ip: null, requestId: null };
    const lock = (await ctx.db.selectFrom('conversations').select('lock_version').where('id', '=', conversationId).executeTakeFirstOrThrow()).lock_version;
    await conversations.saveSection(cadsPrincipal, conversationId, lock, 'outcome', { worries: 'Domestic abuse at home, child present.' },
      new Map([[personId, { safe_tonight: 'yes', outcome_code: 'advice-and-information', level_code: '2', caller_agreed: true }]]), audit);
    const done = await conversations.complete(cadsPrincipal, conversationId, lock + 1, audit);
    assert.ok(done.ok, JSON.stringify(done));
    const completed = await cads.get(`/conversations/${conversationId}`);
    assert.match(completed.body, /Started from written referral/, 'the conversation’s record names the referral');
    assert.match(completed.body, new RegExp(`href="/referrals/${id}"`), 'with a link back');
    const chronology = await cads.get(`/people/${personId}`);
    assert.match(chronology.body, new RegExp(`Started from written referral ${referral.reference}`), 'and so does the child’s chronology');

    // The second referral: one child matched, the other has no record yet, so the worker makes one.
    const second = withSibling.json().id;
    const kids2 = await ctx.db.selectFrom('referral_children').selectAll().where('referral_id', '=', second).orderBy('position').execute();
    const made = await cads.post(`/referrals/${second}/new-person`, { child: kids2[1]!.id });
    assert.equal(made.status, 302, errorSummary(made.body).join(' | '));
    const noah = await ctx.db.selectFrom('referral_children').select('person_id').where('id', '=', kids2[1]!.id).executeTakeFirstOrThrow();
    assert.ok(noah.person_id, 'a new record was made and matched');
    const person = await ctx.db.selectFrom('persons').selectAll().where('id', '=', noah.person_id!).executeTakeFirstOrThrow();
    assert.deepEqual([person.given_name, person.family_name, person.date_of_birth], ['Noah', 'Quenby', '2020-08-01']);
  });

  test('the worker records a decision, which closes the referral', async () => {
    const personId = await existingChild();
    const res = await post(policeToken, apiBody({}, { givenName: 'Maisie', familyName: 'Thurlow', dateOfBirth: '2017-03-14' }));
    const id = res.json().id;
    const child = await ctx.db.selectFrom('referral_children').selectAll().where('referral_id', '=', id).executeTakeFirstOrThrow();
    await cads.post(`/referrals/${id}/match`, { child: child.id, [`person-${child.id}`]: personId });
    const empty = await cads.post(`/referrals/${id}/decision`, {});
    assert.equal(empty.status, 400);
    assert.deepEqual(errorSummary(empty.body).map(([h]) => h), ['#decision', '#rationale']);
    const ok = await cads.post(`/referrals/${id}/decision`, { decision: 'early-help', rationale: 'Family known to Early Help; they will visit this week.' });
    assert.equal(ok.status, 302);
    const r = await ctx.db.selectFrom('referrals').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(r.status, 'decided');
    assert.equal(r.decision_code, 'early-help');
    assert.ok(r.closed_at);
    const audit = await ctx.db.selectFrom('audit_events').selectAll().where('action', '=', 'referral.decided').where('entity_id', '=', id).execute();
    assert.deepEqual(audit.map((a) => a.person_id), [child.person_id ?? personId], 'audited against the child');
    const status = await app.inject({ method: 'GET', url: `/api/v1/referrals/${id}`, headers: { authorization: `Bearer ${policeToken}` } });
    assert.equal(status.json().status, 'decided');
    assert.equal(status.json().decision, 'Step down to Early Help');
    assert.equal((await cads.post(`/referrals/${id}/decision`, { decision: 'early-help', rationale: 'again' })).status, 409, 'a closed referral cannot be decided again');
  });
});
