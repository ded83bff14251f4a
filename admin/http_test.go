package admin_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAuthentication(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ name, header, want string }{
		{"no header", "", "missing Authorization"},
		{"basic scheme", "Basic " + testToken, "scheme must be Bearer"},
		{"bearer without token", "Bearer ", "scheme must be Bearer"},
		{"wrong token", "Bearer " + strings.ToUpper(testToken), "invalid admin token"},
		{"token prefix", "Bearer " + testToken[:32], "invalid admin token"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := map[string]string{}
			if c.header != "" {
				h["Authorization"] = c.header
			}
			// An unknown route answers 401 too: nothing is learnt without the token.
			for _, path := range []string{"/admin/clients", "/admin/nothing"} {
				res := f.callWith(http.MethodGet, path, "", h)
				f.expect(res, http.StatusUnauthorized)
				if got := res.header.Get("WWW-Authenticate"); got != `Bearer realm="passerelle-admin"` {
					t.Errorf("WWW-Authenticate %q", got)
				}
				if msg := res.errorMessage(t); !strings.Contains(msg, c.want) {
					t.Errorf("message %q, want %q", msg, c.want)
				}
			}
		})
	}
	if !strings.Contains(f.log.String(), "invalid token") {
		t.Error("a wrong token is not logged")
	}
	// The scheme is case-insensitive (RFC 7235).
	f.expect(f.callWith(http.MethodGet, "/admin/clients", "", map[string]string{"Authorization": "bearer " + testToken}), http.StatusOK)
}

func TestAPIOffWithoutToken(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.svc.Handler(""))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/admin/clients", nil)
	req.Header.Set("Authorization", "Bearer ")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("status %d, want 404", res.StatusCode)
	}
}

func TestMalformedBodies(t *testing.T) {
	f := newFixture(t)
	huge := `{"id": "x", "name": {"en": "` + strings.Repeat("a", 70<<10) + `"}}`
	for _, c := range []struct{ name, body, want string }{
		{"malformed", `{"id": "x",`, "malformed JSON"},
		{"syntax", `{"id" "x"}`, "malformed JSON at byte"},
		{"unknown field", `{"id": "x", "secret": "chosen-by-me"}`, `unknown field "secret"`},
		{"wrong type", `{"id": "x", "redirect_uris": "https://x.example/cb"}`, `field "redirect_uris" must be a JSON array`},
		{"not an object", `["x"]`, "must be a JSON object"},
		{"two objects", `{"id": "x"} {"id": "y"}`, "one JSON object"},
		{"empty", " ", "empty"},
		{"oversized", huge, "larger than 64 KiB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, r := range []struct{ method, path string }{
				{http.MethodPost, "/admin/clients"}, {http.MethodPut, "/admin/clients/x"},
			} {
				res := f.call(r.method, r.path, c.body)
				f.expect(res, http.StatusBadRequest)
				if msg := res.errorMessage(t); !strings.Contains(msg, c.want) {
					t.Errorf("%s: message %q, want %q", r.method, msg, c.want)
				}
			}
		})
	}
	res := f.callWith(http.MethodPost, "/admin/clients", newClientJSON, map[string]string{
		"Authorization": "Bearer " + testToken, "Content-Type": "application/x-www-form-urlencoded"})
	f.expect(res, http.StatusUnsupportedMediaType)
	if msg := res.errorMessage(t); !strings.Contains(msg, "Content-Type: application/json") {
		t.Errorf("message %q", msg)
	}
}

func TestRoutingErrors(t *testing.T) {
	f := newFixture(t)
	res := f.call(http.MethodPatch, "/admin/clients", "")
	f.expect(res, http.StatusMethodNotAllowed)
	if got := res.header.Get("Allow"); got != "GET, POST" {
		t.Errorf("Allow %q", got)
	}
	res = f.call(http.MethodGet, "/admin/keys/rotate", "")
	f.expect(res, http.StatusMethodNotAllowed)
	if got := res.header.Get("Allow"); got != "POST" {
		t.Errorf("Allow %q", got)
	}
	res = f.call(http.MethodGet, "/admin/users", "")
	f.expect(res, http.StatusNotFound)
	if res.errorMessage(t) == "" {
		t.Error("a 404 without a message")
	}
}

func TestServerFaultIsGeneric(t *testing.T) {
	f := newFixture(t)
	if err := f.st.Close(); err != nil {
		t.Fatal(err)
	}
	res := f.call(http.MethodGet, "/admin/clients", "")
	f.expect(res, http.StatusInternalServerError)
	if msg := res.errorMessage(t); msg != "internal error; the detail is in the server log" {
		t.Errorf("message %q shows the detail", msg)
	}
	if !strings.Contains(f.log.String(), "admin API") || !strings.Contains(f.log.String(), "/admin/clients") {
		t.Errorf("the fault is not logged: %s", f.log.String())
	}
}
