package broker_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/broker/steps/organization"
	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/mfa"
)

// traderClientJSON is the trusted-trader portal as an administrator
// registers it through the admin API: the organization step and its
// table, written as the configuration file writes it (durations as text).
const traderClientJSON = `{"id": "trader-api", "name": {"en": "Trusted-trader portal", "fr": "Portail des négociants"},
  "redirect_uris": ["https://trader.example/cb"], "steps": ["organization"],
  "organizations": {"required": true, "owner": "account_owner", "after_transfer": "delegated_owner", "activation": true,
    "invitation_ttl": "720h", "activation_ttl": "1080h", "claims": {"org": "business", "roles": "business_roles"},
    "roles": [
      {"id": "account_owner", "name": {"en": "Account owner", "fr": "Propriétaire du compte"},
       "invite": ["delegated_owner", "full_access", "administrator"], "manage": ["delegated_owner", "full_access", "administrator"], "see_members": true},
      {"id": "delegated_owner", "name": {"en": "Delegated account owner", "fr": "Propriétaire du compte mandataire"},
       "invite": ["full_access", "administrator"], "manage": ["full_access", "administrator"], "see_members": true},
      {"id": "full_access", "name": {"en": "Full-access user", "fr": "Utilisateur à accès complet"}, "see_members": true},
      {"id": "administrator", "name": {"en": "Administrator user", "fr": "Utilisateur-administrateur"},
       "invite": ["full_access", "administrator"], "manage": ["full_access", "administrator"], "see_members": true}]}}`

// adminAPI is the admin HTTP API over the broker's store, with the
// configuration's rules for clients.
type adminAPI struct {
	t   *testing.T
	srv *httptest.Server
}

func newAdminAPI(t *testing.T, e *env) adminAPI {
	cfg := broker.Config{}
	cfg.SetDefaults()
	svc := admin.New(e.store, nil, mfa.LockoutConfig{}, cfg.ClientRules([]string{"gckey"}), nil, e.clock.Now,
		admin.WithClientsChanged(e.broker.ClientsChanged))
	srv := httptest.NewServer(svc.Handler("admin-token"))
	t.Cleanup(srv.Close)
	return adminAPI{t: t, srv: srv}
}

// call sends body (JSON) and returns the status and the answer.
func (a adminAPI) call(method, path, body string) (int, map[string]any, string) {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer admin-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.NewDecoder(bytes.NewReader(raw)).Decode(&out)
	return resp.StatusCode, out, string(raw)
}

