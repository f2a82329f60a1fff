import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { ProfessionalsTable, ProfessionalChangesTable } from '../../platform/db/schema.js';
import type { Insertable, Selectable } from 'kysely';

export type ProfessionalRow = Selectable<ProfessionalsTable>;
export type ProfessionalChangeRow = Selectable<ProfessionalChangesTable>;

/** An entry with how often and when it last called. */
export interface ProfessionalSummary extends ProfessionalRow {
  conversations: number;
  last_called_at: Date | null;
}

export class ProfessionalsRepository {
  private summaries(db: Executor, authorityId: string) {
    return db
      .selectFrom('professionals as p')
      .selectAll('p')
      .select([
        (eb) => eb.selectFrom('conversation_professionals as cp').select(sql<number>`count(*)::int`.as('n')).whereRef('cp.professional_id', '=', 'p.id').as('conversations'),
        (eb) =>
          eb
            .selectFrom('conversation_professionals as cp')
            .innerJoin('conversations as c', 'c.id', 'cp.conversation_id')
            .select(sql<Date>`max(c.started_at)`.as('last'))
            .whereRef('cp.professional_id', '=', 'p.id')
            .as('last_called_at'),
      ])
      .where('p.authority_id', '=', authorityId);
  }

  async find(db: Executor, authorityId: string, id: string): Promise<ProfessionalSummary | undefined> {
    return (await this.summaries(db, authorityId).where('p.id', '=', id).executeTakeFirst()) as ProfessionalSummary | undefined;
  }

  findForUpdate(db: Executor, authorityId: string, id: string) {
    return db.selectFrom('professionals').selectAll().where('authority_id', '=', authorityId).where('id', '=', id).forUpdate().executeTakeFirst();
  }

  /** Entries (merged or not) holding this email or phone number. */
  byContact(db: Executor, authorityId: string, phoneE164: string | null, email: string | null) {
    if (!phoneE164 && !email) return Promise.resolve([] as ProfessionalRow[]);
    return db
      .selectFrom('professionals')
      .selectAll()
      .where('authority_id', '=', authorityId)
      .where((eb) => eb.or([...(phoneE164 ? [eb('phone_e164', '=', phoneE164)] : []), ...(email ? [eb('email', '=', email)] : [])]))
      .orderBy('updated_at', 'desc')
      .limit(50)
      .execute();
  }

  /** Active entries (not merged away) holding this email or phone number, with their calls. */
  async activeByContact(db: Executor, authorityId: string, phoneE164: string | null, email: string | null): Promise<ProfessionalSummary[]> {
    if (!phoneE164 && !email) return [];
    return (await this.summaries(db, authorityId)
      .where('p.merged_into', 'is', null)
      .where((eb) => eb.or([...(phoneE164 ? [eb('p.phone_e164', '=', phoneE164)] : []), ...(email ? [eb('p.email', '=', email)] : [])]))
      .orderBy('p.updated_at', 'desc')
      .limit(10)
      .execute()) as ProfessionalSummary[];
  }

  /** Where a merged entry's chain ends: the entry kept. */
  async survivorOf(db: Executor, authorityId: string, id: string): Promise<ProfessionalRow | undefined> {
    let row = await db.selectFrom('professionals').selectAll().where('authority_id', '=', authorityId).where('id', '=', id).executeTakeFirst();
    for (let i = 0; row?.merged_into && i < 20; i++) {
      row = await db.selectFrom('professionals').selectAll().where('authority_id', '=', authorityId).where('id', '=', row.merged_into).executeTakeFirst();
    }
    return row;
  }

