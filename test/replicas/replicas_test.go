package replicas

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestReplicas runs two replicas on one PostgreSQL schema behind one
// issuer and checks that any replica serves any request.
func TestReplicas(t *testing.T) {
	f := newFleet(t)
	r := newRP(t, f.issuer)
	var tok *oauth2.Token
	enrolled := t.Run("a sign-in started on A finishes on B", func(t *testing.T) { tok = f.signInAcross(t, r, "alex") })
	t.Run("a refresh token raced on A and B", func(t *testing.T) {
		if !enrolled {
			t.Skip("needs the tokens of the first sub-test")
		}
		f.refreshRace(t, tok)
	})
	t.Run("a rotated key is published by both", f.keyRotation)
	t.Run("failure counters are shared", func(t *testing.T) {
		if !enrolled {
			t.Skip("needs the account enrolled by the first sub-test")
		}
		f.sharedFailures(t, r)
	})
	t.Run("both ready", func(t *testing.T) {
		for _, x := range f.replicas {
			if status, body, err := get(x.url + "/ready"); status != http.StatusOK {
				t.Errorf("replica %s /ready: %d %q %v", x.name, status, body, err)
			}
		}
	})
	t.Run("database refuses connections", func(t *testing.T) {
		f.outage(t, r, "kim", f.db.cut, f.db.restore)
	})
	t.Run("database stops answering", func(t *testing.T) {
		f.outage(t, r, "sam", f.db.stall, f.db.unstall)
	})
}

// signInAcross walks a first sign-in (new account, authenticator app,
// recovery codes) with the authorization request on A, the upstream
// callback and the second-factor pages on B, the code exchange on A and
// the refresh on B. It returns the refresh's tokens.
func (f *fleet) signInAcross(t *testing.T, r *rp, user string) *oauth2.Token {
	b := newBrowser(t)
	f.proxy.use("A")
	a := r.start()
	p := b.Get(a.url)
	p = b.upstreamPost(p, user, func() { f.proxy.use("B") })
	p, _ = b.enrol(p)
	code := r.code(p, a)
	f.proxy.use("A")
	tok, err := r.exchange(code, a)
	if err != nil {
		t.Fatalf("code exchange on A: %v", err)
	}
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token (offline_access was asked)")
	}
	f.proxy.use("B")
	tok, err = r.refresh(tok.RefreshToken)
	if err != nil {
		t.Fatalf("refresh on B: %v", err)
	}
	for path, want := range map[string]string{"GET /authorize": "A", "GET /callback/gckey": "B"} {
		if got := f.proxy.servedBy(path); len(got) == 0 || got[len(got)-1] != want {
			t.Errorf("%s served by %v, want %s last", path, got, want)
		}
	}
	if got := f.proxy.servedBy("POST /oauth/token"); len(got) < 2 || !slices.Equal(got[len(got)-2:], []string{"A", "B"}) {
		t.Errorf("POST /oauth/token served by %v, want A (code) then B (refresh) last", got)
	}
	return tok
}

// keyRotation runs `passerelle keys rotate` against A's configuration
// while both serve, and waits for the new key in both JWKS (the key cache
// lives 5 s).
func (f *fleet) keyRotation(t *testing.T) {
	before := map[string][]string{}
	for name, x := range f.replicas {
		before[name] = kids(t, x.url)
	}
	out, err := f.passerelle("keys", "rotate", "-config", f.replicas["A"].config)
	if err != nil {
		t.Fatalf("passerelle keys rotate: %v\n%s", err, out)
	}
	rotated := time.Now()
	fresh := map[string][]string{}
	for time.Since(rotated) < 10*time.Second && (len(fresh["A"]) == 0 || len(fresh["B"]) == 0) {
		for name, x := range f.replicas {
			if len(fresh[name]) == 0 {
				fresh[name] = without(kids(t, x.url), before[name])
				if len(fresh[name]) > 0 {
					t.Logf("replica %s publishes %v %s after the rotation", name, fresh[name], time.Since(rotated).Round(time.Millisecond))
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(fresh["A"]) == 0 || !slices.Equal(fresh["A"], fresh["B"]) {
		t.Fatalf("new keys after 10 s: A %v, B %v (rotate said: %s)", fresh["A"], fresh["B"], strings.TrimSpace(out))
	}
}

// kids lists the key IDs a replica's JWKS publishes, sorted.
func kids(t *testing.T, replicaURL string) []string {
	t.Helper()
	status, body, err := get(replicaURL + "/keys")
	if status != http.StatusOK {
		t.Fatalf("GET %s/keys: %d %v", replicaURL, status, err)
	}
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal([]byte(body), &set); err != nil {
		t.Fatalf("JWKS of %s: %v", replicaURL, err)
	}
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.Kid)
	}
	slices.Sort(out)
	return out
}

// without returns the elements of a not in b.
func without(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// sharedFailures sends wrong authenticator codes alternately to A and B:
// the counter lives in the store, so the progressive delay starts after
// five failures in total, not five per replica.
func (f *fleet) sharedFailures(t *testing.T, r *rp) {
	b := newBrowser(t)
	f.proxy.use("A")
	p := b.upstreamPost(b.Get(r.start().url), "alex", func() {})
	to, v, ok := p.UseForm()
	if !ok {
		t.Fatalf("no second-factor challenge at %s (status %d): %.400s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}
	v.Set("code", "000000") // one chance in a million of being right: checked below
	for i := 1; i <= 6; i++ {
		name := []string{"A", "B"}[(i-1)%2]
		f.proxy.use(name)
		p := b.Post(to, v)
		waiting := strings.Contains(p.Body, "Too many attempts")
		switch {
		case p.Resp.StatusCode/100 == 3:
			t.Fatalf("attempt %d on %s: the wrong code was accepted", i, name)
		case i <= 5 && waiting:
			t.Fatalf("attempt %d on %s: delay already (the counter is not what it should be)", i, name)
		case i <= 5 && !strings.Contains(p.Body, "The code is not valid"):
			t.Fatalf("attempt %d on %s: %d without the invalid-code message: %.400s", i, name, p.Resp.StatusCode, p.Body)
		case i == 6 && !waiting:
			t.Fatalf("attempt 6 on %s, after 5 failures split between A and B: no delay message (%d): %.400s",
				name, p.Resp.StatusCode, p.Body)
		}
	}
}
