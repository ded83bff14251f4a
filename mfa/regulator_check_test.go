package mfa_test

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"

	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/mfa/internal/mfatest"
	"github.com/passerelle/passerelle/mfa/totp"
	"github.com/passerelle/passerelle/store"
)

// Regulator.Check with the authenticator-app factor, as the broker runs
// it: a real TOTP factor set up through its own enrolment, real codes, on
// a clock that stands still unless a test moves it.

// appFactor is an account with a TOTP factor, and what a test needs to
// answer its challenges.
type appFactor struct {
	st     store.Store
	reg    *mfa.Regulator
	app    mfa.Checker
	x      store.Factor
	secret string
	clock  *mfatest.Clock
}

// newAppFactor sets up acct's TOTP factor in st (its code at the clock's
// time proves it) and moves the clock to the next time step, whose code
// is right.
func newAppFactor(t *testing.T, st store.Store, clock *mfatest.Clock, cfg mfa.LockoutConfig) *appFactor {
	t.Helper()
	sealer, err := store.NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	var c mfa.Config
	c.SetDefaults()
	f, err := totp.Open(mfa.Env{Config: c, Sealer: sealer, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	app := f.(mfa.Enroller)
	ctx := context.Background()
	in := &mfa.Input{Account: store.Account{ID: acct, URN: "urn-" + acct}, Request: "ar-1"}
	pr, err := app.Enrol(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	a := &appFactor{st: st, reg: mfa.NewRegulator(st, cfg, clock.Now), app: f.(mfa.Checker), secret: pr.Secret, clock: clock}
	in.Form = url.Values{"code": {a.code(0)}}
	res, err := app.FinishEnrol(ctx, in)
	if err != nil || res.Factor == nil {
		t.Fatalf("FinishEnrol: %+v %v", res, err)
	}
	a.x = *res.Factor
	a.x.AccountID, a.x.CreatedAt = acct, clock.Now()
	if err := st.CreateFactor(ctx, a.x); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * time.Second)
	return a
}

// code is the app's code d time steps from the clock's.
func (a *appFactor) code(d int64) string {
	c, err := hotp.GenerateCodeCustom(a.secret, uint64(a.clock.Now().Unix()/30+d), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		panic(err)
	}
	return c
}

// wrong is a code the app shows in no accepted time step.
func (a *appFactor) wrong() string {
	valid := map[string]bool{a.code(-1): true, a.code(0): true, a.code(1): true}
	for _, c := range []string{"000000", "111111", "222222"} {
		if !valid[c] {
			return c
		}
	}
	panic("unreachable")
}

// check answers one challenge with code.
func (a *appFactor) check(code string) (right, locked bool, err error) {
	in := &mfa.Input{Account: store.Account{ID: acct}, Form: url.Values{"code": {code}}}
	return a.reg.Check(context.Background(), a.app, in, a.x)
}

// stored is the factor as stored.
func (a *appFactor) stored(t *testing.T) store.Factor {
	t.Helper()
	x, err := a.st.GetFactor(context.Background(), a.x.ID)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// eachStoreApp runs test on every backend, with acct and its app.
func eachStoreApp(t *testing.T, cfg mfa.LockoutConfig, test func(t *testing.T, a *appFactor, get func() store.Account)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			clock := mfatest.NewClock()
			st := b.open(t, clock.Now)
			mfatest.Account(t, st, acct)
			test(t, newAppFactor(t, st, clock, cfg), func() store.Account { return account(t, st) })
		})
	}
}

// checkBurst sends the codes at once, each its own Check.
func (a *appFactor) checkBurst(codes ...string) burstResult {
	return burstOf(len(codes), func(i int) (bool, bool, error) { return a.check(codes[i]) })
}

// times repeats code n times.
func times(n int, code string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = code
	}
	return out
}

// TestCheckBurstStopsAtDelay: 60 wrong codes at once, default settings:
// exactly DelayFrom are checked and counted, the other 55 are held back
// unchecked, as one at a time.
func TestCheckBurstStopsAtDelay(t *testing.T) {
	eachStoreApp(t, mfa.LockoutConfig{}, func(t *testing.T, a *appFactor, get func() store.Account) {
		res := a.checkBurst(times(60, a.wrong())...)
		if res != (burstResult{verified: 5, delayed: 55}) {
			t.Errorf("burst of 60 wrong codes: %+v, want 5 checked and 55 held back", res)
		}
		if acct := get(); acct.Failures != 5 || acct.Locked {
			t.Errorf("failures %d locked %v, want 5 and unlocked", acct.Failures, acct.Locked)
		}
	})
}

