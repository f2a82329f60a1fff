-- Blocking keys in a b-tree table of their own. PostgreSQL's planner would not use the GIN index
-- on persons.match_keys for an overlap with a couple of dozen keys (it preferred scanning every
-- person), so each key is now one row here, looked up by an ordinary index. A trigger keeps the
-- table in step with persons.match_keys, so every writer of persons stays as it was.
create table person_match_keys (
  authority_id text not null,
  key text not null,
  person_id uuid not null references persons (id) on delete cascade,
  primary key (authority_id, key, person_id)
);
create index person_match_keys_person_idx on person_match_keys (person_id);

create function front_door_sync_match_keys() returns trigger
language plpgsql as $$
begin
  if tg_op = 'UPDATE' then
    if new.match_keys is not distinct from old.match_keys and new.authority_id = old.authority_id then
      return new;
    end if;
    delete from person_match_keys where person_id = new.id;
  end if;
  insert into person_match_keys (authority_id, key, person_id)
    select new.authority_id, k, new.id from unnest(new.match_keys) as k
    on conflict do nothing;
  return new;
end $$;
create trigger persons_sync_match_keys after insert or update of match_keys, authority_id on persons
  for each row execute function front_door_sync_match_keys();

insert into person_match_keys (authority_id, key, person_id)
  select p.authority_id, k, p.id from persons p cross join lateral unnest(p.match_keys) as k
  on conflict do nothing;

drop index persons_match_keys_idx;
