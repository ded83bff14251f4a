package admin_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/syncbuf"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/bolt"
)

const (
	testToken = "test-admin-token-0123456789abcdefghij"
	testURN   = "1234-5678-9012"
	// configSecret is the secret of the configured client: no answer may
	// show it.
	configSecret = "config-secret-0123456789"
)

var epoch = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// configClients are declared in the configuration file, read-only here.
var configClients = []broker.ClientConfig{{Client: store.Client{
	ID: "portal", Secret: configSecret, Name: map[string]string{"en": "Portal", "fr": "Portail"},
	RedirectURIs: []string{"https://portal.example/cb"}, AuthMethod: "client_secret_basic",
	SubjectType: "pairwise", IDTokenAlg: "ES256", Steps: []string{"legacy"},
}}}

// testRules are the client rules of a deployment with the default mfa
// section and two providers.
func testRules() store.ClientRules {
	var cfg broker.Config
	cfg.SetDefaults()
	return cfg.ClientRules([]string{"gckey", "bank"})
}

// fixture is the admin API on httptest over a real bbolt file and the
// broker's real signing keys, with a fixed clock.
type fixture struct {
	t   *testing.T
	st  *bolt.Store
	svc *admin.Service
	srv *httptest.Server
	log *syncbuf.Buffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	now := func() time.Time { return epoch }
	st, err := bolt.Open(filepath.Join(t.TempDir(), "passerelle.db"), bolt.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	master := make([]byte, store.MasterKeySize)
	if _, err := rand.Read(master); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	b, err := broker.New(context.Background(), broker.Config{Clients: configClients},
		broker.Deps{Store: st, MasterKey: master, Issuer: "https://login.example", Now: now, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncbuf.Buffer{}
	svc := admin.New(st, b.Keys(), mfa.LockoutConfig{}, testRules(), configClients, now,
		admin.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	srv := httptest.NewServer(svc.Handler(testToken))
	t.Cleanup(srv.Close)
	return &fixture{t: t, st: st, svc: svc, srv: srv, log: logs}
}

// response is an answer of the API.
type response struct {
	status int
	header http.Header
	raw    string
}

// json decodes the body into v.
func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.raw), v); err != nil {
		t.Fatalf("decode %q: %v", r.raw, err)
	}
}

// errorMessage is the "error" member of an error answer.
func (r response) errorMessage(t *testing.T) string {
	t.Helper()
	var e struct{ Error string }
	r.json(t, &e)
	return e.Error
}

// call sends a request with the admin token; body, when not "", is sent
// as JSON.
func (f *fixture) call(method, path, body string) response {
	f.t.Helper()
	return f.callWith(method, path, body, map[string]string{"Authorization": "Bearer " + testToken})
}

func (f *fixture) callWith(method, path, body string, header map[string]string) response {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, raw: string(raw)}
}

// expect fails unless r has status; every answer is JSON (or empty) and
// never cached.
func (f *fixture) expect(r response, status int) {
	f.t.Helper()
	if r.status != status {
		f.t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		f.t.Errorf("Cache-Control %q, want no-store", cc)
	}
	if r.raw != "" && r.header.Get("Content-Type") != "application/json" {
		f.t.Errorf("Content-Type %q, want application/json", r.header.Get("Content-Type"))
	}
}

// audited returns the audit events of kind.
func (f *fixture) audited(kind string) []store.AuditEvent {
	f.t.Helper()
	events, err := f.st.ListAudit(context.Background(), time.Time{}, 0)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []store.AuditEvent
	for _, e := range events {
		if e.Kind == kind {
			if e.Actor != admin.Actor {
				f.t.Errorf("%s: actor %q, want %q", kind, e.Actor, admin.Actor)
			}
			out = append(out, e)
		}
	}
	return out
}

// seedAccount stores an account with two credentials (gckey, bank), a
// TOTP factor, a recovery factor, an SSO session and a grant.
func (f *fixture) seedAccount() store.Account {
	f.t.Helper()
	ctx := context.Background()
	a := store.Account{ID: "acct-1", URN: testURN, Email: "jeanne@example.ca", GivenName: "Jeanne",
		CreatedAt: epoch.Add(-48 * time.Hour), LastLoginAt: epoch.Add(-time.Hour), Failures: 3, LastFailureAt: epoch}
	must := func(err error) {
		f.t.Helper()
		if err != nil {
			f.t.Fatal(err)
		}
	}
	must(f.st.CreateAccount(ctx, a, store.Link{Provider: "gckey", Subject: "upstream-sub-1", AccountID: a.ID, CreatedAt: a.CreatedAt}))
	must(f.st.CreateLink(ctx, store.Link{Provider: "bank", Subject: "upstream-sub-2", AccountID: a.ID, CreatedAt: epoch}))
	must(f.st.CreateFactor(ctx, store.Factor{ID: "f-totp", AccountID: a.ID, Kind: store.FactorTOTP, Name: "phone",
		Sealed: []byte("sealed-totp-secret"), CreatedAt: a.CreatedAt}))
	must(f.st.CreateFactor(ctx, store.Factor{ID: "f-rec", AccountID: a.ID, Kind: store.FactorRecovery, CreatedAt: a.CreatedAt.Add(time.Minute),
		Codes: []store.RecoveryCode{{Hash: store.HashToken("r1")}, {Hash: store.HashToken("r2"), UsedAt: epoch}}}))
	must(f.st.CreateSession(ctx, store.Session{Hash: store.HashToken("cookie"), ID: "sid-1", AccountID: a.ID,
		Provider: "gckey", AuthTime: epoch, LastSeenAt: epoch, ExpiresAt: epoch.Add(time.Hour)}))
	must(f.st.CreateGrant(ctx, store.Grant{ID: "grant-1", ClientID: "portal", AccountID: a.ID, Subject: "s",
		Scopes: []string{"openid"}, AuthTime: epoch, RefreshHash: store.HashToken("refresh"),
		CreatedAt: epoch, ExpiresAt: epoch.Add(8 * time.Hour)}))
	return a
}
