-- Terms of use accepted: the latest acceptance of each client's terms by
-- each account, one row per (account_id, client_id), replaced by the next
-- acceptance. The history is the audit log's. The primary key's leading
-- column also selects an account's acceptances.

-- +goose Up
CREATE TABLE terms_acceptances (
    account_id text NOT NULL,
    client_id  text NOT NULL,
    record     jsonb NOT NULL,
    PRIMARY KEY (account_id, client_id)
);

-- +goose Down
DROP TABLE terms_acceptances;
