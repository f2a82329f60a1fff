import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { CallRow, CallbackRow, PresenceStatus } from '../../platform/db/schema.js';

export interface StoredResponse {
  status: number;
  contentType: string;
  body: string;
}

/** The SQL of the phone line: calls, their events, callbacks, presence and webhook receipts. */
export class TelephonyRepository {
  /**
   * Claims a webhook's idempotency key inside the caller's transaction. Returns the stored answer when
   * the key was seen before (a retry or a replay); otherwise null, and the caller does the work and
   * then `storeReceipt`s its answer in the same transaction. A concurrent duplicate waits on the key's
   * index entry until the first commits, then sees its answer.
   */
  async claimReceipt(tx: Executor, key: string, source: string, at: Date): Promise<StoredResponse | null> {
    const inserted = await tx
      .insertInto('webhook_receipts')
      .values({ key, source, received_at: at, status: 0, content_type: '', body: '' })
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('key')
      .executeTakeFirst();
    if (inserted) return null;
    const row = await tx.selectFrom('webhook_receipts').selectAll().where('key', '=', key).executeTakeFirstOrThrow();
    return { status: row.status, contentType: row.content_type, body: row.body };
  }

  async storeReceipt(tx: Executor, key: string, response: StoredResponse): Promise<void> {
    await tx
      .updateTable('webhook_receipts')
      .set({ status: response.status, content_type: response.contentType, body: response.body })
      .where('key', '=', key)
      .execute();
  }

