import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { AllocatedWorkerNoticesTable, WorkerAllocationsTable } from '../../platform/db/schema.js';

export type AllocationRow = Selectable<WorkerAllocationsTable>;
export type NoticeRow = Selectable<AllocatedWorkerNoticesTable>;

/** An allocation with the names of the Front Door users it mentions. */
export interface AllocationWithNames extends AllocationRow {
  user_name: string | null;
  created_by_name: string | null;
  ended_by_name: string | null;
}

/** A notice with what the pages show about it. */
export interface NoticeView extends NoticeRow {
  reference: string;
  worker_name: string;
  kind: AllocationRow['kind'];
  team: string;
  user_id: string | null;
  acknowledged_by_name: string | null;
  given_name: string | null;
  family_name: string | null;
  expected_date_of_birth: string | null;
}

export class AllocatedWorkersRepository {
  private allocations(db: Executor) {
    return db
      .selectFrom('worker_allocations as a')
      .leftJoin('users as u', 'u.id', 'a.user_id')
      .leftJoin('users as cb', 'cb.id', 'a.created_by')
      .leftJoin('users as eb', 'eb.id', 'a.ended_by')
      .selectAll('a')
      .select(['u.display_name as user_name', 'cb.display_name as created_by_name', 'eb.display_name as ended_by_name']);
  }

  person(db: Executor, authorityId: string, id: string) {
    return db
      .selectFrom('persons')
      .select(['id', 'authority_id', 'given_name', 'family_name', 'expected_date_of_birth', 'date_of_birth'])
      .where('id', '=', id)
      .where('authority_id', '=', authorityId)
      .executeTakeFirst();
  }

  /** Every allocation of these people, current first, then the most recently ended. */
  history(db: Executor, authorityId: string, personIds: string[]): Promise<AllocationWithNames[]> {
    if (!personIds.length) return Promise.resolve([]);
    return this.allocations(db)
      .where('a.authority_id', '=', authorityId)
      .where('a.person_id', 'in', personIds)
      .orderBy((eb) => eb.case().when('a.ended_at', 'is', null).then(0).else(1).end())
      .orderBy('a.start_date', 'desc')
      .orderBy('a.created_at', 'desc')
      .execute() as Promise<AllocationWithNames[]>;
  }

  /** The current allocations of these people (one each at most). */
  current(db: Executor, authorityId: string, personIds: string[]): Promise<AllocationWithNames[]> {
    if (!personIds.length) return Promise.resolve([]);
    return this.allocations(db)
      .where('a.authority_id', '=', authorityId)
      .where('a.person_id', 'in', personIds)
      .where('a.ended_at', 'is', null)
      .orderBy('a.start_date', 'desc')
      .execute() as Promise<AllocationWithNames[]>;
  }

  find(db: Executor, authorityId: string, id: string): Promise<AllocationWithNames | undefined> {
    return this.allocations(db).where('a.id', '=', id).where('a.authority_id', '=', authorityId).executeTakeFirst() as Promise<AllocationWithNames | undefined>;
  }

  /** Locks the child's current allocation, if any, for a change that depends on it. */
  currentForUpdate(db: Executor, authorityId: string, personId: string) {
    return db
      .selectFrom('worker_allocations')
      .selectAll()
      .where('authority_id', '=', authorityId)
      .where('person_id', '=', personId)
      .where('ended_at', 'is', null)
      .forUpdate()
      .executeTakeFirst();
  }

  async insert(db: Executor, row: Insertable<WorkerAllocationsTable>): Promise<void> {
    await db.insertInto('worker_allocations').values(row).execute();
  }

