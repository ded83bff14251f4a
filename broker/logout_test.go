package broker_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/store"
)

// logoutReceiver is a relying party's back-channel logout endpoint: a
// real HTTP server that keeps every logout token POSTed to it, by path
// (/rp1, /rp2), and answers 500 to a path's first fail[path] requests.
type logoutReceiver struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  map[string][]string
	fail map[string]int
}

func newLogoutReceiver(t *testing.T) *logoutReceiver {
	lr := &logoutReceiver{got: map[string][]string{}, fail: map[string]int{}}
	lr.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lr.mu.Lock()
		defer lr.mu.Unlock()
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		lr.got[r.URL.Path] = append(lr.got[r.URL.Path], r.PostFormValue("logout_token"))
		if lr.fail[r.URL.Path] > 0 {
			lr.fail[r.URL.Path]--
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(lr.srv.Close)
	return lr
}

func (lr *logoutReceiver) tokens(path string) []string {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	return slices.Clone(lr.got[path])
}

// withLogoutURIs gives rp1 and rp2 back-channel logout URIs at lr, and
// front-channel ones when front is true.
func withLogoutURIs(lr *logoutReceiver, front bool) func(*broker.Config) {
	return func(cfg *broker.Config) {
		for i, c := range cfg.Clients {
			if c.ID == "rp1" || c.ID == "rp2" {
				cfg.Clients[i].BackchannelLogoutURI = lr.srv.URL + "/" + c.ID
				if front {
					cfg.Clients[i].FrontchannelLogoutURI = "https://" + c.ID + ".example/fcl?app=1"
				}
			}
		}
	}
}

// verifyLogoutToken checks a logout token as a relying party must (Back-
// Channel Logout §2.6): signed by a key of the issuer's JWKS, explicitly
// typed, for this audience, with the event, a jti and no nonce; and that
// it names the session and person of the ID token idt.
func verifyLogoutToken(t *testing.T, e *env, raw, aud string, idt tokens) {
	t.Helper()
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256, jose.RS256})
	if err != nil {
		t.Fatalf("logout token: %v", err)
	}
	if typ := jws.Signatures[0].Header.ExtraHeaders[jose.HeaderType]; typ != "logout+jwt" {
		t.Errorf("logout token typ %v, want logout+jwt", typ)
	}
	payload, err := gooidc.NewRemoteKeySet(context.Background(), e.issuer+"/keys").VerifySignature(context.Background(), raw)
	if err != nil {
		t.Fatalf("logout token signature: %v", err)
	}
	var c struct {
		Iss, Aud, Jti, Sub, Sid, Nonce string
		Iat, Exp                       int64
		Events                         map[string]json.RawMessage
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now().Unix()
	if c.Iss != e.issuer || c.Aud != aud || c.Jti == "" || c.Nonce != "" || c.Iat > now || c.Exp <= now {
		t.Errorf("logout token claims: %s", payload)
	}
	if string(c.Events["http://schemas.openid.net/event/backchannel-logout"]) != "{}" {
		t.Errorf("logout token events: %s", payload)
	}
	if c.Sid == "" || c.Sid != idt.claims["sid"] || c.Sub != idt.idToken.Subject {
		t.Errorf("logout token sid %q sub %q, want the ID token's %v %q", c.Sid, c.Sub, idt.claims["sid"], idt.idToken.Subject)
	}
}

// sessionAlive says whether b's session still answers prompt=none at r.
func sessionAlive(r *rp, b *browser) bool {
	a := r.start(oauth2.SetAuthURLParam("prompt", "none"))
	return r.callback(b.Get(a.url), a).Get("code") != ""
}

