/**
 * The professional directory, end to end: completed conversations with professionals add, link and
 * update entries (members of the public are never added); a draft's caller section recognises a known
 * caller by phone or email and "Use these details" fills the draft; the directory is searched,
 * corrected (validated, audited, with history) and entries are merged (conversations move, the merged
 * entry leads to the kept one; merging into itself or across authorities is refused).
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import {
  createTestContext, createTestApp, createUser, createServiceAccount, signedInAgent, errorSummary, cleanUp,
  type Agent, type TestContext,
} from '../../../test/support/harness.js';

let ctx: TestContext;
let app: FastifyInstance;
let worker: Agent;
let manager: Agent;
let partner: Agent;
let stokeWorker: Agent;
let workerEmail: string;
let token: string;
let stokeToken: string;
let stokeWorkerEmail: string;

interface Caller {
  type?: 'professional' | 'public';
  name: string;
  role?: string | null;
  agencyCode?: string | null;
  agencyOther?: string | null;
  phone?: string | null;
  email?: string | null;
}

let childCount = 0;
/** Records and completes a conversation with this caller through the API; returns its id and reference. */
async function completeWith(caller: Caller, opts: { token?: string; workerEmail?: string } = {}): Promise<{ id: string; reference: string }> {
  const auth = { authorization: `Bearer ${opts.token ?? token}` };
  childCount++;
  const person = await app.inject({
    method: 'POST', url: '/api/v1/people', headers: auth,
    payload: { givenName: 'Casey', familyName: `Directory${String.fromCharCode(65 + (childCount % 26))}${childCount}`, dateOfBirth: '2016-03-04', sex: 'F', differentChildReason: 'Test fixture: each conversation is about its own child' },
  });
  assert.equal(person.statusCode, 201, `child created: ${person.body}`);
  const res = await app.inject({
    method: 'POST', url: '/api/v1/conversations', headers: auth,
    payload: {
      caller: { type: caller.type ?? 'professional', name: caller.name, role: caller.role ?? null, agencyCode: caller.agencyCode ?? (caller.type === 'public' ? 'family-member' : 'school'), agencyOther: caller.agencyOther ?? null, phone: caller.phone ?? null, email: caller.email ?? null },
      children: [{ personId: person.json().id, whereNow: 'At school', safeTonight: 'yes', outcomeCode: 'advice-and-information', levelCode: '2', callerAgreed: true, nextSteps: 'School to keep watching' }],
      concernCategories: ['neglect'], concernDetail: 'Often hungry', immediacy: 'not-immediate', parentsInformed: 'yes', consentGiven: 'yes', worries: 'Hunger',
      complete: true, workerEmail: opts.workerEmail ?? workerEmail,
    },
  });
  assert.equal(res.statusCode, 201, `conversation completed: ${res.body}`);
  return { id: res.json().id, reference: res.json().reference };
}

const entries = (authorityId = 'norfolk') => ctx.db.selectFrom('professionals').selectAll().where('authority_id', '=', authorityId).orderBy('created_at').orderBy('name').execute();
const linkOf = (conversationId: string) => ctx.db.selectFrom('conversation_professionals').selectAll().where('conversation_id', '=', conversationId).executeTakeFirst();
const historyOf = (id: string) => ctx.db.selectFrom('professional_changes').selectAll().where('professional_id', '=', id).orderBy('changed_at').execute();

/** Starts a draft through the page, optionally with the caller's number (as a call from the phone line does). */
async function startDraft(agent: Agent, phone?: string): Promise<string> {
  await agent.get('/conversations/new');
  const res = await agent.post('/conversations', phone ? { 'caller-phone': phone } : {});
  assert.equal(res.status, 302, 'the draft starts');
  return res.location!.split('/')[2]!;
}

async function lockVersion(id: string): Promise<string> {
  const c = await ctx.db.selectFrom('conversations').select('lock_version').where('id', '=', id).executeTakeFirstOrThrow();
  return String(c.lock_version);
}

