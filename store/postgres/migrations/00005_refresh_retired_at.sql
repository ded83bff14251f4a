-- Retention of refresh history: when a grant's refresh hash was rotated
-- away (NULL while it is the current one, and for hashes rotated before
-- this version), so Sweep can forget old ones (store.Retention). The
-- audit log's retention uses audit_events_time.
-- (Version 00004 is left to the client-model change of a parallel branch.)

-- +goose Up
ALTER TABLE refresh_hashes ADD COLUMN retired_at timestamptz;
CREATE INDEX refresh_hashes_retired_at ON refresh_hashes (retired_at) WHERE retired_at IS NOT NULL;

-- +goose Down
DROP INDEX refresh_hashes_retired_at;
ALTER TABLE refresh_hashes DROP COLUMN retired_at;
