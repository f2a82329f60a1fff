import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';

/** A person covered by a restriction in force, and whether the user asking may open them. */
export interface RestrictedPersonRow {
  restriction_id: string;
  person_id: string;
  person_number: number;
  authority_id: string;
  /** Named on the restriction, or holding an unexpired grant ("break glass") for it. */
  accessible: boolean;
}

/** What a route's `:id` names, for the guard: the records whose people that page shows. */
export type SubjectKind =
  | 'person' | 'conversation' | 'mash-enquiry' | 'mash-request' | 'referral' | 'early-help-request' | 'disagreement'
  | 'allocation' | 'allocated-worker-notice' | 'duplicate' | 'merge' | 'mailbox-message' | 'call';

export class RestrictedRecordsRepository {
  /**
   * Everyone covered by a restriction in force in these authorities:
   *  - the person it was set on;
   *  - for a household restriction, everyone on that person's household record now (persons.household_id:
   *    brothers, sisters and adults added as living with the child), and anyone a relationship records
   *    as living with one of them;
   *  - and, for each of those, every record merged with theirs (both ways along merged_into_id), since
   *    a merged record shows the other's details.
   * `accessible` says whether `userId` is named on the restriction or holds an unexpired grant.
   *
   * Asked on every request, so it is a few small, well-estimated queries rather than one recursive
   * one: with no restriction in force (the usual case) it is one index lookup. (A recursive CTE over
   * persons is estimated at hundreds of thousands of rows, which sets off PostgreSQL's JIT compiler
   * and cost a second a request on the demo data.)
   */
  async restrictedPeople(db: Executor, authorities: readonly string[], userId: string | null, now: Date): Promise<RestrictedPersonRow[]> {
    if (authorities.length === 0) return [];
    const seeds = await sql<{ restriction_id: string; person_id: string }>`
      with active as (
        select r.id, r.scope, r.person_id, r.authority_id, a.household_id
        from record_restrictions r join persons a on a.id = r.person_id
        where r.authority_id in (${sql.join(authorities)}) and r.lifted_at is null
      ),
      household as (
        select act.id as restriction_id, p.id as person_id
        from active act join persons p on p.household_id = act.household_id and p.authority_id = act.authority_id
        where act.scope = 'household' and act.household_id is not null
      )
      select id as restriction_id, person_id from active
      union select restriction_id, person_id from household
      union select h.restriction_id, rel.related_person_id from household h join relationships rel on rel.person_id = h.person_id and rel.lives_with_child
      union select h.restriction_id, rel.person_id from household h join relationships rel on rel.related_person_id = h.person_id and rel.lives_with_child`.execute(db);
    if (seeds.rows.length === 0) return [];
    // Follow merges both ways until nothing new is found (merges are rare and short).
    const covering = new Map<string, Set<string>>();
    for (const r of seeds.rows) covering.set(r.person_id, new Set([...(covering.get(r.person_id) ?? []), r.restriction_id]));
    let frontier = [...covering.keys()];
    for (let i = 0; i < 50 && frontier.length; i++) {
      const links = await db
        .selectFrom('persons')
        .select(['id', 'merged_into_id'])
        .where((eb) => eb.or([eb.and([eb('id', 'in', frontier), eb('merged_into_id', 'is not', null)]), eb('merged_into_id', 'in', frontier)]))
        .execute();
      const next: string[] = [];
      for (const l of links) {
        const [a, b] = [l.id, l.merged_into_id!];
        for (const [from, to] of [[a, b], [b, a]] as const) {
          const have = covering.get(from);
          if (!have) continue;
          const theirs = covering.get(to) ?? new Set<string>();
          const before = theirs.size;
          for (const x of have) theirs.add(x);
          covering.set(to, theirs);
          if (theirs.size > before) next.push(to);
        }
      }
      frontier = [...new Set(next)];
    }
    const restrictionIds = [...new Set(seeds.rows.map((r) => r.restriction_id))];
    const open = userId
      ? new Set(
          (await sql<{ id: string }>`
            select restriction_id as id from record_restriction_users where user_id = ${userId} and restriction_id in (${sql.join(restrictionIds)})
            union select restriction_id from restricted_access_grants where user_id = ${userId} and expires_at > ${now} and restriction_id in (${sql.join(restrictionIds)})`.execute(db)).rows.map((r) => r.id),
        )
      : new Set<string>();
    const people = await db.selectFrom('persons').select(['id', 'person_number', 'authority_id']).where('id', 'in', [...covering.keys()]).execute();
    return people.flatMap((p) =>
      [...covering.get(p.id)!].map((restriction_id) => ({ restriction_id, person_id: p.id, person_number: Number(p.person_number), authority_id: p.authority_id, accessible: open.has(restriction_id) })),
    );
  }

