// issue10-E: the SQL of retention: what is due, legal holds, and removing personal data (ADR 0019).
import { sql, type RawBuilder } from 'kysely';
import type { Executor, Tx } from '../../platform/db/database.js';
import type { DeletableRecordType, RetentionRecordType, RetentionSettings, RetentionTrigger } from '../../domain/retention.js';

/** A record that has reached its review date, as the daily job finds it. */
export interface DueRecord {
  record_type: RetentionRecordType;
  record_id: string;
  label: string;
  record_at: Date;
  entries: number | null;
  review_on: string;
  dispose_on: string;
  still_open: boolean;
}

/** The London calendar day of an instant. */
const day = (col: RawBuilder<unknown>) => sql`((${col}) at time zone 'Europe/London')::date`;

/**
 * The disposal date of a record from its facts, for a trigger: `record_day`, `youngest` (the latest
 * date of birth of its children, a child of unknown age counting as born on the record's day) and
 * `last_contact` (the latest contact with any of its children).
 */
function ownDisposal(trigger: RetentionTrigger, years: number): RawBuilder<string> {
  const y = sql.lit(years);
  if (trigger === 'record-date') return sql<string>`front_door_add_years(f.record_day, ${y})`;
  if (trigger === 'childs-birthday') return sql<string>`front_door_add_years(coalesce(f.youngest, f.record_day), ${y})`;
  return sql<string>`front_door_add_years(greatest(f.record_day, coalesce(f.last_contact, f.record_day)), ${y})`;
}

