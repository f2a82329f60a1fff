-- The MASH: multi-agency checks for the children most at risk. An enquiry (from a conversation whose
-- outcome is MASH checks, or opened by a manager) is rated red, amber or green; the rating sets the
-- deadline; partner agencies each answer a check request; a MASH social worker collates and a team
-- manager decides.

create sequence mash_reference_seq;

create table mash_enquiries (
  id uuid primary key,
  authority_id text not null references authorities (id),
  hub_id text not null,
  reference text not null,
  conversation_id uuid references conversations (id),
  reason text not null,
  questions text not null,
  rag text check (rag in ('red', 'amber', 'green')),
  rated_at timestamptz,
  rated_by uuid references users (id),
  -- The decision deadline from the rating, counted from created_at on the rating's clock.
  due_at timestamptz,
  status text not null default 'awaiting-rating' check (status in ('awaiting-rating', 'checks', 'collation', 'decision', 'closed')),
  analysis_risks text,
  analysis_strengths text,
  analysis_unknowns text,
  analysed_by uuid references users (id),
  analysed_at timestamptz,
  decision_code text,
  decision_rationale text,
  decided_by uuid references users (id),
  decided_at timestamptz,
  created_by uuid references users (id),
  created_at timestamptz not null,
  lock_version integer not null default 0,
  unique (authority_id, reference),
  check (rag is null or due_at is not null),
  check (status <> 'closed' or decision_code is not null)
);
create index mash_enquiries_status_idx on mash_enquiries (authority_id, status, due_at);
create index mash_enquiries_conversation_idx on mash_enquiries (conversation_id) where conversation_id is not null;

create table mash_enquiry_children (
  enquiry_id uuid not null references mash_enquiries (id),
  person_id uuid not null references persons (id),
  primary key (enquiry_id, person_id)
);

-- Every rating and every change to it, with why it changed and what it did to the deadline.
create table mash_rating_changes (
  id uuid primary key,
  enquiry_id uuid not null references mash_enquiries (id),
  from_rag text check (from_rag in ('red', 'amber', 'green')),
  to_rag text not null check (to_rag in ('red', 'amber', 'green')),
  reason text,
  changed_by uuid references users (id),
  changed_at timestamptz not null,
  due_before timestamptz,
  due_after timestamptz not null,
  check (from_rag is null or (reason is not null and length(btrim(reason)) > 0))
);
create index mash_rating_changes_enquiry_idx on mash_rating_changes (enquiry_id, changed_at);

create table mash_check_requests (
  id uuid primary key,
  enquiry_id uuid not null references mash_enquiries (id),
  authority_id text not null references authorities (id),
  agency_code text not null,
  due_at timestamptz not null,
  sent_at timestamptz not null,
  sent_by uuid references users (id),
  status text not null default 'open' check (status in ('open', 'answered', 'withdrawn')),
  answered_at timestamptz,
  overdue_alerted_at timestamptz,
  unique (enquiry_id, agency_code)
);
create index mash_check_requests_open_idx on mash_check_requests (authority_id, agency_code, due_at) where status = 'open';
create index mash_check_requests_due_idx on mash_check_requests (due_at) where status = 'open';

-- What an agency said. Never changed or removed: a correction is a new row pointing at the one it corrects.
create table mash_check_responses (
  id uuid primary key,
  request_id uuid not null references mash_check_requests (id),
  kind text not null check (kind in ('response', 'question', 'correction')),
  nothing_known boolean not null default false,
  holds text,
  source_system text,
  checked_on date,
  risk_information text,
  lawful_basis_code text,
  corrects_id uuid references mash_check_responses (id),
  responded_by uuid not null references users (id),
  responded_at timestamptz not null,
  check ((kind = 'correction') = (corrects_id is not null))
);
create index mash_check_responses_request_idx on mash_check_responses (request_id, responded_at);

create function front_door_mash_response_immutable() returns trigger
language plpgsql as $$
begin
  raise exception 'a MASH check response cannot be changed once submitted: add a correction' using errcode = 'P0001';
end $$;
create trigger mash_check_responses_immutable before update or delete on mash_check_responses
  for each row execute function front_door_mash_response_immutable();
create trigger mash_check_responses_no_truncate before truncate on mash_check_responses
  for each statement execute function front_door_mash_response_immutable();
