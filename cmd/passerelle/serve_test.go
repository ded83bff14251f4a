package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/syncbuf"
)

// serveConfig writes a configuration for `serve` on a free loopback port,
// metrics on another, with one upstream (never contacted here) and the
// given clients YAML.
func serveConfig(t *testing.T, dir string, port, metricsPort int, clients string) string {
	t.Helper()
	body := fmt.Sprintf(`server: {listen: "127.0.0.1:%d", issuer: "http://127.0.0.1:%d", metrics_listen: "127.0.0.1:%d"}
store: {bolt: {path: %q}}
keys: {master_key: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}
providers:
  - {id: up, type: oidc, name: {en: Up, fr: Amont}, oidc: {issuer: "http://127.0.0.1:2", client_id: p, client_secret: s}}
clients:
%s`, port, port, metricsPort, filepath.Join(dir, "p.db"), clients)
	p := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const clientA = `  - {id: a, name: {en: A, fr: A}, secret: "secret-of-client-a-0123", redirect_uris: ["https://a.example/cb"]}
`
const clientB = `  - {id: b, name: {en: B, fr: B}, secret: "secret-of-client-b-0123", redirect_uris: ["https://b.example/cb"]}
`

// freePort opens a loopback port and keeps it open until the command
// under test listens on it (heldListen), so that no other process can
// take it meanwhile; the test's end closes it if nothing did.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hold(t, ln)
	return ln.Addr().(*net.TCPAddr).Port
}

// held are the listeners freePort opened that no command has taken yet,
// by address.
var held sync.Map

func hold(t *testing.T, ln net.Listener) {
	addr := ln.Addr().String()
	held.Store(addr, ln)
	t.Cleanup(func() {
		if ln, ok := held.LoadAndDelete(addr); ok {
			ln.(net.Listener).Close()
		}
	})
}

// heldListen hands over the held listener of address, else listens.
func heldListen(network, address string) (net.Listener, error) {
	if ln, ok := held.LoadAndDelete(address); ok {
		return ln.(net.Listener), nil
	}
	return net.Listen(network, address)
}

func init() { listen = heldListen }

// TestServeMetricsReadinessAndReload runs `serve`: /readyz, /metrics by
// route on the management address only (never on the public listener),
// a SIGHUP that adds a client without a restart, and the collector at
// serve's target when the environment sets none (gc.go).
func TestServeMetricsReadinessAndReload(t *testing.T) {
	t.Setenv("GOGC", "")
	gc := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(gc) })
	dir := t.TempDir()
	port, metricsPort := freePort(t), freePort(t)
	cfg := serveConfig(t, dir, port, metricsPort, clientA)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out, logs syncbuf.Buffer
	go func() { done <- run(ctx, []string{"serve", "-config", cfg}, &out, &logs) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	get := func(path string) (int, string) {
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		u := base + path
		if strings.HasPrefix(path, "http:") {
			u = path
		}
		resp, err := c.Get(u)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if code, _ := get("/readyz"); code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never became ready: %s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := gcPercent(); got != serveGCPercent {
		t.Errorf("serve runs the collector at GOGC=%d, want %d", got, serveGCPercent)
	}
	authorize := func(client string) int {
		code, _ := get("/authorize?client_id=" + client + "&redirect_uri=https://" + client + ".example/cb&response_type=code&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256")
		return code
	}
	if code := authorize("a"); code != http.StatusFound && code != http.StatusSeeOther {
		t.Fatalf("client a: %d", code)
	}
	if code := authorize("b"); code != http.StatusBadRequest {
		t.Fatalf("client b before reload: %d", code)
	}
	// /metrics is for operators: not on the public listener.
	if code, m := get("/metrics"); code != http.StatusNotFound || strings.Contains(m, "passerelle_") {
		t.Errorf("public /metrics: %d %.200s", code, m)
	}
	// On the management address it counts by route pattern, never by raw path.
	if _, m := get(fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort)); !strings.Contains(m, "passerelle_http_requests_total{") ||
		!strings.Contains(m, `route="/authorize"`) || strings.Contains(m, "client_id=") {
		t.Errorf("metrics lack the authorize route:\n%.2000s", m)
	}
	// A broken file is refused whole; the running configuration stays.
	if err := os.WriteFile(cfg, []byte("server: {issuer: nope}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog(t, &logs, "configuration not reloaded")
	if code := authorize("a"); code != http.StatusFound && code != http.StatusSeeOther {
		t.Fatalf("client a after a refused reload: %d", code)
	}
	// A good file: client b appears.
	serveConfig(t, dir, port, metricsPort, clientA+clientB)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog(t, &logs, "configuration reloaded")
	if code := authorize("b"); code != http.StatusFound && code != http.StatusSeeOther {
		t.Errorf("client b after reload: %d", code)
	}
	// Client a removed: refused from the reload on (clients are held in
	// memory, so removal must reach them).
	serveConfig(t, dir, port, metricsPort, clientB)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLogCount(t, &logs, "configuration reloaded", 2)
	if code := authorize("a"); code != http.StatusBadRequest {
		t.Errorf("client a after its removal: %d", code)
	}
}

// waitLog waits until the JSON log holds msg.
func waitLog(t *testing.T, logs *syncbuf.Buffer, msg string) {
	t.Helper()
	waitLogCount(t, logs, msg, 1)
}

// waitLogCount waits until the JSON log holds msg n times.
func waitLogCount(t *testing.T, logs *syncbuf.Buffer, msg string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(logs.String(), msg) < n {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log:\n%s", msg, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
