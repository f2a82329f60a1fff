/**
 * The written record from completion to the caller's inbox, through the real adapters: a real
 * SMTP server in this process, a fake GOV.UK Notify speaking its HTTP API, and the local mailbox.
 * Each provider gets its own test context (schema, jobs and worker), one after the other.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { createTestContext, createTestApp, createUser, signedInAgent, errorSummary, type Agent, type TestContext, createServiceAccount, cleanUp, completeConversationByApi } from '../../../test/support/harness.js';
import { TestSmtpServer, waitFor } from '../../../test/support/smtp.js';
import { FakeNotify, createNotifyTestContext, notifyReceipt, postNotifyCallback, type NotifyTestContext } from '../../../test/support/fake-notify.js';
import { readAuthorityProfiles } from '../../platform/authorities.js';
import { SmtpMailer } from '../../platform/mail/smtp-mailer.js';
import { QUEUES } from '../../platform/jobs.js';
import { surveyTokenHash } from '../survey/survey-token.js';
import { startWrittenRecordWorker } from './worker.js';
import { WrittenRecordsService } from './written-records.service.js';

const WAIT = 30_000;
/** pg-boss polls no more often than every 0.5 s (it refuses anything shorter). */
const POLL_SECONDS = 0.5;
const TIMEOUT = { timeout: 90_000 };
const NORFOLK = readAuthorityProfiles().find((p) => p.id === 'norfolk')!;

// ---------------------------------------------------------------------------
// A context with an app, a worker who records conversations and an API token
// ---------------------------------------------------------------------------

interface World {
  ctx: TestContext;
  app: FastifyInstance;
  token: string;
  worker: { id: string; email: string };
  agent: Agent;
}

async function makeWorld(ctx: TestContext): Promise<World> {
  const app = await createTestApp(ctx);
  const worker = await createUser(ctx, { role: 'cads-worker' });
  const token = await createServiceAccount(ctx);
  const agent = await signedInAgent(app, worker.email);
  return { ctx, app, token, worker, agent };
}


let family = 0;
/** Records and completes a conversation through the API, each about a child of another family name. */
async function completeConversation(w: World, callerEmail: string | null): Promise<{ id: string; reference: string; child: { given: string; family: string } }> {
  const child = { given: 'Kayleigh', family: `Ashworth${String.fromCharCode(97 + (family++ % 26))}` };
  return { ...(await completeConversationByApi(w.app, w.token, { workerEmail: w.worker.email, callerEmail, familyName: child.family })), child };
}

function records(ctx: TestContext, conversationId: string) {
  return ctx.db.selectFrom('written_records').selectAll().where('conversation_id', '=', conversationId).orderBy('queued_at').execute();
}

/** Waits until the conversation has `n` written records and every one has reached `status`. */
async function settled(ctx: TestContext, conversationId: string, status: string, n = 1) {
  return waitFor(async () => {
    const rows = await records(ctx, conversationId);
    return rows.length === n && rows.every((r) => r.status === status) ? rows : null;
  }, WAIT, `${n} written record(s) ${status}`);
}

function jobsTable(ctx: TestContext) {
  return sql.table(`${ctx.schema}_jobs.job`);
}

