package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/internal/loadgen"
	"github.com/passerelle/passerelle/internal/syncbuf"
)

// backupAdminToken is the admin API token of the backup test.
const backupAdminToken = "backup-test-admin-token-0123456789abcdef"

// signedIn is a broker serving a configuration, with one person signed
// in (upstream, TOTP) and the refresh token they were given.
type signedIn struct {
	cfg, issuer, db string // db: the bbolt file, when the store is one
	ps              *loadgen.Passerelle
	tok             *oauth2.Token
	stop            func()
}

// signIn starts an upstream and `serve` on a configuration whose store
// section is storeSection (a bbolt file in the test's directory when
// empty), and signs one person in.
func signIn(t *testing.T, storeSection string) *signedIn {
	t.Helper()
	dir := t.TempDir()
	port := freePort(t)
	s := &signedIn{issuer: fmt.Sprintf("http://127.0.0.1:%d", port), cfg: filepath.Join(dir, "c.yaml")}

	pp := loadgen.NewPeople(1, time.Now, nil)
	up, err := loadgen.StartUpstream(s.issuer, pp, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { up.Close() })

	if storeSection == "" {
		s.db = filepath.Join(dir, "p.db")
		storeSection = fmt.Sprintf("{bolt: {path: %q}}", s.db)
	}
	body := fmt.Sprintf(`server: {listen: "127.0.0.1:%d", issuer: %q}
store: %s
keys: {master_key: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}
admin: {token: %q}
providers:
  - %s
clients:
  - %s
`, port, s.issuer, storeSection, backupAdminToken, up.ProviderYAML(), loadgen.ClientYAML())
	if err := os.WriteFile(s.cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}

	s.stop = startServe(t, s.cfg, s.issuer)
	t.Cleanup(s.stop)
	s.ps = loadgen.NewPasserelle(s.issuer, &loadgen.Transport{}, pp)
	if _, err := s.ps.EnrolAll(t.Context(), 1); err != nil {
		t.Fatalf("enrol: %v", err)
	}
	s.tok, err = s.ps.SignIn(t.Context())
	if err != nil || s.tok.RefreshToken == "" {
		t.Fatalf("sign-in: %v (refresh token %q)", err, s.tok.RefreshToken)
	}
	return s
}

// restart serves the configuration again, and checks that the refresh
// token given at sign-in still works (it rotates).
func (s *signedIn) restartAndRefresh(t *testing.T) {
	t.Helper()
	s.stop = startServe(t, s.cfg, s.issuer)
	t.Cleanup(s.stop)
	fresh, err := s.ps.OAuth.TokenSource(t.Context(), &oauth2.Token{RefreshToken: s.tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh after restore: %v", err)
	}
	if fresh.AccessToken == "" || fresh.RefreshToken == "" || fresh.RefreshToken == s.tok.RefreshToken {
		t.Errorf("refresh after restore: %+v", fresh)
	}
}

// TestBackupRestoreKeepsRefreshToken is the operator's whole path: a
// person signs in (upstream, TOTP) and gets a refresh token; `store
// backup` copies the store while the broker serves it; the broker stops
// and its file is wiped; the copy is put back (and compacted); the broker
// starts again and the refresh token still works.
func TestBackupRestoreKeepsRefreshToken(t *testing.T) {
	s := signIn(t, "")
	backup := filepath.Join(t.TempDir(), "backup.db")
	var out syncbuf.Buffer
	if err := run(t.Context(), []string{"store", "backup", "-config", s.cfg, backup}, &out, &out); err != nil {
		t.Fatalf("store backup while serving: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "backup of the broker at "+s.issuer) {
		t.Errorf("the backup did not come from the running broker: %s", out.String())
	}
	s.stop()

	// Wipe, restore, compact, serve again.
	if err := os.Remove(s.db); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.db, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out = syncbuf.Buffer{}
	if err := run(t.Context(), []string{"store", "compact", "-config", s.cfg}, &out, &out); err != nil {
		t.Fatalf("store compact: %v\n%s", err, out.String())
	}
	s.restartAndRefresh(t)

	// A stopped broker's file is read directly.
	s.stop()
	out = syncbuf.Buffer{}
	if err := run(t.Context(), []string{"store", "backup", "-config", s.cfg, backup}, &out, &out); err != nil ||
		!strings.Contains(out.String(), "backup of the stopped file "+s.db) {
		t.Fatalf("store backup of a stopped file: %v\n%s", err, out.String())
	}
}

// startServe runs `serve` with cfg until the returned stop is called
// (more than once is fine), once /readyz answers at base.
func startServe(t *testing.T, cfg, base string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs syncbuf.Buffer
	go func() { done <- run(ctx, []string{"serve", "-config", cfg}, &logs, &logs) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v\n%s", err, logs.String())
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return stop
			}
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("serve never became ready: %s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
