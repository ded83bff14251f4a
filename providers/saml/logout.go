package saml

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	crewsaml "github.com/crewjam/saml"

	"github.com/passerelle/passerelle/providers"
)

// Single Logout, both ways, by HTTP-Redirect with signed query strings
// (saml-profiles-2.0-os §4.4; saml-bindings-2.0-os §3.4.4.1).
//
// Passerelle-initiated: LogoutURL sends the person to the IdP with a
// LogoutRequest naming the upstream session (NameID triple and
// SessionIndex kept from HandleResponse); the broker keeps the returned
// request ID and passes it to HandleLogoutResponse when the IdP answers
// at the SLO route (Base+"slo").
//
// IdP-initiated: HandleLogoutRequest checks the IdP's signed
// LogoutRequest at the SLO route (Base+"slo") and returns who to sign out; once the
// broker has ended its sessions, LogoutResponseURL answers the IdP.

// LogoutURL returns the IdP's SLO URL carrying a signed LogoutRequest for
// session, and the request's ID.
func (p *Provider) LogoutURL(ctx context.Context, s Session, relayState string) (to, id string, err error) {
	sp, err := p.serviceProvider(ctx)
	if err != nil {
		return "", "", err
	}
	dest := sp.GetSLOBindingLocation(crewsaml.HTTPRedirectBinding)
	if dest == "" {
		return "", "", fmt.Errorf("%w: provider %s: the IdP metadata has no HTTP-Redirect SLO endpoint", providers.ErrUpstream, p.id)
	}
	qualify := func(r *crewsaml.LogoutRequest) {
		r.NameID.NameQualifier, r.NameID.SPNameQualifier = s.NameID.NameQualifier, s.NameID.SPNameQualifier
	}
	req, err := sp.MakeLogoutRequest(dest, s.NameID.Value, qualify, crewsaml.WithSessionIndex(s.SessionIndex))
	if err != nil {
		return "", "", fmt.Errorf("%w: provider %s: LogoutRequest: %w", providers.ErrUpstream, p.id, err)
	}
	u, err := sp.RedirectLogoutRequestURL(req, relayState)
	if err != nil {
		return "", "", fmt.Errorf("%w: provider %s: LogoutRequest: %w", providers.ErrUpstream, p.id, err)
	}
	return u.String(), req.ID, nil
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
		_, _, err = p.refused(err)
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
		_, _, err = p.refused(err)
		return LogoutRequest{}, err
	}
	if req.NameID == nil || req.NameID.Value == "" {
		return LogoutRequest{}, fmt.Errorf("%w: provider %s: LogoutRequest names nobody", providers.ErrUpstream, p.id)
	}
	n := NameID{Value: req.NameID.Value, NameQualifier: req.NameID.NameQualifier, SPNameQualifier: req.NameID.SPNameQualifier}
	if n.NameQualifier == "" {
		n.NameQualifier = sp.IDPMetadata.EntityID
	}
	if n.SPNameQualifier == "" {
		n.SPNameQualifier = sp.EntityID
	}
	if n.NameQualifier != sp.IDPMetadata.EntityID || n.SPNameQualifier != sp.EntityID {
		return LogoutRequest{}, errors.Join(providers.ErrUpstream, fmt.Errorf("provider %s: LogoutRequest NameID qualifiers name another IdP or SP", p.id))
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
