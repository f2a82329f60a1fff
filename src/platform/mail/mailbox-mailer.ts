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
    const row = await this.db
      .insertInto('mailbox_messages')
      .values({
        id,
        authority_id: email.authorityId,
        written_record_id: email.reference,
        to_address: email.to,
        subject: email.subject,
        html: email.html,
        text_body: email.text,
        pdf: email.attachment.content,
        pdf_filename: email.attachment.filename,
        created_at: this.clock.now(),
      })
      // A retried send finds the message already in the mailbox.
      .onConflict((oc) => oc.column('written_record_id').doUpdateSet({ to_address: email.to }))
      .returning('id')
      .executeTakeFirstOrThrow();
    return { provider: 'mailbox', providerMessageId: row.id };
  }
}
