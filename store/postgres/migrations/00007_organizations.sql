-- Organizations of each client (a business, an institution), with their
-- members, invitations, activation code and ownership transfer in the
-- record. The side tables index what the record holds, rewritten with it
-- in one transaction: the owner and every member, and every invitation
-- code's hash. Every key starts with the client, so no query of one
-- client's can reach another's.

-- +goose Up
CREATE TABLE organizations (
    client_id       text  NOT NULL,
    id              text  NOT NULL,
    external_number text,
    record          jsonb NOT NULL,
    PRIMARY KEY (client_id, id),
    UNIQUE (client_id, external_number)
);

CREATE TABLE organization_members (
    client_id  text NOT NULL,
    account_id text NOT NULL,
    org_id     text NOT NULL,
    PRIMARY KEY (client_id, account_id, org_id),
    FOREIGN KEY (client_id, org_id) REFERENCES organizations ON DELETE CASCADE
);

CREATE TABLE organization_invitations (
    client_id text  NOT NULL,
    hash      bytea NOT NULL,
    org_id    text  NOT NULL,
    PRIMARY KEY (client_id, hash),
    FOREIGN KEY (client_id, org_id) REFERENCES organizations ON DELETE CASCADE
);

-- +goose Down
DROP TABLE organization_invitations;
DROP TABLE organization_members;
DROP TABLE organizations;