  async update(db: Executor, authorityId: string, id: string, set: Updateable<WorkerAllocationsTable>): Promise<boolean> {
    const r = await db.updateTable('worker_allocations').set(set).where('id', '=', id).where('authority_id', '=', authorityId).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** The staff who can be linked as an allocated worker: those who work with children in Front Door. */
  linkableUsers(db: Executor, authorityId: string) {
    return db
      .selectFrom('users')
      .select(['id', 'display_name', 'email', 'job_title'])
      .where('authority_id', '=', authorityId)
      .where('disabled_at', 'is', null)
      .where('role', 'in', ['cads-worker', 'team-manager', 'early-help-practitioner', 'edt-worker'])
      .orderBy('display_name')
      .execute();
  }

  user(db: Executor, authorityId: string, id: string) {
    return db.selectFrom('users').select(['id', 'display_name', 'email']).where('id', '=', id).where('authority_id', '=', authorityId).where('disabled_at', 'is', null).executeTakeFirst();
  }

  // --- Notices ---------------------------------------------------------------------------------

  /** The children of a version with their outcome, in the order the pages show them. */
  versionChildren(db: Executor, conversationId: string, version: number) {
    return db
      .selectFrom('conversation_children as cc')
      .innerJoin('persons as p', 'p.id', 'cc.person_id')
      .select(['cc.person_id', 'cc.position', 'cc.outcome_code', 'p.given_name', 'p.family_name', 'p.expected_date_of_birth'])
      .where('cc.conversation_id', '=', conversationId)
      .where('cc.version', '=', version)
      .orderBy('cc.position')
      .execute();
  }

  /** Adds a notice unless this allocation was already told about this conversation; its id when added. */
  async insertNotice(db: Executor, row: Insertable<AllocatedWorkerNoticesTable>): Promise<string | null> {
    const r = await db
      .insertInto('allocated_worker_notices')
      .values(row)
      .onConflict((oc) => oc.columns(['conversation_id', 'person_id', 'allocation_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return r?.id ?? null;
  }

  private notices(db: Executor) {
    return db
      .selectFrom('allocated_worker_notices as n')
      .innerJoin('worker_allocations as a', 'a.id', 'n.allocation_id')
      .innerJoin('conversations as c', 'c.id', 'n.conversation_id')
      .innerJoin('persons as p', 'p.id', 'n.person_id')
      .leftJoin('users as ab', 'ab.id', 'n.acknowledged_by')
      .selectAll('n')
      .select([
        'c.reference', 'a.worker_name', 'a.kind', 'a.team', 'a.user_id', 'ab.display_name as acknowledged_by_name',
        'p.given_name', 'p.family_name', 'p.expected_date_of_birth',
      ]);
  }

  notice(db: Executor, authorityId: string, id: string): Promise<NoticeView | undefined> {
    return this.notices(db).where('n.id', '=', id).where('n.authority_id', '=', authorityId).executeTakeFirst() as Promise<NoticeView | undefined>;
  }

  noticesForConversations(db: Executor, authorityId: string, conversationIds: string[]): Promise<NoticeView[]> {
    if (!conversationIds.length) return Promise.resolve([]);
    return this.notices(db)
      .where('n.authority_id', '=', authorityId)
      .where('n.conversation_id', 'in', conversationIds)
      .orderBy('n.notified_at')
      .execute() as Promise<NoticeView[]>;
  }

  /** What is waiting for this user to acknowledge, oldest first, with what CADS agreed for the child. */
  waitingFor(db: Executor, authorityId: string, userId: string) {
    return this.notices(db)
      .innerJoin('conversation_children as cc', (j) => j.onRef('cc.conversation_id', '=', 'n.conversation_id').onRef('cc.version', '=', 'n.version').onRef('cc.person_id', '=', 'n.person_id'))
      .innerJoin('conversation_versions as v', (j) => j.onRef('v.conversation_id', '=', 'n.conversation_id').onRef('v.version', '=', 'n.version'))
      .select(['cc.next_steps', 'cc.next_steps_by', 'v.concern_detail', 'v.caller_name', 'v.caller_role'])
      .where('n.authority_id', '=', authorityId)
      .where('a.user_id', '=', userId)
      .where('n.acknowledged_at', 'is', null)
      .orderBy('n.notified_at')
      .limit(50)
      .execute();
  }

  /** Acknowledges unless someone already has: true when this call did it. */
  async acknowledge(db: Executor, authorityId: string, id: string, userId: string, at: Date): Promise<boolean> {
    const r = await db
      .updateTable('allocated_worker_notices')
      .set({ acknowledged_at: at, acknowledged_by: userId })
      .where('id', '=', id)
      .where('authority_id', '=', authorityId)
      .where('acknowledged_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async closeTasks(db: Executor, authorityId: string, noticeId: string, userId: string, at: Date): Promise<void> {
    await db
      .updateTable('tasks')
      .set({ done_at: at, done_by: userId })
      .where('authority_id', '=', authorityId)
      .where('kind', '=', 'allocated-worker')
      .where('subject_type', '=', 'allocated-worker-notice')
      .where('subject_id', '=', noticeId)
      .where('done_at', 'is', null)
      .execute();
  }

  async insertTask(db: Executor, row: { id: string; authority_id: string; assigned_to: string; conversation_id: string; subject_id: string; detail: string; created_at: Date }): Promise<void> {
    await db
      .insertInto('tasks')
      .values({ ...row, kind: 'allocated-worker', subject_type: 'allocated-worker-notice', written_record_id: null, done_at: null, done_by: null })
      .execute();
  }
}
