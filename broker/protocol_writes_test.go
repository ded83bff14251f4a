package broker_test

import (
	"net/url"
	"testing"

	"github.com/passerelle/passerelle/store/bolt"
)

// TestProtocolEndpointWrites counts the durable writes of the
// back-channel endpoints (issue 15) with the store's own counter: an
// introspection, of an access or a refresh token, writes nothing; a
// refresh grant writes once (the rotation, which spends the old token).
func TestProtocolEndpointWrites(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	tok := e.signIn(r, e.browser(), "gckey", "alex")
	st := e.store.(*bolt.Store)

	before := st.Writes()
	if e.introspect(tok.AccessToken)["active"] != true {
		t.Fatal("the access token of a fresh sign-in is inactive")
	}
	// A refresh token is introspected by the client it was issued to.
	if _, _, body := e.postForm("/oauth/introspect", "rp1", rpSecret, url.Values{"token": {tok.RefreshToken}}); body["active"] != true {
		t.Fatalf("the refresh token of a fresh sign-in: %v", body)
	}
	if n := st.Writes() - before; n != 0 {
		t.Errorf("two introspections made %d durable writes, want none", n)
	}

	before = st.Writes()
	next, err := e.refresh(r, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if n := st.Writes() - before; n != 1 {
		t.Errorf("a refresh grant made %d durable writes, want exactly one", n)
	}
	// The count is real: the rotation it wrote holds.
	if _, err := e.refresh(r, tok.RefreshToken); err == nil {
		t.Error("the rotated-away refresh token still works")
	}
	if e.introspect(next.AccessToken)["active"] != false {
		t.Error("reuse of the old token left the family's access token active")
	}
}
