package broker_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
)

// dpopKey is a client's DPoP key (RFC 9449), making proofs on the
// environment's clock.
type dpopKey struct {
	e    *env
	priv *ecdsa.PrivateKey
}

func newDPoPKey(e *env) *dpopKey {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	return &dpopKey{e: e, priv: priv}
}

// jkt is the key's thumbprint (RFC 7638).
func (k *dpopKey) jkt() string {
	jwk := jose.JSONWebKey{Key: &k.priv.PublicKey}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		k.e.t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(tp)
}

// proof is a DPoP proof for method at the issuer's path; claims change or
// add claims (nil removes one).
func (k *dpopKey) proof(method, path string, claims map[string]any) string {
	c := map[string]any{"jti": randomString(), "htm": method, "htu": k.e.issuer + path, "iat": k.e.clock.Now().Unix()}
	for name, v := range claims {
		if v == nil {
			delete(c, name)
		} else {
			c[name] = v
		}
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.priv},
		(&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt"))
	if err != nil {
		k.e.t.Fatal(err)
	}
	payload, _ := json.Marshal(c)
	jws, err := signer.Sign(payload)
	if err != nil {
		k.e.t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

func ath(token string) string {
	h := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// call sends a request to the broker with headers; the answer's status,
// headers and JSON body.
func (e *env) call(method, path string, form url.Values, headers map[string]string) (int, http.Header, map[string]any) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.issuer+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header, out
}

// dpopSignIn signs alex in at the public client, registered with
// dpop_bound_access_tokens, and redeems the code with a DPoP proof by a
// new key, checking on the way that the token endpoint asks for a proof
// and then for its nonce. It returns the key, the nonce, the access and
// the refresh token.
func dpopSignIn(t *testing.T) (e *env, key *dpopKey, nonce, at, rt string) {
	t.Helper()
	e = newEnvWith(t, demoidp.Faults{}, func(cfg *broker.Config) {
		for i := range cfg.Clients {
			if cfg.Clients[i].ID == "public" {
				cfg.Clients[i].DPoPBoundAccessTokens = true
			}
		}
	})
	r := e.rp("public")
	q, a := e.authorize(r, e.browser(), "gckey", "alex")
	key = newDPoPKey(e)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {r.cfg.RedirectURL},
		"code_verifier": {a.verifier}, "client_id": {"public"}}

	// No proof, then a proof without the nonce: refused, the code unspent.
	status, _, body := e.call("POST", "/oauth/token", form, nil)
	if status != http.StatusBadRequest || body["error"] != "invalid_dpop_proof" {
		t.Errorf("token request without a proof: %d %v", status, body)
	}
	status, hdr, body := e.call("POST", "/oauth/token", form, map[string]string{"DPoP": key.proof("POST", "/oauth/token", nil)})
	nonce = hdr.Get("DPoP-Nonce")
	if status != http.StatusBadRequest || body["error"] != "use_dpop_nonce" || nonce == "" {
		t.Fatalf("proof without the nonce: %d %v nonce %q", status, body, nonce)
	}
	status, _, tok := e.call("POST", "/oauth/token", form, map[string]string{"DPoP": key.proof("POST", "/oauth/token", map[string]any{"nonce": nonce})})
	if status != http.StatusOK || tok["token_type"] != "DPoP" {
		t.Fatalf("token request with a proof: %d %v", status, tok)
	}
	return e, key, nonce, tok["access_token"].(string), tok["refresh_token"].(string)
}

// TestDPoP: a public client registered with dpop_bound_access_tokens
// gets tokens bound to its key, with a server nonce; userinfo checks
// every part of the proof and answers DPoP challenges; introspection
// reports the key; its refresh token works only with the key.
func TestDPoP(t *testing.T) {
	e, key, nonce, at, rt := dpopSignIn(t)
	withNonce := map[string]any{"nonce": nonce}

	// Userinfo: the DPoP scheme and a proof naming the token, by its key.
	dpopAuth := func(proof string) map[string]string {
		return map[string]string{"Authorization": "DPoP " + at, "DPoP": proof}
	}
	good := map[string]any{"nonce": nonce, "ath": ath(at)}
	other := newDPoPKey(e)
	for _, c := range []struct {
		name    string
		headers map[string]string
		code    string
	}{
		{"as a bearer token", map[string]string{"Authorization": "Bearer " + at}, "invalid_token"},
		{"without a proof", map[string]string{"Authorization": "DPoP " + at}, "invalid_dpop_proof"},
		{"proof without ath", dpopAuth(key.proof("GET", "/userinfo", map[string]any{"nonce": nonce})), "invalid_dpop_proof"},
		{"proof naming another token", dpopAuth(key.proof("GET", "/userinfo", map[string]any{"nonce": nonce, "ath": ath("x")})), "invalid_dpop_proof"},
		{"proof by another key", dpopAuth(other.proof("GET", "/userinfo", good)), "invalid_dpop_proof"},
		{"proof for POST", dpopAuth(key.proof("POST", "/userinfo", good)), "invalid_dpop_proof"},
		{"proof for the token endpoint", dpopAuth(key.proof("GET", "/oauth/token", good)), "invalid_dpop_proof"},
		{"proof two minutes old", dpopAuth(key.proof("GET", "/userinfo", map[string]any{"nonce": nonce, "ath": ath(at), "iat": e.clock.Now().Add(-2 * time.Minute).Unix()})), "invalid_dpop_proof"},
		{"proof without nonce", dpopAuth(key.proof("GET", "/userinfo", map[string]any{"ath": ath(at)})), "use_dpop_nonce"},
		{"proof with a made-up nonce", dpopAuth(key.proof("GET", "/userinfo", map[string]any{"ath": ath(at), "nonce": "0." + nonce[2:]})), "use_dpop_nonce"},
	} {
		status, hdr, body := e.call("GET", "/userinfo", nil, c.headers)
		if status != http.StatusUnauthorized || body["error"] != c.code ||
			!strings.HasPrefix(hdr.Get("WWW-Authenticate"), `DPoP error="`+c.code+`"`) || hdr.Get("DPoP-Nonce") == "" {
			t.Errorf("userinfo %s: %d %v %q", c.name, status, body, hdr.Get("WWW-Authenticate"))
		}
	}
	proof := key.proof("GET", "/userinfo", good)
	status, _, info := e.call("GET", "/userinfo", nil, dpopAuth(proof))
	if status != http.StatusOK || info["sub"] == nil {
		t.Fatalf("userinfo with the token's key: %d %v", status, info)
	}
	if status, _, body := e.call("GET", "/userinfo", nil, dpopAuth(proof)); status != http.StatusUnauthorized || body["error"] != "invalid_dpop_proof" {
		t.Errorf("a proof used twice: %d %v", status, body)
	}

	// Introspection reports the key (a resource server's own credentials).
	status, _, in := e.call("POST", "/oauth/introspect", url.Values{"token": {at}, "client_id": {"rp2"}, "client_secret": {rpSecret}}, nil)
	if cnf, _ := in["cnf"].(map[string]any); status != http.StatusOK || in["active"] != true || in["token_type"] != "DPoP" || cnf["jkt"] != key.jkt() {
		t.Errorf("introspection: %d %v, want cnf.jkt %s", status, in, key.jkt())
	}

	// The public client's refresh token is bound to the key.
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"public"}}
	for name, headers := range map[string]map[string]string{
		"without a proof":  nil,
		"by another key":   {"DPoP": other.proof("POST", "/oauth/token", withNonce)},
		"with a bad proof": {"DPoP": key.proof("POST", "/oauth/token", map[string]any{"nonce": nonce, "htm": "GET"})},
	} {
		if status, _, body := e.call("POST", "/oauth/token", refresh, headers); status != http.StatusBadRequest || body["error"] != "invalid_dpop_proof" {
			t.Errorf("refresh %s: %d %v", name, status, body)
		}
	}
	status, _, again := e.call("POST", "/oauth/token", refresh, map[string]string{"DPoP": key.proof("POST", "/oauth/token", withNonce)})
	if status != http.StatusOK || again["token_type"] != "DPoP" || again["refresh_token"] == rt {
		t.Errorf("refresh with the key: %d %v", status, again)
	}

	// The nonce changes with time; the old one is refused once two slots have passed.
	e.clock.Advance(11 * time.Minute)
	status, hdr, body := e.call("POST", "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {again["refresh_token"].(string)}, "client_id": {"public"}},
		map[string]string{"DPoP": key.proof("POST", "/oauth/token", withNonce)})
	if status != http.StatusBadRequest || body["error"] != "use_dpop_nonce" || hdr.Get("DPoP-Nonce") == nonce {
		t.Errorf("an expired nonce: %d %v, new nonce %q", status, body, hdr.Get("DPoP-Nonce"))
	}
}

