import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/database.js';
import { CAN, type Principal } from '../../platform/auth/roles.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { finalSurvivorId } from '../../platform/db/merged-persons.js';
import type { AuthorityProfile } from '../../domain/authority-profile.js';
import { labelOf } from '../../domain/authority-profile.js';
import { formatDateTimeLondon, londonDateOf, todayInLondon } from '../../domain/dates.js';
import {
  isLikelyDuplicate, referralDeadline, validateReferral,
  type CleanReferral, type IncidentFacts, type ReferralError, type ReferralInput,
} from '../../domain/referral-rules.js';
import { MatchingService, POSSIBLE_PROBABILITY, VERY_LIKELY_PROBABILITY } from '../matching/matching.service.js';
import { PeopleService, type SearchResult } from '../people/people.service.js';
import { ConversationsService } from '../conversations/conversations.service.js';
import { completionListener } from '../conversations/completion.js';
import { ReferralsRepository, type QueueRow, type ReferralChildRow, type ReferralRow } from './referrals.repository.js';

export const STATUS_LABELS: Record<ReferralRow['status'], string> = {
  waiting: 'Waiting',
  conversation: 'Phoned back',
  decided: 'Decided',
  duplicate: 'Closed: same incident',
};

export type SubmitResult =
  | { ok: false; errors: ReferralError[] }
  | { ok: true; created: true; referral: ReferralRow }
  | { ok: true; created: false; referral: ReferralRow; repeats: number };

/** How to reach the service by phone: for everyone who may not send a written referral. */
export interface PhoneAdvice {
  serviceName: string;
  number: string;
  options: { digit: string; label: string }[];
  emergencyMessage: string;
}

/** The refusal for a sender whose agency may not send written referrals, with the number to call. */
export function phoneInsteadDetail(advice: PhoneAdvice): string {
  return `${advice.serviceName} only takes written referrals from emergency services (police and ambulance). Phone ${advice.number} to talk about your concern with a social worker.`;
}

/**
 * Written referrals from emergency services: submitted by a police or ambulance practitioner (on
 * a page or through the API), recognised when the same incident arrives twice, queued for CADS
 * with a deadline, matched to children's records, then phoned back (a conversation) or decided.
 */
export class ReferralsService {
  readonly repo = new ReferralsRepository();
  private readonly matching = new MatchingService();
  constructor(private readonly ctx: AppContext) {}

  profile(authorityId: string): AuthorityProfile {
    return this.ctx.profiles.get(authorityId);
  }

  /** The sending agency as the profile names it, when this principal may send written referrals. */
  acceptedAgency(principal: Principal) {
    if (principal.role !== 'partner-practitioner' || !principal.agencyCode) return null;
    return this.profile(principal.authorityId).writtenReferrals.acceptedFrom.find((a) => a.agencyCode === principal.agencyCode) ?? null;
  }

  phoneAdvice(authorityId: string): PhoneAdvice {
    const p = this.profile(authorityId);
    const line = p.phoneLines.find((l) => l.for === 'professionals') ?? p.phoneLines[0]!;
    return { serviceName: p.service.shortName, number: line.number, options: line.options.map((o) => ({ digit: o.digit, label: o.label })), emergencyMessage: p.emergencyMessage };
  }

  refusal(principal: Principal): HttpError {
    const advice = this.phoneAdvice(principal.authorityId);
    return new HttpError(403, 'Written referrals are only taken from emergency services', phoneInsteadDetail(advice), { phone: advice.number });
  }

  /** The label of the agency that sent a referral. */
  agencyLabel(authorityId: string, agencyCode: string): string {
    return this.profile(authorityId).writtenReferrals.acceptedFrom.find((a) => a.agencyCode === agencyCode)?.label ?? agencyCode;
  }

  private dueAt(authorityId: string, receivedAt: Date): Date {
    const hours = this.profile(authorityId).writtenReferrals.decideWithinWorkingHours;
    try {
      return this.ctx.calendars.forAuthority(authorityId).addWorkingHours(receivedAt, hours);
    } catch {
      // Beyond the calendar's bank-holiday data: the plain hours, rather than no deadline at all.
      return new Date(receivedAt.getTime() + hours * 3_600_000);
    }
  }

