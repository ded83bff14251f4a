package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/syncbuf"
	"github.com/passerelle/passerelle/internal/testbrowser"
)

// runDemo starts `passerelle demo` on a free loopback port and returns the
// URLs its banner names once the broker answers discovery.
func runDemo(t *testing.T) (issuer string, urls map[string]string) {
	t.Helper()
	return runDemoOn(t, freePort(t), "-side", "127.0.0.1:0")
}

// runDemoOn is runDemo on port, with side (the -side flag, or nothing
// for the default: the broker's port plus one).
func runDemoOn(t *testing.T, port int, side ...string) (issuer string, urls map[string]string) {
	t.Helper()
	issuer = fmt.Sprintf("http://127.0.0.1:%d", port)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out, logs syncbuf.Buffer
	go func() {
		done <- run(ctx, append([]string{"demo", "-addr", fmt.Sprintf("127.0.0.1:%d", port), "-data", t.TempDir()}, side...), &out, &logs)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo: %v", err)
		}
		if t.Failed() {
			t.Logf("demo log:\n%s", logs.String())
		}
	})
	banner := regexp.MustCompile(`(?m)^  (Demo relying party|Demo trusted-trader portal|Demo outbox)[^:]*:\s+(http\S+)$`)
	deadline := time.Now().Add(20 * time.Second)
	for {
		urls = map[string]string{}
		for _, m := range banner.FindAllStringSubmatch(out.String(), -1) {
			urls[m[1]] = m[2]
		}
		if len(urls) == 3 {
			if resp, err := http.Get(issuer + "/.well-known/openid-configuration"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return issuer, urls
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo never became ready; stdout:\n%s\nlog:\n%s", out.String(), logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDemoTraderTerms walks the demo's trusted-trader portal as a person
// (seed 002): its page links both demo portals; a first sign-in (a bank,
// a new account, an authenticator app) asks which business the person
// acts for, and they activate one of the demo's with the code the demo
// outbox (the mail house) shows them; then come the terms of use, from the
// demo's English text file, and accepting signs in; the government portal
// then signs in through the SSO session with no terms (its client has
// none); after signing out, the next trader sign-in asks for the terms
// again although this version was accepted (every sign-in), in French when
// the portal asks for French, and declining lands on the portal's "not
// signed in" page with access_denied.
func TestDemoTraderTerms(t *testing.T) {
	issuer, urls := runDemo(t)
	trader, gov := urls["Demo trusted-trader portal"], urls["Demo relying party"]
	b := testbrowser.New(t, func(*url.URL) bool { return false })

	p := b.Get(trader)
	for _, want := range []string{"Trusted-trader portal (demonstration)", `<a href="` + gov + `">`, `<a href="` + trader + `" aria-current="page">`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the trader portal's page lacks %q:\n%s", want, p.Body)
		}
	}

	// A first sign-in, through Maple Bank (idp_hint), as a new account.
	p = b.Post(trader+"login", url.Values{"idp_hint": {"bank-a"}})
	to, v, ok := p.Action("/authorize")
	if !ok {
		t.Fatalf("no bank sign-in form at %s: %.600s", p.Resp.Request.URL, p.Body)
	}
	v.Set("username", "alex")
	v.Set("password", "demo-password")
	v.Set("action", "signin")
	p = b.Post(to, v)
	app := authenticator()
	p = b.TOTPMFA(p, app)
	if app.Secret == "" {
		t.Fatalf("no authenticator set-up on the way to %s: %.600s", p.Resp.Request.URL, p.Body)
	}
	p = activateDemoBusiness(t, b, p, urls["Demo outbox"], "100000002RM0001")
	p = wantTerms(t, p, issuer, "Terms of use", "1. You use this portal for your business's dealings with the border services agency only")
	p = decideTerms(t, b, p, "accept")
	if p.Resp.Request.URL.String() != trader || !strings.Contains(p.Body, "You are signed in") {
		t.Fatalf("accepting ended at %s (%d): %.600s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}

	// The government portal, same browser: the SSO session, and no terms
	// (its client lists no steps).
	p = b.Post(gov+"login", url.Values{})
	if p.Resp.Request.URL.String() != gov || !strings.Contains(p.Body, "You are signed in") {
		t.Fatalf("the government portal's sign-in ended at %s (%d): %.600s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}

	// Sign out of the trader portal (RP-initiated logout ends the SSO
	// session), then sign in again: the bank, a second factor, and the
	// terms again, in French; declining them.
	p = b.Get(trader)
	to, v, ok = p.Action("/logout")
	if !ok {
		t.Fatalf("no sign-out form on the trader portal: %.600s", p.Body)
	}
	if p = b.Post(to, v); !strings.Contains(p.Body, "You are signed out") {
		t.Fatalf("signing out ended at %s (%d): %.600s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}
	p = b.Post(trader+"login", url.Values{"ui_locales": {"fr"}, "idp_hint": {"bank-a"}})
	to, v, ok = p.Action("/authorize")
	if !ok {
		t.Fatalf("no bank sign-in form at %s: %.600s", p.Resp.Request.URL, p.Body)
	}
	v.Set("username", "alex")
	v.Set("password", "demo-password")
	v.Set("action", "signin")
	p = b.Post(to, v)
	if strings.HasSuffix(p.Resp.Request.URL.Path, "/step/terms") {
		t.Fatalf("terms before the second factor")
	}
	p = b.TOTPMFA(p, app)
	p = wantTerms(t, p, issuer, "Conditions d’utilisation", "1. Vous utilisez ce portail uniquement pour les affaires de votre entreprise")
	p = decideTerms(t, b, p, "decline")
	if p.Resp.StatusCode != http.StatusForbidden || !strings.HasPrefix(p.Resp.Request.URL.String(), trader+"callback") {
		t.Fatalf("declining ended at %s (%d)", p.Resp.Request.URL, p.Resp.StatusCode)
	}
	for _, want := range []string{"You are not signed in", "Vous n’êtes pas connecté", "<code>access_denied</code>", "declined the service’s terms of use"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the not-signed-in page lacks %q:\n%s", want, p.Body)
		}
	}
	if strings.Contains(p.Body, "You are signed in") {
		t.Error("signed in after declining")
	}
}

// authenticator is an app whose clock moves one 30-second step ahead
// before each sign-in's code (codes are single use; the broker accepts one
// step of skew), so two sign-ins need no wait.
func authenticator() *testbrowser.Authenticator {
	var mu sync.Mutex
	var ahead time.Duration
	return &testbrowser.Authenticator{
		Now: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			return time.Now().Add(ahead)
		},
		Next: func() {
			mu.Lock()
			defer mu.Unlock()
			ahead += 30 * time.Second
		},
	}
}

// wantTerms checks that p is the terms page with title and text.
func wantTerms(t *testing.T, p testbrowser.Page, issuer, title, text string) testbrowser.Page {
	t.Helper()
	u := p.Resp.Request.URL
	if !strings.HasPrefix(u.String(), issuer+"/login/") || !strings.HasSuffix(u.Path, "/step/terms") {
		t.Fatalf("expected the terms of use, landed on %s (%d): %.600s", u, p.Resp.StatusCode, p.Body)
	}
	for _, want := range []string{"<h1 id=\"terms-title\">" + title + "</h1>", "Version " + demoTermsVersion, strings.ReplaceAll(text, "'", "&#39;")} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the terms page lacks %q:\n%s", want, p.Body)
		}
	}
	return p
}

// decideTerms submits the terms page's form for decision.
func decideTerms(t *testing.T, b *testbrowser.Browser, p testbrowser.Page, decision string) testbrowser.Page {
	t.Helper()
	to, v, ok := p.Action("/step/terms")
	if !ok || !strings.Contains(p.Body, `name="decision" value="`+decision+`"`) {
		t.Fatalf("no %s form on the terms page", decision)
	}
	v.Set("decision", decision) // both forms post to the step, with the same token
	return b.Post(to, v)
}

// TestDemoFixedSidePort: without -side, the demo's relying parties and
// outbox are on the broker's port plus one, every run; a taken broker
// port says how to pick another. The demo runs the collector at serve's
// target when the environment sets none (gc.go).
func TestDemoFixedSidePort(t *testing.T) {
	t.Setenv("GOGC", "")
	gc := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(gc) })
	port := freePairPort(t)
	issuer, urls := runDemoOn(t, port)
	if got := gcPercent(); got != serveGCPercent {
		t.Errorf("demo runs the collector at GOGC=%d, want %d", got, serveGCPercent)
	}
	want := fmt.Sprintf("http://127.0.0.1:%d/", port+1)
	for name, got := range urls {
		if !strings.HasPrefix(got, want) {
			t.Errorf("%s at %s, want under %s", name, got, want)
		}
	}
	u, err := url.Parse(issuer)
	if err != nil {
		t.Fatal(err)
	}
	err = run(t.Context(), []string{"demo", "-addr", u.Host, "-data", t.TempDir()}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "make run ADDR=") {
		t.Errorf("a taken port: %v, want a hint naming make run ADDR=", err)
	}
}

// freePairPort is a free loopback port whose next port is free too.
func freePairPort(t *testing.T) int {
	t.Helper()
	for range 50 {
		port := freePort(t)
		if ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port+1)); err == nil {
			hold(t, ln)
			return port
		}
	}
	t.Fatal("no two free ports in a row")
	return 0
}

