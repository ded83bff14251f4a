package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// sweepMany is more expired records than a backend deletes in one
// transaction or statement (500 on both), so Sweep takes several.
const sweepMany = 1234

// testSweepMany: a Sweep over more records than one of its transactions
// deletes finishes the work and counts every record once; records whose
// expiry was moved later stay, records moved earlier go, and the keys of
// swept records are free again.
func testSweepMany(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, sweepMany)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < sweepMany; i += 8 {
				ttl := time.Duration(1+i%50) * time.Second
				errs <- s.CreateAuthRequest(ctx, authRequest(fmt.Sprintf("ar-%04d", i), ttl))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err, "CreateAuthRequest")
	}
	for _, err := range []error{
		s.CreateAuthRequest(ctx, authRequest("moved-later", time.Second)),
		s.UpdateAuthRequest(ctx, "moved-later", func(r store.AuthRequest) (store.AuthRequest, error) {
			r.ExpiresAt = epoch.Add(2 * time.Hour)
			return r, nil
		}),
		s.CreateSession(ctx, session("moved-earlier", "acct-1", 2*time.Hour)),
		s.UpdateSession(ctx, store.HashToken("moved-earlier"), func(x store.Session) (store.Session, error) {
			x.ExpiresAt = epoch.Add(time.Second)
			return x, nil
		}),
		s.CreateGrant(ctx, grant("g-old", "acct-1", "rt-0", time.Minute)),
		s.UpdateGrant(ctx, "g-old", func(g store.Grant) (store.Grant, error) {
			g.RefreshHash = store.HashToken("rt-1")
			return g, nil
		}),
	} {
		must(t, err, "setup")
	}

	n, err := s.Sweep(ctx, epoch.Add(time.Hour))
	must(t, err, "Sweep")
	if want := sweepMany + 2; n != want {
		t.Errorf("Sweep = %d, want %d (every expired auth request, the session moved earlier, the grant)", n, want)
	}
	n, err = s.Sweep(ctx, epoch.Add(time.Hour))
	must(t, err, "Sweep again")
	if n != 0 {
		t.Errorf("Sweep again = %d, want 0", n)
	}
	_, err = s.GetAuthRequest(ctx, "moved-later")
	must(t, err, "an auth request whose expiry moved later survives Sweep")
	_, err = s.GetGrantByRefreshHash(ctx, "g-old", store.HashToken("rt-0"))
	wantErr(t, err, store.ErrNotFound, "rotated refresh hash of a swept grant")
	must(t, s.CreateAuthRequest(ctx, authRequest("ar-0000", time.Hour)), "CreateAuthRequest reusing a swept ID")
	must(t, s.CreateSession(ctx, session("moved-earlier", "acct-1", time.Hour)), "CreateSession reusing a swept hash")

	// The auth request moved later goes once its new time has passed.
	n, err = s.Sweep(ctx, epoch.Add(3*time.Hour))
	must(t, err, "Sweep later")
	if n != 3 {
		t.Errorf("Sweep later = %d, want 3 (moved-later, ar-0000 again, the session)", n)
	}
}