  /**
   * A referral from an emergency service. The same incident (same agency and incident reference)
   * sent again is not a second referral: the repeat is recorded on the first and that is returned.
   * A referral likely about the same incident under another reference is saved, flagged.
   */
  async submit(principal: Principal, input: ReferralInput, channel: 'page' | 'api', audit: AuditContext): Promise<SubmitResult> {
    const agency = this.acceptedAgency(principal);
    if (!agency) throw this.refusal(principal);
    const profile = this.profile(principal.authorityId);
    const now = this.ctx.clock.now();
    const v = validateReferral(input, { concernCategoryCodes: profile.concernCategories.map((c) => c.code), now, today: todayInLondon(now) });
    if (!v.ok) return v;
    const r = v.referral;
    const sender = { submitted_by_user_id: principal.kind === 'user' ? principal.id : null, submitted_by_service_account_id: principal.kind === 'service-account' ? principal.id : null };

    return this.ctx.db.transaction().execute(async (tx): Promise<SubmitResult> => {
      const existing = await this.repo.byIncident(tx, principal.authorityId, agency.agencyCode, r.incident.key);
      if (existing) return this.repeat(tx, existing, channel, sender, now, audit);

      const id = randomUUID();
      const n = await this.repo.nextReferenceNumber(tx);
      const reference = `${profile.service.referencePrefix}-WR-${londonDateOf(now).slice(0, 4)}-${String(n).padStart(6, '0')}`;
      const inserted = await this.repo.insert(tx, {
        id, authority_id: principal.authorityId, reference, agency_code: agency.agencyCode, referral_source: agency.referralSource, channel, ...sender,
        referrer_name: r.referrer.name, referrer_role: r.referrer.role, referrer_phone: r.referrer.phone, referrer_email: r.referrer.email,
        incident_reference: r.incident.reference, incident_reference_key: r.incident.key, incident_at: r.incident.at, incident_place: r.incident.place, incident_postcode: r.incident.postcode,
        concern_categories: r.concernCategories, what_happened: r.whatHappened, immediacy: r.immediacy,
        parents_informed: r.parentsInformed, consent_given: r.consentGiven, consent_reason_codes: r.consentReasonCodes, consent_reason_detail: r.consentReasonDetail, lawful_basis_code: r.lawfulBasisCode,
        received_at: now, due_at: this.dueAt(principal.authorityId, now), possible_duplicate_of: null,
        duplicate_resolution: null, duplicate_resolved_by: null, duplicate_resolved_at: null, conversation_id: null, decision_code: null, decision_rationale: null, closed_by: null, closed_at: null,
      });
      if (!inserted) {
        // Sent twice at the same moment: the other one got there first.
        const first = await this.repo.byIncident(tx, principal.authorityId, agency.agencyCode, r.incident.key);
        return this.repeat(tx, first!, channel, sender, now, audit);
      }
      const children = await this.childRows(tx, principal.authorityId, id, r, todayInLondon(now));
      await this.repo.insertChildren(tx, children);
      const saved = (await this.repo.find(tx, principal.authorityId, id))!;
      const duplicateOf = await this.likelyDuplicateOf(tx, saved, children);
      if (duplicateOf) await this.repo.update(tx, id, { possible_duplicate_of: duplicateOf.id });
      await recordAudit(tx, audit, {
        action: 'referral.received', entityId: id, personIds: [],
        details: { reference, agencyCode: agency.agencyCode, channel, possibleDuplicateOf: duplicateOf?.reference ?? null },
      });
      return { ok: true, created: true, referral: { ...saved, possible_duplicate_of: duplicateOf?.id ?? null } };
    });
  }

