-- Front Door foundation: authorities, staff, sessions, people, conversations, decisions, audit.
-- Migrations are never edited after they land; later changes come in new files.

create extension if not exists pg_trgm with schema public;
create extension if not exists fuzzystrmatch with schema public;

-- Authority profiles are reviewed files in config/authorities; the loaded copy lives here so
-- that every row can reference its authority and the profile in force is visible to SQL.
create table authorities (
  id text primary key,
  name text not null,
  profile jsonb not null,
  profile_hash text not null,
  loaded_at timestamptz not null default now()
);

create table teams (
  id uuid primary key,
  authority_id text not null references authorities (id),
  name text not null,
  unique (authority_id, name)
);

create table users (
  id uuid primary key,
  authority_id text not null references authorities (id),
  email text not null,
  display_name text not null,
  role text not null check (role in (
    'cads-worker', 'team-manager', 'mash-coordinator', 'partner-practitioner',
    'edt-worker', 'mi-analyst', 'administrator')),
  agency_code text,
  team_id uuid references teams (id),
  job_title text,
  phone text,
  password_hash text,
  failed_sign_ins integer not null default 0,
  locked_until timestamptz,
  disabled_at timestamptz,
  last_sign_in_at timestamptz,
  created_at timestamptz not null default now(),
  check (role <> 'partner-practitioner' or agency_code is not null)
);
create unique index users_email_key on users (lower(email));
create index users_team_idx on users (team_id);

