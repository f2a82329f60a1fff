-- Single sign-on (OpenID Connect) and the rules of a session (issue 10).

-- A user signed in through the council's identity provider is known by the provider's issuer and
-- their subject there: the one identifier the provider promises never to reuse. Both or neither.
alter table users add column oidc_issuer text;
alter table users add column oidc_subject text;
alter table users add column oidc_linked_at timestamptz;
alter table users add constraint users_oidc_identity_check check ((oidc_issuer is null) = (oidc_subject is null));
create unique index users_oidc_identity_key on users (oidc_issuer, oidc_subject) where oidc_subject is not null;

-- "Sign out everywhere": every session remembers the generation it was made in, and a session of
-- an older generation is refused. Deleting the rows alone is not enough, because a request still
-- in flight on another device saves its session again when it ends.
alter table users add column session_generation integer not null default 0;

-- What a user's sessions are, for "your sessions" and an administrator's view of a user: how the
-- session signed in, when, when the person last proved who they are, and when it was last used.
-- Filled from the session itself whenever it is saved.
alter table sessions add column auth_method text check (auth_method in ('local', 'oidc'));
alter table sessions add column signed_in_at timestamptz;
alter table sessions add column authenticated_at timestamptz;
alter table sessions add column last_seen_at timestamptz;
