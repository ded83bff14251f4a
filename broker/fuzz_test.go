package broker_test

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzAuthorize sends arbitrary query strings to /authorize: whatever the
// input, the answer is a page or a redirect, never a server error.
func FuzzAuthorize(f *testing.F) {
	for _, seed := range []string{
		validParams().Encode(),
		"client_id=rp1&redirect_uri=https%3A%2F%2Frp1.example%2Fcb&response_type=code&scope=openid&max_age=-1",
		"client_id=rp1&client_id=rp2",
		"request=x.y.z&client_id=rp1",
		"%zz",
		"prompt=none%20login&ui_locales=%00",
	} {
		f.Add(seed)
	}
	e := newEnv(f)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	f.Fuzz(func(t *testing.T, query string) {
		resp, err := client.Get(e.issuer + "/authorize?" + query)
		if err != nil {
			return // the client refused to send it (invalid URL)
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Errorf("%q: status %d", query, resp.StatusCode)
		}
	})
}

// FuzzToken posts arbitrary bodies to the token endpoint: the answer is a
// JSON OAuth error or success, never a server error.
func FuzzToken(f *testing.F) {
	for _, seed := range []string{
		"grant_type=authorization_code&code=x&client_id=rp2&client_secret=" + rpSecret,
		"grant_type=refresh_token&refresh_token=x&client_id=rp2&client_secret=" + rpSecret,
		"grant_type=&client_id=",
		"client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c&grant_type=authorization_code",
		"%%%",
	} {
		f.Add(seed)
	}
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, body string) {
		resp, err := http.Post(e.issuer+"/oauth/token", "application/x-www-form-urlencoded", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%q: status %d, %s", body, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})
}