before(async () => {
  ctx = await createTestContext('2026-11-02T10:00:00Z');
  app = await createTestApp(ctx);
  const w = await createUser(ctx, { role: 'cads-worker', displayName: 'Casey Worker' });
  workerEmail = w.email;
  worker = await signedInAgent(app, w.email);
  manager = await signedInAgent(app, (await createUser(ctx, { role: 'team-manager' })).email);
  partner = await signedInAgent(app, (await createUser(ctx, { role: 'partner-practitioner' })).email);
  const sw = await createUser(ctx, { role: 'cads-worker', authorityId: 'stoke-on-trent' });
  stokeWorkerEmail = sw.email;
  stokeWorker = await signedInAgent(app, sw.email);
  token = await createServiceAccount(ctx, { role: 'cads-worker' });
  stokeToken = await createServiceAccount(ctx, { role: 'cads-worker', authorityId: 'stoke-on-trent' });
});

after(async () => {
  await cleanUp(() => app?.close(), () => ctx?.close());
});

describe('learning from completed conversations', () => {
  test('a new professional caller is added and the conversation linked; a repeat call links, and new details update the entry with history', async () => {
    ctx.clock.set('2026-11-02T10:00:00Z');
    const first = await completeWith({ name: 'Fiona Marsh', role: 'Designated safeguarding lead', phone: '01632 960101', email: 'Fiona.Marsh@Oakfield.example' });
    let list = await entries();
    const fiona = list.find((e) => e.name === 'Fiona Marsh');
    assert.ok(fiona, 'Fiona is added to the directory');
    assert.equal(fiona.email, 'fiona.marsh@oakfield.example', 'the email is kept lower-cased');
    assert.equal(fiona.phone_e164, '+441632960101', 'the phone is kept normalised');
    assert.equal((await linkOf(first.id))?.professional_id, fiona.id, 'the conversation is linked to her');

    // The same email, a new phone number and role: the entry follows the newest details.
    ctx.clock.set('2026-11-03T10:00:00Z');
    const second = await completeWith({ name: 'Fiona Marsh', role: 'Deputy head', phone: '07700 900101', email: 'fiona.marsh@oakfield.example' });
    list = await entries();
    assert.equal(list.filter((e) => e.name === 'Fiona Marsh').length, 1, 'no second entry for the same email');
    const updated = list.find((e) => e.id === fiona.id)!;
    assert.equal(updated.role, 'Deputy head', 'the role is updated');
    assert.equal(updated.phone, '07700 900101', 'the phone is updated');
    assert.equal((await linkOf(second.id))?.professional_id, fiona.id, 'the second conversation is linked too');
    const history = await historyOf(fiona.id);
    assert.deepEqual(history.map((h) => h.kind), ['created', 'learned'], 'the history has the addition and the update');
    const learned = history[1]!;
    assert.deepEqual((learned.changes as Record<string, { from: unknown; to: unknown }>).role, { from: 'Designated safeguarding lead', to: 'Deputy head' }, 'the change is kept with what it was before');
    assert.equal(learned.conversation_id, second.id, 'the change names the conversation it came from');

    // A call from the new number alone (no email) still finds her, because the names agree.
    ctx.clock.set('2026-11-04T10:00:00Z');
    const third = await completeWith({ name: 'Mrs Fiona Marsh', role: 'Deputy head', phone: '07700900101' });
    assert.equal((await linkOf(third.id))?.professional_id, fiona.id, 'matched by phone and name');
    assert.equal((await entries()).find((e) => e.id === fiona.id)?.email, 'fiona.marsh@oakfield.example', 'a call without an email does not wipe the email');
  });

  test('a colleague on the same number with another name gets an entry of their own', async () => {
    ctx.clock.set('2026-11-05T10:00:00Z');
    const c = await completeWith({ name: 'Tom Reception', role: 'Office manager', phone: '07700 900101' });
    const link = await linkOf(c.id);
    const fiona = (await entries()).find((e) => e.name === 'Fiona Marsh')!;
    assert.ok(link && link.professional_id !== fiona.id, 'Tom is not linked to Fiona');
    assert.equal((await entries()).find((e) => e.id === fiona.id)?.name, 'Fiona Marsh', "Fiona's name is not overwritten");
  });

  test('members of the public are not added', async () => {
    const before = (await entries()).length;
    const c = await completeWith({ type: 'public', name: 'Pat Neighbour', phone: '07700 900555', email: 'pat@example.com', agencyCode: 'family-member' });
    assert.equal((await entries()).length, before, 'no entry for a member of the public');
    assert.equal(await linkOf(c.id), undefined, 'the conversation is not linked');
  });

  test('an older conversation completed late does not overwrite newer details', async () => {
    ctx.clock.set('2026-11-06T10:00:00Z');
    await completeWith({ name: 'Owen Late', role: 'PCSO', agencyCode: 'police', email: 'owen.late@police.example', phone: '07700 900600' });
    const owen = (await entries()).find((e) => e.name === 'Owen Late')!;
    // Make the details newer than the next conversation's start.
    await ctx.db.updateTable('professionals').set({ details_as_of: new Date('2026-11-07T10:00:00Z') }).where('id', '=', owen.id).execute();
    const c = await completeWith({ name: 'Owen Late', role: 'Old role', agencyCode: 'police', email: 'owen.late@police.example' });
    const after = (await entries()).find((e) => e.id === owen.id)!;
    assert.equal(after.role, 'PCSO', 'older details do not replace newer ones');
    assert.equal((await linkOf(c.id))?.professional_id, owen.id, 'but the conversation is linked');
  });
});

