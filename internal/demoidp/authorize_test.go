package demoidp_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/internal/demoidp"
)

var inlineHandler = regexp.MustCompile(`\son[a-z]+=`)

func authorizeURL(u *upstream, edit func(url.Values)) string {
	q := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI},
		"scope": {"openid email"}, "state": {"st"}, "nonce": {"no"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"},
	}
	if edit != nil {
		edit(q)
	}
	return u.issuer() + "/authorize?" + q.Encode()
}

func TestSignInPage(t *testing.T) {
	u := newUpstream(t, nil)
	for _, tc := range []struct {
		name, uiLocales string
		want            []string
	}{
		{"english", "", []string{`<html lang="en">`, `<label for="username">Username</label>`, `<label for="password">Password</label>`, "GCKey demo", `lang="fr"`, ">Français</a>"}},
		{"french", "fr-CA en", []string{`<html lang="fr">`, `<label for="username">Nom d’utilisateur</label>`, `<label for="password">Mot de passe</label>`, "CléGC démo", ">English</a>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, resp := u.get(t, authorizeURL(u, func(q url.Values) { q.Set("ui_locales", tc.uiLocales) }))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			want := append(tc.want, "DEMO — not a real service", "DÉMONSTRATION — service fictif",
				`id="username"`, `id="password"`, `autocomplete="current-password"`)
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if strings.Contains(body, "<script") || inlineHandler.MatchString(body) {
				t.Error("page has script")
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("CSP = %q", csp)
			}
		})
	}
}

func TestWrongPassword(t *testing.T) {
	u := newUpstream(t, nil)
	body, _ := u.get(t, authorizeURL(u, func(q url.Values) { q.Set("ui_locales", "fr") }))
	form := signInForm(t, body)
	form.Set("username", "alice")
	form.Set("password", "wrong")
	resp, err := u.client.PostForm(u.issuer()+"/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page := readAll(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want the form again", resp.StatusCode)
	}
	for _, w := range []string{`role="alert" tabindex="-1" autofocus`, "Un problème est survenu",
		`<a href="#username">Le nom d’utilisateur ou le mot de passe est incorrect.</a>`, `value="alice"`, `aria-invalid="true"`} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if strings.Count(page, "autofocus") != 1 {
		t.Errorf("want exactly one autofocus (the error summary), page:\n%s", page)
	}
}

func TestAuthorizeErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		edit      func(url.Values)
		wantError string // "" means an error page, no redirect
	}{
		{"unknown client", func(q url.Values) { q.Set("client_id", "other") }, ""},
		{"unregistered redirect", func(q url.Values) { q.Set("redirect_uri", "https://evil.example/cb") }, ""},
		{"no PKCE", func(q url.Values) { q.Del("code_challenge") }, "invalid_request"},
		{"plain PKCE", func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request"},
		{"no openid scope", func(q url.Values) { q.Set("scope", "email") }, "invalid_scope"},
		{"implicit flow", func(q url.Values) { q.Set("response_type", "id_token") }, "unsupported_response_type"},
		{"prompt none", func(q url.Values) { q.Set("prompt", "none") }, "login_required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := newUpstream(t, nil)
			_, resp := u.get(t, authorizeURL(u, tc.edit))
			if tc.wantError == "" {
				if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
					t.Fatalf("status %d location %q, want 400 without redirect", resp.StatusCode, resp.Header.Get("Location"))
				}
				return
			}
			loc, err := url.Parse(resp.Header.Get("Location"))
			if err != nil || resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d, location %v", resp.StatusCode, err)
			}
			if q := loc.Query(); q.Get("error") != tc.wantError || q.Get("state") != "st" || q.Get("code") != "" {
				t.Errorf("redirect query %v, want error=%s with state", q, tc.wantError)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	u := newUpstream(t, nil)
	body, _ := u.get(t, authorizeURL(u, nil))
	form := signInForm(t, body)
	form.Set("action", "cancel")
	resp, err := u.client.PostForm(u.issuer()+"/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if q := loc.Query(); q.Get("error") != "access_denied" || q.Get("state") != "st" {
		t.Errorf("cancel redirected with %v", q)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	_, err := demoidp.New(demoidp.Config{Issuer: "ftp://x", Users: []demoidp.User{{Username: "a", Password: "p"}, {Username: "a"}}})
	if err == nil {
		t.Fatal("New accepted a broken config")
	}
	for _, w := range []string{"issuer", "name[en]", "name[fr]", "client ID", "client secret", "redirect URI", "password", "listed twice"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q: %v", w, err)
		}
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
