-- Allocated workers: "If the child, young person or family have an allocated worker, please
-- contact them directly." A child may have an allocated social worker or family practitioner,
-- with their team and how to reach them, and (when they use Front Door) a link to their user.
-- Allocations are never deleted: an ended allocation keeps its end date, so the history stays.
create table worker_allocations (
  id uuid primary key,
  authority_id text not null references authorities (id),
  person_id uuid not null references persons (id),
  kind text not null check (kind in ('social-worker', 'family-practitioner')),
  worker_name text not null check (length(worker_name) between 1 and 200),
  team text not null check (length(team) between 1 and 200),
  phone text not null check (length(phone) between 1 and 40),
  email text not null check (length(email) between 3 and 320),
  user_id uuid references users (id),
  start_date date not null,
  end_date date,
  end_reason text,
  ended_at timestamptz,
  ended_by uuid references users (id),
  created_by uuid references users (id),
  created_at timestamptz not null,
  updated_by uuid references users (id),
  updated_at timestamptz not null,
  check ((ended_at is null) = (end_date is null)),
  check (end_date is null or end_date >= start_date)
);
-- A child has at most one current allocated worker: a new one replaces the old.
create unique index worker_allocations_one_current on worker_allocations (person_id) where ended_at is null;
create index worker_allocations_person_idx on worker_allocations (authority_id, person_id);
create index worker_allocations_user_idx on worker_allocations (user_id) where user_id is not null;

-- A conversation passed to a child's allocated worker: one row per child, naming the allocation
-- it went to. The worker is emailed (notifications.subject_type 'allocated-worker-notice') and,
-- when they use Front Door, given a task (tasks.subject_type the same) until they acknowledge it.
create table allocated_worker_notices (
  id uuid primary key,
  authority_id text not null references authorities (id),
  conversation_id uuid not null references conversations (id),
  version integer not null,
  person_id uuid not null references persons (id),
  allocation_id uuid not null references worker_allocations (id),
  notified_at timestamptz not null,
  notified_by uuid references users (id),
  acknowledged_at timestamptz,
  acknowledged_by uuid references users (id),
  check ((acknowledged_at is null) = (acknowledged_by is null)),
  -- A corrected version with the same outcome does not tell the same worker twice.
  unique (conversation_id, person_id, allocation_id)
);
create index allocated_worker_notices_allocation_idx on allocated_worker_notices (allocation_id);
create index allocated_worker_notices_person_idx on allocated_worker_notices (person_id);
