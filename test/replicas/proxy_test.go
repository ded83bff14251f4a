package replicas

import (
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// switchProxy is the issuer: a reverse proxy that sends every request to
// the replica last chosen with use, as a load balancer would pick one.
type switchProxy struct {
	srv      *httptest.Server
	replicas map[string]*url.URL
	current  atomic.Value // string: the name of the replica in use

	mu     sync.Mutex
	served []string // "A GET /path" for every request, in order
}

func newSwitchProxy(t *testing.T, replicas map[string]*url.URL) *switchProxy {
	p := &switchProxy{replicas: replicas}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		name := p.current.Load().(string)
		p.mu.Lock()
		p.served = append(p.served, name+" "+r.In.Method+" "+r.In.URL.Path)
		p.mu.Unlock()
		r.SetURL(p.replicas[name])
		r.Out.Host = r.In.Host // the replicas see the issuer's host, as behind a load balancer
		r.SetXForwarded()
	}}
	p.srv = httptest.NewServer(rp)
	t.Cleanup(p.srv.Close)
	return p
}

// use sends the following requests to the named replica.
func (p *switchProxy) use(name string) {
	if p.replicas[name] == nil {
		panic("no replica " + name)
	}
	p.current.Store(name)
}

// servedBy returns which replica served each request to a path (with
// its method, "GET /authorize"), in order.
func (p *switchProxy) servedBy(methodPath string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, s := range p.served {
		if name, rest, _ := strings.Cut(s, " "); rest == methodPath {
			out = append(out, name)
		}
	}
	return out
}

// tcpProxy forwards loopback connections to a TCP server (PostgreSQL).
// cut closes the listener and every connection, as if the database went
// away (connections refused); restore listens again on the same port.
// stall closes every connection and then accepts new ones without ever
// answering, as if the network dropped packets; unstall forwards again.
type tcpProxy struct {
	t      *testing.T
	target string
	addr   string

	mu      sync.Mutex
	ln      net.Listener
	stalled bool
	conns   map[net.Conn]bool
	wg      sync.WaitGroup
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	p := &tcpProxy{t: t, target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(func() {
		p.cut()
		p.wg.Wait()
	})
	return p
}

// serve accepts connections on ln until it is closed.
func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.forward(c)
			}()
		}
	}()
}

// forward copies both ways between c and a new connection to the
// target; while stalled, it holds c open and silent.
func (p *tcpProxy) forward(c net.Conn) {
	p.mu.Lock()
	stalled := p.stalled
	p.mu.Unlock()
	if stalled {
		if p.track(c) {
			_, _ = io.Copy(io.Discard, c)
			p.untrack(c)
		}
		return
	}
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(c, up) {
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	p.untrack(c, up)
	<-done
}

// track registers a pair of connections; false (and both closed) when
// the proxy was cut meanwhile.
func (p *tcpProxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	for _, c := range cs {
		p.conns[c] = true
	}
	return true
}

// untrack closes and forgets a pair of connections.
func (p *tcpProxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		c.Close()
		delete(p.conns, c)
	}
}

// cut stops accepting and closes every open connection.
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	p.closeAll()
}

// stall closes every open connection; new ones get no answer.
func (p *tcpProxy) stall() { p.setStalled(true) }

// unstall closes the silent connections; new ones are forwarded.
func (p *tcpProxy) unstall() { p.setStalled(false) }

func (p *tcpProxy) setStalled(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stalled = on
	p.closeAll()
}

// closeAll closes every tracked connection; p.mu is held.
func (p *tcpProxy) closeAll() {
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// restore listens again on the same address.
func (p *tcpProxy) restore() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("restore the PostgreSQL proxy on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

// get is a GET that reports a transport error as a status of 0 with the
// error, for checks that expect failures.
func get(u string) (int, string, error) {
	resp, err := plain.Get(u)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil && !errors.Is(err, io.EOF) {
		return resp.StatusCode, string(body), err
	}
	return resp.StatusCode, string(body), nil
}