async function jobCount(ctx: TestContext): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from ${jobsTable(ctx)} where name = ${QUEUES.sendWrittenRecord}`.execute(ctx.db);
  return r.rows[0]!.n;
}

async function openTasks(ctx: TestContext, writtenRecordId: string) {
  return ctx.db.selectFrom('tasks').selectAll().where('written_record_id', '=', writtenRecordId).where('done_at', 'is', null).execute();
}

function surveyTokenIn(text: string, baseUrl: string): string {
  const m = text.match(new RegExp(`${baseUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/survey/([A-Za-z0-9_-]{43})`));
  assert.ok(m, 'the survey link is in the email');
  return m[1]!;
}

function pdfText(pdf: Buffer): string | null {
  const r = spawnSync('pdftotext', ['-layout', '-', '-'], { input: pdf });
  if (r.error || r.status !== 0) return null;
  return r.stdout.toString('utf8');
}

// ---------------------------------------------------------------------------
// SMTP
// ---------------------------------------------------------------------------

describe('the written record through SMTP', () => {
  let smtp: TestSmtpServer;
  let w: World;
  let first: Awaited<ReturnType<typeof completeConversation>>;
  /** What the completion transaction wrote, read before any worker ran. */
  let queued: { recordXmin: string[]; invitationXmin: string[]; versionXmin: string; jobs: { xmin: string; state: string }[]; recordIds: string[]; invitationRecordIds: string[]; jobCount: number };
  let jobsBefore: number;

  before(async () => {
    smtp = await TestSmtpServer.start();
    const ctx = await createTestContext(undefined, { mailer: (c) => new SmtpMailer(smtp.url, c.config.mail.from) });
    w = await makeWorld(ctx);
    jobsBefore = await jobCount(ctx);
    // Completed before the worker starts, so the rows are exactly as the completion left them.
    first = await completeConversation(w, 'reed@nhs.example.org');
    const recs = await sql<{ id: string; xmin: string }>`select id, xmin::text as xmin from written_records where conversation_id = ${first.id}`.execute(ctx.db);
    const invs = await sql<{ written_record_id: string; xmin: string }>`select written_record_id, xmin::text as xmin from survey_invitations where conversation_id = ${first.id}`.execute(ctx.db);
    const ver = await sql<{ xmin: string }>`select xmin::text as xmin from conversation_versions where conversation_id = ${first.id} and version = 1`.execute(ctx.db);
    const jobs = await sql<{ xmin: string; state: string }>`select xmin::text as xmin, state::text as state from ${jobsTable(ctx)} where name = ${QUEUES.sendWrittenRecord} and data->>'writtenRecordId' = ${recs.rows[0]?.id ?? ''}`.execute(ctx.db);
    queued = {
      recordXmin: recs.rows.map((r) => r.xmin),
      invitationXmin: invs.rows.map((r) => r.xmin),
      versionXmin: ver.rows[0]!.xmin,
      jobs: jobs.rows,
      recordIds: recs.rows.map((r) => r.id),
      invitationRecordIds: invs.rows.map((r) => r.written_record_id),
      jobCount: await jobCount(ctx),
    };
    await startWrittenRecordWorker(ctx, POLL_SECONDS);
  });
  after(() => cleanUp(() => w?.app.close(), () => w?.ctx.close(), () => smtp?.close()));

  test('completing a conversation queues one written record, one survey invitation and one job, in the completion transaction', TIMEOUT, async () => {
    assert.equal(queued.recordIds.length, 1, 'one written record');
    assert.deepEqual(queued.invitationRecordIds, queued.recordIds, 'one survey invitation, for that record');
    assert.equal(queued.jobs.length, 1, 'one job');
    assert.equal(queued.jobs[0]!.state, 'created');
    // Rows written by one transaction carry its id: the version was completed, and the record,
    // the invitation and the job were written, all in the same transaction.
    assert.equal(queued.recordXmin[0], queued.versionXmin);
    assert.equal(queued.invitationXmin[0], queued.versionXmin);
    assert.equal(queued.jobs[0]!.xmin, queued.versionXmin);
    assert.equal(queued.jobCount - jobsBefore, 1, 'no other job was queued');
  });

  test('a conversation that fails validation queues nothing', TIMEOUT, async () => {
    const jobs = await jobCount(w.ctx);
    const invitations = (await w.ctx.db.selectFrom('survey_invitations').select('token_hash').execute()).length;
    // Through the pages: a draft with nothing in it cannot be completed.
    const started = await w.agent.post('/conversations', {});
    assert.equal(started.status, 302);
    const id = started.location!.split('/')[2]!;
    const lock = await w.ctx.db.selectFrom('conversations').select('lock_version').where('id', '=', id).executeTakeFirstOrThrow();
    const res = await w.agent.post(`/conversations/${id}/complete`, { 'lock-version': String(lock.lock_version) });
    assert.equal(res.status, 400);
    assert.ok(errorSummary(res.body).length > 0, 'the problems are listed');
    // Through the API: an incomplete conversation sent for completion.
    const api = await w.app.inject({
      method: 'POST', url: '/api/v1/conversations', headers: { authorization: `Bearer ${w.token}` },
      payload: { caller: { type: 'professional', name: 'X', email: 'x@nhs.example.org' }, children: [{ personId: randomUUID() }], complete: true, workerEmail: w.worker.email },
    });
    assert.equal(api.statusCode, 422);
    assert.equal((await records(w.ctx, id)).length, 0);
    assert.equal(await jobCount(w.ctx), jobs);
    assert.equal((await w.ctx.db.selectFrom('survey_invitations').select('token_hash').execute()).length, invitations);
  });

  test('the worker sends exactly one email: the right recipient, no child’s name in the subject, the record, the survey link and the PDF', TIMEOUT, async (t) => {
    const [rec] = await settled(w.ctx, first.id, 'sent');
    assert.equal(rec!.provider, 'smtp');
    assert.equal(rec!.attempts, 1);
    assert.ok(rec!.sent_at);
    assert.equal(rec!.last_error, null);
    const mails = smtp.messagesTo('reed@nhs.example.org');
    assert.equal(mails.length, 1, 'exactly one email');
    const m = mails[0]!;
    assert.deepEqual(m.to, ['reed@nhs.example.org']);
    assert.equal(m.messageId, `<${rec!.id}@front-door>`);
    assert.equal(rec!.provider_message_id, m.messageId);

    assert.match(m.subject, new RegExp(first.reference));
    for (const name of [first.child.given, first.child.family]) {
      assert.ok(!m.subject.includes(name), `the subject does not name the child (${name})`);
    }
    for (const [part, body] of [['HTML', m.html], ['text', m.text]] as const) {
      assert.ok(body.includes(first.reference), `${part} has the reference`);
      assert.ok(body.includes('MASH checks'), `${part} has the agreed outcome`);
      assert.ok(body.includes('Parents or carers agreed to the call'), `${part} has the consent position`);
      assert.ok(body.includes('It would put the child at risk of significant harm'), `${part} says why consent was not sought`);
    }
    assert.match(m.text, /Parents or carers agreed to the call: No/);

    const token = surveyTokenIn(m.text, w.ctx.config.baseUrl);
    assert.equal(surveyTokenIn(m.html, w.ctx.config.baseUrl), token, 'the HTML carries the same survey link');
    const invitation = await w.ctx.db.selectFrom('survey_invitations').selectAll().where('written_record_id', '=', rec!.id).executeTakeFirstOrThrow();
    assert.equal(createHash('sha256').update(token).digest('hex'), invitation.token_hash);
    assert.equal(surveyTokenHash(token), invitation.token_hash);

    assert.equal(m.parsed.attachments.length, 1);
    const pdf = m.parsed.attachments[0]!;
    assert.equal(pdf.contentType, 'application/pdf');
    assert.equal(pdf.filename, `${first.reference}-v1.pdf`);
    assert.equal(pdf.content.subarray(0, 4).toString('latin1'), '%PDF');
    const text = pdfText(pdf.content);
    if (text === null) t.diagnostic('pdftotext is not installed: the PDF text was not checked');
    else assert.ok(text.includes(first.reference), 'the PDF text has the reference');

    const page = await w.agent.get(`/conversations/${first.id}/written-record`);
    assert.equal(page.status, 200);
    assert.match(page.body, />\s*Sent\s*</);
    assert.ok(page.body.includes('reed@nhs.example.org'));
  });

  test('a correction sends an amended record, marked as amended, to the corrected version’s address', TIMEOUT, async () => {
    const c = await completeConversation(w, 'before.correction@school.example.org');
    await settled(w.ctx, c.id, 'sent');
    const lock = async () => String((await w.ctx.db.selectFrom('conversations').select('lock_version').where('id', '=', c.id).executeTakeFirstOrThrow()).lock_version);
    assert.equal((await w.agent.post(`/conversations/${c.id}/amend`, { reason: 'The caller’s email address was wrong' })).status, 302);
    const saved = await w.agent.post(`/conversations/${c.id}/caller`, {
      'lock-version': await lock(), 'caller-type': 'professional', 'caller-name': 'Dr Reed', 'caller-agency': 'gp', 'caller-phone': '020 7946 0123',
      'caller-email': 'after.correction@school.example.org', action: 'save',
    });
    assert.equal(saved.status, 302, saved.body.slice(0, 500));
    const done = await w.agent.post(`/conversations/${c.id}/complete`, { 'lock-version': await lock() });
    assert.equal(done.status, 302);

    const [v1, v2] = await settled(w.ctx, c.id, 'sent', 2);
    assert.deepEqual([v1!.version, v1!.reason, v1!.amended], [1, 'completed', false]);
    assert.deepEqual([v2!.version, v2!.reason, v2!.amended, v2!.recipient], [2, 'amended', true, 'after.correction@school.example.org']);
    assert.equal(smtp.messagesTo('before.correction@school.example.org').length, 1, 'the old address got only the first record');
    const amended = smtp.messagesTo('after.correction@school.example.org');
    assert.equal(amended.length, 1);
    const m = amended[0]!;
    assert.match(m.subject, /amended record/i);
    assert.match(m.subject, new RegExp(c.reference));
    assert.ok(!m.subject.includes(c.child.family));
    for (const body of [m.text, m.html]) {
      assert.match(body, /Amended record/);
      assert.ok(body.includes('The caller’s email address was wrong') || body.includes('The caller&rsquo;s email address was wrong') || body.includes('The caller&#8217;s email address was wrong'), 'the reason for the correction');
    }
    assert.equal(m.parsed.attachments[0]!.filename, `${c.reference}-v2.pdf`);
    // The amended record has a survey link of its own.
    const invitation = await w.ctx.db.selectFrom('survey_invitations').selectAll().where('written_record_id', '=', v2!.id).executeTakeFirstOrThrow();
    assert.equal(surveyTokenHash(surveyTokenIn(m.text, w.ctx.config.baseUrl)), invitation.token_hash);
    const page = await w.agent.get(`/conversations/${c.id}/written-record`);
    assert.match(page.body, /\(amended\)/);
  });

  test('sending again, and sending to another address, each send one more email; a bad address is refused and queues nothing', TIMEOUT, async () => {
    const c = await completeConversation(w, 'resend.me@nhs.example.org');
    await settled(w.ctx, c.id, 'sent');
    const original = smtp.messagesTo('resend.me@nhs.example.org')[0]!;

    const again = await w.agent.post(`/conversations/${c.id}/written-record/send`, { to: 'caller' });
    assert.equal(again.status, 302);
    assert.equal(again.location, `/conversations/${c.id}/written-record`);
    await settled(w.ctx, c.id, 'sent', 2);
    const resent = smtp.messagesTo('resend.me@nhs.example.org');
    assert.equal(resent.length, 2);
    assert.equal(surveyTokenIn(resent[1]!.text, w.ctx.config.baseUrl), surveyTokenIn(original.text, w.ctx.config.baseUrl), 'one caller, one survey: the resend carries the same link');

    const extra = await w.agent.post(`/conversations/${c.id}/written-record/send`, { to: 'extra', 'extra-address': 'colleague@nhs.example.org' });
    assert.equal(extra.status, 302);
    const rows = await settled(w.ctx, c.id, 'sent', 3);
    assert.deepEqual(rows.map((r) => r.reason), ['completed', 'resend', 'extra-address']);
    assert.equal(smtp.messagesTo('colleague@nhs.example.org').length, 1);
    assert.equal(smtp.messagesTo('resend.me@nhs.example.org').length, 2);
    assert.equal((await w.ctx.db.selectFrom('survey_invitations').select('token_hash').where('conversation_id', '=', c.id).execute()).length, 1, 'resends make no new invitation');

    const jobs = await jobCount(w.ctx);
    const bad = await w.agent.post(`/conversations/${c.id}/written-record/send`, { to: 'extra', 'extra-address': 'not-an-email' });
    assert.equal(bad.status, 400);
    assert.deepEqual(errorSummary(bad.body), [['#extra-address', 'Enter an email address in the correct format, like name@example.com']]);
    const empty = await w.agent.post(`/conversations/${c.id}/written-record/send`, { to: 'extra', 'extra-address': '' });
    assert.equal(empty.status, 400);
    assert.deepEqual(errorSummary(empty.body), [['#extra-address', 'Enter the email address to send the record to']]);
    assert.equal((await records(w.ctx, c.id)).length, 3);
    assert.equal(await jobCount(w.ctx), jobs);
  });

  test('an address the server refuses (550) fails for good, without the address in the error, and gives the worker one task', TIMEOUT, async () => {
    smtp.rejectRecipients(/bounce/);
    try {
      const c = await completeConversation(w, 'no.such.person.bounce@example.org');
      const [rec] = await settled(w.ctx, c.id, 'failed');
      assert.equal(rec!.last_error, 'smtp-550');
      assert.ok(!rec!.last_error!.includes('@'));
      assert.equal(rec!.attempts, 1, 'not retried');
      assert.ok(rec!.failed_at);
      assert.equal(smtp.messagesTo('no.such.person.bounce@example.org').length, 0);
      const tasks = await openTasks(w.ctx, rec!.id);
      assert.equal(tasks.length, 1);
      assert.equal(tasks[0]!.assigned_to, w.worker.id);
      assert.equal(tasks[0]!.kind, 'delivery-failed');

      // A job for it run again changes nothing: no send, no second task.
      await new WrittenRecordsService(w.ctx).deliver(rec!.id, { retryCount: 0, retryLimit: 3 });
      assert.equal((await openTasks(w.ctx, rec!.id)).length, 1);
      assert.equal((await records(w.ctx, c.id))[0]!.attempts, 1);

      const list = await w.agent.get('/');
      assert.equal(list.status, 200);
      assert.ok(list.body.includes(`The written record for ${c.reference} could not be delivered`), 'the task is on the work list');
      assert.ok(list.body.includes(`/tasks/${tasks[0]!.id}/done`));
      const page = await w.agent.get(`/conversations/${c.id}/written-record`);
      assert.match(page.body, />\s*Failed\s*</);

      const done = await w.agent.post(`/tasks/${tasks[0]!.id}/done`, {});
      assert.equal(done.status, 302);
      assert.equal(done.location, '/');
      assert.equal((await openTasks(w.ctx, rec!.id)).length, 0);
      const task = await w.ctx.db.selectFrom('tasks').selectAll().where('id', '=', tasks[0]!.id).executeTakeFirstOrThrow();
      assert.ok(task.done_at);
      assert.equal(task.done_by, w.worker.id);
      const after = await w.agent.get('/');
      assert.ok(!after.body.includes(`/tasks/${tasks[0]!.id}/done`));
      assert.doesNotMatch(after.body, /could not be delivered/, 'the task is off the list');
    } finally {
      smtp.rejectRecipients(null);
    }
  });

  test('a temporary refusal (451) is retried and the record is sent once', TIMEOUT, async () => {
    smtp.failTemporarily(1);
    const c = await completeConversation(w, 'try.again@nhs.example.org');
    const [rec] = await settled(w.ctx, c.id, 'sent');
    assert.equal(rec!.attempts, 2);
    assert.equal(smtp.messagesTo('try.again@nhs.example.org').length, 1);
    assert.ok(smtp.events.some((e) => e.kind === 'temporary-failure' && e.recipients.includes('try.again@nhs.example.org')));
  });

  test('two senders taking the same record at once send it once', TIMEOUT, async () => {
    const c = await completeConversation(w, 'two.senders@nhs.example.org');
    const [rec] = await settled(w.ctx, c.id, 'sent');
    // Back to queued, as if the queue had handed the same job to two takers.
    await sql`update written_records set status = 'queued', claimed_at = null where id = ${rec!.id}`.execute(w.ctx.db);
    const service = new WrittenRecordsService(w.ctx);
    await Promise.all([service.deliver(rec!.id, { retryCount: 0, retryLimit: 3 }), service.deliver(rec!.id, { retryCount: 0, retryLimit: 3 })]);
    assert.equal(smtp.messagesTo('two.senders@nhs.example.org').length, 2, 'the first send and exactly one more');
  });

  test('a job run again for a record already sent sends nothing more', TIMEOUT, async () => {
    const c = await completeConversation(w, 'just.once@nhs.example.org');
    const [rec] = await settled(w.ctx, c.id, 'sent');
    const service = new WrittenRecordsService(w.ctx);
    await service.deliver(rec!.id, { retryCount: 0, retryLimit: 3 });
    await service.deliver(rec!.id, { retryCount: 1, retryLimit: 3 });
    // Also as a queued job, the way a duplicate delivery from the queue would arrive.
    await w.ctx.db.transaction().execute((tx) => w.ctx.jobs.enqueue(tx, QUEUES.sendWrittenRecord, { writtenRecordId: rec!.id }));
    await waitFor(async () => {
      const r = await sql<{ n: number }>`select count(*)::int as n from ${jobsTable(w.ctx)} where data->>'writtenRecordId' = ${rec!.id} and state = 'completed'`.execute(w.ctx.db);
      return r.rows[0]!.n === 2;
    }, WAIT, 'the duplicate job to be done');
    const [after] = await records(w.ctx, c.id);
    assert.equal(after!.status, 'sent');
    assert.equal(after!.attempts, 1);
    assert.equal(smtp.messagesTo('just.once@nhs.example.org').length, 1);
  });
});

// ---------------------------------------------------------------------------
// GOV.UK Notify
// ---------------------------------------------------------------------------

describe('the written record through GOV.UK Notify', () => {
  let notify: FakeNotify;
  let ctx: NotifyTestContext;
  let w: World;

  before(async () => {
    notify = await FakeNotify.start({ templateIds: readAuthorityProfiles().map((p) => p.writtenRecord.notifyTemplateId) });
    ctx = await createNotifyTestContext(notify);
    w = await makeWorld(ctx);
    await startWrittenRecordWorker(ctx, POLL_SECONDS);
  });
  after(() => cleanUp(() => w?.app.close(), () => ctx?.close(), () => notify?.close()));

  const emailFor = (recordId: string) => notify.emails.filter((e) => e.reference === recordId);

  test('the record is sent through Notify with the authority’s template and subject, body and the PDF as a file link', TIMEOUT, async () => {
    assert.equal(ctx.mailer.name, 'notify');
    const c = await completeConversation(w, 'notify.me@nhs.example.org');
    const [rec] = await settled(ctx, c.id, 'sent');
    const sent = emailFor(rec!.id);
    assert.equal(sent.length, 1);
    const e = sent[0]!;
    assert.equal(rec!.provider, 'notify');
    assert.equal(rec!.provider_message_id, e.id);
    assert.equal(e.templateId, NORFOLK.writtenRecord.notifyTemplateId);
    assert.equal(e.emailAddress, 'notify.me@nhs.example.org');
    assert.ok(e.personalisation.subject.includes(c.reference));
    assert.ok(!e.personalisation.subject.includes(c.child.family) && !e.personalisation.subject.includes(c.child.given));
    assert.ok(e.personalisation.body.includes(c.reference));
    assert.ok(e.personalisation.body.includes('MASH checks'));
    const token = surveyTokenIn(e.personalisation.body, ctx.config.baseUrl);
    const invitation = await ctx.db.selectFrom('survey_invitations').selectAll().where('written_record_id', '=', rec!.id).executeTakeFirstOrThrow();
    assert.equal(surveyTokenHash(token), invitation.token_hash);
    assert.equal(e.personalisation.link_to_file.filename, `${c.reference}-v1.pdf`);
    assert.equal(e.personalisation.link_to_file.confirm_email_before_download, true);
    assert.equal(e.personalisation.link_to_file.retention_period, '52 weeks');
    assert.equal(e.file.subarray(0, 4).toString('latin1'), '%PDF');
    assert.deepEqual(notify.emailRequests(rec!.id).map((r) => r.status), [201]);
  });

  test('an address Notify refuses (400 ValidationError) fails for good and gives the worker a task', TIMEOUT, async () => {
    notify.invalidAddresses(/invalid/);
    try {
      const c = await completeConversation(w, 'invalid.address@nhs.example.org');
      const [rec] = await settled(ctx, c.id, 'failed');
      assert.equal(rec!.last_error, 'notify-400-ValidationError');
      assert.equal(rec!.attempts, 1);
      const reqs = notify.emailRequests(rec!.id);
      assert.deepEqual(reqs.map((r) => r.status), [400], 'not retried');
      assert.equal(emailFor(rec!.id).length, 0);
      assert.equal((await openTasks(ctx, rec!.id)).length, 1);
    } finally {
      notify.invalidAddresses(null);
    }
  });

  test('a Notify server error (500) is retried and the record is sent once', TIMEOUT, async () => {
    notify.failNext(500);
    const c = await completeConversation(w, 'server.error@nhs.example.org');
    const [rec] = await settled(ctx, c.id, 'sent');
    assert.deepEqual(notify.emailRequests(rec!.id).map((r) => r.status), [500, 201]);
    assert.equal(emailFor(rec!.id).length, 1);
    assert.equal(rec!.attempts, 2);
    assert.equal((await openTasks(ctx, rec!.id)).length, 0);
  });

  test('Notify’s rate limit (429) is retried and the record is sent once', TIMEOUT, async () => {
    notify.failNext(429);
    const c = await completeConversation(w, 'rate.limited@nhs.example.org');
    const [rec] = await settled(ctx, c.id, 'sent');
    assert.deepEqual(notify.emailRequests(rec!.id).map((r) => r.status), [429, 201]);
    assert.equal(emailFor(rec!.id).length, 1);
  });

  test('a delivery receipt marks the record delivered', TIMEOUT, async () => {
    const c = await completeConversation(w, 'delivered@nhs.example.org');
    const [rec] = await settled(ctx, c.id, 'sent');
    const res = await postNotifyCallback(w.app, ctx.notifyCallbackToken, notifyReceipt(emailFor(rec!.id)[0]!, 'delivered'));
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(res.json(), { outcome: 'delivered' });
    const [after] = await records(ctx, c.id);
    assert.equal(after!.status, 'delivered');
    assert.ok(after!.delivered_at);
    const page = await w.agent.get(`/conversations/${c.id}/written-record`);
    assert.match(page.body, />\s*Delivered\s*</);
    // A receipt Notify repeats changes nothing.
    assert.deepEqual((await postNotifyCallback(w.app, ctx.notifyCallbackToken, notifyReceipt(emailFor(rec!.id)[0]!, 'delivered'))).json(), { outcome: 'ignored' });
  });

  test('a permanent-failure receipt fails the record and gives the worker a task', TIMEOUT, async () => {
    const c = await completeConversation(w, 'bounced.later@nhs.example.org');
    const [rec] = await settled(ctx, c.id, 'sent');
    const res = await postNotifyCallback(w.app, ctx.notifyCallbackToken, notifyReceipt(emailFor(rec!.id)[0]!, 'permanent-failure'));
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(res.json(), { outcome: 'failed' });
    const [after] = await records(ctx, c.id);
    assert.equal(after!.status, 'failed');
    assert.equal(after!.last_error, 'notify-permanent-failure');
    const tasks = await openTasks(ctx, rec!.id);
    assert.equal(tasks.length, 1);
    assert.equal(tasks[0]!.assigned_to, w.worker.id);
  });

  test('a receipt with a wrong or missing token is refused (401) and changes nothing', TIMEOUT, async () => {
    const c = await completeConversation(w, 'not.you@nhs.example.org');
    const [rec] = await settled(ctx, c.id, 'sent');
    const receipt = notifyReceipt(emailFor(rec!.id)[0]!, 'permanent-failure');
    for (const token of ['wrong-token-of-the-right-length-xx', ctx.notifyCallbackToken.slice(0, -1), null]) {
      const res = await postNotifyCallback(w.app, token, receipt);
      assert.equal(res.status, 401, `token ${token}`);
    }
    const [after] = await records(ctx, c.id);
    assert.equal(after!.status, 'sent');
    assert.equal((await openTasks(ctx, rec!.id)).length, 0);
    // A receipt for a message that is not ours is acknowledged and ignored.
    const stranger = await postNotifyCallback(w.app, ctx.notifyCallbackToken, { ...receipt, id: randomUUID(), status: 'delivered' });
    assert.equal(stranger.status, 200);
    assert.deepEqual(stranger.json(), { outcome: 'ignored' });
  });

  // Last: it leaves the mailer with a key Notify no longer accepts.
  test('a revoked API key (403 AuthError) fails for good and gives the worker a task', TIMEOUT, async () => {
    notify.revokeKey();
    const c = await completeConversation(w, 'revoked.key@nhs.example.org');
    const [rec] = await settled(ctx, c.id, 'failed');
    assert.equal(rec!.last_error, 'notify-403-AuthError');
    assert.deepEqual(notify.emailRequests(rec!.id).map((r) => r.status), [403]);
    assert.equal((await openTasks(ctx, rec!.id)).length, 1);
  });
});

// ---------------------------------------------------------------------------
// The local mailbox
// ---------------------------------------------------------------------------

describe('the written record in the local mailbox', () => {
  let w: World;

  before(async () => {
    w = await makeWorld(await createTestContext());
    await startWrittenRecordWorker(w.ctx, POLL_SECONDS);
  });
  after(() => cleanUp(() => w?.app.close(), () => w?.ctx.close()));

  test('the message is kept in the mailbox, listed on /mailbox and served with a policy that runs no scripts', TIMEOUT, async () => {
    assert.equal(w.ctx.mailer.name, 'mailbox');
    const c = await completeConversation(w, 'mailbox@nhs.example.org');
    const [rec] = await settled(w.ctx, c.id, 'sent');
    assert.equal(rec!.provider, 'mailbox');
    const m = await w.ctx.db.selectFrom('mailbox_messages').selectAll().where('written_record_id', '=', rec!.id).executeTakeFirstOrThrow();
    assert.equal(rec!.provider_message_id, m.id);
    assert.equal(m.to_address, 'mailbox@nhs.example.org');
    assert.ok(m.subject.includes(c.reference) && !m.subject.includes(c.child.family));
    assert.ok(m.html.includes(c.reference) && m.text_body.includes(c.reference));

    const list = await w.agent.get('/mailbox');
    assert.equal(list.status, 200);
    assert.ok(list.body.includes(`/mailbox/${m.id}`));
    assert.ok(list.body.includes('mailbox@nhs.example.org'));
    assert.ok(list.body.includes(c.reference));

    const one = await w.agent.get(`/mailbox/${m.id}`);
    assert.equal(one.status, 200);
    assert.ok(one.body.includes(`/mailbox/${m.id}/html`));

    const html = await w.agent.get(`/mailbox/${m.id}/html`);
    assert.equal(html.status, 200);
    assert.match(String(html.headers['content-type']), /^text\/html/);
    assert.equal(html.body, m.html);
    const csp = html.headers['content-security-policy'];
    assert.equal(typeof csp, 'string', 'one policy');
    const directives = new Map((csp as string).split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([k, ...v]) => [k!, v]));
    assert.deepEqual(directives.get('default-src'), ["'none'"], 'nothing is allowed by default');
    const scripts = directives.get('script-src') ?? directives.get('default-src');
    assert.deepEqual(scripts, ["'none'"], 'no scripts');
    assert.ok(!directives.has('script-src-elem') && !directives.has('script-src-attr'));
    assert.ok(!(csp as string).includes('unsafe-eval'));

    const pdf = await w.agent.get(`/mailbox/${m.id}/pdf`);
    assert.equal(pdf.status, 200);
    assert.match(String(pdf.headers['content-type']), /^application\/pdf/);
    assert.ok(pdf.body.startsWith('%PDF'));
  });
});