  /** Conversations with any of these people among their children (any version), and written referrals matched or suggested to them. */
  async recordsAbout(db: Executor, personIds: string[]): Promise<string[]> {
    if (personIds.length === 0) return [];
    const r = await sql<{ id: string }>`
      select conversation_id as id from conversation_children where person_id in (${sql.join(personIds)})
      union select referral_id from referral_children where person_id in (${sql.join(personIds)}) or suggested_person_id in (${sql.join(personIds)})`.execute(db);
    return r.rows.map((x) => x.id);
  }

  /**
   * The people a record is about, for the guard: the children of a conversation (every version), of a
   * MASH enquiry or request, the child of a referral, Early Help request, disagreement or allocation,
   * the pair of a possible duplicate or merge, the children of an email in the local mailbox or of a
   * call's conversation. Only within the given authorities: anything else is left to the route's own
   * "not found".
   */
  async subjectPeople(db: Executor, kind: SubjectKind, id: string, authorities: readonly string[]): Promise<string[]> {
    const a = sql.join(authorities);
    let q;
    switch (kind) {
      case 'person':
        q = sql<{ id: string }>`select id from persons where id = ${id} and authority_id in (${a})`;
        break;
      case 'conversation':
        q = sql<{ id: string }>`select cc.person_id as id from conversation_children cc join conversations c on c.id = cc.conversation_id
          where c.id = ${id} and c.authority_id in (${a})`;
        break;
      case 'mash-enquiry':
        q = sql<{ id: string }>`select ec.person_id as id from mash_enquiry_children ec join mash_enquiries e on e.id = ec.enquiry_id
          where e.id = ${id} and e.authority_id in (${a})`;
        break;
      case 'mash-request':
        q = sql<{ id: string }>`select ec.person_id as id from mash_check_requests r join mash_enquiry_children ec on ec.enquiry_id = r.enquiry_id
          where r.id = ${id} and r.authority_id in (${a})`;
        break;
      case 'referral':
        q = sql<{ id: string }>`select unnest(array[rc.person_id, rc.suggested_person_id]) as id from referral_children rc join referrals r on r.id = rc.referral_id
          where r.id = ${id} and r.authority_id in (${a})`;
        break;
      case 'early-help-request':
        q = sql<{ id: string }>`select person_id as id from early_help_requests where id = ${id} and authority_id in (${a})`;
        break;
      case 'disagreement':
        q = sql<{ id: string }>`select person_id as id from disagreements where id = ${id} and authority_id in (${a})`;
        break;
      case 'allocation':
        q = sql<{ id: string }>`select person_id as id from worker_allocations where id = ${id} and authority_id in (${a})`;
        break;
      case 'allocated-worker-notice':
        q = sql<{ id: string }>`select person_id as id from allocated_worker_notices where id = ${id} and authority_id in (${a})`;
        break;
      case 'duplicate':
        q = sql<{ id: string }>`select unnest(array[person_a_id, person_b_id]) as id from duplicate_candidates where id = ${id} and authority_id in (${a})`;
        break;
      case 'merge':
        q = sql<{ id: string }>`select unnest(array[survivor_id, merged_id]) as id from person_merges where id = ${id} and authority_id in (${a})`;
        break;
      case 'mailbox-message':
        q = sql<{ id: string }>`select cc.person_id as id from mailbox_messages m join written_records w on w.id = m.written_record_id
            join conversation_children cc on cc.conversation_id = w.conversation_id
          where m.id = ${id} and m.authority_id in (${a})
          union select ec.person_id from mailbox_messages m join written_records w on w.id = m.written_record_id
            join mash_enquiry_children ec on ec.enquiry_id = w.mash_enquiry_id
          where m.id = ${id} and m.authority_id in (${a})`;
        break;
      case 'call':
        q = sql<{ id: string }>`select cc.person_id as id from calls c join conversation_children cc on cc.conversation_id = c.conversation_id
          where c.id = ${id} and c.authority_id in (${a})`;
        break;
    }
    const rows = (await q.execute(db)).rows;
    return [...new Set(rows.map((r) => r.id).filter((x): x is string => !!x))];
  }

  /** The restriction set on this person (in force), if any. */
  activeOn(db: Executor, authorityId: string, personId: string) {
    return db.selectFrom('record_restrictions').selectAll().where('person_id', '=', personId).where('authority_id', '=', authorityId).where('lifted_at', 'is', null).executeTakeFirst();
  }

  /** The same, locked for a change. */
  activeOnForUpdate(db: Executor, authorityId: string, personId: string) {
    return db.selectFrom('record_restrictions').selectAll().where('person_id', '=', personId).where('authority_id', '=', authorityId).where('lifted_at', 'is', null).forUpdate().executeTakeFirst();
  }

