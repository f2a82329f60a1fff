import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import type { Executor, Tx } from '../../platform/db/database.js';
import type { ConversationRow } from '../../platform/db/schema.js';
import type { Principal } from '../../platform/auth/roles.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import type { FormBody } from '../../platform/http/forms.js';
import { str } from '../../platform/http/forms.js';
import { labelOf } from '../../domain/authority-profile.js';
import { isPlausibleEmail } from '../../domain/phone.js';
import { EMAIL_FORMAT_MESSAGE, PHONE_FORMAT_MESSAGE, type FieldError } from '../../domain/conversation-rules.js';
import { ConversationsService } from '../conversations/conversations.service.js';
import { ProfessionalsRepository, type ProfessionalRow, type ProfessionalSummary } from './professionals.repository.js';
import {
  chooseMatch, correctedChanges, detailsFromCaller, familyNameKey, learnedChanges, tidyEmail, tidyPhone, valuesOf,
  type Changes, type ProfessionalDetails,
} from './directory-rules.js';

const MAX_FIELD = 200;
const MAX_REASON = 2000;

/** An entry as the pages show it. */
export interface KnownProfessional extends ProfessionalSummary {
  agencyLabel: string;
}

export type LearnResult = { action: 'created' | 'updated' | 'linked'; professionalId: string } | { action: 'none' };

/**
 * The professional directory: the professionals who phone the service, learned from completed
 * conversations, recognised on the next call, corrected and merged by CADS workers and managers.
 * It holds callers' contact details only: nothing about a child.
 */
export class ProfessionalsService {
  readonly repo = new ProfessionalsRepository();
  constructor(private readonly ctx: AppContext) {}

  private agencyLabel(authorityId: string, row: { agency_code: string | null; agency_other: string | null }): string {
    if (row.agency_code === 'other' || !row.agency_code) return row.agency_other ?? '';
    return labelOf(this.ctx.profiles.get(authorityId).agencies, row.agency_code);
  }

  private shown(authorityId: string, row: ProfessionalSummary): KnownProfessional {
    return { ...row, agencyLabel: this.agencyLabel(authorityId, row) };
  }

  // --- learning from completed conversations -------------------------------------------------

  /**
   * The completion hook: the caller of a completed conversation with a professional is linked to
   * their directory entry, which is added when nobody matches and brought up to date when the
   * details differ (the change is kept in the entry's history). Members of the public are not added.
   */
  async learn(tx: Tx, conversation: Pick<ConversationRow, 'id' | 'authority_id' | 'started_at'>, version: number, requestedBy: string | null): Promise<LearnResult> {
    const caller = await this.repo.callerOf(tx, conversation.id, version);
    const details = caller ? detailsFromCaller(caller) : null;
    if (!details) {
      // A correction that makes the caller a member of the public (or removes their details) unlinks them.
      await this.repo.unlink(tx, conversation.id);
      return { action: 'none' };
    }
    const now = this.ctx.clock.now();
    const authorityId = conversation.authority_id;
    // Two completions with the same new caller at once would otherwise add them twice.
    for (const key of [details.email, details.phoneE164].filter((k): k is string => !!k).sort()) {
      await sql`select pg_advisory_xact_lock(hashtext(${`professional:${authorityId}:${key}`}))`.execute(tx);
    }
    const candidates = await this.repo.byContact(tx, authorityId, details.phoneE164, details.email);
    const match = chooseMatch(details, candidates);
    const entry = match ? await this.repo.survivorOf(tx, authorityId, match.id) : undefined;
    if (!entry) {
      const id = randomUUID();
      await this.repo.insert(tx, {
        id, authority_id: authorityId, name: details.name, agency_code: details.agencyCode, agency_other: details.agencyOther, role: details.role,
        team: null, phone: details.phone, phone_e164: details.phoneE164, email: details.email, details_as_of: conversation.started_at, created_at: now, updated_at: now,
      });
      await this.repo.addChange(tx, {
        id: randomUUID(), professional_id: id, kind: 'created', changes: JSON.stringify(createdChanges(details)), conversation_id: conversation.id, changed_by: requestedBy, changed_at: now,
      });
      await this.repo.link(tx, authorityId, conversation.id, id, now);
      return { action: 'created', professionalId: id };
    }
    let action: 'updated' | 'linked' = 'linked';
    // Only newer details replace what is held: a late correction of an old conversation does not.
    if (conversation.started_at.getTime() >= new Date(entry.details_as_of).getTime()) {
      const changes = learnedChanges(entry, details);
      const values = valuesOf(changes);
      await this.repo.update(tx, entry.id, { ...values, details_as_of: conversation.started_at, ...(Object.keys(changes).length ? { updated_at: now } : {}) });
      if (Object.keys(changes).length) {
        await this.repo.addChange(tx, {
          id: randomUUID(), professional_id: entry.id, kind: 'learned', changes: JSON.stringify(changes), conversation_id: conversation.id, changed_by: requestedBy, changed_at: now,
        });
        action = 'updated';
      }
    }
    await this.repo.link(tx, authorityId, conversation.id, entry.id, now);
    return { action, professionalId: entry.id };
  }

