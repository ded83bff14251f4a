-- Early deletion of spent records: sweep_at is when Sweep may delete a
-- row before its expires_at (NULL: only at expires_at). It is written
-- from the record (store's SweepEarlyAt): a revoked grant goes
-- store.RevokedGrantKept after its revocation, a consumed one-time code
-- at the next Sweep. The partial indexes hold only those rows.

-- +goose Up
ALTER TABLE grants ADD COLUMN sweep_at timestamptz;
CREATE INDEX grants_sweep_at ON grants (sweep_at) WHERE sweep_at IS NOT NULL;
ALTER TABLE otps ADD COLUMN sweep_at timestamptz;
CREATE INDEX otps_sweep_at ON otps (sweep_at) WHERE sweep_at IS NOT NULL;
UPDATE otps SET sweep_at = (record->>'created_at')::timestamptz
    WHERE coalesce((record->>'consumed')::boolean, false);

-- +goose Down
DROP INDEX otps_sweep_at;
ALTER TABLE otps DROP COLUMN sweep_at;
DROP INDEX grants_sweep_at;
ALTER TABLE grants DROP COLUMN sweep_at;
