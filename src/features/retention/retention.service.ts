// issue10-E: retention reviews, legal holds and deletion (ADR 0019).
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import type { Executor, Tx } from '../../platform/db/database.js';
import type { Principal } from '../../platform/auth/roles.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { isIsoDate, todayInLondon } from '../../domain/dates.js';
import { normaliseNhsNumber } from '../../domain/nhs-number.js';
import {
  DELETABLE_RECORD_TYPES, RECORD_TYPE_INFO, RETENTION_RECORD_TYPES, describeRule, retentionStage,
  type DeletableRecordType, type RetentionRecordType, type RetentionRule,
} from '../../domain/retention.js';
import { RetentionRepository, type DueRecord } from './retention.repository.js';

export type HoldSubjectType = 'person' | DeletableRecordType;

/** The people a record or an NHS number leads to, for placing a hold or a subject access request. */
export interface FoundPeople {
  record: { type: DeletableRecordType; id: string; label: string } | null;
  people: { id: string; given_name: string | null; family_name: string | null; date_of_birth: string | null; expected_date_of_birth: string | null; how: string }[];
}

export interface ReviewRow {
  id: string;
  record_type: string;
  record_id: string;
  label: string;
  record_at: Date;
  entries: number | null;
  review_on: string;
  dispose_on: string;
  rule_trigger: string;
  rule_years: number;
  rule_action: 'delete' | 'review';
  still_open: boolean;
  decision: 'delete' | 'keep' | null;
  keep_until: string | null;
  keep_reason: string | null;
  decided_at: Date | null;
  decided_by_name: string | null;
  erased_at: Date | null;
  erased_by_name: string | null;
  stage: 'review' | 'due';
  held: boolean;
}

export type ListFilter = 'waiting' | 'approved' | 'kept' | 'deleted';

/** At most this many rows on one list page. */
export const LIST_LIMIT = 500;

export class RetentionService {
  readonly repo = new RetentionRepository();
  constructor(private readonly ctx: AppContext) {}

  rules(authorityId: string): Record<RetentionRecordType, RetentionRule> {
    return this.ctx.profiles.get(authorityId).retention.rules;
  }

  private today(): string {
    return todayInLondon(this.ctx.clock.now());
  }

  // --- The daily job ----------------------------------------------------------------------------

  /**
   * Lists what is due in one authority: each record past its review date is added to (or brought
   * up to date in) retention_reviews; a "keep until" that has passed goes back for review; records
   * no longer due drop off the list. Deleted records' rows stay: they are the disposal log.
   */
  async review(authorityId: string, now: Date = this.ctx.clock.now()): Promise<{ listed: number; due: number }> {
    const settings = this.ctx.profiles.get(authorityId).retention;
    const today = todayInLondon(now);
    return this.ctx.db.transaction().execute(async (tx) => {
      // Two runs for the same authority (two workers, or the button and the schedule) take turns.
      await sql`select pg_advisory_xact_lock(hashtext('front-door:retention-review'), hashtext(${authorityId}))`.execute(tx);
      const found = await this.repo.dueRecords(tx, authorityId, settings, today);
      for (let i = 0; i < found.length; i += 500) {
        const chunk = found.slice(i, i + 500).map((d) => {
          const rule = settings.rules[d.record_type];
          return {
            id: randomUUID(), authority_id: authorityId, record_type: d.record_type, record_id: d.record_id, label: d.label, record_at: d.record_at,
            entries: d.entries, review_on: d.review_on, dispose_on: d.dispose_on, rule_trigger: rule.trigger, rule_years: rule.years, rule_action: rule.action,
            still_open: d.still_open, decision: null, keep_until: null, keep_reason: null, decided_by: null, decided_at: null,
            first_listed_at: now, listed_at: now, erased_at: null, erased_by: null,
          };
        });
        await tx
          .insertInto('retention_reviews')
          .values(chunk)
          .onConflict((oc) =>
            oc
              .columns(['authority_id', 'record_type', 'record_id'])
              .doUpdateSet((eb) => ({
                label: eb.ref('excluded.label'), record_at: eb.ref('excluded.record_at'), entries: eb.ref('excluded.entries'),
                review_on: eb.ref('excluded.review_on'), dispose_on: eb.ref('excluded.dispose_on'), rule_trigger: eb.ref('excluded.rule_trigger'),
                rule_years: eb.ref('excluded.rule_years'), rule_action: eb.ref('excluded.rule_action'), still_open: eb.ref('excluded.still_open'),
                listed_at: eb.ref('excluded.listed_at'),
              }))
              .where('retention_reviews.erased_at', 'is', null),
          )
          .execute();
      }
      await tx
        .updateTable('retention_reviews')
        .set({ decision: null, keep_until: null, keep_reason: null, decided_by: null, decided_at: null })
        .where('authority_id', '=', authorityId)
        .where('decision', '=', 'keep')
        .where('keep_until', '<=', today)
        .where('erased_at', 'is', null)
        .execute();
      await tx.deleteFrom('retention_reviews').where('authority_id', '=', authorityId).where('erased_at', 'is', null).where('listed_at', '<>', now).execute();
      const due = found.filter((d) => d.dispose_on <= today).length;
      await tx
        .insertInto('retention_runs')
        .values({ authority_id: authorityId, ran_at: now, listed: found.length, due })
        .onConflict((oc) => oc.column('authority_id').doUpdateSet({ ran_at: now, listed: found.length, due }))
        .execute();
      await recordAudit(tx, { principal: null, ip: null, requestId: null }, { action: 'retention.reviewed', details: { authorityId, listed: found.length, due, today } });
      return { listed: found.length, due };
    });
  }

