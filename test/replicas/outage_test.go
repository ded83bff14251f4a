package replicas

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// quickly is how fast a request must fail while the database is away:
// within the query timeout, with a margin for the process.
const quickly = queryTimeout + time.Second

// outage makes PostgreSQL unreachable with down (the proxy in front of
// it: the machine's server keeps running), checks what the replicas
// answer meanwhile, brings it back with up, and checks that they resume
// by themselves and that user can then sign in.
func (f *fleet) outage(t *testing.T, r *rp, user string, down, up func()) {
	// A sign-in in progress: its next step, the upstream's answer at the
	// callback, reads the auth request.
	b := newBrowser(t)
	b.HTTP.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	f.proxy.use("A")
	started := b.Get(r.start().url)
	answered := b.upstreamPost(b.Get(started.Resp.Header.Get("Location")), user, func() {})
	stepPath := answered.Resp.Header.Get("Location")
	if !strings.Contains(stepPath, "/callback/gckey?") {
		t.Fatalf("authorization request, then the upstream: %d to %q, want a redirect to the callback", answered.Resp.StatusCode, stepPath)
	}
	logFrom := map[string]int{}
	for name, x := range f.replicas {
		logFrom[name] = x.log.Len()
	}

	down()
	for _, name := range []string{"A", "B"} {
		t.Run("sign-in step on "+name+" answers 503", func(t *testing.T) {
			f.proxy.use(name)
			f.expect503(t, func() page { return b.Get(f.issuer + pathOf(stepPath)) })
		})
		t.Run("new authorization on "+name+" answers temporarily_unavailable", func(t *testing.T) {
			f.proxy.use(name)
			f.expect503(t, func() page { return b.Get(r.start().url) })
		})
		t.Run("token endpoint on "+name+" answers 503", func(t *testing.T) {
			f.expectTokenUnavailable(t, f.replicas[name].url)
		})
	}
	t.Run("the failure is logged, naming the database", func(t *testing.T) {
		var unclear []string
		for name, x := range f.replicas {
			errs := errorLines(x.log.String()[logFrom[name]:])
			if len(errs) == 0 {
				t.Errorf("replica %s logged no error while the database was away", name)
			}
			for _, line := range errs {
				if strings.Contains(line, "database") || strings.Contains(line, "postgres") || strings.Contains(line, f.db.addr) {
					t.Logf("replica %s logs: %.400s", name, line)
				} else {
					unclear = append(unclear, name+": "+line)
				}
			}
		}
		if len(unclear) > 0 {
			t.Errorf("store failures logged without naming the database:\n%s", strings.Join(unclear, "\n"))
		}
	})
	t.Run("/ready turns red", func(t *testing.T) {
		for name, x := range f.replicas {
			start := time.Now()
			status, body, err := get(x.url + "/ready")
			took := time.Since(start)
			switch {
			case status == http.StatusOK:
				t.Errorf("replica %s /ready answers 200 while the database is unreachable", name)
			case took > quickly:
				t.Errorf("replica %s /ready took %s (want under %s): %d %v", name, took, quickly, status, err)
			default:
				t.Logf("replica %s /ready: %d %q in %s", name, status, strings.TrimSpace(body), took.Round(time.Millisecond))
			}
		}
	})

	up()
	resumed := t.Run("service resumes by itself", func(t *testing.T) {
		for name, x := range f.replicas {
			start := time.Now()
			for {
				status, _, _ := get(x.url + "/ready")
				if status == http.StatusOK {
					t.Logf("replica %s ready again %s after the restore", name, time.Since(start).Round(time.Millisecond))
					break
				}
				if time.Since(start) > 20*time.Second {
					t.Fatalf("replica %s /ready still %d 20 s after PostgreSQL came back", name, status)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	})
	t.Run("a sign-in works after the outage", func(t *testing.T) {
		if !resumed {
			t.Skip("the replicas did not resume")
		}
		f.signInAcross(t, r, user)
	})
}

// expect503 runs a request that needs the store and checks it answers
// within quickly with 503, or, at the authorization endpoint, with the
// error redirect RFC 6749 §4.1.2.1 defines for it (temporarily_unavailable).
func (f *fleet) expect503(t *testing.T, do func() page) {
	start := time.Now()
	p := do()
	took := time.Since(start)
	at := fmt.Sprintf("%s %s", p.Resp.Request.Method, p.Resp.Request.URL.Path)
	loc, _ := url.Parse(p.Resp.Header.Get("Location"))
	switch {
	case loc != nil && loc.Query().Get("error") == "temporarily_unavailable" && took <= quickly:
		if d := loc.Query().Get("error_description"); strings.Contains(d, "auth request") {
			t.Errorf("%s: the error description leaks internals: %q", at, d)
		}
		t.Logf("%s: error=temporarily_unavailable in %s", at, took.Round(time.Millisecond))
	case p.Resp.StatusCode != http.StatusServiceUnavailable:
		t.Errorf("%s answered %d (Location %q) in %s while the database was unreachable, want 503: %.300s",
			at, p.Resp.StatusCode, p.Resp.Header.Get("Location"), took.Round(time.Millisecond), p.Body)
	case took > quickly:
		t.Errorf("%s answered 503 after %s, want within %s", at, took, quickly)
	default:
		t.Logf("%s: 503 in %s", at, took.Round(time.Millisecond))
	}
}

// expectTokenUnavailable presents a refresh token to a replica's token
// endpoint, which must look it up: 503 temporarily_unavailable (never
// invalid_grant, which would make the client drop its token).
func (f *fleet) expectTokenUnavailable(t *testing.T, replicaURL string) {
	req, _ := http.NewRequest(http.MethodPost, replicaURL+"/oauth/token",
		strings.NewReader(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"unknown-token"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, clientSecret)
	start := time.Now()
	resp, err := plain.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	took := time.Since(start).Round(time.Millisecond)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("POST /oauth/token answered %d in %s while the database was unreachable, want 503: %s", resp.StatusCode, took, body)
	}
	t.Logf("POST /oauth/token: 503 in %s, Retry-After %q: %s", took, resp.Header.Get("Retry-After"), strings.TrimSpace(string(body)))
}

// pathOf is the path and query of a URL or path.
func pathOf(loc string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	return u.RequestURI()
}

// errorLines returns the log lines at level ERROR in out.
func errorLines(out string) []string {
	var lines []string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `"level":"ERROR"`) {
			lines = append(lines, line)
		}
	}
	return lines
}
