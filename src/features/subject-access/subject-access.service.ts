// issue10-E: subject access requests (UK GDPR Article 15): everything held about a person, with
// third-party information marked for redaction review rather than removed (ADR 0019).
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import type { Principal } from '../../platform/auth/roles.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';
import { notFound } from '../../platform/http/errors.js';
import { finalSurvivorId, mergedSetIds } from '../../platform/db/merged-persons.js';
import { labelOf } from '../../domain/authority-profile.js';
import { RELATIONSHIP_TYPES } from '../../domain/codes.js';
import { escapeHtml } from '../written-records/render-html.js';
import { RetentionService, type FoundPeople } from '../retention/retention.service.js';
import { SubjectAccessRepository } from './subject-access.repository.js';

/** Why a value is marked: the reviewer decides, case by case, whether to disclose it. */
export const REVIEW_CATEGORIES = {
  caller: 'The caller is a third party. A member of the public’s identity is not disclosed without their consent (DPA 2018 Sch 2 Part 3 paras 16–17; reference/information-sharing.md §3, referrer protection).',
  referrer: 'The person who sent the referral is a third party (DPA 2018 Sch 2 Part 3 paras 16–17).',
  'other-child': 'Another child named in the same record: their information is third-party information.',
  'family-member': 'A family member or other related person: third-party information.',
  professional: 'A professional acting in their official role. The ICO says such names are not normally withheld; check case by case.',
  'free-text': 'Written by staff, callers or partners: it may name other people, or hold what someone said expecting it would not be disclosed (DPA 2018 Sch 3 Part 3 paras 10–11).',
  'partner-information': 'Information from a partner agency: check with the agency before disclosing; the crime exemption (DPA 2018 Sch 2 Part 1 para 2) may apply.',
} as const;
export type ReviewCategory = keyof typeof REVIEW_CATEGORIES;

export interface Marked {
  value: unknown;
  redactionReview: { category: ReviewCategory; reason: string };
}

/** Marks third-party values and counts them. Empty values are left as they are (null). */
class Marker {
  readonly counts: Partial<Record<ReviewCategory, number>> = {};
  mark(value: unknown, category: ReviewCategory): Marked | null {
    if (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return null;
    this.counts[category] = (this.counts[category] ?? 0) + 1;
    return { value, redactionReview: { category, reason: REVIEW_CATEGORIES[category] } };
  }
  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + (b ?? 0), 0);
  }
}

const name = (p: { given_name: string | null; family_name: string | null }) => [p.given_name, p.family_name].filter(Boolean).join(' ') || null;

export type SubjectAccessBundle = Awaited<ReturnType<SubjectAccessService['build']>>;

export class SubjectAccessService {
  readonly repo = new SubjectAccessRepository();
  constructor(private readonly ctx: AppContext) {}

  /** The people a reference or NHS number leads to (audited as a view of those people). */
  async find(principal: Principal, query: string, audit: AuditContext): Promise<FoundPeople | null> {
    return this.ctx.db.transaction().execute(async (tx) => {
      const found = await new RetentionService(this.ctx).find(tx, principal.authorityId, query);
      if (found) await recordAudit(tx, audit, { action: 'subject-access.searched', personIds: found.people.map((p) => p.id), details: { by: found.record ? 'reference' : 'nhs-number', found: found.people.length } });
      return found;
    });
  }

  /** The person's record and its merged set (the record finally kept and everyone merged into it). */
  private async subject(db: Executor, principal: Principal, personId: string) {
    const survivor = await finalSurvivorId(db, principal.authorityId, personId);
    if (!survivor) throw notFound('child or person');
    const members = await mergedSetIds(db, principal.authorityId, [survivor]);
    return { survivor, members };
  }

  /** The page before the download: who it is and how much is held (a view, audited). */
  async summary(principal: Principal, personId: string, audit: AuditContext) {
    return this.ctx.db.transaction().execute(async (tx) => {
      const bundle = await this.buildIn(tx, principal, personId);
      await recordAudit(tx, audit, { action: 'subject-access.viewed', personIds: bundle.subject.personIds });
      return bundle;
    });
  }

