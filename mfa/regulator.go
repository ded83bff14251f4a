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

// Regulator counts consecutive failed attempts per account, across every
// kind of credential, and slows then stops online guessing (NIST SP
// 800-63B §5.2.2). Its state lives in the account record, so every broker
// replica sees the same count; each change is one store.UpdateAccount, so
// concurrent failures are all counted.
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

// Check says whether the account may try a credential now: ErrLocked when
// it is locked, else the time still to wait (zero when it may try at
// once). Call it before verifying anything, and verify nothing while it
// asks to wait.
func (r *Regulator) Check(ctx context.Context, accountID string) (time.Duration, error) {
	a, err := r.st.GetAccount(ctx, accountID)
	if err != nil {
		return 0, fmt.Errorf("mfa: regulator: %w", err)
	}
	if a.Locked {
		return 0, ErrLocked
	}
	wait := r.delay(a.Failures) - r.now().Sub(a.LastFailureAt)
	if wait < 0 {
		wait = 0
	}
	return wait, nil
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

// Fail counts one failed attempt and locks the account when the count
// reaches Limit. locked reports whether the account is locked afterwards.
func (r *Regulator) Fail(ctx context.Context, accountID string) (locked bool, err error) {
	err = r.st.UpdateAccount(ctx, accountID, func(a store.Account) (store.Account, error) {
		a.Failures++
		a.LastFailureAt = r.now()
		if a.Failures >= r.cfg.Limit {
			a.Locked = true
		}
		locked = a.Locked
		return a, nil
	})
	if err != nil {
		return false, fmt.Errorf("mfa: regulator: %w", err)
	}
	return locked, nil
}

// Succeed resets the count after a right answer. It writes nothing when
// the count is already zero, the common case. A locked account stays
// locked and Succeed returns ErrLocked: a lock that landed between Check
// and the verification still wins.
func (r *Regulator) Succeed(ctx context.Context, accountID string) error {
	a, err := r.st.GetAccount(ctx, accountID)
	if err != nil {
		return fmt.Errorf("mfa: regulator: %w", err)
	}
	if a.Locked {
		return ErrLocked
	}
	if a.Failures == 0 && a.LastFailureAt.IsZero() {
		return nil
	}
	err = r.st.UpdateAccount(ctx, accountID, func(a store.Account) (store.Account, error) {
		if a.Locked {
			return a, ErrLocked
		}
		a.Failures = 0
		a.LastFailureAt = time.Time{}
		return a, nil
	})
	if errors.Is(err, ErrLocked) {
		return ErrLocked
	}
	if err != nil {
		return fmt.Errorf("mfa: regulator: %w", err)
	}
	return nil
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
