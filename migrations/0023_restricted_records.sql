-- issue10-F: restricted records ("break glass").
--
-- A team manager or an administrator restricts a child's record, or the child's whole household,
-- to named users: a staff member's own family, a child in the news. Everyone else still sees that
-- a record exists (search, lists, a conversation's children) but not who it is, and must give a
-- reason to open it. The reason is kept here and in the audit log; opening gives that user access
-- to the restriction for a fixed time (8 hours, see ADR 0020) and tells the record's owner and a
-- manager.

create table record_restrictions (
  id uuid primary key,
  authority_id text not null references authorities (id),
  -- The child (or other person) the restriction was set on. For a household restriction, the
  -- household is this person's household as it is now, so people who join it later are covered.
  person_id uuid not null references persons (id),
  scope text not null check (scope in ('person', 'household')),
  reason text not null check (length(reason) between 1 and 2000),
  -- Who answers for the restricted record: always one of the named users; told when someone
  -- else opens it.
  owner_id uuid not null references users (id),
  restricted_by uuid references users (id),
  restricted_at timestamptz not null,
  updated_at timestamptz not null,
  -- Optimistic locking for the change form: two managers never overwrite each other silently.
  version integer not null default 1,
  lifted_at timestamptz,
  lifted_by uuid references users (id),
  lift_reason text,
  check ((lifted_at is null) = (lift_reason is null))
);
-- One restriction in force per person it was set on; lifted ones stay as history.
create unique index record_restrictions_one_active on record_restrictions (person_id) where lifted_at is null;
create index record_restrictions_authority_idx on record_restrictions (authority_id) where lifted_at is null;

-- The users who may open the record without giving a reason.
create table record_restriction_users (
  restriction_id uuid not null references record_restrictions (id) on delete cascade,
  user_id uuid not null references users (id),
  added_by uuid references users (id),
  added_at timestamptz not null,
  primary key (restriction_id, user_id)
);
create index record_restriction_users_user_idx on record_restriction_users (user_id);

-- "Break glass": a user not on the list gave a reason and may open the restricted record until
-- expires_at. Never changed or deleted: it is part of the record of who saw what and why.
create table restricted_access_grants (
  id uuid primary key,
  authority_id text not null references authorities (id),
  restriction_id uuid not null references record_restrictions (id),
  user_id uuid not null references users (id),
  reason text not null check (length(reason) between 1 and 1000),
  -- What they were opening when they gave the reason (a page's address, ids only).
  opened_path text not null check (length(opened_path) <= 300),
  granted_at timestamptz not null,
  expires_at timestamptz not null,
  check (expires_at > granted_at)
);
create index restricted_access_grants_user_idx on restricted_access_grants (user_id, expires_at);
create index restricted_access_grants_restriction_idx on restricted_access_grants (restriction_id, granted_at);