  /** The export itself, audited as exported in the same transaction as it is read. */
  async export(principal: Principal, personId: string, format: 'json' | 'html', audit: AuditContext): Promise<{ bundle: SubjectAccessBundle; body: string }> {
    return this.ctx.db.transaction().execute(async (tx) => {
      const bundle = await this.buildIn(tx, principal, personId);
      const body = format === 'json' ? JSON.stringify(bundle, null, 2) + '\n' : renderSubjectAccessHtml(bundle);
      await recordAudit(tx, audit, {
        action: 'subject-access.exported',
        personIds: bundle.subject.personIds,
        details: { format, sections: sectionCounts(bundle), markedForReview: bundle.redactionReview.total },
      });
      return { bundle, body };
    });
  }

  async build(principal: Principal, personId: string) {
    return this.buildIn(this.ctx.db, principal, personId);
  }

  private async buildIn(db: Executor, principal: Principal, personId: string) {
    const a = principal.authorityId;
    const profile = this.ctx.profiles.get(a);
    const { survivor, members } = await this.subject(db, principal, personId);
    const isSubject = (id: string) => members.includes(id);
    const m = new Marker();
    const r = this.repo;

    const people = await r.people(db, a, members);
    const main = people.find((p) => p.id === survivor)!;
    const aliases = await r.aliases(db, members);
    const merges = await r.merges(db, a, members);
    const relationships = await r.relationships(db, a, members);

    const conversations = await r.conversations(db, a, members);
    const cIds = conversations.map((c) => c.id);
    const versions = await r.versions(db, cIds);
    const children = await r.children(db, cIds);
    const decisions = await r.decisions(db, a, members);
    const flags = await r.flags(db, a, members);
    const referrals = await r.referrals(db, a, members);
    const referralChildren = await r.referralChildren(db, referrals.map((x) => x.id));
    const enquiries = await r.mashEnquiries(db, a, members);
    const eIds = enquiries.map((e) => e.id);
    const enquiryChildren = await r.mashChildren(db, eIds);
    const ratings = await r.mashRatings(db, eIds);
    const requests = await r.mashRequests(db, eIds);
    const responses = await r.mashResponses(db, requests.map((q) => q.id));
    const answers = await r.mashAnswers(db, requests.map((q) => q.id));
    const earlyHelp = await r.earlyHelp(db, a, members);
    const ehChanges = await r.earlyHelpChanges(db, earlyHelp.map((h) => h.id));
    const allocations = await r.allocations(db, a, members);
    const notices = await r.allocationNotices(db, a, members);
    const disagreements = await r.disagreements(db, a, members);
    const stages = await r.disagreementStages(db, disagreements.map((d) => d.id));
    const written = await r.writtenRecords(db, cIds, eIds);
    const calls = await r.calls(db, a, cIds);
    const holds = await r.holds(db, a, members);
    const restricted = await r.restrictions(db, a, members);
    const audit = await r.auditTrail(db, a, members);

    const outcome = (code: string | null) => (code ? labelOf(profile.outcomes, code) : null);
    const agency = (code: string | null) => (code ? labelOf(profile.agencies, code) : null);

    const sections = {
        person: people.map((p) => ({
          recordId: p.id, recordKept: p.id === survivor, givenName: p.given_name, familyName: p.family_name, dateOfBirth: p.date_of_birth, expectedDateOfBirth: p.expected_date_of_birth,
          sex: p.sex, ethnicity: p.ethnicity, nhsNumber: p.nhs_number, upn: p.upn, addressLine1: p.address_line_1, addressLine2: p.address_line_2, town: p.town, postcode: p.postcode,
          schoolOrSetting: p.school_setting, gpPractice: p.gp_practice, firstLanguage: p.first_language, interpreterNeeded: p.interpreter_needed, disabilityCodes: p.disability_codes,
          recordCreated: p.created_at, recordUpdated: p.updated_at, mergedInto: p.merged_into_id, mergedAt: p.merged_at, personalDataRemoved: p.erased_at,
          otherNames: aliases.filter((x) => x.person_id === p.id).map((x) => ({ givenName: x.given_name, familyName: x.family_name, added: x.created_at })),
        })),
        recordsMerged: merges.map((x) => ({ recordKept: x.survivor_id, recordMerged: x.merged_id, reason: m.mark(x.reason, 'free-text'), mergedAt: x.merged_at, unmergedAt: x.unmerged_at, unmergeReason: m.mark(x.unmerge_reason, 'free-text') })),
        relationships: relationships.map((x) => ({
          relationship: x.direction === 'to' ? `${labelOf([...RELATIONSHIP_TYPES], x.relationship_type)} of the person` : `The person is their ${labelOf([...RELATIONSHIP_TYPES], x.relationship_type).toLowerCase()}`,
          otherPerson: m.mark({ name: name(x), dateOfBirth: x.date_of_birth }, 'family-member'),
          livesWithChild: x.lives_with_child, notes: m.mark(x.notes, 'free-text'), recorded: x.created_at,
        })),
        conversations: conversations.map((c) => ({
          reference: c.reference, status: c.status, service: c.service, started: c.started_at, completed: c.completed_at, decisionDue: c.decision_due_at, outOfHours: c.out_of_hours,
          worker: m.mark(c.worker_name, 'professional'), personalDataRemoved: c.erased_at,
          versions: versions.filter((v) => v.conversation_id === c.id).map((v) => ({
            version: v.version, status: v.status, amendmentReason: m.mark(v.amendment_reason, 'free-text'), recordedBy: m.mark(v.created_by_name, 'professional'), completedAt: v.completed_at,
            caller: {
              type: v.caller_type, agency: agency(v.caller_agency_code), agencyOther: v.caller_agency_other,
              name: m.mark(v.caller_name, 'caller'), role: m.mark(v.caller_role, 'caller'), phone: m.mark(v.caller_phone, 'caller'), email: m.mark(v.caller_email, 'caller'),
            },
            concernCategories: v.concern_categories.map((x) => labelOf(profile.concernCategories, x)), concern: m.mark(v.concern_detail, 'free-text'), immediacy: v.immediacy,
            supportSoFar: m.mark(v.support_to_date, 'free-text'), parentsInformed: v.parents_informed, consentGiven: v.consent_given, consentReasonCodes: v.consent_reason_codes,
            consentReason: m.mark(v.consent_reason_detail, 'free-text'), lawfulBasis: v.lawful_basis_code,
            worries: m.mark(v.worries, 'free-text'), strengths: m.mark(v.strengths, 'free-text'), whatNeedsToHappen: m.mark(v.needs_to_happen, 'free-text'),
            children: children.filter((ch) => ch.conversation_id === c.id && ch.version === v.version).map((ch) => {
              const about = { whereNow: ch.where_now, safeTonight: ch.safe_tonight, outcome: outcome(ch.outcome_code), levelOfNeed: ch.level_code, callerAgreed: ch.caller_agreed, disagreementNote: ch.disagreement_note, nextSteps: ch.next_steps, nextStepsBy: ch.next_steps_by };
              return isSubject(ch.person_id)
                ? { child: 'the person', ...about, whereNow: m.mark(ch.where_now, 'free-text'), disagreementNote: m.mark(ch.disagreement_note, 'free-text'), nextSteps: m.mark(ch.next_steps, 'free-text'), nextStepsBy: m.mark(ch.next_steps_by, 'free-text') }
                : { child: m.mark({ name: name(ch), dateOfBirth: ch.date_of_birth ?? ch.expected_date_of_birth, ...about }, 'other-child') };
            }),
          })),
        })),
        decisions: decisions.map((d) => ({ conversation: d.reference, decision: labelOf(profile.decisions, d.decision_code), primaryNeed: d.primary_need_code, rationale: m.mark(d.rationale, 'free-text'), decidedBy: m.mark(d.decided_by_name, 'professional'), decidedAt: d.decided_at })),
        accumulationFlags: flags.map((f) => ({ conversation: f.reference, rule: f.rule_key, message: f.message, raised: f.raised_at })),
        writtenReferrals: referrals.map((x) => ({
          reference: x.reference, agency: x.agency_code, received: x.received_at, status: x.status, personalDataRemoved: x.erased_at,
          referrer: { name: m.mark(x.referrer_name, 'referrer'), role: m.mark(x.referrer_role, 'referrer'), phone: m.mark(x.referrer_phone, 'referrer'), email: m.mark(x.referrer_email, 'referrer') },
          incidentReference: m.mark(x.incident_reference, 'partner-information'), incidentAt: x.incident_at, incidentPlace: m.mark(x.incident_place, 'free-text'), incidentPostcode: x.incident_postcode,
          concernCategories: x.concern_categories, whatHappened: m.mark(x.what_happened, 'free-text'), parentsInformed: x.parents_informed, consentGiven: x.consent_given,
          consentReason: m.mark(x.consent_reason_detail, 'free-text'), decision: x.decision_code, decisionRationale: m.mark(x.decision_rationale, 'free-text'), closedAt: x.closed_at,
          children: referralChildren.filter((c) => c.referral_id === x.id).map((c) => {
            const given = { name: name(c), dateOfBirth: c.date_of_birth ?? c.expected_date_of_birth, address: [c.address_line_1, c.town, c.postcode].filter(Boolean).join(', ') || null, whereNow: c.where_now };
            return c.person_id && isSubject(c.person_id) ? { child: 'the person', ...given, whereNow: m.mark(c.where_now, 'free-text') } : { child: m.mark(given, 'other-child') };
          }),
        })),
        mashEnquiries: enquiries.map((e) => ({
          reference: e.reference, opened: e.created_at, status: e.status, rating: e.rag, due: e.due_at, personalDataRemoved: e.erased_at,
          reason: m.mark(e.reason, 'free-text'), questions: m.mark(e.questions, 'free-text'),
          otherChildren: enquiryChildren.filter((c) => c.enquiry_id === e.id && !isSubject(c.id)).map((c) => m.mark({ name: name(c), dateOfBirth: c.date_of_birth }, 'other-child')),
          ratings: ratings.filter((x) => x.enquiry_id === e.id).map((x) => ({ from: x.from_rag, to: x.to_rag, reason: m.mark(x.reason, 'free-text'), changed: x.changed_at })),
          checks: requests.filter((q) => q.enquiry_id === e.id).map((q) => ({
            agency: labelOf(profile.mash.checkAgencies, q.agency_code), sent: q.sent_at, due: q.due_at, status: q.status, answered: q.answered_at,
            responses: responses.filter((x) => x.request_id === q.id).map((x) => ({
              kind: x.kind, nothingKnown: x.nothing_known, holds: m.mark(x.holds, 'partner-information'), sourceSystem: x.source_system, checkedOn: x.checked_on,
              riskInformation: m.mark(x.risk_information, 'partner-information'), lawfulBasis: x.lawful_basis_code, respondedAt: x.responded_at,
              respondedBy: m.mark(x.responder_name ?? x.responder_system, 'professional'),
              mashAnswer: m.mark(answers.find((y) => y.question_id === x.id)?.answer ?? null, 'free-text'),
            })),
          })),
          analysis: { risks: m.mark(e.analysis_risks, 'free-text'), strengths: m.mark(e.analysis_strengths, 'free-text'), unknowns: m.mark(e.analysis_unknowns, 'free-text'), by: m.mark(e.analysed_by_name, 'professional'), at: e.analysed_at },
          decision: { code: e.decision_code ? labelOf(profile.mash.outcomes, e.decision_code) : null, rationale: m.mark(e.decision_rationale, 'free-text'), by: m.mark(e.decided_by_name, 'professional'), at: e.decided_at },
        })),
        earlyHelpRequests: earlyHelp.map((h) => ({
          reference: h.reference, conversation: h.conversation_reference, theRequestIsAbout: h.family_member ? 'another child in the family (the person is a family member named in it)' : 'the person',
          status: h.status, needs: h.need_codes.map((x) => labelOf(profile.earlyHelp.needs, x)), needsDetail: m.mark(h.needs_detail, 'free-text'), familyConsent: h.consent,
          consentNotGivenReason: m.mark(h.consent_not_given_reason, 'free-text'),
          leadProfessional: m.mark([h.lead_name, h.lead_role, h.lead_agency, h.lead_phone, h.lead_email].some(Boolean) ? { name: h.lead_name, role: h.lead_role, agency: h.lead_agency, phone: h.lead_phone, email: h.lead_email } : null, 'professional'),
          opened: h.created_at, sent: h.sent_at, allocatedTo: m.mark(h.allocated_to, 'professional'), declineReason: h.decline_reason_code, decisionNote: m.mark(h.decided_note, 'free-text'),
          decidedAt: h.decided_at, closedAt: h.closed_at, personalDataRemoved: h.erased_at,
          history: ehChanges.filter((x) => x.request_id === h.id).map((x) => ({ from: x.from_status, to: x.to_status, note: m.mark(x.note, 'free-text'), at: x.changed_at })),
        })),
        allocatedWorkers: allocations.map((w) => ({ kind: w.kind, worker: m.mark({ name: w.worker_name, team: w.team, phone: w.phone, email: w.email }, 'professional'), from: w.start_date, to: w.end_date, endReason: m.mark(w.end_reason, 'free-text') })),
        allocatedWorkerNotices: notices.map((n) => ({ conversation: n.reference, notified: n.notified_at, acknowledged: n.acknowledged_at })),
        disagreements: disagreements.map((d) => ({
          reference: d.reference, conversation: d.conversation_reference, outcome: outcome(d.outcome_code), disagreement: m.mark(d.disagreement, 'free-text'),
          caller: m.mark(d.caller_name || d.caller_role ? { name: d.caller_name, role: d.caller_role, agency: agency(d.caller_agency_code) } : null, 'caller'),
          status: d.status, raised: d.raised_at, closed: d.closed_at, closingNote: m.mark(d.closing_note, 'free-text'),
          stages: stages.filter((s) => s.disagreement_id === d.id).map((s) => ({ stage: s.stage, label: s.stage_label, due: s.due_on, response: m.mark(s.response, 'free-text'), result: s.result, respondedBy: m.mark(s.responded_by_name, 'professional'), respondedAt: s.responded_at })),
        })),
        writtenRecordsSent: written.map((w) => ({ conversation: w.reference, version: w.version, why: w.reason, sentTo: m.mark(w.recipient, 'caller'), status: w.status, queued: w.queued_at, sent: w.sent_at, delivered: w.delivered_at, failed: w.failed_at })),
        calls: calls.map((k) => ({ conversation: k.reference, callerNumber: m.mark(k.caller_number, 'caller'), line: k.line_id, option: k.option_digit, offered: k.offered_at, answered: k.answered_at, ended: k.ended_at, outcome: k.outcome, answeredBy: m.mark(k.worker_name, 'professional') })),
        legalHolds: holds.map((h) => ({ reason: m.mark(h.reason, 'free-text'), placed: h.placed_at, released: h.released_at, releaseReason: m.mark(h.release_reason, 'free-text') })),
        restrictions: restricted.restrictions.map((x) => ({ scope: x.scope, reason: m.mark(x.reason, 'free-text'), restricted: x.restricted_at, lifted: x.lifted_at, liftReason: m.mark(x.lift_reason, 'free-text') })),
        restrictedRecordOpenings: restricted.openings.map((x) => ({ openedAt: x.granted_at, by: m.mark(x.user_name, 'professional'), reasonGiven: m.mark(x.reason, 'free-text') })),
        auditTrail: audit.map((e) => ({ when: e.occurred_at, what: e.action, who: m.mark(e.user_name ?? e.system_name ?? null, 'professional'), role: e.actor_role, conversation: e.reference })),
    };
    return {
      format: 'front-door-subject-access-export',
      formatVersion: 1,
      generatedAt: this.ctx.clock.now().toISOString(),
      generatedBy: { name: principal.displayName, role: principal.role },
      authority: { id: a, name: profile.name, service: profile.service.name },
      howToUse:
        'Everything Front Door holds about the person, including records merged into theirs. Nothing has been removed. Every value marked "redactionReview" is third-party information (or may contain it): decide case by case whether to disclose, withhold or redact it, and record why. Conversation notes are never released without that review.',
      subject: {
        personIds: members,
        recordKept: survivor,
        name: name(main),
        dateOfBirth: main.date_of_birth,
        expectedDateOfBirth: main.expected_date_of_birth,
        personalDataRemoved: main.erased_at ? main.erased_at.toISOString() : null,
      },
      redactionReview: { total: m.total, byCategory: m.counts, categories: REVIEW_CATEGORIES },
      sections,
    };
  }
}

