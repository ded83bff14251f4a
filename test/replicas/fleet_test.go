package replicas

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/internal/pgtest"
	"github.com/passerelle/passerelle/internal/syncbuf"
)

// Fixed values of the fleet's configuration.
const (
	clientID       = "rp1"
	clientSecret   = "rp-secret-0123456789abcdef"
	redirectURI    = "https://rp.example/cb"
	upstreamSecret = "upstream-secret"
	queryTimeout   = 2 * time.Second
)

// plain is the client for direct requests to a replica.
var plain = &http.Client{Timeout: 10 * time.Second}

// fleet is two replicas, their proxies, the upstream and the database.
type fleet struct {
	t        *testing.T
	bin      string
	issuer   string
	proxy    *switchProxy
	db       *tcpProxy
	replicas map[string]*replica
}

// replica is one `passerelle serve` process.
type replica struct {
	name, config, url string
	cmd               *exec.Cmd
	log               *syncbuf.Buffer
}

// newFleet builds the binary, creates the schema and starts everything.
func newFleet(t *testing.T) *fleet {
	pgtest.DSN(t) // skips before the build where there is no database
	f := &fleet{t: t, replicas: map[string]*replica{}}
	f.bin = buildBinary(t)
	dsn, schema := pgtest.Named(t, "passerelle_replicas_")
	pgCfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		t.Fatalf("%s: %v", pgtest.Variable, err)
	}
	f.db = newTCPProxy(t, net.JoinHostPort(pgCfg.Host, strconv.Itoa(int(pgCfg.Port))))
	replicaDSN := throughProxy(t, dsn, f.db.addr, schema)

	targets := map[string]*url.URL{}
	for _, name := range []string{"A", "B"} {
		u, _ := url.Parse("http://" + freeAddr(t))
		targets[name] = u
	}
	f.proxy = newSwitchProxy(t, targets)
	f.proxy.use("A")
	f.issuer = f.proxy.srv.URL
	upstream := startUpstream(t, f.issuer)

	key := make([]byte, 32)
	rand.Read(key)
	dir := t.TempDir()
	for name, u := range targets {
		r := &replica{name: name, url: u.String(), config: filepath.Join(dir, name+".yaml"), log: &syncbuf.Buffer{}}
		yaml := configYAML(u.Host, f.issuer, replicaDSN, base64.StdEncoding.EncodeToString(key), upstream)
		if err := os.WriteFile(r.config, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		f.replicas[name] = r
	}
	// Both start at once on an empty schema: migrations and first keys race.
	var wg sync.WaitGroup
	for _, r := range f.replicas {
		wg.Add(1)
		go func() { defer wg.Done(); f.start(r) }()
	}
	wg.Wait()
	for _, r := range f.replicas {
		f.waitReady(r)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, r := range f.replicas {
				t.Logf("replica %s output:\n%s", r.name, r.log.String())
			}
		}
	})
	return f
}

// buildBinary builds ./cmd/passerelle from the repository root.
func buildBinary(t *testing.T) string {
	bin := filepath.Join(t.TempDir(), "passerelle")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/passerelle")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/passerelle: %v\n%s", err, out)
	}
	return bin
}

// throughProxy rewrites dsn to reach the server through addr and to use
// schema.
func throughProxy(t *testing.T, dsn, addr, schema string) string {
	host, port, _ := net.SplitHostPort(addr)
	if !strings.Contains(dsn, "://") {
		return fmt.Sprintf("%s host=%s port=%s search_path=%s", dsn, host, port, schema)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", pgtest.Variable, err)
	}
	u.Host = addr
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// startUpstream serves a demo OpenID provider in the test process, with
// the fleet's issuer as its one client's redirect target.
func startUpstream(t *testing.T, issuer string) string {
	srv := httptest.NewUnstartedServer(nil)
	upIssuer := "http://" + srv.Listener.Addr().String() + "/gckey"
	var users []demoidp.User
	for _, u := range []string{"alex", "sam", "kim"} {
		users = append(users, demoidp.User{Username: u, Password: "pw", Email: u + "@example.org", GivenName: u})
	}
	idp, err := demoidp.New(demoidp.Config{Issuer: upIssuer, Name: map[string]string{"en": "GCKey", "fr": "CléGC"},
		ClientID: "passerelle", ClientSecret: upstreamSecret, RedirectURIs: []string{issuer + "/callback/gckey"}, Users: users})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = idp
	srv.Start()
	t.Cleanup(srv.Close)
	return upIssuer
}

// configYAML is one replica's configuration: its own listen address, the
// shared issuer, database, master key and upstream. The progressive delay
// starts at 20 s so the test sees it whatever its pace.
func configYAML(listen, issuer, dsn, masterKey, upstream string) string {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	return `server:
  listen: ` + q(listen) + `
  issuer: ` + q(issuer) + `
store:
  driver: postgres
  postgres:
    dsn: ` + q(dsn) + `
    query_timeout: ` + queryTimeout.String() + `
keys:
  master_key: ` + q(masterKey) + `
mfa:
  lockout: {delay_from: 5, base_delay: 20s, max_delay: 1m}
providers:
  - id: gckey
    type: oidc
    name: {en: GCKey, fr: CléGC}
    oidc:
      issuer: ` + q(upstream) + `
      client_id: passerelle
      client_secret: ` + q(upstreamSecret) + `
clients:
  - id: ` + clientID + `
    name: {en: Portal, fr: Portail}
    secret: ` + q(clientSecret) + `
    redirect_uris: [` + q(redirectURI) + `]
ui:
  languages: [en, fr]
`
}

// start runs `passerelle serve` for r; it is stopped when the test ends.
func (f *fleet) start(r *replica) {
	r.cmd = exec.Command(f.bin, "serve", "-config", r.config)
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	if err := r.cmd.Start(); err != nil {
		f.t.Errorf("start replica %s: %v", r.name, err)
		return
	}
	exited := make(chan struct{})
	go func() { _ = r.cmd.Wait(); close(exited) }()
	f.t.Cleanup(func() {
		_ = r.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = r.cmd.Process.Kill()
			<-exited
		}
	})
}

// waitReady polls r's discovery document until it answers 200.
func (f *fleet) waitReady(r *replica) {
	f.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if r.cmd == nil || r.cmd.ProcessState != nil {
			f.t.Fatalf("replica %s did not start:\n%s", r.name, r.log.String())
		}
		if status, _, _ := get(r.url + "/.well-known/openid-configuration"); status == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("replica %s not ready after 30 s:\n%s", r.name, r.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// passerelle runs a CLI command of the binary and returns its output.
func (f *fleet) passerelle(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, f.bin, args...).CombinedOutput()
	return string(out), err
}

// freeAddr is a loopback address free at the time of asking.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
