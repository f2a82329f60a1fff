import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import { ROLE_LABELS } from '../../platform/auth/roles.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { formatDateTimeLondon } from '../../domain/dates.js';
import type { FieldError } from '../../domain/conversation-rules.js';
import { MashService } from '../mash/mash.service.js';
import { NotificationSender } from '../mash/notifications.js';
import { escapeHtml } from '../written-records/render-html.js';
import { RestrictedRecordsRepository, type RestrictedPersonRow } from './restricted-records.repository.js';
import { subjectOfPath } from './subjects.js';
import { NOTHING_WITHHELD, type WithheldSet } from './withhold.js';

/**
 * How long "break glass" opens a restricted record for. A fixed time rather than "this session":
 * it is the same whichever device or sign-in the person uses, it is easy to state in the
 * notification ("until 6pm"), and it cannot outlive a working shift by more than a little.
 */
export const GRANT_HOURS = 8;

/** Who may restrict a record, change who may open it, and lift the restriction. */
export const MANAGE_RESTRICTIONS: Role[] = ['team-manager', 'administrator'];

/** Roles that can be named on a restriction: the authority's own staff. Partner agencies give a reason instead. */
const NAMEABLE: Role[] = ['cads-worker', 'team-manager', 'mash-coordinator', 'edt-worker', 'early-help-practitioner', 'administrator', 'mi-analyst'];

const MAX_NAMED = 50;
/** The restriction form's fields, in page order (for the error summary). */
const FIELD_ORDER = ['scope', 'named-users', 'owner', 'reason'];

/** What the guard and the lists need: who is withheld from this principal, and by which restrictions. */
export interface Withheld extends WithheldSet {
  /** Withheld person id → the restrictions that withhold them (those the principal may not open). */
  restrictionsOf: ReadonlyMap<string, readonly string[]>;
  /** The authorities whose records the principal sees anything of (their own, and a partner's joint MASH). */
  authorities: readonly string[];
}

export const NOTHING: Withheld = { ...NOTHING_WITHHELD, restrictionsOf: new Map(), authorities: [] };

export interface RestrictionInput {
  scope: string;
  namedEmails: string;
  ownerEmail: string;
  reason: string;
}

type Result<T = object> = ({ ok: true } & T) | { ok: false; errors: FieldError[] };

export class RestrictedRecordsService {
  readonly repo = new RestrictedRecordsRepository();
  constructor(private readonly ctx: AppContext) {}

  /** The reference shown for a restricted person instead of their name: the child id of the statutory returns. */
  reference(authorityId: string, personNumber: number): string {
    return `${this.ctx.profiles.get(authorityId).service.referencePrefix}${personNumber}`;
  }

  /** The authorities whose records this principal can see anything of (a partner's joint MASH included). */
  async authoritiesOf(db: Executor, principal: Principal): Promise<string[]> {
    return new MashService(this.ctx).servedAuthorities(db, principal);
  }

  /** The restricted people this principal may not open, now. */
  async withheldFor(principal: Principal, db: Executor = this.ctx.db): Promise<Withheld> {
    const authorities = await this.authoritiesOf(db, principal);
    const rows = await this.repo.restrictedPeople(db, authorities, principal.kind === 'user' ? principal.id : null, this.ctx.clock.now());
    return this.withheldFrom(db, rows, authorities);
  }

  private async withheldFrom(db: Executor, rows: RestrictedPersonRow[], authorities: string[]): Promise<Withheld> {
    if (rows.length === 0) return { ...NOTHING, authorities };
    const restrictionsOf = new Map<string, string[]>();
    const people = new Map<string, string>();
    for (const r of rows) {
      if (r.accessible) continue;
      restrictionsOf.set(r.person_id, [...(restrictionsOf.get(r.person_id) ?? []), r.restriction_id]);
      people.set(r.person_id, this.reference(r.authority_id, Number(r.person_number)));
    }
    if (people.size === 0) return { ...NOTHING, authorities };
    const records = new Set(await this.repo.recordsAbout(db, [...people.keys()]));
    return { people, records, restrictionsOf, authorities };
  }

  /** The people a guarded record shows, within the principal's authorities. */
  subjectPeople(db: Executor, kind: Parameters<RestrictedRecordsRepository['subjectPeople']>[1], id: string, authorities: readonly string[]) {
    return this.repo.subjectPeople(db, kind, id, authorities);
  }

