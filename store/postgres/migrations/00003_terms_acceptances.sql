-- Terms of use a person accepted: the latest version per (account,
-- client), keyed by both (account ID, a space, client ID: account IDs have no space).

-- +goose Up
CREATE TABLE terms_acceptances (
    id         text PRIMARY KEY,
    account_id text NOT NULL,
    record     jsonb NOT NULL
);
CREATE INDEX terms_acceptances_account ON terms_acceptances (account_id);

-- +goose Down
DROP TABLE terms_acceptances;