// TestAPIClientTrustedTraderJourney: an administrator registers the
// trusted-trader portal through the admin API, its role table with it
// (a table that breaks the rules is refused with every problem's path),
// and creates a business awaiting activation. With nothing in the
// configuration file: a trader signs in through the portal, asks for the
// activation letter, enters the code the operator's export made and
// becomes the owner (the claims under the portal's own names); invites a
// user on the account pages, who joins at sign-in; and transfers
// ownership to that user, who accepts.
func TestAPIClientTrustedTraderJourney(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{})
	api := newAdminAPI(t, e)
	ctx := t.Context()

	bad := strings.Replace(traderClientJSON, `"invite": ["delegated_owner",`, `"invite": ["account_owner", "nobody",`, 1)
	bad = strings.Replace(bad, `"steps": ["organization"]`, `"steps": ["organization", "terms"]`, 1)
	bad = strings.Replace(bad, `"activation_ttl": "1080h"`, `"activation_ttl": "10m"`, 1)
	status, _, raw := api.call(http.MethodPost, "/admin/clients", bad)
	for _, path := range []string{"clients[0].organizations.roles[0].invite[0]", "clients[0].organizations.roles[0].invite[1]",
		"clients[0].organizations.activation_ttl", "clients[0].steps[1]"} {
		if status != http.StatusBadRequest || !strings.Contains(raw, path) {
			t.Errorf("a bad table: %d, no problem at %s: %s", status, path, raw)
		}
	}
	status, _, raw = api.call(http.MethodPost, "/admin/clients", strings.Replace(traderClientJSON, `"steps": ["organization"],`, ``, 1))
	if status != http.StatusCreated {
		t.Fatalf("a client with organizations and no step: %d %s", status, raw)
	}
	api.call(http.MethodDelete, "/admin/clients/trader-api", "")
	status, _, raw = api.call(http.MethodPost, "/admin/clients", strings.Replace(traderClientJSON, `"organizations"`, `"organisations"`, 1))
	if status != http.StatusBadRequest {
		t.Errorf("a misspelt key: %d %s", status, raw)
	}
	status, added, raw := api.call(http.MethodPost, "/admin/clients", traderClientJSON)
	if status != http.StatusCreated {
		t.Fatalf("add the client: %d %s", status, raw)
	}
	secret, _ := added["secret"].(string)
	status, created, raw := api.call(http.MethodPost, "/admin/clients/trader-api/orgs",
		`{"names": {"en": "Acme Imports", "fr": "Importations Acme"}, "external_number": "123456789RM0001", "status": "pending"}`)
	if status != http.StatusCreated {
		t.Fatalf("create the business: %d %s", status, raw)
	}
	bizID, _ := created["organization"].(map[string]any)["id"].(string)

	r := e.rp("rp1")
	r.cfg.ClientID, r.cfg.ClientSecret, r.cfg.RedirectURL = "trader-api", secret, "https://trader.example/cb"
	r.verifier = r.provider.Verifier(&gooidc.Config{ClientID: "trader-api"})
	r.cfg.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	atStep := func(b *browser, user string) (page, authorization) {
		t.Helper()
		a := r.start()
		p := b.upstreamLogin(b.choose(b.Get(a.url), "gckey"), user)
		if !strings.HasSuffix(p.Resp.Request.URL.Path, "/step/"+organization.Name) {
			t.Fatalf("%s: expected the organization step, landed on %s: %.500s", user, p.Resp.Request.URL, p.Body)
		}
		return p, a
	}
	finish := func(p page, a authorization) (string, []any) {
		t.Helper()
		tok, err := r.exchange(r.callback(p, a).Get("code"), a)
		if err != nil {
			t.Fatal(err)
		}
		org, _ := tok.claims["business"].(map[string]any)
		roles, _ := tok.claims["business_roles"].([]any)
		id, _ := org["id"].(string)
		return id, roles
	}

	b := e.browser()
	p, a := atStep(b, "alex")
	p = submit(t, b, p, "request", url.Values{"number": {"123456789RM0001"}})
	if !strings.Contains(p.Body, "Your request is recorded") {
		t.Fatalf("the request: %.600s", p.Body)
	}
	status, letters, raw := api.call(http.MethodPost, "/admin/clients/trader-api/letters", "")
	list, _ := letters["letters"].([]any)
	if status != http.StatusOK || len(list) != 1 {
		t.Fatalf("the letters: %d %s", status, raw)
	}
	code, _ := list[0].(map[string]any)["code"].(string)
	p = submit(t, b, p, "activate", url.Values{"number": {"123456789RM0001"}, "activation-code": {code}})
	if id, roles := finish(p, a); id != bizID || !slices.Equal(roles, []any{"account_owner"}) {
		t.Fatalf("the owner's claims: %q %v", id, roles)
	}

	// On the account pages, the owner invites a full-access user.
	orgPage := orgEnv{env: e}.openOrgs(t, b, "alex", "/account/organizations")
	if !strings.Contains(orgPage.Body, "Acme Imports") || !strings.Contains(orgPage.Body, "Trusted-trader portal") {
		t.Fatalf("the owner's organizations: %.800s", orgPage.Body)
	}
	biz := b.Get(e.issuer + "/account/organizations/trader-api/" + bizID)
	to, v, ok := biz.Action("/invite")
	if !ok {
		t.Fatalf("no invitation form: %.800s", biz.Body)
	}
	v.Set("role", "full_access")
	invited := b.Post(to, v)
	m := codeOnPage.FindStringSubmatch(invited.Body)
	if m == nil {
		t.Fatalf("no invitation code shown: %.800s", invited.Body)
	}
	invitation := m[1]

	sb := e.browser()
	p, a = atStep(sb, "sam")
	if id, roles := finish(submit(t, sb, p, "join", url.Values{"code": {invitation}}), a); id != bizID || !slices.Equal(roles, []any{"full_access"}) {
		t.Fatalf("the user's claims: %q %v", id, roles)
	}
	o, err := e.store.GetOrganization(ctx, "trader-api", bizID)
	if err != nil || len(o.Members) != 1 {
		t.Fatalf("members: %+v %v", o.Members, err)
	}
	user, _ := e.store.GetAccount(ctx, o.Members[0].AccountID)
	biz = b.Get(e.issuer + "/account/organizations/trader-api/" + bizID)
	to, v, ok = biz.Action("/transfer")
	if !ok {
		t.Fatalf("no transfer form: %.800s", biz.Body)
	}
	v.Set("family_name", user.FamilyName)
	v.Set("urn", user.URN)
	v.Set("email", user.Email)
	b.Post(to, v)
	offers := orgEnv{env: e}.openOrgs(t, sb, "sam", "/account/organizations")
	to, v, ok = offers.Action("/accept")
	if !ok {
		t.Fatalf("no offer to accept: %.800s", offers.Body)
	}
	sb.Post(to, v)
	if o, _ := e.store.GetOrganization(ctx, "trader-api", bizID); o.Owner != user.ID {
		t.Errorf("after the transfer the owner is %q, want the user", o.Owner)
	}
}
