package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/internal/syncbuf"
)

// TestClientsWhileServing: with a broker serving the bbolt file, the
// clients commands go through its admin API: a client added with a
// post-logout redirect URI is listed, the running broker takes an
// authorization request for it at once, its secret rotates, and it is
// removed.
func TestClientsWhileServing(t *testing.T) {
	s := signIn(t, "")
	cli := func(args ...string) string {
		t.Helper()
		var out syncbuf.Buffer
		if err := run(t.Context(), append(args, "-config", s.cfg), &out, &out); err != nil {
			t.Fatalf("%v while serving: %v\n%s", args, err, out.String())
		}
		return out.String()
	}
	got := cli("clients", "add", "-id", "live", "-redirect-uri", "https://live.example/cb", "-post-logout-redirect-uri", "https://live.example/bye")
	if !strings.Contains(got, "client live added") || !strings.Contains(got, "client secret (shown once") {
		t.Fatalf("add: %s", got)
	}
	if got := cli("clients", "list"); !strings.Contains(got, "live") || !strings.Contains(got, "store") {
		t.Errorf("list: %s", got)
	}
	q := url.Values{"client_id": {"live"}, "redirect_uri": {"https://live.example/cb"}, "response_type": {"code"}, "scope": {"openid"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}, "state": {"s"}}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(s.issuer + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the running broker does not take the new client: %d", resp.StatusCode)
	}
	if got := cli("clients", "rotate-secret", "-id", "live"); !strings.Contains(got, "new client secret") {
		t.Errorf("rotate-secret: %s", got)
	}
	cli("clients", "remove", "-id", "live")
	var out syncbuf.Buffer
	if err := run(t.Context(), []string{"clients", "remove", "-id", "live", "-config", s.cfg}, &out, &out); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("removing it twice: %v", err)
	}
}