  // --- recognising a caller ------------------------------------------------------------------

  /**
   * The known professionals with this phone number or email (an entry merged away shows as the
   * entry kept). Several may share a number: colleagues on one line.
   */
  async knownCallers(principal: Principal, contact: { phone?: string | null; email?: string | null }, db: Executor = this.ctx.db): Promise<KnownProfessional[]> {
    const phoneE164 = tidyPhone(contact.phone)?.phoneE164 ?? null;
    const email = tidyEmail(contact.email);
    if (!phoneE164 && !email) return [];
    const rows = await this.repo.byContact(db, principal.authorityId, phoneE164, email);
    const ids = new Set<string>();
    for (const r of rows) {
      const s = r.merged_into ? await this.repo.survivorOf(db, principal.authorityId, r.id) : r;
      if (s) ids.add(s.id);
    }
    const out: KnownProfessional[] = [];
    for (const id of [...ids].slice(0, 5)) {
      const row = await this.repo.find(db, principal.authorityId, id);
      if (row) out.push(this.shown(principal.authorityId, row));
    }
    // The best match first: the same email, then the most recent caller.
    return out.sort((a, b) => Number(b.email === email && !!email) - Number(a.email === email && !!email) || (b.last_called_at?.getTime() ?? 0) - (a.last_called_at?.getTime() ?? 0));
  }

  /**
   * "Use these details": the entry's details fill in the draft's caller section (one save, like the
   * worker's own). A number already on the draft (the one the call came from) is kept: it is how to
   * reach them now, and completing the conversation brings the entry up to date.
   */
  async useDetails(principal: Principal, conversationId: string, professionalId: string, lockVersion: number, audit: AuditContext): Promise<KnownProfessional> {
    const entry = await this.repo.survivorOf(this.ctx.db, principal.authorityId, professionalId);
    if (!entry) throw notFound('professional');
    const conversations = new ConversationsService(this.ctx.db, this.ctx.clock, this.ctx.profiles, this.ctx.calendars);
    const draft = await conversations.loadDraft(principal, conversationId);
    await conversations.saveSection(principal, conversationId, lockVersion, 'caller', {
      caller_type: 'professional',
      caller_name: entry.name,
      caller_role: entry.role,
      caller_agency_code: entry.agency_code,
      caller_agency_other: entry.agency_code === 'other' ? entry.agency_other : null,
      caller_phone: draft.version.caller_phone ?? entry.phone,
      caller_email: entry.email,
    }, new Map(), audit);
    const row = await this.repo.find(this.ctx.db, principal.authorityId, entry.id);
    return this.shown(principal.authorityId, row!);
  }

  // --- the directory's pages -----------------------------------------------------------------

  async recent(principal: Principal): Promise<KnownProfessional[]> {
    const rows = await this.repo.search(this.ctx.db, principal.authorityId, { text: null, phoneE164: null, email: null, agencyCode: null }, 25);
    return rows.map((r) => this.shown(principal.authorityId, r));
  }

  async search(principal: Principal, text: string, agencyCode: string | null): Promise<KnownProfessional[]> {
    const t = text.trim();
    const rows = await this.repo.search(this.ctx.db, principal.authorityId, {
      text: t || null,
      phoneE164: tidyPhone(t)?.phoneE164 ?? null,
      email: t.includes('@') ? tidyEmail(t) : null,
      agencyCode,
    });
    return rows.map((r) => this.shown(principal.authorityId, r));
  }

  /** An entry with its conversations and history; the view is audited. A merged entry names the entry kept. */
  async view(principal: Principal, id: string, audit: AuditContext) {
    return this.ctx.db.transaction().execute(async (tx) => {
      const row = await this.repo.find(tx, principal.authorityId, id);
      if (!row) throw notFound('professional');
      if (row.merged_into) {
        const kept = await this.repo.survivorOf(tx, principal.authorityId, id);
        return { mergedInto: kept!.id, name: row.name } as const;
      }
      const profile = this.ctx.profiles.get(principal.authorityId);
      const conversations = (await this.repo.conversations(tx, id)).map((c) => ({
        ...c,
        outcomeLabels: (c.outcomes ?? []).map((code) => labelOf(profile.outcomes, code)),
      }));
      const history = await this.repo.changes(tx, id);
      await recordAudit(tx, audit, { action: 'professional.viewed', entityId: id, personIds: [], details: { conversationIds: conversations.map((c) => c.id) } });
      return { professional: this.shown(principal.authorityId, row), conversations, history };
    });
  }

