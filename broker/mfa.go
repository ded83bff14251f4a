package broker

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/mfa/emailotp"
	"github.com/passerelle/passerelle/store"
)

// Second factors. Every sign-in needs one: the upstream authenticates the
// person, Passerelle's own factor (authenticator app, email code,
// security key, recovery code) raises the assurance to what the client
// needs. The dispatcher asks for it when what this request or the SSO
// session reached does not satisfy the required acr:
//
//	required = max(client default acr, lowest known acr the request asks for)
//
// so a request's acr_values can raise the bar (step-up) but never lower
// it below the client's default, and the returned acr is the level
// reached, which is at or above what was asked (OIDC Core §3.1.2.1).

// acrPolicy decides the level a request needs and the factor kinds that
// reach it.
type acrPolicy struct {
	ladder  mfa.Ladder
	factors *mfa.Registry
}

// requiredACR is the level this request needs; ok is false when the
// client's accepted factors cannot reach it (a policy no one can meet).
func (p acrPolicy) requiredACR(c *client, ar *store.AuthRequest) (string, bool) {
	req := c.MFA.ACR
	if req == "" {
		req = p.ladder.Lowest() // the level of a client that names none
	}
	lowest := ""
	for _, v := range ar.ACRValues {
		if p.ladder.Rank(v) >= 0 && (lowest == "" || p.ladder.Rank(v) < p.ladder.Rank(lowest)) {
			lowest = v
		}
	}
	if lowest != "" && p.ladder.Rank(lowest) > p.ladder.Rank(req) {
		req = lowest
	}
	return req, len(p.usableKinds(c, req)) > 0
}

// usableKinds are the factor kinds that are on, that a person sets up
// (recovery codes are the fallback of last resort, offered separately),
// that the client accepts and that reach want.
func (p acrPolicy) usableKinds(c *client, want string) []string {
	strong := p.ladder.KindsFor(want)
	var out []string
	for _, k := range p.factors.Enrollable() {
		if slices.Contains(strong, k) && (len(c.MFA.Factors) == 0 || slices.Contains(c.MFA.Factors, k)) {
			out = append(out, k)
		}
	}
	return out
}

// factorUse says how a factor took part in a request.
type factorUse int

const (
	factorAnswered  factorUse = iota // one of the account's factors, answered
	factorEnrolled                   // set up in this request
	factorRecovered                  // a recovery code
)

// record records on the auth request (a pending change, written with
// the next step's write) what a factor did, and clears the factors'
// per-request state. What it is worth is the completion gate's decision;
// the SSO session learns it at completion.
func (p mfaPages) record(f *flow, kind string, use factorUse) {
	f.change(func(a *store.AuthRequest) {
		switch use {
		case factorAnswered:
			a.MFA.Verified = appendNew(a.MFA.Verified, kind)
		case factorEnrolled:
			a.MFA.Enrolled = appendNew(a.MFA.Enrolled, kind)
			a.AddKind = ""
		case factorRecovered:
			a.MFA.Recovered = true
		}
		a.AMR = mfa.MergeAMR(a.AMR, p.factors.AMR(kind))
		a.FactorState = nil
	})
}

func appendNew(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// upgrade records a completed request in the browser's SSO session: its
// client joins the session's clients (told at logout), and the session
// rises to what the request reached, so later requests within the
// session need no factor.
func (j *sessions) upgrade(ctx context.Context, r *http.Request, sid, clientID, acr string, amr, factors []string) error {
	cur, hash, ok := j.current(ctx, r)
	known := clientID == accountClientID || slices.Contains(cur.Clients, clientID)
	if !ok || (known && len(factors) == 0) {
		return nil // nothing to write: SSO for a client the session has
	}
	err := j.st.UpdateSession(ctx, hash, func(s store.Session) (store.Session, error) {
		if s.ID != sid {
			return s, errNotThisSession
		}
		if j.ladder.Rank(acr) > j.ladder.Rank(s.ACR) {
			s.ACR = acr
		}
		s.AMR = mfa.MergeAMR(s.AMR, amr)
		if clientID != accountClientID {
			s.Clients = appendNew(s.Clients, clientID)
		}
		for _, k := range factors {
			s.Factors = appendNew(s.Factors, k)
		}
		return s, nil
	})
	if errors.Is(err, errNotThisSession) || errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

var errNotThisSession = errors.New("the browser's session is not the request's")

// maskEmail shows enough of an address for a person to recognise it.
func maskEmail(addr string) string { return emailotp.Mask(addr) }
