package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/internal/loadgen"
	"github.com/passerelle/passerelle/internal/syncbuf"
)

// backupAdminToken is the admin API token of the backup test.
const backupAdminToken = "backup-test-admin-token-0123456789abcdef"

// TestBackupRestoreKeepsRefreshToken is the operator's whole path: a
// person signs in (upstream, TOTP) and gets a refresh token; `store
// backup` copies the store while the broker serves it; the broker stops
// and its file is wiped; the copy is put back (and compacted); the broker
// starts again and the refresh token still works.
func TestBackupRestoreKeepsRefreshToken(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	issuer := fmt.Sprintf("http://127.0.0.1:%d", port)

	upLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	upIssuer := "http://" + upLn.Addr().String() + "/up"
	pp := loadgen.NewPeople(1, time.Now, nil)
	idp, err := demoidp.New(demoidp.Config{Issuer: upIssuer, Name: map[string]string{"en": "Up", "fr": "Amont"},
		ClientID: "passerelle", ClientSecret: "upstream-secret", RedirectURIs: []string{issuer + "/callback/up"},
		Users: pp.UpstreamUsers()})
	if err != nil {
		t.Fatal(err)
	}
	upSrv := &http.Server{Handler: idp}
	go upSrv.Serve(upLn)
	defer upSrv.Close()

	db := filepath.Join(dir, "p.db")
	cfg := filepath.Join(dir, "c.yaml")
	body := fmt.Sprintf(`server: {listen: "127.0.0.1:%d", issuer: %q}
store: {bolt: {path: %q}}
keys: {master_key: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}
admin: {token: %q}
providers:
  - {id: up, type: oidc, name: {en: Up, fr: Amont}, oidc: {issuer: %q, client_id: passerelle, client_secret: upstream-secret}}
clients:
  - {id: %s, name: {en: Bench, fr: Banc}, secret: %q, redirect_uris: ["https://%s/cb"]}
`, port, issuer, db, backupAdminToken, upIssuer, loadgen.ClientID, loadgen.ClientSecret, loadgen.RPHost)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}

	stop := startServe(t, cfg, issuer)
	ps := loadgen.NewPasserelle(issuer, &http.Transport{}, pp)
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, ps.HTTP)
	if _, err := ps.EnrolAll(ctx, 1); err != nil {
		t.Fatalf("enrol: %v", err)
	}
	tok, err := ps.SignIn(ctx)
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("sign-in: %v (refresh token %q)", err, tok.RefreshToken)
	}

	backup := filepath.Join(dir, "backup.db")
	var out syncbuf.Buffer
	if err := run(t.Context(), []string{"store", "backup", "-config", cfg, backup}, &out, &out); err != nil {
		t.Fatalf("store backup while serving: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "backup of the broker at "+issuer) {
		t.Errorf("the backup did not come from the running broker: %s", out.String())
	}
	stop()

	// Wipe, restore, compact, serve again.
	if err := os.Remove(db); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out = syncbuf.Buffer{}
	if err := run(t.Context(), []string{"store", "compact", "-config", cfg}, &out, &out); err != nil {
		t.Fatalf("store compact: %v\n%s", err, out.String())
	}
	stop = startServe(t, cfg, issuer)
	defer stop()
	fresh, err := ps.OAuth.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh after restore: %v", err)
	}
	if fresh.AccessToken == "" || fresh.RefreshToken == "" || fresh.RefreshToken == tok.RefreshToken {
		t.Errorf("refresh after restore: %+v", fresh)
	}

	// A stopped broker's file is read directly.
	stop()
	out = syncbuf.Buffer{}
	if err := run(t.Context(), []string{"store", "backup", "-config", cfg, backup}, &out, &out); err != nil ||
		!strings.Contains(out.String(), "backup of the stopped file "+db) {
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
