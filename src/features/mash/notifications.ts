import { randomUUID } from 'node:crypto';
import { claimOutboxRow, markOutboxRetrying, markOutboxSent } from '../../platform/mail/outbox.js';
import type { Selectable } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import type { Executor, Tx } from '../../platform/db/database.js';
import type { NotificationsTable } from '../../platform/db/schema.js';
import { QUEUES } from '../../platform/jobs.js';
import { PermanentDeliveryError } from '../../platform/mail/mailer.js';

/**
 * Notifications to staff (not the caller's written record): an outbox row in `notifications`,
 * queued with its send job in the transaction that causes it, then sent by the `notification-send`
 * job through the same mailer as written records, with the same retries. A notification never
 * carries personal data about a child: a reference, an agency, a deadline and a link to sign in.
 */
export interface NewNotification {
  authorityId: string;
  kind: NotificationsTable['kind'];
  mashRequestId: string | null;
  /** What it is about, for kinds other than the MASH's (migration 0011). */
  subjectType?: string;
  subjectId?: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export class NotificationsRepository {
  /**
   * Adds notifications, skipping any already queued for the same kind, request and address
   * (the unique index of migration 0009). Returns the ids of the ones added.
   */
  async insert(db: Executor, rows: (NewNotification & { id: string; queuedAt: Date })[]): Promise<string[]> {
    if (rows.length === 0) return [];
    const added = await db
      .insertInto('notifications')
      .values(
        rows.map((n) => ({
          id: n.id, authority_id: n.authorityId, kind: n.kind, mash_request_id: n.mashRequestId, subject_type: n.subjectType ?? null, subject_id: n.subjectId ?? null, to_address: n.to,
          subject: n.subject, text_body: n.text, html: n.html, queued_at: n.queuedAt,
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .execute();
    return added.map((r) => r.id);
  }

  /**
   * Takes a notification for sending, like a written record (see WrittenRecordsRepository.claim):
   * nothing comes back when it is sent or failed, or while another sender holds it.
   */
  claim(db: Executor, id: string, staleAfterSeconds: number) {
    return claimOutboxRow(db, 'notifications', id, staleAfterSeconds) as Promise<Selectable<NotificationsTable> | undefined>;
  }

  markSent(db: Executor, id: string, provider: string, providerMessageId: string, at: Date) {
    return markOutboxSent(db, 'notifications', id, provider, providerMessageId, at);
  }

  markRetrying(db: Executor, id: string, error: string) {
    return markOutboxRetrying(db, 'notifications', id, error);
  }

  async markFailed(db: Executor, id: string, error: string, at: Date) {
    await db.updateTable('notifications').set({ status: 'failed', last_error: error, failed_at: at }).where('id', '=', id).where('status', 'in', ['queued', 'sending']).execute();
  }
}

export class NotificationSender {
  readonly repo = new NotificationsRepository();
  constructor(private readonly ctx: AppContext) {}

  /** Queues notifications and their send jobs in the caller's transaction (outside any row scope). */
  async queue(tx: Tx, notifications: NewNotification[]): Promise<string[]> {
    const now = this.ctx.clock.now();
    const ids = await this.repo.insert(tx, notifications.map((n) => ({ ...n, id: randomUUID(), queuedAt: now })));
    for (const id of ids) await this.ctx.jobs.enqueue(tx, QUEUES.sendNotification, { notificationId: id });
    return ids;
  }

  /**
   * The job: sends one notification. Safe to run more than once: one already sent or failed for
   * good is left alone. A permanent refusal, or running out of retries, marks it failed; the
   * alert is still on the MASH dashboard, which is where the coordinators work from.
   */
  async deliver(notificationId: string, attempt: { retryCount: number; retryLimit: number }): Promise<void> {
    const n = await this.repo.claim(this.ctx.db, notificationId, this.ctx.jobs.options.expireInSeconds ?? 300);
    if (!n) return;
    const profile = this.ctx.profiles.get(n.authority_id);
    try {
      const result = await this.ctx.mailer.send({
        to: n.to_address,
        subject: n.subject,
        html: n.html,
        text: n.text_body,
        kind: 'notification',
        reference: n.id,
        authorityId: n.authority_id,
        notify: { templateId: profile.writtenRecord.notifyTemplateId, replyToEmail: profile.writtenRecord.replyToEmail },
      });
      await this.repo.markSent(this.ctx.db, n.id, result.provider, result.providerMessageId, this.ctx.clock.now());
    } catch (err) {
      if (err instanceof PermanentDeliveryError || attempt.retryCount >= attempt.retryLimit) {
        await this.repo.markFailed(this.ctx.db, n.id, err instanceof PermanentDeliveryError ? err.code : 'gave-up-after-retries', this.ctx.clock.now());
        return;
      }
      await this.repo.markRetrying(this.ctx.db, n.id, err instanceof Error ? err.message.slice(0, 80) : 'error');
      throw err;
    }
  }
}
