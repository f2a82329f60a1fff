// issue10-E: the queries behind a subject access export: everything held about a person's merged set.
import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';

const NONE = ['00000000-0000-0000-0000-000000000000'];
const ids = (xs: string[]) => (xs.length ? xs : NONE);

export class SubjectAccessRepository {
  people(db: Executor, a: string, members: string[]) {
    return db
      .selectFrom('persons')
      .select(['id', 'given_name', 'family_name', 'date_of_birth', 'expected_date_of_birth', 'sex', 'ethnicity', 'nhs_number', 'upn', 'address_line_1', 'address_line_2', 'town', 'postcode',
        'school_setting', 'gp_practice', 'first_language', 'interpreter_needed', 'disability_codes', 'household_id', 'created_at', 'updated_at', 'merged_into_id', 'merged_at', 'erased_at'])
      .where('authority_id', '=', a)
      .where('id', 'in', ids(members))
      .execute();
  }

  aliases(db: Executor, members: string[]) {
    return db.selectFrom('person_aliases').select(['person_id', 'given_name', 'family_name', 'created_at']).where('person_id', 'in', ids(members)).execute();
  }

  merges(db: Executor, a: string, members: string[]) {
    return db
      .selectFrom('person_merges')
      .select(['survivor_id', 'merged_id', 'reason', 'merged_at', 'unmerged_at', 'unmerge_reason'])
      .where('authority_id', '=', a)
      .where((eb) => eb.or([eb('survivor_id', 'in', ids(members)), eb('merged_id', 'in', ids(members))]))
      .execute();
  }

  /** Both directions: "X is the mother of the subject" and "the subject is the sister of Y". */
  relationships(db: Executor, a: string, members: string[]) {
    return sql<{ direction: 'to' | 'from'; relationship_type: string; lives_with_child: boolean; notes: string | null; created_at: Date; other_id: string; given_name: string | null; family_name: string | null; date_of_birth: string | null }>`
      select 'to' as direction, r.relationship_type, r.lives_with_child, r.notes, r.created_at, p.id as other_id, p.given_name, p.family_name, p.date_of_birth
      from relationships r join persons p on p.id = r.related_person_id
      where r.authority_id = ${a} and r.person_id = any(${ids(members)}::uuid[]) and not (r.related_person_id = any(${ids(members)}::uuid[]))
      union all
      select 'from', r.relationship_type, r.lives_with_child, r.notes, r.created_at, p.id, p.given_name, p.family_name, p.date_of_birth
      from relationships r join persons p on p.id = r.person_id
      where r.authority_id = ${a} and r.related_person_id = any(${ids(members)}::uuid[]) and not (r.person_id = any(${ids(members)}::uuid[]))
        -- Brothers and sisters are recorded both ways: once is enough.
        and not exists (select 1 from relationships r2 where r2.person_id = r.related_person_id and r2.related_person_id = r.person_id)
      order by created_at`.execute(db).then((r) => r.rows);
  }

  conversations(db: Executor, a: string, members: string[]) {
    return db
      .selectFrom('conversations as c')
      .leftJoin('users as w', 'w.id', 'c.worker_id')
      .select(['c.id', 'c.reference', 'c.status', 'c.service', 'c.started_at', 'c.completed_at', 'c.decision_due_at', 'c.current_version', 'c.out_of_hours', 'w.display_name as worker_name'])
      .select(sql<Date | null>`c.erased_at`.as('erased_at'))
      .where('c.authority_id', '=', a)
      .where('c.id', 'in', (eb) => eb.selectFrom('conversation_children').select('conversation_id').where('person_id', 'in', ids(members)))
      .orderBy('c.started_at')
      .execute();
  }

  versions(db: Executor, conversationIds: string[]) {
    return db
      .selectFrom('conversation_versions as v')
      .leftJoin('users as u', 'u.id', 'v.created_by')
      .selectAll('v')
      .select('u.display_name as created_by_name')
      .where('v.conversation_id', 'in', ids(conversationIds))
      .orderBy('v.conversation_id')
      .orderBy('v.version')
      .execute();
  }

