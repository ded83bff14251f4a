package broker

import (
	"context"
	"errors"
	"net/http"

	"github.com/passerelle/passerelle/broker/dormancy"
	"github.com/passerelle/passerelle/broker/journey"
	"github.com/passerelle/passerelle/store"
)

// accountState fills in the dispatcher's facts about the sign-in's
// account: locked, dormant, whether the client's policy can be met and
// whether the completion gate is passed.
func (b *Broker) accountState(st *journey.State, f *flow, acct store.Account) {
	st.Locked = acct.Locked
	st.Dormant = dormancy.Dormant(acct)
	_, st.PolicyOK = b.policy.requiredACR(f.client, &f.ar)
	_, st.GatePassed = b.passed(f)
}

// dormantPage stops a sign-in at a dormant account: the page says what
// happened and whom to contact (accounts.contact), and the attempt is
// audited. Nothing reaches the client.
func (b *Broker) dormantPage(w http.ResponseWriter, r *http.Request, ar *store.AuthRequest) {
	b.audits.record(r.Context(), "signin", ar.AccountID, ar.ClientID, "dormant", map[string]string{"provider": ar.Provider})
	b.pages.errorWith(w, r, http.StatusForbidden, ar, errDormant, b.cfg.Accounts.Contact)
}

// markedDormant audits an account the dormancy marker marked.
func (b *Broker) markedDormant(ctx context.Context, accountID, by string) {
	b.audits.record(ctx, "account.dormant", accountID, "", "marked", map[string]string{"by": by})
}

// sweepDormant runs one bounded dormancy pass from cursor and returns the
// next cursor.
func (b *Broker) sweepDormant(ctx context.Context, cursor string) string {
	next, n, err := b.dormancy.Pass(ctx, cursor)
	if err != nil && !errors.Is(err, context.Canceled) {
		b.log.Error("mark dormant accounts", "error", err)
	} else if n > 0 {
		b.log.Info("marked dormant accounts", "count", n)
	}
	return next
}
