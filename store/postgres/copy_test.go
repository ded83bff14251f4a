package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/pgtest"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/bolt"
)

// TestCopyBoltToPostgres fills a bbolt store with one record of each
// kind (and the cases Copy must take care of), copies it into a fresh
// schema, reads everything back, copies again (nothing new), and copies
// the PostgreSQL store into a second bbolt file, which must export what
// the first one did.
func TestCopyBoltToPostgres(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Schema(t)
	src := openBolt(t)
	now := time.Now().UTC().Truncate(time.Second)
	fillForCopy(t, src, now)

	dst, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	counts, err := store.Copy(ctx, src, dst)
	if err != nil {
		t.Fatalf("copy: %v", err)
	}
	want := map[string]int{"client": 1, "signing_key": 1, "account": 2, "link": 2, "grant": 1, "session": 1,
		"factor": 2, "local_user": 1, "terms_acceptance": 1, "audit": 2,
		"grant" + store.SkippedSuffix: 1, "session" + store.SkippedSuffix: 1, "local_user" + store.SkippedSuffix: 1}
	if !maps.Equal(counts, want) {
		t.Errorf("counts\n got %v\nwant %v", counts, want)
	}
	checkCopied(t, dst, now)

	again, err := store.Copy(ctx, src, dst)
	if err != nil {
		t.Fatalf("second copy: %v", err)
	}
	for k, n := range again {
		if n > 0 && !strings.HasSuffix(k, store.SkippedSuffix) {
			t.Errorf("second copy wrote %d %s records; want none", n, k)
		}
	}

	back := openBolt(t)
	if _, err := store.Copy(ctx, dst, back); err != nil {
		t.Fatalf("copy back to bbolt: %v", err)
	}
	srcRecords := exported(t, src, now)
	for name, x := range map[string]store.Exporter{"postgres": dst, "bbolt copied back": back} {
		if got := exported(t, x, now); !slices.Equal(got, srcRecords) {
			t.Errorf("%s exports\n%v\nwant (the live records of the source)\n%v", name, got, srcRecords)
		}
	}
}

func openBolt(t *testing.T) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(t.TempDir()+"/p.db", bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fillForCopy writes, through the Store methods: a client, a signing key,
// an account with two links, an account whose only link was removed, a
// grant whose refresh token was rotated, an expired grant, a live and an
// expired session, a TOTP and a WebAuthn factor, a confirmed and an
// expired unconfirmed local user, a terms acceptance (put twice), two
// audit events, and transient records Copy must leave behind (auth
// request, one-time code, rate counter).
func fillForCopy(t *testing.T, s store.Store, now time.Time) {
	t.Helper()
	ctx := context.Background()
	later := now.Add(time.Hour)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.CreateClient(ctx, store.Client{ID: "rp1", SecretHash: store.HashToken("s"), RedirectURIs: []string{"https://rp.example/cb"},
		Name: map[string]string{"en": "RP", "fr": "PR"}, AuthMethod: "client_secret_basic", CreatedAt: now}))
	must(s.CreateSigningKey(ctx, store.SigningKey{ID: "k1", Alg: "ES256", Private: []byte("sealed"), Public: []byte("pub"),
		CreatedAt: now, ActiveAt: now}))
	must(s.CreateAccount(ctx, store.Account{ID: "a1", URN: "URN-1", Email: "a@example.org", CreatedAt: now, LastLoginAt: now, Failures: 2},
		store.Link{Provider: "gckey", Subject: "s1", CreatedAt: now}))
	must(s.CreateLink(ctx, store.Link{Provider: "bank-a", Subject: "s2", AccountID: "a1", CreatedAt: now}))
	must(s.CreateAccount(ctx, store.Account{ID: "a2", URN: "URN-2", CreatedAt: now, LastLoginAt: now},
		store.Link{Provider: "gckey", Subject: "gone", CreatedAt: now}))
	must(s.DeleteLink(ctx, "gckey", "gone"))
	g := store.Grant{ID: "g1", ClientID: "rp1", AccountID: "a1", Subject: "pairwise", Scopes: []string{"openid"},
		AuthTime: now, RefreshHash: store.HashToken("r1"), CreatedAt: now, ExpiresAt: later}
	must(s.CreateGrant(ctx, g))
	must(s.UpdateGrant(ctx, "g1", func(g store.Grant) (store.Grant, error) {
		g.RefreshHash = store.HashToken("r2")
		return g, nil
	}))
	must(s.CreateGrant(ctx, store.Grant{ID: "g-old", AccountID: "a1", CreatedAt: now, ExpiresAt: now.Add(-time.Minute)}))
	must(s.CreateSession(ctx, store.Session{Hash: store.HashToken("c1"), ID: "sid1", AccountID: "a1", Provider: "gckey",
		AuthTime: now, AMR: []string{"pwd", "otp"}, LastSeenAt: now, ExpiresAt: later}))
	must(s.CreateSession(ctx, store.Session{Hash: store.HashToken("c-old"), ID: "sid-old", AccountID: "a1", ExpiresAt: now.Add(-time.Minute)}))
	must(s.CreateFactor(ctx, store.Factor{ID: "f1", AccountID: "a1", Kind: store.FactorTOTP, Sealed: []byte("totp"), LastStep: 42, CreatedAt: now}))
	must(s.CreateFactor(ctx, store.Factor{ID: "f2", AccountID: "a1", Kind: store.FactorWebAuthn, Sealed: []byte("cred"),
		CredentialID: []byte("cred-id"), SignCount: 7, CreatedAt: now.Add(time.Second)}))
	must(s.CreateLocalUser(ctx, store.LocalUser{ID: "u1", Username: "alex", Email: "alex@example.org", PasswordHash: "$argon2id$x",
		Confirmed: true, CreatedAt: now, PasswordChangedAt: now}))
	must(s.CreateLocalUser(ctx, store.LocalUser{ID: "u-old", Username: "late", Email: "late@example.org", PasswordHash: "$argon2id$y",
		ExpiresAt: now.Add(-time.Minute), CreatedAt: now.Add(-time.Hour)}))
	must(s.PutTermsAcceptance(ctx, store.TermsAcceptance{AccountID: "a1", ClientID: "rp1", Version: "1", AcceptedAt: now}))
	must(s.PutTermsAcceptance(ctx, store.TermsAcceptance{AccountID: "a1", ClientID: "rp1", Version: "2", AcceptedAt: later}))
	must(s.AppendAudit(ctx, store.AuditEvent{ID: "e1", Time: now, Kind: "signin", AccountID: "a1", Outcome: "success"}))
	must(s.AppendAudit(ctx, store.AuditEvent{ID: "e2", Time: now.Add(time.Second), Kind: "factor.add", Detail: map[string]string{"kind": "totp"}}))
	must(s.CreateAuthRequest(ctx, store.AuthRequest{ID: "ar1", ClientID: "rp1", CreatedAt: now, ExpiresAt: later}))
	must(s.CreateOTP(ctx, store.OTP{ID: "o1", AccountID: "a1", Purpose: "signin", Hash: []byte("h"), CreatedAt: now, ExpiresAt: later}))
	if _, err := s.Hit(ctx, "sends:a1", time.Hour); err != nil {
		t.Fatal(err)
	}
}

