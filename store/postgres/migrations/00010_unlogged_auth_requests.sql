-- The sign-ins in progress live for minutes and a crash may lose them (a
-- sign-in starts again): their table is UNLOGGED, so its writes skip the
-- write-ahead log, and a transaction that writes only them commits
-- without waiting for a WAL flush. PostgreSQL empties an unlogged table
-- after a crash (not after a clean stop), and standbys do not have it.
-- Row locks and unique keys work as in any table, so single use across
-- replicas holds as before.

-- +goose Up
ALTER TABLE auth_requests SET UNLOGGED;

-- +goose Down
ALTER TABLE auth_requests SET LOGGED;