  children(db: Executor, conversationIds: string[]) {
    return db
      .selectFrom('conversation_children as cc')
      .innerJoin('persons as p', 'p.id', 'cc.person_id')
      .selectAll('cc')
      .select(['p.given_name', 'p.family_name', 'p.date_of_birth', 'p.expected_date_of_birth'])
      .where('cc.conversation_id', 'in', ids(conversationIds))
      .orderBy('cc.position')
      .execute();
  }

  decisions(db: Executor, a: string, members: string[]) {
    return db
      .selectFrom('decisions as d')
      .innerJoin('conversations as c', 'c.id', 'd.conversation_id')
      .leftJoin('users as u', 'u.id', 'd.decided_by')
      .select(['c.reference', 'd.decision_code', 'd.primary_need_code', 'd.rationale', 'd.decided_at', 'u.display_name as decided_by_name'])
      .where('d.authority_id', '=', a)
      .where('d.person_id', 'in', ids(members))
      .orderBy('d.decided_at')
      .execute();
  }

  flags(db: Executor, a: string, members: string[]) {
    return db
      .selectFrom('accumulation_flags as f')
      .innerJoin('conversations as c', 'c.id', 'f.conversation_id')
      .select(['c.reference', 'f.rule_key', 'f.message', 'f.raised_at'])
      .where('f.authority_id', '=', a)
      .where('f.person_id', 'in', ids(members))
      .orderBy('f.raised_at')
      .execute();
  }

  referrals(db: Executor, a: string, members: string[]) {
    return db
      .selectFrom('referrals')
      .selectAll()
      .where('authority_id', '=', a)
      .where('id', 'in', (eb) => eb.selectFrom('referral_children').select('referral_id').where('person_id', 'in', ids(members)))
      .orderBy('received_at')
      .execute();
  }

  referralChildren(db: Executor, referralIds: string[]) {
    return db.selectFrom('referral_children').selectAll().where('referral_id', 'in', ids(referralIds)).orderBy('position').execute();
  }

  mashEnquiries(db: Executor, a: string, members: string[]) {
    return db
      .selectFrom('mash_enquiries as e')
      .leftJoin('users as d', 'd.id', 'e.decided_by')
      .leftJoin('users as an', 'an.id', 'e.analysed_by')
      .selectAll('e')
      .select(['d.display_name as decided_by_name', 'an.display_name as analysed_by_name'])
      .where('e.authority_id', '=', a)
      .where('e.id', 'in', (eb) => eb.selectFrom('mash_enquiry_children').select('enquiry_id').where('person_id', 'in', ids(members)))
      .orderBy('e.created_at')
      .execute();
  }

  mashChildren(db: Executor, enquiryIds: string[]) {
    return db
      .selectFrom('mash_enquiry_children as ec')
      .innerJoin('persons as p', 'p.id', 'ec.person_id')
      .select(['ec.enquiry_id', 'p.id', 'p.given_name', 'p.family_name', 'p.date_of_birth'])
      .where('ec.enquiry_id', 'in', ids(enquiryIds))
      .execute();
  }

  mashRatings(db: Executor, enquiryIds: string[]) {
    return db.selectFrom('mash_rating_changes').select(['enquiry_id', 'from_rag', 'to_rag', 'reason', 'changed_at']).where('enquiry_id', 'in', ids(enquiryIds)).orderBy('changed_at').execute();
  }

  mashRequests(db: Executor, enquiryIds: string[]) {
    return db.selectFrom('mash_check_requests').select(['id', 'enquiry_id', 'agency_code', 'sent_at', 'due_at', 'status', 'answered_at']).where('enquiry_id', 'in', ids(enquiryIds)).orderBy('sent_at').execute();
  }

