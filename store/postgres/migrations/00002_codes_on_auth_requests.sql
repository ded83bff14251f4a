-- Authorization codes now live on their auth request (the code_hash and
-- code_spent fields of its record), so the codes table goes. Its rows
-- lived a minute; a code issued just before the upgrade is lost.

-- +goose Up
DROP TABLE codes;

-- +goose Down
CREATE TABLE codes (
    hash       bytea PRIMARY KEY,
    expires_at timestamptz,
    record     jsonb NOT NULL
);
CREATE INDEX codes_expires_at ON codes (expires_at);
