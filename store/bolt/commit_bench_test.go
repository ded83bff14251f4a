package bolt

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/internal/randid"
	"github.com/passerelle/passerelle/store"
)

// commitWriters is how many writers the commit benchmarks run at once:
// bench-compare's 16 workers.
const commitWriters = 16

// signInsBefore is how many sign-ins' grants and sessions
// BenchmarkSignInCommits's file holds before it starts.
const signInsBefore = 50000

// BenchmarkSignInCommits is the two durable writes of a returning
// person's sign-in as the broker makes them, 16 sign-ins at once: the
// TOTP answer (UpdateAccountFactor), then the grant with its SSO session
// replacing the browser's previous one, made hours before
// (CreateGrantWithSession), and
// its audit event (AppendNewAudit, committed by the audit log's writer).
// The IDs are the broker's: a grant's (its auth request's), an audit
// event's and a session's key begin with the time they were made
// (randid.Ordered; sessionKey); in a file that already holds signInsBefore
// sign-ins' grants and sessions, made one a second before the bench, so
// each sign-in dirties leaves of its own (the session it replaces, its
// account's and factor's) as on a real file, and shares the newest
// grants', sessions' and audit events' with the sign-ins beside it. It reports how the group
// commit shares the commits (writes/commit, pages/commit, commits/s) and
// what one write waits (p50-us, p99-us).
func BenchmarkSignInCommits(b *testing.B) {
	const people = 256
	s := openBench(b)
	ctx := context.Background()
	now := time.Now()
	before := make([][]byte, signInsBefore) // the sessions replaced, in turn
	fill(b, s, signInsBefore, func(tx *bbolt.Tx, i int) error {
		id, acct := randid.Ordered(now.Add(time.Duration(i-signInsBefore)*time.Second), 16), fmt.Sprint("acct-", i%people)
		if err := putGrant(tx, store.Grant{ID: id, ClientID: "portal", AccountID: acct, Subject: "sub-" + acct,
			RefreshHash: store.HashToken(id), CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}); err != nil {
			return err
		}
		before[i] = sessionKey(id)
		return putSession(tx, store.Session{Hash: before[i], AccountID: acct, Provider: "gckey",
			AuthTime: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)})
	})
	for i := range people {
		id := fmt.Sprint("acct-", i)
		if err := s.CreateAccount(ctx, store.Account{ID: id, URN: "urn-" + id, CreatedAt: now},
			store.Link{Provider: "gckey", Subject: id, AccountID: id, CreatedAt: now}); err != nil {
			b.Fatal(err)
		}
		if err := s.CreateFactor(ctx, store.Factor{ID: "f-" + id, AccountID: id, Kind: store.FactorTOTP, CreatedAt: now}); err != nil {
			b.Fatal(err)
		}
	}
	var seq atomic.Int64
	waits := measureCommits(b, s, func(worker int, record func(time.Time)) error {
		n := seq.Add(1)
		acct := fmt.Sprint("acct-", n%people)
		start := time.Now()
		if err := s.UpdateAccountFactor(ctx, acct, "f-"+acct, func(a store.Account, f store.Factor) (store.Account, store.Factor, error) {
			a.Failures, a.LastFailureAt = 0, time.Time{}
			f.LastStep++
			return a, f, nil
		}); err != nil {
			return err
		}
		record(start)
		id := randid.Ordered(time.Now(), 16)
		sess := store.Session{Hash: sessionKey(id), AccountID: acct, Provider: "gckey",
			ACR: "urn:gc-ca:cyber-auth:assurance:loa2", AMR: []string{"pwd", "otp"}, AuthTime: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
		replaced := before[(n*7919)%signInsBefore] // spread over the file, each once
		start = time.Now()
		if err := s.CreateGrantWithSession(ctx, store.Grant{ID: id, ClientID: "portal", AccountID: acct, Subject: "sub-" + acct,
			Scopes: []string{"openid", "profile", "offline_access"}, AuthTime: now, AMR: []string{"pwd", "otp"},
			ACR: "urn:gc-ca:cyber-auth:assurance:loa2", RefreshHash: store.HashToken("rt-" + id),
			CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}, sess, replaced); err != nil {
			return err
		}
		record(start)
		return s.AppendNewAudit(ctx, store.AuditEvent{ID: randid.Ordered(time.Now(), 16), Time: time.Now(), Kind: "signin", AccountID: acct, ClientID: "portal",
			Actor: "person", Outcome: "success", Detail: map[string]string{"amr": "pwd otp"}})
	})
	reportWaits(b, waits)
}

// sessionKey is the store key of the session of the sign-in whose ID is
// id, as the broker keys sessions (its sessionKey): the time digits its
// cookie begins with, those of id, then a hash.
func sessionKey(id string) []byte {
	return append([]byte(id[:randid.OrderedTimeLen]), store.HashToken("s-"+id)...)
}

// openBench opens an empty store for one benchmark run.
func openBench(b *testing.B) *Store {
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// fill runs put for 0 to n-1 in write transactions of 5,000 each: a
// benchmark's file filled before it starts.
func fill(b *testing.B, s *Store, n int, put func(tx *bbolt.Tx, i int) error) {
	for from := 0; from < n; from += 5000 {
		if err := s.write(context.Background(), func(tx *bbolt.Tx) error {
			for i := from; i < min(from+5000, n); i++ {
				if err := put(tx, i); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// measureCommits runs op b.N times over commitWriters writers at once
// (op's worker is 0 to commitWriters-1; it calls record with the start
// of each durable write it waited for, once it returned) and reports
// writes/commit, pages/commit and commits/s. It returns every wait.
func measureCommits(b *testing.B, s *Store, op func(worker int, record func(time.Time)) error) []time.Duration {
	var workers atomic.Int64
	var mu sync.Mutex
	var waits []time.Duration
	w0, c0, p0 := s.Writes(), s.Commits(), pagesWritten(s)
	b.SetParallelism((commitWriters + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		worker := int(workers.Add(1) - 1)
		var mine []time.Duration
		record := func(start time.Time) { mine = append(mine, time.Since(start)) }
		for pb.Next() {
			if err := op(worker, record); err != nil {
				b.Error(err)
				return
			}
		}
		mu.Lock()
		waits = append(waits, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	commits := float64(s.Commits() - c0)
	b.ReportMetric(float64(s.Writes()-w0)/commits, "writes/commit")
	b.ReportMetric(float64(pagesWritten(s)-p0)/commits, "pages/commit")
	b.ReportMetric(commits/b.Elapsed().Seconds(), "commits/s")
	return waits
}

// reportWaits reports the median and the 99th percentile of waits, in
// microseconds.
func reportWaits(b *testing.B, waits []time.Duration) {
	if len(waits) == 0 {
		return
	}
	slices.Sort(waits)
	at := func(q float64) float64 { return float64(waits[int(q*float64(len(waits)-1))].Microseconds()) }
	b.ReportMetric(at(0.50), "p50-us")
	b.ReportMetric(at(0.99), "p99-us")
}
