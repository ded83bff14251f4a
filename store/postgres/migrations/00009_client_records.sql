-- The relying parties' record files (clients[].records), the record each
-- account linked for a client, and the requests for an agent's help.
-- A record is found by its key (the client's first attribute), unique per
-- client; an account links one record per client and a record is linked
-- to one account (record_links' primary key and unique record_id); an
-- account has at most one open request per client (the partial index).

-- +goose Up
CREATE TABLE client_records (
    client_id text NOT NULL,
    record_id text NOT NULL,
    key       text NOT NULL,
    record    jsonb NOT NULL,
    PRIMARY KEY (client_id, record_id),
    UNIQUE (client_id, key)
);

CREATE TABLE record_links (
    client_id  text NOT NULL,
    account_id text NOT NULL,
    record_id  text NOT NULL,
    record     jsonb NOT NULL,
    PRIMARY KEY (client_id, account_id),
    UNIQUE (client_id, record_id),
    FOREIGN KEY (client_id, record_id) REFERENCES client_records (client_id, record_id)
);

CREATE TABLE assist_requests (
    id         text PRIMARY KEY,
    client_id  text NOT NULL,
    account_id text NOT NULL,
    open       boolean NOT NULL,
    created_at timestamptz NOT NULL,
    record     jsonb NOT NULL
);
CREATE UNIQUE INDEX assist_requests_open ON assist_requests (client_id, account_id) WHERE open;
CREATE INDEX assist_requests_client ON assist_requests (client_id, created_at);

-- +goose Down
DROP TABLE assist_requests;
DROP TABLE record_links;
DROP TABLE client_records;
