/**
 * The written record of a MASH decision: deciding an enquiry that came from a completed
 * conversation queues a letter to that conversation's caller in the decision's transaction, and
 * the written-record job sends it (HTML, text and a PDF) through the local mailbox and real SMTP.
 * An enquiry a manager opened without a conversation tells no one.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import {
  createTestContext, createTestApp, createUser, createServiceAccount, completeConversationByApi, cleanUp, type TestContext,
} from '../../../test/support/harness.js';
import { TestSmtpServer, waitFor } from '../../../test/support/smtp.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import { SmtpMailer } from '../../platform/mail/smtp-mailer.js';
import { startWrittenRecordWorker } from '../written-records/worker.js';
import { MashService } from './mash.service.js';

const FAMILY = 'Penhaligon';
const CALLER = 'reed@nhs.example.org';
const RATIONALE = 'Police and health hold information that together meets the threshold for a strategy discussion.';

async function principal(ctx: TestContext, role: Role): Promise<Principal> {
  const u = await createUser(ctx, { role });
  return { kind: 'user', id: u.id, authorityId: 'norfolk', role, displayName: `Test ${role}`, agencyCode: null, teamId: null, email: u.email };
}

async function lockVersion(ctx: TestContext, id: string): Promise<number> {
  return (await ctx.db.selectFrom('mash_enquiries').select('lock_version').where('id', '=', id).executeTakeFirstOrThrow()).lock_version;
}

/** A completed conversation (caller email given), its enquiry rated and decided. */
async function decideFromConversation(ctx: TestContext, app: FastifyInstance) {
  const service = new MashService(ctx);
  const worker = await principal(ctx, 'cads-worker');
  const coordinator = await principal(ctx, 'mash-coordinator');
  const manager = await principal(ctx, 'team-manager');
  const token = await createServiceAccount(ctx, { role: 'cads-worker' });
  const c = await completeConversationByApi(app, token, { workerEmail: worker.email!, callerEmail: CALLER, familyName: FAMILY });
  const e = await ctx.db.selectFrom('mash_enquiries').selectAll().where('conversation_id', '=', c.id).executeTakeFirstOrThrow();
  assert.ok((await service.rate(coordinator, e.id, 'amber', null, await lockVersion(ctx, e.id))).ok);
  ctx.clock.set('2026-11-24T11:00:00Z');
  const d = await service.decide(manager, e.id, 'strategy-discussion', RATIONALE);
  assert.ok(d.ok);
  const decided = await ctx.db.selectFrom('mash_enquiries').selectAll().where('id', '=', e.id).executeTakeFirstOrThrow();
  return { conversation: c, enquiry: decided, service, manager, coordinator };
}

function pdfText(pdf: Buffer): string | null {
  const r = spawnSync('pdftotext', ['-layout', '-', '-'], { input: pdf });
  if (r.error || r.status !== 0) return null;
  return r.stdout.toString('utf8');
}

function assertLetter(ctx: TestContext, parts: { subject: string; text: string; html: string }, enquiryReference: string, conversationReference: string) {
  assert.equal(parts.subject, `${ctx.profiles.get('norfolk').service.name}: outcome of the MASH checks ${enquiryReference} (your conversation ${conversationReference})`);
  for (const body of [parts.text, parts.html]) {
    assert.ok(body.includes('Outcome of the MASH checks'));
    assert.ok(body.includes('Strategy discussion'), 'the decision, by its label');
    assert.ok(body.includes('Police and health hold information'), 'the rationale');
    assert.ok(body.includes(enquiryReference));
    assert.ok(body.includes(conversationReference));
    assert.ok(body.includes(ctx.profiles.get('norfolk').writtenRecord.replyToEmail), 'who to contact');
    // No survey on a decision letter, and no child named.
    assert.ok(!body.includes('/survey/'));
    assert.ok(!body.includes(FAMILY) && !body.includes('Kayleigh'));
  }
}

