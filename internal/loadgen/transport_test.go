package loadgen

import (
	"compress/gzip"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// served is a test server counting the connections it accepted.
func served(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	p, err := Fetch(c, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p.Body
}

// TestTransportKeepsConnections: requests one after the other, a form
// posted, a redirect followed, a body closed unread, all go over one
// connection; a cookie set by the server comes back.
func TestTransportKeepsConnections(t *testing.T) {
	srv, conns := served(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/form":
			_ = r.ParseForm()
			http.SetCookie(w, &http.Cookie{Name: "c", Value: r.PostForm.Get("v")})
			http.Redirect(w, r, "/back", http.StatusSeeOther)
		case "/back":
			ck, _ := r.Cookie("c")
			io.WriteString(w, "cookie "+ck.Value)
		default:
			io.WriteString(w, strings.Repeat("x", 3000))
		}
	})
	c := Browser(&Transport{})
	for range 3 {
		if got := get(t, c, srv.URL+"/page"); len(got) != 3000 {
			t.Fatalf("body of %d bytes", len(got))
		}
	}
	p, err := Fetch(c, http.MethodPost, srv.URL+"/form", url.Values{"v": {"42"}})
	if err != nil || p.Body != "cookie 42" || p.URL.Path != "/back" {
		t.Fatalf("form: %q at %v, %v", p.Body, p.URL, err)
	}
	resp, err := c.Get(srv.URL + "/page")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close() // unread: what is left is read, the connection kept
	get(t, c, srv.URL+"/page")
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
}

// TestTransportRedials: a kept connection the server closed is dialled
// again, and the request (a POST with its body) goes through.
func TestTransportRedials(t *testing.T) {
	srv, conns := served(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	})
	c := &http.Client{Transport: &Transport{}}
	post := func() string {
		resp, err := c.Post(srv.URL, "text/plain", strings.NewReader("hello"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	post()
	srv.CloseClientConnections()
	if got := post(); got != "hello" {
		t.Fatalf("echo %q", got)
	}
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
}

// TestTransportGzip: the transport asks for gzip as http.Transport does
// and reads a gzipped answer decompressed; Connection: close is obeyed.
func TestTransportGzip(t *testing.T) {
	srv, conns := served(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			http.Error(w, "no gzip asked", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Connection", "close")
		zw := gzip.NewWriter(w)
		io.WriteString(zw, "compressed")
		zw.Close()
	})
	c := &http.Client{Transport: &Transport{}}
	for range 2 {
		if got := get(t, c, srv.URL); got != "compressed" {
			t.Fatalf("body %q", got)
		}
	}
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections, want 2 (one per Connection: close)", n)
	}
}
