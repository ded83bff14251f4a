package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// BenchSignInWrites reports the cost of the durable writes of one
// sign-in (ns/op is per sign-in; ns/write divides by six), the same
// sequence at every backend so that they compare. "serial" is one sign-in
// at a time (latency: six commits in a row); "parallel" runs 64 sign-ins
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
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(6*seq.Load()), "ns/write")
		})
	}
}

// signInWrites performs the durable writes of one sign-in, from
// /authorize to the token response: six writes, each its own commit.
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
		r.AccountID, r.Done, r.AuthTime = "acct", true, now
		return r, nil
	}); err != nil {
		return err
	}
	hash := store.HashToken("code-" + id)
	if err := s.CreateCode(ctx, store.Code{Hash: hash, AuthRequestID: id, ExpiresAt: now.Add(time.Minute)}); err != nil {
		return err
	}
	grantID := "g-" + id
	if err := s.UpdateCode(ctx, hash, func(c store.Code) (store.Code, error) {
		c.Spent, c.GrantID = true, grantID
		return c, nil
	}); err != nil {
		return err
	}
	if err := s.CreateGrant(ctx, store.Grant{
		ID: grantID, ClientID: "portal", AccountID: "acct", Scopes: []string{"openid", "offline_access"},
		RefreshHash: store.HashToken("rt-" + id), CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour),
	}); err != nil {
		return err
	}
	return s.DeleteAuthRequest(ctx, id)
}
