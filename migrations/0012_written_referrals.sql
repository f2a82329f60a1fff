-- Written referrals from emergency services. The services no longer take written referrals, "with
-- the exception of referrals from emergency services": police and ambulance practitioners (on a
-- page) and their systems (through the API, say a police PPN feed) send one; it waits in the CADS
-- queue with its own deadline until a worker matches each child to a record and either phones the
-- referrer back (a conversation linked to the referral) or records a decision.

create sequence referral_reference_seq;

create table referrals (
  id uuid primary key,
  authority_id text not null references authorities (id),
  reference text not null,
  -- The sending agency (the sender's agency code) and its CIN census referral source code.
  agency_code text not null,
  referral_source text not null,
  channel text not null check (channel in ('page', 'api')),
  submitted_by_user_id uuid references users (id),
  submitted_by_service_account_id uuid references service_accounts (id),
  referrer_name text not null,
  referrer_role text,
  referrer_phone text,
  referrer_email text,
  -- The sender's own incident number (police occurrence or PPN number, ambulance incident number),
  -- and the same folded to upper case without spaces, which finds the same incident sent twice.
  incident_reference text not null,
  incident_reference_key text not null,
  incident_at timestamptz not null,
  incident_place text not null,
  incident_postcode text,
  concern_categories text[] not null default '{}',
  what_happened text not null,
  immediacy text not null check (immediacy in ('immediate', 'soon', 'not-immediate')),
  parents_informed text not null check (parents_informed in ('yes', 'no')),
  consent_given text not null check (consent_given in ('yes', 'no')),
  consent_reason_codes text[] not null default '{}',
  consent_reason_detail text,
  lawful_basis_code text,
  received_at timestamptz not null,
  due_at timestamptz not null,
  status text not null default 'waiting' check (status in ('waiting', 'conversation', 'decided', 'duplicate')),
  -- A likely duplicate (same child, incident close in time and place, but another incident reference).
  possible_duplicate_of uuid references referrals (id),
  duplicate_resolution text check (duplicate_resolution in ('same', 'different')),
  duplicate_resolved_by uuid references users (id),
  duplicate_resolved_at timestamptz,
  conversation_id uuid references conversations (id),
  decision_code text,
  decision_rationale text,
  closed_by uuid references users (id),
  closed_at timestamptz,
  lock_version integer not null default 0,
  unique (authority_id, reference),
  check (submitted_by_user_id is not null or submitted_by_service_account_id is not null),
  check (status <> 'conversation' or conversation_id is not null),
  check (status <> 'decided' or (decision_code is not null and decision_rationale is not null)),
  check (status <> 'duplicate' or possible_duplicate_of is not null)
);
-- The same incident from the same agency is one referral, however many times it is sent.
create unique index referrals_incident_idx on referrals (authority_id, agency_code, incident_reference_key);
create index referrals_queue_idx on referrals (authority_id, status, due_at);
create index referrals_conversation_idx on referrals (conversation_id) where conversation_id is not null;
create index referrals_incident_time_idx on referrals (authority_id, incident_at);

-- The children a referral is about, as the sender gave them, and the record each was matched to.
create table referral_children (
  id uuid primary key,
  referral_id uuid not null references referrals (id),
  position integer not null,
  given_name text,
  family_name text,
  date_of_birth date,
  expected_date_of_birth date,
  address_line_1 text,
  town text,
  postcode text,
  where_now text not null,
  -- The matching engine's very likely record at receipt (a suggestion only), and the record a worker confirmed.
  suggested_person_id uuid references persons (id),
  person_id uuid references persons (id),
  matched_by uuid references users (id),
  matched_at timestamptz,
  unique (referral_id, position),
  check (given_name is not null or family_name is not null or expected_date_of_birth is not null)
);
create index referral_children_person_idx on referral_children (person_id) where person_id is not null;
create index referral_children_suggested_idx on referral_children (suggested_person_id) where suggested_person_id is not null;

-- Each time the same incident arrived again: one row per repeat, shown on the referral.
create table referral_repeats (
  id uuid primary key,
  referral_id uuid not null references referrals (id),
  received_at timestamptz not null,
  channel text not null check (channel in ('page', 'api')),
  submitted_by_user_id uuid references users (id),
  submitted_by_service_account_id uuid references service_accounts (id)
);
create index referral_repeats_referral_idx on referral_repeats (referral_id, received_at);