  async find(principal: Principal, id: string): Promise<KnownProfessional> {
    const row = await this.repo.find(this.ctx.db, principal.authorityId, id);
    if (!row) throw notFound('professional');
    return this.shown(principal.authorityId, row);
  }

  /** The correction form's values, checked. */
  parseCorrection(principal: Principal, body: FormBody): { details: ProfessionalDetails; reason: string; errors: FieldError[] } {
    const errors: FieldError[] = [];
    const agencies = this.ctx.profiles.get(principal.authorityId).agencies.map((a) => a.code);
    const text = (field: string, label: string, required = false, max = MAX_FIELD) => {
      const v = str(body[field]).replace(/\s+/g, ' ');
      if (required && !v) errors.push({ field, message: `Enter ${label}` });
      else if (v.length > max) errors.push({ field, message: `${label[0]!.toUpperCase()}${label.slice(1)} must be ${max.toLocaleString('en-GB')} characters or fewer` });
      return v || null;
    };
    const name = text('name', 'the name', true);
    let agencyCode = text('agency', 'the agency');
    if (agencyCode && !agencies.includes(agencyCode)) {
      errors.push({ field: 'agency', message: 'Select the agency from the list' });
      agencyCode = null;
    }
    const agencyOther = agencyCode === 'other' ? text('agency-other', "the agency's name", true) : null;
    const role = text('role', 'the job title or role');
    const team = text('team', 'the team');
    const phoneRaw = str(body.phone);
    const phone = tidyPhone(phoneRaw);
    if (phoneRaw && !phone) errors.push({ field: 'phone', message: PHONE_FORMAT_MESSAGE });
    const emailRaw = str(body.email);
    if (emailRaw && !isPlausibleEmail(emailRaw)) errors.push({ field: 'email', message: EMAIL_FORMAT_MESSAGE });
    if (!phoneRaw && !emailRaw) errors.push({ field: 'phone', message: 'Enter a phone number or email address, so the caller is recognised when they call again' });
    const reason = text('reason', 'what was wrong', true, MAX_REASON) ?? '';
    return {
      details: { name: name ?? '', agencyCode, agencyOther, role, team, phone: phone?.phone ?? null, phoneE164: phone?.phoneE164 ?? null, email: emailRaw ? tidyEmail(emailRaw) : null },
      reason,
      errors,
    };
  }

  /** Corrects an entry's details; the change is audited and kept in the entry's history. */
  async correct(principal: Principal, id: string, body: FormBody, audit: AuditContext): Promise<{ ok: true; changed: number } | { ok: false; errors: FieldError[] }> {
    const parsed = this.parseCorrection(principal, body);
    if (parsed.errors.length) return { ok: false, errors: parsed.errors };
    const now = this.ctx.clock.now();
    return this.ctx.db.transaction().execute(async (tx) => {
      const row = await this.repo.findForUpdate(tx, principal.authorityId, id);
      if (!row) throw notFound('professional');
      if (row.merged_into) throw new HttpError(409, 'This entry was merged', 'This entry was merged into another. Correct the entry that was kept.');
      if (parsed.details.email && parsed.details.email !== row.email) {
        const others = (await this.repo.byContact(tx, principal.authorityId, null, parsed.details.email)).filter((o) => o.id !== id && !o.merged_into);
        if (others.length) {
          return { ok: false as const, errors: [{ field: 'email', message: 'Another entry in the directory has this email address. If it is the same person, merge the two entries instead' }] };
        }
      }
      const changes = correctedChanges(row, parsed.details);
      const n = Object.keys(changes).length;
      if (n === 0) return { ok: true as const, changed: 0 };
      await this.repo.update(tx, id, { ...valuesOf(changes), details_as_of: now, updated_at: now });
      await this.repo.addChange(tx, { id: randomUUID(), professional_id: id, kind: 'corrected', changes: JSON.stringify(changes), reason: parsed.reason, changed_by: principal.id, changed_at: now });
      await recordAudit(tx, audit, { action: 'professional.corrected', entityId: id, personIds: [], details: { changes, reason: parsed.reason } });
      return { ok: true as const, changed: n };
    });
  }

  /** Entries that may be the same person: the same family name, phone number or email. */
  async lookAlikes(principal: Principal, id: string): Promise<KnownProfessional[]> {
    const row = await this.repo.find(this.ctx.db, principal.authorityId, id);
    if (!row) throw notFound('professional');
    return (await this.repo.lookAlikes(this.ctx.db, row, familyNameKey(row.name))).map((r) => this.shown(principal.authorityId, r));
  }

