-- Management information at 5,000,000 conversations (issue 9), and the primary need code the
-- children in need census asks for with each referral.

-- The primary need (CIN census N1 to N9, or N0 not stated) the worker gives with a decision.
-- Required by the page unless the decision ends the referral (no further action, Early Help).
alter table decisions add column primary_need_code text check (primary_need_code ~ '^N[0-9]$');
alter table mi_conversation_facts add column primary_need_code text;

-- The per-child rows by authority and day, carrying the child's key, so that "how many different
-- children" over a short period is read from the index alone.
create index mi_facts_day_child_idx on mi_conversation_facts (authority_id, day) include (child_key);
drop index mi_facts_day_idx;

-- Decisions still to be made, with their deadline, so that "overdue now" is read from the index alone.
create index mi_facts_undecided_due_idx on mi_conversation_facts (authority_id, day) include (decision_due_at)
  where requires_decision and decided_at is null;
drop index mi_facts_undecided_idx;

-- Decisions recorded before this migration have no primary need, so no summary row needs remaking.
