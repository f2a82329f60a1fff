import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.js';
import type { Clock } from '../context.js';
import type { Mailer, OutgoingEmail, SendResult } from './mailer.js';

/**
 * Keeps messages in the `mailbox_messages` table instead of sending them, so the embedded demo
 * (or a test deployment) can show exactly what callers would receive.
 */
export class MailboxMailer implements Mailer {
  readonly name = 'mailbox' as const;
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  async send(email: OutgoingEmail): Promise<SendResult> {
    const id = randomUUID();
    const source = email.kind === 'notification' ? 'notification_id' : 'written_record_id';
    const row = await this.db
      .insertInto('mailbox_messages')
      .values({
        id,
        authority_id: email.authorityId,
        written_record_id: email.kind === 'written-record' ? email.reference : null,
        notification_id: email.kind === 'notification' ? email.reference : null,
        to_address: email.to,
        subject: email.subject,
        html: email.html,
        text_body: email.text,
        pdf: email.attachment?.content ?? null,
        pdf_filename: email.attachment?.filename ?? null,
        created_at: this.clock.now(),
      })
      // A retried send finds the message already in the mailbox.
      .onConflict((oc) => oc.column(source).doUpdateSet({ to_address: email.to }))
      .returning('id')
      .executeTakeFirstOrThrow();
    return { provider: 'mailbox', providerMessageId: row.id };
  }
}
