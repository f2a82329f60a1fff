import { sql, type Insertable, type Selectable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { ReferralChildrenTable, ReferralsTable } from '../../platform/db/schema.js';

export type ReferralRow = Selectable<ReferralsTable>;
export type ReferralChildRow = Selectable<ReferralChildrenTable>;

/** A referral as the queue lists it. */
export interface QueueRow {
  id: string;
  reference: string;
  agency_code: string;
  referrer_name: string;
  immediacy: string;
  received_at: Date;
  due_at: Date;
  status: ReferralRow['status'];
  closed_at: Date | null;
  possible_duplicate_of: string | null;
  duplicate_resolution: 'same' | 'different' | null;
  duplicate_reference: string | null;
  repeats: number;
  children: string | null;
}

export class ReferralsRepository {
  async nextReferenceNumber(db: Executor): Promise<number> {
    const r = await sql<{ n: number }>`select nextval('referral_reference_seq')::int as n`.execute(db);
    return r.rows[0]!.n;
  }

  byIncident(db: Executor, authorityId: string, agencyCode: string, key: string): Promise<ReferralRow | undefined> {
    return db.selectFrom('referrals').selectAll().where('authority_id', '=', authorityId).where('agency_code', '=', agencyCode).where('incident_reference_key', '=', key).executeTakeFirst();
  }

  /** Inserts unless the same incident from the same agency is already there: true when this call did it. */
  async insert(db: Executor, row: Insertable<ReferralsTable>): Promise<boolean> {
    const r = await db
      .insertInto('referrals')
      .values(row)
      .onConflict((oc) => oc.columns(['authority_id', 'agency_code', 'incident_reference_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return r !== undefined;
  }

  async insertChildren(db: Executor, rows: Insertable<ReferralChildrenTable>[]) {
    if (rows.length) await db.insertInto('referral_children').values(rows).execute();
  }

  async insertRepeat(db: Executor, row: { id: string; referral_id: string; received_at: Date; channel: 'page' | 'api'; submitted_by_user_id: string | null; submitted_by_service_account_id: string | null }) {
    await db.insertInto('referral_repeats').values(row).execute();
  }

  find(db: Executor, authorityId: string, id: string): Promise<ReferralRow | undefined> {
    return db.selectFrom('referrals').selectAll().where('id', '=', id).where('authority_id', '=', authorityId).executeTakeFirst();
  }

  findForUpdate(db: Executor, authorityId: string, id: string): Promise<ReferralRow | undefined> {
    return db.selectFrom('referrals').selectAll().where('id', '=', id).where('authority_id', '=', authorityId).forUpdate().executeTakeFirst();
  }

  children(db: Executor, referralIds: string[]): Promise<ReferralChildRow[]> {
    if (referralIds.length === 0) return Promise.resolve([]);
    return db.selectFrom('referral_children').selectAll().where('referral_id', 'in', referralIds).orderBy('referral_id').orderBy('position').execute();
  }

  repeats(db: Executor, referralId: string) {
    return db
      .selectFrom('referral_repeats as r')
      .leftJoin('users as u', 'u.id', 'r.submitted_by_user_id')
      .leftJoin('service_accounts as s', 's.id', 'r.submitted_by_service_account_id')
      .select(['r.id', 'r.received_at', 'r.channel', 'u.display_name as user_name', 's.name as account_name'])
      .where('r.referral_id', '=', referralId)
      .orderBy('r.received_at')
      .execute();
  }

  /** Other referrals of the authority whose incident is within `windowHours` of `at` and not themselves closed as duplicates. */
  nearIncidents(db: Executor, authorityId: string, excludeId: string, at: Date, windowHours: number): Promise<ReferralRow[]> {
    const ms = windowHours * 3_600_000;
    return db
      .selectFrom('referrals')
      .selectAll()
      .where('authority_id', '=', authorityId)
      .where('id', '!=', excludeId)
      .where('status', '!=', 'duplicate')
      .where('incident_at', '>=', new Date(at.getTime() - ms))
      .where('incident_at', '<=', new Date(at.getTime() + ms))
      .orderBy('received_at')
      .execute();
  }

  async update(db: Executor, id: string, set: Partial<Omit<ReferralRow, 'id' | 'authority_id'>>, where: { status?: ReferralRow['status'] } = {}): Promise<boolean> {
    let q = db.updateTable('referrals').set({ ...set, lock_version: sql`lock_version + 1` }).where('id', '=', id);
    if (where.status) q = q.where('status', '=', where.status);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async matchChild(db: Executor, referralId: string, childId: string, personId: string, userId: string, at: Date) {
    await db.updateTable('referral_children').set({ person_id: personId, matched_by: userId, matched_at: at }).where('id', '=', childId).where('referral_id', '=', referralId).execute();
  }

  private queueQuery(db: Executor, authorityId: string) {
    return db
      .selectFrom('referrals as r')
      .leftJoin('referrals as d', 'd.id', 'r.possible_duplicate_of')
      .select([
        'r.id', 'r.reference', 'r.agency_code', 'r.referrer_name', 'r.immediacy', 'r.received_at', 'r.due_at', 'r.status', 'r.closed_at',
        'r.possible_duplicate_of', 'r.duplicate_resolution', 'd.reference as duplicate_reference',
        (eb) => eb.selectFrom('referral_repeats as x').select(sql<number>`count(*)::int`.as('n')).whereRef('x.referral_id', '=', 'r.id').as('repeats'),
        (eb) =>
          eb
            .selectFrom('referral_children as c')
            .select(sql<string>`string_agg(coalesce(nullif(trim(coalesce(c.given_name, '') || ' ' || coalesce(c.family_name, '')), ''), 'Unborn child'), ', ' order by c.position)`.as('names'))
            .whereRef('c.referral_id', '=', 'r.id')
            .as('children'),
      ])
      .where('r.authority_id', '=', authorityId);
  }

  /** Waiting referrals, soonest due first. */
  async waiting(db: Executor, authorityId: string): Promise<QueueRow[]> {
    return (await this.queueQuery(db, authorityId).where('r.status', '=', 'waiting').orderBy('r.due_at').orderBy('r.reference').execute()) as QueueRow[];
  }

  /** The latest referrals dealt with (phoned back, decided or closed as duplicates). */
  async recentlyDealtWith(db: Executor, authorityId: string, limit: number): Promise<QueueRow[]> {
    return (await this.queueQuery(db, authorityId).where('r.status', '!=', 'waiting').orderBy('r.closed_at', 'desc').orderBy('r.received_at', 'desc').limit(limit).execute()) as QueueRow[];
  }

  waitingTimes(db: Executor, authorityId: string) {
    return db.selectFrom('referrals').select(['due_at']).where('authority_id', '=', authorityId).where('status', '=', 'waiting').execute();
  }

  /** Referrals about any of these people (matched children), newest first. */
  forPeople(db: Executor, authorityId: string, personIds: string[]) {
    return db
      .selectFrom('referrals as r')
      .innerJoin('referral_children as c', 'c.referral_id', 'r.id')
      .select(['r.id', 'r.reference', 'r.agency_code', 'r.received_at', 'r.status', 'r.conversation_id', 'r.decision_code'])
      .distinct()
      .where('r.authority_id', '=', authorityId)
      .where('c.person_id', 'in', personIds)
      .orderBy('r.received_at', 'desc')
      .execute();
  }

  /** The latest referrals an agency sent: references and status only, nothing about the children. */
  sentByAgency(db: Executor, authorityId: string, agencyCode: string, limit: number) {
    return db
      .selectFrom('referrals')
      .select(['id', 'reference', 'incident_reference', 'received_at', 'status'])
      .where('authority_id', '=', authorityId)
      .where('agency_code', '=', agencyCode)
      .orderBy('received_at', 'desc')
      .limit(limit)
      .execute();
  }

  forConversations(db: Executor, authorityId: string, conversationIds: string[]) {
    return db
      .selectFrom('referrals')
      .select(['id', 'reference', 'agency_code', 'received_at', 'conversation_id'])
      .where('authority_id', '=', authorityId)
      .where('conversation_id', 'in', conversationIds)
      .execute();
  }

  conversationReference(db: Executor, conversationId: string) {
    return db.selectFrom('conversations').select(['id', 'reference', 'status']).where('id', '=', conversationId).executeTakeFirst();
  }

  referenceOf(db: Executor, id: string) {
    return db.selectFrom('referrals').select(['id', 'reference', 'status']).where('id', '=', id).executeTakeFirst();
  }

  userName(db: Executor, id: string | null) {
    if (!id) return Promise.resolve(undefined);
    return db.selectFrom('users').select(['display_name']).where('id', '=', id).executeTakeFirst();
  }

  accountName(db: Executor, id: string | null) {
    if (!id) return Promise.resolve(undefined);
    return db.selectFrom('service_accounts').select(['name']).where('id', '=', id).executeTakeFirst();
  }

  /** People of the authority by id (names and dates of birth only, for the matched children). */
  persons(db: Executor, authorityId: string, ids: string[]) {
    if (ids.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('persons')
      .select(['id', 'given_name', 'family_name', 'date_of_birth', 'expected_date_of_birth', 'postcode'])
      .where('authority_id', '=', authorityId)
      .where('id', 'in', ids)
      .execute();
  }
}
