package saml

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"

	crewsaml "github.com/crewjam/saml"

	"github.com/passerelle/passerelle/providers"
)

// Single Logout, both ways, by HTTP-Redirect with signed query strings
// (saml-profiles-2.0-os §4.4; saml-bindings-2.0-os §3.4.4.1).
//
// Passerelle-initiated: when a person logs out at /end_session, the
// broker calls StartLogout with the NameID (Subject) and SessionIndex it
// kept on the session; the person goes to the IdP with a signed
// LogoutRequest whose ID is derived from the broker's relay state, and
// the IdP's LogoutResponse comes back to the SLO route (Base+"slo"),
// which checks it (HandleLogoutResponse) and hands it to the broker
// (LogoutHost.LogoutDone).
//
// IdP-initiated: HandleLogoutRequest checks the IdP's signed
// LogoutRequest at the SLO route and returns whose sessions to end; once
// the broker has ended them (LogoutHost.EndSessions), LogoutResponseURL
// answers the IdP.

var _ providers.LogoutProvider = (*Provider)(nil)

// logoutRequestID is the ID of the LogoutRequest sent with relayState.
// The broker's relay state is unguessable and bound to the browser, so
// deriving the ID from it lets HandleLogoutResponse check InResponseTo
// without keeping anything.
func logoutRequestID(relayState string) string {
	sum := sha256.Sum256([]byte("passerelle saml logout\x00" + relayState))
	return "_" + hex.EncodeToString(sum[:20])
}

// StartLogout returns the IdP's SLO URL carrying a signed LogoutRequest
// for the sign-in (subject, sessionIndex) (providers.LogoutProvider).
func (p *Provider) StartLogout(ctx context.Context, subject, sessionIndex, relayState string) (string, error) {
	sp, err := p.serviceProvider(ctx)
	if err != nil {
		return "", err
	}
	n, err := p.nameIDOf(subject, sp.IDPMetadata.EntityID, sp.EntityID)
	if err != nil {
		return "", err
	}
	to, _, err := p.LogoutURL(ctx, Session{NameID: n, SessionIndex: sessionIndex}, relayState)
	return to, err
}

// LogoutURL returns the IdP's SLO URL carrying a signed LogoutRequest for
// session, and the request's ID (logoutRequestID of relayState).
func (p *Provider) LogoutURL(ctx context.Context, s Session, relayState string) (to, id string, err error) {
	sp, err := p.serviceProvider(ctx)
	if err != nil {
		return "", "", err
	}
	dest := sp.GetSLOBindingLocation(crewsaml.HTTPRedirectBinding)
	if dest == "" {
		return "", "", fmt.Errorf("%w: provider %s: the IdP metadata has no HTTP-Redirect SLO endpoint", providers.ErrUpstream, p.id)
	}
	id = logoutRequestID(relayState)
	name := func(r *crewsaml.LogoutRequest) {
		r.ID = id
		r.NameID.NameQualifier, r.NameID.SPNameQualifier = s.NameID.NameQualifier, s.NameID.SPNameQualifier
	}
	opts := []crewsaml.LogoutRequestOption{name}
	if s.SessionIndex != "" {
		opts = append(opts, crewsaml.WithSessionIndex(s.SessionIndex))
	}
	req, err := sp.MakeLogoutRequest(dest, s.NameID.Value, opts...)
	if err != nil {
		return "", "", fmt.Errorf("%w: provider %s: LogoutRequest: %w", providers.ErrUpstream, p.id, err)
	}
	u, err := sp.RedirectLogoutRequestURL(req, relayState)
	if err != nil {
		return "", "", fmt.Errorf("%w: provider %s: LogoutRequest: %w", providers.ErrUpstream, p.id, err)
	}
	return u.String(), id, nil
}

// HandleLogoutResponse checks the IdP's LogoutResponse to the request
// requestID: signed by the IdP, for this SP, in response to that request.
// A status other than Success (the IdP could not end every session) is
// ErrDenied.
func (p *Provider) HandleLogoutResponse(ctx context.Context, r *http.Request, requestID string) error {
	sp, err := p.serviceProvider(ctx)
	if err != nil {
		return err
	}
	resp, err := sp.ParseLogoutResponse(r, []string{requestID})
	if err != nil {
		_, _, err = p.refused(err, nil)
		return err
	}
	if resp.Status.StatusCode.Value != crewsaml.StatusSuccess {
		return fmt.Errorf("%w: provider %s: logout status %s", providers.ErrDenied, p.id, resp.Status.StatusCode.Value)
	}
	return nil
}

// LogoutRequest is an IdP's request to end a person's sessions.
type LogoutRequest struct {
	ID string
	// NameID is the person, with its qualifiers defaulted as in
	// HandleResponse, so NameID.Subject() is the linked upstream subject.
	NameID NameID
	// SessionIndexes are the upstream sessions to end (none: all of them).
	SessionIndexes []string
	RelayState     string
}

// HandleLogoutRequest checks the IdP's LogoutRequest (signed, Destination,
// Issuer, NotOnOrAfter, IssueInstant, replay of its ID) and returns it.
func (p *Provider) HandleLogoutRequest(ctx context.Context, r *http.Request) (LogoutRequest, error) {
	sp, err := p.serviceProvider(ctx)
	if err != nil {
		return LogoutRequest{}, err
	}
	req, err := sp.ValidateLogoutRequest(r)
	if err != nil {
		_, _, err = p.refused(err, nil)
		return LogoutRequest{}, err
	}
	if req.NameID == nil {
		return LogoutRequest{}, fmt.Errorf("%w: provider %s: LogoutRequest names nobody", providers.ErrUpstream, p.id)
	}
	n, err := qualified(req.NameID.Value, req.NameID.NameQualifier, req.NameID.SPNameQualifier, sp.IDPMetadata.EntityID, sp.EntityID)
	if err != nil {
		return LogoutRequest{}, fmt.Errorf("%w: provider %s: LogoutRequest: %w", providers.ErrUpstream, p.id, err)
	}
	out := LogoutRequest{ID: req.ID, NameID: n, RelayState: r.FormValue("RelayState")}
	for _, si := range req.AllSessionIndexes() {
		out.SessionIndexes = append(out.SessionIndexes, si.Value)
	}
	return out, nil
}

// LogoutResponseURL answers the IdP's LogoutRequest requestID with a signed
// LogoutResponse: Success when ended, else PartialLogout.
func (p *Provider) LogoutResponseURL(ctx context.Context, requestID, relayState string, ended bool) (string, error) {
	sp, err := p.serviceProvider(ctx)
	if err != nil {
		return "", err
	}
	status := crewsaml.Status{StatusCode: crewsaml.StatusCode{Value: crewsaml.StatusSuccess}}
	if !ended {
		status.StatusCode = crewsaml.StatusCode{Value: crewsaml.StatusResponder,
			StatusCode: &crewsaml.StatusCode{Value: "urn:oasis:names:tc:SAML:2.0:status:PartialLogout"}}
	}
	u, err := sp.MakeRedirectLogoutResponseWithStatus(requestID, relayState, status)
	if err != nil {
		return "", fmt.Errorf("%w: provider %s: LogoutResponse: %w", providers.ErrUpstream, p.id, err)
	}
	return u.String(), nil
}
