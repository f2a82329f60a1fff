import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import { CAN } from '../../platform/auth/roles.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';
import type { Tx } from '../../platform/db/database.js';
import type { ConversationRow, EarlyHelpStatus } from '../../platform/db/schema.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { labelOf, type AuthorityProfile } from '../../domain/authority-profile.js';
import { addDays, isIsoDate, londonWallTimeToInstant } from '../../domain/dates.js';
import { NotificationSender } from '../mash/notifications.js';
import { escapeHtml } from '../written-records/render-html.js';
import { EarlyHelpRepository, type EarlyHelpRequestView, type FamilyMember } from './early-help.repository.js';
import { statusOnSave, STATUS_LABELS, TRANSITIONS, validateEarlyHelp, type EarlyHelpInput, type FieldError, type TeamAction, TEXT_MAX, SHORT_MAX } from './early-help-rules.js';
import { toCsv } from '../../platform/http/tabular.js';
import { RestrictedRecordsService } from '../restricted-records/restricted-records.service.js'; // issue10-F
import { withhold } from '../restricted-records/withhold.js'; // issue10-F

/** Who does what with Early Help requests. */
export const EARLY_HELP_ROLES = {
  /** The Early Help team's queue, their actions on a request, and the export. */
  team: ['early-help-practitioner', 'team-manager'] as Role[],
  /** CADS completes the request from the conversation and sends it. */
  complete: CAN.recordConversations,
  /** Reading one request: the Early Help team and CADS. */
  read: [...new Set<Role>(['early-help-practitioner', 'team-manager', ...CAN.readChildRecords])],
};

/** The statuses the Early Help team's queue can be filtered by (each has been sent). */
export const QUEUE_STATUSES: EarlyHelpStatus[] = ['sent', 'accepted', 'declined', 'closed'];
const EDITABLE: EarlyHelpStatus[] = ['details-needed', 'consent-not-given'];

export type SaveResult = { ok: true; status: EarlyHelpStatus; reference: string } | { ok: false; errors: FieldError[] };
export type TeamActionResult = { ok: true; reference: string; status: EarlyHelpStatus } | { ok: false; errors: FieldError[] };

const displayName = (p: { given_name: string | null; family_name: string | null; expected_date_of_birth: string | null; restrictedReference?: string }) =>
  // issue10-F: a restricted person withheld from the reader
  p.restrictedReference ? `Restricted record ${p.restrictedReference}` :
  [p.given_name, p.family_name].filter(Boolean).join(' ') || (p.expected_date_of_birth ? 'Unborn child' : 'Name not known');

/**
 * Early Help requests: opened for each child whose conversation ends in an Early Help request,
 * completed and sent by CADS with the family's agreement, and accepted, declined or closed by the
 * Early Help team. Every change and every read of a request is audited in its own transaction.
 */
export class EarlyHelpService {
  readonly repo = new EarlyHelpRepository();
  private readonly sender: NotificationSender;
  constructor(private readonly ctx: AppContext) {
    this.sender = new NotificationSender(ctx);
  }

  profileFor(authorityId: string): AuthorityProfile {
    return this.ctx.profiles.get(authorityId);
  }

  // -------------------------------------------------------------------------
  // Opening requests when a conversation is completed
  // -------------------------------------------------------------------------