/** How many items each section of an export holds (for the audit entry and the page). */
export function sectionCounts(b: SubjectAccessBundle): Record<string, number> {
  return Object.fromEntries(Object.entries(b.sections).map(([k, v]) => [k, (v as unknown[]).length]));
}

// --- The readable summary -------------------------------------------------------------------------

export const SECTION_TITLES: Record<string, string> = {
  person: 'The person’s record', recordsMerged: 'Records merged into it', relationships: 'Family and other relationships', conversations: 'Conversations',
  decisions: 'Decisions', accumulationFlags: 'Accumulation flags', writtenReferrals: 'Written referrals', mashEnquiries: 'MASH enquiries',
  earlyHelpRequests: 'Early Help requests', allocatedWorkers: 'Allocated workers', allocatedWorkerNotices: 'Conversations passed to the allocated worker',
  disagreements: 'Professional disagreements', writtenRecordsSent: 'Written records sent', calls: 'Phone calls', legalHolds: 'Legal holds',
  restrictions: 'Restrictions on the record', restrictedRecordOpenings: 'Who opened the restricted record, and why', auditTrail: 'Who viewed or changed the record',
};

function words(key: string): string {
  const s = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return s[0]!.toUpperCase() + s.slice(1);
}

function isMarked(v: unknown): v is Marked {
  return !!v && typeof v === 'object' && 'redactionReview' in (v as object) && 'value' in (v as object);
}

