package dormancy

import (
	"context"
	"errors"
	"time"

	"github.com/passerelle/passerelle/store"
)

// PassSize is how many accounts one Pass reads: the sweep's share of the
// store's time stays bounded however many accounts there are.
const PassSize = 200

// touchEvery is how often a sign-in records its time: dormancy is
// counted in months, so finer precision is not worth a durable write at
// every sign-in.
const touchEvery = time.Hour

// Dormant reports whether a is marked dormant.
func Dormant(a store.Account) bool { return !a.DormantSince.IsZero() }

// Idle reports whether a, not yet marked, has gone unused for longer than
// after at now. A zero after is never idle.
func Idle(a store.Account, after time.Duration, now time.Time) bool {
	if after <= 0 || Dormant(a) {
		return false
	}
	last := a.CreatedAt
	for _, t := range []time.Time{a.LastLoginAt, a.ReactivatedAt} {
		if t.After(last) {
			last = t
		}
	}
	return now.Sub(last) > after
}

// Marker marks idle accounts dormant.
type Marker struct {
	St    store.Store
	After time.Duration // accounts.dormant_after; zero: off
	Now   func() time.Time
	// Marked is told of every account this Marker marked, and by what
	// ("sign-in" or "sweep"), as soon as the mark is written: the broker
	// audits it.
	Marked func(ctx context.Context, accountID, by string)
}

// errUnchanged ends an update that has nothing to write.
var errUnchanged = errors.New("dormancy: unchanged")

// SignedIn is a sign-in with one of the account's credentials, a as the
// caller just read it: it returns the account, marked dormant if it was
// idle, else with the sign-in time recorded (at most once an hour). A
// dormant account's times are left as they are. What it writes, it
// decides again on the stored record, so a read that is a little old
// (the sweep marked the account since) is safe.
func (m Marker) SignedIn(ctx context.Context, a store.Account) (store.Account, error) {
	now := m.Now()
	id := a.ID
	var err error
	switch {
	case Dormant(a):
		return a, nil
	case Idle(a, m.After, now):
		a, _, err = m.mark(ctx, id, "sign-in")
		return a, err
	case now.Sub(a.LastLoginAt) < touchEvery:
		return a, nil
	}
	err = m.St.UpdateAccount(ctx, id, func(cur store.Account) (store.Account, error) {
		// The sweep may have marked it since the read.
		if Dormant(cur) || Idle(cur, m.After, now) {
			return cur, errUnchanged
		}
		cur.LastLoginAt = now
		a = cur
		return cur, nil
	})
	if errors.Is(err, errUnchanged) {
		a, _, err = m.mark(ctx, id, "sign-in")
	}
	return a, err
}

// mark marks the account dormant if it is idle (and not marked) when the
// write happens, ends its sessions and grants, and returns it as stored
// and whether this call marked it.
func (m Marker) mark(ctx context.Context, id, by string) (store.Account, bool, error) {
	now := m.Now()
	var a store.Account
	marked := false
	err := m.St.UpdateAccount(ctx, id, func(cur store.Account) (store.Account, error) {
		a = cur
		if !Idle(cur, m.After, now) {
			return cur, errUnchanged
		}
		cur.DormantSince = now
		a, marked = cur, true
		return cur, nil
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		return a, false, err
	}
	if !marked {
		return a, false, nil
	}
	if m.Marked != nil {
		m.Marked(ctx, id, by)
	}
	if _, err := m.St.DeleteSessionsByAccount(ctx, id); err != nil {
		return a, true, err
	}
	_, err = m.St.RevokeGrantsByAccount(ctx, id)
	return a, true, err
}

// Pass reads one page of at most PassSize accounts after the ID cursor
// and marks the idle ones. It returns the cursor of the next page ("" once
// the last page is read, so the next pass starts over) and how many it
// marked.
func (m Marker) Pass(ctx context.Context, cursor string) (next string, marked int, err error) {
	if m.After <= 0 {
		return "", 0, nil
	}
	page, err := m.St.ListAccounts(ctx, cursor, PassSize)
	if err != nil {
		return cursor, 0, err
	}
	now := m.Now()
	for _, a := range page {
		if !Idle(a, m.After, now) {
			continue
		}
		_, ok, err := m.mark(ctx, a.ID, "sweep")
		if ok {
			marked++
		}
		if err != nil {
			return cursor, marked, err
		}
	}
	if len(page) < PassSize {
		return "", marked, nil
	}
	return page[len(page)-1].ID, marked, nil
}

// ErrNotDormant is Reactivate's answer for an account that is not
// dormant.
var ErrNotDormant = errors.New("dormancy: the account is not dormant")

// Reactivate clears the account's dormancy; its idleness is counted from
// now on. ErrNotDormant if it was not dormant.
func Reactivate(ctx context.Context, st store.Store, id string, now time.Time) error {
	return st.UpdateAccount(ctx, id, func(a store.Account) (store.Account, error) {
		if !Dormant(a) {
			return a, ErrNotDormant
		}
		a.DormantSince, a.ReactivatedAt = time.Time{}, now
		return a, nil
	})
}
