-- Early Help requests: "For concerns that do not meet the above threshold, Early Help support &
-- guidance can be accessed via Request for support." A conversation whose agreed outcome for a
-- child is an Early Help request opens one request for that child. The CADS worker completes it
-- (family, needs, the family's consent, the lead professional) and sends it to the Early Help
-- team, who accept, decline or close it. A request not yet sent is withdrawn when a correction of
-- the conversation takes the Early Help outcome away from the child. Early Help needs the family's agreement: a request
-- without consent is never sent.

create sequence early_help_reference_seq;

create table early_help_requests (
  id uuid primary key,
  authority_id text not null references authorities (id),
  reference text not null,
  conversation_id uuid not null references conversations (id),
  conversation_version integer not null,
  person_id uuid not null references persons (id),
  status text not null default 'details-needed' check (status in (
    'details-needed', 'consent-not-given', 'sent', 'accepted', 'declined', 'closed', 'withdrawn')),
  -- The household and family members the worker chose; null until the worker has chosen.
  family_member_ids uuid[],
  need_codes text[] not null default '{}',
  needs_detail text,
  consent text check (consent in ('yes', 'no')),
  consent_not_given_reason text,
  lead_name text,
  lead_role text,
  lead_agency text,
  lead_phone text,
  lead_email text,
  created_by uuid references users (id),
  created_at timestamptz not null,
  updated_by uuid references users (id),
  updated_at timestamptz not null,
  sent_by uuid references users (id),
  sent_at timestamptz,
  -- The Early Help team's answer.
  allocated_to text,
  decline_reason_code text,
  decided_note text,
  decided_by uuid references users (id),
  decided_at timestamptz,
  closed_by uuid references users (id),
  closed_at timestamptz,
  lock_version integer not null default 0,
  unique (authority_id, reference),
  unique (conversation_id, person_id),
  check (status <> 'consent-not-given' or (consent = 'no' and consent_not_given_reason is not null)),
  check (status not in ('sent', 'accepted', 'declined', 'closed') or (consent = 'yes' and sent_at is not null)),
  check (status <> 'declined' or decline_reason_code is not null)
);
create index early_help_requests_queue_idx on early_help_requests (authority_id, status, sent_at);
create index early_help_requests_conversation_idx on early_help_requests (conversation_id);
create index early_help_requests_person_idx on early_help_requests (person_id);

-- Every change of status: when, by whom, from what to what, and why.
create table early_help_status_changes (
  id uuid primary key,
  -- The order of changes made in the same instant (a request opened and saved by the demo, say).
  seq bigint generated always as identity,
  request_id uuid not null references early_help_requests (id),
  from_status text,
  to_status text not null,
  note text,
  changed_by uuid references users (id),
  changed_at timestamptz not null
);
create index early_help_status_changes_request_idx on early_help_status_changes (request_id, changed_at);