describe('recognising a caller in a draft', () => {
  test('a draft started with a known number shows the known caller, and "Use these details" fills the caller section', async () => {
    ctx.clock.set('2026-11-09T10:00:00Z');
    const id = await startDraft(worker, '07700 900101');
    const page = await worker.get(`/conversations/${id}/caller`);
    assert.equal(page.status, 200, 'the caller section opens');
    assert.match(page.body, /Known caller/, 'the known caller is shown');
    assert.match(page.body, /Fiona Marsh, Deputy head, School/, 'with name, role and agency');
    assert.match(page.body, /Last called on/, 'and when they last called');
    assert.match(page.body, /\(3 conversations\)/, 'and how many conversations');
    assert.match(page.body, /Tom Reception/, 'a colleague on the same number is offered too');
    const fiona = (await entries()).find((e) => e.name === 'Fiona Marsh')!;

    const used = await worker.post(`/conversations/${id}/use-caller`, { 'professional-id': fiona.id, 'lock-version': await lockVersion(id) });
    assert.equal(used.status, 302, 'the details are used');
    assert.equal(used.location, `/conversations/${id}/caller`, 'back to the caller section');
    const v = await ctx.db.selectFrom('conversation_versions').selectAll().where('conversation_id', '=', id).executeTakeFirstOrThrow();
    assert.equal(v.caller_name, 'Fiona Marsh', 'name filled in');
    assert.equal(v.caller_role, 'Deputy head', 'role filled in');
    assert.equal(v.caller_agency_code, 'school', 'agency filled in');
    assert.equal(v.caller_email, 'fiona.marsh@oakfield.example', 'email filled in');
    assert.equal(v.caller_type, 'professional', 'caller type set');
    const again = await worker.get(`/conversations/${id}/caller`);
    assert.match(again.body, /Caller’s details filled in/, 'the worker is told to check them');
    assert.match(again.body, /value="Fiona Marsh"/, 'the form shows the details');
  });

  test('"Use these details" keeps the number the call came from', async () => {
    const id = await startDraft(worker, '07700 900999');
    const fiona = (await entries()).find((e) => e.name === 'Fiona Marsh')!;
    const used = await worker.post(`/conversations/${id}/use-caller`, { 'professional-id': fiona.id, 'lock-version': await lockVersion(id) });
    assert.equal(used.status, 302, 'the details are used');
    const v = await ctx.db.selectFrom('conversation_versions').selectAll().where('conversation_id', '=', id).executeTakeFirstOrThrow();
    assert.equal(v.caller_phone, '07700 900999', 'the number on the draft is kept');
    assert.equal(v.caller_name, 'Fiona Marsh', 'the rest is filled in');
    const stale = await worker.post(`/conversations/${id}/use-caller`, { 'professional-id': fiona.id, 'lock-version': '0' });
    assert.equal(stale.status, 409, 'a stale form is refused rather than overwriting');
  });

  test('"Find caller" looks up an email typed in, keeping what was typed', async () => {
    const id = await startDraft(worker);
    const page = await worker.get(`/conversations/${id}/caller`);
    assert.doesNotMatch(page.body, /Known caller/, 'nothing known without a number');
    assert.match(page.body, /formaction="\/conversations\/[^"]+\/find-caller"/, 'the Find caller button posts to the directory');
    const found = await worker.post(`/conversations/${id}/find-caller`, { 'caller-name': 'Fi', 'caller-email': ' FIONA.MARSH@oakfield.example ', 'lock-version': await lockVersion(id) });
    assert.equal(found.status, 200, 'the lookup shows the section again');
    assert.match(found.body, /Known caller: Fiona Marsh/, 'found by email');
    assert.doesNotMatch(found.body, /Tom Reception/, 'only the email matches are shown');
    assert.match(found.body, /value="Fi"/, 'what was typed is kept');

    const none = await worker.post(`/conversations/${id}/find-caller`, { 'caller-phone': '01632 960999' });
    assert.equal(none.status, 200, 'an unknown number is not an error');
    assert.match(none.body, /Nobody in the professional directory has this phone number or email address/, 'the worker is told nobody is known');

    const empty = await worker.post(`/conversations/${id}/find-caller`, {});
    assert.equal(empty.status, 400, 'nothing to look up');
    assert.deepEqual(errorSummary(empty.body), [['#caller-phone', 'Enter a phone number or email address to find the caller']], 'the error links to the phone field');
    const bad = await worker.post(`/conversations/${id}/find-caller`, { 'caller-phone': 'call me' });
    assert.equal(bad.status, 400, 'a bad number is refused');
  });

  test('another authority does not see this authority\'s callers', async () => {
    const id = await startDraft(stokeWorker, '07700 900101');
    const page = await stokeWorker.get(`/conversations/${id}/caller`);
    assert.doesNotMatch(page.body, /Fiona Marsh/, "Norfolk's caller is not known in Stoke-on-Trent");
    const fiona = (await entries()).find((e) => e.name === 'Fiona Marsh')!;
    const used = await stokeWorker.post(`/conversations/${id}/use-caller`, { 'professional-id': fiona.id, 'lock-version': '0' });
    assert.equal(used.status, 404, "another authority's entry cannot be used");
  });
});