var letterCode = regexp.MustCompile(`Client number / Numéro de client: (\S+)\nActivation code / Code d’activation: (\S+)`)

// activateDemoBusiness answers the organization step p: it asks for the
// activation code of the business with this number, reads the letter in
// the demo outbox, and enters it.
func activateDemoBusiness(t *testing.T, b *testbrowser.Browser, p testbrowser.Page, outbox, number string) testbrowser.Page {
	t.Helper()
	if !strings.HasSuffix(p.Resp.Request.URL.Path, "/step/organization") {
		t.Fatalf("expected the organization step, landed on %s (%d): %.600s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}
	to, v, ok := p.Action("?do=request")
	if !ok {
		t.Fatalf("no activation request form: %.800s", p.Body)
	}
	v.Set("number", number)
	if p = b.Post(to, v); !strings.Contains(p.Body, "Your request is recorded") {
		t.Fatalf("the request: %.600s", p.Body)
	}
	var code string
	for _, m := range letterCode.FindAllStringSubmatch(b.Get(outbox).Body, -1) {
		if m[1] == number {
			code = m[2]
		}
	}
	if code == "" {
		t.Fatalf("no letter for %s in the outbox", number)
	}
	to, v, ok = p.Action("?do=activate")
	if !ok {
		t.Fatalf("no activation form: %.800s", p.Body)
	}
	v.Set("number", number)
	v.Set("activation-code", code)
	return b.Post(to, v)
}
