-- The professional directory: the professionals who phone the service, per authority, so a repeat
-- caller is recognised and the worker confirms their details instead of typing them again.
-- Callers are not persons in a child's record: this is a list of contacts, learned from completed
-- conversations with a professional (never a member of the public), corrected and merged by workers.

create table professionals (
  id uuid primary key,
  authority_id text not null references authorities (id),
  name text not null check (length(btrim(name)) > 0),
  -- An agency code from the authority profile's list ('other' with agency_other for anything else).
  agency_code text,
  agency_other text,
  role text,
  team text,
  -- The phone number as shown ('07700 900982') and its E.164 form, which is what is matched.
  phone text,
  phone_e164 text,
  -- Always lower-case, so that matching is exact.
  email text check (email is null or email = lower(email)),
  -- When the details now held were given: a later conversation updates them, an older one
  -- (a late amendment, say) does not overwrite newer details.
  details_as_of timestamptz not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  -- A merged entry points at the entry kept; its conversations have moved there.
  merged_into uuid references professionals (id),
  merged_at timestamptz,
  merged_by uuid references users (id),
  merge_reason text,
  check (merged_into is null or merged_into <> id),
  check ((merged_into is null) = (merged_at is null))
);
create index professionals_phone_idx on professionals (authority_id, phone_e164) where phone_e164 is not null;
create index professionals_email_idx on professionals (authority_id, email) where email is not null;
create index professionals_name_idx on professionals (authority_id, lower(name));
create index professionals_merged_idx on professionals (merged_into) where merged_into is not null;

-- Which professional a conversation was with: one per conversation (the caller of its latest
-- completed version). A link table rather than a column, so the conversations table is untouched.
create table conversation_professionals (
  conversation_id uuid primary key references conversations (id),
  professional_id uuid not null references professionals (id),
  authority_id text not null references authorities (id),
  linked_at timestamptz not null
);
create index conversation_professionals_professional_idx on conversation_professionals (professional_id);

-- Every change to an entry, with what changed (field → { from, to }), shown on the entry's page:
-- added or updated from a conversation, corrected by a worker (with the reason), merged.
create table professional_changes (
  id uuid primary key,
  professional_id uuid not null references professionals (id),
  kind text not null check (kind in ('created', 'learned', 'corrected', 'merged-in', 'merged-away')),
  changes jsonb not null default '{}',
  conversation_id uuid references conversations (id),
  other_professional_id uuid references professionals (id),
  reason text,
  changed_by uuid references users (id),
  changed_at timestamptz not null
);
create index professional_changes_professional_idx on professional_changes (professional_id, changed_at);