  private async repeat(
    tx: Tx, existing: ReferralRow, channel: 'page' | 'api',
    sender: { submitted_by_user_id: string | null; submitted_by_service_account_id: string | null }, now: Date, audit: AuditContext,
  ): Promise<SubmitResult> {
    await this.repo.insertRepeat(tx, { id: randomUUID(), referral_id: existing.id, received_at: now, channel, ...sender });
    await recordAudit(tx, audit, { action: 'referral.repeat-received', entityId: existing.id, personIds: [], details: { reference: existing.reference, channel } });
    const repeats = (await this.repo.repeats(tx, existing.id)).length;
    return { ok: true, created: false, referral: existing, repeats };
  }

  /** The children as sent, each with the record the matching engine thinks is very likely them (a suggestion only). */
  private async childRows(tx: Tx, authorityId: string, referralId: string, r: CleanReferral, today: string) {
    const rows = [];
    for (const [i, c] of r.children.entries()) {
      let suggested: string | null = null;
      if (c.family_name || c.given_name) {
        const found = await this.matching.search(tx, authorityId, {
          givenName: c.given_name, familyName: c.family_name, otherNames: [], dateOfBirth: c.date_of_birth, expectedDateOfBirth: c.expected_date_of_birth,
          postcode: c.postcode, address: [c.address_line_1, c.town].filter(Boolean).join(', ') || null,
        }, { limit: 1, minProbability: VERY_LIKELY_PROBABILITY, today });
        suggested = found[0]?.personId ?? null;
      }
      rows.push({ id: randomUUID(), referral_id: referralId, position: i, ...c, suggested_person_id: suggested, person_id: null, matched_by: null, matched_at: null });
    }
    return rows;
  }

  private facts(r: ReferralRow, children: Pick<ReferralChildRow, 'person_id' | 'suggested_person_id' | 'given_name' | 'family_name' | 'date_of_birth'>[]): IncidentFacts {
    return {
      incidentAt: r.incident_at, postcode: r.incident_postcode, place: r.incident_place,
      children: children.map((c) => ({ personId: c.person_id ?? c.suggested_person_id, givenName: c.given_name, familyName: c.family_name, dateOfBirth: c.date_of_birth })),
    };
  }

  /** The earliest other referral likely about the same incident (another reference, same child, time and place). */
  private async likelyDuplicateOf(tx: Tx, r: ReferralRow, children: Pick<ReferralChildRow, 'person_id' | 'suggested_person_id' | 'given_name' | 'family_name' | 'date_of_birth'>[]) {
    const window = this.profile(r.authority_id).writtenReferrals.duplicateWindowHours;
    const near = (await this.repo.nearIncidents(tx, r.authority_id, r.id, r.incident_at, window)).filter((o) => o.received_at.getTime() <= r.received_at.getTime());
    if (!near.length) return null;
    const theirs = await this.repo.children(tx, near.map((o) => o.id));
    const mine = this.facts(r, children);
    return near.find((o) => isLikelyDuplicate(mine, this.facts(o, theirs.filter((c) => c.referral_id === o.id)), window)) ?? null;
  }

  private withDeadline<T extends { due_at: Date; status: string }>(authorityId: string, row: T, now: Date) {
    const dueSoon = this.profile(authorityId).writtenReferrals.dueSoonMinutes;
    return { ...row, deadline: row.status === 'waiting' ? referralDeadline(row.due_at, now, dueSoon) : null };
  }

  /** The CADS queue: waiting referrals soonest due first, and the latest dealt with. */
  async queue(principal: Principal) {
    const now = this.ctx.clock.now();
    const [waiting, recent] = [await this.repo.waiting(this.ctx.db, principal.authorityId), await this.repo.recentlyDealtWith(this.ctx.db, principal.authorityId, 20)];
    const item = (r: QueueRow) => ({ ...this.withDeadline(principal.authorityId, r, now), agencyLabel: this.agencyLabel(principal.authorityId, r.agency_code), statusLabel: STATUS_LABELS[r.status] });
    return { now, waiting: waiting.map(item), recent: recent.map(item), settings: this.profile(principal.authorityId).writtenReferrals };
  }

