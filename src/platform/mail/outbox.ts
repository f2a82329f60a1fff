import { sql } from 'kysely';
import type { Executor } from '../db/database.js';

/**
 * The durable outbox's sending steps, shared by the caller's written records and staff notifications:
 * both tables keep status, attempts, claimed_at, provider, provider_message_id, sent_at and last_error.
 */
export type OutboxTable = 'written_records' | 'notifications';

/**
 * Takes a queued message for sending. Nothing comes back when it is already sent or failed, or while
 * another sender holds it: one left 'sending' (its sender died) can be taken over only after
 * `staleAfterSeconds`, so two senders never send the same message at once. Database time, not the
 * app's clock: the claim is about real elapsed time.
 */
export function claimOutboxRow<T extends OutboxTable>(db: Executor, table: T, id: string, staleAfterSeconds: number) {
  return db
    .updateTable(table as OutboxTable)
    .set({ status: 'sending', attempts: sql`attempts + 1`, claimed_at: sql`now()` })
    .where('id', '=', id)
    .where((eb) =>
      eb.or([
        eb('status', '=', 'queued'),
        eb.and([eb('status', '=', 'sending'), eb('claimed_at', '<', sql<Date>`now() - make_interval(secs => ${staleAfterSeconds})`)]),
      ]),
    )
    .returningAll()
    .executeTakeFirst();
}

/** The provider took the message. */
export async function markOutboxSent(db: Executor, table: OutboxTable, id: string, provider: string, providerMessageId: string, at: Date): Promise<void> {
  await db
    .updateTable(table)
    .set({ status: 'sent', provider, provider_message_id: providerMessageId, sent_at: at, last_error: null })
    .where('id', '=', id)
    .where('status', '=', 'sending')
    .execute();
}

/** A temporary failure: back in the queue for the job's next retry. `error` is a category, never the message. */
export async function markOutboxRetrying(db: Executor, table: OutboxTable, id: string, error: string): Promise<void> {
  await db.updateTable(table).set({ status: 'queued', last_error: error }).where('id', '=', id).where('status', '=', 'sending').execute();
}
