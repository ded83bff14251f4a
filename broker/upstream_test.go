package broker_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/providers"
)

// fakePost is a redirect-based provider whose answer comes back by a
// cross-site POST (as a SAML IdP's does), which keeps data for its leg
// and serves a route of its own.
type fakePost struct{ kept string }

func (p *fakePost) LoginURL(_ context.Context, leg providers.Leg, _ providers.LoginOptions) (string, []byte, error) {
	return "https://idp.example/sso?relay=" + url.QueryEscape(leg.State), []byte(p.kept + leg.Nonce), nil
}

func (p *fakePost) CallbackState(r *http.Request) string { return r.PostFormValue("relay") }

func (p *fakePost) HandleCallback(r *http.Request, leg providers.Leg) (providers.Identity, error) {
	if string(leg.Kept) != p.kept+leg.Nonce {
		return providers.Identity{}, errors.New("kept data lost")
	}
	if r.PostFormValue("relay") != leg.State || r.PostFormValue("answer") != "yes" {
		return providers.Identity{}, providers.ErrState
	}
	return providers.Identity{Subject: "post-1", AMR: []string{"pwd"}}, nil
}

func (p *fakePost) Handler(urls providers.URLs) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/providers/post/metadata" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, urls.Base+" "+urls.Callback)
	})
}

var (
	_ providers.CallbackProvider = (*fakePost)(nil)
	_ providers.RouteProvider    = (*fakePost)(nil)
)

// directory is a password provider that is not first-party (an LDAP
// directory, say): one user, kim, password "pw".
type directory struct{ refused int }

func (d *directory) Login(_ context.Context, username, password string) (providers.Identity, error) {
	if username != "kim" || password != "pw" {
		return providers.Identity{}, providers.ErrInvalidCredentials
	}
	return providers.Identity{Subject: "kim-1", AMR: []string{"pwd"}}, nil
}

func (d *directory) Subject(_ context.Context, username string) (string, error) {
	if username != "kim" {
		return "", providers.ErrInvalidCredentials
	}
	return "kim-1", nil
}

func (d *directory) RefuseLogin(string) error { d.refused++; return providers.ErrInvalidCredentials }

var _ providers.PasswordProvider = (*directory)(nil)

// withUpstreams adds upstreams to the env's configured ones.
func (e *env) withUpstreams(extra ...broker.Upstream) {
	e.t.Helper()
	groups := []broker.GroupConfig{{ID: "partners", Name: map[string]string{"en": "Sign-In Partner", "fr": "Partenaire de connexion"}}}
	ups := append(append([]broker.Upstream(nil), e.ups...), extra...)
	if err := e.broker.Reload(append([]broker.ClientConfig(nil), testClients...), groups, ups); err != nil {
		e.t.Fatal(err)
	}
}

func named(id string) map[string]string { return map[string]string{"en": id + " EN", "fr": id + " FR"} }

// TestCallbackByCrossSitePost: a provider's answer posted across sites
// carries no SameSite=Lax cookie; Passerelle posts it again from its own
// origin, once, and the second post (with the cookie) goes on. The data
// the provider kept for its leg comes back to it.
func TestCallbackByCrossSitePost(t *testing.T) {
	e := newEnv(t)
	fp := &fakePost{kept: "request-"}
	e.withUpstreams(broker.Upstream{ID: "post", Name: named("post"), Provider: fp})
	r, b := e.rp("rp1"), e.browser()
	p := b.choose(b.Get(r.start().url), "post")
	to, err := url.Parse(p.Resp.Header.Get("Location"))
	if err != nil || to.Host != "idp.example" {
		t.Fatalf("not sent to the provider: %d %q", p.Resp.StatusCode, p.Resp.Header.Get("Location"))
	}
	state := to.Query().Get("relay")
	id, _, _ := strings.Cut(state, ".")
	ar, err := e.store.GetAuthRequest(context.Background(), id)
	if err != nil || !strings.HasPrefix(string(ar.Legs["post"]), "request-") {
		t.Fatalf("kept data not stored with the auth request: %v %q", err, ar.Legs)
	}

	// The IdP's page posts to the callback: no cookie goes with it.
	answer := url.Values{"relay": {state}, "answer": {"yes"}}
	resp, err := http.PostForm(e.issuer+"/callback/post", answer)
	if err != nil {
		t.Fatal(err)
	}
	cross := readPage(t, resp)
	again, fields, ok := cross.Action("/callback/post")
	if cross.Resp.StatusCode != http.StatusOK || !ok || fields.Get("relay") != state || fields.Get("answer") != "yes" {
		t.Fatalf("no same-origin re-post page: %d %.600s", cross.Resp.StatusCode, cross.Body)
	}
	// Posted again without the cookie: refused, not re-posted for ever.
	resp, err = http.PostForm(again, fields)
	if err != nil {
		t.Fatal(err)
	}
	if stranger := readPage(t, resp); stranger.Resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a second cookie-less post: %d, want 403", stranger.Resp.StatusCode)
	}
	// From Passerelle's origin the browser sends its cookie: first login.
	p = b.Post(again, fields)
	if !strings.HasSuffix(p.Resp.Request.URL.Path, "/first") {
		t.Fatalf("after the re-post: %d at %s: %.400s", p.Resp.StatusCode, p.Resp.Request.URL, p.Body)
	}
}

