package ui

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func newUI(t *testing.T, secure bool) *UI {
	t.Helper()
	u, err := New(Config{}, secure)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return u
}

func TestLanguage(t *testing.T) {
	tests := []struct {
		name      string
		uiLocales []string
		cookie    string
		accept    string
		want      string
		ok        bool
	}{
		{"ui_locales wins over cookie and header", []string{"fr"}, "en", "en", "fr", true},
		{"first supported ui_locale", []string{"de", "fr-CA", "en"}, "", "", "fr", true},
		{"unsupported ui_locales fall to cookie", []string{"de", "zz-bad-tag"}, "fr", "en", "fr", true},
		{"cookie wins over header", nil, "fr", "en", "fr", true},
		{"unknown cookie value ignored", nil, "de", "fr", "fr", true},
		{"header by q-value", nil, "", "en;q=0.5, fr-CA;q=0.9, de", "fr", true},
		{"header q=0 refuses", nil, "", "fr;q=0, en;q=0.1", "en", true},
		{"header skips unsupported", nil, "", "de, es;q=0.8, en-GB;q=0.3", "en", true},
		{"regional tag", nil, "", "fr-CA", "fr", true},
		{"unsupported only", []string{"de"}, "", "de, es", "", false},
		{"wildcard is no choice", nil, "", "*", "", false},
		{"nothing given", nil, "", "", "", false},
	}
	for _, secure := range []bool{true, false} {
		u := newUI(t, secure)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := httptest.NewRequest(http.MethodGet, "/login/x", nil)
				if tc.cookie != "" {
					r.AddCookie(&http.Cookie{Name: u.CookieName(), Value: tc.cookie})
				}
				if tc.accept != "" {
					r.Header.Set("Accept-Language", tc.accept)
				}
				got, ok := u.Language(r, tc.uiLocales)
				if got != tc.want || ok != tc.ok {
					t.Errorf("Language = %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
				}
			})
		}
	}
}

func TestSetLanguage(t *testing.T) {
	tests := []struct {
		secure bool
		name   string
	}{
		{true, "__Host-passerelle-lang"},
		{false, "passerelle-lang"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := newUI(t, tc.secure)
			w := httptest.NewRecorder()
			u.SetLanguage(w, "fr")
			cs := w.Result().Cookies()
			if len(cs) != 1 {
				t.Fatalf("got %d cookies, want 1", len(cs))
			}
			c := cs[0]
			if c.Name != tc.name || c.Value != "fr" || c.Path != "/" || !c.HttpOnly ||
				c.Secure != tc.secure || c.SameSite != http.SameSiteLaxMode || c.MaxAge != 365*24*3600 {
				t.Errorf("cookie = %+v", c)
			}
			if c.Domain != "" {
				t.Errorf("cookie has Domain %q; __Host- forbids it", c.Domain)
			}
		})
	}
}

func TestLanguageHandler(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		query      string
		wantStatus int
		wantLoc    string
		wantCookie string
	}{
		{"local path", "GET", "l=fr&next=%2Flogin%2Fabc", 303, "/login/abc", "fr"},
		{"local path with query", "GET", "l=en&next=%2Flogin%2Fabc%3Fa%3Db", 303, "/login/abc?a=b", "en"},
		{"no next", "GET", "l=fr", 303, "/", "fr"},
		{"protocol-relative", "GET", "l=fr&next=%2F%2Fevil.example", 303, "/", "fr"},
		{"absolute URL", "GET", "l=fr&next=https%3A%2F%2Fevil.example%2F", 303, "/", "fr"},
		{"backslash", "GET", "l=fr&next=%2F%5Cevil.example", 303, "/", "fr"},
		{"backslash later", "GET", "l=fr&next=%2Fa%5C..%5C%5Cevil.example", 303, "/", "fr"},
		{"tab hides slashes", "GET", "l=fr&next=%2F%09%2Fevil.example", 303, "/", "fr"},
		{"newline", "GET", "l=fr&next=%2F%0A%2Fevil.example", 303, "/", "fr"},
		{"relative path", "GET", "l=fr&next=evil.example", 303, "/", "fr"},
		{"javascript", "GET", "l=fr&next=javascript%3Aalert(1)", 303, "/", "fr"},
		{"unsupported language sets nothing", "GET", "l=de&next=%2Flogin", 303, "/login", ""},
		{"POST refused", "POST", "l=fr&next=%2F", 405, "", ""},
	}
	u := newUI(t, true)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "/lang?"+tc.query, nil)
			w := httptest.NewRecorder()
			u.LanguageHandler().ServeHTTP(w, r)
			if w.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d", w.Code, tc.wantStatus)
			}
			if loc := w.Header().Get("Location"); loc != tc.wantLoc {
				t.Errorf("Location = %q, want %q", loc, tc.wantLoc)
			}
			var got string
			for _, c := range w.Result().Cookies() {
				if c.Name == u.CookieName() {
					got = c.Value
				}
			}
			if got != tc.wantCookie {
				t.Errorf("cookie = %q, want %q", got, tc.wantCookie)
			}
		})
	}
}
