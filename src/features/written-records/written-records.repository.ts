import { claimOutboxRow, markOutboxRetrying, markOutboxSent } from '../../platform/mail/outbox.js';
import type { Executor } from '../../platform/db/database.js';
import type { WrittenRecordRow } from '../../platform/db/schema.js';

export class WrittenRecordsRepository {
  async insert(db: Executor, row: { id: string; authority_id: string; conversation_id: string; version: number; amended: boolean; recipient: string; reason: WrittenRecordRow['reason']; requested_by: string | null; queued_at: Date; mash_enquiry_id?: string | null }) {
    await db.insertInto('written_records').values(row).execute();
  }

  /** The first record sent for a version: its id is the root of that version's survey link. */
  firstForVersion(db: Executor, conversationId: string, version: number) {
    return db
      .selectFrom('written_records')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('version', '=', version)
      .where('reason', 'in', ['completed', 'amended'])
      .orderBy('queued_at')
      .limit(1)
      .executeTakeFirst();
  }

  /**
   * Takes a record for sending. Nothing comes back when it has been sent or has failed for good,
   * or while another sender holds it: a record left 'sending' (its sender died) can be taken over
   * only after `staleAfterSeconds`, so two senders never send the same record at once.
   * Database time, not the app's clock: the claim is about real elapsed time.
   */
  claim(db: Executor, id: string, staleAfterSeconds: number) {
    return claimOutboxRow(db, 'written_records', id, staleAfterSeconds) as Promise<WrittenRecordRow | undefined>;
  }

  markSent(db: Executor, id: string, provider: string, providerMessageId: string, at: Date) {
    return markOutboxSent(db, 'written_records', id, provider, providerMessageId, at);
  }

  markRetrying(db: Executor, id: string, error: string) {
    return markOutboxRetrying(db, 'written_records', id, error);
  }

  markFailed(db: Executor, where: { id: string } | { provider: string; providerMessageId: string }, error: string, at: Date) {
    let q = db.updateTable('written_records').set({ status: 'failed', last_error: error, failed_at: at }).where('status', 'in', ['queued', 'sending', 'sent']);
    q = 'id' in where ? q.where('id', '=', where.id) : q.where('provider', '=', where.provider).where('provider_message_id', '=', where.providerMessageId);
    return q.returningAll().executeTakeFirst();
  }

  markDelivered(db: Executor, provider: string, providerMessageId: string, at: Date) {
    return db
      .updateTable('written_records')
      .set({ status: 'delivered', delivered_at: at })
      .where('provider', '=', provider)
      .where('provider_message_id', '=', providerMessageId)
      .where('status', 'in', ['sent', 'sending'])
      .returningAll()
      .executeTakeFirst();
  }

  forConversation(db: Executor, conversationId: string) {
    return db.selectFrom('written_records').selectAll().where('conversation_id', '=', conversationId).orderBy('queued_at', 'desc').execute();
  }

  find(db: Executor, id: string) {
    return db.selectFrom('written_records').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insertTask(db: Executor, row: { id: string; authority_id: string; assigned_to: string; conversation_id: string; written_record_id: string; detail: string; created_at: Date }) {
    await db
      .insertInto('tasks')
      .values({ ...row, kind: 'delivery-failed' })
      .onConflict((oc) => oc.column('written_record_id').where('done_at', 'is', null).doNothing())
      .execute();
  }
}