  // -------------------------------------------------------------------------------------------
  // Restricting, changing and lifting (team managers and administrators of the child's authority)
  // -------------------------------------------------------------------------------------------

  private mustManage(principal: Principal) {
    if (principal.kind !== 'user' || !MANAGE_RESTRICTIONS.includes(principal.role)) {
      throw new HttpError(403, 'You cannot restrict records', 'Only team managers and administrators can restrict a record or change a restriction.');
    }
  }

  /**
   * What the restriction form shows: the person, their household, and the restriction in force (if
   * any). Showing a name is a view of that person: audited in the same transaction, for those not
   * withheld from the manager (the page shows the others as restricted records).
   */
  async formFor(principal: Principal, personId: string, audit: AuditContext | null) {
    this.mustManage(principal);
    return this.ctx.db.transaction().execute(async (db) => {
      const person = await this.repo.person(db, principal.authorityId, personId);
      if (!person) throw notFound('child or person');
      const household = await this.repo.householdOf(db, principal.authorityId, personId);
      const restriction = await this.repo.activeOn(db, principal.authorityId, personId);
      const named = restriction ? await this.repo.namedUsers(db, [restriction.id]) : [];
      const owner = restriction ? named.find((u) => u.id === restriction.owner_id) ?? null : null;
      // Restricted by a restriction set on someone else (their household's, say): shown, managed there.
      const covering = (await this.repo.restrictedPeople(db, [principal.authorityId], principal.id, this.ctx.clock.now()))
        .filter((r) => r.person_id === personId && r.restriction_id !== restriction?.id);
      const others = await this.repo.byIds(db, [...new Set(covering.map((c) => c.restriction_id))]);
      if (audit) {
        const withheld = await this.withheldFor(principal, db);
        const shown = withheld.people.has(personId) ? [] : [personId, ...household.map((h) => h.id).filter((id) => !withheld.people.has(id))];
        for (const id of shown) await recordAudit(db, audit, { action: 'person.viewed', personId: id });
      }
      return {
        person: { ...person, reference: this.reference(person.authority_id, Number(person.person_number)) },
        // Not "household": a page's data loses a key of that name beside a withheld person (withhold.ts).
        members: household.map((h) => ({ ...h, reference: this.reference(principal.authorityId, Number(h.person_number)) })),
        restriction,
        named,
        owner,
        coveredBy: others.map((o) => ({ personId: o.person_id, scope: o.scope, reference: this.reference(o.authority_id, Number(o.person_number)) })),
      };
    });
  }

  private async parseInput(db: Executor, principal: Principal, input: RestrictionInput): Promise<Result<{ scope: 'person' | 'household'; userIds: string[]; ownerId: string; reason: string }>> {
    const errors: FieldError[] = [];
    const scope = input.scope === 'person' || input.scope === 'household' ? input.scope : null;
    if (!scope) errors.push({ field: 'scope', message: 'Select whether to restrict only this person or their whole household' });
    const emails = [...new Set(input.namedEmails.split(/[\s,;]+/).map((e) => e.trim().toLowerCase()).filter(Boolean))];
    const ownerEmail = input.ownerEmail.trim().toLowerCase();
    const reason = input.reason.trim();
    if (emails.length === 0) errors.push({ field: 'named-users', message: 'Enter the email address of at least one person who may open the record' });
    else if (emails.length > MAX_NAMED) errors.push({ field: 'named-users', message: `Name ${MAX_NAMED} people or fewer` });
    if (!ownerEmail) errors.push({ field: 'owner', message: 'Enter the email address of the person who owns the restricted record' });
    if (!reason) errors.push({ field: 'reason', message: 'Enter why the record is restricted' });
    else if (reason.length > 2000) errors.push({ field: 'reason', message: 'The reason must be 2,000 characters or fewer' });
    const all = [...new Set([...emails, ...(ownerEmail ? [ownerEmail] : [])])];
    const users = emails.length <= MAX_NAMED ? await this.repo.usersByEmail(db, principal.authorityId, all) : [];
    const byEmail = new Map(users.map((u) => [u.email.toLowerCase(), u]));
    const unknown = emails.filter((e) => !byEmail.has(e));
    if (emails.length <= MAX_NAMED && unknown.length) {
      errors.push({ field: 'named-users', message: `${unknown.length === 1 ? 'This address is' : 'These addresses are'} not an active user of ${this.ctx.profiles.get(principal.authorityId).name}: ${unknown.join(', ')}` });
    }
    const partners = emails.filter((e) => byEmail.has(e) && !NAMEABLE.includes(byEmail.get(e)!.role as Role));
    if (partners.length) errors.push({ field: 'named-users', message: `Partner agencies cannot be named (${partners.join(', ')}): they give a reason to open the record` });
    const owner = ownerEmail ? byEmail.get(ownerEmail) : undefined;
    if (ownerEmail && !owner) errors.push({ field: 'owner', message: `${ownerEmail} is not an active user of ${this.ctx.profiles.get(principal.authorityId).name}` });
    else if (owner && !NAMEABLE.includes(owner.role as Role)) errors.push({ field: 'owner', message: 'The owner must be one of the authority’s own staff' });
    if (errors.length) return { ok: false, errors: FIELD_ORDER.flatMap((f) => errors.filter((e) => e.field === f)) };
    // The owner can always open the record they answer for.
    const userIds = [...new Set([...emails.map((e) => byEmail.get(e)!.id), owner!.id])];
    return { ok: true, scope: scope!, userIds, ownerId: owner!.id, reason };
  }

