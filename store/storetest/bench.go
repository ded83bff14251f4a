package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// benchAccounts is how many people the sign-ins of BenchSignInWrites
// take turns as, so that racing sign-ins rarely update one account.
const benchAccounts = 256

// BenchSignInWrites reports the cost of a returning person's sign-in at
// the store, the same sequence at every backend so that they compare
// (ns/op is per sign-in; ns/write divides by signInDurable, the writes a
// caller waits for). "serial" is one sign-in at a time (latency: the
// commits in a row); "parallel" runs 64 sign-ins per CPU at once, as a
// busy broker does, so that a backend can share commits (throughput).
// open gives an empty store for one run of a sub-benchmark and arranges
// its cleanup (b.Cleanup).
func BenchSignInWrites(b *testing.B, open func(b *testing.B) store.Store) {
	for _, tc := range []struct {
		name        string
		parallelism int
	}{{"serial", 0}, {"parallel", 64}} {
		b.Run(tc.name, func(b *testing.B) {
			s := open(b)
			ctx := context.Background()
			for i := range benchAccounts {
				id := fmt.Sprint("acct-", i)
				if err := s.CreateAccount(ctx, account(id), link("gckey", id, id)); err != nil {
					b.Fatal(err)
				}
				if err := s.CreateFactor(ctx, factor("f-"+id, id, store.FactorTOTP, epoch)); err != nil {
					b.Fatal(err)
				}
			}
			var seq atomic.Int64
			b.ResetTimer()
			if tc.parallelism == 0 {
				for b.Loop() {
					if err := signInWrites(ctx, s, seq.Add(1)); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				b.SetParallelism(tc.parallelism)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := signInWrites(ctx, s, seq.Add(1)); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(signInDurable*seq.Load()), "ns/write")
		})
	}
}

// signInDurable is how many of signInWrites' writes are durable (the
// auth request's and the audit event's are not: store/doc.go).
const signInDurable = 2

// signInWrites performs the store writes of a returning person's
// sign-in, in the broker's order: the auth request created at /authorize
// and updated when the upstream names the account, the TOTP answer (the
// failure count and the factor's step in one update), the request
// completed with its code and the SSO session it opens, the audit event,
// and the grant whose creation redeems the code, written with that
// session and replacing the browser's previous one (the one the sign-in
// before at this account opened).
func signInWrites(ctx context.Context, s store.Store, n int64) error {
	id, acct := fmt.Sprintf("ar-%d", n), fmt.Sprint("acct-", n%benchAccounts)
	now := time.Now()
	session := store.Session{Hash: store.HashToken("s-" + id), AccountID: acct, AuthTime: now, ExpiresAt: now.Add(time.Hour)}
	var previous []byte
	if n > benchAccounts {
		previous = store.HashToken(fmt.Sprintf("s-ar-%d", n-benchAccounts))
	}
	if err := s.CreateAuthRequest(ctx, store.AuthRequest{
		ID: id, ClientID: "portal", Scopes: []string{"openid"}, ResponseType: "code",
		CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute),
	}); err != nil {
		return err
	}
	updateRequest := func(fn func(*store.AuthRequest)) error {
		return s.UpdateAuthRequest(ctx, id, func(r store.AuthRequest) (store.AuthRequest, error) {
			fn(&r)
			return r, nil
		})
	}
	steps := []func() error{
		func() error { return updateRequest(func(r *store.AuthRequest) { r.AccountID = acct }) },
		func() error {
			return s.UpdateAccountFactor(ctx, acct, "f-"+acct, func(a store.Account, f store.Factor) (store.Account, store.Factor, error) {
				a.Failures, a.LastFailureAt = 0, time.Time{}
				f.LastStep++
				return a, f, nil
			})
		},
		func() error {
			return updateRequest(func(r *store.AuthRequest) {
				r.Done, r.AuthTime, r.CodeHash = true, now, store.HashToken("code-"+id)
				r.PendingSession, r.ReplacedSession = &session, previous
			})
		},
		func() error {
			return s.AppendNewAudit(ctx, store.AuditEvent{ID: "e-" + id, Time: now, Kind: "signin", AccountID: acct, ClientID: "portal"})
		},
		func() error {
			return s.CreateGrantWithSession(ctx, store.Grant{
				ID: id, ClientID: "portal", AccountID: acct, Scopes: []string{"openid", "offline_access"},
				RefreshHash: store.HashToken("rt-" + id), CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour),
			}, session, previous)
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}