  /** The daily job: every authority in turn. */
  async reviewAll(now: Date = this.ctx.clock.now()): Promise<void> {
    for (const p of this.ctx.profiles.all()) await this.review(p.id, now);
  }

  // --- What the administrator sees ----------------------------------------------------------------

  async overview(principal: Principal) {
    const a = principal.authorityId;
    const today = this.today();
    const counts = await sql<{ record_type: string; due: number; review: number; approved: number; kept: number; deleted: number; open: number }>`
      select record_type,
        count(*) filter (where erased_at is null and dispose_on <= ${today}::date and decision is null)::int as due,
        count(*) filter (where erased_at is null and dispose_on > ${today}::date and decision is null)::int as review,
        count(*) filter (where erased_at is null and decision = 'delete')::int as approved,
        count(*) filter (where erased_at is null and decision = 'keep')::int as kept,
        count(*) filter (where erased_at is not null)::int as deleted,
        count(*) filter (where erased_at is null and still_open)::int as open
      from retention_reviews where authority_id = ${a} group by record_type`.execute(this.ctx.db);
    const run = await this.ctx.db.selectFrom('retention_runs').selectAll().where('authority_id', '=', a).executeTakeFirst();
    const rules = this.rules(a);
    const holds = await this.ctx.db.selectFrom('legal_holds').select(sql<number>`count(*)::int`.as('n')).where('authority_id', '=', a).where('released_at', 'is', null).executeTakeFirstOrThrow();
    return {
      today,
      lastRun: run ?? null,
      holdsInForce: holds.n,
      reviewMonthsBefore: this.ctx.profiles.get(a).retention.reviewMonthsBefore,
      types: RETENTION_RECORD_TYPES.map((t) => {
        const c = counts.rows.find((x) => x.record_type === t);
        return { type: t, ...RECORD_TYPE_INFO[t], rule: rules[t], described: describeRule(t, rules[t]), due: c?.due ?? 0, review: c?.review ?? 0, approved: c?.approved ?? 0, kept: c?.kept ?? 0, deleted: c?.deleted ?? 0, open: c?.open ?? 0 };
      }),
    };
  }