// TestAttackStolenDPoPTokens: someone who lifted a public client's
// DPoP-bound access and refresh tokens, and even a proof it sent, gets
// nothing without the client's key: not as a bearer token, not with
// proofs of their own key, not by replaying the proof, not by
// refreshing.
func TestAttackStolenDPoPTokens(t *testing.T) {
	e, key, nonce, at, rt := dpopSignIn(t)
	thief := newDPoPKey(e)
	seen := key.proof("GET", "/userinfo", map[string]any{"nonce": nonce, "ath": ath(at)})
	if status, _, _ := e.call("GET", "/userinfo", nil, map[string]string{"Authorization": "DPoP " + at, "DPoP": seen}); status != http.StatusOK {
		t.Fatalf("the client's own request: %d", status)
	}
	for name, headers := range map[string]map[string]string{
		"as a bearer token":     {"Authorization": "Bearer " + at},
		"with the thief's key":  {"Authorization": "DPoP " + at, "DPoP": thief.proof("GET", "/userinfo", map[string]any{"nonce": nonce, "ath": ath(at)})},
		"with the seen proof":   {"Authorization": "DPoP " + at, "DPoP": seen},
		"in the form of a POST": {"DPoP": seen},
	} {
		if status, _, body := e.call("GET", "/userinfo", nil, headers); status == http.StatusOK {
			t.Errorf("userinfo %s: %d %v", name, status, body)
		}
	}
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"public"}}
	if status, _, body := e.call("POST", "/oauth/token", refresh, map[string]string{"DPoP": thief.proof("POST", "/oauth/token", map[string]any{"nonce": nonce})}); status != http.StatusBadRequest || body["error"] != "invalid_dpop_proof" {
		t.Errorf("refresh with the thief's key: %d %v", status, body)
	}
	if status, _, body := e.call("POST", "/oauth/token", refresh, map[string]string{"DPoP": seen}); status != http.StatusBadRequest {
		t.Errorf("refresh with the seen userinfo proof: %d %v", status, body)
	}
}
