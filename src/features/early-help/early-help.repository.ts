import { sql } from 'kysely';
import type { Insertable, Updateable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { EarlyHelpRequestsTable, EarlyHelpStatus } from '../../platform/db/schema.js';

/** A request with what every page about it shows: the child, the conversation and who did what. */
export interface EarlyHelpRequestView {
  id: string;
  authority_id: string;
  reference: string;
  conversation_id: string;
  conversation_reference: string;
  conversation_version: number;
  person_id: string;
  status: EarlyHelpStatus;
  family_member_ids: string[] | null;
  need_codes: string[];
  needs_detail: string | null;
  consent: 'yes' | 'no' | null;
  consent_not_given_reason: string | null;
  lead_name: string | null;
  lead_role: string | null;
  lead_agency: string | null;
  lead_phone: string | null;
  lead_email: string | null;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
  allocated_to: string | null;
  decline_reason_code: string | null;
  decided_note: string | null;
  decided_at: Date | null;
  closed_at: Date | null;
  lock_version: number;
  given_name: string | null;
  family_name: string | null;
  date_of_birth: string | null;
  expected_date_of_birth: string | null;
  address_line_1: string | null;
  address_line_2: string | null;
  town: string | null;
  postcode: string | null;
  worker_id: string;
  worker_name: string;
  worker_email: string;
  sent_by_name: string | null;
  decided_by_name: string | null;
  closed_by_name: string | null;
}

export interface FamilyMember {
  id: string;
  given_name: string | null;
  family_name: string | null;
  date_of_birth: string | null;
  expected_date_of_birth: string | null;
  /** How they are related to the child, when a relationship is recorded. */
  relationship: string | null;
}

export class EarlyHelpRepository {
  private base(db: Executor) {
    return db
      .selectFrom('early_help_requests as r')
      .innerJoin('persons as p', 'p.id', 'r.person_id')
      .innerJoin('conversations as c', 'c.id', 'r.conversation_id')
      .innerJoin('users as w', 'w.id', 'c.worker_id')
      .leftJoin('users as s', 's.id', 'r.sent_by')
      .leftJoin('users as d', 'd.id', 'r.decided_by')
      .leftJoin('users as x', 'x.id', 'r.closed_by')
      .select([
        'r.id', 'r.authority_id', 'r.reference', 'r.conversation_id', 'c.reference as conversation_reference', 'r.conversation_version', 'r.person_id',
        'r.status', 'r.family_member_ids', 'r.need_codes', 'r.needs_detail', 'r.consent', 'r.consent_not_given_reason',
        'r.lead_name', 'r.lead_role', 'r.lead_agency', 'r.lead_phone', 'r.lead_email',
        'r.created_at', 'r.updated_at', 'r.sent_at', 'r.allocated_to', 'r.decline_reason_code', 'r.decided_note', 'r.decided_at', 'r.closed_at', 'r.lock_version',
        'p.given_name', 'p.family_name', 'p.date_of_birth', 'p.expected_date_of_birth', 'p.address_line_1', 'p.address_line_2', 'p.town', 'p.postcode',
        'c.worker_id', 'w.display_name as worker_name', 'w.email as worker_email',
        's.display_name as sent_by_name', 'd.display_name as decided_by_name', 'x.display_name as closed_by_name',
      ]);
  }

  async find(db: Executor, authorityId: string, id: string): Promise<EarlyHelpRequestView | undefined> {
    return (await this.base(db).where('r.id', '=', id).where('r.authority_id', '=', authorityId).executeTakeFirst()) as EarlyHelpRequestView | undefined;
  }

  async forConversations(db: Executor, authorityId: string, conversationIds: string[]): Promise<EarlyHelpRequestView[]> {
    if (!conversationIds.length) return [];
    return (await this.base(db)
      .where('r.authority_id', '=', authorityId)
      .where('r.conversation_id', 'in', conversationIds)
      .orderBy('r.reference')
      .execute()) as EarlyHelpRequestView[];
  }

  /** Requests from this worker's conversations that still need the worker to complete them. */
  async waitingForWorker(db: Executor, authorityId: string, workerId: string): Promise<EarlyHelpRequestView[]> {
    return (await this.base(db)
      .where('r.authority_id', '=', authorityId)
      .where('c.worker_id', '=', workerId)
      .where('r.status', '=', 'details-needed')
      .orderBy('r.created_at')
      .limit(50)
      .execute()) as EarlyHelpRequestView[];
  }

  /** The Early Help team's queue: requests that have been sent to them. */
  async queue(db: Executor, authorityId: string, statuses: EarlyHelpStatus[], order: 'newest' | 'oldest', limit: number): Promise<EarlyHelpRequestView[]> {
    return (await this.base(db)
      .where('r.authority_id', '=', authorityId)
      .where('r.status', 'in', statuses)
      .where('r.sent_at', 'is not', null)
      .orderBy('r.sent_at', order === 'newest' ? 'desc' : 'asc')
      .orderBy('r.reference')
      .limit(limit)
      .execute()) as EarlyHelpRequestView[];
  }

  async countSent(db: Executor, authorityId: string): Promise<number> {
    const r = await db.selectFrom('early_help_requests').select((eb) => eb.fn.countAll<string>().as('n')).where('authority_id', '=', authorityId).where('status', '=', 'sent').executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Sent requests whose sending time falls in [from, to), for the export. */
  async sentBetween(db: Executor, authorityId: string, statuses: EarlyHelpStatus[], from: Date | null, to: Date | null): Promise<EarlyHelpRequestView[]> {
    let q = this.base(db).where('r.authority_id', '=', authorityId).where('r.status', 'in', statuses).where('r.sent_at', 'is not', null);
    if (from) q = q.where('r.sent_at', '>=', from);
    if (to) q = q.where('r.sent_at', '<', to);
    return (await q.orderBy('r.sent_at').orderBy('r.reference').execute()) as EarlyHelpRequestView[];
  }

  async nextReferenceNumber(db: Executor): Promise<number> {
    const r = await sql<{ n: string }>`select nextval('early_help_reference_seq') as n`.execute(db);
    return Number(r.rows[0]!.n);
  }

  /** Adds a request unless the child already has one from this conversation; true when added. */
  async insert(db: Executor, row: Insertable<EarlyHelpRequestsTable>): Promise<boolean> {
    const r = await db.insertInto('early_help_requests').values(row).onConflict((oc) => oc.columns(['conversation_id', 'person_id']).doNothing()).returning('id').execute();
    return r.length === 1;
  }

  /** Changes a request only if it is still in one of `fromStatuses`; true when it was. */
  async update(db: Executor, authorityId: string, id: string, fromStatuses: EarlyHelpStatus[], changes: Updateable<EarlyHelpRequestsTable>): Promise<boolean> {
    const r = await db
      .updateTable('early_help_requests')
      .set({ ...changes, lock_version: sql`lock_version + 1` })
      .where('id', '=', id)
      .where('authority_id', '=', authorityId)
      .where('status', 'in', fromStatuses)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async addStatusChange(db: Executor, row: { id: string; request_id: string; from_status: string | null; to_status: string; note: string | null; changed_by: string | null; changed_at: Date }) {
    await db.insertInto('early_help_status_changes').values(row).execute();
  }

  statusChanges(db: Executor, requestId: string) {
    return db
      .selectFrom('early_help_status_changes as h')
      .leftJoin('users as u', 'u.id', 'h.changed_by')
      .select(['h.from_status', 'h.to_status', 'h.note', 'h.changed_at', 'u.display_name as changed_by_name'])
      .where('h.request_id', '=', requestId)
      .orderBy('h.changed_at')
      .orderBy('h.seq')
      .execute();
  }

  /** The children in the version just completed whose agreed outcome is one of `outcomeCodes`. */
  childrenWithOutcome(db: Executor, conversationId: string, version: number, outcomeCodes: string[]) {
    return db
      .selectFrom('conversation_children')
      .select(['person_id', 'position'])
      .where('conversation_id', '=', conversationId)
      .where('version', '=', version)
      .where('outcome_code', 'in', outcomeCodes)
      .orderBy('position')
      .execute();
  }

  version(db: Executor, conversationId: string, version: number) {
    return db.selectFrom('conversation_versions').selectAll().where('conversation_id', '=', conversationId).where('version', '=', version).executeTakeFirst();
  }

  user(db: Executor, id: string) {
    return db.selectFrom('users').select(['id', 'authority_id', 'role', 'display_name', 'agency_code', 'team_id', 'email']).where('id', '=', id).executeTakeFirst();
  }

  /**
   * The child's household and family from their record: everyone with a recorded relationship to
   * the child, and everyone else in the same household, each once.
   */
  async familyOf(db: Executor, authorityId: string, personId: string): Promise<FamilyMember[]> {
    const cols = ['p.id', 'p.given_name', 'p.family_name', 'p.date_of_birth', 'p.expected_date_of_birth'] as const;
    const outward = await db.selectFrom('relationships as r').innerJoin('persons as p', 'p.id', 'r.person_id').select([...cols, 'r.relationship_type'])
      .where('r.related_person_id', '=', personId).where('r.authority_id', '=', authorityId).where('p.merged_into_id', 'is', null).execute();
    const inward = await db.selectFrom('relationships as r').innerJoin('persons as p', 'p.id', 'r.related_person_id').select([...cols, 'r.relationship_type'])
      .where('r.person_id', '=', personId).where('r.authority_id', '=', authorityId).where('p.merged_into_id', 'is', null).execute();
    const household = await db
      .selectFrom('persons as p')
      .innerJoin('persons as child', 'child.household_id', 'p.household_id')
      .select([...cols])
      .where('child.id', '=', personId)
      .where('p.id', '<>', personId)
      .where('p.authority_id', '=', authorityId)
      .where('p.merged_into_id', 'is', null)
      .execute();
    const out = new Map<string, FamilyMember>();
    // Stored as "related_person is the <type> of person": where the child is the person, the type
    // says what the other is to the child; the other way round it says what the child is to them.
    for (const r of inward) out.set(r.id, { ...r, relationship: r.relationship_type });
    for (const r of outward) if (!out.has(r.id)) out.set(r.id, { ...r, relationship: null });
    for (const r of household) if (!out.has(r.id)) out.set(r.id, { ...r, relationship: null });
    return [...out.values()].sort((a, b) => (a.date_of_birth ?? '').localeCompare(b.date_of_birth ?? ''));
  }

  people(db: Executor, authorityId: string, ids: string[]) {
    if (!ids.length) return Promise.resolve([]);
    return db.selectFrom('persons').select(['id', 'given_name', 'family_name', 'date_of_birth', 'expected_date_of_birth']).where('authority_id', '=', authorityId).where('id', 'in', ids).execute();
  }
}