  /** For the home page: how many referrals are waiting, and how many of them are overdue. */
  async summary(principal: Principal): Promise<{ waiting: number; overdue: number; dueSoon: number }> {
    const now = this.ctx.clock.now();
    const dueSoon = this.profile(principal.authorityId).writtenReferrals.dueSoonMinutes;
    const rows = await this.repo.waitingTimes(this.ctx.db, principal.authorityId);
    const states = rows.map((r) => referralDeadline(r.due_at, now, dueSoon).state);
    return { waiting: rows.length, overdue: states.filter((s) => s === 'overdue').length, dueSoon: states.filter((s) => s === 'due-soon').length };
  }

  /**
   * A referral with everything on it, for a CADS worker; the read is audited. Each child not yet
   * matched comes with the records the matching engine finds for it.
   */
  async view(principal: Principal, id: string, audit: AuditContext) {
    const now = this.ctx.clock.now();
    const today = todayInLondon(now);
    return this.ctx.db.transaction().execute(async (tx) => {
      const r = await this.repo.find(tx, principal.authorityId, id);
      if (!r) throw notFound('written referral');
      const children = await this.repo.children(tx, [id]);
      const matchedIds = children.map((c) => c.person_id).filter((x): x is string => !!x);
      const matched = await this.repo.persons(tx, principal.authorityId, matchedIds);
      const candidateIds: string[] = [];
      const withCandidates = [];
      for (const c of children) {
        let candidates: Awaited<ReturnType<MatchingService['search']>> = [];
        if (!c.person_id && r.status === 'waiting' && (c.given_name || c.family_name)) {
          candidates = (await this.matching.search(tx, principal.authorityId, {
            givenName: c.given_name, familyName: c.family_name, otherNames: [], dateOfBirth: c.date_of_birth, expectedDateOfBirth: c.expected_date_of_birth,
            postcode: c.postcode, address: [c.address_line_1, c.town].filter(Boolean).join(', ') || null,
          }, { limit: 5, minProbability: POSSIBLE_PROBABILITY, today })).filter((x) => x.reasons.length > 0);
          candidateIds.push(...candidates.map((x) => x.personId));
        }
        withCandidates.push({ ...c, matchedPerson: matched.find((p) => p.id === c.person_id) ?? null, candidates });
      }
      const [repeats, duplicateOf, conversation, sentBy, sentByAccount, decidedBy] = [
        await this.repo.repeats(tx, id),
        r.possible_duplicate_of ? await this.repo.referenceOf(tx, r.possible_duplicate_of) : undefined,
        r.conversation_id ? await this.repo.conversationReference(tx, r.conversation_id) : undefined,
        await this.repo.userName(tx, r.submitted_by_user_id),
        await this.repo.accountName(tx, r.submitted_by_service_account_id),
        await this.repo.userName(tx, r.closed_by),
      ];
      await recordAudit(tx, audit, { action: 'referral.viewed', entityId: id, personIds: matchedIds, details: { reference: r.reference, candidateIds: [...new Set(candidateIds)] } });
      const profile = this.profile(principal.authorityId);
      return {
        referral: this.withDeadline(principal.authorityId, r, now),
        children: withCandidates,
        allMatched: children.length > 0 && children.every((c) => c.person_id),
        repeats,
        duplicateOf: duplicateOf ?? null,
        conversation: conversation ?? null,
        sender: sentBy?.display_name ?? sentByAccount?.name ?? null,
        closedBy: decidedBy?.display_name ?? null,
        agencyLabel: this.agencyLabel(principal.authorityId, r.agency_code),
        statusLabel: STATUS_LABELS[r.status],
        canAct: CAN.recordConversations.includes(principal.role),
        profile,
      };
    });
  }

  private async waitingReferral(tx: Tx, principal: Principal, id: string): Promise<ReferralRow> {
    const r = await this.repo.findForUpdate(tx, principal.authorityId, id);
    if (!r) throw notFound('written referral');
    if (r.status !== 'waiting') throw new HttpError(409, 'This referral has already been dealt with', `It is ${STATUS_LABELS[r.status].toLowerCase()}. Nothing was changed.`);
    return r;
  }

