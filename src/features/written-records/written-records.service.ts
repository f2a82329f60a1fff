import { randomUUID } from 'node:crypto';
import type { Database, Executor, Tx } from '../../platform/db/database.js';
import type { ConversationRow, MashEnquiryRow, WrittenRecordRow } from '../../platform/db/schema.js';
import type { AppContext } from '../../platform/context.js';
import { QUEUES } from '../../platform/jobs.js';
import { PermanentDeliveryError } from '../../platform/mail/mailer.js';
import { notFound, HttpError } from '../../platform/http/errors.js';
import type { Principal } from '../../platform/auth/roles.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';
import { isPlausibleEmail } from '../../domain/phone.js';
import { surveyToken, surveyTokenHash } from '../survey/survey-token.js';
import { WrittenRecordsRepository } from './written-records.repository.js';
import { buildWrittenRecordModel, writtenRecordPdfFilename, writtenRecordSubject, type WrittenRecordModel } from './written-record.js';
import { renderHtml, renderHtmlDocument } from './render-html.js';
import { renderText, renderTextDocument } from './render-text.js';
import { renderPdf, renderPdfDocument } from './render-pdf.js';
import { buildMashDecisionLetterModel, mashDecisionLetterDocument, mashDecisionLetterPdfFilename, mashDecisionLetterSubject } from './mash-decision-letter.js';

/** What goes in the email: a conversation's record, or the letter of a MASH decision. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  pdf: Buffer;
  pdfFilename: string;
}

export interface RenderedRecord extends RenderedEmail {
  model: WrittenRecordModel;
}

/**
 * The written record a caller receives after each completed version: queued in the same
 * transaction as the completion, sent by a job, retried when the provider is away, and turned
 * into a task for the worker when it cannot be delivered.
 */
export class WrittenRecordsService {
  readonly repo = new WrittenRecordsRepository();
  constructor(private readonly ctx: AppContext) {}

  private get db(): Database {
    return this.ctx.db;
  }

  /**
   * Queues the record for a version that has just been completed, inside that transaction.
   * Returns null when the caller left no email address (the conversation page says so).
   */
  async queueOnCompletion(tx: Tx, conversation: ConversationRow, version: number, recipient: string | null, requestedBy: string | null): Promise<string | null> {
    if (!recipient) return null;
    const now = this.ctx.clock.now();
    const id = randomUUID();
    await this.repo.insert(tx, {
      id,
      authority_id: conversation.authority_id,
      conversation_id: conversation.id,
      version,
      amended: version > 1,
      recipient,
      reason: version > 1 ? 'amended' : 'completed',
      requested_by: requestedBy,
      queued_at: now,
    });
    const profile = this.ctx.profiles.get(conversation.authority_id);
    await tx
      .insertInto('survey_invitations')
      .values({
        token_hash: surveyTokenHash(surveyToken(this.ctx.config.sessionSecret, id)),
        authority_id: conversation.authority_id,
        written_record_id: id,
        conversation_id: conversation.id,
        worker_id: conversation.worker_id,
        team_id: conversation.team_id,
        created_at: now,
        expires_at: new Date(now.getTime() + profile.survey.expiryDays * 86_400_000),
      })
      .execute();
    await this.ctx.jobs.enqueue(tx, QUEUES.sendWrittenRecord, { writtenRecordId: id });
    return id;
  }

