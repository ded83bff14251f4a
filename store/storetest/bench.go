package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// BenchSignInWrites reports the cost of the protocol's durable writes in
// one sign-in (ns/op is per sign-in; ns/write divides by three), the same
// sequence at every backend so that they compare. "serial" is one sign-in
// at a time (latency: three commits in a row); "parallel" runs 64 sign-ins
// per CPU at once, as a busy broker does, so that a backend can share
// commits (throughput). open gives an empty store for one run of a
// sub-benchmark and arranges its cleanup (b.Cleanup).
func BenchSignInWrites(b *testing.B, open func(b *testing.B) store.Store) {
	for _, tc := range []struct {
		name        string
		parallelism int
	}{{"serial", 0}, {"parallel", 64}} {
		b.Run(tc.name, func(b *testing.B) {
			s := open(b)
			ctx := context.Background()
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
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(3*seq.Load()), "ns/write")
		})
	}
}

// signInWrites performs the protocol's durable writes of one sign-in,
// each its own commit: the auth request created at /authorize, completed
// with its code, and the grant whose creation redeems the code.
// The steps between (upstream leg, session, second factor) add theirs.
func signInWrites(ctx context.Context, s store.Store, n int64) error {
	id := fmt.Sprintf("ar-%d", n)
	now := time.Now()
	if err := s.CreateAuthRequest(ctx, store.AuthRequest{
		ID: id, ClientID: "portal", Scopes: []string{"openid"}, ResponseType: "code",
		CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute),
	}); err != nil {
		return err
	}
	if err := s.UpdateAuthRequest(ctx, id, func(r store.AuthRequest) (store.AuthRequest, error) {
		r.AccountID, r.Done, r.AuthTime, r.CodeHash = "acct", true, now, store.HashToken("code-"+id)
		return r, nil
	}); err != nil {
		return err
	}
	return s.CreateGrant(ctx, store.Grant{
		ID: "g-" + id, ClientID: "portal", AccountID: "acct", Scopes: []string{"openid", "offline_access"},
		RefreshHash: store.HashToken("rt-" + id), CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour),
	})
}
