package admin_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/store"
)

const newClientJSON = `{
  "id": "trader",
  "name": {"en": "Trusted Trader", "fr": "Négociant fiable"},
  "redirect_uris": ["https://trader.example/cb"],
  "allowed_providers": ["bank"],
  "upstream_claims": ["email"],
  "mfa": {"factors": ["totp", "webauthn"], "every_sign_in": true}
}`

type clientAnswer struct {
	Client admin.ClientView `json:"client"`
	Secret string           `json:"secret"`
}

// noSecretIn fails if raw shows a secret or the hash of one.
func noSecretIn(t *testing.T, raw string, secrets ...string) {
	t.Helper()
	if strings.Contains(raw, "secret_hash") {
		t.Errorf("answer shows a secret hash: %s", raw)
	}
	for _, s := range secrets {
		h := store.HashToken(s)
		for _, leak := range []string{s, base64.StdEncoding.EncodeToString(h), base64.RawURLEncoding.EncodeToString(h)} {
			if strings.Contains(raw, leak) {
				t.Errorf("answer shows a secret or its hash: %s", raw)
			}
		}
	}
}

func TestClientLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	res := f.call(http.MethodPost, "/admin/clients", newClientJSON)
	f.expect(res, http.StatusCreated)
	var added clientAnswer
	res.json(t, &added)
	if len(added.Secret) != 43 { // 256 bits, base64url
		t.Fatalf("secret %q: want 43 characters", added.Secret)
	}
	c := added.Client
	if c.ID != "trader" || c.Source != admin.SourceStore || c.AuthMethod != "client_secret_basic" || !c.HasSecret ||
		c.SubjectType != "pairwise" || c.IDTokenAlg != "ES256" || !c.MFA.EverySignIn || len(c.MFA.Factors) != 2 ||
		len(c.UpstreamClaims) != 1 || c.UpstreamClaims[0] != "email" {
		t.Errorf("added client: %+v", c)
	}
	stored, err := f.st.GetClient(ctx, "trader")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored.SecretHash, store.HashToken(added.Secret)) {
		t.Error("the stored hash is not the hash of the secret returned")
	}
	secret := added.Secret

	res = f.call(http.MethodGet, "/admin/clients", "")
	f.expect(res, http.StatusOK)
	noSecretIn(t, res.raw, secret, configSecret)
	var list struct{ Clients []admin.ClientView }
	res.json(t, &list)
	if len(list.Clients) != 2 || list.Clients[0].ID != "portal" || list.Clients[0].Source != admin.SourceConfig ||
		!list.Clients[0].HasSecret || list.Clients[1].ID != "trader" {
		t.Fatalf("list: %+v", list.Clients)
	}

	update := strings.Replace(newClientJSON, "Trusted Trader", "Trusted Trader Portal", 1)
	res = f.call(http.MethodPut, "/admin/clients/trader", update)
	f.expect(res, http.StatusOK)
	noSecretIn(t, res.raw, secret)
	stored, _ = f.st.GetClient(ctx, "trader")
	if stored.Name["en"] != "Trusted Trader Portal" || !bytes.Equal(stored.SecretHash, store.HashToken(secret)) {
		t.Errorf("after update: name %q, secret kept %v", stored.Name["en"], bytes.Equal(stored.SecretHash, store.HashToken(secret)))
	}

	res = f.call(http.MethodPost, "/admin/clients/trader/secret", "")
	f.expect(res, http.StatusOK)
	var rotated struct{ Secret string }
	res.json(t, &rotated)
	stored, _ = f.st.GetClient(ctx, "trader")
	if rotated.Secret == secret || len(rotated.Secret) != 43 ||
		bytes.Equal(stored.SecretHash, store.HashToken(secret)) || !bytes.Equal(stored.SecretHash, store.HashToken(rotated.Secret)) {
		t.Error("rotation did not replace the secret")
	}

	res = f.call(http.MethodDelete, "/admin/clients/trader", "")
	f.expect(res, http.StatusNoContent)
	if _, err := f.st.GetClient(ctx, "trader"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after remove: %v", err)
	}

	for _, kind := range []string{"admin.client.add", "admin.client.update", "admin.client.rotate_secret", "admin.client.remove"} {
		ev := f.audited(kind)
		if len(ev) != 1 || ev[0].ClientID != "trader" {
			t.Errorf("%s: audit events %+v", kind, ev)
		}
	}
}

func TestPublicClientHasNoSecret(t *testing.T) {
	f := newFixture(t)
	res := f.call(http.MethodPost, "/admin/clients", strings.Replace(newClientJSON, `"id"`, `"public": true, "id"`, 1))
	f.expect(res, http.StatusCreated)
	var added clientAnswer
	res.json(t, &added)
	if added.Secret != "" || added.Client.AuthMethod != "none" || !added.Client.Public || added.Client.HasSecret {
		t.Errorf("public client: %s", res.raw)
	}
	res = f.call(http.MethodPost, "/admin/clients/trader/secret", "")
	f.expect(res, http.StatusConflict)
}

