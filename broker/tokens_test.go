package broker_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// postForm calls a back-channel endpoint as client id with its secret
// (client_secret_basic) and decodes the JSON answer.
func (e *env) postForm(path, id, secret string, form url.Values) (int, http.Header, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.issuer+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, resp.Header, body
}

func (e *env) introspect(token string) map[string]any {
	e.t.Helper()
	status, _, body := e.postForm("/oauth/introspect", "rp2", rpSecret, url.Values{"token": {token}})
	if status != http.StatusOK {
		e.t.Fatalf("introspect: %d %v", status, body)
	}
	return body
}

func (e *env) refresh(r *rp, token string) (*oauth2.Token, error) {
	return r.cfg.TokenSource(context.Background(), &oauth2.Token{RefreshToken: token}).Token()
}

func TestRefreshRotationAndReuse(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	tok := e.signIn(r, e.browser(), "gckey", "alex")
	next, err := e.refresh(r, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if next.RefreshToken == "" || next.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh token did not rotate: %q", next.RefreshToken)
	}
	refreshed, err := r.verify(next, "")
	if err != nil {
		t.Fatal(err)
	}
	if refreshed.idToken.Subject != tok.idToken.Subject || refreshed.claims["acr"] != tok.claims["acr"] {
		t.Errorf("refreshed ID token changed sub or acr: %v vs %v", refreshed.claims, tok.claims)
	}
	if e.introspect(next.AccessToken)["active"] != true {
		t.Fatal("new access token inactive")
	}
	// The rotated-away token again: invalid_grant, and the family dies.
	if _, err := e.refresh(r, tok.RefreshToken); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("reused refresh token: %v, want invalid_grant", err)
	}
	if _, err := e.refresh(r, next.RefreshToken); err == nil {
		t.Fatal("the current refresh token still works after reuse was detected")
	}
	if e.introspect(next.AccessToken)["active"] != false {
		t.Error("access token still active after the family was revoked")
	}
	// Another client cannot use rp1's refresh token.
	tok2 := e.signIn(r, e.browser(), "gckey", "sam")
	if _, err := e.refresh(e.rp("rp2"), tok2.RefreshToken); err == nil {
		t.Error("rp2 refreshed rp1's token")
	}
}

