package broker

import (
	"net/http"
	"slices"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/providers"
	"github.com/passerelle/passerelle/store"
)

// upstreamDemand is the assurance a sign-in asks of the upstream id: the
// ladder's values at or above the client's required level (its policy,
// raised by acr_values), when that is above the lowest level a factor
// reaches (every sign-in's floor, mfa.Ladder.Lowest) and the
// provider can be asked for one of them (providers.AssuranceProvider:
// its acr mapping gives one). nil otherwise: the second factor alone
// then brings the level, as before. The
// same inputs give the same demand at the leg's start and at its
// callback, so nothing is stored for it.
func (b *Broker) upstreamDemand(f *flow, id string) []string {
	ap, ok := b.catalog().upstreams[id].Provider.(providers.AssuranceProvider)
	if !ok {
		return nil
	}
	required, _ := b.policy.requiredACR(f.client, &f.ar)
	rank := b.ladder.Rank(required)
	if rank <= b.ladder.Rank(b.ladder.Lowest()) {
		return nil // the floor every factor reaches: nothing to hold the upstream to
	}
	demand := b.ladder.Values()[rank:]
	if !ap.Assures(demand) {
		return nil
	}
	return demand
}

// belowDemand stops a sign-in whose upstream answered below what it was
// asked (seed 003: a basic account where a proven identity is needed):
// a page says so and offers to sign in again, possibly another way; the
// attempt is audited and nothing reaches the client. Never a silent
// downgrade to what the upstream gave.
func (b *Broker) belowDemand(w http.ResponseWriter, r *http.Request, f *flow, pid, got string) {
	b.log.WarnContext(r.Context(), "upstream answered below the level asked", "provider", pid, "acr", got, "auth_request", f.ar.ID)
	b.audits.record(r.Context(), "signin", "", f.ar.ClientID, "upstream_assurance", map[string]string{"provider": pid, "acr": got})
	lang := b.pages.lang(r, &f.ar)
	up := b.catalog().upstreams[pid]
	title := b.ui.T(lang, "error.upstream_assurance.title")
	b.ui.Render(w, r, http.StatusForbidden, lang, ui.PageError, &ui.ErrorData{
		Common:  ui.Common{Title: title, Path: r.URL.Path},
		Heading: title, Message: b.ui.T(lang, "error.upstream_assurance.message", name(up.Name, lang, pid)),
		RetryURL: f.stepURL(), Reference: requestRef(r),
	})
}

// meetsDemand reports whether the upstream's answer, mapped to the
// ladder (UpstreamIdentity.ACR), is one the sign-in asked for.
func meetsDemand(demand []string, up *store.UpstreamIdentity) bool {
	return demand == nil || slices.Contains(demand, up.ACR)
}
