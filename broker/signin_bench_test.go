package broker_test

import (
	"context"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/passerelle/passerelle/internal/loadgen"
	"github.com/passerelle/passerelle/internal/pgtest"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/bolt"
	"github.com/passerelle/passerelle/store/postgres"
)

// BenchmarkSignIn is complete sign-ins (authorize, the upstream's form,
// the callback with its code exchange, the TOTP challenge and its
// answer, the token exchange) at the in-process broker the bench
// commands profile (loadgen.StartBroker), benchWorkers at once, the
// browsers, the relying party and the upstream in this process too. It
// reports per sign-in the HTTP requests the browser sent to the broker
// and to the upstream, the store reads the broker made of the records a
// sign-in keeps coming back to, and the process's CPU time; -benchmem's
// allocations are the whole process's. The broker's goroutines carry the
// profile label part=broker, the upstream's part=upstream:
//
//	go test -run '^$' -bench SignIn -benchmem -cpuprofile cpu.out ./broker
//	go tool pprof -tagfocus part=broker -top cpu.out
func BenchmarkSignIn(b *testing.B) {
	b.Run("bbolt", func(b *testing.B) {
		clk := &loadgen.Clock{}
		st, err := bolt.Open(b.TempDir()+"/bench.db", bolt.Options{Now: clk.Now})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		benchSignIn(b, st, clk)
	})
	b.Run("postgres", func(b *testing.B) {
		clk := &loadgen.Clock{}
		st, err := postgres.Open(b.Context(), pgtest.Schema(b), postgres.Options{Now: clk.Now})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		benchSignIn(b, st, clk)
	})
}

// benchSignIn measures sign-ins at a broker on st whose clock is clk.
func benchSignIn(b *testing.B, st store.Store, clk *loadgen.Clock) {
	cs := &countingStore{Store: st}
	pp := loadgen.NewPeople(4*benchWorkers, clk.Now, clk.Advance)
	br, err := loadgen.StartBroker(cs, pp, clk, clk.Now)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { br.Close() })
	ct := &countingTransport{next: &http.Transport{MaxIdleConnsPerHost: 4 * benchWorkers}, issuer: br.Issuer}
	ps := loadgen.NewPasserelle(br.Issuer, ct, pp)
	ctx := context.Background()
	if _, err := ps.EnrolAll(ctx, benchWorkers); err != nil {
		b.Fatal(err)
	}
	ct.reset()
	cs.reset()
	b.SetParallelism((benchWorkers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	cpu0 := processCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := ps.SignIn(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(processCPU()-cpu0)/n, "cpu-ns/op")
	b.ReportMetric(float64(ct.broker.Load())/n, "broker-requests/op")
	b.ReportMetric(float64(ct.other.Load())/n, "upstream-requests/op")
	b.ReportMetric(float64(cs.authRequests.Load())/n, "authreq-reads/op")
	b.ReportMetric(float64(cs.accounts.Load())/n, "account-reads/op")
	b.ReportMetric(float64(cs.factors.Load())/n, "factor-lists/op")
}

// countingTransport counts the requests the browsers and the relying
// party send: to the broker (the token exchange included) and elsewhere
// (the upstream's form).
type countingTransport struct {
	next          http.RoundTripper
	issuer        string // the broker's scheme and host
	broker, other atomic.Int64
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme+"://"+r.URL.Host == t.issuer {
		t.broker.Add(1)
	} else {
		t.other.Add(1)
	}
	return t.next.RoundTrip(r)
}

func (t *countingTransport) reset() { t.broker.Store(0); t.other.Store(0) }

// countingStore counts the broker's reads of the records a sign-in keeps
// coming back to: its auth request, the account, the account's factors.
type countingStore struct {
	store.Store
	authRequests, accounts, factors atomic.Int64
}

func (s *countingStore) reset() { s.authRequests.Store(0); s.accounts.Store(0); s.factors.Store(0) }

func (s *countingStore) GetAuthRequest(ctx context.Context, id string) (store.AuthRequest, error) {
	s.authRequests.Add(1)
	return s.Store.GetAuthRequest(ctx, id)
}

func (s *countingStore) GetAccount(ctx context.Context, id string) (store.Account, error) {
	s.accounts.Add(1)
	return s.Store.GetAccount(ctx, id)
}

func (s *countingStore) GetGrantWithAccount(ctx context.Context, id string) (store.Grant, store.Account, error) {
	s.accounts.Add(1)
	return s.Store.GetGrantWithAccount(ctx, id)
}

func (s *countingStore) GetAuthRequestWithAccount(ctx context.Context, id string) (store.AuthRequest, store.Account, []store.Factor, error) {
	s.authRequests.Add(1)
	s.accounts.Add(1)
	s.factors.Add(1)
	return s.Store.GetAuthRequestWithAccount(ctx, id)
}

func (s *countingStore) GetLinkWithAccount(ctx context.Context, provider, subject string) (store.Link, store.Account, []store.Factor, error) {
	s.accounts.Add(1)
	s.factors.Add(1)
	return s.Store.GetLinkWithAccount(ctx, provider, subject)
}

func (s *countingStore) ListFactors(ctx context.Context, accountID string) ([]store.Factor, error) {
	s.factors.Add(1)
	return s.Store.ListFactors(ctx, accountID)
}