export class RetentionRepository {
  /**
   * Every record of the authority that has reached its review date (its disposal date less the
   * review months) on `today`, with its disposal date. Records are dated by their own rule, and
   * records that belong together take the latest date of the group: a conversation and the MASH
   * enquiries, Early Help requests and written referrals that came from or led to it are kept as
   * long as any of them, and a call as long as the conversation it led to. A conversation about
   * several children is kept until the youngest one's date. Records already deleted are left out.
   * `only` narrows the answer to some records (deletion checks its records again this way).
   */
  async dueRecords(db: Executor, authorityId: string, settings: RetentionSettings, today: string, only?: Partial<Record<RetentionRecordType, string[]>>): Promise<DueRecord[]> {
    const r = settings.rules;
    const months = sql.lit(settings.reviewMonthsBefore);
    const a = authorityId;
    const want = (type: RetentionRecordType) => !only || (only[type]?.length ?? 0) > 0;
    const idFilter = (type: RetentionRecordType, col: RawBuilder<unknown>) => (only ? sql`and ${col} = any(${only[type] ?? []}::uuid[])` : sql``);
    const reviewOn = sql`(d.dispose_on - make_interval(months => ${months}))::date`;
    const listed = sql`${reviewOn} <= ${today}::date`;

    const parts: RawBuilder<unknown>[] = [];
    const body = sql`
      with
      person_info as (
        select p.id, k.key, coalesce(fp.date_of_birth, fp.expected_date_of_birth, p.date_of_birth, p.expected_date_of_birth) as dob
        from persons p
        cross join lateral (select case when p.merged_into_id is null then p.id else mi_final_person(p.id) end as key) k
        join persons fp on fp.id = k.key
        where p.authority_id = ${a}
      ),
      kid_conv as (
        select distinct cc.conversation_id as rid, cc.person_id as pid
        from conversation_children cc join conversations c on c.id = cc.conversation_id where c.authority_id = ${a}
      ),
      kid_ref as (
        select rc.referral_id as rid, rc.person_id as pid, coalesce(rc.date_of_birth, rc.expected_date_of_birth) as own_dob
        from referral_children rc join referrals r on r.id = rc.referral_id where r.authority_id = ${a}
      ),
      kid_mash as (
        select ec.enquiry_id as rid, ec.person_id as pid
        from mash_enquiry_children ec join mash_enquiries e on e.id = ec.enquiry_id where e.authority_id = ${a}
      ),
      activity as (
        select pi.key, max(${day(sql`x.at`)}) as last_at from (
          select kc.pid, c.started_at as at from kid_conv kc join conversations c on c.id = kc.rid
          union all select kr.pid, r.received_at from kid_ref kr join referrals r on r.id = kr.rid where kr.pid is not null
          union all select km.pid, coalesce(e.decided_at, e.created_at) from kid_mash km join mash_enquiries e on e.id = km.rid
          union all select h.person_id, coalesce(h.closed_at, h.decided_at, h.sent_at, h.created_at) from early_help_requests h where h.authority_id = ${a}
        ) x join person_info pi on pi.id = x.pid
        group by pi.key
      ),
      conv_f as (
        select c.id, c.reference as label, c.started_at as record_at, c.erased_at, false as still_open, ${day(sql`c.started_at`)} as record_day,
          max(coalesce(pi.dob, ${day(sql`c.started_at`)})) as youngest, max(act.last_at) as last_contact
        from conversations c
        left join kid_conv k on k.rid = c.id
        left join person_info pi on pi.id = k.pid
        left join activity act on act.key = pi.key
        where c.authority_id = ${a}
        group by c.id
      ),
      ref_f as (
        select r.id, r.reference as label, r.received_at as record_at, r.erased_at, r.status = 'waiting' as still_open, r.conversation_id, ${day(sql`r.received_at`)} as record_day,
          max(coalesce(pi.dob, k.own_dob, ${day(sql`r.received_at`)})) as youngest, max(act.last_at) as last_contact
        from referrals r
        left join kid_ref k on k.rid = r.id
        left join person_info pi on pi.id = k.pid
        left join activity act on act.key = pi.key
        where r.authority_id = ${a}
        group by r.id
      ),
      mash_f as (
        select e.id, e.reference as label, e.created_at as record_at, e.erased_at, e.status <> 'closed' as still_open, e.conversation_id, ${day(sql`e.created_at`)} as record_day,
          max(coalesce(pi.dob, ${day(sql`e.created_at`)})) as youngest, max(act.last_at) as last_contact
        from mash_enquiries e
        left join kid_mash k on k.rid = e.id
        left join person_info pi on pi.id = k.pid
        left join activity act on act.key = pi.key
        where e.authority_id = ${a}
        group by e.id
      ),
      eh_f as (
        select h.id, h.reference as label, h.created_at as record_at, h.erased_at, h.status in ('details-needed', 'sent', 'accepted') as still_open, h.conversation_id, ${day(sql`h.created_at`)} as record_day,
          coalesce(pi.dob, ${day(sql`h.created_at`)}) as youngest, act.last_at as last_contact
        from early_help_requests h
        left join person_info pi on pi.id = h.person_id
        left join activity act on act.key = pi.key
        where h.authority_id = ${a}
      ),
      conv_own as (select f.*, ${ownDisposal(r.conversations.trigger, r.conversations.years)} as own from conv_f f),
      ref_own as (select f.*, ${ownDisposal(r.writtenReferrals.trigger, r.writtenReferrals.years)} as own from ref_f f),
      mash_own as (select f.*, ${ownDisposal(r.mashEnquiries.trigger, r.mashEnquiries.years)} as own from mash_f f),
      eh_own as (select f.*, ${ownDisposal(r.earlyHelpRequests.trigger, r.earlyHelpRequests.years)} as own from eh_f f),
      conv_group as (
        select co.id, greatest(co.own, max(ro.own), max(mo.own), max(eo.own)) as dispose_on
        from conv_own co
        left join ref_own ro on ro.conversation_id = co.id
        left join mash_own mo on mo.conversation_id = co.id
        left join eh_own eo on eo.conversation_id = co.id
        group by co.id, co.own
      )`;

    if (want('conversations')) {
      parts.push(sql`select 'conversations' as record_type, co.id::text as record_id, co.label, co.record_at, null::int as entries, d.dispose_on, co.still_open
        from conv_own co join conv_group d on d.id = co.id where co.erased_at is null ${idFilter('conversations', sql`co.id`)}`);
    }
    if (want('writtenReferrals')) {
      parts.push(sql`select 'writtenReferrals', x.id::text, x.label, x.record_at, null::int, d.dispose_on, x.still_open
        from ref_own x cross join lateral (select greatest(x.own, (select g.dispose_on from conv_group g where g.id = x.conversation_id)) as dispose_on) d
        where x.erased_at is null ${idFilter('writtenReferrals', sql`x.id`)}`);
    }
    if (want('mashEnquiries')) {
      parts.push(sql`select 'mashEnquiries', x.id::text, x.label, x.record_at, null::int, d.dispose_on, x.still_open
        from mash_own x cross join lateral (select greatest(x.own, (select g.dispose_on from conv_group g where g.id = x.conversation_id)) as dispose_on) d
        where x.erased_at is null ${idFilter('mashEnquiries', sql`x.id`)}`);
    }
    if (want('earlyHelpRequests')) {
      parts.push(sql`select 'earlyHelpRequests', x.id::text, x.label, x.record_at, null::int, d.dispose_on, x.still_open
        from eh_own x cross join lateral (select greatest(x.own, (select g.dispose_on from conv_group g where g.id = x.conversation_id)) as dispose_on) d
        where x.erased_at is null ${idFilter('earlyHelpRequests', sql`x.id`)}`);
    }
    if (want('calls')) {
      const own = sql`front_door_add_years(${day(sql`c.offered_at`)}, ${sql.lit(r.calls.years)})`;
      parts.push(sql`select 'calls', c.id::text, 'Call on ' || to_char(c.offered_at at time zone 'Europe/London', 'DD/MM/YYYY HH24:MI') || ' (' || c.line_id || ' line)', c.offered_at, null::int, d.dispose_on, c.state <> 'ended'
        from calls c cross join lateral (select greatest(${own}, (select g.dispose_on from conv_group g where g.id = c.conversation_id)) as dispose_on) d
        where c.authority_id = ${a} and c.erased_at is null ${idFilter('calls', sql`c.id`)}`);
    }
    if (want('partnerQuestions')) {
      const own = sql`front_door_add_years(${day(sql`q.submitted_at`)}, ${sql.lit(r.partnerQuestions.years)})`;
      parts.push(sql`select 'partnerQuestions', q.id::text, 'Question sent on ' || to_char(q.submitted_at at time zone 'Europe/London', 'DD/MM/YYYY'), q.submitted_at, null::int, d.dispose_on, false
        from before_you_call_questions q cross join lateral (select ${own} as dispose_on) d
        where q.authority_id = ${a} and q.erased_at is null ${idFilter('partnerQuestions', sql`q.id`)}`);
    }
    if (want('auditEntries') && !only) {
      // A year's entries are dated by the last day of that year. Only years that could be old enough
      // are read (the review window is at most 24 months, so two years' margin is enough).
      const years = sql.lit(r.auditEntries.years);
      parts.push(sql`select 'auditEntries', y.yr::text, 'Audit entries written in ' || y.yr, y.first_at, y.n, d.dispose_on, false
        from (select extract(year from a.occurred_at at time zone 'Europe/London')::int as yr, count(*)::int as n, min(a.occurred_at) as first_at
              from audit_events a where a.authority_id = ${a}
                and a.occurred_at < make_date(extract(year from ${today}::date)::int - ${years} + 3, 1, 1)::timestamp at time zone 'Europe/London'
              group by 1) y
        cross join lateral (select front_door_add_years(make_date(y.yr, 12, 31), ${years}) as dispose_on) d`);
    }
    if (parts.length === 0) return [];
    const union = parts.reduce((acc, p) => sql`${acc} union all ${p}`);
    const rows = await sql<DueRecord & { dispose_on: string }>`
      ${body}
      select d.record_type, d.record_id, d.label, d.record_at, d.entries, ${reviewOn}::text as review_on, d.dispose_on::text as dispose_on, d.still_open
      from (${union}) d(record_type, record_id, label, record_at, entries, dispose_on, still_open)
      where ${listed}
      order by d.dispose_on, d.record_at`.execute(db);
    return rows.rows;
  }