function scalar(v: unknown): string {
  if (v === null || v === undefined || v === '') return '<span class="none">Not recorded</span>';
  if (v instanceof Date) return escapeHtml(v.toISOString().replace('T', ' ').slice(0, 16) + ' UTC');
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  return escapeHtml(String(v));
}

function value(v: unknown): string {
  if (isMarked(v)) {
    const c = v.redactionReview.category;
    return `<span class="review" data-category="${escapeHtml(c)}"><span class="tag">Review for redaction: ${escapeHtml(words(c))}</span> ${value(v.value)}</span>`;
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return '<span class="none">None</span>';
    if (v.every((x) => x === null || typeof x !== 'object' || x instanceof Date)) return v.map(scalar).join(', ');
    return `<ol>${v.map((x) => `<li>${value(x)}</li>`).join('')}</ol>`;
  }
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return `<dl>${Object.entries(v as Record<string, unknown>).map(([k, x]) => `<dt>${escapeHtml(words(k))}</dt><dd>${value(x)}</dd>`).join('')}</dl>`;
  }
  return scalar(v);
}

/** The same export as a readable page (self-contained: no scripts, styles inside). */
export function renderSubjectAccessHtml(b: SubjectAccessBundle): string {
  const sections = Object.entries(b.sections)
    .map(([key, items]) => {
      const list = items as unknown[];
      const body = list.length === 0 ? '<p class="none">Nothing held.</p>' : `<ol class="items">${list.map((x) => `<li>${value(x)}</li>`).join('')}</ol>`;
      return `<section id="${escapeHtml(key)}"><h2>${escapeHtml(SECTION_TITLES[key] ?? words(key))} <span class="count">(${list.length})</span></h2>${body}</section>`;
    })
    .join('\n');
  const categories = Object.entries(b.redactionReview.categories)
    .map(([k, reason]) => `<li><strong>${escapeHtml(words(k))}</strong> (${b.redactionReview.byCategory[k as ReviewCategory] ?? 0}): ${escapeHtml(reason)}</li>`)
    .join('');
  const subjectName = b.subject.name ?? 'Name not known';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Subject access export: ${escapeHtml(subjectName)}</title>
<style>
body { font-family: Arial, sans-serif; color: #0b0c0c; line-height: 1.5; margin: 20px auto; max-width: 960px; padding: 0 15px; }
h1 { font-size: 2rem; } h2 { font-size: 1.5rem; border-top: 2px solid #0b0c0c; padding-top: 10px; margin-top: 40px; }
dl { display: grid; grid-template-columns: minmax(10em, 14em) 1fr; gap: 4px 16px; margin: 0; }
dt { font-weight: bold; } dd { margin: 0; }
ol.items > li { border-left: 4px solid #b1b4b6; padding-left: 12px; margin-bottom: 16px; }
.review { background: #fff7bf; outline: 2px dashed #594d00; display: inline-block; padding: 2px 4px; }
.tag { display: inline-block; background: #594d00; color: #fff; font-size: 0.85em; font-weight: bold; padding: 0 4px; margin-right: 4px; }
.none { color: #505a5f; } .count { color: #505a5f; font-weight: normal; }
.notice { border: 5px solid #1d70b8; padding: 15px; }
@media print { .review { outline-style: solid; } h2 { break-after: avoid; } }
</style>
</head>
<body>
<h1>Subject access export: ${escapeHtml(subjectName)}</h1>
<p>${escapeHtml(b.authority.name)}, ${escapeHtml(b.authority.service)}. Generated ${escapeHtml(b.generatedAt)} by ${escapeHtml(b.generatedBy.name)}.</p>
<div class="notice">
<p><strong>Not ready to send.</strong> ${escapeHtml(b.howToUse)}</p>
<p>${b.redactionReview.total} ${b.redactionReview.total === 1 ? 'item is' : 'items are'} marked <span class="tag">Review for redaction</span>:</p>
<ul>${categories}</ul>
</div>
${sections}
</body>
</html>
`;
}
