import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { Section } from './seed-content.js';

export interface PageView {
  id: string;
  authority_id: string;
  section: Section;
  key: string;
  position: number;
  current_version: number;
  title: string;
  body: string;
  updated_at: Date;
}

export interface VersionView {
  version: number;
  title: string;
  body: string;
  change_note: string;
  created_at: Date;
  created_by: string | null;
  created_by_name: string | null;
  restored_from: number | null;
}

export type QuestionStatus = 'new' | 'answered' | 'added-to-faq' | 'no-action';

/** The pages' tables and the questions' table: queries only, no rules. */
export class BeforeYouCallRepository {
  async sectionsOf(db: Executor, authorityId: string) {
    return db.selectFrom('before_you_call_sections').selectAll().where('authority_id', '=', authorityId).execute();
  }

  /** Inserts the sections row; true when this call made it (so it should add the pages). */
  async claimSection(db: Executor, authorityId: string, section: Section, at: Date): Promise<boolean> {
    const rows = await db
      .insertInto('before_you_call_sections')
      .values({ authority_id: authorityId, section, last_reviewed_at: at, last_reviewed_by: null, review_reminded_at: null })
      .onConflict((oc) => oc.columns(['authority_id', 'section']).doNothing())
      .returning('section')
      .execute();
    return rows.length > 0;
  }

  async insertPage(db: Executor, page: { id: string; authorityId: string; section: Section; key: string; position: number; at: Date }, version: { title: string; body: string; note: string; createdBy: string | null }) {
    // Two first reads at once: the second finds the key taken and adds nothing.
    const added = await db
      .insertInto('before_you_call_pages')
      .values({ id: page.id, authority_id: page.authorityId, section: page.section, key: page.key, position: page.position, current_version: 1, created_at: page.at })
      .onConflict((oc) => oc.columns(['authority_id', 'key']).doNothing())
      .returning('id')
      .execute();
    if (added.length === 0) return;
    await db
      .insertInto('before_you_call_page_versions')
      .values({ page_id: page.id, version: 1, title: version.title, body: version.body, change_note: version.note, created_by: version.createdBy, created_at: page.at, restored_from: null })
      .execute();
  }

  private pagesQuery(db: Executor) {
    return db
      .selectFrom('before_you_call_pages as p')
      .innerJoin('before_you_call_page_versions as v', (j) => j.onRef('v.page_id', '=', 'p.id').onRef('v.version', '=', 'p.current_version'))
      .select(['p.id', 'p.authority_id', 'p.section', 'p.key', 'p.position', 'p.current_version', 'v.title', 'v.body', 'v.created_at as updated_at']);
  }

  async pages(db: Executor, authorityId: string, section?: Section): Promise<PageView[]> {
    let q = this.pagesQuery(db).where('p.authority_id', '=', authorityId);
    if (section) q = q.where('p.section', '=', section);
    return (await q.orderBy('p.section').orderBy('p.position').execute()) as PageView[];
  }

  async pageByKey(db: Executor, authorityId: string, key: string): Promise<PageView | undefined> {
    return (await this.pagesQuery(db).where('p.authority_id', '=', authorityId).where('p.key', '=', key).executeTakeFirst()) as PageView | undefined;
  }

  async pageById(db: Executor, authorityId: string, id: string): Promise<PageView | undefined> {
    return (await this.pagesQuery(db).where('p.authority_id', '=', authorityId).where('p.id', '=', id).executeTakeFirst()) as PageView | undefined;
  }

