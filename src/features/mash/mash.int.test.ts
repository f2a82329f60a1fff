/**
 * The MASH service layer: an enquiry from a completed MASH-checks conversation, its RAG rating and
 * deadline on the working-hours calendar, check requests to partner agencies, what a partner may
 * see (names, dates of birth and addresses only), immutable responses, collation and the decision,
 * and the authority and agency boundaries.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import {
  createTestContext, createTestApp, createUser, createServiceAccount, completeConversationByApi, cleanUp, type TestContext,
} from '../../../test/support/harness.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import { HttpError } from '../../platform/http/errors.js';
import { MashService } from './mash.service.js';

let ctx: TestContext;
let app: FastifyInstance;
let service: MashService;
let coordinator: Principal;
let manager: Principal;
let worker: Principal;
let police: Principal;
let health: Principal;
let education: Principal;
let stokeWorker: Principal;
let stokeManager: Principal;
let conversationId: string;
let enquiryId: string;
let childId: string;
const requestIds: Record<string, string> = {};

async function principal(role: Role, opts: { authorityId?: string; agencyCode?: string } = {}): Promise<Principal> {
  const u = await createUser(ctx, { role, ...opts });
  return {
    kind: 'user', id: u.id, authorityId: opts.authorityId ?? 'norfolk', role, displayName: `Test ${role}`,
    agencyCode: opts.agencyCode ?? (role === 'partner-practitioner' ? 'police' : null), teamId: null, email: u.email,
  };
}

async function lockVersion(id = enquiryId): Promise<number> {
  const r = await ctx.db.selectFrom('mash_enquiries').select('lock_version').where('id', '=', id).executeTakeFirstOrThrow();
  return r.lock_version;
}

async function rejects404(p: Promise<unknown>) {
  await assert.rejects(p, (e: unknown) => e instanceof HttpError && e.status === 404);
}

const answer = {
  kind: 'response', nothingKnown: false, holds: 'Two domestic incidents at the address in 2026', sourceSystem: 'Athena',
  checkedOn: '2026-11-23', riskInformation: 'Father on bail with conditions', lawfulBasisCode: 'public-task-children-act',
};

before(async () => {
  // Monday 23 November 2026, 10:00 in London (GMT): Norfolk CADS is open 09:00–17:00 on weekdays.
  ctx = await createTestContext('2026-11-23T10:00:00Z');
  app = await createTestApp(ctx);
  service = new MashService(ctx);
  worker = await principal('cads-worker');
  coordinator = await principal('mash-coordinator');
  manager = await principal('team-manager');
  police = await principal('partner-practitioner', { agencyCode: 'police' });
  health = await principal('partner-practitioner', { agencyCode: 'health' });
  education = await principal('partner-practitioner', { agencyCode: 'education' });
  stokeWorker = await principal('cads-worker', { authorityId: 'stoke-on-trent' });
  stokeManager = await principal('team-manager', { authorityId: 'stoke-on-trent' });
  const token = await createServiceAccount(ctx, { role: 'cads-worker' });
  const c = await completeConversationByApi(app, token, { workerEmail: worker.email!, callerEmail: null, familyName: 'Thistlewood' });
  conversationId = c.id;
});

after(async () => {
  await cleanUp(() => app?.close(), () => ctx?.close());
});

describe('MASH enquiries', () => {
  test('completing a conversation whose outcome is MASH checks opens one enquiry, once', async () => {
    const conv = await ctx.db.selectFrom('conversations').selectAll().where('id', '=', conversationId).executeTakeFirstOrThrow();
    assert.equal(conv.status, 'completed');
    const children = await ctx.db
      .selectFrom('conversation_children').select('person_id')
      .where('conversation_id', '=', conversationId).where('version', '=', conv.current_version).where('outcome_code', '=', 'mash-checks')
      .execute();
    assert.equal(children.length, 1);
    childId = children[0]!.person_id;
    // Completing the conversation opened the enquiry, in the completion's own transaction.
    const opened = await ctx.db.selectFrom('mash_enquiries').selectAll().where('conversation_id', '=', conversationId).execute();
    assert.equal(opened.length, 1);
    const enquiry = opened[0]!;
    enquiryId = enquiry.id;
    // A corrected version completed later does not open a second one.
    await ctx.db.transaction().execute((tx) => service.onConversationCompleted(tx, conv, conv.current_version, worker.id));
    assert.equal((await ctx.db.selectFrom('mash_enquiries').select('id').where('conversation_id', '=', conversationId).execute()).length, 1);
    assert.deepEqual((await ctx.db.selectFrom('mash_enquiry_children').select('person_id').where('enquiry_id', '=', enquiryId).execute()).map((r) => r.person_id), [childId]);
    assert.equal(enquiry.status, 'awaiting-rating');
    assert.equal(enquiry.conversation_id, conversationId);
    assert.equal(enquiry.hub_id, 'norfolk-mash');
    assert.match(enquiry.reference, /^NFK-MASH-2026-\d{6}$/);
    assert.equal(enquiry.rag, null);
    const audit = await ctx.db.selectFrom('audit_events').select(['action', 'person_id', 'entity_id']).where('action', '=', 'mash.enquiry-created').execute();
    assert.deepEqual(audit, [{ action: 'mash.enquiry-created', person_id: childId, entity_id: enquiryId }]);
  });

  test('a manager or coordinator can open one; a partner cannot; reason and questions are required', async () => {
    const bad = await service.create(manager, { childIds: [childId], reason: ' ', questions: '' });
    assert.equal(bad.ok, false);
    assert.deepEqual(!bad.ok && bad.errors.map((e) => e.field), ['reason', 'questions']);
    const ok = await service.create(coordinator, { childIds: [childId], reason: 'Police notification', questions: 'Who lives there?' });
    assert.equal(ok.ok, true);
    await assert.rejects(service.create(police, { childIds: [childId], reason: 'x', questions: 'y' }), (e: unknown) => e instanceof HttpError && e.status === 403);
    // A Norfolk child is not there for Stoke-on-Trent.
    await rejects404(service.create(stokeManager, { childIds: [childId], reason: 'x', questions: 'y' }));
  });

  test('rating amber sets the deadline 24 working hours from creation, by the calendar', async () => {
    const r = await service.rate(coordinator, enquiryId, 'amber', null, await lockVersion());
    assert.equal(r.ok, true);
    // Monday 10:00 + 24 working hours (7 Mon, 8 Tue, 8 Wed, 1 Thu) = Thursday 10:00.
    const e = await ctx.db.selectFrom('mash_enquiries').selectAll().where('id', '=', enquiryId).executeTakeFirstOrThrow();
    assert.equal(e.due_at!.toISOString(), '2026-11-26T10:00:00.000Z');
    assert.equal(e.rag, 'amber');
    assert.equal(e.status, 'checks');
  });

  test('a stale lock version is a 409', async () => {
    await assert.rejects(service.rate(coordinator, enquiryId, 'red', 'Worse', 0), (e: unknown) => e instanceof HttpError && e.status === 409);
  });

  test('requests go only to the hub’s check agencies, once each, and need a rating', async () => {
    await assert.rejects(service.sendRequests(coordinator, enquiryId, ['police', 'astrologers']), (e: unknown) => e instanceof HttpError && e.status === 422);
    const unrated = await service.create(coordinator, { childIds: [childId], reason: 'r', questions: 'q' });
    assert.ok(unrated.ok);
    const refused = await service.sendRequests(coordinator, unrated.enquiry.id, ['police']);
    assert.deepEqual(!refused.ok && refused.errors.map((e) => e.field), ['rag']);

    const sent = await service.sendRequests(coordinator, enquiryId, ['police', 'health', 'education']);
    assert.deepEqual(sent.ok && [...sent.sent].sort(), ['education', 'health', 'police']);
    const again = await service.sendRequests(coordinator, enquiryId, ['police']);
    assert.deepEqual(again.ok && again.sent, []);
    const rows = await ctx.db.selectFrom('mash_check_requests').selectAll().where('enquiry_id', '=', enquiryId).execute();
    assert.equal(rows.length, 3);
    for (const r of rows) {
      requestIds[r.agency_code] = r.id;
      assert.equal(r.due_at.toISOString(), '2026-11-26T10:00:00.000Z');
    }
  });

  test('changing the rating needs a reason, is recorded, and moves open requests’ deadlines from the original start', async () => {
    ctx.clock.set('2026-11-23T11:30:00Z');
    const noReason = await service.rate(coordinator, enquiryId, 'red', null, await lockVersion());
    assert.deepEqual(!noReason.ok && noReason.errors.map((e) => e.field), ['reason']);
    const r = await service.rate(coordinator, enquiryId, 'red', 'Police report a weapon in the home', await lockVersion());
    assert.equal(r.ok, true);
    // Red: 4 working hours from Monday 10:00 (the enquiry's creation), not from 11:30.
    const requests = await ctx.db.selectFrom('mash_check_requests').select('due_at').where('enquiry_id', '=', enquiryId).execute();
    assert.deepEqual(requests.map((x) => x.due_at.toISOString()), ['2026-11-23T14:00:00.000Z', '2026-11-23T14:00:00.000Z', '2026-11-23T14:00:00.000Z']);
    const changes = await ctx.db.selectFrom('mash_rating_changes').selectAll().where('enquiry_id', '=', enquiryId).orderBy('changed_at').execute();
    assert.deepEqual(changes.map((c) => [c.from_rag, c.to_rag, c.reason]), [[null, 'amber', null], ['amber', 'red', 'Police report a weapon in the home']]);
    assert.equal(changes[1]!.due_before!.toISOString(), '2026-11-26T10:00:00.000Z');
    assert.equal(changes[1]!.due_after.toISOString(), '2026-11-23T14:00:00.000Z');
    // The database refuses a change without a reason too.
    await assert.rejects(
      ctx.db.insertInto('mash_rating_changes').values({ id: crypto.randomUUID(), enquiry_id: enquiryId, from_rag: 'red', to_rag: 'green', reason: null, changed_at: new Date(), due_after: new Date() }).execute(),
      /check constraint/,
    );
  });

  test('a police partner sees only the police request, with names, dates of birth and addresses only', async () => {
    const list = await service.requestsForAgency(police);
    assert.equal(list.length, 1);
    const req = list[0]!;
    assert.equal(req.id, requestIds.police);
    assert.equal(req.agencyCode, 'police');
    assert.equal(req.deadline, 'on-time');
    assert.equal(req.countdown, '2 hours 30 minutes left');
    const child = req.people.find((p) => p.personId === childId)!;
    assert.equal(child.familyName, 'Thistlewood');
    assert.equal(child.dateOfBirth, '2015-05-06');
    assert.deepEqual(Object.keys(child).sort(), ['address', 'dateOfBirth', 'expectedDateOfBirth', 'familyName', 'givenName', 'isChild', 'personId']);
    const json = JSON.stringify(list);
    for (const secret of ['Weight loss', 'Faltering growth', 'MASH checks agreed', 'neglect', 'mash-checks', 'Police report a weapon', 'Parent may flee', 'Dr Reed']) {
      assert.ok(!json.includes(secret), `a partner must not see "${secret}"`);
    }
    const audit = await ctx.db.selectFrom('audit_events').select(['person_id', 'actor_user_id']).where('action', '=', 'mash.requests-viewed').execute();
    assert.deepEqual(audit, [{ person_id: childId, actor_user_id: police.id }]);
    // Health sees its own request only.
    const h = await service.requestsForAgency(health);
    assert.deepEqual(h.map((x) => x.id), [requestIds.health]);
  });

  test('another agency cannot answer the police request, and a Stoke-on-Trent partner sees nothing', async () => {
    await rejects404(service.respond(health, requestIds.police!, answer));
    const stokePolice = await principal('partner-practitioner', { authorityId: 'stoke-on-trent', agencyCode: 'police' });
    assert.deepEqual(await service.requestsForAgency(stokePolice), []);
    await rejects404(service.respond(stokePolice, requestIds.police!, answer));
    await rejects404(service.respond(police, crypto.randomUUID(), answer));
  });

  test('a response is validated field by field', async () => {
    const r = await service.respond(police, requestIds.police!, { ...answer, holds: '', sourceSystem: '', checkedOn: '2026-11-31', lawfulBasisCode: 'because' });
    assert.deepEqual(!r.ok && r.errors.map((e) => e.field), ['holds', 'sourceSystem', 'checkedOn', 'lawfulBasisCode']);
    const future = await service.respond(police, requestIds.police!, { ...answer, checkedOn: '2026-11-24' });
    assert.deepEqual(!future.ok && future.errors.map((e) => e.field), ['checkedOn']);
  });

  test('a question back keeps the request open', async () => {
    const q = await service.respond(education, requestIds.education!, { ...answer, kind: 'question', holds: 'Which school does the child attend?' });
    assert.equal(q.ok, true);
    const row = await ctx.db.selectFrom('mash_check_requests').select('status').where('id', '=', requestIds.education!).executeTakeFirstOrThrow();
    assert.equal(row.status, 'open');
  });

  test('a response answers the request, cannot be changed, and a correction adds a row', async () => {
    const r = await service.respond(police, requestIds.police!, answer);
    assert.ok(r.ok);
    const req = await ctx.db.selectFrom('mash_check_requests').selectAll().where('id', '=', requestIds.police!).executeTakeFirstOrThrow();
    assert.equal(req.status, 'answered');
    await assert.rejects(sql`update mash_check_responses set holds = 'nothing' where id = ${r.responseId}`.execute(ctx.db), /cannot be changed/);
    await assert.rejects(sql`delete from mash_check_responses where id = ${r.responseId}`.execute(ctx.db), /cannot be changed/);

    const wrongTarget = await service.respond(police, requestIds.police!, { ...answer, kind: 'correction', correctsId: crypto.randomUUID() });
    assert.deepEqual(!wrongTarget.ok && wrongTarget.errors.map((e) => e.field), ['correctsId']);
    const c = await service.respond(police, requestIds.police!, { ...answer, kind: 'correction', correctsId: r.responseId, holds: 'Three domestic incidents at the address in 2026' });
    assert.ok(c.ok);
    const rows = await ctx.db.selectFrom('mash_check_responses').select(['kind', 'holds', 'corrects_id']).where('request_id', '=', requestIds.police!).orderBy('responded_at').orderBy('kind', 'desc').execute();
    assert.deepEqual(rows, [
      { kind: 'response', holds: 'Two domestic incidents at the address in 2026', corrects_id: null },
      { kind: 'correction', holds: 'Three domestic incidents at the address in 2026', corrects_id: r.responseId },
    ]);
  });

  test('open requests past their deadline are overdue', async () => {
    assert.deepEqual(await service.overdueRequests(new Date('2026-11-23T13:59:00Z')), []);
    ctx.clock.set('2026-11-23T14:30:00Z');
    const overdue = await service.overdueRequests();
    assert.deepEqual(overdue.map((o) => o.agency_code).sort(), ['education', 'health']);
    assert.equal(overdue[0]!.overdueBy, 'overdue by 30 minutes');
    const [h] = await service.requestsForAgency(health);
    assert.equal(h!.deadline, 'overdue');
  });

  test('collation shows every agency side by side; the manager decides', async () => {
    const late = await service.respond(health, requestIds.health!, { ...answer, nothingKnown: true, holds: null, riskInformation: null, sourceSystem: 'SystmOne' });
    assert.ok(late.ok);
    const col = await service.collation(worker, enquiryId);
    assert.deepEqual(col.agencies.map((a) => [a.request.agency_code, a.deadline, a.responses.length]), [
      ['education', 'overdue', 1],
      ['health', 'late', 1],
      ['police', 'met', 2],
    ]);
    const policeResponses = col.agencies[2]!.responses;
    const original = policeResponses.find((x) => x.kind === 'response')!;
    const correction = policeResponses.find((x) => x.kind === 'correction')!;
    assert.deepEqual(original.correctedBy, [correction.id]);
    assert.equal(correction.corrects_id, original.id);

    const analysed = await service.saveAnalysis(worker, enquiryId, { risks: 'Domestic abuse', strengths: 'Engaged school', unknowns: 'Education not yet answered' }, await lockVersion());
    assert.ok(analysed.ok);
    await assert.rejects(service.decide(coordinator, enquiryId, 'strategy-discussion', 'Risk of significant harm'), (e: unknown) => e instanceof HttpError && e.status === 403);
    const bad = await service.decide(manager, enquiryId, 'tea-and-sympathy', '');
    assert.deepEqual(!bad.ok && bad.errors.map((e) => e.field), ['decisionCode', 'rationale']);
    const d = await service.decide(manager, enquiryId, 'strategy-discussion', 'Risk of significant harm');
    assert.ok(d.ok);
    const e = await ctx.db.selectFrom('mash_enquiries').selectAll().where('id', '=', enquiryId).executeTakeFirstOrThrow();
    assert.equal(e.status, 'closed');
    assert.equal(e.decision_code, 'strategy-discussion');
    assert.equal(e.decided_by, manager.id);
  });

  test('a Stoke-on-Trent worker cannot read or change a Norfolk enquiry', async () => {
    await rejects404(service.collation(stokeWorker, enquiryId));
    await rejects404(service.view(stokeWorker, enquiryId));
    await rejects404(service.rate(stokeManager, enquiryId, 'green', 'x', await lockVersion()));
    await rejects404(service.sendRequests(stokeManager, enquiryId, ['police']));
    await rejects404(service.decide(stokeManager, enquiryId, 'early-help', 'x'));
  });

  test('every change and read was audited against the enquiry', async () => {
    const actions = await ctx.db.selectFrom('audit_events').select('action').distinct().where('action', 'like', 'mash.%').execute();
    assert.deepEqual(actions.map((a) => a.action).sort(), [
      'mash.analysis-saved', 'mash.collation-viewed', 'mash.decided', 'mash.enquiry-created', 'mash.rated', 'mash.requests-sent', 'mash.requests-viewed', 'mash.response-recorded',
    ]);
  });
});
