-- The MASH's answers to partner agencies' questions. A partner asks a question back on a check
-- request (a mash_check_responses row of kind 'question'); the MASH answers it once, and the answer,
-- like the question, is never changed.

create table mash_question_answers (
  id uuid primary key,
  request_id uuid not null references mash_check_requests (id),
  question_id uuid not null unique references mash_check_responses (id),
  answer text not null check (length(btrim(answer)) > 0),
  answered_by uuid references users (id),
  answered_at timestamptz not null
);
create index mash_question_answers_request_idx on mash_question_answers (request_id);

create function front_door_mash_answer_immutable() returns trigger
language plpgsql as $$
begin
  raise exception 'an answer to a partner''s question cannot be changed once sent' using errcode = 'P0001';
end $$;
create trigger mash_question_answers_immutable before update or delete on mash_question_answers
  for each row execute function front_door_mash_answer_immutable();

-- Visible wherever its request is: to the council's staff, and to the agency that asked.
alter table mash_question_answers enable row level security;
create policy mash_question_answers_scope on mash_question_answers to front_door_scoped
  using (exists (select 1 from mash_check_requests r where r.id = mash_question_answers.request_id));
