package broker_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/broker"
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
