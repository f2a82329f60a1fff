-- issue10-E: retention, legal holds, deletion that keeps anonymised statistics, and subject access
-- (ADR 0019).
--
-- Each authority's profile says how long each type of record is kept (`retention`). A daily job
-- works out which records have reached their review or disposal date and lists them in
-- retention_reviews. An administrator reviews each one (delete it, or keep it until a later date
-- with a reason) and then deletes the approved ones in one transaction. A legal hold on a person or
-- a record stops deletion until it is released.
--
-- "Deletion" removes the personal data and keeps the skeleton: the rows stay with their ids, dates
-- and codes (outcome, level of need, concern categories, consent codes, decision codes…), which is
-- what the management information and its summary tables count, so the figures do not change. The
-- names, dates of birth, addresses, NHS numbers, callers' details and every free-text field go.
-- The audit log is not touched: it is append-only and hash-chained (migration 0020).

-- When a record's personal data was removed. Null for every record still held in full.
alter table persons add column erased_at timestamptz;
alter table conversations add column erased_at timestamptz;
alter table referrals add column erased_at timestamptz;
alter table mash_enquiries add column erased_at timestamptz;
alter table early_help_requests add column erased_at timestamptz;
alter table calls add column erased_at timestamptz;
alter table before_you_call_questions add column erased_at timestamptz;

-- A date plus whole years, as a birthday is counted: someone born on 29 February reaches an age on
-- 1 March in a year without one (the later of the two possible days, so nothing goes early).
-- src/domain/retention.ts (addYears) does the same.
create function front_door_add_years(d date, n integer) returns date
language sql immutable parallel safe as $$
  select case
    when extract(month from d) = 2 and extract(day from d) = 29
     and not ((((extract(year from d)::int + n) % 4 = 0) and ((extract(year from d)::int + n) % 100 <> 0)) or ((extract(year from d)::int + n) % 400 = 0))
    then make_date(extract(year from d)::int + n, 3, 1)
    else (d + make_interval(years => n))::date
  end
$$;

-- What the daily job found: one row per record that has reached its review date, with the rule that
-- applied, and what an administrator decided. Rows for records no longer due (a newer contact moved
-- the date, the rule changed) are removed by the next run, unless the record has been deleted: the
-- rows of deleted records are the disposal log (what, under which rule, who, when; never a name).
create table retention_reviews (
  id uuid primary key,
  authority_id text not null references authorities (id),
  record_type text not null check (record_type in ('conversations', 'writtenReferrals', 'mashEnquiries', 'earlyHelpRequests', 'calls', 'partnerQuestions', 'auditEntries')),
  -- The record's id (a uuid), or for audit entries the year they were written ('2014').
  record_id text not null,
  -- What an administrator can look the record up by: a reference, or a description without names.
  label text not null,
  record_at timestamptz not null,
  -- For audit entries, how many entries of that year.
  entries integer,
  review_on date not null,
  dispose_on date not null,
  -- The rule, as it was when the record was listed.
  rule_trigger text not null,
  rule_years integer not null,
  rule_action text not null check (rule_action in ('delete', 'review')),
  -- The record is still open (a MASH enquiry not decided, a referral waiting…): it cannot be deleted.
  still_open boolean not null default false,
  decision text check (decision in ('delete', 'keep')),
  keep_until date,
  keep_reason text check (length(keep_reason) <= 1000),
  decided_by uuid references users (id),
  decided_at timestamptz,
  first_listed_at timestamptz not null,
  listed_at timestamptz not null,
  erased_at timestamptz,
  erased_by uuid references users (id),
  -- How many people's records were anonymised with this one.
  people_erased integer,
  unique (authority_id, record_type, record_id),
  check ((decision = 'keep') = (keep_until is not null and keep_reason is not null)),
  check ((decision is null) = (decided_at is null)),
  check (erased_at is null or decision = 'delete')
);
create index retention_reviews_list_idx on retention_reviews (authority_id, record_type, dispose_on) where erased_at is null;

-- When the daily job last ran for each authority, and what it found.
create table retention_runs (
  authority_id text primary key references authorities (id),
  ran_at timestamptz not null,
  listed integer not null,
  due integer not null
);

