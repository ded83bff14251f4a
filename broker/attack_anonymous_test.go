package broker_test

// Attacks by an anonymous visitor on what the server stores and reads
// before anyone signs in (security issue, point 5): oversized
// authorization parameters, floods from one address, oversized bodies,
// and a store file that must give its space back to the next flood.
// broker/attack_test.go holds the second-factor bypasses.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
)

// storedAuthRequests counts the auth requests the store holds by sweeping
// an hour ahead (they live 30 minutes; nothing else in a fresh
// environment expires that soon). It deletes what it counts.
func storedAuthRequests(t *testing.T, e *env) int {
	t.Helper()
	n, err := e.store.Sweep(context.Background(), e.clock.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// noRedirects is an anonymous client that reads each answer itself.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// TestAttackOversizedAuthorizeParameters: a parameter over its documented
// limit is refused with invalid_request at the client's registered
// redirect URI, before anything is stored or a cookie is set; an
// oversized state is not echoed back; at the limit, the request goes on.
func TestAttackOversizedAuthorizeParameters(t *testing.T) {
	e := newEnv(t)
	cases := map[string]int{"state": 512, "nonce": 512, "login_hint": 256, "acr_values": 512, "ui_locales": 128,
		"scope": 1024, "code_challenge": 128, "id_token_hint": 4096, "idp_hint": 128, "claims": 2048}
	for name, limit := range cases {
		t.Run(name, func(t *testing.T) {
			v := validParams()
			v.Set(name, strings.Repeat("a", limit+1))
			for _, post := range []bool{false, true} {
				var resp *http.Response
				var err error
				if post {
					resp, err = noRedirects.PostForm(e.issuer+"/authorize", v)
				} else {
					resp, err = noRedirects.Get(authURL(e.issuer, v))
				}
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				loc, _ := url.Parse(resp.Header.Get("Location"))
				q := loc.Query()
				if loc.Host != "rp1.example" || q.Get("error") != "invalid_request" || !strings.Contains(q.Get("error_description"), name) {
					t.Fatalf("POST=%v: got %d Location=%.200q, want invalid_request at the client", post, resp.StatusCode, resp.Header.Get("Location"))
				}
				if name == "state" && q.Has("state") {
					t.Errorf("POST=%v: the oversized state is echoed in the error redirect", post)
				} else if name != "state" && q.Get("state") != "st" {
					t.Errorf("POST=%v: state %q in the error redirect, want st", post, q.Get("state"))
				}
				if len(resp.Cookies()) != 0 {
					t.Errorf("POST=%v: a refused request set a cookie", post)
				}
			}
			if n := storedAuthRequests(t, e); n != 0 {
				t.Errorf("%d auth requests stored for refused requests", n)
			}
		})
	}
	t.Run("at the limits", func(t *testing.T) {
		v := validParams()
		v.Set("state", strings.Repeat("s", 512))
		v.Set("nonce", strings.Repeat("n", 512))
		v.Set("login_hint", strings.Repeat("h", 256))
		resp, err := noRedirects.Get(authURL(e.issuer, v))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if !strings.HasPrefix(resp.Header.Get("Location"), "/login/") {
			t.Fatalf("got %d Location=%.100q, want the sign-in", resp.StatusCode, resp.Header.Get("Location"))
		}
		if n := storedAuthRequests(t, e); n != 1 {
			t.Errorf("%d auth requests stored, want 1", n)
		}
	})
	t.Run("untrusted redirect", func(t *testing.T) {
		v := validParams()
		v.Set("redirect_uri", "https://evil.example/cb")
		v.Set("nonce", strings.Repeat("n", 8000))
		resp, err := noRedirects.Get(authURL(e.issuer, v))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("got %d Location=%q, want an error page", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

// attackerRequest is a request as it reaches the broker from remote.
func attackerRequest(method, target, remote string, body io.Reader) *http.Request {
	r := httptest.NewRequest(method, target, body)
	r.RemoteAddr = remote
	if body != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return r
}

// TestAttackAuthorizeFloodFromOneSource: a source that spends its burst
// gets 429 with Retry-After and stores nothing more, even when it forges
// X-Forwarded-For; another source still passes, directly or through a
// trusted proxy; the source passes again once its bucket refills on the
// (injected) clock. The built-in service's forms share the budget.
func TestAttackAuthorizeFloodFromOneSource(t *testing.T) {
	e := newEnvLimited(t, demoidp.Faults{}, broker.RateLimitConfig{PerSecond: 1, Burst: 5, TrustedProxies: []string{"10.0.0.0/8"}})
	h := e.broker.Handler()
	authorize := func(remote, forwarded string) *httptest.ResponseRecorder {
		r := attackerRequest(http.MethodGet, authURL(e.issuer, validParams()), remote, nil)
		if forwarded != "" {
			r.Header.Set("X-Forwarded-For", forwarded)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	const attacker, other = "203.0.113.7:40000", "198.51.100.9:40000"
	for i := range 5 {
		if rec := authorize(attacker, ""); rec.Code != http.StatusSeeOther && rec.Code != http.StatusFound {
			t.Fatalf("request %d of the burst: %d", i, rec.Code)
		}
	}
	for i := range 20 {
		rec := authorize(attacker, fmt.Sprintf("192.0.2.%d", i))
		if rec.Code != http.StatusTooManyRequests {
			t.Fatalf("flood request %d (forged X-Forwarded-For): %d, want 429", i, rec.Code)
		}
		if ra := rec.Header().Get("Retry-After"); ra != "1" {
			t.Errorf("Retry-After %q, want 1", ra)
		}
	}
	if rec := authorize(other, ""); rec.Code != http.StatusSeeOther && rec.Code != http.StatusFound {
		t.Errorf("another source: %d", rec.Code)
	}
	// Through a trusted proxy, the client is the last untrusted hop.
	if rec := authorize("10.1.2.3:5000", "192.0.2.50, 203.0.113.7, 10.9.9.9"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("the attacker through the proxy: %d, want 429", rec.Code)
	}
	if rec := authorize("10.1.2.3:5000", "198.51.100.20"); rec.Code != http.StatusSeeOther && rec.Code != http.StatusFound {
		t.Errorf("another source through the proxy: %d", rec.Code)
	}
	// The built-in service's forms count against the same budget.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, attackerRequest(http.MethodPost, "/login/x/local/register", attacker, strings.NewReader("username=a")))
	if rec.Code != http.StatusTooManyRequests {
		t.Errorf("registration form from the flooding source: %d, want 429", rec.Code)
	}
	if n := storedAuthRequests(t, e); n != 7 {
		t.Errorf("%d auth requests stored, want 7 (the burst and the two other sources)", n)
	}
	e.clock.Advance(time.Second)
	if rec := authorize(attacker, ""); rec.Code != http.StatusSeeOther && rec.Code != http.StatusFound {
		t.Errorf("after a second: %d", rec.Code)
	}
}

// countingReader is an endless form body that counts what was read of it.
type countingReader struct{ n atomic.Int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	c.n.Add(int64(len(p)))
	return len(p), nil
}

// TestAttackOversizedBodies: a body over the route's limit is refused
// with 413 (invalid_request in JSON at the token endpoint) after reading
// at most the limit, or none of it when Content-Length says it is too
// large; Go's 10 MB form cap is never reached.
func TestAttackOversizedBodies(t *testing.T) {
	e := newEnv(t)
	h := e.broker.Handler()
	for _, tc := range []struct {
		path  string
		limit int64
		json  bool
	}{
		{"/oauth/token", 16 << 10, true},
		{"/login/some-id/choose/gckey", 4 << 10, false},
		{"/login/some-id/local/register", 4 << 10, false},
		{"/login/some-id/mfa/use/webauthn", 64 << 10, false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			body := &countingReader{}
			r := attackerRequest(http.MethodPost, tc.path, "203.0.113.7:40000", io.LimitReader(body, 10<<20))
			r.ContentLength = -1 // chunked: the size is learnt by reading
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != http.StatusRequestEntityTooLarge {
				t.Errorf("status %d, want 413", rec.Code)
			}
			if read := body.n.Load(); read > tc.limit+1 {
				t.Errorf("read %d bytes of the body, limit %d", read, tc.limit)
			}
			if tc.json {
				var got struct{ Error string }
				if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Error != "invalid_request" {
					t.Errorf("body %q, want an invalid_request JSON error", rec.Body.String())
				}
			}
		})
	}
	t.Run("Content-Length over the limit, over TCP", func(t *testing.T) {
		// Only the headers are sent: the answer must come without the body.
		conn, err := net.Dial("tcp", strings.TrimPrefix(e.issuer, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(30 * time.Second)) // a failure's bound, not a wait
		fmt.Fprintf(conn, "POST /oauth/token HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n",
			strings.TrimPrefix(e.issuer, "http://"), 10<<20)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", resp.StatusCode)
		}
	})
}

// TestAttackFloodSweepFloodReusesSpace: a flood of authorization requests
// at the size limits grows the bbolt file; once they expire and the sweep
// deletes them, a second flood of the same size fits in the pages the
// first one freed, so the file does not grow again.
func TestAttackFloodSweepFloodReusesSpace(t *testing.T) {
	e := newEnv(t)
	v := validParams()
	v.Set("state", strings.Repeat("s", 512))
	v.Set("nonce", strings.Repeat("n", 512))
	v.Set("login_hint", strings.Repeat("h", 256))
	v.Set("acr_values", strings.Repeat("a", 512))
	target := authURL(e.issuer, v)
	const requests, workers = 400, 8
	flood := func() int64 {
		t.Helper()
		var wg sync.WaitGroup
		var failed atomic.Int32
		next := make(chan struct{})
		for range workers {
			wg.Go(func() {
				for range next {
					resp, err := noRedirects.Get(target)
					if err != nil || resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
						failed.Add(1)
					}
					if err == nil {
						resp.Body.Close()
					}
				}
			})
		}
		for range requests {
			next <- struct{}{}
		}
		close(next)
		wg.Wait()
		if n := failed.Load(); n > 0 {
			t.Fatalf("%d of the flood's requests failed", n)
		}
		fi, err := os.Stat(e.dbPath)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	first := flood()
	e.clock.Advance(31 * time.Minute)
	n, err := e.store.Sweep(context.Background(), e.clock.Now())
	if err != nil || n < requests {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	second := flood()
	t.Logf("file after the first flood: %d bytes; after the sweep and a second flood: %d bytes", first, second)
	if second > first {
		t.Errorf("the file grew from %d to %d bytes: the second flood did not reuse the space the sweep freed", first, second)
	}
}
