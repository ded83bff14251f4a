package broker

import (
	"context"
	"errors"
	"strings"

	"github.com/passerelle/passerelle/broker/dormancy"
	"github.com/passerelle/passerelle/store"
)

// errClaimsUnchanged ends a claims refresh that has nothing to write.
var errClaimsUnchanged = errors.New("claims unchanged")

// refreshClaims, at a sign-in with a known credential of an upstream
// configured with refresh_claims, writes the email and name that upstream
// gave over the account's (Keycloak's "force" sync mode): a value the
// upstream gives replaces the account's, whoever gave that, and the
// account records that it is this upstream's now (EmailFrom, NameFrom),
// so it reaches relying parties only as that provider's release_claims
// allow. A value the upstream leaves out is kept. The change is audited
// (which fields, never their values); a changed email also sends the
// email-change notice to the address before. Runs after the account is
// found by (provider, subject): these values never find or link one; and
// only once that sign-in has passed the completion gate (dispatch, from
// the auth request's RefreshIdentity): a stolen upstream password alone
// changes nothing. A failure is logged; the sign-in goes on with the
// values as they were.
func (b *Broker) refreshClaims(ctx context.Context, acct store.Account, up *store.UpstreamIdentity) store.Account {
	if u, ok := b.catalog().upstreams[up.Provider]; !ok || !u.RefreshClaims || dormancy.Dormant(acct) {
		return acct
	}
	var changed []string
	var before, after store.Account
	err := b.st.UpdateAccount(ctx, acct.ID, func(a store.Account) (store.Account, error) {
		before, changed = a, nil
		if up.Email != "" && (a.Email != up.Email || a.EmailVerified != up.EmailVerified || a.EmailFrom != up.Provider) {
			a.Email, a.EmailVerified, a.EmailFrom = up.Email, up.EmailVerified, up.Provider
			changed = append(changed, "email")
		}
		if (up.GivenName != "" || up.FamilyName != "") &&
			(a.GivenName != up.GivenName || a.FamilyName != up.FamilyName || a.NameFrom != up.Provider) {
			a.GivenName, a.FamilyName, a.NameFrom = up.GivenName, up.FamilyName, up.Provider
			changed = append(changed, "name")
		}
		if len(changed) == 0 {
			return a, errClaimsUnchanged
		}
		after = a
		return a, nil
	})
	if errors.Is(err, errClaimsUnchanged) {
		return acct
	}
	if err != nil {
		b.log.ErrorContext(ctx, "refresh claims from the upstream", "provider", up.Provider, "account", acct.ID, "error", err)
		return acct
	}
	b.audits.record(ctx, "account.claims", acct.ID, "", "success",
		map[string]string{"provider": up.Provider, "changed": strings.Join(changed, " ")})
	if before.Email != "" && before.Email != after.Email {
		b.audits.notices.EmailChanged(ctx, before)
	}
	return after
}