-- A legal hold: while it is in force nothing it covers is deleted, whatever its retention date.
-- On a person it covers every record naming them (and the records merged with theirs); on a record,
-- that record. Released holds stay as history.
create table legal_holds (
  id uuid primary key,
  authority_id text not null references authorities (id),
  subject_type text not null check (subject_type in ('person', 'conversations', 'writtenReferrals', 'mashEnquiries', 'earlyHelpRequests', 'calls', 'partnerQuestions')),
  subject_id uuid not null,
  reason text not null check (length(btrim(reason)) between 1 and 1000),
  placed_by uuid not null references users (id),
  placed_at timestamptz not null,
  released_by uuid references users (id),
  released_at timestamptz,
  release_reason text check (length(release_reason) <= 1000),
  check ((released_at is null) = (released_by is null)),
  check ((released_at is null) = (release_reason is null))
);
create index legal_holds_subject_idx on legal_holds (authority_id, subject_type, subject_id) where released_at is null;

-- Records that are never changed once written (a completed conversation version and its children,
-- a MASH response, the MASH's answer to a question, a disagreement stage's response) may have their
-- personal data removed by the deletion above, and by nothing else: inside a transaction that has
-- set front_door.erasure to 'on', an update that changes only the listed columns is let through.
-- Every other update or delete is refused as before.
create function front_door_erasure_only(old_row jsonb, new_row jsonb, personal text[]) returns boolean
language sql stable as $$
  select coalesce(current_setting('front_door.erasure', true), '') = 'on'
     and (old_row - personal) = (new_row - personal)
$$;

create or replace function front_door_protect_completed_version() returns trigger
language plpgsql as $$
begin
  if old.status = 'completed' then
    if tg_op = 'UPDATE' and front_door_erasure_only(to_jsonb(old), to_jsonb(new), array[
      'caller_name', 'caller_role', 'caller_agency_other', 'caller_phone', 'caller_email', 'concern_detail',
      'support_to_date', 'consent_reason_detail', 'worries', 'strengths', 'needs_to_happen', 'amendment_reason']) then
      return new;
    end if;
    raise exception 'completed conversation versions cannot be changed' using errcode = 'P0001';
  end if;
  if tg_op = 'DELETE' then return old; end if;
  return new;
end $$;

create or replace function front_door_protect_completed_children() returns trigger
language plpgsql as $$
declare
  v_status text;
begin
  select status into v_status from conversation_versions
   where conversation_id = coalesce(new.conversation_id, old.conversation_id)
     and version = coalesce(new.version, old.version);
  if v_status = 'completed' then
    if tg_op = 'UPDATE' and front_door_erasure_only(to_jsonb(old), to_jsonb(new), array['where_now', 'disagreement_note', 'next_steps', 'next_steps_by']) then
      return new;
    end if;
    raise exception 'children of a completed conversation version cannot be changed' using errcode = 'P0001';
  end if;
  if tg_op = 'DELETE' then return old; end if;
  return new;
end $$;

create or replace function front_door_mash_response_immutable() returns trigger
language plpgsql as $$
begin
  if tg_op = 'UPDATE' and front_door_erasure_only(to_jsonb(old), to_jsonb(new), array['holds', 'source_system', 'risk_information']) then
    return new;
  end if;
  raise exception 'a MASH check response cannot be changed once submitted: add a correction' using errcode = 'P0001';
end $$;

create or replace function front_door_mash_answer_immutable() returns trigger
language plpgsql as $$
begin
  if tg_op = 'UPDATE' and front_door_erasure_only(to_jsonb(old), to_jsonb(new), array['answer']) then
    return new;
  end if;
  raise exception 'an answer to a partner''s question cannot be changed once sent' using errcode = 'P0001';
end $$;

create or replace function front_door_disagreement_stage_append_only() returns trigger
language plpgsql as $$
begin
  if tg_op = 'UPDATE' and old.responded_at is not null and front_door_erasure_only(to_jsonb(old), to_jsonb(new), array['response']) then
    return new;
  end if;
  if tg_op = 'DELETE' or old.responded_at is not null then
    raise exception 'a disagreement stage''s response cannot be changed or removed' using errcode = 'P0001';
  end if;
  return new;
end $$;
