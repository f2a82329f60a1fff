import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';

/** One out-of-hours conversation as the handover list shows it. */
export interface HandoverRow {
  id: string;
  reference: string;
  service: 'cads' | 'edt';
  status: 'draft' | 'completed';
  started_at: Date;
  handover_due_at: Date | null;
  handover_accepted_at: Date | null;
  worker_name: string;
  accepted_by_name: string | null;
  /** Children's names in the current version, in order; null when none added yet. */
  children: string | null;
  /** The agreed outcome codes of the current version (none while a draft has none). */
  outcomes: string[] | null;
}

export class HandoverRepository {
  private list(db: Executor, authorityId: string) {
    return db
      .selectFrom('conversations as c')
      .innerJoin('users as w', 'w.id', 'c.worker_id')
      .leftJoin('users as a', 'a.id', 'c.handover_accepted_by')
      .select([
        'c.id', 'c.reference', 'c.service', 'c.status', 'c.started_at', 'c.handover_due_at', 'c.handover_accepted_at',
        'w.display_name as worker_name', 'a.display_name as accepted_by_name',
        (eb) =>
          eb
            .selectFrom('conversation_children as cc')
            .innerJoin('persons as p', 'p.id', 'cc.person_id')
            .select(sql<string>`string_agg(coalesce(nullif(trim(coalesce(p.given_name, '') || ' ' || coalesce(p.family_name, '')), ''), 'Unborn child'), ', ' order by cc.position)`.as('names'))
            .whereRef('cc.conversation_id', '=', 'c.id')
            .whereRef('cc.version', '=', 'c.current_version')
            .as('children'),
        (eb) =>
          eb
            .selectFrom('conversation_children as cc')
            .select(sql<string[]>`array_agg(distinct cc.outcome_code)`.as('codes'))
            .whereRef('cc.conversation_id', '=', 'c.id')
            .whereRef('cc.version', '=', 'c.current_version')
            .where('cc.outcome_code', 'is not', null)
            .as('outcomes'),
      ])
      .where('c.authority_id', '=', authorityId)
      .where('c.out_of_hours', '=', true);
  }

  /** Every out-of-hours conversation nobody has accepted yet, oldest first. */
  async waiting(db: Executor, authorityId: string): Promise<HandoverRow[]> {
    return (await this.list(db, authorityId)
      .where('c.handover_accepted_at', 'is', null)
      .orderBy('c.started_at')
      .orderBy('c.reference')
      .execute()) as HandoverRow[];
  }

  /** Out-of-hours conversations accepted since `since`, latest first. */
  async acceptedSince(db: Executor, authorityId: string, since: Date): Promise<HandoverRow[]> {
    return (await this.list(db, authorityId)
      .where('c.handover_accepted_at', '>=', since)
      .orderBy('c.handover_accepted_at', 'desc')
      .orderBy('c.reference')
      .execute()) as HandoverRow[];
  }

  /** Just the times the home page's banner needs. */
  waitingTimes(db: Executor, authorityId: string) {
    return db
      .selectFrom('conversations')
      .select(['started_at', 'handover_due_at'])
      .where('authority_id', '=', authorityId)
      .where('out_of_hours', '=', true)
      .where('handover_accepted_at', 'is', null)
      .execute();
  }

  /** An out-of-hours conversation of this authority, with who accepted it (if anyone). */
  find(db: Executor, authorityId: string, id: string) {
    return db
      .selectFrom('conversations as c')
      .leftJoin('users as a', 'a.id', 'c.handover_accepted_by')
      .select(['c.id', 'c.reference', 'c.current_version', 'c.handover_due_at', 'c.handover_accepted_at', 'c.handover_accepted_by', 'a.display_name as accepted_by_name'])
      .where('c.id', '=', id)
      .where('c.authority_id', '=', authorityId)
      .where('c.out_of_hours', '=', true)
      .executeTakeFirst();
  }

  /** Accepts unless someone already has: true when this call did it. */
  async accept(db: Executor, authorityId: string, id: string, userId: string, at: Date): Promise<boolean> {
    const r = await db
      .updateTable('conversations')
      .set({ handover_accepted_by: userId, handover_accepted_at: at })
      .where('id', '=', id)
      .where('authority_id', '=', authorityId)
      .where('out_of_hours', '=', true)
      .where('handover_accepted_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Everyone named in the conversation, in any version: the people the acceptance is about. */
  async personIds(db: Executor, id: string): Promise<string[]> {
    const rows = await db.selectFrom('conversation_children').select('person_id').distinct().where('conversation_id', '=', id).execute();
    return rows.map((r) => r.person_id);
  }
}
