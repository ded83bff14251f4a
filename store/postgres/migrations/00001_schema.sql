-- Passerelle's first PostgreSQL schema. Every record is its JSON encoding
-- (the json tags of package store) in a jsonb column; beside it are only
-- the key and index columns the Store contract queries. doc.go explains.

-- +goose Up
CREATE TABLE clients (
    id     text PRIMARY KEY,
    record jsonb NOT NULL
);

CREATE TABLE accounts (
    id     text PRIMARY KEY,
    urn    text NOT NULL CONSTRAINT accounts_urn_key UNIQUE,
    record jsonb NOT NULL
);

CREATE TABLE links (
    provider   text NOT NULL,
    subject    text NOT NULL,
    account_id text NOT NULL REFERENCES accounts (id),
    record     jsonb NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX links_account_id ON links (account_id);

CREATE TABLE auth_requests (
    id         text PRIMARY KEY,
    expires_at timestamptz,
    record     jsonb NOT NULL
);
CREATE INDEX auth_requests_expires_at ON auth_requests (expires_at);

CREATE TABLE codes (
    hash       bytea PRIMARY KEY,
    expires_at timestamptz,
    record     jsonb NOT NULL
);
CREATE INDEX codes_expires_at ON codes (expires_at);

CREATE TABLE grants (
    id         text PRIMARY KEY,
    account_id text NOT NULL,
    expires_at timestamptz,
    record     jsonb NOT NULL
);
CREATE INDEX grants_account_id ON grants (account_id);
CREATE INDEX grants_expires_at ON grants (expires_at);

-- Every refresh hash a grant ever had, current or rotated away.
CREATE TABLE refresh_hashes (
    hash     bytea PRIMARY KEY,
    grant_id text NOT NULL REFERENCES grants (id) ON DELETE CASCADE
);
CREATE INDEX refresh_hashes_grant_id ON refresh_hashes (grant_id);

CREATE TABLE sessions (
    hash       bytea PRIMARY KEY,
    account_id text NOT NULL,
    expires_at timestamptz,
    record     jsonb NOT NULL
);
CREATE INDEX sessions_account_id ON sessions (account_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE signing_keys (
    id         text PRIMARY KEY,
    expires_at timestamptz,
    record     jsonb NOT NULL
);
CREATE INDEX signing_keys_expires_at ON signing_keys (expires_at);

CREATE TABLE factors (
    id            text PRIMARY KEY,
    account_id    text NOT NULL,
    credential_id bytea CONSTRAINT factors_credential_id_key UNIQUE,
    created_at    timestamptz NOT NULL,
    record        jsonb NOT NULL
);
CREATE INDEX factors_account_id ON factors (account_id, created_at, id);

CREATE TABLE otps (
    id         text PRIMARY KEY,
    expires_at timestamptz,
    record     jsonb NOT NULL
);
CREATE INDEX otps_expires_at ON otps (expires_at);

-- Rate counters: one fixed window per key, from its first hit to expires_at.
CREATE TABLE hits (
    key        text PRIMARY KEY,
    count      integer NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX hits_expires_at ON hits (expires_at);

-- Users of the built-in credential service. expires_at is set only while
-- unconfirmed; empty username or email is NULL.
CREATE TABLE local_users (
    id         text PRIMARY KEY,
    username   text CONSTRAINT local_users_username_key UNIQUE,
    email      text CONSTRAINT local_users_email_key UNIQUE,
    expires_at timestamptz,
    record     jsonb NOT NULL
);
CREATE INDEX local_users_expires_at ON local_users (expires_at);

-- The audit log: append-only, never swept, listed by (time, id).
CREATE TABLE audit_events (
    id     text PRIMARY KEY,
    time   timestamptz NOT NULL,
    record jsonb NOT NULL
);
CREATE INDEX audit_events_time ON audit_events (time, id);

-- +goose Down
DROP TABLE audit_events, local_users, hits, otps, factors, signing_keys, sessions,
    refresh_hashes, grants, codes, auth_requests, links, accounts, clients;
