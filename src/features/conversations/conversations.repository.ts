import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { ConversationChildRow, ConversationRow, ConversationVersionRow } from '../../platform/db/schema.js';

export type VersionFields = Partial<Omit<ConversationVersionRow, 'conversation_id' | 'version' | 'status' | 'created_by' | 'created_at' | 'completed_by' | 'completed_at'>>;
export type ChildFields = Partial<Omit<ConversationChildRow, 'conversation_id' | 'version' | 'person_id' | 'position'>>;

export interface ChildWithPerson extends ConversationChildRow {
  given_name: string | null;
  family_name: string | null;
  date_of_birth: string | null;
  expected_date_of_birth: string | null;
}

export interface WorkItem {
  id: string;
  reference: string;
  status: string;
  started_at: Date;
  decision_due_at: Date | null;
  worker_name: string;
  current_version: number;
  caller_name: string | null;
  children: string | null;
  amendment: boolean;
}

export class ConversationsRepository {
  find(db: Executor, authorityId: string, id: string): Promise<ConversationRow | undefined> {
    return db.selectFrom('conversations').selectAll().where('id', '=', id).where('authority_id', '=', authorityId).executeTakeFirst();
  }

  /** Locks the conversation row for the rest of the transaction. */
  findForUpdate(db: Executor, authorityId: string, id: string): Promise<ConversationRow | undefined> {
    return db.selectFrom('conversations').selectAll().where('id', '=', id).where('authority_id', '=', authorityId).forUpdate().executeTakeFirst();
  }

  version(db: Executor, id: string, version: number): Promise<ConversationVersionRow | undefined> {
    return db.selectFrom('conversation_versions').selectAll().where('conversation_id', '=', id).where('version', '=', version).executeTakeFirst();
  }

  versions(db: Executor, id: string) {
    return db
      .selectFrom('conversation_versions as v')
      .innerJoin('users as u', 'u.id', 'v.created_by')
      .select(['v.version', 'v.status', 'v.amendment_reason', 'v.created_at', 'v.completed_at', 'u.display_name'])
      .where('v.conversation_id', '=', id)
      .orderBy('v.version', 'desc')
      .execute();
  }

  children(db: Executor, id: string, version: number): Promise<ChildWithPerson[]> {
    return db
      .selectFrom('conversation_children as cc')
      .innerJoin('persons as p', 'p.id', 'cc.person_id')
      .selectAll('cc')
      .select(['p.given_name', 'p.family_name', 'p.date_of_birth', 'p.expected_date_of_birth'])
      .where('cc.conversation_id', '=', id)
      .where('cc.version', '=', version)
      .orderBy('cc.position')
      .execute();
  }

  async nextReferenceNumber(db: Executor): Promise<number> {
    const r = await sql<{ n: number }>`select nextval('conversation_reference_seq')::int as n`.execute(db);
    return r.rows[0]!.n;
  }

  async insertConversation(
    db: Executor,
    row: { id: string; authority_id: string; reference: string; service: 'cads' | 'edt'; worker_id: string; team_id: string | null; started_at: Date; out_of_hours: boolean; handover_due_at: Date | null },
  ) {
    await db.insertInto('conversations').values({ ...row, status: 'draft', current_version: 1 }).execute();
  }

  async insertVersion(db: Executor, row: { conversation_id: string; version: number; created_by: string; amendment_reason?: string | null } & VersionFields) {
    await db.insertInto('conversation_versions').values({ ...row, status: 'draft' }).execute();
  }

  async updateVersion(db: Executor, id: string, version: number, fields: VersionFields, now: Date) {
    await db.updateTable('conversation_versions').set({ ...fields, updated_at: now }).where('conversation_id', '=', id).where('version', '=', version).where('status', '=', 'draft').execute();
  }

  async updateChild(db: Executor, id: string, version: number, personId: string, fields: ChildFields) {
    await db.updateTable('conversation_children').set(fields).where('conversation_id', '=', id).where('version', '=', version).where('person_id', '=', personId).execute();
  }

  async insertChild(db: Executor, row: { conversation_id: string; version: number; person_id: string; position: number } & ChildFields) {
    await this.insertChildren(db, [row]);
  }

  async insertChildren(db: Executor, rows: ({ conversation_id: string; version: number; person_id: string; position: number } & ChildFields)[]) {
    if (rows.length === 0) return;
    await db.insertInto('conversation_children').values(rows).onConflict((oc) => oc.columns(['conversation_id', 'version', 'person_id']).doNothing()).execute();
  }

  async deleteChild(db: Executor, id: string, version: number, personId: string) {
    await db.deleteFrom('conversation_children').where('conversation_id', '=', id).where('version', '=', version).where('person_id', '=', personId).execute();
  }

