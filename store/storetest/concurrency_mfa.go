package storetest

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// testHitCountsAll: racing hits on one key are all counted, each sees a
// distinct count.
func testHitCountsAll(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	counts := make([]int, racers)
	errs := race(func(i int) error {
		var err error
		counts[i], err = s.Hit(ctx, "send:acct-1", time.Hour)
		return err
	})
	for i, err := range errs {
		must(t, err, fmt.Sprintf("Hit %d", i))
	}
	sort.Ints(counts)
	for i, n := range counts {
		if n != i+1 {
			t.Fatalf("racing hits returned %v, want 1..%d once each", counts, racers)
		}
	}
	n, err := s.Hit(ctx, "send:acct-1", time.Hour)
	must(t, err, "Hit after the race")
	if n != racers+1 {
		t.Errorf("Hit after %d racing hits = %d, want %d", racers, n, racers+1)
	}
}

// testConsumeOTPOnce: a one-time code submitted many times at once is
// consumed by exactly one submission; the losers' updates write nothing.
func testConsumeOTPOnce(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	must(t, s.CreateOTP(ctx, otp("otp-1", "acct-1", 10*time.Minute)), "CreateOTP")
	errs := race(func(int) error {
		return s.UpdateOTP(ctx, "otp-1", func(o store.OTP) (store.OTP, error) {
			if o.Consumed {
				return o, errRefused
			}
			o.Consumed = true
			o.Attempts++
			return o, nil
		})
	})
	oneWinner(t, errs, errRefused)
	got, err := readOTP(t, s, "otp-1")
	must(t, err, "read one-time code")
	if !got.Consumed || got.Attempts != 2 {
		t.Errorf("after the race: Consumed %v, Attempts %d; want true, 2 (one winner)", got.Consumed, got.Attempts)
	}
}

// testCreateFactorCredentialOnce: one WebAuthn credential enrolled many
// times at once ends up on exactly one factor.
func testCreateFactorCredentialOnce(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	cred := []byte("cred-shared")
	id := func(i int) string { return fmt.Sprintf("f-%d", i) }
	errs := race(func(i int) error {
		f := factor(id(i), "acct-1", store.FactorWebAuthn, epoch)
		f.CredentialID = cred
		return s.CreateFactor(ctx, f)
	})
	winner := oneWinner(t, errs, store.ErrAlreadyExists)
	got, err := s.GetFactorByCredentialID(ctx, cred)
	must(t, err, "GetFactorByCredentialID")
	if got.ID != id(winner) {
		t.Errorf("credential ID resolves to %q, the winner is %q", got.ID, id(winner))
	}
	list, err := s.ListFactors(ctx, "acct-1")
	must(t, err, "ListFactors")
	if len(list) != 1 {
		t.Errorf("ListFactors after the race has %d factors, want 1", len(list))
	}
}

// testUpdatesCountAll: racing updates of one record each see what the
// previous wrote (none is lost, whether a backend locks the row or
// compares and swaps), for a durable record (an account's failure count)
// and a transient one (an auth request).
func testUpdatesCountAll(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	must(t, s.CreateAccount(ctx, account("acct-1"), link("gckey", "s1", "acct-1")), "CreateAccount")
	must(t, s.CreateAuthRequest(ctx, authRequest("ar-1", time.Hour)), "CreateAuthRequest")
	errs := race(func(i int) error {
		if i%2 == 0 {
			return s.UpdateAccount(ctx, "acct-1", func(a store.Account) (store.Account, error) {
				a.Failures++
				return a, nil
			})
		}
		return s.UpdateAuthRequest(ctx, "ar-1", func(r store.AuthRequest) (store.AuthRequest, error) {
			r.AMR = append(r.AMR, fmt.Sprint(i))
			return r, nil
		})
	})
	for i, err := range errs {
		must(t, err, fmt.Sprintf("update %d", i))
	}
	a, err := s.GetAccount(ctx, "acct-1")
	must(t, err, "GetAccount")
	r, err := s.GetAuthRequest(ctx, "ar-1")
	must(t, err, "GetAuthRequest")
	if a.Failures != racers/2 || len(r.AMR) != racers/2 {
		t.Errorf("after %d racing updates each: account failures %d, auth request AMR %d entries; want %d each", racers/2, a.Failures, len(r.AMR), racers/2)
	}
}
