package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/pgtest"
	"github.com/passerelle/passerelle/store"
)

// TestRetentionFromConfigReachesSweep: store.retention as an operator
// writes it in the YAML file, loaded and opened the way serve does
// (loadConfig, openStore), decides what Sweep deletes on both stores:
// audit events past audit_events go and younger ones stay; a refresh
// token rotated away longer than refresh_history ago is forgotten, a
// younger one still finds its grant. Without the section, audit events
// are kept 400 days and refresh history as long as its grant.
func TestRetentionFromConfigReachesSweep(t *testing.T) {
	for _, driver := range []string{"bolt", "postgres"} {
		t.Run(driver, func(t *testing.T) {
			section := func(t *testing.T) string {
				if driver == "bolt" {
					return fmt.Sprintf("bolt: {path: %q}", filepath.Join(t.TempDir(), "p.db"))
				}
				return fmt.Sprintf("driver: postgres\n  postgres: {dsn: %q}", pgtest.Schema(t))
			}
			t.Run("Configured", func(t *testing.T) {
				st := openConfigured(t, section(t)+"\n  retention: {audit_events: 48h, refresh_history: 30m}")
				checkRetention(t, st, 48*time.Hour, 30*time.Minute)
			})
			t.Run("Defaults", func(t *testing.T) {
				st := openConfigured(t, section(t))
				checkRetention(t, st, store.DefaultAuditRetention, 0)
			})
		})
	}
}

// openConfigured writes a configuration whose store section is store,
// loads it and opens its store as serve does.
func openConfigured(t *testing.T, storeSection string) store.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "passerelle.yaml")
	body := fmt.Sprintf(`server: {listen: "127.0.0.1:0", issuer: "http://127.0.0.1"}
store:
  %s
keys: {master_key: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}
providers:
  - {id: up, type: oidc, name: {en: Up, fr: Amont}, oidc: {issuer: "https://up.example", client_id: passerelle, client_secret: upstream-secret}}
clients:
  - {id: portal, name: {en: Portal, fr: Portail}, secret: "portal-secret-0123456789", redirect_uris: ["https://portal.example/cb"]}
`, storeSection)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatalf("loadConfig:\n%s\n%v", body, err)
	}
	st, err := openStore(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// checkRetention drives Sweep around the two cutoffs: audit events a
// minute either side of audit, and (when history is not zero) refresh
// tokens rotated away a minute either side of history; with a zero
// history, a token rotated away long ago still finds its grant.
func checkRetention(t *testing.T, st store.Store, audit, history time.Duration) {
	t.Helper()
	ctx := t.Context()
	now := time.Now()
	for id, age := range map[string]time.Duration{"older": audit + time.Minute, "younger": audit - time.Minute} {
		if err := st.AppendAudit(ctx, store.AuditEvent{ID: id, Time: now.Add(-age), Kind: "signin"}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := st.Sweep(ctx, now)
	if err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v; want 1 (the audit event older than %v)", n, err, audit)
	}
	events, err := st.ListAudit(ctx, time.Time{}, 0)
	if err != nil || len(events) != 1 || events[0].ID != "younger" {
		t.Errorf("audit events after Sweep: %+v, %v; want the younger one alone", events, err)
	}

	// The store stamps a rotation with its own clock (the real one here):
	// rotated marks a time at or before it, then at or after it.
	g := store.Grant{ID: "g", AccountID: "a", RefreshHash: store.HashToken("rt-0"), CreatedAt: now, ExpiresAt: now.Add(8 * time.Hour)}
	if err := st.CreateGrant(ctx, g); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	if err := st.UpdateGrant(ctx, "g", func(g store.Grant) (store.Grant, error) {
		g.RefreshHash = store.HashToken("rt-1")
		return g, nil
	}); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	rotatedAway := func() error {
		_, err := st.GetGrantByRefreshHash(ctx, "g", store.HashToken("rt-0"))
		return err
	}
	if history == 0 {
		if _, err := st.Sweep(ctx, after.Add(7*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := rotatedAway(); err != nil {
			t.Errorf("without refresh_history, a token rotated away 7 hours ago: %v, want its grant", err)
		}
		return
	}
	if _, err := st.Sweep(ctx, before.Add(history-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := rotatedAway(); err != nil {
		t.Errorf("a token rotated away less than refresh_history ago: %v, want its grant", err)
	}
	if _, err := st.Sweep(ctx, after.Add(history+time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := rotatedAway(); err == nil {
		t.Error("a token rotated away longer than refresh_history ago still finds its grant")
	}
	if _, err := st.GetGrantByRefreshHash(ctx, "g", store.HashToken("rt-1")); err != nil {
		t.Errorf("the current refresh token after Sweep: %v", err)
	}
}
