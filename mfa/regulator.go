package mfa

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/passerelle/passerelle/store"
)

// ErrLocked means the account is locked after too many consecutive
// failures; only an administrator unlocks it.
var ErrLocked = errors.New("mfa: account locked after too many failed attempts")

// ErrDelayed means the account must wait before its next attempt; the
// error Reserve returns is a *DelayError that says how long.
var ErrDelayed = errors.New("mfa: too many failed attempts, wait before the next one")

// DelayError is Reserve's refusal while a delay runs. errors.Is(err,
// ErrDelayed) is true for it.
type DelayError struct {
	// Wait is the time still to wait.
	Wait time.Duration
}

func (e *DelayError) Error() string { return fmt.Sprintf("%v (%v)", ErrDelayed, e.Wait) }

// Is makes a *DelayError match ErrDelayed.
func (e *DelayError) Is(target error) bool { return target == ErrDelayed }

// Regulator counts consecutive failed attempts per account, across every
// kind of credential, and slows then stops online guessing (NIST SP
// 800-63B §5.2.2). Its state lives in the account record, so every broker
// replica sees the same count.
//
// An answer that the stored factor alone checks (a Checker: TOTP,
// recovery codes) is checked inside the store update that counts it
// (Check). Any other attempt is reserved before anything is verified
// (Reserve), and counted as a failure at once; the verification's
// outcome then settles it (Attempt.Succeeded, Attempt.Release or
// Attempt.Failed). Either way checking the limit and the delay and
// counting the attempt are one store update, so requests in flight at
// the same time cannot all pass the check: each takes its own place in
// the count, and the ones past the delay or the limit are refused before
// they verify anything.
type Regulator struct {
	st  store.Store
	cfg LockoutConfig
	now func() time.Time
}

// NewRegulator returns a Regulator over st. Unset values of cfg take their
// defaults; now is time.Now when nil.
func NewRegulator(st store.Store, cfg LockoutConfig, now func() time.Time) *Regulator {
	cfg.SetDefaults()
	if now == nil {
		now = time.Now
	}
	return &Regulator{st: st, cfg: cfg, now: now}
}

// Attempt is one reserved try at a credential of an account, counted as a
// failure until it is settled. Settle it once, with the verification's
// outcome; an attempt never settled stays a failure (a verification that
// ended in a store error, a crash).
type Attempt struct {
	r         *Regulator
	accountID string
	n         int       // the count this attempt raised the account's to
	at        time.Time // when it was reserved: the account's LastFailureAt then
	prevAt    time.Time // the account's LastFailureAt before it
}

// errRefused aborts an update that has nothing to write.
var errRefused = errors.New("mfa: regulator: nothing to write")

// Reserve reserves one attempt for the account, to be made now: it
// refuses with ErrLocked when the account is locked or its count has
// reached Limit, with a *DelayError while the delay that follows the last
// failure runs, and otherwise counts the attempt as a failure (Failures+1,
// LastFailureAt now) in the same store update that checked. Verify nothing
// unless it returns an Attempt. A refusal writes nothing.
func (r *Regulator) Reserve(ctx context.Context, accountID string) (*Attempt, error) {
	att := &Attempt{r: r, accountID: accountID}
	var refusal error
	err := r.st.UpdateAccount(ctx, accountID, func(a store.Account) (store.Account, error) {
		now := r.now()
		if refusal = r.refusal(a, now); refusal != nil {
			return a, errRefused
		}
		att.prevAt, att.at = a.LastFailureAt, now
		a.Failures++
		a.LastFailureAt = now
		att.n = a.Failures
		return a, nil
	})
	if errors.Is(err, errRefused) {
		return nil, refusal
	}
	if err != nil {
		return nil, fmt.Errorf("mfa: regulator: %w", err)
	}
	return att, nil
}

// Check makes one attempt at x, one of in.Account's factors, whose
// answer c checks against the stored factor alone (a Checker), in one
// store update of the account and the factor
// (store.UpdateAccountFactor), so the attempt costs one durable write
// whatever its outcome. It refuses as Reserve does, writing nothing
// (ErrLocked, *DelayError); otherwise it checks the answer against the
// factor as stored then and, when it is right (right is true), records
// the factor's use and resets the count, or, when it is wrong, counts
// the failure (Failures+1, LastFailureAt now) and locks the account when
// the count reaches Limit (locked is true). Answers in flight at once are
// checked one after the other, each against the count and the factor the
// one before left: a burst of wrong answers gets DelayFrom of them
// checked, never more than Limit in all, a code is accepted once, and a
// lock written before the update wins. After a right answer in.Account
// is the account as the update wrote it.
func (r *Regulator) Check(ctx context.Context, c Checker, in *Input, x store.Factor) (right, locked bool, err error) {
	var refusal error
	var wrote store.Account
	err = r.st.UpdateAccountFactor(ctx, in.Account.ID, x.ID, func(a store.Account, f store.Factor) (store.Account, store.Factor, error) {
		now := r.now()
		right, locked = false, false
		if f.Kind != c.Kind() {
			return a, f, fmt.Errorf("mfa: factor %q is a %s factor, not %s", f.ID, f.Kind, c.Kind())
		}
		if refusal = r.refusal(a, now); refusal != nil {
			return a, f, errRefused
		}
		used, ok, err := c.Check(in, f, now)
		switch {
		case err != nil:
			return a, f, err
		case ok:
			right = true
			a.Failures, a.LastFailureAt = 0, time.Time{}
			wrote = a
			return a, used, nil
		}
		a.Failures++
		a.LastFailureAt = now
		if a.Failures >= r.cfg.Limit {
			a.Locked, locked = true, true
		}
		return a, f, nil
	})
	if errors.Is(err, errRefused) {
		return false, false, refusal
	}
	if err != nil {
		return false, false, fmt.Errorf("mfa: regulator: %w", err)
	}
	if right {
		in.Account = wrote
	}
	return right, locked, nil
}

