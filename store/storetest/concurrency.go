package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// racers is how many goroutines race for one outcome.
const racers = 32

// RunConcurrency runs the concurrency suite: operations that must have
// exactly one winner when many requests race (a code replayed in
// parallel, with or without the session it brings, a refresh token presented twice at once, two first sign-ins
// of the same person, a one-time code submitted twice, racing rate-limit
// hits, racing updates of one record, racing updates of an account and
// its factor together and apart, one factor step used by many at once,
// one WebAuthn credential enrolled twice, one username registered twice,
// racing transfers of ownership and removals of members, racing
// activations of one organization, one legacy account or record linked by many
// accounts).
func RunConcurrency(t *testing.T, newStore NewStore) {
	t.Run("RedeemCodeOnce", func(t *testing.T) { testRedeemCodeOnce(t, newStore) })
	t.Run("RedeemWithSessionOnce", func(t *testing.T) { testRedeemWithSessionOnce(t, newStore) })
	t.Run("RotateRefreshOnce", func(t *testing.T) { testRotateRefreshOnce(t, newStore) })
	t.Run("CreateAccountOnce", func(t *testing.T) { testCreateAccountOnce(t, newStore) })
	t.Run("MixedCreates", func(t *testing.T) { testMixedCreates(t, newStore) })
	t.Run("HitCountsAll", func(t *testing.T) { testHitCountsAll(t, newStore) })
	t.Run("ConsumeOTPOnce", func(t *testing.T) { testConsumeOTPOnce(t, newStore) })
	t.Run("UpdatesCountAll", func(t *testing.T) { testUpdatesCountAll(t, newStore) })
	t.Run("AccountFactorUpdatesSerialise", func(t *testing.T) { testAccountFactorUpdatesSerialise(t, newStore) })
	t.Run("AccountFactorUseOnce", func(t *testing.T) { testAccountFactorUseOnce(t, newStore) })
	t.Run("CreateFactorCredentialOnce", func(t *testing.T) { testCreateFactorCredentialOnce(t, newStore) })
	t.Run("CreateLocalUserOnce", func(t *testing.T) { testCreateLocalUserOnce(t, newStore) })
	t.Run("OrganizationOneOwner", func(t *testing.T) { testOrganizationsOneOwner(t, newStore) })
	t.Run("OrganizationActivateOnce", func(t *testing.T) { testOrganizationActivateOnce(t, newStore) })
	t.Run("LinkLegacyOnce", func(t *testing.T) { testLinkLegacyOnce(t, newStore) })
	t.Run("LinkRecordOnce", func(t *testing.T) { testLinkRecordOnce(t, newStore) })
}

// race runs f(0..racers-1) at once and returns the errors by index.
func race(f func(i int) error) []error {
	errs := make([]error, racers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// oneWinner checks that exactly one error is nil and the others wrap
// loss, and returns the winner's index.
func oneWinner(t *testing.T, errs []error, loss error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("racers %d and %d both won", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, loss):
			t.Errorf("racer %d: got %v, want an error wrapping %v", i, err, loss)
		}
	}
	if winner < 0 {
		t.Fatal("no racer won")
	}
	return winner
}

// testRedeemCodeOnce: a code is spent by creating the grant that takes
// its auth request's ID, so of racing creations exactly one succeeds and
// the stored grant is the winner's.
func testRedeemCodeOnce(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	errs := race(func(i int) error {
		return s.CreateGrant(ctx, grant("ar-1", "acct-1", fmt.Sprintf("rt-%d", i), time.Hour))
	})
	winner := oneWinner(t, errs, store.ErrAlreadyExists)
	got, err := s.GetGrantByRefreshHash(ctx, "ar-1", store.HashToken(fmt.Sprintf("rt-%d", winner)))
	must(t, err, "GetGrantByRefreshHash of the winner")
	if got.ID != "ar-1" {
		t.Errorf("winner's refresh hash resolves to %q", got.ID)
	}
	for i := range errs {
		if i == winner {
			continue
		}
		_, err := s.GetGrantByRefreshHash(ctx, "ar-1", store.HashToken(fmt.Sprintf("rt-%d", i)))
		wantErr(t, err, store.ErrNotFound, fmt.Sprintf("refresh hash of loser %d", i))
	}
}

func testRotateRefreshOnce(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	presented := store.HashToken("rt-0")
	must(t, s.CreateGrant(ctx, grant("g-1", "acct-1", "rt-0", time.Hour)), "CreateGrant")
	next := func(i int) []byte { return store.HashToken(fmt.Sprintf("rt-next-%d", i)) }
	errs := race(func(i int) error {
		return s.UpdateGrant(ctx, "g-1", func(g store.Grant) (store.Grant, error) {
			if string(g.RefreshHash) != string(presented) {
				return g, errRefused // presented token is no longer current: reuse
			}
			g.RefreshHash = next(i)
			return g, nil
		})
	})
	winner := oneWinner(t, errs, errRefused)
	g, err := s.GetGrant(ctx, "g-1")
	must(t, err, "GetGrant")
	if string(g.RefreshHash) != string(next(winner)) {
		t.Error("current refresh hash is not the winner's")
	}
	for i := range racers {
		_, err := s.GetGrantByRefreshHash(ctx, "g-1", next(i))
		if i == winner {
			must(t, err, "winner's refresh hash")
		} else {
			wantErr(t, err, store.ErrNotFound, fmt.Sprintf("loser %d's refresh hash", i))
		}
	}
	_, err = s.GetGrantByRefreshHash(ctx, "g-1", presented)
	must(t, err, "rotated-away refresh hash")
}

func testCreateAccountOnce(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	id := func(i int) string { return fmt.Sprintf("acct-%d", i) }
	errs := race(func(i int) error {
		return s.CreateAccount(ctx, account(id(i)), link("bank", "same-person", id(i)))
	})
	winner := oneWinner(t, errs, store.ErrAlreadyExists)
	l, err := s.GetLink(ctx, "bank", "same-person")
	must(t, err, "GetLink")
	if l.AccountID != id(winner) {
		t.Errorf("link names %q, the winner is %q", l.AccountID, id(winner))
	}
	for i := range racers {
		_, err := s.GetAccount(ctx, id(i))
		if i == winner {
			must(t, err, "winner's account")
		} else {
			wantErr(t, err, store.ErrNotFound, fmt.Sprintf("loser %d's account", i))
		}
	}
}

// testMixedCreates: concurrent writes that fail must not cost the writes
// that succeed alongside them (backends that group commits).
func testMixedCreates(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	must(t, s.CreateAuthRequest(ctx, authRequest("taken", time.Hour)), "CreateAuthRequest")
	errs := race(func(i int) error {
		if i%2 == 0 {
			return s.CreateAuthRequest(ctx, authRequest("taken", time.Hour))
		}
		return s.CreateAuthRequest(ctx, authRequest(fmt.Sprintf("ar-%d", i), time.Hour))
	})
	for i, err := range errs {
		if i%2 == 0 {
			wantErr(t, err, store.ErrAlreadyExists, fmt.Sprintf("duplicate create %d", i))
			continue
		}
		must(t, err, fmt.Sprintf("create %d", i))
		_, err := s.GetAuthRequest(ctx, fmt.Sprintf("ar-%d", i))
		must(t, err, fmt.Sprintf("GetAuthRequest %d", i))
	}
}
