package saml

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	crewsaml "github.com/crewjam/saml"

	"github.com/passerelle/passerelle/providers"
)

// Session is what Single Logout needs of one upstream sign-in: who, and
// the IdP's SessionIndex.
type Session struct {
	NameID       NameID
	SessionIndex string
}

// HandleCallback checks the HTTP-POST Response at the ACS
// (leg.CallbackURL) and returns the person's identity.
func (p *Provider) HandleCallback(r *http.Request, leg providers.Leg) (providers.Identity, error) {
	ident, _, err := p.HandleResponse(r.Context(), leg, r)
	return ident, err
}

// HandleResponse is HandleCallback returning the upstream session too,
// which the broker keeps for Single Logout.
//
// The checks, in order: POST with a RelayState that is this leg's state;
// a bounded, DTD-free document addressed to the ACS with exactly one assertion, encrypted
// unless the configuration allows otherwise (guard); then the library's
// own (crewjam/saml ParseXMLResponse): a signature by the IdP's metadata
// key over the Response or the assertion, the rest read only from the
// signed element; Destination, Issuer, Status, InResponseTo equal to this
// leg's request ID, Recipient, Audience, NotBefore/NotOnOrAfter within
// the library's 180 s bound, AuthnContextClassRef one of the requested
// levels, and the assertion ID consumed in the replay cache; then this
// provider's: the configured skew, a persistent NameID whose qualifiers
// are the IdP's and this SP's, and the level mapped to an acr.
func (p *Provider) HandleResponse(ctx context.Context, leg providers.Leg, r *http.Request) (providers.Identity, Session, error) {
	fail := func(kind error, format string, args ...any) (providers.Identity, Session, error) {
		return providers.Identity{}, Session{}, fmt.Errorf("%w: provider %s: %s", kind, p.id, fmt.Sprintf(format, args...))
	}
	if r.Method != http.MethodPost {
		return fail(providers.ErrState, "the ACS takes HTTP-POST only, got %s", r.Method)
	}
	if r.PostForm == nil {
		r.Body = http.MaxBytesReader(nil, r.Body, maxFormSize)
		if err := r.ParseForm(); err != nil {
			return fail(providers.ErrUpstream, "form: %v", err)
		}
	}
	relay := r.PostForm.Get("RelayState")
	if leg.State == "" || subtle.ConstantTimeCompare([]byte(relay), []byte(leg.State)) != 1 {
		return fail(providers.ErrState, "RelayState is not this sign-in's")
	}
	encoded := r.PostForm.Get("SAMLResponse")
	if len(encoded) > base64.StdEncoding.EncodedLen(maxResponseSize) {
		return fail(providers.ErrUpstream, "SAMLResponse larger than %d bytes", maxResponseSize)
	}
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil || len(raw) == 0 {
		return fail(providers.ErrUpstream, "SAMLResponse is not base64")
	}
	sp, err := p.serviceProvider(ctx)
	if err != nil {
		return providers.Identity{}, Session{}, err
	}
	if err := guard(raw, sp.AcsURL.String(), !p.cfg.AllowUnencrypted); err != nil {
		return fail(providers.ErrUpstream, "%v", err)
	}
	a, err := sp.ParseXMLResponse(raw, []string{requestID(leg)}, sp.AcsURL)
	if err != nil {
		return p.refused(err, raw)
	}
	return p.accept(a, sp.IDPMetadata.EntityID, sp.EntityID)
}

// refused classifies a library refusal of the Response raw: a Status
// other than Success is a denial (the person cancelled), one whose
// second-level status is NoAuthnContext (the IdP could not reach the
// level asked) ErrBelowLevel; anything else an invalid response. The
// detail goes to the log only.
func (p *Provider) refused(err error, raw []byte) (providers.Identity, Session, error) {
	detail := err
	var ire *crewsaml.InvalidResponseError
	if errors.As(err, &ire) && ire.PrivateErr != nil {
		detail = ire.PrivateErr
	}
	var bad crewsaml.ErrBadStatus
	if errors.As(detail, &bad) {
		if sub := secondStatus(raw); sub == crewsaml.StatusNoAuthnContext {
			return providers.Identity{}, Session{}, fmt.Errorf("%w: provider %s: status %s, %s", providers.ErrBelowLevel, p.id, bad.Status, sub)
		}
		return providers.Identity{}, Session{}, fmt.Errorf("%w: provider %s: status %s", providers.ErrDenied, p.id, bad.Status)
	}
	return providers.Identity{}, Session{}, fmt.Errorf("%w: provider %s: message refused: %w", providers.ErrUpstream, p.id, detail)
}

// accept makes this provider's own checks on an assertion the library
// accepted, and reads the identity from it.
func (p *Provider) accept(a *crewsaml.Assertion, idpEntityID, spEntityID string) (providers.Identity, Session, error) {
	fail := func(format string, args ...any) (providers.Identity, Session, error) {
		return providers.Identity{}, Session{}, fmt.Errorf("%w: provider %s: %s", providers.ErrUpstream, p.id, fmt.Sprintf(format, args...))
	}
	now, skew := p.now(), p.cfg.ClockSkew
	if c := a.Conditions; c != nil {
		if !c.NotBefore.IsZero() && now.Add(skew).Before(c.NotBefore) {
			return fail("assertion not valid before %s", c.NotBefore)
		}
		if !c.NotOnOrAfter.IsZero() && !now.Add(-skew).Before(c.NotOnOrAfter) {
			return fail("assertion expired at %s", c.NotOnOrAfter)
		}
	}
	for _, sc := range a.Subject.SubjectConfirmations {
		if d := sc.SubjectConfirmationData; d != nil && !d.NotOnOrAfter.IsZero() && !now.Add(-skew).Before(d.NotOnOrAfter) {
			return fail("subject confirmation expired at %s", d.NotOnOrAfter)
		}
	}
	n := a.Subject.NameID
	if n == nil || n.Format != string(crewsaml.PersistentNameIDFormat) {
		return fail("NameID is not persistent")
	}
	id, err := qualified(n.Value, n.NameQualifier, n.SPNameQualifier, idpEntityID, spEntityID)
	if err != nil {
		return fail("%v", err)
	}
	st := a.AuthnStatements[0]
	if len(st.SessionIndex) > maxNameID {
		return fail("SessionIndex longer than %d characters", maxNameID)
	}
	level := st.AuthnContext.AuthnContextClassRef
	if level == nil || !slices.Contains(p.cfg.Levels, level.Value) {
		return fail("AuthnContextClassRef is not a requested level")
	}
	acr := p.cfg.acrFor(level.Value)
	ident := providers.Identity{Subject: id.Subject(), ACR: acr, AMR: slices.Clone(p.cfg.AMR), AuthTime: st.AuthnInstant,
		SessionIndex: st.SessionIndex}
	if ident.AuthTime.After(now.Add(skew)) {
		ident.AuthTime = time.Time{}
	}
	return ident, Session{NameID: id, SessionIndex: st.SessionIndex}, nil
}

// secondStatus is the second-level status code of a Response the library
// refused for its Status (saml-core-2.0-os §3.2.2.2; the library reports
// the top level only), "" when it has none. It only picks the page a
// failed sign-in shows, so it needs no signature.
func secondStatus(raw []byte) string {
	var resp struct {
		Status struct {
			StatusCode struct {
				StatusCode struct {
					Value string `xml:"Value,attr"`
				} `xml:"StatusCode"`
			} `xml:"StatusCode"`
		} `xml:"Status"`
	}
	if xml.Unmarshal(raw, &resp) != nil {
		return ""
	}
	return resp.Status.StatusCode.StatusCode.Value
}
