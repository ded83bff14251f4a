package broker_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/store"
)

// storedClient is a confidential client for the store, with secret.
func storedClient(t *testing.T, id, secret string) store.Client {
	t.Helper()
	c := store.Client{ID: id, Secret: secret, Name: map[string]string{"en": id, "fr": id}, RedirectURIs: []string{"https://" + id + ".example/cb"}}
	c.SetDefaults()
	if err := c.HashSecret(); err != nil {
		t.Fatal(err)
	}
	c.Secret = ""
	return c
}

// authenticates reports whether the token endpoint takes id and secret
// for a client's: a made-up code is then invalid_grant, where an unknown
// client or a wrong secret is invalid_client.
func (e *env) authenticates(id, secret string) bool {
	e.t.Helper()
	status, _, body := e.postForm("/oauth/token", id, secret, url.Values{
		"grant_type": {"authorization_code"}, "code": {"made-up"}, "redirect_uri": {"https://" + id + ".example/cb"}})
	switch {
	case status == http.StatusBadRequest && body["error"] == "invalid_grant":
		return true
	case status == http.StatusUnauthorized && body["error"] == "invalid_client":
		return false
	}
	e.t.Fatalf("token endpoint for %s: %d %v", id, status, body)
	return false
}

// TestStoredClientWritesSeenAtOnce: what the admin API of this process
// writes (told through admin.WithClientsChanged, as `passerelle serve`
// does) is seen by the next request: a client added works, a rotated
// secret stops working, a removed client is unknown, without waiting for
// the broker's copy to age.
func TestStoredClientWritesSeenAtOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cfg := broker.Config{}
	cfg.SetDefaults()
	svc := admin.New(e.store, nil, mfa.LockoutConfig{}, cfg.ClientRules([]string{"gckey"}), nil, e.clock.Now,
		admin.WithClientsChanged(e.broker.ClientsChanged))
	if e.authenticates("kept", "made-up") { // the copy is read here
		t.Fatal("a client not yet added authenticates")
	}
	_, first, err := svc.AddClient(ctx, store.Client{ID: "kept", Name: map[string]string{"en": "Kept", "fr": "Gardé"},
		RedirectURIs: []string{"https://kept.example/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	if !e.authenticates("kept", first) {
		t.Fatal("a client just added is unknown")
	}
	second, err := svc.RotateClientSecret(ctx, "kept")
	if err != nil {
		t.Fatal(err)
	}
	if e.authenticates("kept", first) || !e.authenticates("kept", second) {
		t.Error("the rotated secret is not the one that works")
	}
	if err := svc.RemoveClient(ctx, "kept"); err != nil {
		t.Fatal(err)
	}
	if e.authenticates("kept", second) {
		t.Error("a removed client still authenticates")
	}
}

// TestStoredClientWritesElsewhereSeenWithinTTL: what another replica or
// the command line writes to the store (the broker is not told) is
// seen once the broker's copy is StoredClientsTTL old: a client added
// works, a removed one is unknown.
func TestStoredClientWritesElsewhereSeenWithinTTL(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if e.authenticates("elsewhere", "secret-one") { // the copy is read here
		t.Fatal("a client not yet added authenticates")
	}
	if err := e.store.CreateClient(ctx, storedClient(t, "elsewhere", "secret-one")); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(broker.StoredClientsTTL)
	if !e.authenticates("elsewhere", "secret-one") {
		t.Fatal("a client added elsewhere is still unknown after StoredClientsTTL")
	}
	if err := e.store.DeleteClient(ctx, "elsewhere"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(broker.StoredClientsTTL)
	if e.authenticates("elsewhere", "secret-one") {
		t.Error("a client removed elsewhere still authenticates after StoredClientsTTL")
	}
}

// gatedClients is a store whose next ListClients, once armed, reads the
// clients, says so on read, then waits for release before answering:
// a read overtaken by a write.
type gatedClients struct {
	store.Store
	armed   chan struct{} // holds a token while the next read is to wait
	read    chan struct{}
	release chan struct{}
}

func (g *gatedClients) ListClients(ctx context.Context) ([]store.Client, error) {
	list, err := g.Store.ListClients(ctx)
	select {
	case <-g.armed:
		g.read <- struct{}{}
		<-g.release
	default:
	}
	return list, err
}

// TestStoredClientsReadOvertakenByWrite: a read of the stored clients
// that began before a write of this process's admin API, and ends after
// it, is not what the next request sees: the client just added works.
func TestStoredClientsReadOvertakenByWrite(t *testing.T) {
	g := &gatedClients{armed: make(chan struct{}, 1), read: make(chan struct{}), release: make(chan struct{})}
	e := newEnvStore(t, demoidp.Faults{}, func(st store.Store) store.Store { g.Store = st; return g })
	cfg := broker.Config{}
	cfg.SetDefaults()
	svc := admin.New(e.store, nil, mfa.LockoutConfig{}, cfg.ClientRules([]string{"gckey"}), nil, e.clock.Now,
		admin.WithClientsChanged(e.broker.ClientsChanged))
	g.armed <- struct{}{}
	done := make(chan int)
	go func() { // a token request of a client not yet added
		req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth/token", strings.NewReader("grant_type=authorization_code&code=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("late", "made-up")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	<-g.read // the read has the clients before the write
	_, secret, err := svc.AddClient(context.Background(), store.Client{ID: "late", Name: map[string]string{"en": "Late", "fr": "Tard"},
		RedirectURIs: []string{"https://late.example/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	close(g.release)
	if status := <-done; status != http.StatusUnauthorized {
		t.Fatalf("a client not yet added: %d", status)
	}
	if !e.authenticates("late", secret) {
		t.Error("a client added while an older read was under way is unknown")
	}
}