  /**
   * The completion hook: one request per child whose agreed outcome creates one, prefilled from
   * the conversation (needs from what needs to happen and the worries, the consent recorded, the
   * caller as the proposed lead professional). A correction completed later adds requests only for
   * children who did not have one.
   */
  async onConversationCompleted(tx: Tx, conversation: ConversationRow, version: number, requestedBy: string | null): Promise<string[]> {
    const profile = this.profileFor(conversation.authority_id);
    const codes = profile.outcomes.filter((o) => o.createsEarlyHelpRequest).map((o) => o.code);
    if (!codes.length) return [];
    const children = await this.repo.childrenWithOutcome(tx, conversation.id, version, codes);
    const now = this.ctx.clock.now();
    const actor = requestedBy ? await this.repo.user(tx, requestedBy) : undefined;
    const audit: AuditContext = {
      principal: actor
        ? { kind: 'user', id: actor.id, authorityId: actor.authority_id, role: actor.role as Role, displayName: actor.display_name, agencyCode: actor.agency_code, teamId: actor.team_id, email: actor.email }
        : null,
      ip: null,
      requestId: null,
    };
    // A correction that takes the outcome away withdraws a request not yet sent; one already sent
    // stays with the Early Help team, who can decline it.
    const earlier = await this.repo.forConversations(tx, conversation.authority_id, [conversation.id]);
    for (const r of earlier) {
      if (!EDITABLE.includes(r.status) || children.some((c) => c.person_id === r.person_id)) continue;
      if (!(await this.repo.update(tx, conversation.authority_id, r.id, [r.status], { status: 'withdrawn', updated_by: requestedBy, updated_at: now }))) continue;
      await this.repo.addStatusChange(tx, { id: randomUUID(), request_id: r.id, from_status: r.status, to_status: 'withdrawn', note: `Version ${version} of the conversation no longer has an Early Help outcome for this child.`, changed_by: requestedBy, changed_at: now });
      await recordAudit(tx, audit, { action: 'early-help.status-changed', entityId: r.id, personIds: [r.person_id], details: { reference: r.reference, from: r.status, to: 'withdrawn' } });
    }
    if (!children.length) return [];
    const v = await this.repo.version(tx, conversation.id, version);
    const needs = [v?.needs_to_happen, v?.worries].filter((x): x is string => !!x && x.trim() !== '').join('\n\n').slice(0, TEXT_MAX) || null;
    const agency = v?.caller_agency_code === 'other' ? v?.caller_agency_other ?? null : labelOf(profile.agencies, v?.caller_agency_code) || null;
    const made: string[] = [];
    for (const child of children) {
      const id = randomUUID();
      const n = await this.repo.nextReferenceNumber(tx);
      const reference = `${profile.service.referencePrefix}-EH-${String(n).padStart(6, '0')}`;
      const added = await this.repo.insert(tx, {
        id, authority_id: conversation.authority_id, reference, conversation_id: conversation.id, conversation_version: version, person_id: child.person_id,
        status: 'details-needed', family_member_ids: null, need_codes: [], needs_detail: needs,
        consent: v?.consent_given ?? null, consent_not_given_reason: v?.consent_given === 'no' ? (v.consent_reason_detail ?? null) : null,
        lead_name: v?.caller_name?.slice(0, SHORT_MAX) ?? null, lead_role: v?.caller_role?.slice(0, SHORT_MAX) ?? null, lead_agency: agency?.slice(0, SHORT_MAX) ?? null,
        lead_phone: v?.caller_phone ?? null, lead_email: v?.caller_email ?? null,
        created_by: requestedBy, created_at: now, updated_by: requestedBy, updated_at: now,
      });
      if (!added) continue;
      await this.repo.addStatusChange(tx, { id: randomUUID(), request_id: id, from_status: null, to_status: 'details-needed', note: null, changed_by: requestedBy, changed_at: now });
      await recordAudit(tx, audit, { action: 'early-help.request-created', entityId: id, personIds: [child.person_id], details: { reference, conversationId: conversation.id, version } });
      made.push(id);
    }
    return made;
  }

  // -------------------------------------------------------------------------
  // Reading
  // -------------------------------------------------------------------------

  private async findOrThrow(tx: Tx, principal: Principal, id: string): Promise<EarlyHelpRequestView> {
    const r = await this.repo.find(tx, principal.authorityId, id);
    if (!r) throw notFound('Early Help request');
    return r;
  }

  /** One request, as its page shows it, with its history; the read is audited. */
  async view(principal: Principal, id: string, audit: AuditContext) {
    return this.ctx.db.transaction().execute(async (tx) => {
      const request = await this.findOrThrow(tx, principal, id);
      const family = await this.repo.people(tx, principal.authorityId, request.family_member_ids ?? []);
      const history = await this.repo.statusChanges(tx, id);
      await recordAudit(tx, audit, { action: 'early-help.request-viewed', entityId: id, personIds: [request.person_id, ...family.map((f) => f.id)], details: { reference: request.reference } });
      return { request, family, history, profile: this.profileFor(principal.authorityId) };
    });
  }

  /** The form: the request, and the child's family from their record to choose from; audited as a view. */
  async editForm(principal: Principal, id: string, audit: AuditContext) {
    return this.ctx.db.transaction().execute(async (tx) => {
      const request = await this.findOrThrow(tx, principal, id);
      const family = await this.repo.familyOf(tx, principal.authorityId, request.person_id);
      await recordAudit(tx, audit, { action: 'early-help.request-viewed', entityId: id, personIds: [request.person_id, ...family.map((f) => f.id)], details: { reference: request.reference } });
      return { request, family, editable: EDITABLE.includes(request.status), profile: this.profileFor(principal.authorityId) };
    });
  }

