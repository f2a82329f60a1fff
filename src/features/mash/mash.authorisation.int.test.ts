/**
 * Who may see what in the MASH, by the service, by the pages and by the API, including by guessing
 * ids: a partner agency sees only its own agency's requests in the authorities it serves (its own,
 * plus any granted authority of the same hub); it never reaches a child's record, an enquiry, the
 * collation or the dashboard; an authority's own staff never see another authority's children or
 * enquiries, even inside a joint hub (Stoke-on-Trent and Staffordshire share one).
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  createTestContext, createTestApp, createUser, signedInAgent, completeConversationByApi, cleanUp, type Agent, type TestContext,
} from '../../../test/support/harness.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import { HttpError } from '../../platform/http/errors.js';
import { hashToken } from '../../platform/http/app.js';
import { MashService } from './mash.service.js';
import { PeopleService } from '../people/people.service.js';

let ctx: TestContext;
let app: FastifyInstance;
let service: MashService;

interface Actor { principal: Principal; email: string | null; token: string | null }

/** A user who signs in to the pages; `grants` are extra authorities they serve (partners only count). */
async function user(role: Role, authorityId: string, agencyCode: string | null = null, grants: string[] = []): Promise<Actor> {
  const u = await createUser(ctx, { role, authorityId, ...(agencyCode ? { agencyCode } : {}) });
  for (const a of grants) await ctx.db.insertInto('user_served_authorities').values({ user_id: u.id, authority_id: a, granted_by: null, granted_at: ctx.clock.now() }).execute();
  return {
    principal: { kind: 'user', id: u.id, authorityId, role, displayName: `Test ${role}`, agencyCode: agencyCode ?? (role === 'partner-practitioner' ? 'police' : null), teamId: null, email: u.email },
    email: u.email, token: null,
  };
}

/** A system calling the API with a bearer token, with its own grants. */
async function account(role: Role, authorityId: string, agencyCode: string | null = null, grants: string[] = []): Promise<Actor> {
  const id = randomUUID();
  const token = randomBytes(24).toString('hex');
  const name = `Test ${authorityId} ${role} ${agencyCode ?? ''}`.trim();
  await ctx.db.insertInto('service_accounts').values({ id, authority_id: authorityId, name, role, agency_code: agencyCode, token_hash: hashToken(token) }).execute();
  for (const a of grants) await ctx.db.insertInto('service_account_served_authorities').values({ service_account_id: id, authority_id: a, granted_at: ctx.clock.now() }).execute();
  return { principal: { kind: 'service-account', id, authorityId, role, displayName: name, agencyCode, teamId: null, email: null }, email: null, token };
}

interface Opened { enquiryId: string; reference: string; childId: string; familyName: string; requests: Record<string, string> }

/**
 * An enquiry as it really starts: a conversation completed with the outcome MASH checks (through the
 * API), then rated amber and sent to the given agencies by the authority's coordinator.
 */
async function openEnquiry(authorityId: string, familyName: string, agencies: string[]): Promise<Opened> {
  const worker = await user('cads-worker', authorityId);
  const system = await account('cads-worker', authorityId);
  const c = await completeConversationByApi(app, system.token!, { workerEmail: worker.email!, callerEmail: null, familyName });
  const e = await ctx.db.selectFrom('mash_enquiries').selectAll().where('conversation_id', '=', c.id).executeTakeFirstOrThrow();
  const child = await ctx.db.selectFrom('mash_enquiry_children').select('person_id').where('enquiry_id', '=', e.id).executeTakeFirstOrThrow();
  const coordinator = await user('mash-coordinator', authorityId);
  const rated = await service.rate(coordinator.principal, e.id, 'amber', null, e.lock_version);
  assert.ok(rated.ok, `rating the ${authorityId} enquiry`);
  const sent = await service.sendRequests(coordinator.principal, e.id, agencies);
  assert.ok(sent.ok, `sending the ${authorityId} requests`);
  const rows = await ctx.db.selectFrom('mash_check_requests').select(['id', 'agency_code']).where('enquiry_id', '=', e.id).execute();
  return { enquiryId: e.id, reference: e.reference, childId: child.person_id, familyName, requests: Object.fromEntries(rows.map((r) => [r.agency_code, r.id])) };
}

async function rejects(p: Promise<unknown>, status: number) {
  await assert.rejects(p, (e: unknown) => e instanceof HttpError && e.status === status);
}