func TestIntrospectionAndRevocation(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	tok := e.signIn(r, e.browser(), "gckey", "alex")
	in := e.introspect(tok.AccessToken)
	if in["active"] != true || in["sub"] != tok.idToken.Subject || in["client_id"] != "rp1" {
		t.Fatalf("introspection: %v", in)
	}
	if e.introspect("not-a-token")["active"] != false {
		t.Error("garbage token active")
	}
	// RFC 7009: revoking with another client's credentials is refused.
	status, _, body := e.postForm("/revoke", "rp2", rpSecret, url.Values{"token": {tok.RefreshToken}})
	if status == http.StatusOK {
		t.Errorf("rp2 revoked rp1's token: %v", body)
	}
	status, _, _ = e.postForm("/revoke", "rp1", rpSecret, url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}})
	if status != http.StatusOK {
		t.Fatalf("revoke: %d", status)
	}
	if e.introspect(tok.AccessToken)["active"] != false {
		t.Error("access token active after its grant was revoked")
	}
	if _, err := e.refresh(r, tok.RefreshToken); err == nil {
		t.Error("revoked refresh token still works")
	}
	// Unknown tokens are answered 200 (RFC 7009 §2.2).
	if status, _, _ := e.postForm("/revoke", "rp1", rpSecret, url.Values{"token": {"unknown"}}); status != http.StatusOK {
		t.Errorf("revoking an unknown token: %d", status)
	}
	// Userinfo refuses the revoked token with WWW-Authenticate.
	req, _ := http.NewRequest(http.MethodGet, e.issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("userinfo with revoked token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

// gckeyCode signs alex in with the gckey upstream in a new browser and
// returns the authorization request and the code that reached r.
func (e *env) gckeyCode(r *rp) (authorization, string) {
	e.t.Helper()
	a := r.start()
	b := e.browser()
	return a, r.callback(b.upstreamLogin(b.choose(b.Get(a.url), "gckey"), "alex"), a).Get("code")
}

// redeem presents code at the token endpoint as rp1 with verifier.
func (e *env) redeem(code, verifier string) (int, http.Header, map[string]any) {
	return e.postForm("/oauth/token", "rp1", rpSecret, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {"https://rp1.example/cb"}, "code_verifier": {verifier}})
}

func TestCodeReuseRevokesTokens(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	a, code := e.gckeyCode(r)
	tok, err := r.exchange(code, a)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.exchange(code, a)
	if err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("second use of the code: %v, want invalid_grant", err)
	}
	if e.introspect(tok.AccessToken)["active"] != false {
		t.Error("tokens of a reused code are still active")
	}
	if _, err := e.refresh(r, tok.RefreshToken); err == nil {
		t.Error("refresh token of a reused code still works")
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	a, code := e.gckeyCode(r)

	status, hdr, body := e.postForm("/oauth/token", "rp1", "wrong-secret", url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://rp1.example/cb"}, "code_verifier": {a.verifier}})
	if status != http.StatusUnauthorized || body["error"] != "invalid_client" || hdr.Get("WWW-Authenticate") == "" {
		t.Errorf("wrong secret: %d %v %q", status, body, hdr.Get("WWW-Authenticate"))
	}
	status, hdr, body = e.postForm("/oauth/token", "nobody", "secret", url.Values{
		"grant_type": {"authorization_code"}, "code": {"x"}, "redirect_uri": {"https://rp1.example/cb"}})
	if status != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Errorf("unknown client: %d %v", status, body)
	}
	status, hdr, body = e.postForm("/oauth/token", "rp1", rpSecret, url.Values{
		"grant_type": {"authorization_code"}, "code": {code, code}})
	if status != http.StatusBadRequest || body["error"] != "invalid_request" {
		t.Errorf("repeated parameter: %d %v", status, body)
	}
	status, _, body = e.postForm("/oauth/token?code="+code, "rp1", rpSecret, url.Values{
		"grant_type": {"authorization_code"}, "code": {code}})
	if status != http.StatusBadRequest || body["error"] != "invalid_request" {
		t.Errorf("a parameter in both the query and the body: %d %v", status, body)
	}
	if hdr.Get("Cache-Control") != "no-store" {
		t.Errorf("token error without Cache-Control: no-store")
	}
	resp, err := http.Get(e.issuer + "/oauth/token?grant_type=authorization_code")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != http.MethodPost {
		t.Errorf("GET /oauth/token: %d allow=%q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	status, _, body = e.postForm("/oauth/token", "rp1", rpSecret, url.Values{"grant_type": {"password"}})
	if status != http.StatusBadRequest || body["error"] != "unsupported_grant_type" {
		t.Errorf("password grant: %d %v", status, body)
	}
	// A wrong PKCE verifier gets invalid_grant and burns nothing: the
	// same code then works, and the answer is not cacheable.
	status, _, body = e.redeem(code, oauth2.GenerateVerifier())
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("wrong verifier: %d %v", status, body)
	}
	status, hdr, body = e.redeem(code, a.verifier)
	if status != http.StatusOK || hdr.Get("Cache-Control") != "no-store" || hdr.Get("Pragma") != "no-cache" {
		t.Errorf("token success: %d cache-control=%q pragma=%q %v", status, hdr.Get("Cache-Control"), hdr.Get("Pragma"), body)
	}
}

// TestFinishedSignIn: a finished sign-in reached again from its browser
// (the Back button, a second submission) sends a new code that replaces
// the first, until a code has been redeemed; then it says the person is
// signed in (no code, no redirect). A forged
// code naming a real auth request spends nothing.
func TestFinishedSignIn(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	a := r.start()
	b := e.browser()
	first := r.callback(b.upstreamLogin(b.choose(b.Get(a.url), "gckey"), "alex"), a).Get("code")
	id, _, ok := strings.Cut(first, ".")
	if !ok {
		t.Fatalf("code %q does not name its auth request", first)
	}
	for _, forged := range []string{id + ".forged", id, id + "." + strings.Repeat("A", 43)} {
		if status, _, body := e.redeem(forged, a.verifier); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Errorf("forged code %q: %d %v", forged, status, body)
		}
	}
	second := r.callback(b.Get(e.issuer+"/login/"+id), a).Get("code")
	if second == "" || second == first {
		t.Fatalf("the finished sign-in visited again: code %q (first %q)", second, first)
	}
	if _, err := r.exchange(first, a); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("the replaced code: %v, want invalid_grant", err)
	}
	if _, err := r.exchange(second, a); err != nil {
		t.Fatalf("the new code: %v", err)
	}
	over := b.Get(e.issuer + "/login/" + id)
	if over.Resp.StatusCode != http.StatusOK || over.Resp.Header.Get("Location") != "" || !strings.Contains(over.Body, "You are already signed in") {
		t.Errorf("after redemption: %d, Location %q", over.Resp.StatusCode, over.Resp.Header.Get("Location"))
	}
}