  /**
   * Saves the form, or saves and sends it. Nothing is saved when the form has an error. Sending
   * needs the family's consent: it sets the status to sent and queues the email to the Early Help
   * team's inbox (a reference and a link, no name) in the same transaction.
   */
  async save(principal: Principal, id: string, input: EarlyHelpInput, action: 'save' | 'send', audit: AuditContext): Promise<SaveResult> {
    return this.ctx.db.transaction().execute(async (tx): Promise<SaveResult> => {
      const request = await this.findOrThrow(tx, principal, id);
      if (!EDITABLE.includes(request.status)) {
        throw new HttpError(409, 'Request already sent', `Early Help request ${request.reference} has already been sent to the Early Help team, so it cannot be changed here.`);
      }
      const profile = this.profileFor(principal.authorityId);
      const family = await this.repo.familyOf(tx, principal.authorityId, request.person_id);
      const errors = validateEarlyHelp(input, action, { needCodes: profile.earlyHelp.needs.map((n) => n.code), familyIds: family.map((f) => f.id) });
      if (errors.length) return { ok: false, errors };
      const now = this.ctx.clock.now();
      const status: EarlyHelpStatus = action === 'send' ? 'sent' : statusOnSave(input.consent);
      const changed = await this.repo.update(tx, principal.authorityId, id, [request.status], {
        status,
        family_member_ids: input.familyMemberIds,
        need_codes: input.needCodes,
        needs_detail: input.needsDetail,
        consent: input.consent === 'yes' || input.consent === 'no' ? input.consent : null,
        consent_not_given_reason: input.consent === 'no' ? input.consentNotGivenReason : null,
        lead_name: input.leadName, lead_role: input.leadRole, lead_agency: input.leadAgency, lead_phone: input.leadPhone, lead_email: input.leadEmail,
        updated_by: principal.id, updated_at: now,
        ...(action === 'send' ? { sent_by: principal.id, sent_at: now } : {}),
      });
      if (!changed) throw new HttpError(409, 'Request changed', `Someone else changed Early Help request ${request.reference} at the same time. Open it again to see what they did.`);
      const personIds = [request.person_id, ...input.familyMemberIds];
      if (status !== request.status) {
        await this.repo.addStatusChange(tx, {
          id: randomUUID(), request_id: id, from_status: request.status, to_status: status,
          note: status === 'consent-not-given' ? input.consentNotGivenReason : null, changed_by: principal.id, changed_at: now,
        });
      }
      if (action === 'send') {
        const link = `${this.ctx.config.baseUrl}/sign-in?next=${encodeURIComponent(`/early-help/${id}`)}`;
        const subject = `Early Help request ${request.reference} from ${profile.service.name}`;
        const lines = [
          `${profile.service.name} has sent the ${profile.earlyHelp.teamName} an Early Help request, reference ${request.reference}.`,
          'The family have agreed to the request.',
          `Sign in to Front Door to read it and accept or decline it: ${link}`,
        ];
        const html = `<p>${escapeHtml(lines[0]!)}</p><p>${escapeHtml(lines[1]!)}</p><p><a href="${escapeHtml(link)}">Sign in to Front Door to read it</a> and accept or decline it.</p>`;
        const notificationIds = await this.sender.queue(tx, [{
          authorityId: principal.authorityId, kind: 'early-help-request', mashRequestId: null, subjectType: 'early-help-request', subjectId: id,
          to: profile.earlyHelp.teamEmail, subject, text: lines.join('\n\n'), html,
        }]);
        await recordAudit(tx, audit, { action: 'early-help.request-sent', entityId: id, personIds, details: { reference: request.reference, notificationIds } });
      } else {
        await recordAudit(tx, audit, { action: 'early-help.request-saved', entityId: id, personIds, details: { reference: request.reference, status } });
      }
      return { ok: true, status, reference: request.reference };
    });
  }

