package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/store"
)

// The demo's dormant account (seed 002: a URN expires after two years
// without a sign-in): robin at Maple Bank, last used three years before
// the demo starts, so robin's next sign-in stops on the dormant page.
const (
	demoDormantUser     = "robin"
	demoDormantUpstream = "bank-a"
)

// demoAccounts is the demo's accounts section: the trusted-trader
// portal's two years, and a contact.
var demoAccounts = broker.AccountsConfig{DormantAfter: 2 * 365 * 24 * time.Hour, Contact: map[string]string{
	"en": "the demo's support desk, 1-800-555-0100 (a demonstration number)",
	"fr": "le soutien de la démo, 1-800-555-0100 (un numéro de démonstration)",
}}

// seedDormant creates robin's account, linked to subject at Maple Bank
// and last used three years ago, unless that credential is linked
// already (a demo restarted on the same data with the same upstream).
func seedDormant(ctx context.Context, st store.Store, subject string) error {
	if _, err := st.GetLink(ctx, demoDormantUpstream, subject); err == nil {
		return nil
	}
	long := time.Now().Add(-3 * 365 * 24 * time.Hour)
	a := store.Account{ID: "demo-dormant-" + subject[:8], URN: broker.NewURN(), CreatedAt: long, LastLoginAt: long}
	err := st.CreateAccount(ctx, a, store.Link{Provider: demoDormantUpstream, Subject: subject, AccountID: a.ID, CreatedAt: long})
	if err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		return fmt.Errorf("demo dormant account: %w", err)
	}
	return nil
}

// The demo's Quebec service tells a basic identity from a proven one
// (seed 003): sam's is proven, everyone else's basic; its acr_map makes
// them loa2 and loa3, so a relying party that needs loa3 sends the person
// there asking for the proven level, and a basic answer is refused.
const demoProvenACR = "urn:demo:quebec:identity:proven"

var demoQuebecACR = map[string]string{
	"urn:gc-ca:cyber-auth:assurance:loa2": "urn:gc-ca:cyber-auth:assurance:loa2",
	demoProvenACR:                         "urn:gc-ca:cyber-auth:assurance:loa3",
}