  /** Bumps the optimistic lock; false when another save got there first. */
  async bumpLock(db: Executor, id: string, expected: number): Promise<boolean> {
    const r = await db.updateTable('conversations').set({ lock_version: sql`lock_version + 1` }).where('id', '=', id).where('lock_version', '=', expected).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async markVersionCompleted(db: Executor, id: string, version: number, by: string, at: Date) {
    await db.updateTable('conversation_versions').set({ status: 'completed', completed_by: by, completed_at: at, updated_at: at }).where('conversation_id', '=', id).where('version', '=', version).where('status', '=', 'draft').execute();
  }

  async markConversationCompleted(db: Executor, id: string, version: number, at: Date, decisionDueAt: Date | null) {
    await db
      .updateTable('conversations')
      .set((eb) => ({
        status: 'completed',
        current_version: version,
        completed_at: eb.fn.coalesce('completed_at', sql<Date>`${at}::timestamptz`),
        decision_due_at: eb.fn.coalesce('decision_due_at', sql<Date | null>`${decisionDueAt}::timestamptz`),
      }))
      .where('id', '=', id)
      .execute();
  }

  decisions(db: Executor, id: string) {
    return db
      .selectFrom('decisions as d')
      .innerJoin('users as u', 'u.id', 'd.decided_by')
      .select(['d.person_id', 'd.decision_code', 'd.primary_need_code', 'd.rationale', 'd.decided_at', 'u.display_name'])
      .where('d.conversation_id', '=', id)
      .execute();
  }

  async insertDecision(db: Executor, row: { id: string; authority_id: string; conversation_id: string; person_id: string; decision_code: string; primary_need_code: string | null; rationale: string; decided_by: string; decided_at: Date }) {
    await db.insertInto('decisions').values(row).execute();
  }

  async insertFlags(db: Executor, rows: { id: string; authority_id: string; person_id: string; rule_key: string; message: string; conversation_id: string; raised_at: Date }[]) {
    if (rows.length === 0) return;
    await db.insertInto('accumulation_flags').values(rows).onConflict((oc) => oc.columns(['person_id', 'rule_key', 'conversation_id']).doNothing()).execute();
  }

  /**
   * The completed conversations (current version) of several children since a date, for the
   * accumulation rules: one query for all the children of a conversation.
   */
  childrenHistory(db: Executor, authorityId: string, personIds: string[], since: Date) {
    return db
      .selectFrom('conversation_children as cc')
      .innerJoin('conversations as c', (j) => j.onRef('c.id', '=', 'cc.conversation_id').onRef('c.current_version', '=', 'cc.version'))
      .select(['cc.person_id', 'c.id', 'c.started_at', 'cc.outcome_code'])
      .where('cc.person_id', 'in', personIds)
      .where('c.authority_id', '=', authorityId)
      .where('c.status', '=', 'completed')
      .where('c.started_at', '>=', since)
      .execute();
  }

  /**
   * A worker's (or a team's) list: drafts, amendments in progress, and completed conversations
   * with a child whose outcome needs a decision that has not been recorded.
   */
  async workList(db: Executor, authorityId: string, scope: { workerId?: string; teamId?: string }, decisionOutcomes: string[]): Promise<{ drafts: WorkItem[]; awaiting: WorkItem[] }> {
    const base = db
      .selectFrom('conversations as c')
      .innerJoin('users as u', 'u.id', 'c.worker_id')
      .select([
        'c.id', 'c.reference', 'c.status', 'c.started_at', 'c.decision_due_at', 'c.current_version', 'u.display_name as worker_name',
        (eb) =>
          eb
            .selectFrom('conversation_children as cc')
            .innerJoin('persons as p', 'p.id', 'cc.person_id')
            .select(sql<string>`string_agg(coalesce(nullif(trim(coalesce(p.given_name, '') || ' ' || coalesce(p.family_name, '')), ''), 'Unborn child'), ', ' order by cc.position)`.as('names'))
            .whereRef('cc.conversation_id', '=', 'c.id')
            .where((e2) => e2.or([e2('cc.version', '=', e2.ref('c.current_version')), e2('cc.version', '=', sql<number>`c.current_version + 1`)]))
            .as('children'),
      ])
      .where('c.authority_id', '=', authorityId)
      .$if(!!scope.workerId, (q) => q.where('c.worker_id', '=', scope.workerId!))
      .$if(!!scope.teamId, (q) => q.where('c.team_id', '=', scope.teamId!));

    const drafts = await base
      .select((eb) => [
        eb.selectFrom('conversation_versions as v').select('v.caller_name').whereRef('v.conversation_id', '=', 'c.id').orderBy('v.version', 'desc').limit(1).as('caller_name'),
        sql<boolean>`c.status = 'completed'`.as('amendment'),
      ])
      .where((eb) =>
        eb.or([
          eb('c.status', '=', 'draft'),
          eb.exists(eb.selectFrom('conversation_versions as v').select('v.version').whereRef('v.conversation_id', '=', 'c.id').where('v.status', '=', 'draft')),
        ]),
      )
      .orderBy('c.started_at', 'desc')
      .execute();

    const awaiting = decisionOutcomes.length
      ? await base
          .select((eb) => [
            eb.selectFrom('conversation_versions as v').select('v.caller_name').whereRef('v.conversation_id', '=', 'c.id').whereRef('v.version', '=', 'c.current_version').as('caller_name'),
            sql<boolean>`false`.as('amendment'),
          ])
          .where('c.status', '=', 'completed')
          .where('c.decision_due_at', 'is not', null)
          .where((eb) =>
            eb.exists(
              eb
                .selectFrom('conversation_children as cc')
                .select('cc.person_id')
                .whereRef('cc.conversation_id', '=', 'c.id')
                .whereRef('cc.version', '=', 'c.current_version')
                .where('cc.outcome_code', 'in', decisionOutcomes)
                .where((e2) => e2.not(e2.exists(e2.selectFrom('decisions as d').select('d.id').whereRef('d.conversation_id', '=', 'c.id').whereRef('d.person_id', '=', 'cc.person_id')))),
            ),
          )
          .orderBy('c.decision_due_at', 'asc')
          .execute()
      : [];
    return { drafts: drafts as WorkItem[], awaiting: awaiting as WorkItem[] };
  }
}