func TestInvalidClientListsEveryProblem(t *testing.T) {
	f := newFixture(t)
	res := f.call(http.MethodPost, "/admin/clients", `{"id": "bad", "name": {"en": "Bad"},
		"redirect_uris": ["http://bad.example/cb#frag"], "allowed_providers": ["nowhere"], "id_token_signed_response_alg": "HS256",
		"upstream_claims": ["phone_number"]}`)
	f.expect(res, http.StatusBadRequest)
	var body struct {
		Error    string
		Problems []struct{ Path, Rule, Value string }
	}
	res.json(t, &body)
	got := map[string]bool{}
	for _, p := range body.Problems {
		if p.Rule == "" {
			t.Errorf("problem without a rule: %+v", p)
		}
		got[p.Path] = true
	}
	for _, path := range []string{"clients[0].name.fr", "clients[0].redirect_uris[0]",
		"clients[0].allowed_providers[0]", "clients[0].id_token_signed_response_alg", "clients[0].upstream_claims[0]"} {
		if !got[path] {
			t.Errorf("no problem at %s in %s", path, res.raw)
		}
	}
	if body.Error == "" {
		t.Error("no error message")
	}
	if list, _ := f.st.ListClients(context.Background()); len(list) != 0 {
		t.Errorf("an invalid client was stored: %+v", list)
	}
}

func TestConfigClientsAreReadOnly(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ method, path, body string }{
		{http.MethodPost, "/admin/clients", strings.Replace(newClientJSON, `"trader"`, `"portal"`, 1)},
		{http.MethodPut, "/admin/clients/portal", newClientJSON},
		{http.MethodDelete, "/admin/clients/portal", ""},
		{http.MethodPost, "/admin/clients/portal/secret", ""},
	} {
		res := f.call(c.method, c.path, c.body)
		f.expect(res, http.StatusConflict)
		if msg := res.errorMessage(t); !strings.Contains(msg, "configuration file") {
			t.Errorf("%s %s: message %q", c.method, c.path, msg)
		}
	}
}

func TestDuplicateAndUnknownClients(t *testing.T) {
	f := newFixture(t)
	f.expect(f.call(http.MethodPost, "/admin/clients", newClientJSON), http.StatusCreated)
	f.expect(f.call(http.MethodPost, "/admin/clients", newClientJSON), http.StatusConflict)
	f.expect(f.call(http.MethodPut, "/admin/clients/nobody", newClientJSON), http.StatusNotFound)
	f.expect(f.call(http.MethodDelete, "/admin/clients/nobody", ""), http.StatusNotFound)
	res := f.call(http.MethodPost, "/admin/clients/nobody/secret", "")
	f.expect(res, http.StatusNotFound)
	if msg := res.errorMessage(t); !strings.Contains(msg, `"nobody"`) {
		t.Errorf("message %q does not name the client", msg)
	}
}

func TestUpdateClientRules(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in := store.Client{ID: "spa", Public: true, Name: map[string]string{"en": "App", "fr": "Appli"},
		RedirectURIs: []string{"https://app.example/cb"}}
	if _, _, err := f.svc.AddClient(ctx, in); err != nil {
		t.Fatal(err)
	}
	// A client without a secret cannot take a secret method; the ID never changes.
	in.Public, in.ID = false, "other"
	_, err := f.svc.UpdateClient(ctx, "spa", in)
	var ve *validate.Error
	if !errors.As(err, &ve) || len(ve.Problems) != 2 ||
		ve.Problems[0].Path != "clients[0].id" || ve.Problems[1].Path != "clients[0].token_endpoint_auth_method" {
		t.Fatalf("update: %v", err)
	}

	// A confidential client that turns to private_key_jwt loses its secret.
	in = store.Client{ID: "api", Name: in.Name, RedirectURIs: in.RedirectURIs}
	if _, _, err := f.svc.AddClient(ctx, in); err != nil {
		t.Fatal(err)
	}
	in.JWKSURI = "https://api.example/jwks.json"
	c, err := f.svc.UpdateClient(ctx, "api", in)
	if err != nil {
		t.Fatal(err)
	}
	if c.AuthMethod != "private_key_jwt" || len(c.SecretHash) != 0 {
		t.Errorf("after update: %s, hash %x", c.AuthMethod, c.SecretHash)
	}
	if _, err := f.svc.RotateClientSecret(ctx, "api"); !errors.Is(err, admin.ErrNoSecret) {
		t.Errorf("rotate: %v, want ErrNoSecret", err)
	}
}