// TestProviderRoutes: a RouteProvider's handler serves under
// /providers/{id}/ and knows its URLs; other providers have none.
func TestProviderRoutes(t *testing.T) {
	e := newEnv(t)
	e.withUpstreams(broker.Upstream{ID: "post", Name: named("post"), Provider: &fakePost{}})
	b := e.browser()
	p := b.Get(e.issuer + "/providers/post/metadata")
	if want := e.issuer + "/providers/post/ " + e.issuer + "/callback/post"; p.Resp.StatusCode != http.StatusOK || p.Body != want {
		t.Fatalf("metadata: %d %q, want %q", p.Resp.StatusCode, p.Body, want)
	}
	for _, path := range []string{"/providers/gckey/metadata", "/providers/nobody/metadata", "/providers/post/other"} {
		if p := b.Get(e.issuer + path); p.Resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, p.Resp.StatusCode)
		}
	}
}

// TestPasswordProviderPage: a password provider other than the built-in
// service has its page at /login/{id}/password/{provider}, without the
// built-in service's registration links; a wrong password gets the one
// answer; the right one goes on as any credential.
func TestPasswordProviderPage(t *testing.T) {
	e := newEnv(t)
	dir := &directory{}
	e.withUpstreams(broker.Upstream{ID: "dir", Name: named("dir"), Provider: dir})
	r, b := e.rp("rp1"), e.browser()
	p := b.choose(b.Get(r.start().url), "dir")
	if !strings.HasSuffix(p.Resp.Request.URL.Path, "/password/dir") || strings.Contains(p.Body, "/local/register") {
		t.Fatalf("password page: %d at %s: %.400s", p.Resp.StatusCode, p.Resp.Request.URL, p.Body)
	}
	to, v, ok := p.Action("/password/dir")
	if !ok {
		t.Fatalf("no sign-in form: %.400s", p.Body)
	}
	v.Set("username", "kim")
	v.Set("password", "wrong")
	if wrong := b.Post(to, v); wrong.Resp.StatusCode != http.StatusBadRequest || !strings.Contains(wrong.Body, `id="password"`) ||
		!strings.HasSuffix(wrong.Resp.Request.URL.Path, "/password/dir") {
		t.Fatalf("wrong password: %d at %s", wrong.Resp.StatusCode, wrong.Resp.Request.URL)
	}
	v.Set("password", "pw")
	if p = b.Post(to, v); !strings.HasSuffix(p.Resp.Request.URL.Path, "/first") {
		t.Fatalf("right password: %d at %s: %.400s", p.Resp.StatusCode, p.Resp.Request.URL, p.Body)
	}
	// The first-party path is the built-in service's only.
	id := strings.Split(p.Resp.Request.URL.Path, "/")[2]
	if other := b.Get(e.issuer + "/login/" + id + "/password/local"); other.Resp.StatusCode != http.StatusNotFound {
		t.Errorf("the built-in service under /password/: %d, want 404", other.Resp.StatusCode)
	}
}

func readPage(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{Resp: resp, Body: string(body)}
}