  /**
   * The Early Help team's answer: accept (allocated to a worker or team), decline (with a reason,
   * back to CADS) or close an accepted request. A request not in a status the action starts from
   * is refused with 409 and left as it was.
   */
  async teamAction(
    principal: Principal,
    id: string,
    action: TeamAction,
    input: { allocatedTo: string | null; reasonCode: string | null; note: string | null },
    audit: AuditContext,
  ): Promise<TeamActionResult> {
    return this.ctx.db.transaction().execute(async (tx): Promise<TeamActionResult> => {
      const request = await this.findOrThrow(tx, principal, id);
      const t = TRANSITIONS[action];
      if (!(t.from as readonly string[]).includes(request.status)) {
        throw new HttpError(409, 'Cannot do that now', `Early Help request ${request.reference} is ${STATUS_LABELS[request.status]!.toLowerCase()}, so it cannot be ${t.to} now.`);
      }
      const profile = this.profileFor(principal.authorityId);
      const errors: FieldError[] = [];
      if (action === 'accept' && !input.allocatedTo) errors.push({ field: 'allocatedTo', message: 'Enter the Early Help worker or team the request is allocated to' });
      if (action === 'decline') {
        if (!input.reasonCode || !profile.earlyHelp.declineReasons.some((r) => r.code === input.reasonCode)) errors.push({ field: 'reasonCode', message: 'Select why the request is declined' });
        else if (input.reasonCode === 'other' && !input.note) errors.push({ field: 'declineNote', message: 'Enter why the request is declined' });
      }
      if ((input.allocatedTo?.length ?? 0) > SHORT_MAX) errors.push({ field: 'allocatedTo', message: `The worker or team must be ${SHORT_MAX} characters or fewer` });
      if ((input.note?.length ?? 0) > TEXT_MAX) errors.push({ field: action === 'decline' ? 'declineNote' : action === 'accept' ? 'acceptNote' : 'closeNote', message: `The note must be ${TEXT_MAX} characters or fewer` });
      if (errors.length) return { ok: false, errors };
      const now = this.ctx.clock.now();
      const changes =
        action === 'close'
          ? { status: 'closed' as const, closed_by: principal.id, closed_at: now }
          : {
              status: t.to,
              allocated_to: action === 'accept' ? input.allocatedTo : null,
              decline_reason_code: action === 'decline' ? input.reasonCode : null,
              decided_note: input.note,
              decided_by: principal.id,
              decided_at: now,
            };
      const changed = await this.repo.update(tx, principal.authorityId, id, [...t.from], { ...changes, updated_by: principal.id, updated_at: now });
      if (!changed) throw new HttpError(409, 'Request changed', `Someone else changed Early Help request ${request.reference} at the same time. Open it again to see what they did.`);
      const note = action === 'decline' ? [labelOf(profile.earlyHelp.declineReasons, input.reasonCode), input.note].filter(Boolean).join(': ') : action === 'accept' ? [`Allocated to ${input.allocatedTo}`, input.note].filter(Boolean).join('. ') : input.note;
      await this.repo.addStatusChange(tx, { id: randomUUID(), request_id: id, from_status: request.status, to_status: t.to, note, changed_by: principal.id, changed_at: now });
      await recordAudit(tx, audit, {
        action: 'early-help.status-changed', entityId: id, personIds: [request.person_id],
        details: { reference: request.reference, from: request.status, to: t.to, reasonCode: action === 'decline' ? input.reasonCode : null },
      });
      return { ok: true, reference: request.reference, status: t.to };
    });
  }

  // -------------------------------------------------------------------------
  // The Early Help team's queue and export
  // -------------------------------------------------------------------------

  /** The queue: requests sent to the team, by status, newest or oldest first. Names children, so audited. */
  async queue(principal: Principal, filter: { status: string; order: 'newest' | 'oldest' }, audit: AuditContext) {
    const statuses = filter.status === 'all' ? QUEUE_STATUSES : QUEUE_STATUSES.filter((s) => s === filter.status);
    return this.ctx.db.transaction().execute(async (tx) => {
      const rows = await this.repo.queue(tx, principal.authorityId, statuses.length ? statuses : ['sent'], filter.order, 500);
      if (rows.length) {
        await recordAudit(tx, audit, { action: 'early-help.queue-viewed', personIds: [...new Set(rows.map((r) => r.person_id))], details: { requestIds: rows.map((r) => r.id), status: filter.status } });
      }
      return { rows, waiting: await this.repo.countSent(tx, principal.authorityId), profile: this.profileFor(principal.authorityId) };
    });
  }