  /** The worker confirms which record a referral's child is. */
  async matchChild(principal: Principal, id: string, childId: string, chosenId: string, audit: AuditContext, created = false): Promise<void> {
    const now = this.ctx.clock.now();
    await this.ctx.db.transaction().execute(async (tx) => {
      const r = await this.waitingReferral(tx, principal, id);
      const children = await this.repo.children(tx, [id]);
      const child = children.find((c) => c.id === childId);
      if (!child) throw notFound('child on this referral');
      // A record merged into another is the same child: the referral goes on the record kept.
      const personId = await finalSurvivorId(tx, principal.authorityId, chosenId);
      if (!personId) throw notFound('child');
      await this.repo.matchChild(tx, id, childId, personId, principal.id, now);
      await this.repo.update(tx, id, {});
      // Now the child is known for sure, the referral may turn out to be about an incident already referred.
      if (!r.possible_duplicate_of && !r.duplicate_resolution) {
        const after = children.map((c) => (c.id === childId ? { ...c, person_id: personId } : c));
        const dup = await this.likelyDuplicateOf(tx, r, after);
        if (dup) await this.repo.update(tx, id, { possible_duplicate_of: dup.id });
      }
      await recordAudit(tx, audit, { action: 'referral.child-matched', entityId: id, personIds: [personId], details: { childId, created } });
    });
  }

  /**
   * A new record for a child no existing record fits, made from what the referral says. When the
   * people service finds a likely existing record, the worker must use it or say why not.
   */
  async createPersonForChild(
    principal: Principal, id: string, childId: string, differentChildReason: string | null, audit: AuditContext,
  ): Promise<{ ok: true; personId: string } | { ok: false; errors: { field: string; message: string }[]; likely?: SearchResult[] }> {
    const r = await this.repo.find(this.ctx.db, principal.authorityId, id);
    if (!r) throw notFound('written referral');
    if (r.status !== 'waiting') throw new HttpError(409, 'This referral has already been dealt with', 'Nothing was changed.');
    const child = (await this.repo.children(this.ctx.db, [id])).find((c) => c.id === childId);
    if (!child) throw notFound('child on this referral');
    const parts = (d: string | null) => (d ? { day: d.slice(8, 10), month: d.slice(5, 7), year: d.slice(0, 4) } : { day: '', month: '', year: '' });
    const people = new PeopleService(this.ctx.db, this.ctx.clock, this.ctx.profiles);
    const made = await people.create(principal, {
      givenName: child.given_name ?? '', familyName: child.family_name ?? '', aliasGiven: '', aliasFamily: '',
      unborn: child.expected_date_of_birth !== null, dob: parts(child.expected_date_of_birth ?? child.date_of_birth), sex: 'U', ethnicity: '', nhsNumber: '', upn: '',
      addressLine1: child.address_line_1 ?? '', addressLine2: '', town: child.town ?? '', postcode: child.postcode ?? '',
      schoolSetting: '', gpPractice: '', firstLanguage: '', interpreterNeeded: '', disabilityCodes: [],
    }, audit, { differentChildReason });
    if (!made.ok) {
      const who = [child.given_name, child.family_name].filter(Boolean).join(' ') || `child ${child.position + 1}`;
      return {
        ok: false,
        likely: made.likely,
        errors: made.errors.map((e) => ({
          field: e.field === 'different-child-reason' ? `different-child-reason-${child.id}` : `child-${child.id}`,
          message: e.field === 'different-child-reason' ? e.message : `A record for ${who} cannot be made from the referral: ${e.message.charAt(0).toLowerCase()}${e.message.slice(1)}. Find the child's record instead, or ask the referrer`,
        })),
      };
    }
    await this.matchChild(principal, id, childId, made.id, audit, true);
    return { ok: true, personId: made.id };
  }

