package store

import "time"

// MaxCodeLifetime is the longest an authorization code may live
// (tokens.code; RFC 6749 §4.1.2 recommends ten minutes at most). A
// finished auth request, which carries its code, expires at most this
// long after the sign-in completed.
const MaxCodeLifetime = 10 * time.Minute

// RevokedGrantKept is how long Sweep keeps a revoked grant after its
// revocation, when that comes before its expiry. A revoked grant answers
// nothing a missing one would not (invalid_grant, an inactive token), but
// its ID is also the auth request's: while that request lives, a second
// redemption of its code, or the Back button's new code, must meet the
// grant and fail rather than create it again. The request expires at
// most MaxCodeLifetime after completion, which comes before the grant is
// created and revoked; a minute more covers the clocks of replicas.
const RevokedGrantKept = MaxCodeLifetime + time.Minute

// WithRevokedAt is g as a store writes it at now: a revoked grant keeps
// the RevokedAt it has, or is stamped now; a grant not revoked has none.
// Backends apply it to every grant they write, so every path that revokes
// (the broker's updates, RevokeGrantsByAccount) dates the revocation.
func (g Grant) WithRevokedAt(now time.Time) Grant {
	switch {
	case !g.Revoked:
		g.RevokedAt = time.Time{}
	case g.RevokedAt.IsZero():
		g.RevokedAt = now
	}
	return g
}

// SweepEarlyAt is when Sweep may delete g before its ExpiresAt:
// RevokedGrantKept after its revocation; zero for a grant not revoked (or
// revoked without a date), which waits for its expiry.
func (g Grant) SweepEarlyAt() time.Time {
	if !g.Revoked || g.RevokedAt.IsZero() {
		return time.Time{}
	}
	return g.RevokedAt.Add(RevokedGrantKept)
}

// SweepEarlyAt is when Sweep may delete o before its ExpiresAt: a
// consumed code (used, burnt by too many tries, or never delivered) is
// refused exactly as a missing one is, so the next Sweep deletes it (its
// CreatedAt has passed); zero for a code still usable.
func (o OTP) SweepEarlyAt() time.Time {
	if !o.Consumed {
		return time.Time{}
	}
	return o.CreatedAt
}

// SweepAt is when Sweep deletes a record that expires at expires and may
// go early at early (zero: no early time): the sooner of the two.
func SweepAt(expires, early time.Time) time.Time {
	if !early.IsZero() && (expires.IsZero() || early.Before(expires)) {
		return early
	}
	return expires
}
