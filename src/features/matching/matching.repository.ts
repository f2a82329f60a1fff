import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { MatchStdColumn } from '../../platform/db/schema.js';

/** What scoring needs of a stored person, and what a worker needs to recognise them. */
export interface CandidateRow {
  id: string;
  household_id: string | null;
  given_name: string | null;
  family_name: string | null;
  date_of_birth: string | null;
  expected_date_of_birth: string | null;
  sex: string;
  nhs_number: string | null;
  postcode: string | null;
  postcode_outward: string | null;
  postcode_sector: string | null;
  address_line_1: string | null;
  town: string | null;
  ethnicity: string | null;
  upn: string | null;
  name_placeholder: boolean;
  match_std: MatchStdColumn;
}

/**
 * At most this many people come from the keys: those sharing the most keys with the search.
 * A common first name and year of birth can share one key with hundreds of children; the child
 * searched for shares several.
 */
const KEYED_CAP = 60;

const COLUMNS = [
  'id', 'household_id', 'given_name', 'family_name', 'date_of_birth', 'expected_date_of_birth', 'sex', 'nhs_number',
  'postcode', 'postcode_outward', 'postcode_sector', 'address_line_1', 'town', 'ethnicity', 'upn', 'name_placeholder', 'match_std',
] as const;

export class MatchingRepository {
  /**
   * Candidate generation: the people sharing the most blocking keys with the search (b-tree
   * lookups in person_match_keys), united with people in the same postcode sector whose names
   * are similar by trigrams. Merged records are left out: their survivor stands for them.
   */
  async candidates(
    db: Executor,
    authorityId: string,
    keys: string[],
    trigram: { sector: string; name: string } | null,
    exclude: string[],
    cap: number,
  ): Promise<CandidateRow[]> {
    if (keys.length === 0 && !trigram) return [];
    const cols = sql.join(COLUMNS.map((c) => sql.ref(`p.${c}`)));
    // The key lookup is materialised first, so the plan always starts from the few matching keys
    // (without statistics PostgreSQL may otherwise walk every person and probe the keys for each).
    const byKeys = sql`
      select ${cols} from (
        select person_id from person_match_keys
         where authority_id = ${authorityId} and key = any(${sql.val(keys.length ? keys : [''])}::text[])
         group by person_id order by count(*) desc, person_id limit ${KEYED_CAP}
      ) k join persons p on p.id = k.person_id
      where p.merged_into_id is null`;
    // Names like the one searched for, among the people of the postcode sector. similarity() on the
    // sector's rows, rather than the % operator, keeps the planner on the sector index.
    const bySector = trigram
      ? sql`
      union
      select ${cols} from persons p
       where p.id in (
         select s.id from persons s
          where s.authority_id = ${authorityId} and s.postcode_sector = ${trigram.sector} and s.merged_into_id is null
            and similarity(s.name_search, ${trigram.name}) >= 0.3)`
      : sql``;
    const res = await sql<CandidateRow>`with matched as materialized (${byKeys}${bySector}) select * from matched limit ${cap}`.execute(db);
    return exclude.length ? res.rows.filter((r) => !exclude.includes(r.id)) : res.rows;
  }

  /**
   * The broad rules (date of birth alone, a first name alone, a surname alone): each key is
   * looked up on its own and capped, so a common name cannot flood the search.
   */
  async broadCandidates(db: Executor, authorityId: string, keys: string[], exclude: string[], perKey: number): Promise<CandidateRow[]> {
    if (keys.length === 0) return [];
    const cols = sql.join(COLUMNS.map((c) => sql.ref(`p.${c}`)));
    const res = await sql<CandidateRow>`
      select distinct on (p.id) ${cols}
        from unnest(${sql.val(keys)}::text[]) as k(key)
        cross join lateral (
          select ${sql.join(COLUMNS.map((c) => sql.ref(`q.${c}`)))} from person_match_keys mk
            join persons q on q.id = mk.person_id
           where mk.authority_id = ${authorityId} and mk.key = k.key and q.merged_into_id is null
           limit ${perKey}
        ) p`.execute(db);
    return exclude.length ? res.rows.filter((r) => !exclude.includes(r.id)) : res.rows;
  }

  async person(db: Executor, authorityId: string, id: string): Promise<(CandidateRow & { merged_into_id: string | null }) | undefined> {
    return db.selectFrom('persons').select([...COLUMNS, 'merged_into_id']).where('id', '=', id).where('authority_id', '=', authorityId).executeTakeFirst() as never;
  }

  /** The frequencies of the given first names and family names, and the number of people. */
  async frequencies(db: Executor, authorityId: string, given: string[], family: string[]): Promise<{ field: string; value: string; n: number }[]> {
    return db
      .selectFrom('name_frequencies')
      .select(['field', 'value', 'n'])
      .where('authority_id', '=', authorityId)
      .where((eb) =>
        eb.or([
          eb.and([eb('field', '=', 'given'), eb('value', 'in', given.length ? given : [''])]),
          eb.and([eb('field', '=', 'family'), eb('value', 'in', family.length ? family : [''])]),
          eb.and([eb('field', '=', '*'), eb('value', '=', '*')]),
        ]),
      )
      .execute();
  }

  /** Recounts every name for an authority (after bulk loads, and nightly with the duplicate scan). */
  async refreshFrequencies(db: Executor, authorityId: string): Promise<void> {
    await db.deleteFrom('name_frequencies').where('authority_id', '=', authorityId).execute();
    await sql`
      insert into name_frequencies (authority_id, field, value, n)
      select ${authorityId}, 'given', split_part(given_fold, ' ', 1), count(*)::int from persons
       where authority_id = ${authorityId} and merged_into_id is null and given_fold is not null group by 2, 3
      union all
      select ${authorityId}, 'family', family_fold, count(*)::int from persons
       where authority_id = ${authorityId} and merged_into_id is null and family_fold is not null group by 2, 3
      union all
      select ${authorityId}, '*', '*', count(*)::int from persons where authority_id = ${authorityId} and merged_into_id is null`.execute(db);
  }

  /** People whose standardised values were made by older rules, with their aliases. */
  async stale(db: Executor, version: number, limit: number) {
    return db
      .selectFrom('persons as p')
      .select([
        'p.id', 'p.given_name', 'p.family_name', 'p.date_of_birth', 'p.expected_date_of_birth', 'p.sex', 'p.nhs_number', 'p.postcode',
        'p.address_line_1', 'p.address_line_2', 'p.town',
        sql<{ given_name: string | null; family_name: string | null }[]>`coalesce((select json_agg(json_build_object('given_name', a.given_name, 'family_name', a.family_name) order by a.created_at) from person_aliases a where a.person_id = p.id), '[]'::json)`.as('aliases'),
      ])
      .where('p.std_version', '<>', version)
      .limit(limit)
      .execute();
  }
}