  /** Restricts a person's record (or their household's) to named users. */
  async restrict(principal: Principal, personId: string, input: RestrictionInput, audit: AuditContext): Promise<Result<{ id: string }>> {
    this.mustManage(principal);
    const parsed = await this.parseInput(this.ctx.db, principal, input);
    if (!parsed.ok) return parsed;
    const now = this.ctx.clock.now();
    const id = randomUUID();
    const already = { ok: false as const, errors: [{ field: 'scope', message: 'Someone else restricted this record while you were on this page. Check the restriction and change it if you need to' }] };
    return this.ctx.db.transaction().execute(async (tx): Promise<Result<{ id: string }>> => {
      const person = await this.repo.person(tx, principal.authorityId, personId);
      if (!person) throw notFound('child or person');
      if (person.merged_into_id) return { ok: false, errors: [{ field: 'scope', message: 'This record was merged into another record. Restrict the record that was kept' }] };
      if (await this.repo.activeOnForUpdate(tx, principal.authorityId, personId)) return already;
      await this.repo.insertRestriction(tx, { id, authority_id: principal.authorityId, person_id: personId, scope: parsed.scope, reason: parsed.reason, owner_id: parsed.ownerId, restricted_by: principal.id, restricted_at: now });
      await this.repo.setNamedUsers(tx, id, parsed.userIds, [], principal.id, now);
      await recordAudit(tx, audit, {
        action: 'person.restricted',
        personId,
        details: { restrictionId: id, scope: parsed.scope, ownerId: parsed.ownerId, namedUserIds: parsed.userIds, reason: parsed.reason },
      });
      return { ok: true, id };
    }).catch((e: unknown) => {
      // Two managers restricting the same record at once: the second meets the one-in-force index.
      if ((e as { code?: string }).code === '23505') return already;
      throw e;
    });
  }

  /** Changes who may open a restricted record, its owner, its scope or its reason. */
  async change(principal: Principal, personId: string, version: number, input: RestrictionInput, audit: AuditContext): Promise<Result> {
    this.mustManage(principal);
    const parsed = await this.parseInput(this.ctx.db, principal, input);
    if (!parsed.ok) return parsed;
    const now = this.ctx.clock.now();
    return this.ctx.db.transaction().execute(async (tx): Promise<Result> => {
      const r = await this.repo.activeOnForUpdate(tx, principal.authorityId, personId);
      if (!r) throw notFound('restriction');
      const stale = { ok: false as const, errors: [{ field: 'scope', message: 'Someone else changed this restriction while you were on this page. Your changes have not been saved: check it and make them again' }] };
      if (r.version !== version) return stale;
      const before = (await this.repo.namedUsers(tx, [r.id])).map((u) => u.id);
      const added = parsed.userIds.filter((u) => !before.includes(u));
      const removed = before.filter((u) => !parsed.userIds.includes(u));
      if (!(await this.repo.updateRestriction(tx, r.id, version, { scope: parsed.scope, reason: parsed.reason, owner_id: parsed.ownerId }, now))) return stale;
      await this.repo.setNamedUsers(tx, r.id, added, removed, principal.id, now);
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      if (r.scope !== parsed.scope) changes.scope = { from: r.scope, to: parsed.scope };
      if (r.owner_id !== parsed.ownerId) changes.ownerId = { from: r.owner_id, to: parsed.ownerId };
      if (r.reason !== parsed.reason) changes.reason = { from: r.reason, to: parsed.reason };
      if (added.length || removed.length) changes.namedUserIds = { from: before, to: parsed.userIds };
      await recordAudit(tx, audit, { action: 'person.restriction-changed', personId, changes, details: { restrictionId: r.id } });
      return { ok: true };
    });
  }

