package replicas

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"
)

// refreshRace presents one refresh token eight times at once, half to
// each replica, as a thief racing the application would: a refresh token
// is good once across the fleet. At most one presentation gets new
// tokens, and the family dies on both replicas: neither the raced token
// nor any refresh token the race gave out refreshes again, and the access
// tokens introspect inactive.
func (f *fleet) refreshRace(t *testing.T, tok *oauth2.Token) {
	const n = 8
	type answer struct {
		status int
		body   map[string]any
	}
	got := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			got[i].status, got[i].body = f.post(t, []string{"A", "B"}[i%2], "/oauth/token",
				url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}})
		})
	}
	wg.Wait()
	refreshed := []string{tok.RefreshToken}
	access := []string{tok.AccessToken}
	for _, a := range got {
		switch {
		case a.status == http.StatusOK:
			rt, _ := a.body["refresh_token"].(string)
			at, _ := a.body["access_token"].(string)
			refreshed, access = append(refreshed, rt), append(access, at)
		case a.status != http.StatusBadRequest || a.body["error"] != "invalid_grant":
			t.Errorf("a raced presentation answered %d %v, want 200 or 400 invalid_grant", a.status, a.body["error"])
		}
	}
	if len(refreshed) > 2 {
		t.Errorf("%d of %d presentations of one refresh token across the replicas got new tokens", len(refreshed)-1, n)
	}
	for _, name := range []string{"A", "B"} {
		for _, rt := range refreshed {
			if status, _ := f.post(t, name, "/oauth/token",
				url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}); status == http.StatusOK {
				t.Errorf("replica %s refreshed a token of the raced family", name)
			}
		}
		for _, at := range access {
			if _, body := f.post(t, name, "/oauth/introspect", url.Values{"token": {at}}); body["active"] != false {
				t.Errorf("replica %s introspects an access token of the raced family as active (%v)", name, body["active"])
			}
		}
	}
}

// post sends form to path on the replica name, as the relying party
// (client secret basic), and returns the status and the JSON answer.
func (f *fleet) post(t *testing.T, name, path string, form url.Values) (int, map[string]any) {
	req, err := http.NewRequest(http.MethodPost, f.replicas[name].url+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, clientSecret)
	resp, err := plain.Do(req)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Errorf("POST %s on %s: %d, not JSON: %v", path, name, resp.StatusCode, err)
	}
	return resp.StatusCode, body
}