  async findCall(db: Executor, source: 'twilio' | 'cti', externalId: string, forUpdate = false): Promise<CallRow | undefined> {
    let q = db.selectFrom('calls').selectAll().where('source', '=', source).where('external_id', '=', externalId);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  async callById(db: Executor, authorityId: string, id: string): Promise<CallRow | undefined> {
    return db.selectFrom('calls').selectAll().where('authority_id', '=', authorityId).where('id', '=', id).executeTakeFirst();
  }

  async insertCall(tx: Executor, row: Omit<CallRow, 'queued_at' | 'answered_at' | 'ended_at' | 'worker_id' | 'transferred_to' | 'conversation_id' | 'option_digit' | 'queue_code' | 'outcome'> & Partial<CallRow>): Promise<CallRow> {
    return tx.insertInto('calls').values(row).returningAll().executeTakeFirstOrThrow();
  }

  async updateCall(tx: Executor, id: string, changes: Partial<Omit<CallRow, 'id' | 'authority_id' | 'source' | 'external_id'>>): Promise<CallRow> {
    return tx.updateTable('calls').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  }

  async addEvent(tx: Executor, callId: string, kind: string, at: Date, workerId: string | null, detail: Record<string, unknown> = {}): Promise<void> {
    await tx.insertInto('call_events').values({ call_id: callId, kind, at, worker_id: workerId, detail: JSON.stringify(detail) }).execute();
  }

  async events(db: Executor, callId: string) {
    return db.selectFrom('call_events').selectAll().where('call_id', '=', callId).orderBy('id').execute();
  }

  /** The call that has waited longest in any of `queues` (all of the authority's when empty). */
  async oldestWaiting(db: Executor, authorityId: string, queues: string[]): Promise<CallRow | undefined> {
    let q = db.selectFrom('calls').selectAll().where('authority_id', '=', authorityId).where('state', '=', 'queued');
    if (queues.length) q = q.where('queue_code', 'in', queues);
    return q.orderBy('queued_at').orderBy('id').limit(1).executeTakeFirst();
  }

  async liveCalls(db: Executor, authorityId: string): Promise<CallRow[]> {
    return db.selectFrom('calls').selectAll().where('authority_id', '=', authorityId).where('state', '<>', 'ended').orderBy('offered_at').execute();
  }

  async openCallbacks(db: Executor, authorityId: string) {
    return db
      .selectFrom('callbacks')
      .leftJoin('users', 'users.id', 'callbacks.claimed_by')
      .selectAll('callbacks')
      .select('users.display_name as claimed_by_name')
      .where('callbacks.authority_id', '=', authorityId)
      .where('callbacks.status', 'in', ['waiting', 'in-progress'])
      .orderBy('callbacks.requested_at')
      .execute();
  }

  async callbackById(db: Executor, authorityId: string, id: string, forUpdate = false): Promise<CallbackRow | undefined> {
    let q = db.selectFrom('callbacks').selectAll().where('authority_id', '=', authorityId).where('id', '=', id);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  async insertCallback(tx: Executor, row: CallbackRow): Promise<void> {
    await tx.insertInto('callbacks').values(row).onConflict((oc) => oc.column('call_id').doNothing()).execute();
  }

  async updateCallback(tx: Executor, id: string, changes: Partial<CallbackRow>): Promise<void> {
    await tx.updateTable('callbacks').set(changes).where('id', '=', id).execute();
  }

  async presence(db: Executor, userId: string) {
    return db.selectFrom('worker_presence').selectAll().where('user_id', '=', userId).executeTakeFirst();
  }

  async setPresence(tx: Executor, authorityId: string, userId: string, status: PresenceStatus, at: Date, callId: string | null): Promise<void> {
    await tx
      .insertInto('worker_presence')
      .values({ user_id: userId, authority_id: authorityId, status, since: at, call_id: callId })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ status, since: at, call_id: callId }))
      .execute();
  }

  async presenceList(db: Executor, authorityId: string) {
    return db
      .selectFrom('worker_presence')
      .innerJoin('users', 'users.id', 'worker_presence.user_id')
      .select(['worker_presence.user_id', 'worker_presence.status', 'worker_presence.since', 'worker_presence.call_id', 'users.display_name'])
      .where('worker_presence.authority_id', '=', authorityId)
      .where('worker_presence.status', '<>', 'offline')
      .where('users.disabled_at', 'is', null)
      .orderBy('users.display_name')
      .execute();
  }

  /** Today's figures for the wallboard, straight from the calls of the day (an index range scan). */
  async dayFigures(db: Executor, authorityId: string, from: Date, to: Date) {
    const rows = await db
      .selectFrom('calls')
      .select(['queue_code', 'outcome', 'state', 'queued_at', 'answered_at'])
      .where('authority_id', '=', authorityId)
      .where('offered_at', '>=', from)
      .where('offered_at', '<', to)
      .execute();
    return rows;
  }

  async workerUser(db: Executor, authorityId: string, idOrEmail: string) {
    const byId = /^[0-9a-f-]{36}$/i.test(idOrEmail);
    return db
      .selectFrom('users')
      .select(['id', 'authority_id', 'role', 'display_name', 'email'])
      .where('authority_id', '=', authorityId)
      .where('disabled_at', 'is', null)
      .where(byId ? 'id' : sql<string>`lower(email)`, '=', byId ? idOrEmail : idOrEmail.toLowerCase())
      .executeTakeFirst();
  }

  /**
   * Earlier conversations with a caller on this number, newest first: who they were and what was agreed.
   * `nationalDigits` is the number as a UK caller dials it, digits only (07700900982).
   */
  async conversationsFromNumber(db: Executor, authorityId: string, nationalDigits: string, limit = 10) {
    return db
      .selectFrom('conversation_versions as v')
      .innerJoin('conversations as c', (j) => j.onRef('c.id', '=', 'v.conversation_id').onRef('c.current_version', '=', 'v.version'))
      .select(['c.id', 'c.reference', 'c.started_at', 'c.status', 'v.caller_name', 'v.caller_role', 'v.caller_agency_code', 'v.caller_agency_other', 'v.caller_email', 'v.caller_type', 'v.version'])
      .where('c.authority_id', '=', authorityId)
      .where(sql<string>`regexp_replace(v.caller_phone, '[^0-9]', '', 'g')`, '=', nationalDigits)
      .where('v.caller_phone', 'is not', null)
      .orderBy('c.started_at', 'desc')
      .limit(limit)
      .execute();
  }

  async childrenWithOutcomes(db: Executor, pairs: { id: string; version: number }[]) {
    if (pairs.length === 0) return [];
    return db
      .selectFrom('conversation_children as cc')
      .innerJoin('persons as p', 'p.id', 'cc.person_id')
      .select(['cc.conversation_id', 'cc.version', 'cc.person_id', 'cc.outcome_code', 'p.given_name', 'p.family_name', 'p.expected_date_of_birth'])
      .where((eb) => eb.or(pairs.map((p) => eb.and([eb('cc.conversation_id', '=', p.id), eb('cc.version', '=', p.version)]))))
      .orderBy('cc.position')
      .execute();
  }
}
