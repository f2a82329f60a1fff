import { sql, type Insertable, type Selectable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { DisagreementStagesTable, DisagreementsTable } from '../../platform/db/schema.js';

export type DisagreementRow = Selectable<DisagreementsTable>;
export type StageRow = Selectable<DisagreementStagesTable>;

/** A disagreement with what the pages show beside it: the conversation, the child and the open stage. */
export interface DisagreementListRow extends DisagreementRow {
  conversation_reference: string;
  given_name: string | null;
  family_name: string | null;
  raised_by_name: string | null;
  stage_label: string | null;
  stage_who: string | null;
  due_on: string | null;
  due_at: Date | null;
}

export class DisagreementsRepository {
  async nextNumber(db: Executor): Promise<number> {
    const r = await sql<{ n: number }>`select nextval('disagreement_reference_seq')::int as n`.execute(db);
    return r.rows[0]!.n;
  }

  async insert(db: Executor, d: Insertable<DisagreementsTable>, stage: Insertable<DisagreementStagesTable>): Promise<void> {
    await db.insertInto('disagreements').values(d).execute();
    await db.insertInto('disagreement_stages').values(stage).execute();
  }

  async insertStage(db: Executor, stage: Insertable<DisagreementStagesTable>): Promise<void> {
    await db.insertInto('disagreement_stages').values(stage).execute();
  }

  private listQuery(db: Executor, authorityId: string) {
    return db
      .selectFrom('disagreements as d')
      .innerJoin('conversations as c', 'c.id', 'd.conversation_id')
      .innerJoin('persons as p', 'p.id', 'd.person_id')
      .leftJoin('users as u', 'u.id', 'd.raised_by')
      .leftJoin('disagreement_stages as s', (j) => j.onRef('s.disagreement_id', '=', 'd.id').onRef('s.stage', '=', 'd.current_stage'))
      .selectAll('d')
      .select([
        'c.reference as conversation_reference', 'p.given_name', 'p.family_name', 'u.display_name as raised_by_name',
        's.stage_label', 's.who as stage_who', 's.due_on', 's.due_at',
      ])
      .where('d.authority_id', '=', authorityId);
  }

  find(db: Executor, authorityId: string, id: string): Promise<DisagreementListRow | undefined> {
    return this.listQuery(db, authorityId).where('d.id', '=', id).executeTakeFirst() as Promise<DisagreementListRow | undefined>;
  }

  /** Locks the disagreement for a response, so two people answering the same stage cannot both win. */
  async lock(db: Executor, authorityId: string, id: string): Promise<DisagreementRow | undefined> {
    return db.selectFrom('disagreements').selectAll().where('authority_id', '=', authorityId).where('id', '=', id).forUpdate().executeTakeFirst();
  }

  stages(db: Executor, id: string) {
    return db
      .selectFrom('disagreement_stages as s')
      .leftJoin('users as u', 'u.id', 's.responded_by')
      .selectAll('s')
      .select('u.display_name as responded_by_name')
      .where('s.disagreement_id', '=', id)
      .orderBy('s.stage')
      .execute();
  }

  /** Records a stage's response; false when it already had one. */
  async respond(db: Executor, stageId: string, r: { response: string; result: 'resolved' | 'escalate' | 'not-resolved'; respondedBy: string; respondedAt: Date; onTime: boolean }): Promise<boolean> {
    const rows = await db
      .updateTable('disagreement_stages')
      .set({ response: r.response, result: r.result, responded_by: r.respondedBy, responded_at: r.respondedAt, on_time: r.onTime })
      .where('id', '=', stageId)
      .where('responded_at', 'is', null)
      .returning('id')
      .execute();
    return rows.length === 1;
  }

  async update(db: Executor, id: string, changes: Partial<Pick<DisagreementRow, 'status' | 'current_stage' | 'closed_at' | 'closing_note'>>): Promise<void> {
    await db.updateTable('disagreements').set((eb) => ({ ...changes, lock_version: eb('lock_version', '+', 1) })).where('id', '=', id).execute();
  }

  /** An open disagreement about this child from this conversation, if any. */
  openFor(db: Executor, conversationId: string, personId: string) {
    return db.selectFrom('disagreements').select('id').where('conversation_id', '=', conversationId).where('person_id', '=', personId).where('status', '=', 'open').executeTakeFirst();
  }

  forConversation(db: Executor, authorityId: string, conversationId: string): Promise<DisagreementListRow[]> {
    return this.listQuery(db, authorityId).where('d.conversation_id', '=', conversationId).orderBy('d.raised_at').execute() as Promise<DisagreementListRow[]>;
  }

  forConversations(db: Executor, authorityId: string, conversationIds: string[]) {
    if (conversationIds.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('disagreements')
      .select(['id', 'conversation_id', 'person_id', 'status', 'current_stage', 'reference'])
      .where('authority_id', '=', authorityId)
      .where('conversation_id', 'in', conversationIds)
      .orderBy('raised_at')
      .execute();
  }

  /** The stages after stage 1 of these disagreements, and the last answered, for chronology lines. */
  stagesOf(db: Executor, ids: string[]) {
    if (ids.length === 0) return Promise.resolve([]);
    return db.selectFrom('disagreement_stages').select(['disagreement_id', 'stage', 'result']).where('disagreement_id', 'in', ids).orderBy('stage').execute();
  }

  list(db: Executor, authorityId: string, filter: 'open' | 'overdue' | 'closed', now: Date, limit = 200): Promise<DisagreementListRow[]> {
    let q = this.listQuery(db, authorityId);
    if (filter === 'open') q = q.where('d.status', '=', 'open').orderBy('s.due_at').orderBy('d.raised_at');
    else if (filter === 'overdue') q = q.where('d.status', '=', 'open').where('s.due_at', '<', now).orderBy('s.due_at');
    else q = q.where('d.status', '<>', 'open').orderBy('d.closed_at', 'desc');
    return q.limit(limit).execute() as Promise<DisagreementListRow[]>;
  }

  async openCounts(db: Executor, authorityId: string, now: Date): Promise<{ open: number; overdue: number }> {
    const r = await db
      .selectFrom('disagreements as d')
      .innerJoin('disagreement_stages as s', (j) => j.onRef('s.disagreement_id', '=', 'd.id').onRef('s.stage', '=', 'd.current_stage'))
      .select((eb) => [eb.fn.countAll<number>().as('open'), eb.fn.count<number>(eb.case().when('s.due_at', '<', now).then(1).end()).as('overdue')])
      .where('d.authority_id', '=', authorityId)
      .where('d.status', '=', 'open')
      .executeTakeFirstOrThrow();
    return { open: Number(r.open), overdue: Number(r.overdue) };
  }

  /** Disagreements raised between two instants, with their stages: what the MI counts. */
  async raisedBetween(db: Executor, authorityId: string, from: Date, to: Date) {
    const ds = await db
      .selectFrom('disagreements')
      .select(['id', 'status', 'current_stage', 'raised_at', 'closed_at'])
      .where('authority_id', '=', authorityId)
      .where('raised_at', '>=', from)
      .where('raised_at', '<', to)
      .execute();
    const stages = ds.length
      ? await db.selectFrom('disagreement_stages').select(['disagreement_id', 'stage', 'due_at', 'responded_at', 'on_time']).where('disagreement_id', 'in', ds.map((d) => d.id)).execute()
      : [];
    return { disagreements: ds, stages };
  }

  /** Open stages past their due time that nobody has been told about yet, across authorities (for the job). */
  overdueUnnotified(db: Executor, now: Date) {
    return db
      .selectFrom('disagreement_stages as s')
      .innerJoin('disagreements as d', (j) => j.onRef('d.id', '=', 's.disagreement_id').onRef('d.current_stage', '=', 's.stage'))
      .innerJoin('conversations as c', 'c.id', 'd.conversation_id')
      .leftJoin('users as w', 'w.id', 'c.worker_id')
      .select(['s.id as stage_id', 's.stage', 's.stage_label', 's.due_on', 'd.id', 'd.authority_id', 'd.reference', 'c.worker_id', 'w.email as worker_email', 'c.team_id'])
      .where('d.status', '=', 'open')
      .where('s.responded_at', 'is', null)
      .where('s.overdue_notified_at', 'is', null)
      .where('s.due_at', '<', now)
      .execute();
  }

  async markNotified(db: Executor, stageId: string, at: Date): Promise<boolean> {
    const r = await db.updateTable('disagreement_stages').set({ overdue_notified_at: at }).where('id', '=', stageId).where('overdue_notified_at', 'is', null).where('responded_at', 'is', null).returning('id').execute();
    return r.length === 1;
  }
}

/** What a disagreement needs to know about the conversation it comes from (read-only). */
export class ConversationFacts {
  conversation(db: Executor, authorityId: string, id: string) {
    return db
      .selectFrom('conversations')
      .select(['id', 'authority_id', 'reference', 'status', 'current_version', 'worker_id', 'completed_at'])
      .where('authority_id', '=', authorityId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  caller(db: Executor, conversationId: string, version: number) {
    return db
      .selectFrom('conversation_versions')
      .select(['caller_name', 'caller_role', 'caller_agency_code', 'status'])
      .where('conversation_id', '=', conversationId)
      .where('version', '=', version)
      .executeTakeFirst();
  }

  children(db: Executor, conversationId: string, version: number) {
    return db
      .selectFrom('conversation_children as cc')
      .innerJoin('persons as p', 'p.id', 'cc.person_id')
      .select(['cc.person_id', 'cc.position', 'cc.outcome_code', 'cc.caller_agreed', 'cc.disagreement_note', 'p.given_name', 'p.family_name'])
      .where('cc.conversation_id', '=', conversationId)
      .where('cc.version', '=', version)
      .orderBy('cc.position')
      .execute();
  }

  user(db: Executor, id: string) {
    return db.selectFrom('users').select(['id', 'authority_id', 'role', 'display_name', 'agency_code', 'team_id', 'email']).where('id', '=', id).executeTakeFirst();
  }
}