  /**
   * The export: requests sent between two dates (London days, `to` inclusive) in one status or
   * all, as CSV. One audit row per child in it, since each row is part of a child's record.
   */
  async exportCsv(principal: Principal, q: { from: string | null; to: string | null; status: string }, audit: AuditContext): Promise<string> {
    if ((q.from && !isIsoDate(q.from)) || (q.to && !isIsoDate(q.to))) {
      throw new HttpError(400, 'Dates not understood', 'Give the dates as YYYY-MM-DD, for example 2026-11-01.');
    }
    if (q.from && q.to && q.from > q.to) throw new HttpError(400, 'Dates the wrong way round', 'The start date must be on or before the end date.');
    if (q.status !== 'all' && !QUEUE_STATUSES.includes(q.status as EarlyHelpStatus)) {
      throw new HttpError(400, 'Status not understood', `Choose one of: all, ${QUEUE_STATUSES.join(', ')}.`);
    }
    const statuses = q.status === 'all' ? QUEUE_STATUSES : [q.status as EarlyHelpStatus];
    const from = q.from ? londonWallTimeToInstant(q.from, { hour: 0 }) : null;
    const to = q.to ? londonWallTimeToInstant(addDays(q.to, 1), { hour: 0 }) : null;
    const profile = this.profileFor(principal.authorityId);
    return this.ctx.db.transaction().execute(async (tx) => {
      // issue10-F: a download is not a page, so restricted people are withheld from it here.
      const withheld = await new RestrictedRecordsService(this.ctx).withheldFor(principal, tx);
      const rows = withhold(await this.repo.sentBetween(tx, principal.authorityId, statuses, from, to), withheld);
      const familyIds = [...new Set(rows.flatMap((r) => r.family_member_ids ?? []))];
      const people = new Map(withhold(await this.repo.people(tx, principal.authorityId, familyIds), withheld).map((p) => [p.id, p]));
      if (rows.length) {
        await recordAudit(tx, audit, { action: 'early-help.exported', personIds: [...new Set(rows.map((r) => r.person_id))], details: { requestIds: rows.map((r) => r.id), from: q.from, to: q.to, status: q.status } });
      }
      const iso = (d: Date | null) => (d ? d.toISOString() : '');
      return toCsv({
        headers: ['Reference', 'Status', 'Sent at', 'Child', 'Date of birth', 'Address', 'Postcode', 'Family', 'Needs', 'Needs detail', 'Family consent',
          'Lead professional', 'Lead role', 'Lead agency', 'Lead phone', 'Lead email', 'CADS worker', 'Conversation', 'Allocated to', 'Decline reason', 'Decision note', 'Decided at', 'Closed at'],
        rows: rows.map((r) => [
          r.reference, STATUS_LABELS[r.status] ?? r.status, iso(r.sent_at), displayName(r), r.date_of_birth ?? r.expected_date_of_birth ?? '',
          [r.address_line_1, r.address_line_2, r.town].filter(Boolean).join(', '), r.postcode,
          (r.family_member_ids ?? []).map((fid) => people.get(fid)).filter((p) => p !== undefined).map((p) => displayName(p!)).join('; '),
          r.need_codes.map((c) => labelOf(profile.earlyHelp.needs, c)).join('; '), r.needs_detail, r.consent === 'yes' ? 'Yes' : r.consent === 'no' ? 'No' : '',
          r.lead_name, r.lead_role, r.lead_agency, r.lead_phone, r.lead_email, r.worker_name, r.conversation_reference, r.allocated_to,
          labelOf(profile.earlyHelp.declineReasons, r.decline_reason_code), r.decided_note, iso(r.decided_at), iso(r.closed_at),
        ]),
      });
    });
  }

  // -------------------------------------------------------------------------
  // For other pages (panels)
  // -------------------------------------------------------------------------

  forConversations(principal: Principal, conversationIds: string[]) {
    return this.repo.forConversations(this.ctx.db, principal.authorityId, conversationIds);
  }

  waitingForWorker(principal: Principal) {
    return this.repo.waitingForWorker(this.ctx.db, principal.authorityId, principal.id);
  }

  countSent(principal: Principal) {
    return this.repo.countSent(this.ctx.db, principal.authorityId);
  }

  /** The line under the conversation in a child's chronology: "Early Help request: declined (reason)". */
  chronologyText(r: EarlyHelpRequestView, withName: boolean): string {
    const profile = this.profileFor(r.authority_id);
    const who = withName ? ` for ${displayName(r)}` : '';
    const status = (STATUS_LABELS[r.status] ?? r.status).toLowerCase();
    const reason = r.status === 'declined' && r.decline_reason_code ? ` (${labelOf(profile.earlyHelp.declineReasons, r.decline_reason_code)})` : '';
    return `Early Help request${who}: ${status}${reason}`;
  }
}

export { displayName as earlyHelpChildName };
export type { FamilyMember, EarlyHelpRequestView };
