-- One holder (an account, or an upstream identity waiting for the
-- person's choice: store.AuthRequest.Holder) keeps at most 8
-- (store.MaxHeldAuthRequests) requests past their credential protected
-- from eviction: without it, one person passing their own credential in
-- MaxAuthRequests sign-ins never finished would make the table refuse
-- everyone's.
--
-- holder is written with the record (NULL while the request is not past
-- its credential). evictable now follows holder, not the record: a
-- trigger sets it when the request is created or its holder changes
-- (true without a holder, false with one), and leaves it alone on any
-- other update, so a request made evictable stays so. When a request
-- gets a holder, a second trigger makes the holder's protected requests
-- beyond its 8 newest (by seq, the creation order) evictable, through
-- the partial index of protected requests by holder: a probe of at most
-- 9 rows, in the statement that named the holder (no statement more).
-- Requests past their credential at the upgrade keep their evictable
-- false and no holder until they are updated or expire (minutes).

-- +goose Up
ALTER TABLE auth_requests ADD COLUMN holder text;
CREATE INDEX auth_requests_held ON auth_requests (holder, seq) WHERE NOT evictable;

-- +goose StatementBegin
CREATE FUNCTION auth_requests_holder_evictable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.evictable := NEW.holder IS NULL;
    RETURN NEW;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION auth_requests_holder_bounded() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_requests SET evictable = true
    WHERE holder = NEW.holder AND NOT evictable AND seq <= (
        SELECT seq FROM auth_requests WHERE holder = NEW.holder AND NOT evictable
        ORDER BY seq DESC OFFSET 8 LIMIT 1);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER auth_requests_held_inserted BEFORE INSERT ON auth_requests
    FOR EACH ROW WHEN (NEW.holder IS NOT NULL) EXECUTE FUNCTION auth_requests_holder_evictable();
CREATE TRIGGER auth_requests_held_updated BEFORE UPDATE OF holder ON auth_requests
    FOR EACH ROW WHEN (OLD.holder IS DISTINCT FROM NEW.holder) EXECUTE FUNCTION auth_requests_holder_evictable();
CREATE TRIGGER auth_requests_held_bounded_inserted AFTER INSERT ON auth_requests
    FOR EACH ROW WHEN (NEW.holder IS NOT NULL) EXECUTE FUNCTION auth_requests_holder_bounded();
CREATE TRIGGER auth_requests_held_bounded_updated AFTER UPDATE OF holder ON auth_requests
    FOR EACH ROW WHEN (NEW.holder IS NOT NULL AND OLD.holder IS DISTINCT FROM NEW.holder)
    EXECUTE FUNCTION auth_requests_holder_bounded();

-- +goose Down
DROP TRIGGER auth_requests_held_bounded_updated ON auth_requests;
DROP TRIGGER auth_requests_held_bounded_inserted ON auth_requests;
DROP TRIGGER auth_requests_held_updated ON auth_requests;
DROP TRIGGER auth_requests_held_inserted ON auth_requests;
DROP FUNCTION auth_requests_holder_bounded();
DROP FUNCTION auth_requests_holder_evictable();
DROP INDEX auth_requests_held;
ALTER TABLE auth_requests DROP COLUMN holder;
