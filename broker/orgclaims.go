package broker

import (
	"context"
	"errors"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/passerelle/passerelle/broker/steps/organization"
	"github.com/passerelle/passerelle/orgs"
	"github.com/passerelle/passerelle/store"
)

// Organization claims: the sign-in's chosen organization travels on the
// auth request (the organization step's state), then on the grant
// (store.Grant.Org); the person's roles in it are read from the store at
// every answer, so a removal or a change of role applies to the next ID
// token, userinfo or introspection. The claims go only to the client
// whose organization it is: the lookup is scoped to that client.
//
// The org claim is an object, {"id": ..., "number": ...} (number: the
// client's own external number, when the organization has one), so a
// relying party finds the business or institution in its own register;
// the roles claim is the list of role IDs of the client's table held
// there (one today).

// errOrgGone refuses a refresh whose organization the person no longer
// belongs to: the relying party must not keep acting for it.
var errOrgGone = errors.New("the person no longer belongs to the organization of this grant")

// orgOf is the organization chosen in an auth request, if any.
func orgOf(ar *store.AuthRequest) string {
	return organization.Chosen(ar.Steps[organization.Name])
}

// orgClaims adds the org and roles claims of orgID to ui. strict refuses
// (errOrgGone) when the person no longer belongs to it; otherwise the
// claims are left out.
func (s *opStorage) orgClaims(ctx context.Context, ui *oidc.UserInfo, clientID, accountID, orgID string, strict bool) error {
	if orgID == "" {
		return nil
	}
	cfg, err := s.orgs.Config(ctx, clientID)
	switch {
	case errors.Is(err, orgs.ErrNoOrganizations):
		return nil
	case err != nil:
		return unavailable(err)
	}
	o, err := s.st.GetOrganization(ctx, clientID, orgID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return unavailable(err)
	}
	role := o.Role(accountID, cfg.Owner)
	if err != nil || role == "" || o.Status != store.OrgActive {
		if strict {
			return errOrgGone
		}
		return nil
	}
	org := map[string]string{"id": o.ID}
	if o.ExternalNumber != "" {
		org["number"] = o.ExternalNumber
	}
	ui.AppendClaims(cfg.Claims.Org, org)
	ui.AppendClaims(cfg.Claims.Roles, []string{role})
	return nil
}

// orgsOf is the organizations configuration of each configured client.
func orgsOf(cfgs []ClientConfig) map[string]*orgs.Config {
	out := map[string]*orgs.Config{}
	for _, c := range cfgs {
		if c.Organizations != nil {
			out[c.ID] = c.Organizations
		}
	}
	return out
}
