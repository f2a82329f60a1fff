import { sql } from 'kysely';
import type { Executor } from './database.js';

/**
 * Merged records. A merge never rewrites rows: the duplicate gets `merged_into_id` pointing at the
 * record kept, and reads follow those links. The "merged set" of a person is that person plus
 * everyone whose chain of `merged_into_id` leads to them; it is what the person's record shows.
 *
 * Shared by the people and duplicates features (and the conversations feature, which adds a
 * child's survivor rather than a merged record), so it lives with the database code.
 */

/** The people given plus everyone merged (directly or through a chain) into any of them, within the authority. */
export async function mergedSetIds(db: Executor, authorityId: string, personIds: string[]): Promise<string[]> {
  if (personIds.length === 0) return [];
  const rows = await db
    .withRecursive('merged_set(id)', (qb) =>
      qb
        .selectFrom('persons')
        .select('id')
        .where('id', 'in', personIds)
        .where('authority_id', '=', authorityId)
        .union((qb2) =>
          qb2
            .selectFrom('persons as p')
            .innerJoin('merged_set as m', 'm.id', 'p.merged_into_id')
            // Redundant with the join, but lets the planner use the partial index on merged_into_id.
            .where('p.merged_into_id', 'is not', null)
            .where('p.authority_id', '=', authorityId)
            .select('p.id'),
        ),
    )
    .selectFrom('merged_set')
    .select('id')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * The record a person now lives on: the end of their `merged_into_id` chain (the person themselves
 * when they are not merged). Undefined when there is no such person in the authority.
 */
export async function finalSurvivorId(db: Executor, authorityId: string, personId: string): Promise<string | undefined> {
  const row = await db
    .withRecursive('chain(id, merged_into_id, depth)', (qb) =>
      qb
        .selectFrom('persons')
        .select(['id', 'merged_into_id', sql<number>`0`.as('depth')])
        .where('id', '=', personId)
        .where('authority_id', '=', authorityId)
        .union((qb2) =>
          qb2
            .selectFrom('persons as p')
            .innerJoin('chain as c', 'c.merged_into_id', 'p.id')
            .where('p.authority_id', '=', authorityId)
            // A guard only: merges cannot form a cycle (a record kept is never itself merged).
            .where('c.depth', '<', 100)
            .select(['p.id', 'p.merged_into_id', sql<number>`c.depth + 1`.as('depth')]),
        ),
    )
    .selectFrom('chain')
    .select('id')
    .orderBy('depth', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}
