import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { DuplicateCandidateRow, Person } from '../../platform/db/schema.js';
import { mergedSetIds } from '../../platform/db/merged-persons.js';

export type CandidateRow = DuplicateCandidateRow;
export type Band = NonNullable<CandidateRow['band']>;

export interface QueueRow {
  id: string;
  probability: number;
  band: Band | null;
  reasons: unknown;
  found_at: Date;
  a_id: string;
  a_given_name: string | null;
  a_family_name: string | null;
  a_date_of_birth: string | null;
  a_expected_date_of_birth: string | null;
  b_id: string;
  b_given_name: string | null;
  b_family_name: string | null;
  b_date_of_birth: string | null;
  b_expected_date_of_birth: string | null;
}

/** A pair the scan proposes: the engine's view of it, before anyone has decided. */
export type ProposedPair = Pick<CandidateRow, 'id' | 'authority_id' | 'person_a_id' | 'person_b_id' | 'probability' | 'match_weight' | 'found_at'> & {
  reasons: string[];
  against: string[];
  band: Band;
};

export class DuplicatesRepository {
  /** Open pairs of records that are both still in use, most likely first. */
  openQueue(db: Executor, authorityId: string, limit = 200): Promise<QueueRow[]> {
    return db
      .selectFrom('duplicate_candidates as d')
      .innerJoin('persons as a', 'a.id', 'd.person_a_id')
      .innerJoin('persons as b', 'b.id', 'd.person_b_id')
      .select([
        'd.id', 'd.probability', 'd.band', 'd.reasons', 'd.found_at',
        'a.id as a_id', 'a.given_name as a_given_name', 'a.family_name as a_family_name', 'a.date_of_birth as a_date_of_birth', 'a.expected_date_of_birth as a_expected_date_of_birth',
        'b.id as b_id', 'b.given_name as b_given_name', 'b.family_name as b_family_name', 'b.date_of_birth as b_date_of_birth', 'b.expected_date_of_birth as b_expected_date_of_birth',
      ])
      .where('d.authority_id', '=', authorityId)
      .where('d.status', '=', 'open')
      // A pair with a record already merged elsewhere is hidden until that merge is undone.
      .where('a.merged_into_id', 'is', null)
      .where('b.merged_into_id', 'is', null)
      .orderBy('d.probability', 'desc')
      .orderBy('d.found_at')
      .orderBy('d.id')
      .limit(limit)
      .execute() as Promise<QueueRow[]>;
  }

  findCandidate(db: Executor, authorityId: string, id: string): Promise<CandidateRow | undefined> {
    return db.selectFrom('duplicate_candidates').selectAll().where('id', '=', id).where('authority_id', '=', authorityId).executeTakeFirst();
  }

  /** The candidate row of a pair, locked for the rest of the transaction. */
  findPairForUpdate(db: Executor, authorityId: string, x: string, y: string): Promise<CandidateRow | undefined> {
    const [a, b] = ordered(x, y);
    return db
      .selectFrom('duplicate_candidates')
      .selectAll()
      .where('person_a_id', '=', a)
      .where('person_b_id', '=', b)
      .where('authority_id', '=', authorityId)
      .forUpdate()
      .executeTakeFirst();
  }

  async decide(db: Executor, id: string, status: 'merged' | 'not-same', by: string | null, at: Date, note: string | null): Promise<void> {
    await db.updateTable('duplicate_candidates').set({ status, decided_by: by, decided_at: at, decision_note: note }).where('id', '=', id).execute();
  }

  /**
   * Locks both people, always in the order of their ids so that two merges of the same pair (or of
   * overlapping pairs) wait for each other instead of deadlocking, and returns them.
   */
  async lockPeople(db: Executor, authorityId: string, ids: string[]): Promise<Person[]> {
    return db.selectFrom('persons').selectAll().where('id', 'in', ids).where('authority_id', '=', authorityId).orderBy('id').forUpdate().execute();
  }

  person(db: Executor, authorityId: string, id: string): Promise<Person | undefined> {
    return db.selectFrom('persons').selectAll().where('id', '=', id).where('authority_id', '=', authorityId).executeTakeFirst();
  }

  async setMergedInto(db: Executor, personId: string, survivorId: string | null, at: Date | null): Promise<void> {
    await db.updateTable('persons').set({ merged_into_id: survivorId, merged_at: at }).where('id', '=', personId).execute();
  }

  async insertMerge(
    db: Executor,
    row: { id: string; authority_id: string; survivor_id: string; merged_id: string; reason: string; merged_by: string | null; merged_at: Date },
  ): Promise<void> {
    await db.insertInto('person_merges').values(row).execute();
  }

  findMerge(db: Executor, authorityId: string, id: string) {
    return db.selectFrom('person_merges').selectAll().where('id', '=', id).where('authority_id', '=', authorityId).executeTakeFirst();
  }

  findMergeForUpdate(db: Executor, authorityId: string, id: string) {
    return db.selectFrom('person_merges').selectAll().where('id', '=', id).where('authority_id', '=', authorityId).forUpdate().executeTakeFirst();
  }

