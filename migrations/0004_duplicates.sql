-- The duplicate review queue keeps what the matching engine said against a pair as well as for it,
-- and its band in words, so the comparison page can show both sides as they were when found.

alter table duplicate_candidates
  add column against jsonb not null default '[]',
  add column band text check (band in ('very-likely', 'likely', 'possible'));

-- Finding a person's pairs from either side (person_a_id is covered by the unique index).
create index duplicate_candidates_person_b_idx on duplicate_candidates (person_b_id);

-- The scan looks only at people changed since it last ran.
create index persons_updated_idx on persons (authority_id, updated_at);

-- An integration (a service account, which is not a user) may undo a merge: the audit log names it,
-- and unmerged_by stays empty. Who undid a merge is then never claimed without when.
alter table person_merges drop constraint person_merges_check1;
alter table person_merges add constraint person_merges_unmerged_by_check check (unmerged_at is not null or unmerged_by is null);