  /** Lifts a restriction: the record is open to everyone who could open it before. */
  async lift(principal: Principal, personId: string, version: number, reasonRaw: string, audit: AuditContext): Promise<Result> {
    this.mustManage(principal);
    const reason = reasonRaw.trim();
    if (!reason) return { ok: false, errors: [{ field: 'reason', message: 'Enter why the restriction is no longer needed' }] };
    if (reason.length > 2000) return { ok: false, errors: [{ field: 'reason', message: 'The reason must be 2,000 characters or fewer' }] };
    const now = this.ctx.clock.now();
    return this.ctx.db.transaction().execute(async (tx): Promise<Result> => {
      const r = await this.repo.activeOnForUpdate(tx, principal.authorityId, personId);
      if (!r) throw notFound('restriction');
      if (!(await this.repo.lift(tx, r.id, version, principal.id, reason, now))) {
        return { ok: false, errors: [{ field: 'reason', message: 'Someone else changed this restriction while you were on this page. Check it before lifting it' }] };
      }
      await recordAudit(tx, audit, { action: 'person.unrestricted', personId, details: { restrictionId: r.id, reason } });
      return { ok: true };
    });
  }

  // -------------------------------------------------------------------------------------------
  // Break glass
  // -------------------------------------------------------------------------------------------

  /**
   * What the break-glass page is about: the restricted records the page at `path` would show that
   * this person may not open. Null when `path` is not a record of this service.
   */
  async whatToOpen(principal: Principal, path: string) {
    const subject = subjectOfPath(path);
    if (!subject) return null;
    const withheld = await this.withheldFor(principal);
    const people = await this.repo.subjectPeople(this.ctx.db, subject.kind, subject.id, withheld.authorities);
    // Not a record this person can see anything of (another authority's, or no such record).
    if (people.length === 0) return null;
    const restrictionIds = [...new Set(people.flatMap((p) => withheld.restrictionsOf.get(p) ?? []))];
    const references = [...new Set(people.filter((p) => withheld.people.has(p)).map((p) => withheld.people.get(p)!))].sort();
    return { subject, people: people.filter((p) => withheld.people.has(p)), restrictionIds, references };
  }

  /**
   * "Break glass": someone not named on a restriction gives a reason to open a record it covers.
   * In one transaction: a grant for each restriction involved (GRANT_HOURS long), the audit entry
   * with the reason, and for each restriction an email (naming no child) and a task on the home page
   * for the record's owner and a manager.
   */
  async breakGlass(principal: Principal, path: string, reasonRaw: string, audit: AuditContext): Promise<Result<{ expiresAt: Date | null }>> {
    if (principal.kind !== 'user') throw new HttpError(403, 'Only a person can open a restricted record', 'Sign in to Front Door to give a reason.');
    const reason = reasonRaw.trim();
    if (!reason) return { ok: false, errors: [{ field: 'reason', message: 'Enter why you need to open this record' }] };
    if (reason.length > 1000) return { ok: false, errors: [{ field: 'reason', message: 'The reason must be 1,000 characters or fewer' }] };
    const what = await this.whatToOpen(principal, path);
    if (!what) throw notFound('record');
    if (what.restrictionIds.length === 0) return { ok: true, expiresAt: null };
    const now = this.ctx.clock.now();
    const expiresAt = new Date(now.getTime() + GRANT_HOURS * 3600_000);
    const restrictions = await this.repo.byIds(this.ctx.db, what.restrictionIds);
    const opener = await this.repo.user(this.ctx.db, principal.id);
    if (!opener) throw notFound('user');
    await this.ctx.db.transaction().execute(async (tx) => {
      const grantIds: string[] = [];
      const notificationIds: string[] = [];
      const sender = new NotificationSender(this.ctx);
      for (const r of restrictions) {
        const grantId = randomUUID();
        grantIds.push(grantId);
        await this.repo.insertGrant(tx, { id: grantId, authority_id: r.authority_id, restriction_id: r.id, user_id: principal.id, reason, opened_path: what.subject.path.slice(0, 300), granted_at: now, expires_at: expiresAt });
        const recipients = await this.recipients(tx, r, opener);
        const reference = this.reference(r.authority_id, Number(r.person_number));
        const facts = {
          serviceName: this.ctx.profiles.get(r.authority_id).service.name,
          reference,
          openerName: opener.display_name,
          openerRole: ROLE_LABELS[opener.role as Role] ?? opener.role,
          openedAt: formatDateTimeLondon(now),
          until: formatDateTimeLondon(expiresAt),
          link: `${this.ctx.config.baseUrl}/sign-in?next=${encodeURIComponent('/restricted-records')}`,
        };
        notificationIds.push(...(await sender.queue(tx, recipients.map((to) => ({
          authorityId: r.authority_id, kind: 'restricted-record-opened', mashRequestId: null, subjectType: 'restricted-access-grant', subjectId: grantId,
          to: to.email, subject: openedSubject(facts), text: openedText({ ...facts, recipientName: to.display_name }), html: openedHtml({ ...facts, recipientName: to.display_name }),
        })))));
        await this.repo.insertTasks(tx, recipients.map((to) => ({
          id: randomUUID(), authority_id: r.authority_id, assigned_to: to.id, subject_id: grantId, created_at: now,
          detail: `${opener.display_name} gave a reason to open restricted record ${reference}.`,
        })));
      }
      await recordAudit(tx, audit, {
        action: 'person.restricted-access-granted',
        personIds: what.people,
        details: { grantIds, restrictionIds: what.restrictionIds, reason, openedPath: what.subject.path, expiresAt: expiresAt.toISOString(), notificationIds },
      });
    });
    return { ok: true, expiresAt };
  }

