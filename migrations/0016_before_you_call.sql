-- "Before you call": the public pages partners read before they phone the service (the "Should I
-- call?" checker's texts, the FAQ, the threshold guide), written by each authority's administrators
-- and kept as versions; and the questions partners send in about the service.
--
-- The first content of each authority comes from code (src/features/before-you-call/seed-content.ts)
-- the first time its pages are read, so a new authority gets pages without a migration.

-- One row per authority and section ('faq', 'checker', 'threshold-guide'): when its pages were last
-- reviewed and when the administrators were last reminded to review them.
create table before_you_call_sections (
  authority_id text not null references authorities (id),
  section text not null check (section in ('faq', 'checker', 'threshold-guide')),
  last_reviewed_at timestamptz not null,
  -- Null when the review was the first content loaded from code.
  last_reviewed_by uuid references users (id),
  review_reminded_at timestamptz,
  primary key (authority_id, section)
);

-- One row per piece of content: an FAQ question and its answer, one of the checker's texts, one level
-- of the threshold guide. `current_version` is the published version.
create table before_you_call_pages (
  id uuid primary key,
  authority_id text not null references authorities (id),
  section text not null check (section in ('faq', 'checker', 'threshold-guide')),
  key text not null check (key ~ '^[a-z0-9][a-z0-9-]{0,60}$'),
  position integer not null,
  current_version integer not null default 1,
  created_at timestamptz not null,
  unique (authority_id, key),
  foreign key (authority_id, section) references before_you_call_sections (authority_id, section)
);
create index before_you_call_pages_section_idx on before_you_call_pages (authority_id, section, position);

-- Every published version, never changed or deleted: restoring an old version publishes a copy of it.
-- Bodies are plain text (paragraphs separated by blank lines, '- ' bullets), shown escaped.
create table before_you_call_page_versions (
  page_id uuid not null references before_you_call_pages (id),
  version integer not null check (version >= 1),
  title text not null check (length(title) between 1 and 300),
  body text not null check (length(body) <= 20000),
  change_note text not null check (length(change_note) between 1 and 500),
  created_by uuid references users (id),
  created_at timestamptz not null,
  restored_from integer,
  primary key (page_id, version)
);

-- Questions from partners ("Ask a question about the service"), for the head of service's list.
-- A professional's work contact details, never a child's: the form says not to name children.
create table before_you_call_questions (
  id uuid primary key,
  authority_id text not null references authorities (id),
  name text not null check (length(name) between 1 and 200),
  email text not null check (length(email) between 3 and 320),
  organisation text not null check (length(organisation) between 1 and 200),
  question text not null check (length(question) between 1 and 2000),
  submitted_at timestamptz not null,
  status text not null default 'new' check (status in ('new', 'answered', 'added-to-faq', 'no-action')),
  status_note text check (length(status_note) <= 1000),
  status_by uuid references users (id),
  status_at timestamptz
);
create index before_you_call_questions_list_idx on before_you_call_questions (authority_id, status, submitted_at);
