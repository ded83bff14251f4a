-- Legacy accounts a relying party imported (passerelle legacy import), and
-- each account's answer to that client's legacy step: the legacy account
-- it linked, or none (legacy_id NULL: "I never had an account"). One
-- answer per (client_id, account_id); a legacy account is linked to one
-- account at most (the unique constraint ignores NULLs), and only to one
-- the client imported (the foreign key, skipped for a NULL legacy_id).
-- username is the folded username (store.FoldUsername).

-- +goose Up
CREATE TABLE legacy_accounts (
    client_id text NOT NULL,
    legacy_id text NOT NULL,
    username  text NOT NULL,
    record    jsonb NOT NULL,
    PRIMARY KEY (client_id, legacy_id),
    UNIQUE (client_id, username)
);

CREATE TABLE legacy_links (
    client_id  text NOT NULL,
    account_id text NOT NULL,
    legacy_id  text,
    record     jsonb NOT NULL,
    PRIMARY KEY (client_id, account_id),
    UNIQUE (client_id, legacy_id),
    FOREIGN KEY (client_id, legacy_id) REFERENCES legacy_accounts (client_id, legacy_id)
);

-- +goose Down
DROP TABLE legacy_links;
DROP TABLE legacy_accounts;
