-- The MASH, continued: a hub that serves several authorities, partner agencies answering through
-- the API as well as on pages, an outbox for notifications (overdue check requests), the written
-- record of a MASH decision to the original caller, and row-level security as a second line behind
-- the service layer's own scoping.

-- Partner practitioners who serve more than their own authority in a joint hub (Staffordshire and
-- Stoke-on-Trent share one): an administrator grants each extra authority. Staff of an authority
-- only ever see their own authority.
create table user_served_authorities (
  user_id uuid not null references users (id),
  authority_id text not null references authorities (id),
  granted_by uuid references users (id),
  granted_at timestamptz not null,
  primary key (user_id, authority_id)
);

-- The same for partner agencies' systems (service accounts).
create table service_account_served_authorities (
  service_account_id uuid not null references service_accounts (id),
  authority_id text not null references authorities (id),
  granted_at timestamptz not null,
  primary key (service_account_id, authority_id)
);

-- A response may come from a practitioner on the page or from their agency's system through the API.
alter table mash_check_responses alter column responded_by drop not null;
alter table mash_check_responses add column responded_by_account uuid references service_accounts (id);
alter table mash_check_responses add constraint mash_check_responses_one_responder
  check ((responded_by is null) <> (responded_by_account is null));

-- Notifications to staff (not the caller's written record): queued in the transaction that causes
-- them and sent by a job, like written records. Never personal data about the child: a reference,
-- an agency and a deadline, and a link to sign in.
create table notifications (
  id uuid primary key,
  authority_id text not null references authorities (id),
  kind text not null check (kind in ('mash-request-overdue')),
  mash_request_id uuid references mash_check_requests (id),
  to_address text not null,
  subject text not null,
  text_body text not null,
  html text not null,
  status text not null default 'queued' check (status in ('queued', 'sending', 'sent', 'failed')),
  provider text,
  provider_message_id text,
  attempts integer not null default 0,
  claimed_at timestamptz,
  last_error text,
  queued_at timestamptz not null,
  sent_at timestamptz,
  failed_at timestamptz
);
-- One alert per request per address, however often the overdue job runs.
create unique index notifications_once_idx on notifications (kind, mash_request_id, lower(to_address));
create index notifications_authority_idx on notifications (authority_id, queued_at);

-- The local mailbox keeps notifications as well as written records.
alter table mailbox_messages alter column written_record_id drop not null;
alter table mailbox_messages alter column pdf drop not null;
alter table mailbox_messages alter column pdf_filename drop not null;
alter table mailbox_messages add column notification_id uuid unique references notifications (id);
alter table mailbox_messages add constraint mailbox_messages_one_source
  check ((written_record_id is null) <> (notification_id is null));

-- The written record of a MASH decision goes to the caller of the conversation the enquiry came from.
alter table written_records add column mash_enquiry_id uuid references mash_enquiries (id);
alter table written_records drop constraint written_records_reason_check;
alter table written_records add constraint written_records_reason_check
  check (reason in ('completed', 'amended', 'resend', 'extra-address', 'mash-decision'));
alter table written_records add constraint written_records_mash_decision_check
  check ((reason = 'mash-decision') = (mash_enquiry_id is not null));
create unique index written_records_one_mash_decision on written_records (mash_enquiry_id) where reason = 'mash-decision';

-- Deciding an enquiry also records who was told.
alter table mash_enquiries add column decision_record_id uuid references written_records (id);

-- For the coordinator's dashboard: open enquiries by hub and due time.
create index mash_enquiries_open_due_idx on mash_enquiries (authority_id, due_at) where status <> 'closed';
create index mash_check_requests_enquiry_idx on mash_check_requests (enquiry_id);

-- Row-level security, the second line. The application scopes every MASH query itself; on top of
-- that, each MASH transaction switches to the role front_door_scoped and names the authorities (and,
-- for a partner, the agency) it acts for. Rows outside that scope are invisible to the role, so a
-- mistake in a query cannot show one authority's children to another or one agency's request to
-- another. Outside MASH transactions (and for the owner) the policies do not apply.
--
-- In production the database administrator creates the role (NOLOGIN) and grants it to the
-- application's login role before migrating; where the migrating role may create roles, this does it.
do $$
begin
  if not exists (select from pg_roles where rolname = 'front_door_scoped') then
    begin
      create role front_door_scoped nologin;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
  if not pg_has_role(current_user, 'front_door_scoped', 'member') then
    execute format('grant front_door_scoped to %I', current_user);
  end if;
end $$;

do $$
begin
  execute format('grant usage on schema %I to front_door_scoped', current_schema());
  execute format('grant select, insert, update, delete on all tables in schema %I to front_door_scoped', current_schema());
  execute format('grant usage, select on all sequences in schema %I to front_door_scoped', current_schema());
  execute format('alter default privileges in schema %I grant select, insert, update, delete on tables to front_door_scoped', current_schema());
  execute format('alter default privileges in schema %I grant usage, select on sequences to front_door_scoped', current_schema());
end $$;

-- The authorities the transaction acts for; none when unset, so a forgotten scope shows nothing.
create function front_door_scope_authorities() returns text[]
language sql stable as $$
  select coalesce(string_to_array(nullif(current_setting('front_door.authorities', true), ''), ','), '{}'::text[])
$$;

-- The partner agency the transaction acts for; null for the authority's own staff.
create function front_door_scope_agency() returns text
language sql stable as $$
  select nullif(current_setting('front_door.agency', true), '')
$$;

-- Each policy reads the scope through a sub-select, so PostgreSQL works it out once per query (an
-- init plan) rather than once per row, and the partner-only conditions are skipped for staff.
alter table mash_check_requests enable row level security;
create policy mash_check_requests_scope on mash_check_requests to front_door_scoped
  using (authority_id = any ((select front_door_scope_authorities())::text[])
         and ((select front_door_scope_agency()) is null or agency_code = (select front_door_scope_agency())));

alter table mash_enquiries enable row level security;
create policy mash_enquiries_scope on mash_enquiries to front_door_scoped
  using (authority_id = any ((select front_door_scope_authorities())::text[])
         and ((select front_door_scope_agency()) is null
              or exists (select 1 from mash_check_requests r where r.enquiry_id = mash_enquiries.id)));

alter table mash_enquiry_children enable row level security;
create policy mash_enquiry_children_scope on mash_enquiry_children to front_door_scoped
  using (exists (select 1 from mash_enquiries e where e.id = mash_enquiry_children.enquiry_id));

alter table mash_rating_changes enable row level security;
create policy mash_rating_changes_scope on mash_rating_changes to front_door_scoped
  using ((select front_door_scope_agency()) is null
         and exists (select 1 from mash_enquiries e where e.id = mash_rating_changes.enquiry_id));

alter table mash_check_responses enable row level security;
create policy mash_check_responses_scope on mash_check_responses to front_door_scoped
  using (exists (select 1 from mash_check_requests r where r.id = mash_check_responses.request_id));

-- The people a partner agency may see: the children of enquiries its agency has been asked about,
-- and the members of their households. A policy on persons cannot read persons itself (that would
-- recurse), so this runs as the function's owner, to whom the policies do not apply; it reads the
-- scope from the caller's settings, so it answers only for the caller's agency and authorities.
do $$
begin
  execute format($f$
    create function front_door_partner_person_ids() returns setof uuid
    language sql stable security definer set search_path = %I, pg_catalog as $body$
      select p.id
      from mash_check_requests r
      join mash_enquiry_children ec on ec.enquiry_id = r.enquiry_id
      join persons c on c.id = ec.person_id
      join persons p on p.id = c.id or (c.household_id is not null and p.household_id = c.household_id and p.authority_id = c.authority_id)
      where r.agency_code = front_door_scope_agency()
        and r.authority_id = any (front_door_scope_authorities())
        and r.status <> 'withdrawn'
    $body$ $f$, current_schema());
end $$;
revoke all on function front_door_partner_person_ids() from public;
grant execute on function front_door_partner_person_ids() to front_door_scoped;

alter table persons enable row level security;
create policy persons_scope on persons to front_door_scoped
  using (authority_id = any ((select front_door_scope_authorities())::text[])
         and ((select front_door_scope_agency()) is null or id in (select front_door_partner_person_ids())));