// refusal is why an attempt at the account may not be made now:
// ErrLocked when it is locked or its count has reached Limit, a
// *DelayError while the delay that follows the last failure runs, nil
// when it may.
func (r *Regulator) refusal(a store.Account, now time.Time) error {
	if a.Locked || a.Failures >= r.cfg.Limit {
		return ErrLocked
	}
	if wait := r.delay(a.Failures) - now.Sub(a.LastFailureAt); wait > 0 {
		return &DelayError{Wait: wait}
	}
	return nil
}

// delay is the wait that follows the n-th consecutive failure: none before
// DelayFrom, then BaseDelay doubled with each further failure, capped at
// MaxDelay.
func (r *Regulator) delay(n int) time.Duration {
	if n < r.cfg.DelayFrom {
		return 0
	}
	d := r.cfg.BaseDelay
	for i := r.cfg.DelayFrom; i < n && d < r.cfg.MaxDelay; i++ {
		d *= 2
	}
	return min(d, r.cfg.MaxDelay)
}

// Succeeded settles a right answer that authenticates the person (a second
// factor): the count goes back to zero. When the account was locked
// meanwhile, by another attempt or an administrator, it stays locked and
// Succeeded returns ErrLocked: the lock wins, and the caller must refuse.
func (a *Attempt) Succeeded(ctx context.Context) error {
	err := a.r.st.UpdateAccount(ctx, a.accountID, func(acct store.Account) (store.Account, error) {
		if acct.Locked {
			return acct, ErrLocked
		}
		acct.Failures = 0
		acct.LastFailureAt = time.Time{}
		return acct, nil
	})
	return settleError(err)
}

// Release settles a right answer that does not end the authentication (a
// password, which a second factor must follow; an address confirmation):
// it gives this attempt back, leaving the failures before it counted, so
// a known password cannot wipe the count of wrong codes. It gives it back
// only when nothing else touched the count since the reservation;
// otherwise the attempt stays counted, which errs on the safe side. Like
// Succeeded, it returns ErrLocked when the account was locked meanwhile,
// and the caller must refuse.
func (a *Attempt) Release(ctx context.Context) error {
	err := a.r.st.UpdateAccount(ctx, a.accountID, func(acct store.Account) (store.Account, error) {
		if acct.Locked {
			return acct, ErrLocked
		}
		if acct.Failures != a.n || !acct.LastFailureAt.Equal(a.at) {
			return acct, errRefused
		}
		acct.Failures--
		acct.LastFailureAt = a.prevAt
		return acct, nil
	})
	if errors.Is(err, errRefused) {
		return nil
	}
	return settleError(err)
}

// Failed settles a wrong answer: the attempt stays counted, which costs
// nothing, except for the attempt that took the count to Limit, whose
// failure locks the account (one more write). locked reports that lock;
// it is false when another attempt locked the account meanwhile (the next
// Reserve says so).
func (a *Attempt) Failed(ctx context.Context) (locked bool, err error) {
	if a.n < a.r.cfg.Limit {
		return false, nil
	}
	err = a.r.st.UpdateAccount(ctx, a.accountID, func(acct store.Account) (store.Account, error) {
		if acct.Failures < a.r.cfg.Limit {
			// A right answer reset the count meanwhile: this failure is
			// no longer the Limit-th consecutive one.
			return acct, errRefused
		}
		acct.Locked = true
		return acct, nil
	})
	if errors.Is(err, errRefused) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mfa: regulator: %w", err)
	}
	return true, nil
}

func settleError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrLocked):
		return ErrLocked
	default:
		return fmt.Errorf("mfa: regulator: %w", err)
	}
}

// Unlock is the administrator's path: it clears the lock and the count.
func (r *Regulator) Unlock(ctx context.Context, accountID string) error {
	err := r.st.UpdateAccount(ctx, accountID, func(a store.Account) (store.Account, error) {
		a.Locked = false
		a.Failures = 0
		a.LastFailureAt = time.Time{}
		return a, nil
	})
	if err != nil {
		return fmt.Errorf("mfa: regulator: %w", err)
	}
	return nil
}