  /**
   * Who is told that a restricted record was opened: its owner, and a manager – a team manager of
   * the opener's own team if there is one, else the manager who set the restriction, else another
   * of the authority's team managers. Never the opener themselves.
   */
  private async recipients(db: Executor, r: { owner_id: string; restricted_by: string | null; authority_id: string }, opener: { id: string; team_id: string | null }) {
    const out: { id: string; email: string; display_name: string }[] = [];
    const owner = await this.repo.user(db, r.owner_id);
    if (owner && !owner.disabled_at && owner.id !== opener.id) out.push(owner);
    const managers = (await this.repo.managers(db, r.authority_id, opener.team_id)).filter((m) => m.id !== opener.id);
    const sameTeam = opener.team_id ? managers.find((m) => m.team_id === opener.team_id) : undefined;
    const manager = sameTeam ?? managers.find((m) => m.id === r.restricted_by) ?? managers.find((m) => m.id !== owner?.id) ?? managers[0];
    if (manager && !out.some((o) => o.id === manager.id)) out.push(manager);
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // What the pages show
  // -------------------------------------------------------------------------------------------

  /** For a person's record: the restrictions covering them, who is named, and this principal's own grant. */
  async statusFor(principal: Principal, personIds: string[]) {
    const rows = (await this.repo.restrictedPeople(this.ctx.db, [principal.authorityId], principal.kind === 'user' ? principal.id : null, this.ctx.clock.now()))
      .filter((r) => personIds.includes(r.person_id));
    const ids = [...new Set(rows.map((r) => r.restriction_id))];
    if (ids.length === 0) return null;
    const restrictions = await this.repo.byIds(this.ctx.db, ids);
    const named = await this.repo.namedUsers(this.ctx.db, ids);
    const grants = principal.kind === 'user' ? await this.repo.activeGrants(this.ctx.db, principal.id, ids, this.ctx.clock.now()) : [];
    return {
      restrictions: restrictions.map((r) => ({
        ...r,
        reference: this.reference(r.authority_id, Number(r.person_number)),
        named: named.filter((n) => n.restriction_id === r.id),
        setOnThisRecord: personIds.includes(r.person_id),
        grant: grants.find((g) => g.restriction_id === r.id) ?? null,
      })),
    };
  }

  /** The restrictions in force in the principal's authority, with who opened them in the last 28 days. */
  async list(principal: Principal, audit: AuditContext) {
    this.mustManage(principal);
    return this.ctx.db.transaction().execute(async (db) => {
      const rows = await this.repo.list(db, principal.authorityId);
      const since = new Date(this.ctx.clock.now().getTime() - 28 * 86400_000);
      const grants = await this.repo.grantsSince(db, rows.map((r) => r.id), since);
      const named = await this.repo.namedUsers(db, rows.map((r) => r.id));
      const withheld = await this.withheldFor(principal, db);
      const shown = rows.filter((r) => !withheld.people.has(r.person_id)).map((r) => r.person_id);
      if (shown.length) await recordAudit(db, audit, { action: 'person.restrictions-listed', personIds: shown, details: { restrictions: rows.length } });
      return rows.map((r) => ({
        ...r,
        reference: this.reference(principal.authorityId, Number(r.person_number)),
        named: named.filter((n) => n.restriction_id === r.id),
        grants: grants.filter((g) => g.restriction_id === r.id).map((g) => ({ ...g, roleLabel: ROLE_LABELS[g.user_role as Role] ?? g.user_role })),
      }));
    });
  }

  /** Finds a person of the principal's authority by the reference shown for restricted records (or their id). */
  async findByReference(principal: Principal, raw: string): Promise<string | null> {
    this.mustManage(principal);
    const v = raw.trim();
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) {
      return (await this.repo.person(this.ctx.db, principal.authorityId, v.toLowerCase()))?.id ?? null;
    }
    const prefix = this.ctx.profiles.get(principal.authorityId).service.referencePrefix;
    const m = v.toUpperCase().match(new RegExp(`^(?:${prefix})?\\s*(\\d{1,12})$`));
    if (!m) return null;
    return (await this.repo.personByNumber(this.ctx.db, principal.authorityId, Number(m[1])))?.id ?? null;
  }