  mashResponses(db: Executor, requestIds: string[]) {
    return db
      .selectFrom('mash_check_responses as r')
      .leftJoin('users as u', 'u.id', 'r.responded_by')
      .leftJoin('service_accounts as s', 's.id', 'r.responded_by_account')
      .select(['r.id', 'r.request_id', 'r.kind', 'r.nothing_known', 'r.holds', 'r.source_system', 'r.checked_on', 'r.risk_information', 'r.lawful_basis_code', 'r.corrects_id', 'r.responded_at', 'u.display_name as responder_name', 's.name as responder_system'])
      .where('r.request_id', 'in', ids(requestIds))
      .orderBy('r.responded_at')
      .execute();
  }

  mashAnswers(db: Executor, requestIds: string[]) {
    return db.selectFrom('mash_question_answers').select(['request_id', 'question_id', 'answer', 'answered_at']).where('request_id', 'in', ids(requestIds)).execute();
  }

  earlyHelp(db: Executor, a: string, members: string[]) {
    return sql<{ id: string; reference: string; status: string; person_id: string; need_codes: string[]; needs_detail: string | null; consent: string | null; consent_not_given_reason: string | null;
      lead_name: string | null; lead_role: string | null; lead_agency: string | null; lead_phone: string | null; lead_email: string | null; created_at: Date; sent_at: Date | null;
      allocated_to: string | null; decline_reason_code: string | null; decided_note: string | null; decided_at: Date | null; closed_at: Date | null; erased_at: Date | null; conversation_reference: string; family_member: boolean }>`
      select h.id, h.reference, h.status, h.person_id, h.need_codes, h.needs_detail, h.consent, h.consent_not_given_reason, h.lead_name, h.lead_role, h.lead_agency, h.lead_phone, h.lead_email,
        h.created_at, h.sent_at, h.allocated_to, h.decline_reason_code, h.decided_note, h.decided_at, h.closed_at, h.erased_at, c.reference as conversation_reference,
        not (h.person_id = any(${ids(members)}::uuid[])) as family_member
      from early_help_requests h join conversations c on c.id = h.conversation_id
      where h.authority_id = ${a} and (h.person_id = any(${ids(members)}::uuid[]) or coalesce(h.family_member_ids, '{}'::uuid[]) && ${ids(members)}::uuid[])
      order by h.created_at`.execute(db).then((r) => r.rows);
  }

  earlyHelpChanges(db: Executor, requestIds: string[]) {
    return db.selectFrom('early_help_status_changes').select(['request_id', 'from_status', 'to_status', 'note', 'changed_at']).where('request_id', 'in', ids(requestIds)).orderBy('seq').execute();
  }

  allocations(db: Executor, a: string, members: string[]) {
    return db
      .selectFrom('worker_allocations')
      .select(['kind', 'worker_name', 'team', 'phone', 'email', 'start_date', 'end_date', 'end_reason'])
      .where('authority_id', '=', a)
      .where('person_id', 'in', ids(members))
      .orderBy('start_date')
      .execute();
  }

  allocationNotices(db: Executor, a: string, members: string[]) {
    return db
      .selectFrom('allocated_worker_notices as n')
      .innerJoin('conversations as c', 'c.id', 'n.conversation_id')
      .select(['c.reference', 'n.notified_at', 'n.acknowledged_at'])
      .where('n.authority_id', '=', a)
      .where('n.person_id', 'in', ids(members))
      .orderBy('n.notified_at')
      .execute();
  }

  disagreements(db: Executor, a: string, members: string[]) {
    return db
      .selectFrom('disagreements as d')
      .innerJoin('conversations as c', 'c.id', 'd.conversation_id')
      .select(['d.id', 'd.reference', 'c.reference as conversation_reference', 'd.outcome_code', 'd.disagreement', 'd.caller_name', 'd.caller_role', 'd.caller_agency_code', 'd.status', 'd.raised_at', 'd.closed_at', 'd.closing_note'])
      .where('d.authority_id', '=', a)
      .where('d.person_id', 'in', ids(members))
      .orderBy('d.raised_at')
      .execute();
  }

