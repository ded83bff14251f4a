package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/passerelle/passerelle/internal/loadgen"
)

func main() {
	bin := flag.String("passerelle", "", "the passerelle binary (go build ./cmd/passerelle)")
	minutes := flag.Int("minutes", 30, "minutes of load")
	signIns := flag.Float64("signin-rate", 10, "sign-ins per second")
	refreshes := flag.Float64("refresh-rate", 60, "refresh_token grants per second")
	introspections := flag.Float64("introspect-rate", 120, "introspections per second")
	workers := flag.Int("workers", 32, "concurrent clients per operation")
	pool := flag.Int("refresh-pool", 256, "refresh tokens rotated by the refresh load")
	keep := flag.Bool("keep", false, "keep the temporary directory (store file, config, server log) and the PostgreSQL schema")
	pg := flag.String("postgres", "", "run on PostgreSQL: a fresh schema in the database this DSN names (default: a bbolt file)")
	only := flag.String("composition", "", "only print the composition of this stopped store file")
	flag.Parse()
	if *only != "" {
		if err := composition(*only); err != nil {
			fmt.Fprintln(os.Stderr, "passerelle-soak:", err)
			os.Exit(1)
		}
		return
	}
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "passerelle-soak: -passerelle is required (see make soak)")
		os.Exit(2)
	}
	err := run(*bin, time.Duration(*minutes)*time.Minute, rates{*signIns, *refreshes, *introspections}, *workers, *pool, *keep, *pg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "passerelle-soak:", err)
		os.Exit(1)
	}
}

// rates are the paced rates of the three operations, per second.
type rates struct{ signIn, refresh, introspect float64 }

func run(bin string, dur time.Duration, r rates, workers, poolSize int, keep bool, pgDSN string) error {
	dir, err := os.MkdirTemp("", "passerelle-soak")
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	brPort, metricsPort := freePort(), freePort()
	issuer := fmt.Sprintf("http://127.0.0.1:%d", brPort)
	metricsURL := fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort)

	// Nobody may sign in twice in one 30-second TOTP step (the broker's
	// clock is real time here), so enough people for 45 s of sign-ins.
	pp := loadgen.NewPeople(max(64, int(r.signIn*45)), time.Now, nil)
	up, err := loadgen.StartUpstream(issuer, pp, nil)
	if err != nil {
		return err
	}
	defer up.Close()
	st := boltStore(dir)
	if pgDSN != "" {
		if st, err = postgresStore(pgDSN, keep); err != nil {
			return err
		}
	}
	defer st.close()
	cfgPath, err := writeConfig(dir, brPort, metricsPort, issuer, st.yaml, up.ProviderYAML())
	if err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	srv := exec.Command(bin, "serve", "-config", cfgPath)
	srv.Stdout, srv.Stderr = logf, logf
	if err := srv.Start(); err != nil {
		return err
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = srv.Process.Signal(syscall.SIGTERM)
			_ = srv.Wait()
		}
	}
	defer stop()
	if err := waitReady(issuer + "/readyz"); err != nil {
		return fmt.Errorf("%w (log: %s)", err, logf.Name())
	}

	tr := &loadgen.Transport{MaxIdlePerHost: 4 * workers}
	ps := loadgen.NewPasserelle(issuer, tr, pp)
	ctx := context.Background()
	fmt.Printf("Passerelle soak: %s, paced at %.0f sign-ins/s, %.0f refresh/s, %.0f introspections/s; %d people; %s, serve as its own process, GOMAXPROCS of this host %d\n",
		dur, r.signIn, r.refresh, r.introspect, len(pp.Names), st.name, numCPU())
	took, err := ps.EnrolAll(ctx, workers)
	if err != nil {
		return err
	}
	refresher, err := loadgen.NewRefresher(ctx, ps.HTTP, ps.OAuth, poolSize, ps.SignIn)
	if err != nil {
		return err
	}
	fmt.Printf("set-up: %d people enrolled in %s, %d refresh tokens\n\n", len(pp.Names), took.Round(time.Millisecond), poolSize)

	ops := []*op{
		{name: "sign-in", rate: r.signIn, do: func() error { _, err := ps.SignIn(ctx); return err }},
		{name: "refresh", rate: r.refresh, do: func() error { return refresher.Grant(ctx) }},
		// A token of the pool: one refreshed lately, so never expired.
		{name: "introspect", rate: r.introspect, do: func() error {
			return loadgen.Introspect(ps.HTTP, issuer+"/oauth/introspect", ps.OAuth, refresher.AccessToken())
		}},
	}
	if err := soak(dur, workers, ops, func() sample { return scrape(metricsURL, srv.Process.Pid, st.size) }); err != nil {
		return err
	}
	stop()
	return st.composition()
}

// writeConfig writes the serve configuration: loopback listeners, the
// per-source limit raised (every client is 127.0.0.1), the store, one
// upstream, the bench client, a random master key, default retention and
// lifetimes.
func writeConfig(dir string, port, metricsPort int, issuer, storeYAML, providerYAML string) (string, error) {
	key := make([]byte, 32)
	rand.Read(key)
	body := fmt.Sprintf(`server:
  listen: "127.0.0.1:%d"
  issuer: %q
  metrics_listen: "127.0.0.1:%d"
  rate_limit: {per_second: 1000000, burst: 1000000}
store: %s
keys: {master_key: %q}
providers:
  - %s
clients:
  - %s
`, port, issuer, metricsPort, storeYAML, base64.StdEncoding.EncodeToString(key), providerYAML, loadgen.ClientYAML())
	p := filepath.Join(dir, "passerelle.yaml")
	return p, os.WriteFile(p, []byte(body), 0o600)
}

// waitReady polls url until it answers 200, for at most 20 seconds.
func waitReady(url string) error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("passerelle serve never became ready")
}

// freePort is a loopback port free a moment ago.
func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