  /** A likely duplicate is the same incident (closed, linked to the first) or a different one (kept). */
  async resolveDuplicate(principal: Principal, id: string, resolution: 'same' | 'different', audit: AuditContext): Promise<ReferralRow> {
    const now = this.ctx.clock.now();
    return this.ctx.db.transaction().execute(async (tx) => {
      const r = await this.waitingReferral(tx, principal, id);
      if (!r.possible_duplicate_of || r.duplicate_resolution) throw new HttpError(409, 'This referral is not flagged as a possible duplicate', 'Nothing was changed.');
      const first = await this.repo.referenceOf(tx, r.possible_duplicate_of);
      await this.repo.update(tx, id, {
        duplicate_resolution: resolution, duplicate_resolved_by: principal.id, duplicate_resolved_at: now,
        ...(resolution === 'same' ? { status: 'duplicate' as const, closed_by: principal.id, closed_at: now } : {}),
      });
      const personIds = (await this.repo.children(tx, [id])).map((c) => c.person_id).filter((x): x is string => !!x);
      await recordAudit(tx, audit, { action: 'referral.duplicate-resolved', entityId: id, personIds, details: { resolution, duplicateOf: first?.reference ?? r.possible_duplicate_of } });
      return r;
    });
  }

  /** Closes a referral with the service's decision (from the authority's list) and the reasons. */
  async decide(principal: Principal, id: string, input: { decisionCode: string; rationale: string }, audit: AuditContext): Promise<{ ok: true } | { ok: false; errors: { field: string; message: string }[] }> {
    const profile = this.profile(principal.authorityId);
    const errors: { field: string; message: string }[] = [];
    if (!profile.decisions.some((d) => d.code === input.decisionCode)) errors.push({ field: 'decision', message: 'Select the decision' });
    const rationale = input.rationale.trim();
    if (!rationale) errors.push({ field: 'rationale', message: 'Enter the reasons for the decision' });
    else if (rationale.length > 5000) errors.push({ field: 'rationale', message: 'The reasons must be 5000 characters or fewer' });
    if (errors.length) return { ok: false, errors };
    const now = this.ctx.clock.now();
    return this.ctx.db.transaction().execute(async (tx) => {
      await this.waitingReferral(tx, principal, id);
      const children = await this.repo.children(tx, [id]);
      if (!children.every((c) => c.person_id)) return { ok: false as const, errors: [{ field: 'decision', message: 'Match each child to a record, or make a new record, before you record a decision' }] };
      await this.repo.update(tx, id, { status: 'decided', decision_code: input.decisionCode, decision_rationale: rationale, closed_by: principal.id, closed_at: now });
      await recordAudit(tx, audit, { action: 'referral.decided', entityId: id, personIds: children.map((c) => c.person_id!), details: { decisionCode: input.decisionCode } });
      return { ok: true as const };
    });
  }