  /**
   * Merges two entries for the same person: the one not kept points at the one kept (its page sends
   * people there), its conversations move over, and details the kept entry lacks are taken from it.
   * Both entries must be this authority's; an entry cannot be merged into itself.
   */
  async merge(principal: Principal, id: string, body: FormBody, audit: AuditContext): Promise<{ ok: true; keptId: string; moved: number } | { ok: false; errors: FieldError[] }> {
    const otherId = str(body['other-id']);
    const keep = str(body.keep);
    const reason = str(body.reason);
    const errors: FieldError[] = [];
    if (!otherId) errors.push({ field: 'other-id', message: 'Select the entry that is the same person' });
    else if (otherId === id) errors.push({ field: 'other-id', message: 'An entry cannot be merged into itself. Select a different entry' });
    else if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(otherId)) errors.push({ field: 'other-id', message: 'Select the entry that is the same person' });
    if (keep !== 'this' && keep !== 'other') errors.push({ field: 'keep', message: 'Select which entry to keep' });
    if (!reason) errors.push({ field: 'reason', message: 'Enter why these are the same person' });
    else if (reason.length > MAX_REASON) errors.push({ field: 'reason', message: 'The reason must be 2,000 characters or fewer' });
    if (errors.length) {
      // An unknown entry is still not found, whatever else is wrong.
      if (!(await this.repo.find(this.ctx.db, principal.authorityId, id))) throw notFound('professional');
      return { ok: false, errors };
    }
    const now = this.ctx.clock.now();
    return this.ctx.db.transaction().execute(async (tx) => {
      // Locked in a fixed order, so two merges of the same pair cannot deadlock.
      const [first, second] = [id, otherId].sort() as [string, string];
      const a = await this.repo.findForUpdate(tx, principal.authorityId, first);
      const b = await this.repo.findForUpdate(tx, principal.authorityId, second);
      if (!a || !b) throw notFound('professional');
      if (a.merged_into || b.merged_into) throw new HttpError(409, 'Already merged', 'One of these entries has already been merged into another. Open the entry that was kept.');
      const self = a.id === id ? a : b;
      const other = a.id === id ? b : a;
      const kept = keep === 'this' ? self : other;
      const gone = keep === 'this' ? other : self;
      const filled = fillBlanks(kept, gone);
      if (Object.keys(filled).length) await this.repo.update(tx, kept.id, { ...valuesOf(filled), updated_at: now });
      await this.repo.update(tx, gone.id, { merged_into: kept.id, merged_at: now, merged_by: principal.id, merge_reason: reason, updated_at: now });
      await this.repo.repointMerged(tx, gone.id, kept.id);
      const moved = await this.repo.moveConversations(tx, gone.id, kept.id);
      await this.repo.addChange(tx, { id: randomUUID(), professional_id: kept.id, kind: 'merged-in', changes: JSON.stringify(filled), other_professional_id: gone.id, reason, changed_by: principal.id, changed_at: now });
      await this.repo.addChange(tx, { id: randomUUID(), professional_id: gone.id, kind: 'merged-away', changes: '{}', other_professional_id: kept.id, reason, changed_by: principal.id, changed_at: now });
      await recordAudit(tx, audit, { action: 'professional.merged', entityId: kept.id, personIds: [], details: { keptId: kept.id, mergedId: gone.id, reason, conversationsMoved: moved } });
      return { ok: true as const, keptId: kept.id, moved };
    });
  }
}

function createdChanges(d: ProfessionalDetails): Changes {
  const out: Changes = {};
  const add = (k: string, v: string | null) => {
    if (v !== null) out[k] = { from: null, to: v };
  };
  add('name', d.name);
  add('role', d.role);
  add('agency_code', d.agencyCode);
  add('agency_other', d.agencyOther);
  add('phone', d.phone);
  add('email', d.email);
  return out;
}

/** Details the kept entry lacks, taken from the entry merged into it. */
function fillBlanks(kept: ProfessionalRow, gone: ProfessionalRow): Changes {
  const out: Changes = {};
  for (const f of ['role', 'team', 'email'] as const) if (!kept[f] && gone[f]) out[f] = { from: null, to: gone[f] };
  if (!kept.phone_e164 && gone.phone_e164) {
    out.phone = { from: null, to: gone.phone };
    out.phone_e164 = { from: null, to: gone.phone_e164 };
  }
  if (!kept.agency_code && gone.agency_code) {
    out.agency_code = { from: null, to: gone.agency_code };
    out.agency_other = { from: kept.agency_other, to: gone.agency_other };
  }
  return out;
}