  /**
   * Queues the letter of a MASH decision to the caller of the conversation the enquiry came from,
   * inside the decision's transaction (outside the row scope: it enqueues a job). The record names
   * the conversation's current version, whose caller email it goes to. Returns null when there is
   * no one to tell: the enquiry did not come from a conversation, or the caller left no email.
   */
  async queueMashDecision(tx: Tx, enquiry: MashEnquiryRow, requestedBy: string | null): Promise<string | null> {
    if (!enquiry.conversation_id || enquiry.status !== 'closed') return null;
    const c = await tx.selectFrom('conversations').select(['id', 'authority_id', 'current_version', 'status']).where('id', '=', enquiry.conversation_id).where('authority_id', '=', enquiry.authority_id).executeTakeFirst();
    if (!c || c.status !== 'completed') return null;
    const v = await tx.selectFrom('conversation_versions').select('caller_email').where('conversation_id', '=', c.id).where('version', '=', c.current_version).executeTakeFirst();
    const recipient = v?.caller_email?.trim();
    if (!recipient) return null;
    const id = randomUUID();
    await this.repo.insert(tx, {
      id,
      authority_id: c.authority_id,
      conversation_id: c.id,
      version: c.current_version,
      amended: false,
      recipient,
      reason: 'mash-decision',
      mash_enquiry_id: enquiry.id,
      requested_by: requestedBy,
      queued_at: this.ctx.clock.now(),
    });
    await this.ctx.jobs.enqueue(tx, QUEUES.sendWrittenRecord, { writtenRecordId: id });
    return id;
  }

  /** Sends the current version again, to the caller's address or to an extra one. */
  async resend(principal: Principal, conversationId: string, extraAddress: string | null, audit: AuditContext): Promise<void> {
    if (extraAddress !== null && !isPlausibleEmail(extraAddress)) {
      throw new HttpError(400, 'Enter an email address in the correct format', 'Enter an email address in the correct format, like name@example.com');
    }
    await this.db.transaction().execute(async (tx) => {
      const c = await tx.selectFrom('conversations').selectAll().where('id', '=', conversationId).where('authority_id', '=', principal.authorityId).executeTakeFirst();
      if (!c || c.status !== 'completed') throw notFound('completed conversation');
      const v = await tx.selectFrom('conversation_versions').select('caller_email').where('conversation_id', '=', c.id).where('version', '=', c.current_version).executeTakeFirstOrThrow();
      const recipient = extraAddress ?? v.caller_email;
      if (!recipient) throw new HttpError(400, 'There is no email address for the caller', 'Send it to another address, or correct the record to add the caller’s email address.');
      const id = randomUUID();
      await this.repo.insert(tx, {
        id,
        authority_id: c.authority_id,
        conversation_id: c.id,
        version: c.current_version,
        amended: c.current_version > 1,
        recipient,
        reason: extraAddress ? 'extra-address' : 'resend',
        requested_by: principal.kind === 'user' ? principal.id : null,
        queued_at: this.ctx.clock.now(),
      });
      await this.ctx.jobs.enqueue(tx, QUEUES.sendWrittenRecord, { writtenRecordId: id });
      const children = await tx.selectFrom('conversation_children').select('person_id').where('conversation_id', '=', c.id).where('version', '=', c.current_version).execute();
      await recordAudit(tx, audit, { action: 'written-record.requested', conversationId: c.id, personIds: children.map((x) => x.person_id), details: { reason: extraAddress ? 'extra-address' : 'resend' } });
    });
  }

  /**
   * The job: sends one record. Safe to run more than once: a record already sent, delivered or
   * failed for good is left alone, so a retried job never sends the same record twice.
   */
  async deliver(writtenRecordId: string, attempt: { retryCount: number; retryLimit: number }): Promise<void> {
    const record = await this.repo.claim(this.db, writtenRecordId, this.ctx.jobs.options.expireInSeconds ?? 300);
    if (!record) return;
    const profile = this.ctx.profiles.get(record.authority_id);
    try {
      const rendered: RenderedEmail =
        record.reason === 'mash-decision'
          ? await this.renderMashDecision(this.db, record)
          : await this.render(this.db, record.conversation_id, record.version, await this.surveyRootId(record));
      const result = await this.ctx.mailer.send({
        to: record.recipient,
        subject: rendered.subject,
        html: rendered.html,
        text: rendered.text,
        attachment: { filename: rendered.pdfFilename, content: rendered.pdf, contentType: 'application/pdf' },
        kind: 'written-record',
        reference: record.id,
        authorityId: record.authority_id,
        notify: { templateId: profile.writtenRecord.notifyTemplateId, replyToEmail: profile.writtenRecord.replyToEmail },
      });
      await this.repo.markSent(this.db, record.id, result.provider, result.providerMessageId, this.ctx.clock.now());
    } catch (err) {
      if (err instanceof PermanentDeliveryError || attempt.retryCount >= attempt.retryLimit) {
        const code = err instanceof PermanentDeliveryError ? err.code : 'gave-up-after-retries';
        await this.fail({ id: record.id }, code);
        return;
      }
      await this.repo.markRetrying(this.db, record.id, err instanceof Error ? err.message.slice(0, 80) : 'error');
      throw err;
    }
  }