-- Integrations (telephony, partner systems) call the API with a bearer token; only its hash is kept.
create table service_accounts (
  id uuid primary key,
  authority_id text not null references authorities (id),
  name text not null,
  role text not null check (role in (
    'cads-worker', 'team-manager', 'mash-coordinator', 'partner-practitioner',
    'edt-worker', 'mi-analyst', 'administrator')),
  agency_code text,
  token_hash text not null unique,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

create table sessions (
  id text primary key,
  data jsonb not null,
  user_id uuid references users (id) on delete cascade,
  expires_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index sessions_expires_idx on sessions (expires_at);
create index sessions_user_idx on sessions (user_id);

create table households (
  id uuid primary key,
  authority_id text not null references authorities (id),
  created_at timestamptz not null default now()
);

-- A person is anyone in a child's world; a child is a person under 18 or unborn.
create table persons (
  id uuid primary key,
  authority_id text not null references authorities (id),
  household_id uuid references households (id),
  given_name text,
  family_name text,
  -- Folded names (own names and aliases) for trigram search; maintained by the application.
  name_search text not null default '',
  date_of_birth date,
  expected_date_of_birth date,
  sex text not null default 'U' check (sex in ('M', 'F', 'U')),
  ethnicity text,
  nhs_number text check (nhs_number ~ '^[0-9]{10}$'),
  upn text check (upn ~ '^[A-Z][0-9]{11}[0-9A-Z]$'),
  address_line_1 text,
  address_line_2 text,
  town text,
  postcode text,
  school_setting text,
  gp_practice text,
  first_language text,
  interpreter_needed boolean,
  disability_codes text[] not null default '{}',
  created_at timestamptz not null default now(),
  created_by uuid references users (id),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  check (date_of_birth is null or expected_date_of_birth is null)
);
create index persons_name_trgm_idx on persons using gin (name_search gin_trgm_ops);
create index persons_nhs_idx on persons (authority_id, nhs_number) where nhs_number is not null;
create index persons_dob_idx on persons (authority_id, date_of_birth);
create index persons_postcode_idx on persons (authority_id, postcode);
create index persons_household_idx on persons (household_id);

create table person_aliases (
  id uuid primary key,
  person_id uuid not null references persons (id) on delete cascade,
  given_name text,
  family_name text,
  created_at timestamptz not null default now()
);
create index person_aliases_person_idx on person_aliases (person_id);

-- Read as: related_person is the <relationship_type> of person (e.g. Ann is the mother of Ellie).
create table relationships (
  id uuid primary key,
  authority_id text not null references authorities (id),
  person_id uuid not null references persons (id),
  related_person_id uuid not null references persons (id),
  relationship_type text not null,
  lives_with_child boolean not null,
  notes text,
  created_at timestamptz not null default now(),
  created_by uuid references users (id),
  unique (person_id, related_person_id),
  check (person_id <> related_person_id)
);
create index relationships_related_idx on relationships (related_person_id);

create sequence conversation_reference_seq;

create table conversations (
  id uuid primary key,
  authority_id text not null references authorities (id),
  reference text not null,
  status text not null check (status in ('draft', 'completed')),
  -- For a draft, the draft version; once completed, the latest completed version.
  current_version integer not null default 1,
  service text not null default 'cads' check (service in ('cads', 'edt')),
  worker_id uuid not null references users (id),
  team_id uuid references teams (id),
  started_at timestamptz not null,
  completed_at timestamptz,
  decision_due_at timestamptz,
  lock_version integer not null default 0,
  created_at timestamptz not null default now(),
  unique (authority_id, reference)
);
create index conversations_worker_idx on conversations (worker_id, status);
create index conversations_team_idx on conversations (team_id, status);
create index conversations_due_idx on conversations (authority_id, decision_due_at) where decision_due_at is not null;

create table conversation_versions (
  conversation_id uuid not null references conversations (id),
  version integer not null,
  status text not null check (status in ('draft', 'completed')),
  amendment_reason text,
  caller_name text,
  caller_role text,
  caller_agency_code text,
  caller_agency_other text,
  caller_phone text,
  caller_email text,
  caller_type text check (caller_type in ('professional', 'public')),
  concern_categories text[] not null default '{}',
  concern_detail text,
  immediacy text,
  support_to_date text,
  parents_informed text check (parents_informed in ('yes', 'no')),
  consent_given text check (consent_given in ('yes', 'no')),
  consent_reason_codes text[] not null default '{}',
  consent_reason_detail text,
  lawful_basis_code text,
  worries text,
  strengths text,
  needs_to_happen text,
  created_by uuid not null references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  completed_by uuid references users (id),
  completed_at timestamptz,
  primary key (conversation_id, version),
  check (status = 'draft' or completed_at is not null),
  check (consent_given is distinct from 'no' or status = 'draft' or cardinality(consent_reason_codes) > 0)
);

create table conversation_children (
  conversation_id uuid not null,
  version integer not null,
  person_id uuid not null references persons (id),
  position integer not null,
  where_now text,
  safe_tonight text check (safe_tonight in ('yes', 'no', 'unknown')),
  outcome_code text,
  caller_agreed boolean,
  disagreement_note text,
  next_steps text,
  next_steps_by text,
  level_code text,
  primary key (conversation_id, version, person_id),
  foreign key (conversation_id, version) references conversation_versions (conversation_id, version)
);
create index conversation_children_person_idx on conversation_children (person_id);

-- A completed version is the record the caller was given: it can never change or go away.
create function front_door_protect_completed_version() returns trigger
language plpgsql as $$
begin
  if old.status = 'completed' then
    raise exception 'completed conversation versions cannot be changed' using errcode = 'P0001';
  end if;
  if tg_op = 'DELETE' then return old; end if;
  return new;
end $$;
create trigger conversation_versions_protect before update or delete on conversation_versions
  for each row execute function front_door_protect_completed_version();

create function front_door_protect_completed_children() returns trigger
language plpgsql as $$
declare
  v_status text;
begin
  select status into v_status from conversation_versions
   where conversation_id = coalesce(new.conversation_id, old.conversation_id)
     and version = coalesce(new.version, old.version);
  if v_status = 'completed' then
    raise exception 'children of a completed conversation version cannot be changed' using errcode = 'P0001';
  end if;
  if tg_op = 'DELETE' then return old; end if;
  return new;
end $$;
create trigger conversation_children_protect before insert or update or delete on conversation_children
  for each row execute function front_door_protect_completed_children();

-- The service's decision on a child after a conversation whose outcome needs one.
create table decisions (
  id uuid primary key,
  authority_id text not null references authorities (id),
  conversation_id uuid not null references conversations (id),
  person_id uuid not null references persons (id),
  decision_code text not null,
  rationale text not null,
  decided_by uuid not null references users (id),
  decided_at timestamptz not null,
  unique (conversation_id, person_id)
);

-- Rules from the authority profile that fired on a child's chronology, kept for MI.
create table accumulation_flags (
  id uuid primary key,
  authority_id text not null references authorities (id),
  person_id uuid not null references persons (id),
  rule_key text not null,
  message text not null,
  conversation_id uuid not null references conversations (id),
  raised_at timestamptz not null,
  unique (person_id, rule_key, conversation_id)
);

-- Append-only: who did what to which record, when and from where.
create table audit_events (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null default now(),
  authority_id text,
  actor_user_id uuid,
  actor_service_account_id uuid,
  actor_role text,
  action text not null,
  entity_type text not null,
  entity_id text,
  person_id uuid,
  conversation_id uuid,
  details jsonb not null default '{}',
  ip text,
  request_id text
);
create index audit_events_person_idx on audit_events (person_id, occurred_at) where person_id is not null;
create index audit_events_actor_idx on audit_events (actor_user_id, occurred_at);
create index audit_events_conversation_idx on audit_events (conversation_id) where conversation_id is not null;

create function front_door_audit_append_only() returns trigger
language plpgsql as $$
begin
  raise exception 'the audit log is append-only' using errcode = 'P0001';
end $$;
create trigger audit_events_append_only before update or delete on audit_events
  for each row execute function front_door_audit_append_only();
create trigger audit_events_no_truncate before truncate on audit_events
  for each statement execute function front_door_audit_append_only();
