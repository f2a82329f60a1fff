-- Issue 8 adds several kinds of staff notification and task (an allocated worker told about a
-- conversation passed to them, an Early Help request for the Early Help team, an escalation stage
-- falling due, an FAQ due for review, a question from a partner). Each feature's own migration
-- adds the columns it links by; here the fixed lists of kinds become a naming rule, so that those
-- migrations do not each have to rewrite the same constraint.
alter table notifications drop constraint notifications_kind_check;
alter table notifications add constraint notifications_kind_check check (kind ~ '^[a-z][a-z0-9-]{1,60}$');
alter table tasks drop constraint tasks_kind_check;
alter table tasks add constraint tasks_kind_check check (kind ~ '^[a-z][a-z0-9-]{1,60}$');

-- What a notification or task is about, for the kinds added from here on: a type ('referral',
-- 'early-help-request', 'escalation', 'faq', 'conversation-child'…) and the id of that row. Older
-- kinds keep their own columns (mash_request_id, conversation_id, written_record_id).
alter table notifications add column subject_type text, add column subject_id uuid;
alter table tasks add column subject_type text, add column subject_id uuid;
alter table tasks alter column assigned_to drop not null;
alter table tasks add column assigned_team_id uuid references teams (id);
create index tasks_subject_idx on tasks (subject_type, subject_id) where subject_id is not null;
create index notifications_subject_idx on notifications (subject_type, subject_id) where subject_id is not null;

-- The Early Help team works its queue of requests from CADS in Front Door: a role of its own, which
-- sees those requests and nothing of the child's record beyond them.
alter table users drop constraint users_role_check;
alter table users add constraint users_role_check check (role in (
  'cads-worker', 'team-manager', 'mash-coordinator', 'partner-practitioner',
  'edt-worker', 'mi-analyst', 'administrator', 'early-help-practitioner'));
alter table service_accounts drop constraint service_accounts_role_check;
alter table service_accounts add constraint service_accounts_role_check check (role in (
  'cads-worker', 'team-manager', 'mash-coordinator', 'partner-practitioner',
  'edt-worker', 'mi-analyst', 'administrator', 'telephony-switch', 'early-help-practitioner'));
