/**
 * issue10-G: the Idempotency-Key header on POST /api/v1/conversations.
 *
 * An integration that sent a conversation and never got the answer (the app was killed, the network
 * dropped, the database restarted) sends it again with the same key. If the first one was saved, the
 * retry gets the first answer back and nothing new is written; if it was not, the retry saves it.
 * The key is stored in the conversation's own transaction, so it exists exactly when the conversation
 * does. Two requests with the same key at the same moment: the second waits on the key's index entry
 * until the first commits, fails on it, and is answered from it.
 */
import { createHash } from 'node:crypto';
import type { Executor } from '../../platform/db/database.js';
import type { Principal } from '../../platform/auth/roles.js';
import { HttpError } from '../../platform/http/errors.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';

export interface IdempotentAnswer {
  status: number;
  body: { id: string; reference: string; status: string };
}

/** The header's value, checked: 1 to 200 visible ASCII characters (a UUID is a good choice). Absent: null. */
export function idempotencyKeyOf(headers: Record<string, string | string[] | undefined>): string | null {
  const raw = headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) return null;
  const value = Array.isArray(raw) ? null : raw;
  if (value === null || !/^[\x21-\x7e]{1,200}$/.test(value)) {
    throw new HttpError(400, 'The Idempotency-Key header is not valid', 'Send one Idempotency-Key of 1 to 200 visible ASCII characters, such as a UUID.', {
      errors: [{ field: 'Idempotency-Key', message: 'Use 1 to 200 visible ASCII characters' }],
    });
  }
  return value;
}

/** A fingerprint of the request as validated (defaults filled in), to tell a retry from a different request. */
export function requestFingerprint(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

/**
 * The answer stored for this caller's key, or null when the key is new. A key that came with a
 * different request is refused (422), as the IETF's Idempotency-Key draft says.
 */
export async function storedAnswer(db: Executor, principal: Principal, key: string, fingerprint: string): Promise<IdempotentAnswer | null> {
  const row = await db
    .selectFrom('api_idempotency_keys')
    .select(['request_hash', 'response_status', 'response_body'])
    .where('principal_id', '=', principal.id)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  if (!row) return null;
  if (row.request_hash !== fingerprint) {
    throw new HttpError(422, 'This Idempotency-Key was used for another request', 'Each new conversation needs a key of its own; send this one again only with the same body.', {
      errors: [{ field: 'Idempotency-Key', message: 'Already used for a different request' }],
    });
  }
  return { status: row.response_status, body: row.response_body as IdempotentAnswer['body'] };
}

/** Keeps the key with the answer, inside the conversation's transaction. */
export async function keepAnswer(tx: Executor, principal: Principal, key: string, fingerprint: string, conversationId: string, answer: IdempotentAnswer): Promise<void> {
  await tx
    .insertInto('api_idempotency_keys')
    .values({
      principal_id: principal.id,
      idempotency_key: key,
      authority_id: principal.authorityId,
      request_hash: fingerprint,
      conversation_id: conversationId,
      response_status: answer.status,
      response_body: JSON.stringify(answer.body),
    })
    .execute();
}

/** Whether an error is another request with the same key committing first. */
export function isKeyTaken(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string } | null;
  return e?.code === '23505' && e.constraint === 'api_idempotency_keys_pkey';
}
