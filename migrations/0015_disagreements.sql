-- Professional disagreements (issue 8). When a caller does not agree with the outcome recommended for
-- a child, the disagreement is recorded and follows the authority's resolving professional
-- disagreements policy: a stage at a time (the worker, the team manager, the service manager, the
-- head of service), each answered within so many working days, until it is resolved or, after the
-- last stage, closed unresolved.

create sequence disagreement_reference_seq;

create table disagreements (
  id uuid primary key,
  authority_id text not null references authorities (id),
  reference text not null,
  conversation_id uuid not null references conversations (id),
  -- The completed version whose outcome the caller disagreed with.
  conversation_version integer not null,
  person_id uuid not null references persons (id),
  outcome_code text,
  -- What the caller disagrees with, and who the caller is (copied from the conversation, or given by hand).
  disagreement text not null check (length(btrim(disagreement)) > 0),
  caller_name text,
  caller_role text,
  caller_agency_code text,
  source text not null check (source in ('completion', 'by-hand')),
  raised_by uuid references users (id),
  raised_at timestamptz not null,
  status text not null default 'open' check (status in ('open', 'resolved', 'unresolved')),
  current_stage integer not null default 1 check (current_stage >= 1),
  closed_at timestamptz,
  -- Resolved: the outcome agreed. Unresolved: what happens next (say, referred to the partnership).
  closing_note text,
  lock_version integer not null default 0,
  unique (authority_id, reference),
  check ((status = 'open') = (closed_at is null))
);
create index disagreements_status_idx on disagreements (authority_id, status, raised_at);
create index disagreements_conversation_idx on disagreements (conversation_id, person_id);

-- One row per stage reached. A stage's response, once given, is never changed.
create table disagreement_stages (
  id uuid primary key,
  disagreement_id uuid not null references disagreements (id),
  stage integer not null check (stage >= 1),
  stage_code text not null,
  stage_label text not null,
  who text not null,
  working_days integer not null check (working_days >= 1),
  opened_at timestamptz not null,
  due_on date not null,
  due_at timestamptz not null,
  response text,
  result text check (result in ('resolved', 'escalate', 'not-resolved')),
  responded_by uuid references users (id),
  responded_at timestamptz,
  on_time boolean,
  -- When the stage owner was told it is overdue (the overdue job), so they are told once.
  overdue_notified_at timestamptz,
  unique (disagreement_id, stage),
  check ((responded_at is null) = (result is null) and (responded_at is null) = (response is null) and (responded_at is null) = (on_time is null))
);
create index disagreement_stages_due_idx on disagreement_stages (due_at) where responded_at is null;

create function front_door_disagreement_stage_append_only() returns trigger
language plpgsql as $$
begin
  if tg_op = 'DELETE' or old.responded_at is not null then
    raise exception 'a disagreement stage''s response cannot be changed or removed' using errcode = 'P0001';
  end if;
  return new;
end $$;
create trigger disagreement_stages_append_only before update or delete on disagreement_stages
  for each row execute function front_door_disagreement_stage_append_only();
