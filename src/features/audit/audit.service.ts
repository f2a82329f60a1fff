// issue10-A: the audit log for administrators: search by user, child and period, download, a child's trail.
import type { AppContext } from '../../platform/context.js';
import type { Principal } from '../../platform/auth/roles.js';
import { recordAudit, type AuditContext, type AuditSearchDetails } from '../../platform/audit.js';
import { parsePeriodQuery, type Period } from '../../platform/http/period.js';
import { str } from '../../platform/http/forms.js';
import { notFound } from '../../platform/http/errors.js';
import { addDays, londonWallTimeToInstant, todayInLondon } from '../../domain/dates.js';
import type { FieldError } from '../../domain/person-rules.js';
import { AuditRepository, type AuditExportRow, type AuditFilter, type AuditRow } from './audit.repository.js';

export const PAGE_SIZE = 50;
/** Counting stops here; a search with more matches pages through the first this many. */
export const COUNT_CAP = 10_000;
/** A download holds at most this many entries; more asks for a narrower search, rather than cutting the list short. */
export const EXPORT_LIMIT = 50_000;
const DEFAULT_DAYS = 30;
const TRAIL_LIMIT = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SearchCriteria {
  userId: string | null;
  personId: string | null;
  period: Period;
}

export type ParsedSearch =
  | { ok: true; criteria: SearchCriteria; values: Record<string, string>; person: { id: string; given_name: string | null; family_name: string | null; expected_date_of_birth: string | null } | null }
  | { ok: false; errors: FieldError[]; values: Record<string, string> };

export class AuditLogService {
  private readonly repo = new AuditRepository();

  constructor(private readonly ctx: AppContext) {}

  defaultPeriod(): Period {
    const today = todayInLondon(this.ctx.clock.now());
    return { from: addDays(today, -(DEFAULT_DAYS - 1)), to: today };
  }

  users(principal: Principal) {
    return this.repo.users(this.ctx.db, principal.authorityId);
  }

  /** The search from a query string: ids and dates only, each checked against the administrator's authority. */
  async parse(principal: Principal, query: Record<string, unknown>): Promise<ParsedSearch> {
    const period = parsePeriodQuery(query, this.defaultPeriod());
    const errors: FieldError[] = period.ok ? [] : [...period.errors];
    const values: Record<string, string> = { ...period.values };

    const userId = str(query.user);
    values.user = userId;
    if (userId && !(UUID.test(userId) && (await this.repo.users(this.ctx.db, principal.authorityId)).some((u) => u.id === userId))) {
      errors.push({ field: 'user', message: 'Select a user from the list' });
    }

    const personId = str(query.person).toLowerCase();
    values.person = personId;
    let person = null;
    if (personId) {
      if (!UUID.test(personId)) {
        errors.push({ field: 'person', message: 'Enter the child’s record ID as it appears in the address of their record, like 3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b' });
      } else {
        person = (await this.repo.findPerson(this.ctx.db, principal.authorityId, personId)) ?? null;
        if (!person) errors.push({ field: 'person', message: 'There is no child or person with that record ID in your authority' });
      }
    }
    if (errors.length || !period.ok) return { ok: false, errors, values };
    return { ok: true, criteria: { userId: userId || null, personId: personId || null, period: period.period }, values, person };
  }

  private filter(principal: Principal, c: SearchCriteria): AuditFilter {
    return {
      authorityId: principal.authorityId,
      userId: c.userId,
      personId: c.personId,
      from: londonWallTimeToInstant(c.period.from, { hour: 0 }),
      to: londonWallTimeToInstant(addDays(c.period.to, 1), { hour: 0 }),
    };
  }

  private static details(c: SearchCriteria): AuditSearchDetails {
    return { userId: c.userId, personId: c.personId, from: c.period.from, to: c.period.to };
  }

  /**
   * One page of entries, newest first, and how many there are (up to COUNT_CAP). The search is
   * recorded in the same transaction, naming every child whose entries it shows.
   */
  async search(principal: Principal, c: SearchCriteria, requestedPage: number, audit: AuditContext): Promise<{ rows: AuditRow[]; total: number; capped: boolean; page: number; pages: number }> {
    const f = this.filter(principal, c);
    return this.ctx.db.transaction().execute(async (tx) => {
      const total = await this.repo.count(tx, f, COUNT_CAP + 1);
      const capped = total > COUNT_CAP;
      const pages = Math.max(1, Math.ceil(Math.min(total, COUNT_CAP) / PAGE_SIZE));
      const page = Math.min(Math.max(1, requestedPage), pages);
      const rows = await this.repo.page(tx, f, (page - 1) * PAGE_SIZE, PAGE_SIZE);
      const personIds = [...new Set([...(c.personId ? [c.personId] : []), ...rows.flatMap((r) => (r.person_id ? [r.person_id] : []))])];
      await recordAudit(tx, audit, { action: 'audit-log.searched', personIds, details: { ...AuditLogService.details(c), page, results: Math.min(total, COUNT_CAP) } });
      return { rows, total: Math.min(total, COUNT_CAP), capped, page, pages };
    });
  }

  /**
   * Every matching entry, oldest first, or null when there are more than EXPORT_LIMIT. The download
   * is recorded as one event with its filters and row count.
   */
  async export(principal: Principal, c: SearchCriteria, audit: AuditContext): Promise<AuditExportRow[] | null> {
    const f = this.filter(principal, c);
    return this.ctx.db.transaction().execute(async (tx) => {
      const rows = await this.repo.export(tx, f, EXPORT_LIMIT + 1);
      if (rows.length > EXPORT_LIMIT) return null;
      await recordAudit(tx, audit, { action: 'audit-log.exported', personIds: c.personId ? [c.personId] : [], details: { ...AuditLogService.details(c), rows: rows.length } });
      return rows.reverse();
    });
  }

  /** The children of a conversation, found by its reference; null when the authority has no such conversation. */
  childrenOfConversation(principal: Principal, reference: string) {
    return this.repo.childrenOfConversation(this.ctx.db, principal.authorityId, reference);
  }

  /** A child's whole trail (the newest 500), itself recorded as a view of the trail. */
  async trail(principal: Principal, personId: string, audit: AuditContext) {
    return this.ctx.db.transaction().execute(async (tx) => {
      const person = await this.repo.findPerson(tx, principal.authorityId, personId);
      if (!person) throw notFound('child or person');
      const events = await this.repo.trail(tx, personId, TRAIL_LIMIT);
      await recordAudit(tx, audit, { action: 'audit-trail.viewed', personId });
      return { person, events };
    });
  }
}
