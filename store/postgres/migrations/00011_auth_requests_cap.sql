-- The sign-ins in progress are bounded (Options.MaxAuthRequests): an
-- anonymous visitor can create them, so their number must not grow without
-- limit. auth_request_counts keeps their number without a count(*) per
-- insert: statement-level triggers add the rows each INSERT adds and
-- subtract the rows each DELETE removes, in the same transaction, into a
-- slot chosen by the backend's process ID (so concurrent connections seldom
-- wait for each other's slot). The total is the sum of the slots. Both
-- tables are UNLOGGED: a crash empties them together.
--
-- evictable marks a request whose person has passed no credential yet (no
-- account named, no first-time upstream identity waiting for their choice:
-- store.AuthRequest.PastCredential), which a full table may evict, oldest
-- first: seq is the creation order and the partial index finds the oldest
-- evictable request in one probe.

-- +goose Up
CREATE UNLOGGED TABLE auth_request_counts (
    slot int PRIMARY KEY,
    n    bigint NOT NULL
);

ALTER TABLE auth_requests
    ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY,
    ADD COLUMN evictable boolean NOT NULL DEFAULT true;
UPDATE auth_requests SET evictable = coalesce(record->>'account_id', '') = '' AND record->'new_identity' IS NULL;
CREATE INDEX auth_requests_evictable ON auth_requests (seq) WHERE evictable;
-- After the ALTER TABLE, which holds the table's lock until the end.
INSERT INTO auth_request_counts (slot, n) SELECT 0, count(*) FROM auth_requests;

-- +goose StatementBegin
CREATE FUNCTION auth_requests_counted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT count(*) INTO delta FROM added;
    ELSE
        SELECT -count(*) INTO delta FROM removed;
    END IF;
    IF delta <> 0 THEN
        INSERT INTO auth_request_counts AS c (slot, n) VALUES (pg_backend_pid() % 64, delta)
            ON CONFLICT (slot) DO UPDATE SET n = c.n + excluded.n;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION auth_requests_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM auth_request_counts;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER auth_requests_inserted AFTER INSERT ON auth_requests
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION auth_requests_counted();
CREATE TRIGGER auth_requests_deleted AFTER DELETE ON auth_requests
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION auth_requests_counted();
CREATE TRIGGER auth_requests_truncated AFTER TRUNCATE ON auth_requests
    FOR EACH STATEMENT EXECUTE FUNCTION auth_requests_truncated();

-- +goose Down
DROP TRIGGER auth_requests_truncated ON auth_requests;
DROP TRIGGER auth_requests_deleted ON auth_requests;
DROP TRIGGER auth_requests_inserted ON auth_requests;
DROP FUNCTION auth_requests_truncated();
DROP FUNCTION auth_requests_counted();
DROP INDEX auth_requests_evictable;
ALTER TABLE auth_requests DROP COLUMN evictable, DROP COLUMN seq;
DROP TABLE auth_request_counts;