  /** GOV.UK Notify tells us what became of a message. */
  async notifyCallback(body: { id: string; status: string }): Promise<'delivered' | 'failed' | 'ignored'> {
    const now = this.ctx.clock.now();
    if (body.status === 'delivered') {
      return (await this.repo.markDelivered(this.db, 'notify', body.id, now)) ? 'delivered' : 'ignored';
    }
    if (['permanent-failure', 'temporary-failure', 'technical-failure'].includes(body.status)) {
      return (await this.fail({ provider: 'notify', providerMessageId: body.id }, `notify-${body.status}`)) ? 'failed' : 'ignored';
    }
    return 'ignored';
  }

  private async fail(where: { id: string } | { provider: string; providerMessageId: string }, code: string) {
    return this.db.transaction().execute(async (tx) => {
      const failed = await this.repo.markFailed(tx, where, code, this.ctx.clock.now());
      if (!failed) return null;
      const c = await tx.selectFrom('conversations').select(['worker_id', 'reference']).where('id', '=', failed.conversation_id).executeTakeFirstOrThrow();
      const mash = failed.mash_enquiry_id
        ? await tx.selectFrom('mash_enquiries').select(['reference', 'decided_by']).where('id', '=', failed.mash_enquiry_id).executeTakeFirst()
        : undefined;
      await this.repo.insertTask(tx, {
        id: randomUUID(),
        authority_id: failed.authority_id,
        // The letter of a MASH decision is the deciding manager's to follow up; a record, the worker's.
        assigned_to: mash?.decided_by ?? c.worker_id,
        conversation_id: failed.conversation_id,
        written_record_id: failed.id,
        detail: mash
          ? `The MASH decision letter for ${mash.reference} (conversation ${c.reference}) could not be delivered. Phone the caller with the decision.`
          : `The written record for ${c.reference} could not be delivered. Phone the caller, or correct their email address and send it again.`,
        created_at: this.ctx.clock.now(),
      });
      return failed;
    });
  }

  private async surveyRootId(record: { id: string; conversation_id: string; version: number; reason: string }): Promise<string> {
    if (record.reason === 'completed' || record.reason === 'amended') return record.id;
    // A resend carries the same survey link as the version's first record: one caller, one survey.
    return (await this.repo.firstForVersion(this.db, record.conversation_id, record.version))?.id ?? record.id;
  }

  /** Builds the record for one version of a conversation (also used for the worker's preview). */
  async render(db: Executor, conversationId: string, version: number, surveyRootId: string | null): Promise<RenderedRecord> {
    const c = await db.selectFrom('conversations').selectAll().where('id', '=', conversationId).executeTakeFirstOrThrow();
    const profile = this.ctx.profiles.get(c.authority_id);
    const v = await db.selectFrom('conversation_versions').selectAll().where('conversation_id', '=', conversationId).where('version', '=', version).executeTakeFirstOrThrow();
    const prev = version > 1 ? await db.selectFrom('conversation_versions').selectAll().where('conversation_id', '=', conversationId).where('version', '=', version - 1).executeTakeFirst() : undefined;
    const children = await this.children(db, conversationId, version);
    const previousChildren = prev ? await this.children(db, conversationId, version - 1) : null;
    const worker = await db.selectFrom('users').select(['display_name', 'email', 'phone']).where('id', '=', c.worker_id).executeTakeFirstOrThrow();
    const token = surveyRootId ? surveyToken(this.ctx.config.sessionSecret, surveyRootId) : 'preview';
    const model = buildWrittenRecordModel({
      profile,
      conversation: { reference: c.reference, startedAt: c.started_at, service: c.service },
      version: v,
      previousVersion: prev ?? null,
      children,
      previousChildren,
      worker: { name: worker.display_name, email: worker.email, phone: worker.phone },
      surveyUrl: `${this.ctx.config.baseUrl}/survey/${token}`,
      sentAt: this.ctx.clock.now(),
    });
    const [html, text, pdf] = [renderHtml(model), renderText(model), await renderPdf(model)];
    return { model, subject: writtenRecordSubject(model), html, text, pdf, pdfFilename: writtenRecordPdfFilename(model) };
  }

