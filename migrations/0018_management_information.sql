-- Management information (issue 9). The dashboard reads a summary table kept up to date as
-- conversations change, never the conversation tables themselves.
--
-- mi_conversation_facts: one row per child of each completed conversation (its current version),
-- with every dimension the dashboard filters on and every measure it counts, worked out once when
-- the conversation changes. A conversation about three children is three rows; `first_child`
-- marks one of them so that conversations are counted once.
create table mi_conversation_facts (
  conversation_id uuid not null references conversations (id),
  person_id uuid not null references persons (id),
  authority_id text not null references authorities (id),
  -- The London date the conversation started, and the Monday of its week.
  day date not null,
  week date not null,
  reference text not null,
  team_id uuid references teams (id),
  worker_id uuid not null references users (id),
  service text not null,
  out_of_hours boolean not null,
  caller_type text,
  caller_agency_code text,
  concern_categories text[] not null default '{}',
  level_code text,
  outcome_code text,
  first_child boolean not null,
  -- From the authority profile's outcome when the row was made.
  social_care_referral boolean not null,
  requires_decision boolean not null,
  decision_code text,
  decision_due_at timestamptz,
  decided_at timestamptz,
  parents_informed text,
  consent_given text,
  consent_reason_codes text[] not null default '{}',
  -- Another completed conversation about this child in the 365 days before this one started.
  repeat_within_12_months boolean not null,
  accumulation_flags integer not null default 0,
  handover_due_at timestamptz,
  handover_accepted_at timestamptz,
  refreshed_at timestamptz not null,
  primary key (conversation_id, person_id)
);
create index mi_facts_day_idx on mi_conversation_facts (authority_id, day);
create index mi_facts_person_idx on mi_conversation_facts (person_id, day);

-- Conversations whose facts must be (re)made: marked by triggers in the transaction that changes
-- them, taken by the refresh job. A conversation marked twice is one row.
create table mi_dirty_conversations (
  conversation_id uuid primary key references conversations (id),
  marked_at timestamptz not null default now()
);

-- When each authority's figures were last brought up to date ("as of 09:14" on the page).
create table mi_refresh_state (
  authority_id text primary key references authorities (id),
  refreshed_at timestamptz not null
);

create function mi_mark_conversation() returns trigger language plpgsql as $$
begin
  if new.status = 'completed' then
    insert into mi_dirty_conversations (conversation_id) values (new.id) on conflict do nothing;
  end if;
  return new;
end $$;

create trigger mi_conversations_changed after insert or update of status, current_version, handover_accepted_at, team_id on conversations
  for each row execute function mi_mark_conversation();

create function mi_mark_decision() returns trigger language plpgsql as $$
begin
  insert into mi_dirty_conversations (conversation_id) values (new.conversation_id) on conflict do nothing;
  return new;
end $$;

create trigger mi_decisions_changed after insert or update on decisions
  for each row execute function mi_mark_decision();

-- Everything completed so far is made once by the first refresh.
insert into mi_dirty_conversations (conversation_id) select id from conversations where status = 'completed';

-- The record a person was finally merged into (or the person), so that a child's conversations
-- before and after a merge count as the same child's.
create function mi_final_person(p uuid) returns uuid language plpgsql stable as $$
declare
  cur uuid := p;
  nxt uuid;
  hops integer := 0;
begin
  loop
    select merged_into_id into nxt from persons where id = cur;
    exit when nxt is null or hops > 20;
    cur := nxt;
    hops := hops + 1;
  end loop;
  return cur;
end $$;

alter table mi_conversation_facts add column child_key uuid not null, add column started_at timestamptz not null;
create index mi_facts_child_idx on mi_conversation_facts (child_key, started_at);

-- A merge (or an unmerge) changes which conversations are the same child's.
create function mi_mark_person() returns trigger language plpgsql as $$
begin
  insert into mi_dirty_conversations (conversation_id)
    select distinct cc.conversation_id from conversation_children cc join conversations c on c.id = cc.conversation_id
    where cc.person_id in (new.id, coalesce(new.merged_into_id, new.id), coalesce(old.merged_into_id, old.id)) and c.status = 'completed'
  on conflict do nothing;
  return new;
end $$;

create trigger mi_persons_merged after update of merged_into_id on persons
  for each row when (new.merged_into_id is distinct from old.merged_into_id) execute function mi_mark_person();

-- A short number for each person, for returns that need a child identifier of at most 20 letters
-- and digits (the CIN census LAchildID, Annex A's Child Unique ID): the authority's reference
-- prefix and this number, e.g. NFK1234.
create sequence person_numbers;
alter table persons add column person_number bigint not null default nextval('person_numbers');
alter sequence person_numbers owned by persons.person_number;
create unique index persons_person_number_key on persons (person_number);

-- Annex A List 3 counts each child's referrals in the 12 months before each one.
create index mi_facts_referrals_idx on mi_conversation_facts (authority_id, child_key, day) where social_care_referral;

-- For long periods the dashboard reads per-day totals instead of the per-child rows: one row per
-- authority, day, single filter (dim and value: 'all' and '', 'team', 'worker', 'agency', 'concern',
-- 'level', 'outcome', 'hours') and outcome, with every additive count the dashboard shows. Remade for
-- the days a refresh touches. Figures that depend on the time of reading (decisions overdue now)
-- come from the per-child rows through a small partial index.
create table mi_daily (
  authority_id text not null references authorities (id),
  day date not null,
  dim text not null,
  value text not null,
  outcome_code text not null,
  conversations integer not null,
  children integer not null,
  referrals integer not null,
  assessments integer not null,
  s47 integer not null,
  consent_yes integer not null,
  consent_no integer not null,
  decisions_needed integer not null,
  decided integer not null,
  in_time integer not null,
  repeats integer not null,
  flags integer not null,
  flag_rows integer not null,
  ooh integer not null,
  ooh_accepted integer not null,
  ooh_in_time integer not null,
  ooh_waiting integer not null,
  primary key (authority_id, dim, value, day, outcome_code)
);

-- Reasons for going on without consent, per day and single filter, counted per conversation.
create table mi_daily_reasons (
  authority_id text not null references authorities (id),
  day date not null,
  dim text not null,
  value text not null,
  reason text not null,
  conversations integer not null,
  primary key (authority_id, dim, value, day, reason)
);

create index mi_facts_undecided_idx on mi_conversation_facts (authority_id, day) where requires_decision and decided_at is null;