  /**
   * The worker phones the referrer back: a conversation starts, prefilled from the referral (the
   * caller, the children, where they are, the concern and consent), linked to it both ways.
   */
  async phoneBack(principal: Principal, id: string, audit: AuditContext): Promise<{ ok: true; conversationId: string } | { ok: false; errors: { field: string; message: string }[] }> {
    const profile = this.profile(principal.authorityId);
    const r = await this.repo.find(this.ctx.db, principal.authorityId, id);
    if (!r) throw notFound('written referral');
    if (r.status !== 'waiting') throw new HttpError(409, 'This referral has already been dealt with', `It is ${STATUS_LABELS[r.status].toLowerCase()}. Nothing was changed.`);
    const children = await this.repo.children(this.ctx.db, [id]);
    if (!children.every((c) => c.person_id)) return { ok: false, errors: [{ field: 'phone-back', message: 'Match each child to a record, or make a new record, before you phone the referrer back' }] };
    const accepted = profile.writtenReferrals.acceptedFrom.find((a) => a.agencyCode === r.agency_code);
    const callerAgency = profile.agencies.find((a) => a.code === r.agency_code) ?? profile.agencies.find((a) => a.code !== 'other' && a.referralSource === (accepted?.referralSource ?? r.referral_source));
    const agencyLabel = accepted?.label ?? r.agency_code;
    const conversations = new ConversationsService(this.ctx.db, this.ctx.clock, this.ctx.profiles, this.ctx.calendars, completionListener(this.ctx));
    const created = await conversations.createWhole(principal, {
      caller_type: 'professional', caller_name: r.referrer_name, caller_role: r.referrer_role,
      caller_agency_code: callerAgency?.code ?? 'other', caller_agency_other: callerAgency ? null : agencyLabel,
      caller_phone: r.referrer_phone, caller_email: r.referrer_email,
      concern_categories: r.concern_categories,
      concern_detail: `Written referral ${r.reference} from ${agencyLabel}, incident ${r.incident_reference} on ${formatDateTimeLondon(r.incident_at)} at ${r.incident_place}.\n\n${r.what_happened}`,
      immediacy: r.immediacy, parents_informed: r.parents_informed, consent_given: r.consent_given,
      consent_reason_codes: r.consent_reason_codes, consent_reason_detail: r.consent_reason_detail, lawful_basis_code: r.lawful_basis_code,
    }, children.map((c, i) => ({ person_id: c.person_id!, position: i, where_now: c.where_now })), false, audit);
    await this.ctx.db.transaction().execute(async (tx) => {
      const ok = await this.repo.update(tx, id, { status: 'conversation', conversation_id: created.id, closed_by: principal.id, closed_at: this.ctx.clock.now() }, { status: 'waiting' });
      if (!ok) throw new HttpError(409, 'This referral has already been dealt with', `Someone else dealt with it while you were starting the conversation. Conversation ${created.reference} was started as a draft.`);
      await recordAudit(tx, audit, { action: 'referral.phoned-back', entityId: id, personIds: children.map((c) => c.person_id!), details: { conversationId: created.id } });
    });
    return { ok: true, conversationId: created.id };
  }

  /** A referral for the agency that sent it: its reference and status, nothing about the child's record. */
  async forSender(principal: Principal, id: string, audit: AuditContext) {
    return this.ctx.db.transaction().execute(async (tx) => {
      const r = await this.repo.find(tx, principal.authorityId, id);
      if (!r || r.agency_code !== principal.agencyCode) throw notFound('written referral');
      const repeats = await this.repo.repeats(tx, id);
      await recordAudit(tx, audit, { action: 'referral.status-viewed', entityId: id, details: { reference: r.reference } });
      return { referral: r, repeats: repeats.length, statusLabel: STATUS_LABELS[r.status], decisionLabel: r.decision_code ? labelOf(this.profile(r.authority_id).decisions, r.decision_code) : null };
    });
  }

  /** For the sender's home page: the latest referrals from their agency, with their status. */
  async sentByAgency(principal: Principal, limit = 5) {
    if (!principal.agencyCode) return [];
    const rows = await this.repo.sentByAgency(this.ctx.db, principal.authorityId, principal.agencyCode, limit);
    return rows.map((r) => ({ ...r, statusLabel: STATUS_LABELS[r.status] }));
  }

  /** The written referrals about these children (a child's record and any merged into it). */
  async forPeople(principal: Principal, personIds: string[]) {
    if (!personIds.length) return [];
    const rows = await this.repo.forPeople(this.ctx.db, principal.authorityId, personIds);
    return rows.map((r) => ({ ...r, agencyLabel: this.agencyLabel(principal.authorityId, r.agency_code), statusLabel: STATUS_LABELS[r.status], decisionLabel: r.decision_code ? labelOf(this.profile(principal.authorityId).decisions, r.decision_code) : null }));
  }

  async forConversations(principal: Principal, conversationIds: string[]) {
    if (!conversationIds.length) return [];
    const rows = await this.repo.forConversations(this.ctx.db, principal.authorityId, conversationIds);
    return rows.map((r) => ({ ...r, agencyLabel: this.agencyLabel(principal.authorityId, r.agency_code) }));
  }
}