describe('the directory pages', () => {
  test('search by name, phone, email and agency', async () => {
    const byName = await worker.post('/professionals/search', { q: 'marsh' });
    assert.equal(byName.status, 200, 'search works');
    assert.match(byName.body, /Fiona Marsh/, 'found by part of the name');
    assert.doesNotMatch(byName.body, /Tom Reception/, 'others are not listed');
    const byPhone = await worker.post('/professionals/search', { q: '+44 7700 900101' });
    assert.match(byPhone.body, /Fiona Marsh/, 'found by phone in another format');
    assert.match(byPhone.body, /Tom Reception/, 'everyone on that number');
    const byEmail = await worker.post('/professionals/search', { q: 'Owen.Late@police.example' });
    assert.match(byEmail.body, /Owen Late/, 'found by email');
    const byAgency = await worker.post('/professionals/search', { agency: 'police' });
    assert.match(byAgency.body, /Owen Late/, 'found by agency');
    assert.doesNotMatch(byAgency.body, /Fiona Marsh/, 'other agencies are not listed');
    const empty = await worker.post('/professionals/search', {});
    assert.equal(empty.status, 400, 'an empty search asks for something');
    const list = await manager.get('/professionals');
    assert.equal(list.status, 200, 'team managers use the directory');
    assert.match(list.body, /Called most recently/, 'the directory lists recent callers');
    const stoke = await stokeWorker.post('/professionals/search', { q: 'marsh' });
    assert.doesNotMatch(stoke.body, /Fiona Marsh/, "another authority's directory is separate");
    assert.equal((await partner.get('/professionals')).status, 403, 'partners do not see the directory');
  });

  test('an entry shows its details and conversations; another authority gets a 404', async () => {
    const fiona = (await entries()).find((e) => e.name === 'Fiona Marsh')!;
    const page = await worker.get(`/professionals/${fiona.id}`);
    assert.equal(page.status, 200, 'the entry opens');
    const refs = await ctx.db.selectFrom('conversation_professionals as cp').innerJoin('conversations as c', 'c.id', 'cp.conversation_id').select(['c.id', 'c.reference']).where('cp.professional_id', '=', fiona.id).execute();
    assert.equal(refs.length, 3, 'three conversations linked');
    for (const r of refs) assert.ok(page.body.includes(`href="/conversations/${r.id}">${r.reference}</a>`), `conversation ${r.reference} is linked`);
    assert.match(page.body, /Advice and information|advice/i, 'the outcome is shown');
    const audit = await ctx.db.selectFrom('audit_events').selectAll().where('action', '=', 'professional.viewed').where('entity_id', '=', fiona.id).execute();
    assert.equal(audit.length, 1, 'the view is audited');
    assert.equal(audit[0]!.entity_type, 'professional', 'as a professional');
    assert.equal((await stokeWorker.get(`/professionals/${fiona.id}`)).status, 404, "another authority's entry is not found");
    assert.equal((await worker.get('/professionals/00000000-0000-4000-8000-000000000000')).status, 404, 'an unknown entry is not found');
  });

  test('correcting details: validation, audit and history', async () => {
    const owen = (await entries()).find((e) => e.name === 'Owen Late')!;
    const form = await worker.get(`/professionals/${owen.id}/correct`);
    assert.equal(form.status, 200, 'the form opens');
    assert.match(form.body, /value="Owen Late"/, 'with the details held');

    const bad = await worker.post(`/professionals/${owen.id}/correct`, { name: '', agency: 'police', phone: 'not a number', email: 'nope', reason: '' });
    assert.equal(bad.status, 400, 'errors are shown');
    assert.deepEqual(errorSummary(bad.body).map(([href]) => href), ['#name', '#phone', '#email', '#reason'], 'each error links to its field');
    assert.equal((await entries()).find((e) => e.id === owen.id)?.name, 'Owen Late', 'nothing saved');

    const taken = await worker.post(`/professionals/${owen.id}/correct`, { name: 'Owen Late', agency: 'police', phone: '', email: 'fiona.marsh@oakfield.example', reason: 'Typo' });
    assert.equal(taken.status, 400, "another entry's email is refused");
    assert.match(errorSummary(taken.body)[0]![1], /merge the two entries/, 'with a pointer to merging');

    const ok = await worker.post(`/professionals/${owen.id}/correct`, { name: 'Owen Late', agency: 'police', role: 'PCSO', team: 'Safeguarding hub', phone: '07700 900 611', email: 'owen.late@police.example', reason: 'New mobile number' });
    assert.equal(ok.status, 302, 'the correction is saved');
    const after = (await entries()).find((e) => e.id === owen.id)!;
    assert.equal(after.phone, '07700 900611', 'the phone is corrected');
    assert.equal(after.phone_e164, '+447700900611', 'and normalised');
    assert.equal(after.team, 'Safeguarding hub', 'the team is set');
    const audit = await ctx.db.selectFrom('audit_events').selectAll().where('action', '=', 'professional.corrected').where('entity_id', '=', owen.id).executeTakeFirstOrThrow();
    assert.equal((audit.details as { reason: string }).reason, 'New mobile number', 'the correction is audited with its reason');
    const page = await worker.get(`/professionals/${owen.id}`);
    assert.match(page.body, /Details corrected/, 'the worker is told');
    assert.match(page.body, /Phone number: 07700 900600 → 07700 900611/, 'the history shows the change');
    assert.match(page.body, /Reason: New mobile number/, 'and the reason');
    assert.equal((await stokeWorker.post(`/professionals/${owen.id}/correct`, { name: 'X', phone: '07700 900612', reason: 'x' })).status, 404, "another authority cannot correct it");
  });

  test('merging: conversations move, the merged entry leads to the kept one, self-merge and other authorities refused', async () => {
    ctx.clock.set('2026-11-10T10:00:00Z');
    const a = await completeWith({ name: 'Sam Twin', role: 'Health visitor', agencyCode: 'health-visitor', phone: '07700 900701' });
    const b = await completeWith({ name: 'Sam Twin', agencyCode: 'health-visitor', phone: '07700 900702', email: 'sam.twin@nhs.example' });
    const twins = (await entries()).filter((e) => e.name === 'Sam Twin');
    assert.equal(twins.length, 2, 'two entries that look like the same person');
    const keep = twins.find((t) => t.phone === '07700 900701')!;
    const gone = twins.find((t) => t.phone === '07700 900702')!;

    const form = await worker.get(`/professionals/${keep.id}/merge`);
    assert.equal(form.status, 200, 'the merge form opens');
    assert.ok(form.body.includes(`value="${gone.id}"`), 'the look-alike is offered');

    const self = await worker.post(`/professionals/${keep.id}/merge`, { 'other-id': keep.id, keep: 'this', reason: 'Same' });
    assert.equal(self.status, 400, 'merging an entry into itself is refused');
    assert.match(errorSummary(self.body)[0]![1], /cannot be merged into itself/, 'with a clear message');
    const empty = await worker.post(`/professionals/${keep.id}/merge`, {});
    assert.deepEqual(errorSummary(empty.body).map(([h]) => h), ['#other-id', '#keep', '#reason'], 'an empty form asks for each answer');

    // Another authority's entry, from either side.
    ctx.clock.set('2026-11-10T11:00:00Z');
    await completeWith({ name: 'Sam Twin', agencyCode: 'health-visitor', phone: '07700 900703' }, { token: stokeToken, workerEmail: stokeWorkerEmail });
    const stokeTwin = (await entries('stoke-on-trent')).find((e) => e.name === 'Sam Twin')!;
    assert.equal((await worker.post(`/professionals/${keep.id}/merge`, { 'other-id': stokeTwin.id, keep: 'this', reason: 'Same' })).status, 404, "another authority's entry is not found");
    assert.equal((await stokeWorker.post(`/professionals/${stokeTwin.id}/merge`, { 'other-id': keep.id, keep: 'other', reason: 'Same' })).status, 404, 'nor the other way round');

    const merged = await worker.post(`/professionals/${keep.id}/merge`, { 'other-id': gone.id, keep: 'this', reason: 'She confirmed both numbers are hers' });
    assert.equal(merged.status, 302, 'the merge is done');
    assert.equal(merged.location, `/professionals/${keep.id}`, 'to the entry kept');
    assert.equal((await linkOf(b.id))?.professional_id, keep.id, "the merged entry's conversation moved over");
    assert.equal((await linkOf(a.id))?.professional_id, keep.id, 'the kept conversation stays');
    const kept = (await entries()).find((e) => e.id === keep.id)!;
    assert.equal(kept.email, 'sam.twin@nhs.example', 'the missing email is taken from the merged entry');
    const goneRow = (await entries()).find((e) => e.id === gone.id)!;
    assert.equal(goneRow.merged_into, keep.id, 'the merged entry points at the kept one');
    const redirect = await worker.get(`/professionals/${gone.id}`);
    assert.equal(redirect.status, 302, 'the merged entry redirects');
    assert.equal(redirect.location, `/professionals/${keep.id}`, 'to the kept one');
    const page = await worker.get(`/professionals/${keep.id}`);
    assert.match(page.body, /This entry was merged/, 'the worker is told why');
    assert.match(page.body, /Reason: She confirmed both numbers are hers/, 'the history shows the merge');
    const audit = await ctx.db.selectFrom('audit_events').selectAll().where('action', '=', 'professional.merged').executeTakeFirstOrThrow();
    assert.deepEqual(audit.details, { keptId: keep.id, mergedId: gone.id, reason: 'She confirmed both numbers are hers', conversationsMoved: 1 }, 'the merge is audited');
    const again = await worker.post(`/professionals/${keep.id}/merge`, { 'other-id': gone.id, keep: 'this', reason: 'Again' });
    assert.equal(again.status, 409, 'an entry cannot be merged twice');

    // The merged entry's old number still finds the kept entry, on a call and on completion.
    const id = await startDraft(worker, '07700 900702');
    const caller = await worker.get(`/conversations/${id}/caller`);
    assert.match(caller.body, /Known caller: Sam Twin/, 'the old number finds the kept entry');
    const c = await completeWith({ name: 'Sam Twin', agencyCode: 'health-visitor', email: 'sam.twin@nhs.example' });
    assert.equal((await linkOf(c.id))?.professional_id, keep.id, 'a later call links to the kept entry');
  });

  test('every route answers an empty form without a server error', async () => {
    const fiona = (await entries()).find((e) => e.name === 'Fiona Marsh')!;
    for (const url of [`/professionals/${fiona.id}/correct`, `/professionals/${fiona.id}/merge`, '/professionals/search']) {
      const res = await worker.post(url, {});
      assert.ok(res.status >= 300 && res.status < 500, `${url} gave ${res.status}`);
    }
  });
});