  byIds(db: Executor, ids: string[]) {
    if (ids.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('record_restrictions as r')
      .innerJoin('persons as p', 'p.id', 'r.person_id')
      .innerJoin('users as o', 'o.id', 'r.owner_id')
      .select(['r.id', 'r.authority_id', 'r.person_id', 'r.scope', 'r.owner_id', 'r.restricted_by', 'o.email as owner_email', 'o.display_name as owner_name', 'p.person_number'])
      .where('r.id', 'in', ids)
      .execute();
  }

  namedUsers(db: Executor, restrictionIds: string[]) {
    if (restrictionIds.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('record_restriction_users as ru')
      .innerJoin('users as u', 'u.id', 'ru.user_id')
      .select(['ru.restriction_id', 'u.id', 'u.email', 'u.display_name', 'u.role'])
      .where('ru.restriction_id', 'in', restrictionIds)
      .orderBy('u.display_name')
      .execute();
  }

  async insertRestriction(
    db: Executor,
    row: { id: string; authority_id: string; person_id: string; scope: 'person' | 'household'; reason: string; owner_id: string; restricted_by: string | null; restricted_at: Date },
  ) {
    await db.insertInto('record_restrictions').values({ ...row, updated_at: row.restricted_at }).execute();
  }

  /** Optimistic update: false when someone else changed the restriction first. */
  async updateRestriction(db: Executor, id: string, expectedVersion: number, fields: { scope: 'person' | 'household'; reason: string; owner_id: string }, now: Date): Promise<boolean> {
    const r = await db
      .updateTable('record_restrictions')
      .set({ ...fields, updated_at: now, version: sql`version + 1` })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .where('lifted_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async lift(db: Executor, id: string, expectedVersion: number, by: string | null, reason: string, now: Date): Promise<boolean> {
    const r = await db
      .updateTable('record_restrictions')
      .set({ lifted_at: now, lifted_by: by, lift_reason: reason, updated_at: now, version: sql`version + 1` })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .where('lifted_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async setNamedUsers(db: Executor, restrictionId: string, add: string[], remove: string[], by: string | null, now: Date) {
    if (remove.length) await db.deleteFrom('record_restriction_users').where('restriction_id', '=', restrictionId).where('user_id', 'in', remove).execute();
    if (add.length) {
      await db
        .insertInto('record_restriction_users')
        .values(add.map((user_id) => ({ restriction_id: restrictionId, user_id, added_by: by, added_at: now })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  }

  async insertGrant(
    db: Executor,
    row: { id: string; authority_id: string; restriction_id: string; user_id: string; reason: string; opened_path: string; granted_at: Date; expires_at: Date },
  ) {
    await db.insertInto('restricted_access_grants').values(row).execute();
  }

  /** This user's unexpired grants, newest first. */
  activeGrants(db: Executor, userId: string, restrictionIds: string[], now: Date) {
    if (restrictionIds.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('restricted_access_grants')
      .selectAll()
      .where('user_id', '=', userId)
      .where('restriction_id', 'in', restrictionIds)
      .where('expires_at', '>', now)
      .orderBy('granted_at', 'desc')
      .execute();
  }

  /** The people on a person's household record and those recorded as living with them (for the form). */
  async householdOf(db: Executor, authorityId: string, personId: string) {
    const r = await sql<{ id: string }>`
      with h as (
        select p.id from persons a join persons p on p.household_id = a.household_id and p.authority_id = a.authority_id
        where a.id = ${personId} and a.authority_id = ${authorityId} and a.household_id is not null and p.merged_into_id is null
      )
      select id from h
      union select rel.related_person_id from relationships rel join h on h.id = rel.person_id where rel.lives_with_child and rel.authority_id = ${authorityId}
      union select rel.person_id from relationships rel join h on h.id = rel.related_person_id where rel.lives_with_child and rel.authority_id = ${authorityId}`.execute(db);
    const ids = r.rows.map((x) => x.id).filter((x) => x !== personId);
    if (ids.length === 0) return [];
    return db
      .selectFrom('persons')
      .select(['id', 'given_name', 'family_name', 'date_of_birth', 'expected_date_of_birth', 'person_number'])
      .where('id', 'in', ids)
      .where('merged_into_id', 'is', null)
      .orderBy('date_of_birth')
      .execute();
  }

  person(db: Executor, authorityId: string, personId: string) {
    return db
      .selectFrom('persons')
      .select(['id', 'given_name', 'family_name', 'date_of_birth', 'expected_date_of_birth', 'person_number', 'merged_into_id', 'authority_id'])
      .where('id', '=', personId)
      .where('authority_id', '=', authorityId)
      .executeTakeFirst();
  }

  personByNumber(db: Executor, authorityId: string, personNumber: number) {
    return db.selectFrom('persons').select(['id']).where('person_number', '=', personNumber).where('authority_id', '=', authorityId).executeTakeFirst();
  }

  /** Active users of the authority with these email addresses (any case). */
  usersByEmail(db: Executor, authorityId: string, emails: string[]) {
    if (emails.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('users')
      .select(['id', 'email', 'display_name', 'role'])
      .where('authority_id', '=', authorityId)
      .where('disabled_at', 'is', null)
      .where((eb) => eb(eb.fn('lower', ['email']), 'in', emails.map((e) => e.toLowerCase())))
      .execute();
  }

  user(db: Executor, id: string) {
    return db.selectFrom('users').select(['id', 'email', 'display_name', 'role', 'team_id', 'authority_id', 'disabled_at']).where('id', '=', id).executeTakeFirst();
  }

  /** Active team managers of the authority, those of the given team first. */
  managers(db: Executor, authorityId: string, teamId: string | null) {
    return db
      .selectFrom('users')
      .select(['id', 'email', 'display_name', 'team_id'])
      .where('authority_id', '=', authorityId)
      .where('role', '=', 'team-manager')
      .where('disabled_at', 'is', null)
      .orderBy(sql`case when team_id = ${teamId} then 0 else 1 end`)
      .orderBy('display_name')
      .orderBy('id')
      .execute();
  }

  /** The restrictions in force in an authority, newest first, with the person's number. */
  list(db: Executor, authorityId: string) {
    return db
      .selectFrom('record_restrictions as r')
      .innerJoin('persons as p', 'p.id', 'r.person_id')
      .innerJoin('users as o', 'o.id', 'r.owner_id')
      .leftJoin('users as b', 'b.id', 'r.restricted_by')
      .select([
        'r.id', 'r.person_id', 'r.scope', 'r.restricted_at', 'r.reason', 'p.person_number', 'p.given_name', 'p.family_name', 'p.expected_date_of_birth',
        'o.display_name as owner_name', 'b.display_name as restricted_by_name',
      ])
      .where('r.authority_id', '=', authorityId)
      .where('r.lifted_at', 'is', null)
      .orderBy('r.restricted_at', 'desc')
      .execute();
  }

  /** Grants on these restrictions since a time, newest first, with who was given them. */
  grantsSince(db: Executor, restrictionIds: string[], since: Date) {
    if (restrictionIds.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('restricted_access_grants as g')
      .innerJoin('users as u', 'u.id', 'g.user_id')
      .select(['g.id', 'g.restriction_id', 'g.reason', 'g.granted_at', 'g.expires_at', 'g.opened_path', 'u.display_name as user_name', 'u.role as user_role'])
      .where('g.restriction_id', 'in', restrictionIds)
      .where('g.granted_at', '>=', since)
      .orderBy('g.granted_at', 'desc')
      .execute();
  }

  async insertTasks(db: Executor, rows: { id: string; authority_id: string; assigned_to: string; subject_id: string; detail: string; created_at: Date }[]) {
    if (rows.length === 0) return;
    await db
      .insertInto('tasks')
      .values(rows.map((r) => ({ ...r, kind: 'restricted-record-opened', subject_type: 'restricted-access-grant', conversation_id: null, written_record_id: null })))
      .execute();
  }

  /** A user's open "restricted record opened" tasks, with the grant each is about. */
  openTasks(db: Executor, userId: string, authorityId: string) {
    return db
      .selectFrom('tasks as t')
      .innerJoin('restricted_access_grants as g', 'g.id', 't.subject_id')
      .innerJoin('record_restrictions as r', 'r.id', 'g.restriction_id')
      .innerJoin('persons as p', 'p.id', 'r.person_id')
      .innerJoin('users as u', 'u.id', 'g.user_id')
      .select(['t.id', 't.created_at', 'g.reason', 'g.granted_at', 'g.expires_at', 'r.person_id', 'p.person_number', 'u.display_name as user_name', 'u.role as user_role'])
      .where('t.assigned_to', '=', userId)
      .where('t.authority_id', '=', authorityId)
      .where('t.kind', '=', 'restricted-record-opened')
      .where('t.done_at', 'is', null)
      .orderBy('t.created_at')
      .execute();
  }

  async closeTask(db: Executor, taskId: string, userId: string, authorityId: string, now: Date): Promise<boolean> {
    const r = await db
      .updateTable('tasks')
      .set({ done_at: now, done_by: userId })
      .where('id', '=', taskId)
      .where('assigned_to', '=', userId)
      .where('authority_id', '=', authorityId)
      .where('kind', '=', 'restricted-record-opened')
      .where('done_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