  /** The ids (of the given type) that a legal hold in force covers: on the record itself, or on a person it names (or one merged with them). */
  async heldRecords(db: Executor, authorityId: string, items: { type: RetentionRecordType; id: string }[]): Promise<Set<string>> {
    const list = items.filter((i) => i.type !== 'auditEntries');
    if (list.length === 0) return new Set();
    const types = list.map((i) => i.type);
    const ids = list.map((i) => i.id);
    const rows = await sql<{ record_type: string; record_id: string }>`
      with items(record_type, record_id) as (select * from unnest(${types}::text[], ${ids}::uuid[])),
      item_people as (
        select i.record_type, i.record_id, cc.person_id from items i join conversation_children cc on i.record_type = 'conversations' and cc.conversation_id = i.record_id
        union select i.record_type, i.record_id, rc.person_id from items i join referral_children rc on i.record_type = 'writtenReferrals' and rc.referral_id = i.record_id where rc.person_id is not null
        union select i.record_type, i.record_id, ec.person_id from items i join mash_enquiry_children ec on i.record_type = 'mashEnquiries' and ec.enquiry_id = i.record_id
        union select i.record_type, i.record_id, h.person_id from items i join early_help_requests h on i.record_type = 'earlyHelpRequests' and h.id = i.record_id
        union select i.record_type, i.record_id, cc.person_id from items i join calls c on i.record_type = 'calls' and c.id = i.record_id join conversation_children cc on cc.conversation_id = c.conversation_id
      ),
      held_keys as (
        select distinct case when p.merged_into_id is null then p.id else mi_final_person(p.id) end as key
        from legal_holds h join persons p on p.id = h.subject_id
        where h.authority_id = ${authorityId} and h.released_at is null and h.subject_type = 'person'
      )
      select distinct i.record_type, i.record_id::text as record_id from items i
      where exists (select 1 from legal_holds h where h.authority_id = ${authorityId} and h.released_at is null and h.subject_type = i.record_type and h.subject_id = i.record_id)
         or exists (select 1 from item_people ip join persons p on p.id = ip.person_id
                    join held_keys hk on hk.key = case when p.merged_into_id is null then p.id else mi_final_person(p.id) end
                    where ip.record_type = i.record_type and ip.record_id = i.record_id)`.execute(db);
    return new Set(rows.rows.map((r) => `${r.record_type}:${r.record_id}`));
  }

