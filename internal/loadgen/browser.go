package loadgen

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/passerelle/passerelle/internal/htmlform"
)

// RPHost is the relying party's host: a browser stops there, and the code
// in the redirect is exchanged by the load generator.
const RPHost = "rp.bench.example"

// Browser is a fresh browser on tr: its own cookie jar, redirects
// followed until the relying party.
func Browser(tr http.RoundTripper) *http.Client {
	c := Client(tr)
	c.Jar, _ = cookiejar.New(nil)
	c.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
		if r.URL.Host == RPHost {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return c
}

// Client is an HTTP client on tr whose requests are bounded in time: by
// the deadline a Transport sets on its connection, or by a 30-second
// client timeout on any other round tripper (which, on one that is not
// an http.Transport, costs a goroutine and a timer per request).
func Client(tr http.RoundTripper) *http.Client {
	if _, ok := tr.(*Transport); ok {
		return &http.Client{Transport: tr}
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// Page is what a browser got: the final URL, its status, its Location
// (the redirect to the relying party, at the end) and its body.
type Page struct {
	URL    *url.URL
	Status int
	Loc    string
	Body   string
}

// Fetch gets u, or posts form to it when method is POST.
func Fetch(c *http.Client, method, u string, form url.Values) (Page, error) {
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = c.PostForm(u, form)
	} else {
		resp, err = c.Get(u)
	}
	if err != nil {
		return Page{}, err
	}
	defer resp.Body.Close()
	buf := bodies.Get().(*bytes.Buffer)
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	p := Page{URL: resp.Request.URL, Status: resp.StatusCode, Loc: resp.Header.Get("Location"), Body: buf.String()}
	bodies.Put(buf)
	return p, err
}

// bodies are the buffers pages are read into, kept from one page to the
// next: io.ReadAll grows a new one from 512 bytes for every page.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

var (
	tagRe     = regexp.MustCompile(`<[^>]+>`)
	summaryRe = regexp.MustCompile(`(?s)<div class="error-summary".*?</div>`)
)

// Submit posts the form of p whose action contains part, with its hidden
// fields and extra.
func Submit(c *http.Client, p Page, part string, extra url.Values) (Page, error) {
	f, ok := htmlform.Find(p.Body, func(action string) bool { return strings.Contains(action, part) })
	if !ok {
		return Page{}, fmt.Errorf("no form %q at %s (%d): %.200s", part, p.URL, p.Status, p.Body)
	}
	v := f.Hidden
	for k, vs := range extra {
		v[k] = vs
	}
	to, err := p.URL.Parse(f.Action)
	if err != nil {
		return Page{}, err
	}
	return Fetch(c, http.MethodPost, to.String(), v)
}

// summary is what a page says went wrong, for a failure message: its
// error summary when it has one (Passerelle's pages), else its start.
func summary(body string) string {
	if s := summaryRe.FindString(body); s != "" {
		return tagRe.ReplaceAllString(s, " ")
	}
	return fmt.Sprintf("%.300s", body)
}