const api = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: unknown) =>
  app.inject({ method, url, headers: { authorization: `Bearer ${actor.token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });

async function apiStatus(actor: Actor, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<number> {
  const res = await api(actor, method, url, payload);
  if (res.statusCode >= 400) assert.match(String(res.headers['content-type']), /application\/problem\+json/, `${method} ${url} must answer problem+json`);
  return res.statusCode;
}

const answer = {
  kind: 'response', nothingKnown: false, holds: 'One incident log at the address', sourceSystem: 'Niche',
  checkedOn: '2026-11-23', riskInformation: null, lawfulBasisCode: 'public-task-children-act',
};
const serviceAnswer = { ...answer, riskInformation: null, correctsId: null };

// What each authority has: Stoke-on-Trent asked the police and health; Staffordshire (the same hub)
// asked the police; Norfolk (another hub) asked the police.
let stoke: Opened;
let staffs: Opened;
let norfolk: Opened;

// People and systems.
let stokePolice: Actor; // a Stoke-on-Trent police practitioner
let stokePoliceSystem: Actor; // the same force's system
let stokeHealthSystem: Actor;
let norfolkPolice: Actor;
let norfolkPoliceSystem: Actor;
let staffsPoliceGrantedStoke: Actor; // a Staffordshire police practitioner granted Stoke-on-Trent (same hub)
let staffsPoliceSystemGrantedStoke: Actor;
let staffsPoliceGrantedNorfolk: Actor; // granted Norfolk, another hub: counts for nothing
let staffsPoliceSystemGrantedNorfolk: Actor;
let stokeWorker: Actor;
let stokeCoordinator: Actor;
let stokeManager: Actor;
let stokeCoordinatorSystem: Actor;
let stokeManagerSystem: Actor;
let stokeWorkerSystem: Actor;
let stokeWorkerGranted: Actor; // an authority's own staff: a grant counts for nothing
let staffsWorker: Actor;

before(async () => {
  // Monday 23 November 2026, 10:00 in London: every service is open.
  ctx = await createTestContext('2026-11-23T10:00:00Z');
  app = await createTestApp(ctx);
  service = new MashService(ctx);
  stoke = await openEnquiry('stoke-on-trent', 'Ravensworth', ['police', 'health']);
  staffs = await openEnquiry('staffordshire', 'Quillfeather', ['police']);
  norfolk = await openEnquiry('norfolk', 'Marchbanks', ['police']);

  stokePolice = await user('partner-practitioner', 'stoke-on-trent', 'police');
  stokePoliceSystem = await account('partner-practitioner', 'stoke-on-trent', 'police');
  stokeHealthSystem = await account('partner-practitioner', 'stoke-on-trent', 'health');
  norfolkPolice = await user('partner-practitioner', 'norfolk', 'police');
  norfolkPoliceSystem = await account('partner-practitioner', 'norfolk', 'police');
  staffsPoliceGrantedStoke = await user('partner-practitioner', 'staffordshire', 'police', ['stoke-on-trent']);
  staffsPoliceSystemGrantedStoke = await account('partner-practitioner', 'staffordshire', 'police', ['stoke-on-trent']);
  staffsPoliceGrantedNorfolk = await user('partner-practitioner', 'staffordshire', 'police', ['norfolk']);
  staffsPoliceSystemGrantedNorfolk = await account('partner-practitioner', 'staffordshire', 'police', ['norfolk']);
  stokeWorker = await user('cads-worker', 'stoke-on-trent');
  stokeCoordinator = await user('mash-coordinator', 'stoke-on-trent');
  stokeManager = await user('team-manager', 'stoke-on-trent');
  stokeCoordinatorSystem = await account('mash-coordinator', 'stoke-on-trent');
  stokeManagerSystem = await account('team-manager', 'stoke-on-trent');
  stokeWorkerSystem = await account('cads-worker', 'stoke-on-trent');
  stokeWorkerGranted = await user('mash-coordinator', 'stoke-on-trent', null, ['staffordshire']);
  staffsWorker = await user('cads-worker', 'staffordshire');
});

after(async () => {
  await cleanUp(() => app?.close(), () => ctx?.close());
});

describe('the service layer', () => {
  test('a police partner sees its own request, never health’s, and never an enquiry, the collation or the dashboard', async () => {
    const mine = await service.requestsForAgency(stokePolice.principal);
    assert.deepEqual(mine.map((r) => r.id), [stoke.requests.police]);
    assert.equal((await service.requestForAgency(stokePolice.principal, stoke.requests.police!)).id, stoke.requests.police);
    await rejects(service.requestForAgency(stokePolice.principal, stoke.requests.health!), 404);
    await rejects(service.respond(stokePolice.principal, stoke.requests.health!, serviceAnswer), 404);
    await rejects(service.requestForAgency(stokePolice.principal, randomUUID()), 404);
    await rejects(service.view(stokePolice.principal, stoke.enquiryId), 403);
    await rejects(service.collation(stokePolice.principal, stoke.enquiryId), 403);
    await rejects(service.dashboard(stokePolice.principal), 403);
    // Nothing was written for the health request.
    assert.equal((await ctx.db.selectFrom('mash_check_responses').select('id').where('request_id', '=', stoke.requests.health!).execute()).length, 0);
  });

  test('a partner without an agency code is refused, not scoped to everything', async () => {
    const noAgency: Principal = { ...stokePolice.principal, agencyCode: null };
    await rejects(service.requestsForAgency(noAgency), 403);
    await rejects(service.requestForAgency(noAgency, stoke.requests.police!), 403);
    await rejects(service.respond(noAgency, stoke.requests.police!, serviceAnswer), 403);
    // And through the API: a partner system with no agency is refused.
    const system = await account('partner-practitioner', 'stoke-on-trent', null);
    assert.equal(await apiStatus(system, 'GET', '/api/v1/mash/requests'), 403);
    assert.equal(await apiStatus(system, 'GET', `/api/v1/mash/requests/${stoke.requests.police}`), 403);
  });

  test('a Norfolk police partner cannot see or answer a Stoke-on-Trent request', async () => {
    assert.deepEqual((await service.requestsForAgency(norfolkPolice.principal)).map((r) => r.id), [norfolk.requests.police]);
    await rejects(service.requestForAgency(norfolkPolice.principal, stoke.requests.police!), 404);
    await rejects(service.respond(norfolkPolice.principal, stoke.requests.police!, serviceAnswer), 404);
  });

  test('a Staffordshire police partner granted Stoke-on-Trent (the same hub) sees both forces’ requests; a grant to Norfolk counts for nothing', async () => {
    assert.deepEqual(await service.servedAuthorities(ctx.db, staffsPoliceGrantedStoke.principal), ['staffordshire', 'stoke-on-trent']);
    assert.deepEqual(await service.servedAuthorities(ctx.db, staffsPoliceSystemGrantedStoke.principal), ['staffordshire', 'stoke-on-trent']);
    const both = await service.requestsForAgency(staffsPoliceGrantedStoke.principal);
    assert.deepEqual(both.map((r) => r.id).sort(), [staffs.requests.police, stoke.requests.police].sort());
    const r = await service.requestForAgency(staffsPoliceGrantedStoke.principal, stoke.requests.police!);
    assert.equal(r.authorityId, 'stoke-on-trent');
    assert.ok(r.people.some((p) => p.familyName === stoke.familyName), 'the Stoke-on-Trent child is among the people to search');
    // Never the health request, and never Norfolk's.
    await rejects(service.requestForAgency(staffsPoliceGrantedStoke.principal, stoke.requests.health!), 404);
    await rejects(service.requestForAgency(staffsPoliceGrantedStoke.principal, norfolk.requests.police!), 404);

    assert.deepEqual(await service.servedAuthorities(ctx.db, staffsPoliceGrantedNorfolk.principal), ['staffordshire']);
    assert.deepEqual(await service.servedAuthorities(ctx.db, staffsPoliceSystemGrantedNorfolk.principal), ['staffordshire']);
    assert.deepEqual((await service.requestsForAgency(staffsPoliceGrantedNorfolk.principal)).map((x) => x.id), [staffs.requests.police]);
    await rejects(service.requestForAgency(staffsPoliceGrantedNorfolk.principal, norfolk.requests.police!), 404);
    await rejects(service.respond(staffsPoliceGrantedNorfolk.principal, norfolk.requests.police!, serviceAnswer), 404);
    await rejects(service.requestForAgency(staffsPoliceGrantedNorfolk.principal, stoke.requests.police!), 404);
  });

  test('Stoke-on-Trent staff never see a Staffordshire enquiry, though the hub is shared; a grant does not widen staff', async () => {
    for (const staff of [stokeWorker, stokeCoordinator, stokeManager, stokeWorkerGranted]) {
      await rejects(service.view(staff.principal, staffs.enquiryId), 404);
      await rejects(service.collation(staff.principal, staffs.enquiryId), 404);
      await rejects(service.view(staff.principal, norfolk.enquiryId), 404);
      const d = await service.dashboard(staff.principal, { status: 'all' });
      const ids = d.enquiries.map((e) => e.id);
      assert.ok(ids.includes(stoke.enquiryId), 'their own enquiry is on the dashboard');
      assert.ok(!ids.includes(staffs.enquiryId) && !ids.includes(norfolk.enquiryId), 'no Staffordshire or Norfolk enquiry on a Stoke-on-Trent dashboard');
      assert.ok(!d.enquiries.some((e) => e.children.some((c) => c.id === staffs.childId)), 'no Staffordshire child on a Stoke-on-Trent dashboard');
    }
    assert.deepEqual(await service.servedAuthorities(ctx.db, stokeWorkerGranted.principal), ['stoke-on-trent']);
    await rejects(service.rate(stokeManager.principal, staffs.enquiryId, 'red', 'x', 1), 404);
    await rejects(service.sendRequests(stokeManager.principal, staffs.enquiryId, ['probation']), 404);
    await rejects(service.create(stokeCoordinator.principal, { childIds: [staffs.childId], reason: 'r', questions: 'q' }), 404);
    // Staffordshire's own staff do see it.
    assert.equal((await service.view(staffsWorker.principal, staffs.enquiryId)).enquiry.id, staffs.enquiryId);
  });

  test('Stoke-on-Trent staff cannot find or open a Staffordshire child through the people service', async () => {
    const people = new PeopleService(ctx.db, ctx.clock, ctx.profiles);
    const criteria = (p: Principal) => {
      const parsed = people.parseSearch({ name: `Kayleigh ${staffs.familyName}`, dobDay: '6', dobMonth: '5', dobYear: '2015', age: '', postcode: '', nhsNumber: '' });
      assert.ok(parsed.ok, `the search parses for ${p.role}`);
      return parsed.criteria;
    };
    for (const staff of [stokeWorker, stokeCoordinator, stokeManager, stokeWorkerGranted]) {
      const audit = { principal: staff.principal, ip: null, requestId: null };
      await rejects(people.view(staff.principal, staffs.childId, audit), 404);
      await rejects(people.record(staff.principal, staffs.childId, audit), 404);
      const results = await people.search(staff.principal, criteria(staff.principal), audit);
      assert.ok(!results.some((r) => r.person.id === staffs.childId), `${staff.principal.role}: no Staffordshire child in the results`);
    }
    const own = await people.search(staffsWorker.principal, criteria(staffsWorker.principal), { principal: staffsWorker.principal, ip: null, requestId: null });
    assert.ok(own.some((r) => r.person.id === staffs.childId), 'Staffordshire staff find their own child');
  });
});

describe('the API', () => {
  test('the OpenAPI document describes the MASH routes with their schemas', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const paths: [string, string][] = [
      ['/api/v1/mash/requests', 'get'], ['/api/v1/mash/requests/{id}', 'get'], ['/api/v1/mash/requests/{id}/responses', 'post'], ['/api/v1/mash/enquiries/{id}', 'get'],
    ];
    for (const [path, method] of paths) {
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method} ${path}`);
      assert.deepEqual(op.security, [{ bearer: [] }]);
      assert.ok(op.responses['200'] ?? op.responses['201'], `${path} documents its success`);
    }
    const body = doc.paths['/api/v1/mash/requests/{id}/responses'].post.requestBody.content['application/json'].schema;
    assert.deepEqual(body.properties.kind.enum, ['response', 'question', 'correction']);
    const person = doc.paths['/api/v1/mash/requests'].get.responses['200'].content['application/json'].schema.properties.requests.items.properties.people.items;
    // issue10-F: plus whether the person is a restricted record withheld from the agency (and its reference).
    assert.deepEqual(Object.keys(person.properties).sort(), ['address', 'dateOfBirth', 'expectedDateOfBirth', 'familyName', 'givenName', 'isChild', 'personId', 'restricted', 'restrictedReference']);
  });

  test('a police system lists its own requests with names, dates of birth and addresses only', async () => {
    const res = await api(stokePoliceSystem, 'GET', '/api/v1/mash/requests');
    assert.equal(res.statusCode, 200);
    const { requests } = res.json();
    assert.deepEqual(requests.map((r: { id: string }) => r.id), [stoke.requests.police]);
    const [r] = requests;
    assert.equal(r.reference, stoke.reference);
    assert.deepEqual(r.authority, { id: 'stoke-on-trent', name: ctx.profiles.get('stoke-on-trent').name });
    assert.equal(r.status, 'open');
    assert.equal(r.state, 'on-time');
    assert.match(r.countdown, /left$/);
    assert.ok(Date.parse(r.dueAt) > Date.parse('2026-11-23T10:00:00Z'), 'due after the enquiry was opened');
    const child = r.people.find((p: { personId: string }) => p.personId === stoke.childId);
    assert.equal(child.familyName, stoke.familyName);
    assert.equal(child.dateOfBirth, '2015-05-06');
    const json = res.body;
    for (const secret of ['Weight loss', 'Faltering growth', 'neglect', 'mash-checks', 'Parent may flee', 'Dr Reed', 'MASH checks agreed', 'nhsNumber']) {
      assert.ok(!json.includes(secret), `a partner must not see "${secret}"`);
    }
    // Health's system sees only health's.
    const health = (await api(stokeHealthSystem, 'GET', '/api/v1/mash/requests')).json();
    assert.deepEqual(health.requests.map((x: { id: string }) => x.id), [stoke.requests.health]);
  });

  test('a police system cannot open or answer health’s request, a guessed id or a malformed one: 404 problem+json', async () => {
    assert.equal(await apiStatus(stokePoliceSystem, 'GET', `/api/v1/mash/requests/${stoke.requests.police}`), 200);
    assert.equal(await apiStatus(stokePoliceSystem, 'GET', `/api/v1/mash/requests/${stoke.requests.health}`), 404);
    assert.equal(await apiStatus(stokePoliceSystem, 'POST', `/api/v1/mash/requests/${stoke.requests.health}/responses`, answer), 404);
    assert.equal(await apiStatus(stokePoliceSystem, 'GET', `/api/v1/mash/requests/${randomUUID()}`), 404);
    assert.equal(await apiStatus(stokePoliceSystem, 'POST', `/api/v1/mash/requests/${randomUUID()}/responses`, answer), 404);
    for (const bad of ['not-a-uuid', '1', `${stoke.requests.police}x`, "1' or '1'='1", '%00']) {
      assert.equal(await apiStatus(stokePoliceSystem, 'GET', `/api/v1/mash/requests/${encodeURIComponent(bad)}`), 404, bad);
      assert.equal(await apiStatus(stokePoliceSystem, 'POST', `/api/v1/mash/requests/${encodeURIComponent(bad)}/responses`, answer), 404, bad);
    }
    assert.equal((await ctx.db.selectFrom('mash_check_responses').select('id').where('request_id', '=', stoke.requests.health!).execute()).length, 0);
  });

  test('a police system cannot open a child’s record or an enquiry', async () => {
    assert.equal(await apiStatus(stokePoliceSystem, 'GET', `/api/v1/people/${stoke.childId}`), 403);
    assert.equal(await apiStatus(stokePoliceSystem, 'GET', `/api/v1/people/${stoke.childId}/chronology`), 403);
    assert.equal(await apiStatus(stokePoliceSystem, 'POST', '/api/v1/people/search', { name: `Kayleigh ${stoke.familyName}` }), 403);
    assert.equal(await apiStatus(stokePoliceSystem, 'GET', `/api/v1/mash/enquiries/${stoke.enquiryId}`), 403);
    assert.equal(await apiStatus(stokePoliceSystem, 'GET', `/api/v1/mash/enquiries/${randomUUID()}`), 403);
  });

  test('a Norfolk police system cannot see a Stoke-on-Trent request', async () => {
    const list = (await api(norfolkPoliceSystem, 'GET', '/api/v1/mash/requests')).json();
    assert.deepEqual(list.requests.map((r: { id: string }) => r.id), [norfolk.requests.police]);
    assert.equal(await apiStatus(norfolkPoliceSystem, 'GET', `/api/v1/mash/requests/${stoke.requests.police}`), 404);
    assert.equal(await apiStatus(norfolkPoliceSystem, 'POST', `/api/v1/mash/requests/${stoke.requests.police}/responses`, answer), 404);
  });

  test('a Staffordshire police system granted Stoke-on-Trent sees and answers Stoke’s police request; granted Norfolk, it sees nothing of Norfolk', async () => {
    const list = (await api(staffsPoliceSystemGrantedStoke, 'GET', '/api/v1/mash/requests')).json();
    assert.deepEqual(list.requests.map((r: { id: string }) => r.id).sort(), [staffs.requests.police, stoke.requests.police].sort());
    assert.deepEqual(list.requests.map((r: { authority: { id: string } }) => r.authority.id).sort(), ['staffordshire', 'stoke-on-trent']);
    const one = await api(staffsPoliceSystemGrantedStoke, 'GET', `/api/v1/mash/requests/${stoke.requests.police}`);
    assert.equal(one.statusCode, 200);
    assert.equal(one.json().authority.id, 'stoke-on-trent');
    assert.deepEqual(one.json().agency, { code: 'police', label: ctx.profiles.get('stoke-on-trent').mash.checkAgencies.find((a) => a.code === 'police')!.label });
    assert.equal(await apiStatus(staffsPoliceSystemGrantedStoke, 'GET', `/api/v1/mash/requests/${stoke.requests.health}`), 404);
    assert.equal(await apiStatus(staffsPoliceSystemGrantedStoke, 'GET', `/api/v1/mash/requests/${norfolk.requests.police}`), 404);

    const other = (await api(staffsPoliceSystemGrantedNorfolk, 'GET', '/api/v1/mash/requests')).json();
    assert.deepEqual(other.requests.map((r: { id: string }) => r.id), [staffs.requests.police]);
    assert.equal(await apiStatus(staffsPoliceSystemGrantedNorfolk, 'GET', `/api/v1/mash/requests/${norfolk.requests.police}`), 404);
    assert.equal(await apiStatus(staffsPoliceSystemGrantedNorfolk, 'POST', `/api/v1/mash/requests/${norfolk.requests.police}/responses`, answer), 404);
    assert.equal(await apiStatus(staffsPoliceSystemGrantedNorfolk, 'GET', `/api/v1/mash/requests/${stoke.requests.police}`), 404);
  });

  test('a malformed response is refused with field errors and nothing is saved', async () => {
    const url = `/api/v1/mash/requests/${staffs.requests.police}/responses`;
    const count = async () => (await ctx.db.selectFrom('mash_check_responses').select('id').where('request_id', '=', staffs.requests.police!).execute()).length;
    const before = await count();
    const cases: [unknown, string[]][] = [
      [{ ...answer, kind: 'gossip' }, ['kind']],
      [{ ...answer, nothingKnown: 'yes', checkedOn: '23/11/2026' }, ['nothingKnown', 'checkedOn']],
      [{ ...answer, holds: 'x'.repeat(5001) }, ['holds']],
      [{ ...answer, correctsId: 'earlier' }, ['correctsId']],
      [{ ...answer, hold: 'a typo' }, ['body']],
      [{}, ['kind']],
      // Schema-valid but refused by the rules (a future date, no system, an unknown lawful basis).
      [{ ...answer, checkedOn: '2026-11-24', sourceSystem: null, lawfulBasisCode: 'because' }, ['sourceSystem', 'checkedOn', 'lawfulBasisCode']],
    ];
    for (const [payload, fields] of cases) {
      const res = await api(staffsPoliceSystemGrantedStoke, 'POST', url, payload);
      assert.equal(res.statusCode, 422, JSON.stringify(payload).slice(0, 80));
      assert.match(String(res.headers['content-type']), /application\/problem\+json/);
      const p = res.json();
      assert.equal(p.status, 422);
      assert.ok(Array.isArray(p.errors) && p.errors.length > 0, 'the problem lists field errors');
      for (const f of fields) assert.ok(p.errors.some((e: { field: string }) => e.field === f), `${f} in ${JSON.stringify(p.errors)}`);
    }
    // Not JSON at all.
    const broken = await app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${staffsPoliceSystemGrantedStoke.token}`, 'content-type': 'application/json' }, payload: '{"kind": "response",' });
    assert.equal(broken.statusCode, 400);
    assert.match(String(broken.headers['content-type']), /application\/problem\+json/);
    assert.equal(await count(), before);
  });

  test('the granted system answers Stoke-on-Trent’s police request; it is recorded as the system’s', async () => {
    const res = await api(staffsPoliceSystemGrantedStoke, 'POST', `/api/v1/mash/requests/${stoke.requests.police}/responses`, answer);
    assert.equal(res.statusCode, 201, res.body);
    const id = res.json().id as string;
    const row = await ctx.db.selectFrom('mash_check_responses').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.request_id, stoke.requests.police);
    assert.equal(row.responded_by, null);
    assert.equal(row.responded_by_account, staffsPoliceSystemGrantedStoke.principal.id);
    const back = (await api(staffsPoliceSystemGrantedStoke, 'GET', `/api/v1/mash/requests/${stoke.requests.police}`)).json();
    assert.equal(back.status, 'answered');
    assert.deepEqual(back.responses.map((x: { id: string }) => x.id), [id]);
    // The Stoke-on-Trent force sees its request answered too, and health's is still open.
    const own = (await api(stokePoliceSystem, 'GET', '/api/v1/mash/requests')).json();
    assert.equal(own.requests[0].status, 'answered');
    const health = (await api(stokeHealthSystem, 'GET', `/api/v1/mash/requests/${stoke.requests.health}`)).json();
    assert.equal(health.status, 'open');
  });

  test('MASH staff systems read their own authority’s enquiry, never another’s, and an id that is not a UUID is not found', async () => {
    const res = await api(stokeCoordinatorSystem, 'GET', `/api/v1/mash/enquiries/${stoke.enquiryId}`);
    assert.equal(res.statusCode, 200, res.body);
    const e = res.json();
    assert.equal(e.reference, stoke.reference);
    assert.equal(e.rag, 'amber');
    assert.deepEqual(e.children.map((c: { id: string }) => c.id), [stoke.childId]);
    assert.deepEqual(e.requests.map((r: { agencyCode: string }) => r.agencyCode), ['health', 'police']);
    for (const staff of [stokeCoordinatorSystem, stokeManagerSystem]) {
      assert.equal(await apiStatus(staff, 'GET', `/api/v1/mash/enquiries/${staffs.enquiryId}`), 404);
      assert.equal(await apiStatus(staff, 'GET', `/api/v1/mash/enquiries/${norfolk.enquiryId}`), 404);
      assert.equal(await apiStatus(staff, 'GET', `/api/v1/mash/enquiries/${randomUUID()}`), 404);
      assert.equal(await apiStatus(staff, 'GET', '/api/v1/mash/enquiries/not-a-uuid'), 404);
      // The partners' routes are not theirs.
      assert.equal(await apiStatus(staff, 'GET', '/api/v1/mash/requests'), 403);
    }
    // A CADS worker's system is not MASH staff for the API.
    assert.equal(await apiStatus(stokeWorkerSystem, 'GET', `/api/v1/mash/enquiries/${stoke.enquiryId}`), 403);
  });

  test('a Stoke-on-Trent system cannot find or open a Staffordshire child', async () => {
    assert.equal(await apiStatus(stokeWorkerSystem, 'GET', `/api/v1/people/${staffs.childId}`), 404);
    assert.equal(await apiStatus(stokeWorkerSystem, 'GET', `/api/v1/people/${staffs.childId}/chronology`), 404);
    const found = await api(stokeWorkerSystem, 'POST', '/api/v1/people/search', { name: `Kayleigh ${staffs.familyName}`, dateOfBirth: '2015-05-06' });
    assert.equal(found.statusCode, 200);
    assert.ok(!found.json().results.some((r: { person: { id: string } }) => r.person.id === staffs.childId), 'the Staffordshire child is not found by a Stoke-on-Trent system');
    // Its own child is found the same way (the search works).
    const own = await api(stokeWorkerSystem, 'POST', '/api/v1/people/search', { name: `Kayleigh ${stoke.familyName}`, dateOfBirth: '2015-05-06' });
    assert.ok(own.json().results.some((r: { person: { id: string } }) => r.person.id === stoke.childId), 'its own child is found');
  });
});

describe('the pages', () => {
  let police: Agent;
  before(async () => {
    police = await signedInAgent(app, stokePolice.email!);
  });

  test('a police practitioner opens their own request, but health’s, a guessed id or a malformed one is not found', async () => {
    const own = await police.get(`/mash/requests/${stoke.requests.police}`);
    assert.equal(own.status, 200);
    assert.ok(own.body.includes(stoke.reference), 'the request page shows its reference');
    assert.equal((await police.get(`/mash/requests/${stoke.requests.health}`)).status, 404);
    assert.equal((await police.get(`/mash/requests/${randomUUID()}`)).status, 404);
    assert.equal((await police.get('/mash/requests/not-a-uuid')).status, 404);
    const post = await police.post(`/mash/requests/${stoke.requests.health}/responses`, { kind: 'response', holds: 'x', sourceSystem: 'Niche' });
    assert.equal(post.status, 404);
    assert.equal((await ctx.db.selectFrom('mash_check_responses').select('id').where('request_id', '=', stoke.requests.health!).execute()).length, 0);
    const list = await police.get('/mash/requests');
    assert.equal(list.status, 200);
    assert.ok(list.body.includes(stoke.reference), 'the list shows the police request');
    assert.ok(!list.body.includes(stoke.requests.health!), "the list does not link health's request");
  });

  test('a police practitioner cannot open the child’s record, the enquiry, the collation or the dashboard', async () => {
    assert.equal((await police.get(`/people/${stoke.childId}`)).status, 403);
    assert.equal((await police.get(`/mash/enquiries/${stoke.enquiryId}`)).status, 403);
    assert.equal((await police.get(`/mash/enquiries/${stoke.enquiryId}/collation`)).status, 403);
    assert.equal((await police.get('/mash')).status, 403);
    // Guessing makes no difference.
    assert.equal((await police.get(`/mash/enquiries/${randomUUID()}`)).status, 403);
  });

  test('a Norfolk police practitioner cannot open a Stoke-on-Trent request', async () => {
    const agent = await signedInAgent(app, norfolkPolice.email!);
    assert.equal((await agent.get(`/mash/requests/${stoke.requests.police}`)).status, 404);
    const list = await agent.get('/mash/requests');
    assert.equal(list.status, 200);
    assert.ok(!list.body.includes(stoke.reference), 'no Stoke-on-Trent request for Norfolk police');
    assert.ok(list.body.includes(norfolk.reference), "Norfolk police see Norfolk's request");
  });

  test('a Staffordshire police practitioner granted Stoke-on-Trent sees its police request; granted Norfolk, nothing of Norfolk', async () => {
    const granted = await signedInAgent(app, staffsPoliceGrantedStoke.email!);
    assert.equal((await granted.get(`/mash/requests/${stoke.requests.police}`)).status, 200);
    assert.equal((await granted.get(`/mash/requests/${stoke.requests.health}`)).status, 404);
    const list = await granted.get('/mash/requests');
    assert.ok(list.body.includes(stoke.reference) && list.body.includes(staffs.reference), "both authorities' requests are listed");
    const other = await signedInAgent(app, staffsPoliceGrantedNorfolk.email!);
    assert.equal((await other.get(`/mash/requests/${norfolk.requests.police}`)).status, 404);
    const otherList = await other.get('/mash/requests');
    assert.ok(!otherList.body.includes(norfolk.reference), 'no Norfolk request for a grant outside the hub');
    assert.ok(otherList.body.includes(staffs.reference), "Staffordshire's own request is listed");
  });

  test('Stoke-on-Trent staff cannot see a Staffordshire child: record, search, enquiry, collation or dashboard', async () => {
    for (const staff of [stokeWorker, stokeCoordinator, stokeManager, stokeWorkerGranted]) {
      const agent = await signedInAgent(app, staff.email!);
      assert.equal((await agent.get(`/people/${staffs.childId}`)).status, 404);
      assert.equal((await agent.get(`/mash/enquiries/${staffs.enquiryId}`)).status, 404);
      assert.equal((await agent.get(`/mash/enquiries/${staffs.enquiryId}/collation`)).status, 404);
      assert.equal((await agent.get(`/mash/enquiries/${norfolk.enquiryId}`)).status, 404);
      assert.equal((await agent.get('/mash/enquiries/not-a-uuid')).status, 404);
      const search = await agent.post('/people/search', { name: `Kayleigh ${staffs.familyName}`, 'dob-day': '6', 'dob-month': '5', 'dob-year': '2015', age: '', postcode: '', 'nhs-number': '' });
      assert.equal(search.status, 200);
      assert.ok(!search.body.includes(staffs.childId), 'the Staffordshire child is not in the search results');
      const dashboard = await agent.get('/mash?status=all');
      assert.equal(dashboard.status, 200);
      assert.ok(dashboard.body.includes(stoke.reference), "the dashboard shows Stoke-on-Trent's own enquiry");
      assert.ok(!dashboard.body.includes(staffs.reference) && !dashboard.body.includes(staffs.enquiryId), 'no Staffordshire enquiry on the dashboard');
      const byReference = await agent.get(`/mash?status=all&reference=${encodeURIComponent(staffs.reference)}`);
      assert.ok(!byReference.body.includes(staffs.enquiryId), 'no Staffordshire enquiry when searching its reference');
      // Their own are there.
      assert.equal((await agent.get(`/mash/enquiries/${stoke.enquiryId}`)).status, 200);
    }
    // Staffordshire's own staff find the child, so the search above was a fair one.
    const staffsAgent = await signedInAgent(app, staffsWorker.email!);
    const found = await staffsAgent.post('/people/search', { name: `Kayleigh ${staffs.familyName}`, 'dob-day': '6', 'dob-month': '5', 'dob-year': '2015', age: '', postcode: '', 'nhs-number': '' });
    assert.ok(found.body.includes(staffs.childId), 'Staffordshire staff find the child');
    assert.equal((await staffsAgent.get(`/people/${staffs.childId}`)).status, 200);
  });
});
