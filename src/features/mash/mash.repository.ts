import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { Insertable } from 'kysely';
import type { DB, Rag } from '../../platform/db/schema.js';

/** The MASH's tables. Every read is scoped to an authority (and, for partners, to their agency). */
export class MashRepository {
  async nextReferenceNumber(db: Executor): Promise<number> {
    const r = await sql<{ n: number }>`select nextval('mash_reference_seq')::int as n`.execute(db);
    return r.rows[0]!.n;
  }

  insertEnquiry(db: Executor, row: Insertable<DB['mash_enquiries']>) {
    return db.insertInto('mash_enquiries').values(row).execute();
  }

  insertChildren(db: Executor, enquiryId: string, personIds: string[]) {
    if (!personIds.length) return Promise.resolve();
    return db
      .insertInto('mash_enquiry_children')
      .values(personIds.map((person_id) => ({ enquiry_id: enquiryId, person_id })))
      .onConflict((oc) => oc.columns(['enquiry_id', 'person_id']).doNothing())
      .execute();
  }

  findEnquiry(db: Executor, authorityId: string, id: string) {
    return db.selectFrom('mash_enquiries').selectAll().where('authority_id', '=', authorityId).where('id', '=', id).executeTakeFirst();
  }

  lockEnquiry(db: Executor, authorityId: string, id: string) {
    return db.selectFrom('mash_enquiries').selectAll().where('authority_id', '=', authorityId).where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async childIds(db: Executor, enquiryId: string): Promise<string[]> {
    const rows = await db.selectFrom('mash_enquiry_children').select('person_id').where('enquiry_id', '=', enquiryId).orderBy('person_id').execute();
    return rows.map((r) => r.person_id);
  }

  /** People of this authority among the given ids (to refuse others' children as not found). */
  async peopleIn(db: Executor, authorityId: string, ids: string[]) {
    if (!ids.length) return [];
    return db.selectFrom('persons').select(['id', 'household_id']).where('authority_id', '=', authorityId).where('id', 'in', ids).execute();
  }

  /**
   * What a partner agency needs to search its systems: the children and the members of their
   * households – names, dates of birth and addresses only.
   */
  async searchDetails(db: Executor, authorityId: string, enquiryIds: string[]) {
    if (!enquiryIds.length) return [];
    return db
      .selectFrom('mash_enquiry_children as ec')
      .innerJoin('persons as c', 'c.id', 'ec.person_id')
      .innerJoin('persons as p', (j) =>
        j.on((eb) => eb.or([eb('p.id', '=', eb.ref('c.id')), eb.and([eb('c.household_id', 'is not', null), eb('p.household_id', '=', eb.ref('c.household_id'))])])),
      )
      .select([
        'ec.enquiry_id', 'c.id as child_id', 'p.id', 'p.given_name', 'p.family_name', 'p.date_of_birth', 'p.expected_date_of_birth',
        'p.address_line_1', 'p.address_line_2', 'p.town', 'p.postcode',
      ])
      .where('ec.enquiry_id', 'in', enquiryIds)
      .where('c.authority_id', '=', authorityId)
      .where('p.authority_id', '=', authorityId)
      .orderBy('ec.enquiry_id').orderBy('p.family_name').orderBy('p.given_name')
      .execute();
  }

  setRating(db: Executor, id: string, lockVersion: number, values: { rag: Rag; rated_at: Date; rated_by: string | null; due_at: Date; status?: 'checks' }) {
    return db
      .updateTable('mash_enquiries')
      .set({ ...values, lock_version: sql`lock_version + 1` })
      .where('id', '=', id)
      .where('lock_version', '=', lockVersion)
      .executeTakeFirst();
  }

  insertRatingChange(db: Executor, row: Insertable<DB['mash_rating_changes']>) {
    return db.insertInto('mash_rating_changes').values(row).execute();
  }

  ratingChanges(db: Executor, enquiryId: string) {
    return db.selectFrom('mash_rating_changes').selectAll().where('enquiry_id', '=', enquiryId).orderBy('changed_at').orderBy('id').execute();
  }

  redueOpenRequests(db: Executor, enquiryId: string, dueAt: Date) {
    return db.updateTable('mash_check_requests').set({ due_at: dueAt }).where('enquiry_id', '=', enquiryId).where('status', '=', 'open').execute();
  }

  requests(db: Executor, enquiryId: string) {
    return db.selectFrom('mash_check_requests').selectAll().where('enquiry_id', '=', enquiryId).orderBy('agency_code').execute();
  }

  insertRequests(db: Executor, rows: Insertable<DB['mash_check_requests']>[]) {
    if (!rows.length) return Promise.resolve([]);
    return db.insertInto('mash_check_requests').values(rows).onConflict((oc) => oc.columns(['enquiry_id', 'agency_code']).doNothing()).returning('agency_code').execute();
  }

  setStatus(db: Executor, id: string, status: 'checks' | 'collation' | 'decision' | 'closed') {
    return db.updateTable('mash_enquiries').set({ status, lock_version: sql`lock_version + 1` }).where('id', '=', id).execute();
  }

  /** A partner's open and answered requests: scoped to the authorities they serve and their own agency. */
  requestsForAgency(db: Executor, authorityIds: string[], agencyCode: string) {
    return db
      .selectFrom('mash_check_requests as r')
      .innerJoin('mash_enquiries as e', 'e.id', 'r.enquiry_id')
      .select(['r.id', 'r.enquiry_id', 'r.authority_id', 'r.agency_code', 'r.due_at', 'r.sent_at', 'r.status', 'r.answered_at', 'e.reference', 'e.rag'])
      .where('r.authority_id', 'in', authorityIds)
      .where('e.authority_id', 'in', authorityIds)
      .where('r.agency_code', '=', agencyCode)
      .where('r.status', '<>', 'withdrawn')
      .orderBy('r.due_at')
      .execute();
  }

  lockRequestForAgency(db: Executor, authorityIds: string[], agencyCode: string, requestId: string) {
    return db
      .selectFrom('mash_check_requests')
      .selectAll()
      .where('id', '=', requestId)
      .where('authority_id', 'in', authorityIds)
      .where('agency_code', '=', agencyCode)
      .forUpdate()
      .executeTakeFirst();
  }

  insertResponse(db: Executor, row: Insertable<DB['mash_check_responses']>) {
    return db.insertInto('mash_check_responses').values(row).execute();
  }

  findResponse(db: Executor, requestId: string, id: string) {
    return db.selectFrom('mash_check_responses').selectAll().where('request_id', '=', requestId).where('id', '=', id).executeTakeFirst();
  }

  markAnswered(db: Executor, requestId: string, at: Date) {
    return db.updateTable('mash_check_requests').set({ status: 'answered', answered_at: at }).where('id', '=', requestId).where('status', '=', 'open').execute();
  }

  async openRequestCount(db: Executor, enquiryId: string): Promise<number> {
    const r = await db.selectFrom('mash_check_requests').select((eb) => eb.fn.countAll<number>().as('n')).where('enquiry_id', '=', enquiryId).where('status', '=', 'open').executeTakeFirstOrThrow();
    return Number(r.n);
  }

  responses(db: Executor, requestIds: string[]) {
    if (!requestIds.length) return Promise.resolve([]);
    return db
      .selectFrom('mash_check_responses as x')
      .leftJoin('users as u', 'u.id', 'x.responded_by')
      .selectAll('x')
      .select('u.display_name as responder_name')
      .where('x.request_id', 'in', requestIds)
      .orderBy('x.responded_at')
      .orderBy('x.id')
      .execute();
  }

  saveAnalysis(db: Executor, id: string, lockVersion: number, values: { analysis_risks: string; analysis_strengths: string; analysis_unknowns: string; analysed_by: string | null; analysed_at: Date }) {
    return db
      .updateTable('mash_enquiries')
      .set({ ...values, status: 'decision', lock_version: sql`lock_version + 1` })
      .where('id', '=', id)
      .where('lock_version', '=', lockVersion)
      .executeTakeFirst();
  }

  decide(db: Executor, id: string, lockVersion: number, values: { decision_code: string; decision_rationale: string; decided_by: string | null; decided_at: Date }) {
    return db
      .updateTable('mash_enquiries')
      .set({ ...values, status: 'closed', lock_version: sql`lock_version + 1` })
      .where('id', '=', id)
      .where('lock_version', '=', lockVersion)
      .executeTakeFirst();
  }

  /** Open requests past their deadline, oldest first, across all authorities (for the alert job). */
  overdue(db: Executor, now: Date) {
    return db
      .selectFrom('mash_check_requests as r')
      .innerJoin('mash_enquiries as e', 'e.id', 'r.enquiry_id')
      .select(['r.id', 'r.enquiry_id', 'r.authority_id', 'r.agency_code', 'r.due_at', 'r.sent_at', 'r.overdue_alerted_at', 'e.reference', 'e.rag', 'e.hub_id'])
      .where('r.status', '=', 'open')
      .where('r.due_at', '<', now)
      .orderBy('r.due_at')
      .execute();
  }
}