// TestCheckBurstNeverPassesLimit: the delay out of the way (DelayFrom =
// Limit), 60 wrong codes at once: exactly Limit are checked, the Limit-th
// locks in its own write, the rest are refused unchecked; the right code
// afterwards is refused too and leaves the factor as it was.
func TestCheckBurstNeverPassesLimit(t *testing.T) {
	eachStoreApp(t, mfa.LockoutConfig{Limit: 10, DelayFrom: 10}, func(t *testing.T, a *appFactor, get func() store.Account) {
		res := a.checkBurst(times(60, a.wrong())...)
		if res != (burstResult{verified: 10, lockedBy: 1, locked: 50}) {
			t.Errorf("burst of 60 wrong codes, limit 10: %+v, want 10 checked (one locking) and 50 refused as locked", res)
		}
		if acct := get(); acct.Failures != 10 || !acct.Locked {
			t.Errorf("failures %d locked %v, want 10 and locked", acct.Failures, acct.Locked)
		}
		before := a.stored(t)
		if _, _, err := a.check(a.code(0)); !errors.Is(err, mfa.ErrLocked) {
			t.Errorf("right code after the lock: %v, want ErrLocked", err)
		}
		if after := a.stored(t); after.LastStep != before.LastStep {
			t.Errorf("a refused right code moved the factor's step from %d to %d", before.LastStep, after.LastStep)
		}
	})
}

// TestCheckSameCodeInFlight: the right code posted 20 times at once is
// accepted once; every other copy is a replay, checked and counted as a
// wrong answer until the delay holds the rest back.
func TestCheckSameCodeInFlight(t *testing.T) {
	eachStoreApp(t, mfa.LockoutConfig{}, func(t *testing.T, a *appFactor, get func() store.Account) {
		step := a.clock.Now().Unix() / 30
		res := a.checkBurst(times(20, a.code(0))...)
		if res != (burstResult{right: 1, verified: 5, delayed: 14}) {
			t.Errorf("one right code 20 times at once: %+v, want 1 accepted, 5 replays counted, 14 held back", res)
		}
		if x := a.stored(t); x.LastStep != step {
			t.Errorf("factor's step %d, want %d", x.LastStep, step)
		}
		if acct := get(); acct.Failures != 5 {
			t.Errorf("failures %d, want the 5 replays", acct.Failures)
		}
	})
}

// TestCheckRightCodeAmongWrongOnes: the right code sent at once with
// Limit-1 wrong ones is accepted, wherever it falls among them, and the
// account never locks: the wrong ones before it are cleared, those after
// it count from zero.
func TestCheckRightCodeAmongWrongOnes(t *testing.T) {
	const limit = 8
	eachStoreApp(t, mfa.LockoutConfig{Limit: limit, DelayFrom: limit}, func(t *testing.T, a *appFactor, get func() store.Account) {
		codes := append(times(limit-1, a.wrong()), a.code(0))
		if res := a.checkBurst(codes...); res != (burstResult{right: 1, verified: limit - 1}) {
			t.Errorf("right code among %d wrong ones: %+v", limit-1, res)
		}
		if acct := get(); acct.Locked || acct.Failures >= limit {
			t.Errorf("failures %d locked %v, want fewer than %d and unlocked", acct.Failures, acct.Locked, limit)
		}
	})
}

