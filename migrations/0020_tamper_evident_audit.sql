-- issue10-A: a tamper-evident audit log (ADR 0016).
--
-- Every audit entry gets a link in the chain: its position, the previous link's hash, and its own
-- hash, SHA-256 of (previous hash || the entry's canonical text). Changing, deleting or reordering an
-- earlier entry breaks every later link, and `npm run audit:verify` finds the first broken one.
--
-- The link is made when the writing transaction commits (a deferred constraint trigger), under a
-- transaction-level advisory lock, so:
--   * the chain follows commit order, not id order: an identity id is handed out when a row is
--     inserted, so a transaction that inserted first may commit last;
--   * a transaction only ever links to entries that have committed: the lock is held until its own
--     commit is visible, and the next writer reads the head after taking it;
--   * the lock is the last thing a transaction takes, so it cannot be part of a deadlock, and it is
--     held only for the commit itself rather than for the rest of the transaction;
--   * a rolled-back transaction (or savepoint) leaves no link and no gap.

create table audit_chain (
  -- The position in the chain: 1, 2, 3… with no gaps.
  seq bigint primary key,
  event_id bigint not null unique,
  prev_hash bytea not null,
  hash bytea not null
);

-- One field of the canonical text: its length in bytes, a colon and the value, or '-' for null, so
-- no two different entries can give the same text.
create function front_door_audit_field(v text) returns text
language sql immutable parallel safe as $$
  select coalesce(octet_length(v)::text || ':' || v, '-')
$$;

-- The canonical text of an entry at a position. Every value is written in a form that does not
-- depend on the session's settings (time zone, date style). scripts/audit-verify.ts rebuilds the same
-- text on its own (src/platform/audit-chain.ts); change one, change both, and start a new version tag.
create function front_door_audit_canonical(e audit_events, seq bigint) returns text
language sql immutable parallel safe as $$
  select 'front-door-audit-v1'
    || '|' || front_door_audit_field(seq::text)
    || '|' || front_door_audit_field(e.id::text)
    || '|' || front_door_audit_field(to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
    || '|' || front_door_audit_field(e.authority_id)
    || '|' || front_door_audit_field(e.actor_user_id::text)
    || '|' || front_door_audit_field(e.actor_service_account_id::text)
    || '|' || front_door_audit_field(e.actor_role)
    || '|' || front_door_audit_field(e.action)
    || '|' || front_door_audit_field(e.entity_type)
    || '|' || front_door_audit_field(e.entity_id)
    || '|' || front_door_audit_field(e.person_id::text)
    || '|' || front_door_audit_field(e.conversation_id::text)
    || '|' || front_door_audit_field(e.details::text)
    || '|' || front_door_audit_field(e.ip)
    || '|' || front_door_audit_field(e.request_id)
$$;

-- Chains every entry not yet in the chain, in id order, after the chain's head; the first entry
-- links to 32 zero bytes. Used twice below, then dropped. Links are written 10,000 at a time.
create function front_door_audit_chain_backfill() returns bigint
language plpgsql as $$
declare
  e audit_events;
  n bigint;
  prev bytea;
  h bytea;
  seqs bigint[] := '{}';
  ids bigint[] := '{}';
  prevs bytea[] := '{}';
  hashes bytea[] := '{}';
  added bigint := 0;
begin
  select c.seq, c.hash into n, prev from audit_chain c order by c.seq desc limit 1;
  n := coalesce(n, 0);
  prev := coalesce(prev, decode(repeat('00', 32), 'hex'));
  for e in select * from audit_events a where not exists (select 1 from audit_chain c where c.event_id = a.id) order by a.id loop
    n := n + 1;
    h := sha256(prev || convert_to(front_door_audit_canonical(e, n), 'UTF8'));
    seqs := seqs || n;
    ids := ids || e.id;
    prevs := prevs || prev;
    hashes := hashes || h;
    prev := h;
    added := added + 1;
    if cardinality(seqs) >= 10000 then
      insert into audit_chain (seq, event_id, prev_hash, hash) select * from unnest(seqs, ids, prevs, hashes);
      seqs := '{}'; ids := '{}'; prevs := '{}'; hashes := '{}';
    end if;
  end loop;
  insert into audit_chain (seq, event_id, prev_hash, hash) select * from unnest(seqs, ids, prevs, hashes);
  return added;
end $$;

-- First the entries written so far, while the application carries on writing.
select front_door_audit_chain_backfill();

-- Then writers wait (readers carry on) while the entries they wrote meanwhile are chained, and from
-- then on the trigger below chains each new one. The lock waits for every transaction still writing,
-- so nothing committed before it is missed.
lock table audit_events in exclusive mode;
select front_door_audit_chain_backfill();
drop function front_door_audit_chain_backfill();

-- The link for each new entry, made at commit. SECURITY DEFINER, so the application's role needs no
-- right to write the chain itself; the search path is fixed to this schema, with pg_temp last, so no
-- temporary table can stand in for the chain.
do $outer$
begin
  execute format($f$
    create function front_door_audit_chain() returns trigger
    language plpgsql security definer set search_path = %I, pg_catalog, pg_temp as $$
    declare
      last_seq bigint;
      last_hash bytea;
    begin
      -- One writer at a time extends the chain, from here until its commit is visible to all.
      perform pg_advisory_xact_lock(hashtext('front-door:audit-chain'), hashtext(tg_table_schema));
      select c.seq, c.hash into last_seq, last_hash from audit_chain c order by c.seq desc limit 1;
      if last_seq is null then
        last_seq := 0;
        last_hash := decode(repeat('00', 32), 'hex');
      end if;
      -- A repeatable-read transaction cannot see a head committed after its snapshot: it computes a
      -- position already taken, and the primary key refuses it rather than let the chain fork.
      insert into audit_chain (seq, event_id, prev_hash, hash)
      values (last_seq + 1, new.id, last_hash, sha256(last_hash || convert_to(front_door_audit_canonical(new, last_seq + 1), 'UTF8')));
      return null;
    end $$
  $f$, current_schema());
end $outer$;

create constraint trigger audit_events_chain after insert on audit_events
  deferrable initially deferred
  for each row execute function front_door_audit_chain();

-- The chain is append-only like the log (the function is migration 0001's).
create trigger audit_chain_append_only before update or delete on audit_chain
  for each row execute function front_door_audit_append_only();
create trigger audit_chain_no_truncate before truncate on audit_chain
  for each statement execute function front_door_audit_append_only();

-- Append-only by privilege as well as by trigger, for every role the application uses here: the
-- migrating role itself (an owner can grant these back, but not by accident) and the MASH's scoped
-- role, which migration 0009 granted every right on every table. Nobody but the trigger writes the
-- chain. A production deployment whose application logs in as a role of its own revokes the same
-- (see README, "Audit log: tamper-evident and searchable").
revoke update, delete, truncate on audit_events, audit_chain from current_user;
do $$
begin
  if exists (select from pg_roles where rolname = 'front_door_scoped') then
    revoke update, delete, truncate on audit_events from front_door_scoped;
    revoke insert, update, delete, truncate, references, trigger on audit_chain from front_door_scoped;
  end if;
end $$;

-- The administrators' audit search reads one authority's entries over a period. (Built while
-- writers wait: on a log of millions of entries, build it beforehand with CREATE INDEX CONCURRENTLY
-- under this name, and this does nothing.)
create index if not exists audit_events_authority_idx on audit_events (authority_id, occurred_at);