  // ---------------------------------------------------------------------------------------------
  // Removing personal data. Every statement keeps the row (its id, dates and codes) and empties or
  // replaces the columns that hold personal data. Called inside one transaction that has set
  // front_door.erasure (see startErasure), which the protective triggers of migration 0022 check.

  async startErasure(tx: Tx): Promise<void> {
    await sql`select set_config('front_door.erasure', 'on', true)`.execute(tx);
  }

  async eraseConversations(tx: Tx, ids: string[], textAnswerKeys: string[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await sql`update conversation_versions set caller_name = null, caller_role = null, caller_agency_other = null, caller_phone = null, caller_email = null,
        concern_detail = null, support_to_date = null, consent_reason_detail = null, worries = null, strengths = null, needs_to_happen = null, amendment_reason = null
      where conversation_id = any(${ids}::uuid[])`.execute(tx);
    await sql`update conversation_children set where_now = null, disagreement_note = null, next_steps = null, next_steps_by = null
      where conversation_id = any(${ids}::uuid[])`.execute(tx);
    await sql`update decisions set rationale = ${REMOVED} where conversation_id = any(${ids}::uuid[])`.execute(tx);
    await this.eraseWrittenRecords(tx, sql`conversation_id = any(${ids}::uuid[])`);
    // Survey answers are about the service, not the child; only the free-text ones could name anyone.
    if (textAnswerKeys.length) {
      await sql`update survey_responses set answers = answers - ${textAnswerKeys}::text[] where conversation_id = any(${ids}::uuid[])`.execute(tx);
    }
    await sql`update tasks set detail = ${REMOVED} where conversation_id = any(${ids}::uuid[])`.execute(tx);
    await sql`update disagreements set disagreement = ${REMOVED}, caller_name = null, caller_role = null, closing_note = case when closing_note is null then null else ${REMOVED} end
      where conversation_id = any(${ids}::uuid[])`.execute(tx);
    await sql`update disagreement_stages set response = ${REMOVED} where response is not null
      and disagreement_id in (select id from disagreements where conversation_id = any(${ids}::uuid[]))`.execute(tx);
    await sql`update tasks set detail = ${REMOVED} where subject_id in (select id from disagreements where conversation_id = any(${ids}::uuid[]))`.execute(tx);
    // Which professional called is the professional directory's own history; the link to an anonymous record goes.
    await sql`delete from conversation_professionals where conversation_id = any(${ids}::uuid[])`.execute(tx);
    await sql`update callbacks set number = ${REMOVED} where conversation_id = any(${ids}::uuid[])`.execute(tx);
    await sql`update conversations set erased_at = ${now} where id = any(${ids}::uuid[])`.execute(tx);
  }

  async eraseReferrals(tx: Tx, ids: string[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await sql`update referrals set referrer_name = ${REMOVED}, referrer_role = null, referrer_phone = null, referrer_email = null,
        incident_reference = ${REMOVED}, incident_reference_key = 'erased:' || id::text, incident_place = ${REMOVED}, incident_postcode = null,
        what_happened = ${REMOVED}, consent_reason_detail = null, decision_rationale = case when decision_rationale is null then null else ${REMOVED} end,
        erased_at = ${now}
      where id = any(${ids}::uuid[])`.execute(tx);
    await sql`update referral_children set given_name = null, family_name = ${REMOVED}, date_of_birth = null, expected_date_of_birth = null,
        address_line_1 = null, town = null, postcode = null, where_now = ${REMOVED}, suggested_person_id = null
      where referral_id = any(${ids}::uuid[])`.execute(tx);
    await sql`update tasks set detail = ${REMOVED} where subject_id = any(${ids}::uuid[])`.execute(tx);
  }

  async eraseMashEnquiries(tx: Tx, ids: string[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await sql`update mash_enquiries set reason = ${REMOVED}, questions = ${REMOVED}, analysis_risks = null, analysis_strengths = null, analysis_unknowns = null,
        decision_rationale = case when decision_rationale is null then null else ${REMOVED} end, erased_at = ${now}
      where id = any(${ids}::uuid[])`.execute(tx);
    await sql`update mash_rating_changes set reason = case when reason is null then null else ${REMOVED} end where enquiry_id = any(${ids}::uuid[])`.execute(tx);
    await sql`update mash_check_responses set holds = null, source_system = null, risk_information = null
      where request_id in (select id from mash_check_requests where enquiry_id = any(${ids}::uuid[]))
        and (holds is not null or source_system is not null or risk_information is not null)`.execute(tx);
    await sql`update mash_question_answers set answer = ${REMOVED}
      where request_id in (select id from mash_check_requests where enquiry_id = any(${ids}::uuid[]))`.execute(tx);
    await this.eraseWrittenRecords(tx, sql`mash_enquiry_id = any(${ids}::uuid[])`);
  }

  async eraseEarlyHelpRequests(tx: Tx, ids: string[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await sql`update early_help_requests set needs_detail = null,
        consent_not_given_reason = case when consent_not_given_reason is null then null else ${REMOVED} end,
        lead_name = null, lead_role = null, lead_agency = null, lead_phone = null, lead_email = null, allocated_to = null, decided_note = null,
        family_member_ids = case when family_member_ids is null then null else '{}'::uuid[] end, erased_at = ${now}
      where id = any(${ids}::uuid[])`.execute(tx);
    await sql`update early_help_status_changes set note = null where request_id = any(${ids}::uuid[])`.execute(tx);
    await sql`update tasks set detail = ${REMOVED} where subject_id = any(${ids}::uuid[])`.execute(tx);
  }

  async eraseCalls(tx: Tx, ids: string[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await sql`update calls set caller_number = null, transferred_to = null, erased_at = ${now} where id = any(${ids}::uuid[])`.execute(tx);
    await sql`update call_events set detail = '{}'::jsonb where call_id = any(${ids}::uuid[])`.execute(tx);
    await sql`update callbacks set number = ${REMOVED} where call_id = any(${ids}::uuid[])`.execute(tx);
  }

  async erasePartnerQuestions(tx: Tx, ids: string[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await sql`update before_you_call_questions set name = ${REMOVED}, email = ${REMOVED}, organisation = ${REMOVED}, question = ${REMOVED}, status_note = null, erased_at = ${now}
      where id = any(${ids}::uuid[])`.execute(tx);
    // The email that told the service's inbox about the question quoted it.
    const told = sql`select id from notifications where subject_type = 'before-you-call-question' and subject_id = any(${ids}::uuid[])`;
    await sql`delete from mailbox_messages where notification_id in (${told})`.execute(tx);
    await sql`update notifications set subject = ${REMOVED}, text_body = ${REMOVED}, html = ${REMOVED}, last_error = null where id in (${told})`.execute(tx);
  }

  /** The written records sent about the records chosen: the caller's address goes, and the local mailbox's copy of the email. */
  private async eraseWrittenRecords(tx: Tx, where: RawBuilder<unknown>): Promise<void> {
    const chosen = sql`select id from written_records where ${where}`;
    await sql`delete from mailbox_messages where written_record_id in (${chosen})`.execute(tx);
    await sql`update written_records set recipient = ${REMOVED}, last_error = null where id in (${chosen})`.execute(tx);
  }

  // --- People -----------------------------------------------------------------------------------

  /** The people the records name (children; an Early Help request's family members too). */
  async peopleNamedBy(db: Executor, records: Partial<Record<DeletableRecordType, string[]>>): Promise<string[]> {
    const c = records.conversations ?? [];
    const r = records.writtenReferrals ?? [];
    const m = records.mashEnquiries ?? [];
    const e = records.earlyHelpRequests ?? [];
    const rows = await sql<{ id: string }>`
      select cc.person_id as id from conversation_children cc where cc.conversation_id = any(${c}::uuid[])
      union select rc.person_id from referral_children rc where rc.referral_id = any(${r}::uuid[]) and rc.person_id is not null
      union select ec.person_id from mash_enquiry_children ec where ec.enquiry_id = any(${m}::uuid[])
      union select h.person_id from early_help_requests h where h.id = any(${e}::uuid[])
      union select f from early_help_requests h cross join lateral unnest(coalesce(h.family_member_ids, '{}'::uuid[])) f where h.id = any(${e}::uuid[])`.execute(db);
    return rows.rows.map((x) => x.id);
  }

  /** The record each person finally lives on (after merges): the key of their merged set. */
  async finalKeys(db: Executor, authorityId: string, ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await sql<{ id: string; key: string }>`
      select p.id, case when p.merged_into_id is null then p.id else mi_final_person(p.id) end as key
      from persons p where p.id = any(${ids}::uuid[]) and p.authority_id = ${authorityId}`.execute(db);
    return new Map(rows.rows.map((x) => [x.id, x.key]));
  }

  /** Every person in the merged sets with these keys: the key itself and everyone merged into it, directly or not. */
  async setMembers(db: Executor, authorityId: string, keys: string[]): Promise<{ id: string; key: string }[]> {
    if (keys.length === 0) return [];
    const rows = await sql<{ id: string; key: string }>`
      with recursive m(id, key) as (
        select p.id, p.id from persons p where p.id = any(${keys}::uuid[]) and p.authority_id = ${authorityId}
        union
        select p.id, m.key from persons p join m on p.merged_into_id = m.id where p.authority_id = ${authorityId}
      ) select id, key from m`.execute(db);
    return rows.rows;
  }

  /** The people related (either way) to any of these. */
  async relatedTo(db: Executor, ids: string[]): Promise<{ from: string; to: string }[]> {
    if (ids.length === 0) return [];
    const rows = await sql<{ from: string; to: string }>`
      select person_id as "from", related_person_id as "to" from relationships where person_id = any(${ids}::uuid[])
      union select related_person_id, person_id from relationships where related_person_id = any(${ids}::uuid[])`.execute(db);
    return rows.rows;
  }

  /**
   * Of these people, the ones something still keeps: a record not deleted names them, they have a
   * current allocated worker, or a legal hold in force is on them.
   */
  async anchored(db: Executor, authorityId: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await sql<{ id: string }>`
      select m.id from unnest(${ids}::uuid[]) m(id) where
        exists (select 1 from conversation_children cc join conversations c on c.id = cc.conversation_id where cc.person_id = m.id and c.erased_at is null)
        or exists (select 1 from referral_children rc join referrals r on r.id = rc.referral_id where rc.person_id = m.id and r.erased_at is null)
        or exists (select 1 from mash_enquiry_children ec join mash_enquiries e on e.id = ec.enquiry_id where ec.person_id = m.id and e.erased_at is null)
        or exists (select 1 from early_help_requests h where h.erased_at is null and (h.person_id = m.id or m.id = any(coalesce(h.family_member_ids, '{}'::uuid[]))))
        or exists (select 1 from worker_allocations w where w.person_id = m.id and w.ended_at is null)
        or exists (select 1 from legal_holds lh where lh.authority_id = ${authorityId} and lh.released_at is null and lh.subject_type = 'person' and lh.subject_id = m.id)`.execute(db);
    return new Set(rows.rows.map((x) => x.id));
  }

  /** Removes a person's personal data and their links to other people; the row stays, anonymous. */
  async erasePeople(tx: Tx, authorityId: string, ids: string[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    // The matching engine's name counts include these people's names: recounted below for just those names.
    const names = (await sql<{ given: string | null; family: string | null }>`
      select distinct split_part(given_fold, ' ', 1) as given, family_fold as family from persons where id = any(${ids}::uuid[])`.execute(tx)).rows;
    const given = [...new Set(names.map((n) => n.given).filter((x): x is string => !!x))];
    const family = [...new Set(names.map((n) => n.family).filter((x): x is string => !!x))];
    await sql`update persons set given_name = null, family_name = null, name_search = '', date_of_birth = null, expected_date_of_birth = null,
        sex = 'U', ethnicity = null, nhs_number = null, upn = null, address_line_1 = null, address_line_2 = null, town = null, postcode = null,
        school_setting = null, gp_practice = null, first_language = null, interpreter_needed = null, disability_codes = '{}',
        given_fold = null, family_fold = null, postcode_outward = null, postcode_sector = null, match_std = '{}'::jsonb, match_keys = '{}',
        household_id = null, name_placeholder = true, updated_at = ${now}, version = version + 1, erased_at = ${now}
      where id = any(${ids}::uuid[])`.execute(tx);
    await sql`delete from name_frequencies where authority_id = ${authorityId}
      and ((field = 'given' and value = any(${given}::text[])) or (field = 'family' and value = any(${family}::text[])))`.execute(tx);
    await sql`insert into name_frequencies (authority_id, field, value, n)
      select ${authorityId}, 'given', split_part(given_fold, ' ', 1), count(*)::int from persons
       where authority_id = ${authorityId} and merged_into_id is null and split_part(given_fold, ' ', 1) = any(${given}::text[]) group by 2, 3
      union all
      select ${authorityId}, 'family', family_fold, count(*)::int from persons
       where authority_id = ${authorityId} and merged_into_id is null and family_fold = any(${family}::text[]) group by 2, 3`.execute(tx);
    await sql`delete from person_aliases where person_id = any(${ids}::uuid[])`.execute(tx);
    await sql`delete from relationships where person_id = any(${ids}::uuid[]) or related_person_id = any(${ids}::uuid[])`.execute(tx);
    await sql`update person_merges set reason = ${REMOVED}, unmerge_reason = case when unmerge_reason is null then null else ${REMOVED} end
      where survivor_id = any(${ids}::uuid[]) or merged_id = any(${ids}::uuid[])`.execute(tx);
    await sql`update duplicate_candidates set reasons = '[]'::jsonb, against = '[]'::jsonb, decision_note = null,
        status = case when status = 'open' then 'superseded' else status end
      where person_a_id = any(${ids}::uuid[]) or person_b_id = any(${ids}::uuid[])`.execute(tx);
    await sql`update worker_allocations set end_reason = null where person_id = any(${ids}::uuid[]) and end_reason is not null`.execute(tx);
    // issue10-F's restricted records (migration 0023), where present: the reason may say who the child is.
    const restrictions = await sql<{ t: string | null }>`select to_regclass('record_restrictions')::text as t`.execute(tx);
    if (restrictions.rows[0]?.t) {
      await sql`update record_restrictions set reason = ${REMOVED}, lift_reason = case when lift_reason is null then null else ${REMOVED} end
        where person_id = any(${ids}::uuid[])`.execute(tx);
    }
  }
}

/** What replaces a required free-text value whose content was removed. */
export const REMOVED = '[removed under the retention schedule]';
