// issue10-A: the audit log's queries for administrators.
import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { DB } from '../../platform/db/schema.js';

/** What an administrator searches by; the authority is always theirs. */
export interface AuditFilter {
  authorityId: string;
  userId: string | null;
  personId: string | null;
  /** Instants: from inclusive, to exclusive. */
  from: Date;
  to: Date;
}

export interface AuditRow {
  id: number;
  occurred_at: Date;
  action: string;
  actor_role: string | null;
  entity_type: string;
  entity_id: string | null;
  person_id: string | null;
  actor_user_id: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  request_id: string | null;
  user_name: string | null;
  service_name: string | null;
  given_name: string | null;
  family_name: string | null;
  expected_date_of_birth: string | null;
  reference: string | null;
}

export interface AuditExportRow extends AuditRow {
  seq: number | null;
  hash: string | null;
}

type From = SelectQueryBuilder<DB, 'audit_events', object>;

/**
 * The authority's entries: its own, and the system's entries (no one signed in) that name it in
 * their details. Written as two index-friendly conditions rather than one coalesce.
 */
function ofAuthority(eb: ExpressionBuilder<DB, 'audit_events'>, authorityId: string) {
  return eb.or([
    eb('audit_events.authority_id', '=', authorityId),
    eb.and([eb('audit_events.authority_id', 'is', null), eb(sql<string>`audit_events.details->>'authorityId'`, '=', authorityId)]),
  ]);
}

function filtered(db: Executor, f: AuditFilter): From {
  let q = db
    .selectFrom('audit_events')
    .where((eb) => ofAuthority(eb, f.authorityId))
    .where('audit_events.occurred_at', '>=', f.from)
    .where('audit_events.occurred_at', '<', f.to);
  if (f.userId) q = q.where('audit_events.actor_user_id', '=', f.userId);
  if (f.personId) q = q.where('audit_events.person_id', '=', f.personId);
  return q;
}

function withNames(q: From) {
  return q
    .leftJoin('users as u', 'u.id', 'audit_events.actor_user_id')
    .leftJoin('service_accounts as s', 's.id', 'audit_events.actor_service_account_id')
    .leftJoin('persons as pe', 'pe.id', 'audit_events.person_id')
    .leftJoin('conversations as c', 'c.id', 'audit_events.conversation_id')
    .select([
      'audit_events.id', 'audit_events.occurred_at', 'audit_events.action', 'audit_events.actor_role', 'audit_events.entity_type', 'audit_events.entity_id',
      'audit_events.person_id', 'audit_events.actor_user_id', 'audit_events.details', 'audit_events.ip', 'audit_events.request_id',
      'u.display_name as user_name', 's.name as service_name', 'pe.given_name', 'pe.family_name', 'pe.expected_date_of_birth', 'c.reference',
    ])
    .orderBy('audit_events.occurred_at', 'desc')
    .orderBy('audit_events.id', 'desc');
}

export class AuditRepository {
  /** How many entries match, counting no further than `cap` (so a ten-year search stays quick). */
  async count(db: Executor, f: AuditFilter, cap: number): Promise<number> {
    const row = await db
      .selectFrom(filtered(db, f).select(sql<number>`1`.as('one')).limit(cap).as('m'))
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    return row.n;
  }

  async page(db: Executor, f: AuditFilter, offset: number, limit: number): Promise<AuditRow[]> {
    return (await withNames(filtered(db, f)).offset(offset).limit(limit).execute()) as AuditRow[];
  }

  /** Every matching entry (at most `limit`), with its place in the hash chain. */
  async export(db: Executor, f: AuditFilter, limit: number): Promise<AuditExportRow[]> {
    return (await withNames(filtered(db, f))
      .leftJoin('audit_chain as ch', 'ch.event_id', 'audit_events.id')
      .select(['ch.seq', sql<string | null>`encode(ch.hash, 'hex')`.as('hash')])
      .limit(limit)
      .execute()) as AuditExportRow[];
  }

  /** The authority's staff, to choose from. */
  async users(db: Executor, authorityId: string) {
    return db.selectFrom('users').select(['id', 'display_name', 'email']).where('authority_id', '=', authorityId).orderBy('display_name').orderBy('email').execute();
  }

  async findPerson(db: Executor, authorityId: string, id: string) {
    return db.selectFrom('persons').select(['id', 'given_name', 'family_name', 'expected_date_of_birth']).where('id', '=', id).where('authority_id', '=', authorityId).executeTakeFirst();
  }

  /** The children of a conversation found by its reference, in the authority. */
  async childrenOfConversation(db: Executor, authorityId: string, reference: string) {
    const conversation = await db.selectFrom('conversations').select('id').where('authority_id', '=', authorityId).where('reference', '=', reference).executeTakeFirst();
    if (!conversation) return null;
    return db
      .selectFrom('conversation_children as cc')
      .innerJoin('persons as pe', 'pe.id', 'cc.person_id')
      .select(['pe.id', 'pe.given_name', 'pe.family_name', 'pe.expected_date_of_birth'])
      .distinct()
      .where('cc.conversation_id', '=', conversation.id)
      .execute();
  }

  /** A child's trail, newest first. */
  async trail(db: Executor, personId: string, limit: number) {
    return db
      .selectFrom('audit_events as a')
      .leftJoin('users as u', 'u.id', 'a.actor_user_id')
      .leftJoin('service_accounts as s', 's.id', 'a.actor_service_account_id')
      .leftJoin('conversations as c', 'c.id', 'a.conversation_id')
      .select(['a.id', 'a.occurred_at', 'a.action', 'a.actor_role', 'a.ip', 'a.details', 'u.display_name', 's.name as service_name', 'c.reference'])
      .where('a.person_id', '=', personId)
      .orderBy('a.id', 'desc')
      .limit(limit)
      .execute();
  }
}