  /** The directory's search: every word of the text in the name, or the phone number, or the email; optionally one agency. */
  async search(db: Executor, authorityId: string, q: { text: string | null; phoneE164: string | null; email: string | null; agencyCode: string | null }, limit = 50): Promise<ProfessionalSummary[]> {
    let query = this.summaries(db, authorityId).where('p.merged_into', 'is', null);
    if (q.agencyCode) query = query.where('p.agency_code', '=', q.agencyCode);
    if (q.phoneE164 || q.email || q.text) {
      query = query.where((eb) => {
        const ors = [];
        if (q.phoneE164) ors.push(eb('p.phone_e164', '=', q.phoneE164));
        if (q.email) ors.push(eb('p.email', '=', q.email));
        if (q.text) {
          const words = q.text.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 6);
          const like = (w: string) => `%${w.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
          ors.push(eb.and(words.map((w) => eb(sql`lower(p.name)`, 'like', like(w)))));
          ors.push(eb(sql`lower(coalesce(p.agency_other, ''))`, 'like', like(q.text.toLowerCase())));
          ors.push(eb(sql`lower(coalesce(p.team, ''))`, 'like', like(q.text.toLowerCase())));
        }
        return eb.or(ors);
      });
    }
    return (await query.orderBy(sql`last_called_at desc nulls last`).orderBy('p.name').limit(limit).execute()) as ProfessionalSummary[];
  }

  /** Active entries that may be the same person as this one: the same family name, email or phone. */
  async lookAlikes(db: Executor, row: ProfessionalRow, familyName: string): Promise<ProfessionalSummary[]> {
    return (await this.summaries(db, row.authority_id)
      .where('p.merged_into', 'is', null)
      .where('p.id', '<>', row.id)
      .where((eb) =>
        eb.or([
          eb(sql`lower(p.name)`, 'like', `%${familyName.replace(/[\\%_]/g, (c) => '\\' + c)}`),
          ...(row.email ? [eb('p.email', '=', row.email)] : []),
          ...(row.phone_e164 ? [eb('p.phone_e164', '=', row.phone_e164)] : []),
        ]),
      )
      .orderBy('p.name')
      .limit(30)
      .execute()) as ProfessionalSummary[];
  }

  insert(db: Executor, row: Insertable<ProfessionalsTable>) {
    return db.insertInto('professionals').values(row).execute();
  }

  update(db: Executor, id: string, values: Partial<Insertable<ProfessionalsTable>>) {
    return db.updateTable('professionals').set(values).where('id', '=', id).execute();
  }

  addChange(db: Executor, row: Insertable<ProfessionalChangesTable>) {
    return db.insertInto('professional_changes').values(row).execute();
  }

  changes(db: Executor, professionalId: string) {
    return db
      .selectFrom('professional_changes as h')
      .leftJoin('users as u', 'u.id', 'h.changed_by')
      .leftJoin('conversations as c', 'c.id', 'h.conversation_id')
      .select(['h.id', 'h.kind', 'h.changes', 'h.reason', 'h.changed_at', 'h.conversation_id', 'h.other_professional_id', 'u.display_name as changed_by_name', 'c.reference as conversation_reference'])
      .where('h.professional_id', '=', professionalId)
      .orderBy('h.changed_at', 'desc')
      .orderBy('h.id')
      .execute();
  }

  /** Links a conversation to a professional (moving the link when a corrected version names someone else). */
  async link(db: Executor, authorityId: string, conversationId: string, professionalId: string, at: Date) {
    await db
      .insertInto('conversation_professionals')
      .values({ conversation_id: conversationId, professional_id: professionalId, authority_id: authorityId, linked_at: at })
      .onConflict((oc) => oc.column('conversation_id').doUpdateSet({ professional_id: professionalId, linked_at: at }))
      .execute();
  }

  unlink(db: Executor, conversationId: string) {
    return db.deleteFrom('conversation_professionals').where('conversation_id', '=', conversationId).execute();
  }

  async moveConversations(db: Executor, fromId: string, toId: string): Promise<number> {
    const r = await db.updateTable('conversation_professionals').set({ professional_id: toId }).where('professional_id', '=', fromId).executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Entries merged earlier into the one being merged now point straight at the entry kept. */
  repointMerged(db: Executor, fromId: string, toId: string) {
    return db.updateTable('professionals').set({ merged_into: toId }).where('merged_into', '=', fromId).execute();
  }

  /** A professional's conversations, newest first, with the agreed outcomes of the current version. */
  conversations(db: Executor, professionalId: string) {
    return db
      .selectFrom('conversation_professionals as cp')
      .innerJoin('conversations as c', 'c.id', 'cp.conversation_id')
      .select([
        'c.id', 'c.reference', 'c.started_at', 'c.status',
        (eb) =>
          eb
            .selectFrom('conversation_children as cc')
            .select(sql<string[]>`array_agg(distinct cc.outcome_code)`.as('codes'))
            .whereRef('cc.conversation_id', '=', 'c.id')
            .whereRef('cc.version', '=', 'c.current_version')
            .where('cc.outcome_code', 'is not', null)
            .as('outcomes'),
        (eb) =>
          eb
            .selectFrom('conversation_children as cc')
            .select(sql<string[]>`array_agg(cc.person_id)`.as('ids'))
            .whereRef('cc.conversation_id', '=', 'c.id')
            .whereRef('cc.version', '=', 'c.current_version')
            .as('person_ids'),
      ])
      .where('cp.professional_id', '=', professionalId)
      .orderBy('c.started_at', 'desc')
      .limit(200)
      .execute();
  }

  /** The caller fields of a conversation version. */
  callerOf(db: Executor, conversationId: string, version: number) {
    return db
      .selectFrom('conversation_versions')
      .select(['caller_type', 'caller_name', 'caller_role', 'caller_agency_code', 'caller_agency_other', 'caller_phone', 'caller_email'])
      .where('conversation_id', '=', conversationId)
      .where('version', '=', version)
      .executeTakeFirst();
  }

  countFor(db: Executor, authorityId: string) {
    return db.selectFrom('professionals').select(sql<number>`count(*)::int`.as('n')).where('authority_id', '=', authorityId).executeTakeFirstOrThrow();
  }
}
