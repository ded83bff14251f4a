package broker

import (
	"context"
	"errors"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/passerelle/passerelle/broker/dormancy"
	"github.com/passerelle/passerelle/store"
)

// createGrant spends a code: it creates the grant and, when the sign-in
// authenticated a new SSO session (complete keeps it in the auth
// request, its cookie already in the browser), that session too, with
// the deletion of the browser's session it replaces, in the same commit.
// A replayed code (ErrAlreadyExists) creates neither.
func (s *opStorage) createGrant(ctx context.Context, g store.Grant, pending *store.Session, replaced []byte) error {
	if pending == nil {
		return s.st.CreateGrant(ctx, g)
	}
	return s.st.CreateGrantWithSession(ctx, g, *pending, replaced)
}

// lockWins takes back what a code just created (the grant revoked, the
// session deleted) when its account was locked, found dormant or signed
// out everywhere (after the code's authentication) while the code was
// out, or cannot be read: such a code gives nothing. It
// reads the account after the creation on purpose. A lock (admin.Lock,
// dormancy's mark, a sign-out everywhere's SignedOutAt) is written before
// the sessions and grants it ends:
// either this read sees it, or the lock was written after the creation
// committed and its ending of the account's sessions and grants ends
// these too.
func (s *opStorage) lockWins(ctx context.Context, g store.Grant, pending *store.Session) error {
	a, err := s.st.GetAccount(ctx, g.AccountID)
	if err == nil && !a.Locked && !dormancy.Dormant(a) && !signedOutSince(a, g.AuthTime) {
		return nil
	}
	s.revokeGrant(ctx, g.ID)
	if pending != nil {
		if err := s.st.DeleteSession(ctx, pending.Hash); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.ErrorContext(ctx, "delete the session of a code refused", "grant", g.ID, "error", err)
		}
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return unavailable(err)
	}
	s.log.WarnContext(ctx, "code redeemed after its account was locked, found dormant or signed out everywhere; grant revoked", "grant", g.ID)
	return oidc.ErrInvalidGrant().WithDescription("the code is invalid or expired")
}

// signedOutSince reports whether a was signed out everywhere at or after
// authTime, which that sign-out therefore ended.
func signedOutSince(a store.Account, authTime time.Time) bool {
	return !a.SignedOutAt.IsZero() && !authTime.After(a.SignedOutAt)
}