  async lockPage(db: Executor, authorityId: string, id: string) {
    return db.selectFrom('before_you_call_pages').select(['id', 'key', 'section', 'current_version']).where('authority_id', '=', authorityId).where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async nextPosition(db: Executor, authorityId: string, section: Section): Promise<number> {
    const r = await db
      .selectFrom('before_you_call_pages')
      .select(sql<number>`coalesce(max(position), 0) + 1`.as('next'))
      .where('authority_id', '=', authorityId)
      .where('section', '=', section)
      .executeTakeFirstOrThrow();
    return Number(r.next);
  }

  async keyExists(db: Executor, authorityId: string, key: string): Promise<boolean> {
    return !!(await db.selectFrom('before_you_call_pages').select('id').where('authority_id', '=', authorityId).where('key', '=', key).executeTakeFirst());
  }

  async addVersion(db: Executor, pageId: string, v: { version: number; title: string; body: string; note: string; createdBy: string; at: Date; restoredFrom: number | null }) {
    await db
      .insertInto('before_you_call_page_versions')
      .values({ page_id: pageId, version: v.version, title: v.title, body: v.body, change_note: v.note, created_by: v.createdBy, created_at: v.at, restored_from: v.restoredFrom })
      .execute();
    await db.updateTable('before_you_call_pages').set({ current_version: v.version }).where('id', '=', pageId).execute();
  }

  async versions(db: Executor, pageId: string): Promise<VersionView[]> {
    return db
      .selectFrom('before_you_call_page_versions as v')
      .leftJoin('users as u', 'u.id', 'v.created_by')
      .select(['v.version', 'v.title', 'v.body', 'v.change_note', 'v.created_at', 'v.created_by', 'u.display_name as created_by_name', 'v.restored_from'])
      .where('v.page_id', '=', pageId)
      .orderBy('v.version', 'desc')
      .execute();
  }

  async version(db: Executor, pageId: string, version: number): Promise<VersionView | undefined> {
    return (await this.versions(db, pageId)).find((v) => v.version === version);
  }

  async markReviewed(db: Executor, authorityId: string, section: Section, by: string, at: Date) {
    await db.updateTable('before_you_call_sections').set({ last_reviewed_at: at, last_reviewed_by: by }).where('authority_id', '=', authorityId).where('section', '=', section).execute();
  }

  async lockSection(db: Executor, authorityId: string, section: Section) {
    return db.selectFrom('before_you_call_sections').selectAll().where('authority_id', '=', authorityId).where('section', '=', section).forUpdate().executeTakeFirst();
  }

  async setReminded(db: Executor, authorityId: string, section: Section, at: Date) {
    await db.updateTable('before_you_call_sections').set({ review_reminded_at: at }).where('authority_id', '=', authorityId).where('section', '=', section).execute();
  }

  async keysOf(db: Executor, authorityId: string): Promise<string[]> {
    return (await db.selectFrom('before_you_call_pages').select('key').where('authority_id', '=', authorityId).execute()).map((r) => r.key);
  }

  async administratorEmails(db: Executor, authorityId: string): Promise<string[]> {
    const rows = await db
      .selectFrom('users')
      .select('email')
      .where('authority_id', '=', authorityId)
      .where('role', '=', 'administrator')
      .where('disabled_at', 'is', null)
      .orderBy('email')
      .execute();
    return rows.map((r) => r.email);
  }

  // Questions ---------------------------------------------------------------

  async insertQuestion(db: Executor, q: { id: string; authorityId: string; name: string; email: string; organisation: string; question: string; at: Date }) {
    await db
      .insertInto('before_you_call_questions')
      .values({ id: q.id, authority_id: q.authorityId, name: q.name, email: q.email, organisation: q.organisation, question: q.question, submitted_at: q.at })
      .execute();
  }

  async questions(db: Executor, authorityId: string, status: QuestionStatus | 'all') {
    let q = db
      .selectFrom('before_you_call_questions as q')
      .leftJoin('users as u', 'u.id', 'q.status_by')
      .selectAll('q')
      .select('u.display_name as status_by_name')
      .where('q.authority_id', '=', authorityId);
    if (status !== 'all') q = q.where('q.status', '=', status);
    return q.orderBy('q.submitted_at', 'desc').limit(500).execute();
  }

  async question(db: Executor, authorityId: string, id: string) {
    return db.selectFrom('before_you_call_questions').selectAll().where('authority_id', '=', authorityId).where('id', '=', id).executeTakeFirst();
  }

  async setQuestionStatus(db: Executor, id: string, status: QuestionStatus, note: string | null, by: string, at: Date) {
    await db.updateTable('before_you_call_questions').set({ status, status_note: note, status_by: by, status_at: at }).where('id', '=', id).execute();
  }

  async countNew(db: Executor, authorityId: string): Promise<number> {
    const r = await db
      .selectFrom('before_you_call_questions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('authority_id', '=', authorityId)
      .where('status', '=', 'new')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
