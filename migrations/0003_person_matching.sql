-- Person matching: standardised values stored beside the raw ones, blocking keys for
-- candidate generation, name frequencies for term-frequency adjustment, the duplicate
-- review queue, and reversible merges.
--
-- The standardised columns are computed by the application (src/domain/matching/standardise.ts)
-- because they need the nickname list and Double Metaphone. std_version records which rules
-- produced them; when the rules change the version is bumped and the service recomputes every
-- person whose std_version is older before it starts serving (see restandardise in
-- src/features/matching/matching.service.ts).

alter table persons
  add column given_fold text,
  add column family_fold text,
  add column name_placeholder boolean not null default false,
  add column postcode_outward text,
  add column postcode_sector text,
  add column match_std jsonb not null default '{}',
  add column match_keys text[] not null default '{}',
  add column std_version integer not null default 0,
  add column merged_into_id uuid references persons (id),
  add column merged_at timestamptz,
  add check (merged_into_id is null or merged_into_id <> id);

create index persons_match_keys_idx on persons using gin (match_keys);
create index persons_sector_idx on persons (authority_id, postcode_sector) where postcode_sector is not null;
create index persons_merged_into_idx on persons (merged_into_id) where merged_into_id is not null;
create index persons_std_version_idx on persons (std_version);

-- How often each folded name occurs, for term-frequency adjustment ("Smith" agreeing says less than "Przybylski").
-- field is 'given' or 'family'; the row with field '*' and value '*' holds the number of people.
create table name_frequencies (
  authority_id text not null references authorities (id),
  field text not null check (field in ('given', 'family', '*')),
  value text not null,
  n integer not null,
  primary key (authority_id, field, value)
);

-- A merge links the duplicate record to the surviving one; nothing is rewritten or deleted,
-- so undoing it restores both records exactly.
create table person_merges (
  id uuid primary key,
  authority_id text not null references authorities (id),
  survivor_id uuid not null references persons (id),
  merged_id uuid not null references persons (id),
  reason text not null,
  merged_by uuid references users (id),
  merged_at timestamptz not null,
  unmerged_by uuid references users (id),
  unmerged_at timestamptz,
  unmerge_reason text,
  check (survivor_id <> merged_id),
  check ((unmerged_at is null) = (unmerged_by is null))
);
create unique index person_merges_active_idx on person_merges (merged_id) where unmerged_at is null;
create index person_merges_survivor_idx on person_merges (survivor_id);

-- Possible duplicates found by the background job, for a worker to review. Never merged automatically.
create table duplicate_candidates (
  id uuid primary key,
  authority_id text not null references authorities (id),
  person_a_id uuid not null references persons (id),
  person_b_id uuid not null references persons (id),
  probability double precision not null,
  match_weight double precision not null,
  reasons jsonb not null default '[]',
  status text not null default 'open' check (status in ('open', 'merged', 'not-same', 'superseded')),
  found_at timestamptz not null,
  decided_by uuid references users (id),
  decided_at timestamptz,
  decision_note text,
  check (person_a_id < person_b_id),
  unique (person_a_id, person_b_id)
);
create index duplicate_candidates_open_idx on duplicate_candidates (authority_id, probability desc) where status = 'open';

-- When the duplicate scan last finished, per authority, so the next run can look only at people changed since.
create table duplicate_scans (
  authority_id text primary key references authorities (id),
  last_started_at timestamptz,
  last_finished_at timestamptz,
  people_scanned integer not null default 0,
  pairs_found integer not null default 0
);