  /** The letter of a MASH decision (see mash-decision-letter.ts): what was decided and why, naming no child. */
  async renderMashDecision(db: Executor, record: Pick<WrittenRecordRow, 'conversation_id' | 'mash_enquiry_id'>): Promise<RenderedEmail> {
    const e = await db.selectFrom('mash_enquiries').selectAll().where('id', '=', record.mash_enquiry_id!).executeTakeFirstOrThrow();
    const c = await db.selectFrom('conversations').select(['reference', 'started_at', 'service']).where('id', '=', record.conversation_id).executeTakeFirstOrThrow();
    const children = await db.selectFrom('mash_enquiry_children').select((eb) => eb.fn.countAll<string>().as('n')).where('enquiry_id', '=', e.id).executeTakeFirstOrThrow();
    const model = buildMashDecisionLetterModel({
      profile: this.ctx.profiles.get(e.authority_id),
      enquiry: { reference: e.reference, decisionCode: e.decision_code ?? '', rationale: e.decision_rationale ?? '', decidedAt: e.decided_at ?? this.ctx.clock.now(), childCount: Number(children.n) },
      conversation: { reference: c.reference, startedAt: c.started_at, service: c.service },
      sentAt: this.ctx.clock.now(),
    });
    const d = mashDecisionLetterDocument(model);
    const subject = mashDecisionLetterSubject(model);
    const pdf = await renderPdfDocument(d, {
      title: subject, author: model.serviceName, subject: `${d.title}: reference ${model.enquiryReference}`, sentAtIso: model.sentAtIso, pageReference: model.enquiryReference,
    });
    return { subject, html: renderHtmlDocument(d, subject), text: renderTextDocument(d), pdf, pdfFilename: mashDecisionLetterPdfFilename(model) };
  }

  private children(db: Executor, conversationId: string, version: number) {
    return db
      .selectFrom('conversation_children as cc')
      .innerJoin('persons as p', 'p.id', 'cc.person_id')
      .selectAll('cc')
      .select(['p.given_name', 'p.family_name', 'p.date_of_birth', 'p.expected_date_of_birth'])
      .where('cc.conversation_id', '=', conversationId)
      .where('cc.version', '=', version)
      .orderBy('cc.position')
      .execute();
  }

  deliveries(principal: Principal, conversationId: string) {
    return this.db.selectFrom('written_records').selectAll().where('conversation_id', '=', conversationId).where('authority_id', '=', principal.authorityId).orderBy('queued_at', 'desc').execute();
  }

  openTasks(principal: Principal) {
    return this.db
      .selectFrom('tasks as t')
      .leftJoin('conversations as c', 'c.id', 't.conversation_id')
      .select(['t.id', 't.detail', 't.created_at', 't.conversation_id', 'c.reference'])
      .where('t.assigned_to', '=', principal.id)
      .where('t.kind', '=', 'delivery-failed')
      .where('t.authority_id', '=', principal.authorityId)
      .where('t.done_at', 'is', null)
      .orderBy('t.created_at')
      .execute();
  }

  async completeTask(principal: Principal, taskId: string): Promise<void> {
    const res = await this.db
      .updateTable('tasks')
      .set({ done_at: this.ctx.clock.now(), done_by: principal.id })
      .where('id', '=', taskId)
      .where('assigned_to', '=', principal.id)
      .where('kind', '=', 'delivery-failed')
      .where('authority_id', '=', principal.authorityId)
      .where('done_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw notFound('task');
  }
}