  disagreementStages(db: Executor, disagreementIds: string[]) {
    return db
      .selectFrom('disagreement_stages as s')
      .leftJoin('users as u', 'u.id', 's.responded_by')
      .select(['s.disagreement_id', 's.stage', 's.stage_label', 's.due_on', 's.response', 's.result', 's.responded_at', 'u.display_name as responded_by_name'])
      .where('s.disagreement_id', 'in', ids(disagreementIds))
      .orderBy('s.stage')
      .execute();
  }

  writtenRecords(db: Executor, conversationIds: string[], enquiryIds: string[]) {
    return db
      .selectFrom('written_records as w')
      .innerJoin('conversations as c', 'c.id', 'w.conversation_id')
      .select(['c.reference', 'w.version', 'w.reason', 'w.recipient', 'w.status', 'w.queued_at', 'w.sent_at', 'w.delivered_at', 'w.failed_at'])
      .where((eb) => eb.or([eb('w.conversation_id', 'in', ids(conversationIds)), eb('w.mash_enquiry_id', 'in', ids(enquiryIds))]))
      .orderBy('w.queued_at')
      .execute();
  }

  calls(db: Executor, a: string, conversationIds: string[]) {
    return db
      .selectFrom('calls as k')
      .leftJoin('users as u', 'u.id', 'k.worker_id')
      .leftJoin('conversations as c', 'c.id', 'k.conversation_id')
      .select(['c.reference', 'k.caller_number', 'k.line_id', 'k.option_digit', 'k.offered_at', 'k.answered_at', 'k.ended_at', 'k.outcome', 'u.display_name as worker_name'])
      .where('k.authority_id', '=', a)
      .where('k.conversation_id', 'in', ids(conversationIds))
      .orderBy('k.offered_at')
      .execute();
  }

  holds(db: Executor, a: string, members: string[]) {
    return db
      .selectFrom('legal_holds')
      .select(['reason', 'placed_at', 'released_at', 'release_reason'])
      .where('authority_id', '=', a)
      .where('subject_type', '=', 'person')
      .where('subject_id', 'in', ids(members))
      .orderBy('placed_at')
      .execute();
  }

  /** issue10-F's restricted records (migration 0023), where present: restrictions on the person and who opened them and why. */
  async restrictions(db: Executor, a: string, members: string[]) {
    const present = await sql<{ t: string | null }>`select to_regclass('restricted_access_grants')::text as t`.execute(db);
    if (!present.rows[0]?.t) return { restrictions: [], openings: [] };
    const restrictions = await sql<{ id: string; scope: string; reason: string; restricted_at: Date; lifted_at: Date | null; lift_reason: string | null }>`
      select id, scope, reason, restricted_at, lifted_at, lift_reason from record_restrictions where authority_id = ${a} and person_id = any(${ids(members)}::uuid[]) order by restricted_at`.execute(db);
    const openings = await sql<{ granted_at: Date; reason: string; user_name: string | null }>`
      select g.granted_at, g.reason, u.display_name as user_name from restricted_access_grants g left join users u on u.id = g.user_id
      where g.restriction_id = any(${ids(restrictions.rows.map((r) => r.id))}::uuid[]) order by g.granted_at`.execute(db);
    return { restrictions: restrictions.rows, openings: openings.rows };
  }

  /** Who viewed or changed the person's record, and when (the audit entries that name them). */
  auditTrail(db: Executor, a: string, members: string[]) {
    return db
      .selectFrom('audit_events as e')
      .leftJoin('users as u', 'u.id', 'e.actor_user_id')
      .leftJoin('service_accounts as s', 's.id', 'e.actor_service_account_id')
      .leftJoin('conversations as c', 'c.id', 'e.conversation_id')
      .select(['e.occurred_at', 'e.action', 'e.actor_role', 'u.display_name as user_name', 's.name as system_name', 'c.reference'])
      // The people are the authority's already; entries the system wrote may name no authority.
      .where((eb) => eb.or([eb('e.authority_id', '=', a), eb('e.authority_id', 'is', null)]))
      .where('e.person_id', 'in', ids(members))
      .orderBy('e.id')
      .execute();
  }
}