// checkCopied reads the copied records back through the Store methods.
func checkCopied(t *testing.T, s store.Store, now time.Time) {
	t.Helper()
	ctx := context.Background()
	if a, err := s.GetAccountByURN(ctx, "URN-1"); err != nil || a.ID != "a1" || a.Failures != 2 {
		t.Errorf("account a1: %+v, %v", a, err)
	}
	if ls, err := s.ListLinks(ctx, "a1"); err != nil || len(ls) != 2 {
		t.Errorf("links of a1: %+v, %v", ls, err)
	}
	if a, err := s.GetAccount(ctx, "a2"); err != nil || a.URN != "URN-2" {
		t.Errorf("account a2 (no links): %+v, %v", a, err)
	}
	if ls, err := s.ListLinks(ctx, "a2"); err != nil || len(ls) != 0 {
		t.Errorf("links of a2: %+v, %v (the placeholder link must be gone)", ls, err)
	}
	for _, r := range []string{"r1", "r2"} {
		g, err := s.GetGrantByRefreshHash(ctx, "g1", store.HashToken(r))
		if err != nil || g.ID != "g1" || string(g.RefreshHash) != string(store.HashToken("r2")) {
			t.Errorf("grant by refresh %s: %+v, %v (the rotated-away hash must still resolve)", r, g, err)
		}
	}
	if _, err := s.GetGrant(ctx, "g-old"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired grant: %v, want not found", err)
	}
	if sess, err := s.GetSession(ctx, store.HashToken("c1")); err != nil || sess.ID != "sid1" {
		t.Errorf("session: %+v, %v", sess, err)
	}
	if f, err := s.GetFactorByCredentialID(ctx, []byte("cred-id")); err != nil || f.ID != "f2" || f.SignCount != 7 {
		t.Errorf("webauthn factor: %+v, %v", f, err)
	}
	if u, err := s.GetLocalUserByUsername(ctx, "alex"); err != nil || u.ID != "u1" {
		t.Errorf("local user: %+v, %v", u, err)
	}
	if a, err := s.GetTermsAcceptance(ctx, "a1", "rp1"); err != nil || a.Version != "2" || !a.AcceptedAt.Equal(now.Add(time.Hour)) {
		t.Errorf("terms acceptance: %+v, %v; want version 2, the latest", a, err)
	}
	if es, err := s.ListAudit(ctx, now.Add(-time.Hour), 0); err != nil || len(es) != 2 {
		t.Errorf("audit: %+v, %v", es, err)
	}
	if _, err := s.GetAuthRequest(ctx, "ar1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("auth request copied: %v; transient records stay behind", err)
	}
}

// exported lists what x exports, live records only, as sorted JSON lines
// (backends order links and refresh hashes differently).
func exported(t *testing.T, x store.Exporter, now time.Time) []string {
	t.Helper()
	var out []string
	err := x.Export(context.Background(), func(r store.Record) error {
		switch v := r.Value.(type) {
		case store.ExportedGrant:
			if v.Grant.ExpiresAt.Before(now) {
				return nil
			}
			slices.SortFunc(v.RefreshHashes, func(a, b []byte) int { return slices.Compare(a, b) })
			r.Value = v
		case store.Session:
			if v.ExpiresAt.Before(now) {
				return nil
			}
		case store.LocalUser:
			if !v.Confirmed && v.ExpiresAt.Before(now) {
				return nil
			}
		}
		raw, err := json.Marshal(r.Value)
		if err != nil {
			return err
		}
		out = append(out, r.Kind+" "+string(raw))
		return nil
	})
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	slices.Sort(out)
	return out
}
