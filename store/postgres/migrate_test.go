package postgres

import (
	"io/fs"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/passerelle/passerelle/internal/pgtest"
	"github.com/passerelle/passerelle/store"
)

// TestUpgradeAddsTermsAcceptances: a database left at version 2 by an
// older Passerelle keeps its rows when Open applies 00003, and gains the
// terms_acceptances table.
func TestUpgradeAddsTermsAcceptances(t *testing.T) {
	ctx := t.Context()
	dsn := pgtest.Schema(t)
	pool := migrateTo(t, dsn, 2)
	if _, err := pool.Exec(ctx, `INSERT INTO clients (id, record) VALUES ('portal', '{"id":"portal"}')`); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatalf("Open a version 2 database: %v", err)
	}
	defer s.Close()
	if c, err := s.GetClient(ctx, "portal"); err != nil || c.ID != "portal" {
		t.Errorf("client written at version 2: %+v, %v", c, err)
	}
	a := store.TermsAcceptance{AccountID: "a1", ClientID: "portal", Version: "2026-03",
		AcceptedAt: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)}
	if err := s.PutTermsAcceptance(ctx, a); err != nil {
		t.Fatalf("PutTermsAcceptance after the upgrade: %v", err)
	}
	if got, err := s.GetTermsAcceptance(ctx, "a1", "portal"); err != nil || got.Version != a.Version || !got.AcceptedAt.Equal(a.AcceptedAt) {
		t.Errorf("GetTermsAcceptance after the upgrade: %+v, %v; want %+v", got, err, a)
	}
}

// TestUpgradeRenamesClientFields: a client written at version 3, under the
// old field names, reads whole after Open applies 00004.
func TestUpgradeRenamesClientFields(t *testing.T) {
	ctx := t.Context()
	dsn := pgtest.Schema(t)
	pool := migrateTo(t, dsn, 3)
	old := `{"id":"portal","auth_method":"client_secret_post","id_token_alg":"RS256","mfa_factors":["totp"],"mfa_every_sign_in":true,"default_acr":"loa3"}`
	if _, err := pool.Exec(ctx, `INSERT INTO clients (id, record) VALUES ('portal', $1), ('plain', '{"id":"plain"}')`, old); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatalf("Open a version 3 database: %v", err)
	}
	defer s.Close()
	c, err := s.GetClient(ctx, "portal")
	if err != nil || c.AuthMethod != "client_secret_post" || c.IDTokenAlg != "RS256" ||
		len(c.MFA.Factors) != 1 || c.MFA.Factors[0] != "totp" || !c.MFA.EverySignIn || c.MFA.ACR != "loa3" {
		t.Errorf("client written at version 3: %+v, %v", c, err)
	}
	if c, err := s.GetClient(ctx, "plain"); err != nil || c.ID != "plain" || c.AuthMethod != "" {
		t.Errorf("client without the renamed fields: %+v, %v", c, err)
	}
}

// migrateTo applies the migrations of dsn's schema up to version, as an
// older Passerelle left it, and returns a pool on it, closed with t.
func migrateTo(t *testing.T, dsn string, version int64) *pgxpool.Pool {
	t.Helper()
	pool, err := connect(t.Context(), dsn, 0, DefaultQueryTimeout, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	db := stdlib.OpenDBFromPool(pool)
	t.Cleanup(func() { db.Close() })
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, db, dir,
		goose.WithDisableGlobalRegistry(true), goose.WithLogger(goose.NopLogger()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.UpTo(t.Context(), version); err != nil {
		t.Fatalf("migrate to version %d: %v", version, err)
	}
	return pool
}

// TestUpgradeCountsAuthRequests: sign-ins in progress written at version
// 10 are counted when Open applies 00011, and only the one whose person
// has passed no credential (no account named, no first-time identity
// waiting) is evictable: at the cap, a new sign-in takes its place, then
// the next one the new one's.
func TestUpgradeCountsAuthRequests(t *testing.T) {
	ctx := t.Context()
	dsn := pgtest.Schema(t)
	pool := migrateTo(t, dsn, 10)
	if _, err := pool.Exec(ctx, `INSERT INTO auth_requests (id, expires_at, record) VALUES
		('anonymous', now() + interval '1 hour', '{"id":"anonymous"}'),
		('signed-in', now() + interval '1 hour', '{"id":"signed-in","account_id":"acct-1"}'),
		('newcomer', now() + interval '1 hour', '{"id":"newcomer","new_identity":{"provider":"up","subject":"s"}}')`); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, dsn, Options{MaxAuthRequests: 3})
	if err != nil {
		t.Fatalf("Open a version 10 database: %v", err)
	}
	defer s.Close()
	for _, step := range []struct{ create, want string }{
		{"fresh-1", "{signed-in,newcomer,fresh-1}"},
		{"fresh-2", "{signed-in,newcomer,fresh-2}"},
	} {
		if err := s.CreateAuthRequest(ctx, store.AuthRequest{ID: step.create, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatalf("create %s at the cap: %v", step.create, err)
		}
		var held string
		if err := s.pool.QueryRow(ctx, "SELECT array_agg(id ORDER BY seq)::text FROM auth_requests").Scan(&held); err != nil {
			t.Fatal(err)
		}
		if held != step.want {
			t.Errorf("after creating %s: %s held, want %s", step.create, held, step.want)
		}
		checkCounted(t, s)
	}
}
