import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { Insertable } from 'kysely';
import type { DB, MashStatus, Rag } from '../../platform/db/schema.js';

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

  /** One request for a partner: scoped to the authorities they serve and their own agency. */
  requestForAgency(db: Executor, authorityIds: string[], agencyCode: string, requestId: string) {
    return db
      .selectFrom('mash_check_requests as r')
      .innerJoin('mash_enquiries as e', 'e.id', 'r.enquiry_id')
      .select(['r.id', 'r.enquiry_id', 'r.authority_id', 'r.agency_code', 'r.due_at', 'r.sent_at', 'r.status', 'r.answered_at', 'e.reference', 'e.rag', 'e.questions'])
      .where('r.id', '=', requestId)
      .where('r.authority_id', 'in', authorityIds)
      .where('e.authority_id', 'in', authorityIds)
      .where('r.agency_code', '=', agencyCode)
      .where('r.status', '<>', 'withdrawn')
      .executeTakeFirst();
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
      .leftJoin('service_accounts as sa', 'sa.id', 'x.responded_by_account')
      .selectAll('x')
      .select((eb) => eb.fn.coalesce('u.display_name', 'sa.name').as('responder_name'))
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

  /**
   * One page of the dashboard: an authority's enquiries, those awaiting a rating first, then by
   * deadline. Request counts come from the page's own enquiries only, so the cost does not grow
   * with the number of open enquiries beyond the index scan.
   */
  async dashboardPage(
    db: Executor,
    authorityId: string,
    f: { statuses: MashStatus[]; rag: Rag | null; overdueOnly: boolean; reference: string | null; now: Date; limit: number; offset: number },
  ) {
    let q = db.selectFrom('mash_enquiries as e').where('e.authority_id', '=', authorityId).where('e.status', 'in', f.statuses);
    if (f.rag) q = q.where('e.rag', '=', f.rag);
    if (f.reference) q = q.where('e.reference', 'ilike', `%${f.reference.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    if (f.overdueOnly) {
      q = q.where(({ exists, selectFrom }) =>
        exists(selectFrom('mash_check_requests as r').select('r.id').whereRef('r.enquiry_id', '=', 'e.id').where('r.status', '=', 'open').where('r.due_at', '<=', f.now)),
      );
    }
    const [rows, total] = await Promise.all([
      q
        .select(['e.id', 'e.reference', 'e.rag', 'e.status', 'e.due_at', 'e.created_at', 'e.conversation_id', 'e.decided_at', 'e.decision_code'])
        .orderBy(sql`case when e.status = 'awaiting-rating' then 0 when e.status = 'closed' then 2 else 1 end`)
        .orderBy('e.due_at', (ob) => ob.asc().nullsFirst())
        .orderBy('e.created_at')
        .orderBy('e.id')
        .limit(f.limit)
        .offset(f.offset)
        .execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    const ids = rows.map((r) => r.id);
    const [requests, children] = ids.length
      ? await Promise.all([
          db.selectFrom('mash_check_requests').select(['id', 'enquiry_id', 'agency_code', 'status', 'due_at', 'answered_at']).where('enquiry_id', 'in', ids).orderBy('agency_code').execute(),
          db
            .selectFrom('mash_enquiry_children as ec')
            .innerJoin('persons as p', 'p.id', 'ec.person_id')
            .select(['ec.enquiry_id', 'p.id', 'p.given_name', 'p.family_name'])
            .where('ec.enquiry_id', 'in', ids)
            .where('p.authority_id', '=', authorityId)
            .orderBy('p.family_name').orderBy('p.given_name')
            .execute(),
        ])
      : [[], []];
    return { rows, total: Number(total.n), requests, children };
  }

  /**
   * The dashboard's headline figures for an authority: open enquiries by status and rating, and open
   * requests overdue or due soon. "Due soon" depends on each rating's clock, so the caller passes, per
   * rating, the instant before which a request counts as due soon.
   */
  async dashboardSummary(db: Executor, authorityId: string, now: Date, dueSoonBefore: Record<Rag, Date>) {
    const [byStatus, requests] = await Promise.all([
      db
        .selectFrom('mash_enquiries')
        .select(['status', 'rag', (eb) => eb.fn.countAll<number>().as('n'), sql<number>`count(*) filter (where due_at <= ${now})`.as('past_due')])
        .where('authority_id', '=', authorityId)
        .where('status', '<>', 'closed')
        .groupBy(['status', 'rag'])
        .execute(),
      db
        .selectFrom('mash_check_requests as r')
        .innerJoin('mash_enquiries as e', 'e.id', 'r.enquiry_id')
        .select([
          sql<number>`count(*) filter (where r.due_at <= ${now})`.as('overdue'),
          sql<number>`count(*) filter (where r.due_at > ${now} and r.due_at <= case e.rag when 'red' then ${dueSoonBefore.red}::timestamptz when 'amber' then ${dueSoonBefore.amber}::timestamptz else ${dueSoonBefore.green}::timestamptz end)`.as('due_soon'),
          sql<number>`count(*)`.as('open'),
        ])
        .where('r.authority_id', '=', authorityId)
        .where('r.status', '=', 'open')
        .executeTakeFirstOrThrow(),
    ]);
    return {
      byStatus: byStatus.map((r) => ({ status: r.status, rag: r.rag, count: Number(r.n) })),
      /** Open enquiries past their decision deadline. */
      decisionsOverdue: byStatus.reduce((n, r) => n + Number(r.past_due), 0),
      openRequests: Number(requests.open),
      overdueRequests: Number(requests.overdue),
      dueSoonRequests: Number(requests.due_soon),
    };
  }

  /** The MASH's answers to questions on these requests, with who answered. */
  answers(db: Executor, requestIds: string[]) {
    if (!requestIds.length) return Promise.resolve([]);
    return db
      .selectFrom('mash_question_answers as a')
      .leftJoin('users as u', 'u.id', 'a.answered_by')
      .selectAll('a')
      .select('u.display_name as answerer_name')
      .where('a.request_id', 'in', requestIds)
      .execute();
  }

  insertAnswer(db: Executor, row: Insertable<DB['mash_question_answers']>) {
    return db.insertInto('mash_question_answers').values(row).execute();
  }

  /** Questions from agencies on an authority's undecided enquiries that the MASH has not answered, per enquiry. */
  async questionsWaiting(db: Executor, authorityId: string, enquiryIds?: string[]) {
    if (enquiryIds && !enquiryIds.length) return [];
    let q = db
      .selectFrom('mash_check_responses as x')
      .innerJoin('mash_check_requests as r', 'r.id', 'x.request_id')
      .innerJoin('mash_enquiries as e', 'e.id', 'r.enquiry_id')
      .leftJoin('mash_question_answers as a', 'a.question_id', 'x.id')
      .select(['r.enquiry_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('x.kind', '=', 'question')
      .where('a.id', 'is', null)
      .where('e.authority_id', '=', authorityId)
      .where('e.status', '<>', 'closed')
      .groupBy('r.enquiry_id');
    if (enquiryIds) q = q.where('r.enquiry_id', 'in', enquiryIds);
    return (await q.execute()).map((r) => ({ enquiryId: r.enquiry_id, count: Number(r.n) }));
  }

  /** The children and people named on an enquiry, for MASH staff: names and dates of birth. */
  people(db: Executor, authorityId: string, personIds: string[]) {
    if (!personIds.length) return Promise.resolve([]);
    return db
      .selectFrom('persons')
      .select(['id', 'given_name', 'family_name', 'date_of_birth', 'expected_date_of_birth', 'nhs_number'])
      .where('authority_id', '=', authorityId)
      .where('id', 'in', personIds)
      .orderBy('family_name').orderBy('given_name')
      .execute();
  }
}