// TestLogoutEverywhere is the test: one browser signs in at two
// clients, logs out at one; both sessions end and both clients receive a
// logout token at their back-channel endpoint, verified as a relying
// party would. Another person's session and clients are untouched.
func TestLogoutEverywhere(t *testing.T) {
	lr := newLogoutReceiver(t)
	e := newEnvWith(t, demoidp.Faults{}, withLogoutURIs(lr, false))
	rp1, rp2 := e.rp("rp1"), e.rp("rp2")
	b := e.browser()
	at1 := e.signIn(rp1, b, "gckey", "alex")
	at2 := e.signIn(rp2, b, "gckey", "alex") // SSO: the same session
	if at1.claims["sid"] == nil || at1.claims["sid"] != at2.claims["sid"] {
		t.Fatalf("sid %v and %v, want one session", at1.claims["sid"], at2.claims["sid"])
	}
	other := e.browser()
	e.signIn(rp1, other, "gckey", "sam")

	v := url.Values{"id_token_hint": {at1.raw}, "post_logout_redirect_uri": {"https://rp1.example/bye"}, "state": {"s1"}}
	p := b.Get(e.issuer + "/end_session?" + v.Encode())
	if loc := p.Resp.Header.Get("Location"); p.Resp.StatusCode != http.StatusFound || loc != "https://rp1.example/bye?state=s1" {
		t.Fatalf("end_session: %d %q", p.Resp.StatusCode, loc)
	}
	if left := e.broker.DeliverLogouts(context.Background()); left != 0 {
		t.Errorf("%d deliveries still pending", left)
	}
	for _, c := range []struct {
		rp  string
		idt tokens
	}{{"rp1", at1}, {"rp2", at2}} {
		got := lr.tokens("/" + c.rp)
		if len(got) != 1 {
			t.Fatalf("%s received %d logout tokens, want 1", c.rp, len(got))
		}
		verifyLogoutToken(t, e, got[0], c.rp, c.idt)
	}
	if sessionAlive(rp1, b) || sessionAlive(rp2, b) {
		t.Error("the session survived the logout")
	}
	if !sessionAlive(rp1, other) {
		t.Error("another person's session ended")
	}
	if n := e.broker.DeliverLogouts(context.Background()); n != 0 || len(lr.tokens("/rp1")) != 1 {
		t.Errorf("a delivery was repeated: %d pending, %d tokens", n, len(lr.tokens("/rp1")))
	}
	events, err := e.store.ListAudit(context.Background(), time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	delivered := 0
	for _, ev := range events {
		if ev.Kind == "logout.backchannel" && ev.Outcome == "delivered" {
			delivered++
		}
	}
	if delivered != 2 {
		t.Errorf("%d deliveries audited, want 2", delivered)
	}
}

// TestBackchannelLogoutRetries: a client that fails is tried again after
// each backoff delay on the clock, never before, and abandoned (audited)
// after the last.
func TestBackchannelLogoutRetries(t *testing.T) {
	lr := newLogoutReceiver(t)
	lr.fail["/rp2"] = 2
	e := newEnvWith(t, demoidp.Faults{}, withLogoutURIs(lr, false))
	b := e.browser()
	e.signIn(e.rp("rp1"), b, "gckey", "alex")
	at2 := e.signIn(e.rp("rp2"), b, "gckey", "alex")
	b.Get(e.issuer + "/end_session?" + url.Values{"id_token_hint": {at2.raw}}.Encode())
	ctx := context.Background()
	steps := []struct {
		advance time.Duration
		pending int
		tried   int // attempts rp2 has seen
	}{
		{0, 1, 1},
		{9 * time.Second, 1, 1},  // the first retry is due 10 s after
		{time.Second, 1, 2},      // tried again, fails again
		{59 * time.Second, 1, 2}, // the second retry is due a minute after
		{time.Second, 0, 3},      // delivered
	}
	for i, s := range steps {
		e.clock.Advance(s.advance)
		if n := e.broker.DeliverLogouts(ctx); n != s.pending || len(lr.tokens("/rp2")) != s.tried {
			t.Fatalf("step %d: %d pending, %d attempts; want %d, %d", i, n, len(lr.tokens("/rp2")), s.pending, s.tried)
		}
	}
	if got := lr.tokens("/rp2"); got[0] == got[2] {
		t.Error("a retry sent the same token again; each attempt is signed anew")
	}
	verifyLogoutToken(t, e, lr.tokens("/rp2")[2], "rp2", at2)

	// A client that never answers is abandoned after the last retry.
	lr.fail["/rp1"] = 100
	before := len(lr.tokens("/rp1")) // rp1's delivery of the first logout
	b = e.browser()
	at1 := e.signIn(e.rp("rp1"), b, "gckey", "alex")
	b.Get(e.issuer + "/end_session?" + url.Values{"id_token_hint": {at1.raw}}.Encode())
	n := e.broker.DeliverLogouts(ctx)
	for range 10 {
		e.clock.Advance(3 * time.Hour)
		n = e.broker.DeliverLogouts(ctx)
	}
	if n != 0 || len(lr.tokens("/rp1"))-before != 6 {
		t.Errorf("never-answering client: %d pending, %d attempts, want 0 and 6", n, len(lr.tokens("/rp1"))-before)
	}
	events, _ := e.store.ListAudit(ctx, time.Time{}, 0)
	if !slices.ContainsFunc(events, func(ev store.AuditEvent) bool {
		return ev.Kind == "logout.backchannel" && ev.Outcome == "abandoned" && ev.ClientID == "rp1"
	}) {
		t.Error("the abandoned delivery is not in the audit log")
	}
}

// TestFrontchannelLogout: the signed-out page loads each front-channel
// client in an iframe with iss and sid, its policy allows frames from
// exactly those origins, and it links on to the post-logout redirect.
func TestFrontchannelLogout(t *testing.T) {
	lr := newLogoutReceiver(t)
	e := newEnvWith(t, demoidp.Faults{}, withLogoutURIs(lr, true))
	b := e.browser()
	at1 := e.signIn(e.rp("rp1"), b, "gckey", "alex")
	e.signIn(e.rp("rp2"), b, "gckey", "alex")
	v := url.Values{"id_token_hint": {at1.raw}, "post_logout_redirect_uri": {"https://rp1.example/bye"}, "state": {"s1"}}
	p := b.Get(e.issuer + "/end_session?" + v.Encode())
	if p.Resp.StatusCode != http.StatusOK {
		t.Fatalf("end_session: %d %q", p.Resp.StatusCode, p.Resp.Header.Get("Location"))
	}
	assertFrontchannelPage(t, e, p, at1.claims["sid"].(string), "https://rp1.example/bye?state=s1")
	if sessionAlive(e.rp("rp2"), b) {
		t.Error("the session survived the logout")
	}
}

func assertFrontchannelPage(t *testing.T, e *env, p page, sid, next string) {
	t.Helper()
	csp := p.Resp.Header.Get("Content-Security-Policy")
	if !strings.HasSuffix(csp, "; frame-src https://rp1.example https://rp2.example") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	var frames []string
	for _, m := range regexp.MustCompile(`<iframe src="([^"]+)"`).FindAllStringSubmatch(p.Body, -1) {
		frames = append(frames, html.UnescapeString(m[1]))
	}
	q := url.Values{"app": {"1"}, "iss": {e.issuer}, "sid": {sid}}.Encode()
	if want := []string{"https://rp1.example/fcl?" + q, "https://rp2.example/fcl?" + q}; !slices.Equal(frames, want) {
		t.Errorf("iframes %q, want %q", frames, want)
	}
	if !strings.Contains(p.Body, `href="`+html.EscapeString(next)+`"`) {
		t.Errorf("no link on to %s: %.800s", next, p.Body)
	}
}

// TestLogoutPassedUpstream: with an upstream configured for logout, the
// browser goes to its end_session_endpoint (RP-initiated logout there,
// with Passerelle's client_id and a state), comes back to the provider's
// route and goes on to the front-channel page and the client.
func TestLogoutPassedUpstream(t *testing.T) {
	lr := newLogoutReceiver(t)
	e := newEnvOpts(t, envOptions{rateLimit: testRateLimit, upstreamLogout: true, mods: []func(*broker.Config){withLogoutURIs(lr, true)}})
	b := e.browser()
	at1 := e.signIn(e.rp("rp1"), b, "gckey", "alex")
	e.signIn(e.rp("rp2"), b, "gckey", "alex")
	v := url.Values{"id_token_hint": {at1.raw}, "post_logout_redirect_uri": {"https://rp1.example/bye"}, "state": {"s1"}}
	p := b.Get(e.issuer + "/end_session?" + v.Encode())
	if p.Resp.StatusCode != http.StatusOK || p.Resp.Request.URL.Path != "/providers/gckey/logged-out" {
		t.Fatalf("logout ended at %d %s", p.Resp.StatusCode, p.Resp.Request.URL)
	}
	var ends []url.Values
	for _, r := range e.upstream["gckey"].requests() {
		if strings.HasSuffix(r.URL.Path, "/end_session") {
			ends = append(ends, r.URL.Query())
		}
	}
	if len(ends) != 1 || ends[0].Get("client_id") != "passerelle" || ends[0].Get("state") == "" ||
		ends[0].Get("post_logout_redirect_uri") != e.issuer+"/providers/gckey/logged-out" {
		t.Fatalf("upstream logout requests: %v", ends)
	}
	assertFrontchannelPage(t, e, p, at1.claims["sid"].(string), "https://rp1.example/bye?state=s1")
	// The rest of the logout is shown once.
	if again := b.Get(p.Resp.Request.URL.String()); again.Resp.StatusCode != http.StatusBadRequest || strings.Contains(again.Body, "<iframe") {
		t.Errorf("the upstream's answer came back twice: %d", again.Resp.StatusCode)
	}
	if e.broker.DeliverLogouts(context.Background()) != 0 || len(lr.tokens("/rp1")) != 1 || len(lr.tokens("/rp2")) != 1 {
		t.Error("back-channel logout not delivered to both clients")
	}
}

// TestLogoutDiscovery: discovery says both logout channels are
// supported, with sid.
func TestLogoutDiscovery(t *testing.T) {
	d := newEnv(t).discovery()
	for _, k := range []string{"backchannel_logout_supported", "backchannel_logout_session_supported",
		"frontchannel_logout_supported", "frontchannel_logout_session_supported"} {
		if d[k] != true {
			t.Errorf("%s = %v, want true", k, d[k])
		}
	}
}
