/**
 * issue10-F: restricted records and "break glass", through the pages and the API as people use them.
 *
 * A team manager restricts a child to a named worker. The named worker sees the record; another
 * worker of the same authority sees that a restricted record exists (search, the child's page, a
 * conversation, the API) but not who it is, gives a reason, and sees it for 8 hours; the owner and a
 * manager are told, in an email that names no child and on their home page. Other authorities
 * still get "not found".
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createTestContext, createTestApp, createUser, signedInAgent, createServiceAccount, completeConversationByApi, errorSummary, type Agent, type TestContext } from '../../../test/support/harness.js';

const GIVEN = 'Kayleigh';
const FAMILY = 'Quarrendon';
const SIBLING = 'Tamsin';

let ctx: TestContext;
let app: FastifyInstance;
let token: string;
let stokeToken: string;
const users: Record<string, { id: string; email: string }> = {};
const agents: Record<string, Agent> = {};
let childId: string;
let siblingId: string;
let conversationId: string;
let reference: string;

const api = (method: 'GET' | 'POST', url: string, payload?: unknown, auth = token) =>
  app.inject({ method, url, payload: payload as object, headers: { authorization: `Bearer ${auth}` } });

const namesIn = (body: string) => [GIVEN, FAMILY, SIBLING].filter((n) => body.includes(n));

before(async () => {
  ctx = await createTestContext();
  app = await createTestApp(ctx);
  users.named = await createUser(ctx, { role: 'cads-worker', displayName: 'Nadia Named' });
  users.other = await createUser(ctx, { role: 'cads-worker', displayName: 'Otto Other' });
  users.manager = await createUser(ctx, { role: 'team-manager', displayName: 'Maya Manager' });
  users.admin = await createUser(ctx, { role: 'administrator', displayName: 'Ada Admin' });
  users.stoke = await createUser(ctx, { role: 'cads-worker', authorityId: 'stoke-on-trent' });
  users.analyst = await createUser(ctx, { role: 'mi-analyst' });
  for (const k of Object.keys(users)) agents[k] = await signedInAgent(app, users[k]!.email);
  token = await createServiceAccount(ctx);
  stokeToken = await createServiceAccount(ctx, { authorityId: 'stoke-on-trent' });
  const c = await completeConversationByApi(app, token, { workerEmail: users.named!.email, callerEmail: null, familyName: FAMILY });
  conversationId = c.id;
  childId = (await ctx.db.selectFrom('conversation_children').select('person_id').where('conversation_id', '=', c.id).executeTakeFirstOrThrow()).person_id;
  // A sister in the same household, for the household restriction.
  const child = await ctx.db.selectFrom('persons').select(['household_id', 'person_number']).where('id', '=', childId).executeTakeFirstOrThrow();
  reference = `NFK${child.person_number}`;
  const sib = await api('POST', '/api/v1/people', { givenName: SIBLING, familyName: FAMILY, dateOfBirth: '2017-02-03', sex: 'F', differentChildReason: 'A sister' });
  assert.equal(sib.statusCode, 201, sib.body);
  siblingId = sib.json().id;
  await ctx.db.updateTable('persons').set({ household_id: child.household_id }).where('id', '=', siblingId).execute();
});
after(async () => {
  await app?.close();
  await ctx?.close();
});

async function restrict(scope: 'person' | 'household', named = users.named!.email, owner = users.named!.email) {
  return agents.manager!.post(`/people/${childId}/restriction`, { scope, 'named-users': named, owner, reason: 'A member of staff’s own family' });
}

async function lift() {
  const r = await ctx.db.selectFrom('record_restrictions').select('version').where('person_id', '=', childId).where('lifted_at', 'is', null).executeTakeFirstOrThrow();
  return agents.manager!.post(`/people/${childId}/restriction/lift`, { version: String(r.version), reason: 'No longer needed' });
}

describe('restricting a record', () => {
  test('a manager must give the named people, an owner and a reason; nothing is saved without them', async () => {
    const res = await agents.manager!.post(`/people/${childId}/restriction`, { scope: '', 'named-users': 'nobody@norfolk.example', owner: '', reason: '' });
    assert.equal(res.status, 400, 'an incomplete restriction is refused');
    const errors = errorSummary(res.body).map(([href]) => href);
    assert.deepEqual(errors, ['#scope', '#named-users', '#owner', '#reason'], `every missing answer is in the error summary: ${JSON.stringify(errorSummary(res.body))}`);
    const rows = await ctx.db.selectFrom('record_restrictions').select('id').where('person_id', '=', childId).execute();
    assert.equal(rows.length, 0, 'nothing was saved');
  });

  test('only team managers and administrators may restrict', async () => {
    const res = await agents.named!.get(`/people/${childId}/restriction`);
    assert.equal(res.status, 403, 'a worker cannot open the restriction form');
  });

  test('a manager restricts the child to a named worker, and it is audited with the reason', async () => {
    const res = await restrict('person');
    assert.equal(res.status, 302, `restricting redirects: ${res.status} ${errorSummary(res.body)}`);
    const r = await ctx.db.selectFrom('record_restrictions').selectAll().where('person_id', '=', childId).where('lifted_at', 'is', null).executeTakeFirstOrThrow();
    assert.equal(r.owner_id, users.named!.id, 'the owner is the named worker');
    const audit = await ctx.db.selectFrom('audit_events').select(['details', 'actor_user_id']).where('action', '=', 'person.restricted').where('person_id', '=', childId).execute();
    assert.equal(audit.length, 1, 'one audit entry for the restriction');
    assert.equal((audit[0]!.details as { reason: string }).reason, 'A member of staff’s own family', 'the audit entry keeps the reason');
    assert.equal(audit[0]!.actor_user_id, users.manager!.id, 'the manager is the actor');
  });
});

describe('who sees what', () => {
  test('the named worker sees the record as before', async () => {
    const page = await agents.named!.get(`/people/${childId}`);
    assert.equal(page.status, 200, 'the named worker opens the record');
    assert.ok(page.body.includes(GIVEN), 'the named worker sees the name');
    assert.ok(page.body.includes(`Restricted record ${reference}`), 'the page says the record is restricted');
    const search = await agents.named!.post('/people/search', { name: `${GIVEN} ${FAMILY}` });
    assert.ok(search.body.includes(`${GIVEN} ${FAMILY}`), 'the named worker finds the child by name');
  });

  test('another worker of the same authority sees that a restricted record exists, but not who it is', async () => {
    const search = await agents.other!.post('/people/search', { name: `${GIVEN} ${FAMILY}` });
    assert.equal(search.status, 200, 'the search works');
    assert.ok(search.body.includes(`Restricted record ${reference}`), 'the search shows the restricted record by reference');
    // The restricted child's own result. (Their sister is not restricted yet, and shares the surname.)
    const block = search.body.split('app-search-result').find((b) => b.includes(`/people/${childId}"`)) ?? '';
    assert.ok(block.includes('Restricted'), 'the child’s result is marked restricted');
    assert.deepEqual(namesIn(block.replace(/<strong>Why this might be them[\s\S]*$/, '')), [], 'the child’s result shows no name');
    assert.ok(!block.includes('Why this might be them'), 'nor the matching evidence, which quotes names');
    assert.ok(!block.includes('2015'), 'nor the date of birth');
    assert.ok(search.body.includes('Give a reason to open it'), 'the search offers to break glass');

    const person = await agents.other!.get(`/people/${childId}`);
    assert.equal(person.status, 403, 'the record itself is refused');
    assert.ok(person.body.includes('This record is restricted') && person.body.includes(reference), 'the page says why, with the reference');
    assert.deepEqual(namesIn(person.body), [], 'the refusal names no one');
    assert.match(person.body, /href="\/break-glass\?next=%2Fpeople%2F[0-9a-f-]{36}"/, 'it links to break glass for this record');

    const conversation = await agents.other!.get(`/conversations/${conversationId}`);
    assert.equal(conversation.status, 403, 'a conversation about the child is refused');
    assert.deepEqual(namesIn(conversation.body), [], 'the refusal names no one');

    const team = await agents.manager!.get('/team');
    assert.equal(team.status, 200, 'the team list opens');
    assert.ok(!team.body.includes(`${GIVEN} ${FAMILY}`), 'the manager (not named) sees no name in the team’s list');
  });

  test('adding a new child who is likely the restricted one: matching still finds them, as a restricted record', async () => {
    const res = await agents.other!.post('/people', { 'given-name': GIVEN, 'family-name': FAMILY, 'dob-day': '6', 'dob-month': '5', 'dob-year': '2015', sex: 'F' });
    assert.equal(res.status, 400, 'the worker must use the record or say why this is someone else');
    const likely = res.body.slice(res.body.indexOf('app-likely-list'), res.body.indexOf('</ul>', res.body.indexOf('app-likely-list')));
    assert.ok(likely.includes(`Restricted record ${reference}`), 'the likely record is shown as restricted');
    assert.deepEqual(namesIn(likely), [], 'without its name or the evidence that quotes it');
    assert.ok(!likely.includes('2015'), 'or its date of birth');
  });

  test('the API refuses with a problem type that explains break glass, and names no one', async () => {
    for (const url of [`/api/v1/people/${childId}`, `/api/v1/people/${childId}/chronology`, `/api/v1/conversations/${conversationId}`]) {
      const res = await api('GET', url);
      assert.equal(res.statusCode, 403, `${url} is refused`);
      assert.match(String(res.headers['content-type']), /application\/problem\+json/, `${url} answers problem+json`);
      const body = res.json();
      assert.match(body.type, /\/problems\/restricted-record$/, `${url} has the restricted-record problem type`);
      assert.match(body.detail, /give a reason/, 'the detail explains break glass');
      assert.deepEqual(body.references, [reference], 'the reference is given');
      assert.deepEqual(namesIn(res.body), [], `${url} names no one`);
    }
    const doc = await app.inject({ method: 'GET', url: '/problems/restricted-record' });
    assert.equal(doc.statusCode, 200, 'the problem type is documented at its address');

    const search = await api('POST', '/api/v1/people/search', { name: `${GIVEN} ${FAMILY}` });
    assert.equal(search.statusCode, 200, 'the API search works');
    const found = search.json().results.find((r: { person: { id: string } }) => r.person.id === childId);
    assert.ok(found, 'the API search still finds the restricted child');
    assert.equal(found.person.givenName, null, 'without the name');
    assert.equal(found.person.dateOfBirth, null, 'or the date of birth');
    assert.deepEqual(found.reasons, [], 'or the evidence, which quotes the name');
    assert.deepEqual(namesIn(JSON.stringify(found)), [], 'the result names no one');

    const add = await api('POST', '/api/v1/conversations', {
      caller: { type: 'professional', name: 'Dr Reed' }, children: [{ personId: childId }], workerEmail: users.other!.email,
    });
    assert.equal(add.statusCode, 403, 'an integration cannot record a conversation about the restricted child');
  });

  test('adding the restricted child to a conversation needs a reason first', async () => {
    const start = await agents.other!.post('/conversations', {});
    const draft = start.location!.split('/')[2]!;
    const res = await agents.other!.post(`/conversations/${draft}/children`, { 'person-id': childId });
    assert.equal(res.status, 403, 'adding is refused');
    assert.ok(res.body.includes('This record is restricted'), 'with the restricted record page');
    const rows = await ctx.db.selectFrom('conversation_children').select('person_id').where('conversation_id', '=', draft).execute();
    assert.equal(rows.length, 0, 'nothing was added');
  });

  test('other authorities still get "not found", on the pages and the API', async () => {
    assert.equal((await agents.stoke!.get(`/people/${childId}`)).status, 404, 'a Stoke worker gets not found');
    assert.equal((await agents.stoke!.get(`/conversations/${conversationId}`)).status, 404, 'and for the conversation');
    assert.equal((await api('GET', `/api/v1/people/${childId}`, undefined, stokeToken)).statusCode, 404, 'a Stoke integration gets not found');
    assert.equal((await agents.stoke!.get(`/break-glass?next=/people/${childId}`)).status, 404, 'and cannot break glass into another authority');
  });
});

describe('break glass', () => {
  test('without a reason it is refused, with an error summary, and nothing is granted', async () => {
    const form = await agents.other!.get(`/break-glass?next=/people/${childId}`);
    assert.equal(form.status, 200, 'the break-glass page opens');
    assert.deepEqual(namesIn(form.body), [], 'the page names no one');
    const res = await agents.other!.post('/break-glass', { next: `/people/${childId}`, reason: '   ' });
    assert.equal(res.status, 400, 'refused');
    assert.deepEqual(errorSummary(res.body), [['#reason', 'Enter why you need to open this record']], 'the error summary says what to do');
    const grants = await ctx.db.selectFrom('restricted_access_grants').select('id').execute();
    assert.equal(grants.length, 0, 'no access was granted');
    assert.equal((await agents.other!.get(`/people/${childId}`)).status, 403, 'the record is still refused');
  });

  test('with a reason, the worker sees the record; it is audited, and the owner and a manager are told without naming the child', async () => {
    const res = await agents.other!.post('/break-glass', { next: `/people/${childId}`, reason: 'The school rang about a sibling and I need the history' });
    assert.equal(res.status, 302, `break glass redirects: ${errorSummary(res.body)}`);
    assert.equal(res.location, `/people/${childId}`, 'back to the record');
    const page = await agents.other!.get(`/people/${childId}`);
    assert.equal(page.status, 200, 'the record opens');
    assert.ok(page.body.includes(GIVEN), 'with the name');
    assert.ok(page.body.includes('You can open it until'), 'and says until when');
    assert.equal((await agents.other!.get(`/conversations/${conversationId}`)).status, 200, 'the conversation about the child opens too');

    const audit = await ctx.db.selectFrom('audit_events').select(['details', 'actor_user_id', 'person_id']).where('action', '=', 'person.restricted-access-granted').execute();
    assert.equal(audit.length, 1, 'one audit entry for the break glass');
    assert.equal(audit[0]!.actor_user_id, users.other!.id, 'by the worker');
    assert.equal(audit[0]!.person_id, childId, 'about the child');
    const details = audit[0]!.details as { reason: string; expiresAt: string; notificationIds: string[] };
    assert.equal(details.reason, 'The school rang about a sibling and I need the history', 'with the reason');
    assert.equal(details.expiresAt, '2026-11-23T18:00:00.000Z', 'access lasts 8 hours');

    const notes = await ctx.db.selectFrom('notifications').selectAll().where('kind', '=', 'restricted-record-opened').execute();
    assert.deepEqual(notes.map((n) => n.to_address).sort(), [users.manager!.email, users.named!.email].sort(), 'the owner and the manager are emailed');
    assert.deepEqual(details.notificationIds.sort(), notes.map((n) => n.id).sort(), 'the audit entry names the notifications');
    for (const n of notes) {
      assert.deepEqual(namesIn(`${n.subject} ${n.text_body} ${n.html}`), [], 'the email names no child');
      assert.ok(n.text_body.includes(reference) && n.text_body.includes('Otto Other'), 'it gives the reference and who opened it');
      assert.ok(!n.text_body.includes('school rang'), 'the reason stays in Front Door');
    }
    const tasks = await ctx.db.selectFrom('tasks').select(['assigned_to', 'detail']).where('kind', '=', 'restricted-record-opened').execute();
    assert.deepEqual(tasks.map((t) => t.assigned_to).sort(), [users.manager!.id, users.named!.id].sort(), 'and given a task on their home page');
  });

  test('the owner reads the reason on their home page and marks it checked', async () => {
    const home = await agents.named!.get('/');
    assert.ok(home.body.includes('Restricted records opened') && home.body.includes('The school rang about a sibling'), 'the home page shows the opening and its reason');
    const task = await ctx.db.selectFrom('tasks').select('id').where('assigned_to', '=', users.named!.id).where('kind', '=', 'restricted-record-opened').executeTakeFirstOrThrow();
    const done = await agents.named!.post(`/restricted-records/tasks/${task.id}/reviewed`, {});
    assert.equal(done.status, 302, 'marked as checked');
    assert.ok(!(await agents.named!.get('/')).body.includes('Restricted records opened'), 'it is off the home page');
    const other = await agents.other!.post(`/restricted-records/tasks/${task.id}/reviewed`, {});
    assert.equal(other.status, 404, 'no one else can mark another person’s task');
  });

  test('the access ends after 8 hours', async () => {
    ctx.clock.set('2026-11-23T17:59:00Z');
    assert.equal((await agents.other!.get(`/people/${childId}`)).status, 200, 'still open a minute before');
    ctx.clock.set('2026-11-23T18:00:00Z');
    const res = await agents.other!.get(`/people/${childId}`);
    assert.equal(res.status, 403, 'refused again once the 8 hours are up');
    assert.deepEqual(namesIn(res.body), [], 'and names no one');
    // The rest of the tests run the next morning, after this grant has ended.
    ctx.clock.set('2026-11-24T10:00:00Z');
  });
});

describe('households and lifting', () => {
  test('a household restriction covers brothers and sisters, and people who join the household later', async () => {
    const r = await ctx.db.selectFrom('record_restrictions').select('version').where('person_id', '=', childId).where('lifted_at', 'is', null).executeTakeFirstOrThrow();
    const res = await agents.manager!.post(`/people/${childId}/restriction`, { version: String(r.version), scope: 'household', 'named-users': users.named!.email, owner: users.named!.email, reason: 'A member of staff’s own family' });
    assert.equal(res.status, 302, `changing the restriction redirects: ${errorSummary(res.body)}`);
    const changed = await ctx.db.selectFrom('audit_events').select('details').where('action', '=', 'person.restriction-changed').executeTakeFirstOrThrow();
    assert.deepEqual((changed.details as { changes: Record<string, unknown> }).changes.scope, { from: 'person', to: 'household' }, 'the change is audited');
    const sibling = await agents.other!.get(`/people/${siblingId}`);
    assert.equal(sibling.status, 403, 'the sister is restricted too');
    assert.deepEqual(namesIn(sibling.body), [], 'and not named');
    // A baby joins the household after the restriction was set.
    const baby = await api('POST', '/api/v1/people', { givenName: 'Bo', familyName: 'Ellery', unborn: true, dateOfBirth: '2027-03-01', differentChildReason: 'Expected baby' });
    const household = await ctx.db.selectFrom('persons').select('household_id').where('id', '=', childId).executeTakeFirstOrThrow();
    await ctx.db.updateTable('persons').set({ household_id: household.household_id }).where('id', '=', baby.json().id).execute();
    assert.equal((await agents.other!.get(`/people/${baby.json().id}`)).status, 403, 'a new member of the household is covered');
    assert.equal((await agents.named!.get(`/people/${siblingId}`)).status, 200, 'the named worker opens the sister');
  });

  test('a stale change is refused, not applied', async () => {
    const res = await agents.manager!.post(`/people/${childId}/restriction`, { version: '1', scope: 'person', 'named-users': users.named!.email, owner: users.named!.email, reason: 'x' });
    assert.equal(res.status, 400, 'refused');
    assert.match(errorSummary(res.body)[0]![1], /Someone else changed this restriction/, 'with a clear message');
  });

  test('lifting needs a reason; once lifted, everyone of the authority opens the record again', async () => {
    const r = await ctx.db.selectFrom('record_restrictions').select('version').where('person_id', '=', childId).where('lifted_at', 'is', null).executeTakeFirstOrThrow();
    const empty = await agents.manager!.post(`/people/${childId}/restriction/lift`, { version: String(r.version), reason: '' });
    assert.equal(empty.status, 400, 'lifting without a reason is refused');
    assert.deepEqual(errorSummary(empty.body), [['#reason', 'Enter why the restriction is no longer needed']], 'the error summary says what to do');
    const res = await lift();
    assert.equal(res.status, 302, 'lifted');
    assert.equal((await agents.other!.get(`/people/${childId}`)).status, 200, 'the other worker opens the record without a reason');
    assert.equal((await agents.other!.get(`/people/${siblingId}`)).status, 200, 'and the sister’s');
    assert.equal((await api('GET', `/api/v1/people/${childId}`)).statusCode, 200, 'the API answers again');
    const audit = await ctx.db.selectFrom('audit_events').select('details').where('action', '=', 'person.unrestricted').executeTakeFirstOrThrow();
    assert.equal((audit.details as { reason: string }).reason, 'No longer needed', 'lifting is audited with its reason');
  });

  test('an administrator finds a record by its reference and restricts it', async () => {
    const list = await agents.admin!.post('/restricted-records/find', { reference });
    assert.equal(list.status, 302, 'found by reference');
    assert.equal(list.location, `/people/${childId}/restriction`, 'to the restriction form');
    const form = await agents.admin!.get(`/people/${childId}/restriction`);
    assert.equal(form.status, 200, 'the administrator opens the form');
    const res = await agents.admin!.post(`/people/${childId}/restriction`, { scope: 'person', 'named-users': users.named!.email, owner: users.named!.email, reason: 'High-profile case' });
    assert.equal(res.status, 302, `the administrator restricts it: ${errorSummary(res.body)}`);
    const listed = await agents.admin!.get('/restricted-records');
    assert.ok(listed.body.includes(reference), 'the list shows the reference');
    assert.deepEqual(namesIn(listed.body), [], 'but not the name, to an administrator not named');
    const missing = await agents.admin!.post('/restricted-records/find', { reference: 'NFK999999999' });
    assert.equal(missing.status, 400, 'an unknown reference is an error');
    assert.deepEqual(errorSummary(missing.body), [['#reference', 'There is no record with that reference in your authority']], 'with an error summary');
    await lift();
  });
});

describe('two managers at once', () => {
  test('restricting the same record twice at the same moment makes one restriction and tells the other manager', async () => {
    const admin = agents.admin!;
    const [a, b] = await Promise.all([
      agents.manager!.post(`/people/${siblingId}/restriction`, { scope: 'person', 'named-users': users.named!.email, owner: users.named!.email, reason: 'First' }),
      admin.post(`/people/${siblingId}/restriction`, { scope: 'person', 'named-users': users.named!.email, owner: users.named!.email, reason: 'Second' }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [302, 400], `one is saved and the other refused (${a.status}, ${b.status})`);
    const refused = a.status === 400 ? a : b;
    assert.match(errorSummary(refused.body)[0]![1], /Someone else restricted this record/, 'with a clear message, not a server error');
    const rows = await ctx.db.selectFrom('record_restrictions').select('id').where('person_id', '=', siblingId).where('lifted_at', 'is', null).execute();
    assert.equal(rows.length, 1, 'one restriction in force');
  });
});