  /** "Restricted record opened" tasks for the home page of an owner or manager who was told. */
  async openTasks(principal: Principal) {
    if (principal.kind !== 'user') return [];
    const rows = await this.repo.openTasks(this.ctx.db, principal.id, principal.authorityId);
    return rows.map((t) => ({ ...t, reference: this.reference(principal.authorityId, Number(t.person_number)), roleLabel: ROLE_LABELS[t.user_role as Role] ?? t.user_role }));
  }

  async reviewed(principal: Principal, taskId: string, audit: AuditContext): Promise<void> {
    const tasks = await this.openTasks(principal);
    const t = tasks.find((x) => x.id === taskId);
    if (!t) throw notFound('task');
    await this.ctx.db.transaction().execute(async (tx) => {
      if (!(await this.repo.closeTask(tx, taskId, principal.id, principal.authorityId, this.ctx.clock.now()))) throw notFound('task');
      await recordAudit(tx, audit, { action: 'person.restricted-access-reviewed', personId: t.person_id, details: { taskId } });
    });
  }
}

interface OpenedFacts {
  serviceName: string;
  reference: string;
  openerName: string;
  openerRole: string;
  openedAt: string;
  until: string;
  link: string;
  recipientName?: string;
}

export function openedSubject(f: OpenedFacts): string {
  return `Restricted record ${f.reference} was opened`;
}

function openedLines(f: OpenedFacts): string[] {
  return [
    `Dear ${f.recipientName ?? 'colleague'},`,
    `${f.openerName} (${f.openerRole}) gave a reason to open restricted record ${f.reference} on ${f.openedAt}. They can open it until ${f.until}.`,
    'You are told because you own this restricted record or manage the person who opened it. Sign in to Front Door to read their reason and check it:',
  ];
}

export function openedText(f: OpenedFacts): string {
  return [...openedLines(f), f.link, 'This email does not name anyone in the record: their details are only in Front Door.', f.serviceName].join('\n\n') + '\n';
}

export function openedHtml(f: OpenedFacts): string {
  const p = 'margin:0 0 15px 0;font-size:16px;line-height:1.5;color:#0b0c0c;';
  const a = 'color:#1d70b8;text-decoration:underline;';
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(openedSubject(f))}</title></head>
<body style="margin:0;padding:20px 15px;font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;color:#0b0c0c;">
<h1 style="margin:0 0 20px 0;font-size:24px;line-height:1.25;">A restricted record was opened</h1>
${openedLines(f).map((l) => `<p style="${p}">${escapeHtml(l)}</p>`).join('\n')}
<p style="${p}"><a href="${escapeHtml(f.link)}" style="${a}">${escapeHtml(f.link)}</a></p>
<p style="${p}">This email does not name anyone in the record: their details are only in Front Door.</p>
<p style="${p}">${escapeHtml(f.serviceName)}</p>
</body>
</html>
`;
}