  async markUnmerged(db: Executor, id: string, by: string | null, at: Date, reason: string): Promise<void> {
    await db.updateTable('person_merges').set({ unmerged_by: by, unmerged_at: at, unmerge_reason: reason }).where('id', '=', id).execute();
  }

  aliases(db: Executor, personIds: string[]) {
    if (personIds.length === 0) return Promise.resolve([]);
    return db.selectFrom('person_aliases').selectAll().where('person_id', 'in', personIds).orderBy('created_at').orderBy('id').execute();
  }

  /** Everyone else in the person's household. */
  householdMembers(db: Executor, authorityId: string, person: Person) {
    if (!person.household_id) return Promise.resolve([]);
    return db
      .selectFrom('persons')
      .select(['id', 'given_name', 'family_name', 'date_of_birth', 'expected_date_of_birth'])
      .where('household_id', '=', person.household_id)
      .where('authority_id', '=', authorityId)
      .where('id', '<>', person.id)
      .orderBy('date_of_birth')
      .orderBy('id')
      .execute();
  }

  /** How many completed conversations are about the person or a record merged into them. */
  async conversationCount(db: Executor, authorityId: string, personId: string): Promise<number> {
    const ids = await mergedSetIds(db, authorityId, [personId]);
    if (ids.length === 0) return 0;
    const row = await db
      .selectFrom('conversation_children as cc')
      .innerJoin('conversations as c', (j) => j.onRef('c.id', '=', 'cc.conversation_id').onRef('c.current_version', '=', 'cc.version'))
      .select(sql<number>`count(distinct c.id)`.as('n'))
      .where('cc.person_id', 'in', ids)
      .where('c.authority_id', '=', authorityId)
      .where('c.status', '=', 'completed')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  userName(db: Executor, id: string | null) {
    if (!id) return Promise.resolve(undefined);
    return db.selectFrom('users').select('display_name').where('id', '=', id).executeTakeFirst().then((r) => r?.display_name);
  }

  // The scan.

  lastScan(db: Executor, authorityId: string) {
    return db.selectFrom('duplicate_scans').selectAll().where('authority_id', '=', authorityId).executeTakeFirst();
  }

  async databaseNow(db: Executor): Promise<Date> {
    const row = await sql<{ now: Date }>`select now() as now`.execute(db);
    return new Date(row.rows[0]!.now);
  }

  /** The next batch of people to scan (keyset pagination by id): not merged, changed since the last scan. */
  async peopleToScan(db: Executor, authorityId: string, since: Date | null, after: string | null, limit: number): Promise<string[]> {
    const rows = await db
      .selectFrom('persons')
      .select('id')
      .where('authority_id', '=', authorityId)
      .where('merged_into_id', 'is', null)
      .$if(since !== null, (q) => q.where('updated_at', '>=', since!))
      .$if(after !== null, (q) => q.where('id', '>', after!))
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Puts pairs in the queue. A pair already decided ("not the same person", or merged) is never
   * proposed again; a pair still open, or put aside because it stopped looking alike, gets the
   * engine's latest view. Returns how many pairs are now open because of this call.
   */
  async propose(db: Executor, pairs: ProposedPair[]): Promise<number> {
    if (pairs.length === 0) return 0;
    const res = await db
      .insertInto('duplicate_candidates')
      .values(pairs.map((p) => ({ ...p, status: 'open' as const, reasons: JSON.stringify(p.reasons), against: JSON.stringify(p.against) })))
      .onConflict((oc) =>
        oc
          .columns(['person_a_id', 'person_b_id'])
          .doUpdateSet((eb) => ({
            probability: eb.ref('excluded.probability'),
            match_weight: eb.ref('excluded.match_weight'),
            reasons: eb.ref('excluded.reasons'),
            against: eb.ref('excluded.against'),
            band: eb.ref('excluded.band'),
            status: 'open' as const,
          }))
          .where('duplicate_candidates.status', 'in', ['open', 'superseded']),
      )
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0);
  }

  async scanStarted(db: Executor, authorityId: string): Promise<void> {
    await db.insertInto('duplicate_scans').values({ authority_id: authorityId }).onConflict((oc) => oc.column('authority_id').doNothing()).execute();
  }

  async scanFinished(db: Executor, authorityId: string, startedAt: Date, finishedAt: Date, peopleScanned: number, pairsFound: number): Promise<void> {
    await db
      .insertInto('duplicate_scans')
      .values({ authority_id: authorityId, last_started_at: startedAt, last_finished_at: finishedAt, people_scanned: peopleScanned, pairs_found: pairsFound })
      .onConflict((oc) =>
        oc.column('authority_id').doUpdateSet({ last_started_at: startedAt, last_finished_at: finishedAt, people_scanned: peopleScanned, pairs_found: pairsFound }),
      )
      .execute();
  }
}

/** A pair's ids in the order the queue stores them (person_a_id < person_b_id). */
export function ordered(x: string, y: string): [string, string] {
  return x < y ? [x, y] : [y, x];
}
