package broker_test

import (
	"context"
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
)

// TestIDTokenAsTheLibraryMakesIt: for a code grant and the refresh grant
// after it, the ID token the token endpoint answers, the one idToken makes
// and the one zitadel/oidc's op.CreateIDToken makes for the same request
// and access token have the same header (alg, kid, typ) and the same
// claims, but for exp and iat: the library takes them from time.Now,
// the broker from its own clock (iat is the clock's now, exp as long
// after it as the library's is after its iat), for clients
// signing with ES256, RS256 and EdDSA, pairwise subjects of two sectors,
// the provider revealed, claims released by scope and by the claims
// parameter, and none released.
func TestIDTokenAsTheLibraryMakesIt(t *testing.T) {
	eddsa := newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) {
		for i := range c.Clients {
			if c.Clients[i].ID == "rp1" {
				c.Clients[i].IDTokenAlg = "EdDSA"
			}
		}
	})
	released := newPrivacy(t, []string{"email", "name"}, []string{"email", "name"}).env
	plain := newEnv(t)
	ask := oauth2.SetAuthURLParam("claims", `{"id_token":{"email":{"essential":true},"name":null}}`)
	for _, tc := range []struct {
		name, client, upstream string
		e                      *env
		scopes                 []string
		extra                  []oauth2.AuthCodeOption
	}{
		{name: "ES256", client: "rp1", upstream: "gckey", e: plain},
		{name: "EdDSA", client: "rp1", upstream: "gckey", e: eddsa},
		{name: "pairwise other sector", client: "rp2", upstream: "bank-a", e: plain},
		{name: "RS256 idp revealed", client: "rp3", upstream: "bank-a", e: plain},
		{name: "released by scope", client: "rp1", upstream: "bank-a", e: released},
		{name: "released by claims parameter", client: "rp1", upstream: "bank-a", e: released,
			scopes: []string{"openid", "offline_access"}, extra: []oauth2.AuthCodeOption{ask}},
		{name: "claims parameter, nothing released", client: "rp1", upstream: "bank-a", e: plain, extra: []oauth2.AuthCodeOption{ask}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.e
			r := e.rp(tc.client)
			if tc.scopes != nil {
				r.cfg.Scopes = tc.scopes
			}
			q, a := e.authorize(r, e.browser(), tc.upstream, "alex", tc.extra...)
			code := q.Get("code")
			tok, err := r.exchange(code, a)
			if err != nil {
				t.Fatal(err)
			}
			if tok.claims["nonce"] != a.nonce {
				t.Errorf("nonce %v, want %s", tok.claims["nonce"], a.nonce)
			}
			sameAsLibrary(t, e, r, "code grant", code, "", tok)
			next, err := e.refresh(r, tok.RefreshToken)
			var refreshed tokens
			if err == nil {
				refreshed, err = r.verify(next, "")
			}
			if err != nil {
				t.Fatal(err)
			}
			sameAsLibrary(t, e, r, "refresh grant", "", next.RefreshToken, refreshed)
		})
	}
}

// sameAsLibrary fails unless tok, the ID token the token endpoint
// answered for grant, and the one idToken makes for its code or refresh
// token are signed as op.CreateIDToken signs and carry its claims.
func sameAsLibrary(t *testing.T, e *env, r *rp, grant, code, refreshToken string, tok tokens) {
	t.Helper()
	lib, ours, err := e.broker.IDTokens(context.Background(), r.cfg.ClientID, code, refreshToken, tok.AccessToken)
	if err != nil {
		t.Fatalf("%s: %v", grant, err)
	}
	if _, err := r.verifier.Verify(context.Background(), ours); err != nil {
		t.Fatalf("%s: %v", grant, err)
	}
	sameIDToken(t, grant, e.clock.Now(), lib, tok.raw, ours)
}

// sameIDToken fails unless every token of got has the header and the
// claims of want, issued at now.
func sameIDToken(t *testing.T, grant string, now time.Time, want string, got ...string) {
	t.Helper()
	wh, wc := jwtParts(t, want)
	if wc["sub"] == nil || wc["at_hash"] == nil || wc["sid"] == nil {
		t.Fatalf("%s: the library's token lacks sub, at_hash or sid: %v", grant, wc)
	}
	for _, g := range got {
		gh, gc := jwtParts(t, g)
		if !maps.Equal(gh, wh) {
			t.Errorf("%s: header %v, the library's %v", grant, gh, wh)
		}
		wexp, _ := wc["exp"].(float64)
		wiat, _ := wc["iat"].(float64)
		exp, _ := gc["exp"].(float64)
		iat, _ := gc["iat"].(float64)
		if iat != float64(now.Unix()) || exp-iat != wexp-wiat {
			t.Errorf("%s: iat %v and exp %v, want %d and %v later (the library's lifetime)", grant, iat, exp, now.Unix(), wexp-wiat)
		}
		w, v := maps.Clone(wc), maps.Clone(gc)
		delete(w, "exp")
		delete(w, "iat")
		delete(v, "exp")
		delete(v, "iat")
		wj, _ := json.Marshal(w)
		vj, _ := json.Marshal(v)
		if string(wj) != string(vj) {
			t.Errorf("%s: claims\n%s\nthe library's\n%s", grant, vj, wj)
		}
	}
}

// jwtParts decodes the header (alg, kid, typ) and the claims of a JWS.
func jwtParts(t *testing.T, raw string) (map[string]string, map[string]any) {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %q", raw)
	}
	var h map[string]any
	var c map[string]any
	if err := json.Unmarshal([]byte(decodeSeg(t, parts[0])), &h); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(decodeSeg(t, parts[1])), &c); err != nil {
		t.Fatal(err)
	}
	header := map[string]string{}
	for _, k := range []string{"alg", "kid", "typ"} {
		header[k], _ = h[k].(string)
	}
	if len(h) != 3 {
		t.Errorf("header %v, want alg, kid and typ only", h)
	}
	return header, c
}
