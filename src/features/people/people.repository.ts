import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { Person } from '../../platform/db/schema.js';
import type { PersonRecord } from '../../domain/person-rules.js';
import { mergedSetIds } from '../../platform/db/merged-persons.js';

export interface SearchCriteria {
  name: string | null;
  dob: string | null;
  ageYears: number | null;
  postcode: string | null;
  nhsNumber: string | null;
  today: string;
}

export interface ChronologyRow {
  conversation_id: string;
  reference: string;
  started_at: Date;
  service: string;
  out_of_hours: boolean;
  status: string;
  current_version: number;
  caller_name: string | null;
  caller_agency_code: string | null;
  caller_agency_other: string | null;
  caller_type: string | null;
  concern_categories: string[];
  worker_name: string;
  person_id: string;
  given_name: string | null;
  family_name: string | null;
  expected_date_of_birth: string | null;
  outcome_code: string | null;
  level_code: string | null;
}

export class PeopleRepository {
  /** Everyone (not merged away) in the given households, for search-result context. */
  householdMembers(db: Executor, authorityId: string, householdIds: string[]) {
    if (householdIds.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('persons')
      .select(['id', 'household_id', 'given_name', 'family_name', 'date_of_birth', 'expected_date_of_birth'])
      .where('authority_id', '=', authorityId)
      .where('household_id', 'in', [...new Set(householdIds)])
      .where('merged_into_id', 'is', null)
      .orderBy('date_of_birth')
      .execute();
  }

  findById(db: Executor, authorityId: string, id: string): Promise<Person | undefined> {
    return db.selectFrom('persons').selectAll().where('id', '=', id).where('authority_id', '=', authorityId).executeTakeFirst();
  }

  aliases(db: Executor, personId: string) {
    return db.selectFrom('person_aliases').selectAll().where('person_id', '=', personId).orderBy('created_at').execute();
  }

  async insert(
    db: Executor,
    row: PersonRecord & { id: string; authority_id: string; household_id: string | null; created_by: string | null; name_search: string },
  ): Promise<void> {
    await db.insertInto('persons').values(row).execute();
  }

  async insertAlias(db: Executor, personId: string, id: string, alias: { given_name: string | null; family_name: string | null }) {
    await db.insertInto('person_aliases').values({ id, person_id: personId, ...alias }).execute();
  }

  /** Optimistic update: returns false when someone else changed the record first. */
  async update(db: Executor, authorityId: string, id: string, expectedVersion: number, row: PersonRecord & { name_search: string }, now: Date) {
    const res = await db
      .updateTable('persons')
      .set({ ...row, updated_at: now, version: sql`version + 1` })
      .where('id', '=', id)
      .where('authority_id', '=', authorityId)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async createHousehold(db: Executor, id: string, authorityId: string) {
    await db.insertInto('households').values({ id, authority_id: authorityId }).execute();
  }

  async setHousehold(db: Executor, personId: string, householdId: string) {
    await db.updateTable('persons').set({ household_id: householdId }).where('id', '=', personId).execute();
  }

  /** The people related to a person, in either direction, as seen from that person. */
  async family(db: Executor, authorityId: string, personId: string) {
    // Outward: rows where this person is the subject ("Ann is the mother of <person>"); inward: the reverse.
    const links = (direction: 'outward' | 'inward') => {
      const [self, other] = direction === 'outward' ? (['r.person_id', 'r.related_person_id'] as const) : (['r.related_person_id', 'r.person_id'] as const);
      return db
        .selectFrom('relationships as r')
        .innerJoin('persons as p', 'p.id', other)
        .select([
          'p.id', 'p.given_name', 'p.family_name', 'p.date_of_birth', 'p.expected_date_of_birth', 'p.household_id',
          'r.relationship_type', 'r.lives_with_child', sql<string>`${direction}`.as('direction'),
        ])
        .where(self, '=', personId)
        .where('r.authority_id', '=', authorityId);
    };
    return links('outward').unionAll(links('inward')).execute();
  }

  async addRelationship(
    db: Executor,
    row: { id: string; authority_id: string; person_id: string; related_person_id: string; relationship_type: string; lives_with_child: boolean; created_by: string | null },
  ) {
    await db
      .insertInto('relationships')
      .values(row)
      .onConflict((oc) => oc.columns(['person_id', 'related_person_id']).doUpdateSet({ relationship_type: row.relationship_type, lives_with_child: row.lives_with_child }))
      .execute();
  }

  /**
   * The child and everyone in their household or family network, whose conversations make up the
   * chronology. Records merged into the child count as the child (their households and family too),
   * and records merged into anyone found count as that person.
   */
  async householdIds(db: Executor, authorityId: string, person: Person): Promise<string[]> {
    const own = await this.mergedIds(db, authorityId, person.id);
    const households =
      own.length > 1
        ? [...new Set((await db.selectFrom('persons').select('household_id').where('id', 'in', own).execute()).map((p) => p.household_id).filter((h): h is string => !!h))]
        : person.household_id ? [person.household_id] : [];
    // A union of indexed lookups: an OR across them would make PostgreSQL scan every person.
    const rows = await db
      .selectFrom('persons')
      .select('id')
      .where('id', 'in', own)
      .$if(households.length > 0, (q) =>
        q.union(db.selectFrom('persons').select('id').where('household_id', 'in', households).where('authority_id', '=', authorityId)),
      )
      .union(db.selectFrom('relationships').select('related_person_id as id').where('person_id', 'in', own).where('authority_id', '=', authorityId))
      .union(db.selectFrom('relationships').select('person_id as id').where('related_person_id', 'in', own).where('authority_id', '=', authorityId))
      .execute();
    return mergedSetIds(db, authorityId, rows.map((r) => r.id));
  }

  /** The person and every record merged into them (directly or through a chain of merges). */
  mergedIds(db: Executor, authorityId: string, personId: string): Promise<string[]> {
    return mergedSetIds(db, authorityId, [personId]);
  }

  /** The merge that folded this person into another record, if they are merged, with the record kept. */
  mergedInto(db: Executor, authorityId: string, personId: string) {
    return db
      .selectFrom('person_merges as m')
      .innerJoin('persons as s', 's.id', 'm.survivor_id')
      .leftJoin('users as u', 'u.id', 'm.merged_by')
      .select(['m.id', 'm.merged_at', 'm.reason', 'u.display_name as merged_by_name', 's.id as survivor_id', 's.given_name', 's.family_name', 's.expected_date_of_birth'])
      .where('m.merged_id', '=', personId)
      .where('m.authority_id', '=', authorityId)
      .where('m.unmerged_at', 'is', null)
      .executeTakeFirst();
  }

  /** Records merged straight into this one (not yet undone), newest first. */
  mergesInto(db: Executor, authorityId: string, survivorId: string) {
    return db
      .selectFrom('person_merges as m')
      .innerJoin('persons as p', 'p.id', 'm.merged_id')
      .leftJoin('users as u', 'u.id', 'm.merged_by')
      .select(['m.id', 'm.merged_at', 'm.reason', 'u.display_name as merged_by_name', 'p.id as person_id', 'p.given_name', 'p.family_name', 'p.date_of_birth', 'p.expected_date_of_birth'])
      .where('m.survivor_id', '=', survivorId)
      .where('m.authority_id', '=', authorityId)
      .where('m.unmerged_at', 'is', null)
      .orderBy('m.merged_at', 'desc')
      .execute();
  }

  /** Completed conversations (their current version) about any of the given people, newest first. */
  chronology(db: Executor, authorityId: string, personIds: string[]): Promise<ChronologyRow[]> {
    if (personIds.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('conversation_children as cc')
      .innerJoin('conversations as c', (j) => j.onRef('c.id', '=', 'cc.conversation_id').onRef('c.current_version', '=', 'cc.version'))
      .innerJoin('conversation_versions as cv', (j) => j.onRef('cv.conversation_id', '=', 'c.id').onRef('cv.version', '=', 'c.current_version'))
      .innerJoin('persons as p', 'p.id', 'cc.person_id')
      .innerJoin('users as u', 'u.id', 'c.worker_id')
      .select([
        'c.id as conversation_id', 'c.reference', 'c.started_at', 'c.service', 'c.out_of_hours', 'c.status', 'c.current_version',
        'cv.caller_name', 'cv.caller_agency_code', 'cv.caller_agency_other', 'cv.caller_type', 'cv.concern_categories',
        'u.display_name as worker_name',
        'cc.person_id', 'p.given_name', 'p.family_name', 'p.expected_date_of_birth', 'cc.outcome_code', 'cc.level_code',
      ])
      .where('cc.person_id', 'in', personIds)
      // Redundant with the join, but lets the planner fetch just these people by key.
      .where('p.id', 'in', personIds)
      .where('c.authority_id', '=', authorityId)
      .where('c.status', '=', 'completed')
      .orderBy('c.started_at', 'desc')
      .orderBy('cc.conversation_id')
      .orderBy('cc.position')
      .execute() as Promise<ChronologyRow[]>;
  }
}
