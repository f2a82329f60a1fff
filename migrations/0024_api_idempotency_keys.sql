-- issue10-G: Idempotency-Key on POST /api/v1/conversations.
--
-- An integration that sent a conversation and lost the answer (the app was killed, the network
-- dropped, the database restarted) cannot know whether it was saved. Sending it again with the same
-- Idempotency-Key header is safe: the first request's conversation and answer come back, and no
-- second conversation is made. The key is written in the same transaction as the conversation, so
-- a key exists exactly when its conversation does.
--
-- Keys belong to the caller that sent them (a service account, or a user), so two integrations can
-- never see each other's answers. The request's fingerprint (SHA-256 of the body as validated)
-- tells a true retry from a different request that reused a key by mistake.
create table api_idempotency_keys (
  principal_id uuid not null,
  idempotency_key text not null check (length(idempotency_key) between 1 and 200),
  authority_id text not null references authorities (id),
  request_hash text not null,
  conversation_id uuid not null references conversations (id) on delete cascade,
  -- The answer the first request got (status and JSON body), given back to every retry.
  response_status integer not null,
  response_body jsonb not null,
  created_at timestamptz not null default now(),
  primary key (principal_id, idempotency_key)
);

create index api_idempotency_keys_conversation_idx on api_idempotency_keys (conversation_id);
create index api_idempotency_keys_created_idx on api_idempotency_keys (created_at);
