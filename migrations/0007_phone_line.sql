-- The phone line: calls from the switch (Twilio or any CTI), the queue, callbacks, workers'
-- presence for the wallboard, the Emergency Duty Team's handover, and versioned authority profiles.

-- Every version of an authority's profile that has ever been loaded, so an administrator can see
-- what changed and when. A profile that goes back to an earlier text gets a new version.
create table authority_profile_versions (
  authority_id text not null references authorities (id),
  version integer not null,
  profile jsonb not null,
  profile_hash text not null,
  loaded_at timestamptz not null default now(),
  primary key (authority_id, version)
);
insert into authority_profile_versions (authority_id, version, profile, profile_hash, loaded_at)
  select id, 1, profile, profile_hash, loaded_at from authorities;

-- One phone call, from the moment the switch offers it to the moment it ends.
create table calls (
  id uuid primary key,
  authority_id text not null references authorities (id),
  -- Who told us about it: Twilio's webhooks, or another switch through the CTI event API.
  source text not null check (source in ('twilio', 'cti')),
  -- The switch's own id for the call (Twilio's CallSid): with source, unique.
  external_id text not null,
  line_id text not null,
  -- The number dialled and the caller's number, both E.164; the caller's is null when withheld.
  dialled_number text not null,
  caller_number text,
  option_digit text,
  queue_code text,
  state text not null check (state in ('menu', 'queued', 'connected', 'ended')),
  outcome text check (outcome in ('answered', 'abandoned', 'out-of-hours', 'closed', 'callback', 'transferred', 'no-option', 'failed')),
  offered_at timestamptz not null,
  queued_at timestamptz,
  answered_at timestamptz,
  ended_at timestamptz,
  worker_id uuid references users (id),
  transferred_to text,
  conversation_id uuid references conversations (id),
  updated_at timestamptz not null,
  unique (source, external_id),
  check (state <> 'ended' or (ended_at is not null and outcome is not null)),
  check (answered_at is null or worker_id is not null or source = 'cti')
);
create index calls_live_idx on calls (authority_id, state) where state <> 'ended';
create index calls_offered_idx on calls (authority_id, offered_at);
create index calls_worker_idx on calls (worker_id, answered_at);

-- What happened to a call, in order: the story behind its row in calls.
create table call_events (
  id bigserial primary key,
  call_id uuid not null references calls (id),
  kind text not null,
  at timestamptz not null,
  worker_id uuid references users (id),
  detail jsonb not null default '{}'
);
create index call_events_call_idx on call_events (call_id, id);

-- Switches send the same webhook again when they do not hear back in time. The first answer is
-- kept and given again, and nothing changes twice.
create table webhook_receipts (
  key text primary key,
  source text not null,
  received_at timestamptz not null,
  status integer not null,
  content_type text not null,
  body text not null
);
create index webhook_receipts_received_idx on webhook_receipts (received_at);

-- A caller who waited too long left their number: a worker rings them back.
create table callbacks (
  id uuid primary key,
  authority_id text not null references authorities (id),
  call_id uuid references calls (id),
  queue_code text not null,
  number text not null,
  requested_at timestamptz not null,
  status text not null check (status in ('waiting', 'in-progress', 'done', 'cancelled')),
  claimed_by uuid references users (id),
  claimed_at timestamptz,
  finished_at timestamptz,
  result text check (result in ('spoke', 'no-answer', 'not-needed')),
  conversation_id uuid references conversations (id),
  unique (call_id)
);
create index callbacks_waiting_idx on callbacks (authority_id, status, requested_at) where status in ('waiting', 'in-progress');

-- Each worker's own status on the phone line.
create table worker_presence (
  user_id uuid primary key references users (id),
  authority_id text not null references authorities (id),
  status text not null check (status in ('available', 'on-call', 'wrap-up', 'away', 'offline')),
  since timestamptz not null,
  call_id uuid references calls (id)
);
create index worker_presence_authority_idx on worker_presence (authority_id, status);

-- Every change the live queue shows adds a row here, in the same transaction as the change, so every
-- app instance can tell that its wallboards are out of date (by LISTEN/NOTIFY where the engine has
-- it, by reading the new rows where it does not). Rows are only ever added (ids come from a
-- sequence, which takes no row lock), so busy webhooks never queue behind one another here; the
-- nightly tidy deletes old ones.
create table live_signals (
  id bigserial primary key,
  authority_id text not null references authorities (id),
  at timestamptz not null default now()
);

-- Out-of-hours conversations and the next working day's handover to CADS.
alter table conversations
  add column out_of_hours boolean not null default false,
  add column handover_due_at timestamptz,
  add column handover_accepted_by uuid references users (id),
  add column handover_accepted_at timestamptz;
alter table conversations add constraint conversations_handover_check
  check ((handover_accepted_at is null) = (handover_accepted_by is null));
create index conversations_handover_idx on conversations (authority_id, handover_due_at)
  where out_of_hours and handover_accepted_at is null;

-- Recognising a caller by number: earlier conversations' numbers, digits only.
create index conversation_versions_caller_digits_idx
  on conversation_versions ((regexp_replace(caller_phone, '[^0-9]', '', 'g')))
  where caller_phone is not null;

-- A telephone switch has its own kind of service account: it can post call events and nothing else.
alter table service_accounts drop constraint service_accounts_role_check;
alter table service_accounts add constraint service_accounts_role_check check (role in (
  'cads-worker', 'team-manager', 'mash-coordinator', 'partner-practitioner',
  'edt-worker', 'mi-analyst', 'administrator', 'telephony-switch'));