  /** One record type's list: waiting for a decision, approved for deletion, kept, or deleted (the disposal log). */
  async list(principal: Principal, type: RetentionRecordType, filter: ListFilter): Promise<{ rows: ReviewRow[]; capped: boolean }> {
    let q = this.reviewQuery(this.ctx.db, principal.authorityId).where('r.record_type', '=', type);
    if (filter === 'deleted') q = q.where('r.erased_at', 'is not', null).orderBy('r.erased_at', 'desc');
    else {
      q = q.where('r.erased_at', 'is', null);
      if (filter === 'waiting') q = q.where('r.decision', 'is', null);
      else if (filter === 'approved') q = q.where('r.decision', '=', 'delete');
      else q = q.where('r.decision', '=', 'keep');
      q = q.orderBy('r.dispose_on').orderBy('r.record_at');
    }
    const rows = await q.limit(LIST_LIMIT + 1).execute();
    return { rows: await this.withStatus(this.ctx.db, principal.authorityId, rows.slice(0, LIST_LIMIT)), capped: rows.length > LIST_LIMIT };
  }

  async getReview(principal: Principal, id: string): Promise<ReviewRow> {
    const row = await this.reviewQuery(this.ctx.db, principal.authorityId).where('r.id', '=', id).executeTakeFirst();
    if (!row) throw notFound('retention review');
    return (await this.withStatus(this.ctx.db, principal.authorityId, [row]))[0]!;
  }

  private reviewQuery(db: Executor, authorityId: string) {
    return db
      .selectFrom('retention_reviews as r')
      .leftJoin('users as d', 'd.id', 'r.decided_by')
      .leftJoin('users as e', 'e.id', 'r.erased_by')
      .select(['r.id', 'r.record_type', 'r.record_id', 'r.label', 'r.record_at', 'r.entries', 'r.review_on', 'r.dispose_on', 'r.rule_trigger', 'r.rule_years', 'r.rule_action',
        'r.still_open', 'r.decision', 'r.keep_until', 'r.keep_reason', 'r.decided_at', 'd.display_name as decided_by_name', 'r.erased_at', 'e.display_name as erased_by_name'])
      .where('r.authority_id', '=', authorityId);
  }

  private async withStatus(db: Executor, authorityId: string, rows: Omit<ReviewRow, 'stage' | 'held'>[]): Promise<ReviewRow[]> {
    const today = this.today();
    const held = await this.repo.heldRecords(db, authorityId, rows.filter((r) => !r.erased_at).map((r) => ({ type: r.record_type as RetentionRecordType, id: r.record_id })));
    return rows.map((r) => ({ ...r, stage: retentionStage(today, r.review_on, r.dispose_on) === 'due' ? 'due' : 'review', held: held.has(`${r.record_type}:${r.record_id}`) }));
  }

