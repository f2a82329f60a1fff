-- The written record sent to the caller after each completed version, its delivery,
-- the caller survey, and the worker's tasks (for example: phone the caller, the email bounced).

create table written_records (
  id uuid primary key,
  authority_id text not null references authorities (id),
  conversation_id uuid not null references conversations (id),
  version integer not null,
  amended boolean not null,
  recipient text not null,
  -- Why this send exists: the completion itself, a resend, or an extra address the worker added.
  reason text not null check (reason in ('completed', 'amended', 'resend', 'extra-address')),
  status text not null default 'queued' check (status in ('queued', 'sending', 'sent', 'delivered', 'failed')),
  provider text,
  provider_message_id text,
  attempts integer not null default 0,
  -- When a sender last took the record: another may take it over only once this is stale.
  claimed_at timestamptz,
  -- A category or provider code only: never the message, which could hold personal data.
  last_error text,
  requested_by uuid references users (id),
  queued_at timestamptz not null,
  sent_at timestamptz,
  delivered_at timestamptz,
  failed_at timestamptz,
  foreign key (conversation_id, version) references conversation_versions (conversation_id, version)
);
create index written_records_conversation_idx on written_records (conversation_id, version);
create index written_records_provider_idx on written_records (provider_message_id) where provider_message_id is not null;

-- Survey links are HMACs of the written record id: only their hash is kept here.
create table survey_invitations (
  token_hash text primary key,
  authority_id text not null references authorities (id),
  written_record_id uuid not null unique references written_records (id),
  conversation_id uuid not null references conversations (id),
  worker_id uuid not null references users (id),
  team_id uuid references teams (id),
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);
create index survey_invitations_conversation_idx on survey_invitations (conversation_id);
create index survey_invitations_authority_idx on survey_invitations (authority_id, created_at);

create table survey_responses (
  id uuid primary key,
  authority_id text not null references authorities (id),
  invitation_token_hash text not null unique references survey_invitations (token_hash),
  conversation_id uuid not null references conversations (id),
  worker_id uuid not null references users (id),
  team_id uuid references teams (id),
  submitted_at timestamptz not null,
  answers jsonb not null
);
create index survey_responses_authority_idx on survey_responses (authority_id, submitted_at);

create table tasks (
  id uuid primary key,
  authority_id text not null references authorities (id),
  assigned_to uuid not null references users (id),
  kind text not null check (kind in ('delivery-failed')),
  conversation_id uuid references conversations (id),
  written_record_id uuid references written_records (id),
  detail text not null,
  created_at timestamptz not null,
  done_at timestamptz,
  done_by uuid references users (id)
);
create index tasks_assignee_idx on tasks (assigned_to) where done_at is null;
create unique index tasks_one_open_per_record on tasks (written_record_id) where done_at is null;

-- The local mailbox: what the embedded demo (and anyone without a mail provider) would have sent.
create table mailbox_messages (
  id uuid primary key,
  authority_id text not null references authorities (id),
  written_record_id uuid not null unique references written_records (id),
  to_address text not null,
  subject text not null,
  html text not null,
  text_body text not null,
  pdf bytea not null,
  pdf_filename text not null,
  created_at timestamptz not null
);