// TestCheckRightCodeRacingLock: an administrator's lock written before
// the check wins over the right code (refused, nothing written); racing
// it, either the code was accepted before the lock (the factor's step
// moved) or refused after it (the factor untouched), never both.
func TestCheckRightCodeRacingLock(t *testing.T) {
	lock := func(st store.Store) error {
		return st.UpdateAccount(context.Background(), acct, func(x store.Account) (store.Account, error) {
			x.Locked = true
			return x, nil
		})
	}
	eachStoreApp(t, mfa.LockoutConfig{}, func(t *testing.T, a *appFactor, get func() store.Account) {
		if err := lock(a.st); err != nil {
			t.Fatal(err)
		}
		before := a.stored(t)
		if _, _, err := a.check(a.code(0)); !errors.Is(err, mfa.ErrLocked) {
			t.Fatalf("right code after the lock: %v, want ErrLocked", err)
		}
		if after := a.stored(t); after.LastStep != before.LastStep || !after.LastUsedAt.Equal(before.LastUsedAt) {
			t.Errorf("a refused right code wrote the factor")
		}
		if acct := get(); acct.Failures != 0 {
			t.Errorf("a refused right code counted: failures %d", acct.Failures)
		}
	})
	for round := range 5 {
		eachStoreApp(t, mfa.LockoutConfig{}, func(t *testing.T, a *appFactor, get func() store.Account) {
			before := a.stored(t)
			locked := make(chan error, 1)
			go func() { locked <- lock(a.st) }()
			right, _, err := a.check(a.code(0))
			if err := <-locked; err != nil {
				t.Fatal(err)
			}
			moved := a.stored(t).LastStep != before.LastStep
			switch {
			case err != nil && !errors.Is(err, mfa.ErrLocked):
				t.Fatal(err)
			case right != moved || (err != nil) == right:
				t.Errorf("round %d: right %v, refused %v, factor written %v", round, right, err, moved)
			}
			if !get().Locked {
				t.Errorf("round %d: the lock was lost", round)
			}
		})
	}
}

// TestCheckCostsOneWrite: on a bbolt file, every checked answer is one
// durable write, right or wrong, the lock at Limit included; a refused
// one is none. The answer's effects are all in that write.
func TestCheckCostsOneWrite(t *testing.T) {
	clock := mfatest.NewClock()
	st := mfatest.Store(t, clock.Now)
	mfatest.Account(t, st, acct)
	a := newAppFactor(t, st, clock, mfa.LockoutConfig{Limit: 3, DelayFrom: 2})
	writes := st.(interface{ Writes() int64 }).Writes
	step := clock.Now().Unix() / 30
	for _, tc := range []struct {
		name                 string
		code                 string
		right, locked        bool
		refusal              error
		failures, wantWrites int
		wantStep             bool // the factor's step is the one accepted
	}{
		{name: "wrong", code: a.wrong(), failures: 1, wantWrites: 1},
		{name: "right", code: a.code(0), right: true, failures: 0, wantWrites: 1, wantStep: true},
		{name: "replayed", code: a.code(0), failures: 1, wantWrites: 1, wantStep: true},
		{name: "wrong, second", code: a.wrong(), failures: 2, wantWrites: 1, wantStep: true},
		{name: "during the delay", code: a.code(1), refusal: mfa.ErrDelayed, failures: 2, wantWrites: 0, wantStep: true},
	} {
		before := writes()
		right, locked, err := a.check(tc.code)
		if right != tc.right || locked != tc.locked || !errors.Is(err, tc.refusal) || (tc.refusal == nil && err != nil) {
			t.Errorf("%s: right %v locked %v err %v", tc.name, right, locked, err)
		}
		if n := writes() - before; n != int64(tc.wantWrites) {
			t.Errorf("%s: %d durable writes, want %d", tc.name, n, tc.wantWrites)
		}
		acc, x := account(t, st), a.stored(t)
		if acc.Failures != tc.failures || (x.LastStep == step) != tc.wantStep {
			t.Errorf("%s: failures %d, factor step %d; want %d failures, step %d %v", tc.name, acc.Failures, x.LastStep, tc.failures, step, tc.wantStep)
		}
	}
	clock.Advance(time.Minute)
	before := writes()
	if right, locked, err := a.check(a.wrong()); right || !locked || err != nil {
		t.Errorf("the Limit-th wrong code: right %v locked %v err %v, want a lock", right, locked, err)
	}
	if n := writes() - before; n != 1 {
		t.Errorf("the Limit-th wrong code: %d durable writes, want 1 (the lock with the count)", n)
	}
	before = writes()
	if _, _, err := a.check(a.code(0)); !errors.Is(err, mfa.ErrLocked) {
		t.Errorf("right code once locked: %v, want ErrLocked", err)
	}
	if n := writes() - before; n != 0 {
		t.Errorf("a refused code made %d durable writes", n)
	}
	if acc := account(t, st); !acc.Locked || acc.Failures != 3 {
		t.Errorf("failures %d locked %v, want 3 and locked", acc.Failures, acc.Locked)
	}
}