describe('the MASH decision letter through the local mailbox', () => {
  let ctx: TestContext;
  let app: FastifyInstance;
  let decided: Awaited<ReturnType<typeof decideFromConversation>>;

  before(async () => {
    ctx = await createTestContext('2026-11-23T10:00:00Z');
    app = await createTestApp(ctx);
    decided = await decideFromConversation(ctx, app);
  });

  after(async () => {
    await cleanUp(() => app?.close(), () => ctx?.close());
  });

  test('deciding queues one record to the caller of the conversation, in the decision’s transaction', async () => {
    const rows = await ctx.db.selectFrom('written_records').selectAll().where('reason', '=', 'mash-decision').execute();
    assert.equal(rows.length, 1);
    const r = rows[0]!;
    assert.equal(r.mash_enquiry_id, decided.enquiry.id);
    assert.equal(r.conversation_id, decided.conversation.id);
    assert.equal(r.version, 1);
    assert.equal(r.recipient, CALLER);
    assert.equal(r.requested_by, decided.manager.id);
    assert.equal(decided.enquiry.decision_record_id, r.id);
    // No second survey invitation: only the conversation's own record carries one.
    const invitations = await ctx.db.selectFrom('survey_invitations').select('written_record_id').where('conversation_id', '=', decided.conversation.id).execute();
    assert.ok(invitations.every((i) => i.written_record_id !== r.id));
  });

  test('the job delivers the letter, with its PDF, to the caller’s mailbox', async () => {
    await startWrittenRecordWorker(ctx, 0.5, 1);
    const record = await waitFor(async () => {
      const r = await ctx.db.selectFrom('written_records').selectAll().where('id', '=', decided.enquiry.decision_record_id!).executeTakeFirstOrThrow();
      return r.status === 'sent' ? r : null;
    }, 30_000, 'the decision letter sent');
    const m = await ctx.db.selectFrom('mailbox_messages').selectAll().where('written_record_id', '=', record.id).executeTakeFirstOrThrow();
    assert.equal(m.to_address, CALLER);
    assertLetter(ctx, { subject: m.subject, text: m.text_body, html: m.html }, decided.enquiry.reference, decided.conversation.reference);
    assert.equal(m.pdf_filename, `${decided.enquiry.reference}-decision.pdf`);
    assert.equal(m.pdf!.subarray(0, 4).toString('latin1'), '%PDF');
    const text = pdfText(m.pdf!);
    if (text !== null) {
      assert.ok(text.includes(decided.enquiry.reference));
      assert.ok(text.includes('Strategy discussion'));
      assert.ok(!text.includes(FAMILY));
    }
  });

  test('an enquiry opened by a manager without a conversation tells no one', async () => {
    const child = await ctx.db.selectFrom('mash_enquiry_children').select('person_id').where('enquiry_id', '=', decided.enquiry.id).executeTakeFirstOrThrow();
    const opened = await decided.service.create(decided.coordinator, { childIds: [child.person_id], reason: 'Police notification', questions: 'Who lives there?' });
    assert.ok(opened.ok);
    const id = opened.enquiry.id;
    assert.ok((await decided.service.rate(decided.coordinator, id, 'green', null, await lockVersion(ctx, id))).ok);
    assert.ok((await decided.service.decide(decided.manager, id, 'no-further-action', 'Nothing known by any agency.')).ok);
    const e = await ctx.db.selectFrom('mash_enquiries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(e.status, 'closed');
    assert.equal(e.decision_record_id, null);
    assert.equal((await ctx.db.selectFrom('written_records').select('id').where('mash_enquiry_id', '=', id).execute()).length, 0);
  });
});

describe('the MASH decision letter through real SMTP', () => {
  let smtp: TestSmtpServer;
  let ctx: TestContext;
  let app: FastifyInstance;

  before(async () => {
    smtp = await TestSmtpServer.start();
    ctx = await createTestContext('2026-11-23T10:00:00Z', { mailer: (c) => new SmtpMailer(smtp.url, c.config.mail.from) });
    app = await createTestApp(ctx);
  });

  after(async () => {
    await cleanUp(() => app?.close(), () => ctx?.close(), () => smtp?.close());
  });

  test('the caller receives the conversation’s record and then the decision letter', async () => {
    const decided = await decideFromConversation(ctx, app);
    await startWrittenRecordWorker(ctx, 0.5, 1);
    const letter = await waitFor(() => smtp.messages.find((m) => m.subject.includes(decided.enquiry.reference)), 30_000, 'the decision letter');
    assert.deepEqual(letter.envelope.to, [CALLER]);
    assertLetter(ctx, { subject: letter.subject, text: letter.text, html: letter.html }, decided.enquiry.reference, decided.conversation.reference);
    assert.equal(letter.parsed.attachments.length, 1);
    assert.equal(letter.parsed.attachments[0]!.filename, `${decided.enquiry.reference}-decision.pdf`);
    assert.equal(letter.parsed.attachments[0]!.content.subarray(0, 4).toString('latin1'), '%PDF');
    // The conversation's own record went too, with its survey link.
    const record = await waitFor(() => smtp.messages.find((m) => m.subject.includes(decided.conversation.reference) && !m.subject.includes('MASH')), 30_000, 'the conversation record');
    assert.ok(record.text.includes('/survey/'));
  });
});
