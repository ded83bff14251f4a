package testbrowser

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/htmlform"
)

// Browser is a person's browser: a cookie jar, English, and redirects
// followed until Stop says so.
type Browser struct {
	T    testing.TB
	HTTP *http.Client
}

// New returns a browser with an empty cookie jar that follows redirects
// until a URL for which stop is true (nil: StopAtExample).
func New(t testing.TB, stop func(*url.URL) bool) *Browser {
	if stop == nil {
		stop = StopAtExample
	}
	jar, _ := cookiejar.New(nil)
	return &Browser{T: t, HTTP: &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: langTransport{},
		CheckRedirect: func(r *http.Request, _ []*http.Request) error {
			if stop(r.URL) {
				return http.ErrUseLastResponse
			}
			return nil
		}}}
}

// StopAtExample is true for a host under .example, where the tests'
// relying parties live (not running).
func StopAtExample(u *url.URL) bool { return strings.HasSuffix(u.Hostname(), ".example") }

// langTransport asks for English unless the request asks otherwise.
type langTransport struct{}

func (langTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Accept-Language") == "" {
		r.Header.Set("Accept-Language", "en-CA,en;q=0.8")
	}
	return http.DefaultTransport.RoundTrip(r)
}

// Page is a fetched response with its body read.
type Page struct {
	Resp *http.Response
	Body string
}

// Get fetches u.
func (b *Browser) Get(u string) Page {
	b.T.Helper()
	resp, err := b.HTTP.Get(u)
	if err != nil {
		b.T.Fatal(err)
	}
	return Read(b.T, resp)
}

// Post submits form to u.
func (b *Browser) Post(u string, form url.Values) Page {
	b.T.Helper()
	resp, err := b.HTTP.PostForm(u, form)
	if err != nil {
		b.T.Fatal(err)
	}
	return Read(b.T, resp)
}

// Read reads and closes resp's body.
func Read(t testing.TB, resp *http.Response) Page {
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Page{Resp: resp, Body: string(body)}
}

// Forms returns each POST form's action with its hidden fields.
func (p Page) Forms() map[string]url.Values {
	out := map[string]url.Values{}
	for _, f := range htmlform.Forms(p.Body) {
		out[f.Action] = f.Hidden
	}
	return out
}

// Action finds the form whose action ends with suffix and returns its
// absolute URL and hidden fields.
func (p Page) Action(suffix string) (string, url.Values, bool) {
	return p.find(func(a string) bool { return strings.HasSuffix(a, suffix) })
}

// UseForm finds the challenge form (POST /login/{id}/mfa/use/{factor}).
func (p Page) UseForm() (string, url.Values, bool) {
	return p.find(func(a string) bool { return strings.Contains(a, "/mfa/use/") })
}

func (p Page) find(match func(action string) bool) (string, url.Values, bool) {
	f, ok := htmlform.Find(p.Body, match)
	if !ok {
		return "", nil, false
	}
	to, _ := p.Resp.Request.URL.Parse(f.Action)
	return to.String(), f.Hidden, true
}

// Find returns the first group of pattern's first match in s, or "".
func Find(s, pattern string) string {
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}
