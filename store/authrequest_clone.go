package store

import (
	"maps"
	"slices"
)

// Clone is a deep copy of a: it shares no slice, map or pointer with a,
// so a table that keeps auth requests in memory (store/bolt) hands one
// out and takes one back without a JSON round trip, and no caller's
// later change reaches the table. TestAuthRequestCloneSharesNothing
// fails when a field that holds a reference is added and not copied
// here.
func (a AuthRequest) Clone() AuthRequest {
	a.Scopes = slices.Clone(a.Scopes)
	a.Prompt = slices.Clone(a.Prompt)
	a.MaxAge = clonePtr(a.MaxAge)
	a.UILocales = slices.Clone(a.UILocales)
	a.ACRValues = slices.Clone(a.ACRValues)
	a.Browser = slices.Clone(a.Browser)
	a.Claims = ClaimsRequest{IDToken: slices.Clone(a.Claims.IDToken), UserInfo: slices.Clone(a.Claims.UserInfo)}
	a.Legs = cloneBytesMap(a.Legs)
	a.AMR = slices.Clone(a.AMR)
	a.CodeHash = slices.Clone(a.CodeHash)
	a.PendingSession = a.PendingSession.clone()
	a.ReplacedSession = slices.Clone(a.ReplacedSession)
	a.Upstream = clonePtr(a.Upstream)
	a.MFA.Verified = slices.Clone(a.MFA.Verified)
	a.MFA.Enrolled = slices.Clone(a.MFA.Enrolled)
	a.MFA.Lost = slices.Clone(a.MFA.Lost)
	a.MFA.Session = slices.Clone(a.MFA.Session)
	a.MFA.UnsavedCodes = slices.Clone(a.MFA.UnsavedCodes)
	a.FactorState = cloneBytesMap(a.FactorState)
	a.NewIdentity = a.NewIdentity.clone()
	a.RefreshIdentity = a.RefreshIdentity.clone()
	a.Steps = cloneBytesMap(a.Steps)
	return a
}

// clone is a deep copy of i, nil when i is.
func (i *UpstreamIdentity) clone() *UpstreamIdentity {
	if i == nil {
		return nil
	}
	c := *i
	c.AMR = slices.Clone(i.AMR)
	return &c
}

// clone is a deep copy of s, nil when s is.
func (s *Session) clone() *Session {
	if s == nil {
		return nil
	}
	c := *s
	c.Hash = slices.Clone(s.Hash)
	c.AMR = slices.Clone(s.AMR)
	c.Factors = slices.Clone(s.Factors)
	c.Clients = slices.Clone(s.Clients)
	c.Upstream = clonePtr(s.Upstream)
	return &c
}

// clonePtr is a copy of *p at a new address, nil when p is; for types
// that hold no reference.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

// cloneBytesMap is a copy of m whose values are copies too; nil when m is.
func cloneBytesMap[M ~map[string]V, V ~[]byte](m M) M {
	c := maps.Clone(m)
	for k, v := range c {
		c[k] = slices.Clone(v)
	}
	return c
}