  /** An administrator's decision on one listed record: delete it when it is due, or keep it until a date, with a reason. */
  async decide(principal: Principal, id: string, input: { decision: string; keepUntil: string | null; reason: string }, audit: AuditContext): Promise<{ errors: { field: string; message: string }[] }> {
    const errors: { field: string; message: string }[] = [];
    const today = this.today();
    if (input.decision !== 'delete' && input.decision !== 'keep') errors.push({ field: 'decision', message: 'Select whether to delete the record or keep it' });
    if (input.decision === 'keep') {
      if (!input.keepUntil) errors.push({ field: 'keep-until-day', message: 'Enter the date to keep the record until' });
      else if (!isIsoDate(input.keepUntil) || input.keepUntil <= today) errors.push({ field: 'keep-until-day', message: 'The date to keep the record until must be in the future' });
      if (!input.reason) errors.push({ field: 'reason', message: 'Enter why the record should be kept' });
      else if (input.reason.length > 1000) errors.push({ field: 'reason', message: 'The reason must be 1000 characters or fewer' });
    }
    if (errors.length) return { errors };
    await this.ctx.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('retention_reviews').selectAll().where('id', '=', id).where('authority_id', '=', principal.authorityId).forUpdate().executeTakeFirst();
      if (!row) throw notFound('retention review');
      if (row.erased_at) throw new HttpError(409, 'This record has already been deleted', 'Its personal data was removed; there is nothing left to decide.');
      if (row.record_type === 'auditEntries' && input.decision === 'delete') {
        throw new HttpError(409, 'Audit entries are not deleted by Front Door', 'The audit log is append-only. Record a decision to keep them, with the date of the next review.');
      }
      const keep = input.decision === 'keep';
      await tx
        .updateTable('retention_reviews')
        .set({ decision: keep ? 'keep' : 'delete', keep_until: keep ? input.keepUntil : null, keep_reason: keep ? input.reason : null, decided_by: principal.id, decided_at: this.ctx.clock.now() })
        .where('id', '=', id)
        .execute();
      await recordAudit(tx, audit, { action: 'retention.decided', entityId: id, details: { recordType: row.record_type, recordId: row.record_id, decision: keep ? 'keep' : 'delete', keepUntil: keep ? input.keepUntil : null } });
    });
    return { errors: [] };
  }

  /** Approves several listed records of one type for deletion at once (audit entries never). */
  async approveMany(principal: Principal, type: RetentionRecordType, ids: string[], audit: AuditContext): Promise<number> {
    if (type === 'auditEntries' || ids.length === 0) return 0;
    return this.ctx.db.transaction().execute(async (tx) => {
      const rows = await tx
        .selectFrom('retention_reviews')
        .select(['id', 'record_id'])
        .where('authority_id', '=', principal.authorityId)
        .where('record_type', '=', type)
        .where('id', 'in', ids)
        .where('erased_at', 'is', null)
        .where('decision', 'is', null)
        .forUpdate()
        .execute();
      for (const row of rows) {
        await tx.updateTable('retention_reviews').set({ decision: 'delete', decided_by: principal.id, decided_at: this.ctx.clock.now() }).where('id', '=', row.id).execute();
        await recordAudit(tx, audit, { action: 'retention.decided', entityId: row.id, details: { recordType: type, recordId: row.record_id, decision: 'delete', keepUntil: null } });
      }
      return rows.length;
    });
  }

  // --- Deletion -------------------------------------------------------------------------------------

  /**
   * What "Delete approved records" would do now, without doing it: the approved records past their
   * disposal date, and those held back (a legal hold, still open, or not due yet).
   */
  async deletionPlan(principal: Principal, db: Executor = this.ctx.db): Promise<{ eligible: Map<DeletableRecordType, { reviewId: string; recordId: string }[]>; held: number; open: number; notDue: number }> {
    const a = principal.authorityId;
    const today = this.today();
    const approved = await db
      .selectFrom('retention_reviews')
      .select(['id', 'record_type', 'record_id'])
      .where('authority_id', '=', a)
      .where('decision', '=', 'delete')
      .where('erased_at', 'is', null)
      .where('record_type', '<>', 'auditEntries')
      .execute();
    const byType: Partial<Record<DeletableRecordType, string[]>> = {};
    for (const r of approved) (byType[r.record_type as DeletableRecordType] ??= []).push(r.record_id);
    // The dates again, as they are now: a newer contact or a changed rule may have moved them.
    const now = approved.length ? await this.repo.dueRecords(db, a, this.ctx.profiles.get(a).retention, today, byType) : [];
    const current = new Map<string, DueRecord>(now.map((d) => [`${d.record_type}:${d.record_id}`, d]));
    const held = await this.repo.heldRecords(db, a, approved.map((r) => ({ type: r.record_type as RetentionRecordType, id: r.record_id })));
    const eligible = new Map<DeletableRecordType, { reviewId: string; recordId: string }[]>();
    let heldN = 0;
    let openN = 0;
    let notDue = 0;
    for (const r of approved) {
      const key = `${r.record_type}:${r.record_id}`;
      const d = current.get(key);
      if (held.has(key)) heldN++;
      else if (!d || d.dispose_on > today) notDue++;
      else if (d.still_open) openN++;
      else {
        const t = r.record_type as DeletableRecordType;
        if (!eligible.has(t)) eligible.set(t, []);
        eligible.get(t)!.push({ reviewId: r.id, recordId: r.record_id });
      }
    }
    return { eligible, held: heldN, open: openN, notDue };
  }

  /**
   * Removes the personal data of every approved record that is due and not held, in one
   * transaction, then of the people no record keeps any more, and audits it (ids and counts only).
   */
  async erase(principal: Principal, audit: AuditContext): Promise<{ records: Partial<Record<DeletableRecordType, number>>; people: number; held: number; open: number; notDue: number }> {
    const a = principal.authorityId;
    const now = this.ctx.clock.now();
    return this.ctx.db.transaction().execute(async (tx) => {
      // One deletion at a time per authority, and no daily review in between.
      await sql`select pg_advisory_xact_lock(hashtext('front-door:retention-review'), hashtext(${a}))`.execute(tx);
      const plan = await this.deletionPlan(principal, tx);
      const ids = (t: DeletableRecordType) => (plan.eligible.get(t) ?? []).map((x) => x.recordId);
      const reviewIds = [...plan.eligible.values()].flat().map((x) => x.reviewId);
      const counts: Partial<Record<DeletableRecordType, number>> = {};
      for (const t of DELETABLE_RECORD_TYPES) if (ids(t).length) counts[t] = ids(t).length;
      if (reviewIds.length === 0) return { records: counts, people: 0, held: plan.held, open: plan.open, notDue: plan.notDue };

      await this.repo.startErasure(tx);
      const profile = this.ctx.profiles.get(a);
      const textAnswers = profile.survey.questions.filter((q) => q.kind === 'text').map((q) => q.key);
      await this.repo.eraseConversations(tx, ids('conversations'), textAnswers, now);
      await this.repo.eraseReferrals(tx, ids('writtenReferrals'), now);
      await this.repo.eraseMashEnquiries(tx, ids('mashEnquiries'), now);
      await this.repo.eraseEarlyHelpRequests(tx, ids('earlyHelpRequests'), now);
      await this.repo.eraseCalls(tx, ids('calls'), now);
      await this.repo.erasePartnerQuestions(tx, ids('partnerQuestions'), now);
      const people = await this.peopleToErase(tx, a, {
        conversations: ids('conversations'), writtenReferrals: ids('writtenReferrals'), mashEnquiries: ids('mashEnquiries'), earlyHelpRequests: ids('earlyHelpRequests'),
      });
      await this.repo.erasePeople(tx, a, people, now);
      await tx.updateTable('retention_reviews').set({ erased_at: now, erased_by: principal.id }).where('id', 'in', reviewIds).execute();
      await recordAudit(tx, audit, {
        action: 'retention.erased',
        personIds: people,
        details: { reviewIds, records: Object.fromEntries(DELETABLE_RECORD_TYPES.filter((t) => ids(t).length).map((t) => [t, ids(t)])), peopleErased: people.length },
      });
      return { records: counts, people: people.length, held: plan.held, open: plan.open, notDue: plan.notDue };
    });
  }

  /**
   * The people whose personal data goes with the records just deleted (run after the records are
   * marked deleted, in the same transaction). A person is kept while anything keeps them: a record
   * not deleted names them or anyone merged with them, they have a current allocated worker, a
   * legal hold is on them, or they are related to someone kept for one of those reasons (a parent
   * or brother of a child whose record is kept stays in that child's family). Everyone else reached
   * from the deleted records through merges and relationships is anonymised.
   */
  private async peopleToErase(tx: Tx, authorityId: string, records: Partial<Record<DeletableRecordType, string[]>>): Promise<string[]> {
    const named = await this.repo.peopleNamedBy(tx, records);
    const start = await this.repo.finalKeys(tx, authorityId, named);
    const members = new Map<string, string[]>();
    const anchored = new Set<string>();
    const neighbours = new Map<string, Set<string>>();
    let frontier = new Set(start.values());
    // A family is rarely more than a few relationships wide; the limits only stop a runaway walk,
    // and anyone beyond them is kept.
    for (let hop = 0; frontier.size > 0 && hop < 12 && members.size < 5000; hop++) {
      const rows = await this.repo.setMembers(tx, authorityId, [...frontier]);
      const keyOf = new Map(rows.map((r) => [r.id, r.key]));
      for (const r of rows) members.set(r.key, [...(members.get(r.key) ?? []), r.id]);
      const kept = await this.repo.anchored(tx, authorityId, rows.map((r) => r.id));
      for (const id of kept) anchored.add(keyOf.get(id)!);
      const open = rows.filter((r) => !anchored.has(r.key)).map((r) => r.id);
      const rel = await this.repo.relatedTo(tx, open);
      const otherKeys = await this.repo.finalKeys(tx, authorityId, rel.map((x) => x.to));
      const next = new Set<string>();
      for (const x of rel) {
        const from = keyOf.get(x.from)!;
        const to = otherKeys.get(x.to);
        if (!to || to === from) continue;
        if (!neighbours.has(from)) neighbours.set(from, new Set());
        neighbours.get(from)!.add(to);
        if (!members.has(to)) next.add(to);
      }
      frontier = next;
    }
    const erase: string[] = [];
    for (const [key, ids] of members) {
      if (anchored.has(key)) continue;
      const near = [...(neighbours.get(key) ?? [])];
      if (near.some((n) => anchored.has(n) || !members.has(n))) continue;
      erase.push(...ids);
    }
    return erase;
  }

  // --- Legal holds --------------------------------------------------------------------------------

  async holds(principal: Principal, audit: AuditContext) {
    const a = principal.authorityId;
    return this.ctx.db.transaction().execute(async (tx) => {
      const rows = await tx
        .selectFrom('legal_holds as h')
        .leftJoin('users as u', 'u.id', 'h.placed_by')
        .leftJoin('persons as p', (j) => j.onRef('p.id', '=', 'h.subject_id').on('h.subject_type', '=', 'person'))
        .select(['h.id', 'h.subject_type', 'h.subject_id', 'h.reason', 'h.placed_at', 'u.display_name as placed_by_name', 'p.given_name', 'p.family_name', 'p.expected_date_of_birth', 'p.date_of_birth'])
        .where('h.authority_id', '=', a)
        .where('h.released_at', 'is', null)
        .orderBy('h.placed_at', 'desc')
        .execute();
      const labels = await this.recordLabels(tx, a, rows.filter((r) => r.subject_type !== 'person').map((r) => ({ type: r.subject_type as DeletableRecordType, id: r.subject_id })));
      const personIds = rows.filter((r) => r.subject_type === 'person').map((r) => r.subject_id);
      if (personIds.length) await recordAudit(tx, audit, { action: 'retention.holds-viewed', personIds, details: { holds: rows.length } });
      return rows.map((r) => ({ ...r, typeLabel: r.subject_type === 'person' ? 'Child or person' : RECORD_TYPE_INFO[r.subject_type as RetentionRecordType].one, label: labels.get(`${r.subject_type}:${r.subject_id}`) ?? null }));
    });
  }

  async getHold(principal: Principal, id: string) {
    const h = await this.ctx.db.selectFrom('legal_holds').selectAll().where('id', '=', id).where('authority_id', '=', principal.authorityId).executeTakeFirst();
    if (!h) throw notFound('legal hold');
    return h;
  }

  async placeHold(principal: Principal, input: { subjectType: string; subjectId: string; reason: string }, audit: AuditContext): Promise<{ errors: { field: string; message: string }[]; id?: string }> {
    const errors: { field: string; message: string }[] = [];
    const type = input.subjectType as HoldSubjectType;
    if (type !== 'person' && !(DELETABLE_RECORD_TYPES as string[]).includes(type)) errors.push({ field: 'subject', message: 'Select what to put on hold' });
    if (!input.reason) errors.push({ field: 'reason', message: 'Enter why the record must not be deleted, for example the court case or inquiry' });
    else if (input.reason.length > 1000) errors.push({ field: 'reason', message: 'The reason must be 1000 characters or fewer' });
    if (errors.length) return { errors };
    const a = principal.authorityId;
    const id = randomUUID();
    await this.ctx.db.transaction().execute(async (tx) => {
      if (!(await this.subjectExists(tx, a, type, input.subjectId))) throw notFound(type === 'person' ? 'child or person' : RECORD_TYPE_INFO[type].one);
      const existing = await tx.selectFrom('legal_holds').select('id').where('authority_id', '=', a).where('subject_type', '=', type).where('subject_id', '=', input.subjectId).where('released_at', 'is', null).executeTakeFirst();
      if (existing) throw new HttpError(409, 'This is already on hold', 'A legal hold is already in force on it. Release that hold first if the reason has changed.');
      await tx.insertInto('legal_holds').values({ id, authority_id: a, subject_type: type, subject_id: input.subjectId, reason: input.reason, placed_by: principal.id, placed_at: this.ctx.clock.now() }).execute();
      await recordAudit(tx, audit, { action: 'retention.hold-placed', entityId: id, personIds: type === 'person' ? [input.subjectId] : [], details: { subjectType: type, subjectId: input.subjectId, reason: input.reason } });
    });
    return { errors: [], id };
  }

  async releaseHold(principal: Principal, id: string, reason: string, audit: AuditContext): Promise<{ errors: { field: string; message: string }[] }> {
    if (!reason) return { errors: [{ field: 'reason', message: 'Enter why the hold can be released' }] };
    if (reason.length > 1000) return { errors: [{ field: 'reason', message: 'The reason must be 1000 characters or fewer' }] };
    await this.ctx.db.transaction().execute(async (tx) => {
      const h = await tx.selectFrom('legal_holds').selectAll().where('id', '=', id).where('authority_id', '=', principal.authorityId).forUpdate().executeTakeFirst();
      if (!h) throw notFound('legal hold');
      if (h.released_at) throw new HttpError(409, 'This hold has already been released', 'Nothing was changed.');
      await tx.updateTable('legal_holds').set({ released_at: this.ctx.clock.now(), released_by: principal.id, release_reason: reason }).where('id', '=', id).execute();
      await recordAudit(tx, audit, { action: 'retention.hold-released', entityId: id, personIds: h.subject_type === 'person' ? [h.subject_id] : [], details: { subjectType: h.subject_type, subjectId: h.subject_id, reason } });
    });
    return { errors: [] };
  }

  private async subjectExists(db: Executor, a: string, type: HoldSubjectType, id: string): Promise<boolean> {
    const table = {
      person: 'persons', conversations: 'conversations', writtenReferrals: 'referrals', mashEnquiries: 'mash_enquiries',
      earlyHelpRequests: 'early_help_requests', calls: 'calls', partnerQuestions: 'before_you_call_questions',
    }[type] as 'persons';
    return !!(await db.selectFrom(table).select('id').where('id', '=', id).where('authority_id', '=', a).executeTakeFirst());
  }

  /** A label for each record (a reference, or a description without names). */
  async recordLabels(db: Executor, a: string, items: { type: DeletableRecordType; id: string }[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const of = (t: DeletableRecordType) => items.filter((i) => i.type === t).map((i) => i.id);
    const add = (t: DeletableRecordType, rows: { id: string; label: string }[]) => rows.forEach((r) => out.set(`${t}:${r.id}`, r.label));
    if (of('conversations').length) add('conversations', await db.selectFrom('conversations').select(['id', 'reference as label']).where('authority_id', '=', a).where('id', 'in', of('conversations')).execute());
    if (of('writtenReferrals').length) add('writtenReferrals', await db.selectFrom('referrals').select(['id', 'reference as label']).where('authority_id', '=', a).where('id', 'in', of('writtenReferrals')).execute());
    if (of('mashEnquiries').length) add('mashEnquiries', await db.selectFrom('mash_enquiries').select(['id', 'reference as label']).where('authority_id', '=', a).where('id', 'in', of('mashEnquiries')).execute());
    if (of('earlyHelpRequests').length) add('earlyHelpRequests', await db.selectFrom('early_help_requests').select(['id', 'reference as label']).where('authority_id', '=', a).where('id', 'in', of('earlyHelpRequests')).execute());
    if (of('calls').length) add('calls', (await sql<{ id: string; label: string }>`select id, 'Call on ' || to_char(offered_at at time zone 'Europe/London', 'DD/MM/YYYY HH24:MI') as label from calls where authority_id = ${a} and id = any(${of('calls')}::uuid[])`.execute(db)).rows);
    if (of('partnerQuestions').length) add('partnerQuestions', (await sql<{ id: string; label: string }>`select id, 'Question sent on ' || to_char(submitted_at at time zone 'Europe/London', 'DD/MM/YYYY') as label from before_you_call_questions where authority_id = ${a} and id = any(${of('partnerQuestions')}::uuid[])`.execute(db)).rows);
    return out;
  }

  /**
   * The record with this reference (a conversation, written referral, MASH enquiry or Early Help
   * request), or the person with this NHS number, and the people it leads to: the children it is
   * about and the people related to them. Nothing is found in another authority.
   */
  async find(db: Executor, authorityId: string, query: string): Promise<FoundPeople | null> {
    const q = query.trim().toUpperCase();
    const nhs = normaliseNhsNumber(query);
    let record: FoundPeople['record'] = null;
    let direct: string[] = [];
    if (nhs && /^\d{10}$/.test(nhs)) {
      const p = await db.selectFrom('persons').select('id').where('authority_id', '=', authorityId).where('nhs_number', '=', nhs).execute();
      direct = p.map((x) => x.id);
    } else if (q) {
      const c = await db.selectFrom('conversations').select(['id', 'reference']).where('authority_id', '=', authorityId).where('reference', '=', q).executeTakeFirst();
      const r = c ? undefined : await db.selectFrom('referrals').select(['id', 'reference']).where('authority_id', '=', authorityId).where('reference', '=', q).executeTakeFirst();
      const m = c || r ? undefined : await db.selectFrom('mash_enquiries').select(['id', 'reference']).where('authority_id', '=', authorityId).where('reference', '=', q).executeTakeFirst();
      const e = c || r || m ? undefined : await db.selectFrom('early_help_requests').select(['id', 'reference']).where('authority_id', '=', authorityId).where('reference', '=', q).executeTakeFirst();
      if (c) record = { type: 'conversations', id: c.id, label: c.reference };
      else if (r) record = { type: 'writtenReferrals', id: r.id, label: r.reference };
      else if (m) record = { type: 'mashEnquiries', id: m.id, label: m.reference };
      else if (e) record = { type: 'earlyHelpRequests', id: e.id, label: e.reference };
      if (record) direct = await this.repo.peopleNamedBy(db, { [record.type]: [record.id] });
    }
    if (!record && direct.length === 0) return null;
    const people = await db
      .selectFrom('persons')
      .select(['id', 'given_name', 'family_name', 'date_of_birth', 'expected_date_of_birth'])
      .where('authority_id', '=', authorityId)
      .where('id', 'in', direct.length ? direct : ['00000000-0000-0000-0000-000000000000'])
      .execute();
    const related = direct.length
      ? await db
          .selectFrom('relationships as r')
          .innerJoin('persons as p', 'p.id', 'r.related_person_id')
          .select(['p.id', 'p.given_name', 'p.family_name', 'p.date_of_birth', 'p.expected_date_of_birth', 'r.relationship_type'])
          .where('r.person_id', 'in', direct)
          .where('p.authority_id', '=', authorityId)
          .execute()
      : [];
    const seen = new Set<string>();
    const list: FoundPeople['people'] = [];
    for (const p of people) if (!seen.has(p.id)) (seen.add(p.id), list.push({ ...p, how: record ? `Named in ${record.label}` : 'Has this NHS number' }));
    for (const p of related) if (!seen.has(p.id)) (seen.add(p.id), list.push({ id: p.id, given_name: p.given_name, family_name: p.family_name, date_of_birth: p.date_of_birth, expected_date_of_birth: p.expected_date_of_birth, how: `Related (${p.relationship_type.replace(/-/g, ' ')})` }));
    return { record, people: list };
  }
}
