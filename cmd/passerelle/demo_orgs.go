package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/orgs"
	"github.com/passerelle/passerelle/store"
)

// The demo's businesses (seed 002). The trusted-trader portal asks which
// business the person acts for; the demo's register holds businesses
// awaiting activation, one of which a visitor activates: they ask for a
// code by client number, the letter "arrives" in the demo outbox, and
// they enter the code. Opening the outbox runs the operator's export
// (orgs.Service.Letters, passerelle orgs letters in a deployment) and
// delivers each new letter there: the demo's mail house.

// demoBusinesses are the register's businesses awaiting activation, by
// client number.
var demoBusinesses = []struct{ number, en, fr string }{
	{"100000001RM0001", "Maple Imports Inc.", "Importations Érable inc."},
	{"100000002RM0001", "Northern Freight Ltd.", "Fret du Nord ltée"},
	{"100000003RM0001", "Harbour Customs Brokers", "Courtiers en douane du Port"},
	{"100000004RM0001", "Prairie Exports Co.", "Exportations des Prairies cie"},
}

// demoMailHouse registers the demo's businesses (those missing) and
// returns the outbox handler that runs the export first.
func demoMailHouse(ctx context.Context, st store.Store, clientID string, table *orgs.Config, outbox *notify.Outbox,
	logger *slog.Logger) (http.Handler, error) {
	audit := func(ctx context.Context, kind, accountID, clientID, outcome string, d map[string]string) {
		e := store.AuditEvent{ID: fmt.Sprintf("demo-%d", time.Now().UnixNano()), Time: time.Now(), Kind: kind, AccountID: accountID,
			ClientID: clientID, Actor: "demo", Outcome: outcome, Detail: d}
		if err := st.AppendAudit(ctx, e); err != nil {
			logger.ErrorContext(ctx, "demo audit", "error", err)
		}
	}
	svc := orgs.New(st, func(id string) (*orgs.Config, bool) { return table, id == clientID }, time.Now, audit)
	for _, b := range demoBusinesses {
		_, err := svc.Create(ctx, clientID, map[string]string{"en": b.en, "fr": b.fr}, b.number, store.OrgPending)
		if err != nil && !errors.Is(err, store.ErrAlreadyExists) {
			return nil, fmt.Errorf("demo businesses: %w", err)
		}
	}
	show := outbox.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		letters, err := svc.Letters(r.Context(), clientID)
		if err != nil {
			logger.ErrorContext(r.Context(), "demo letters", "error", err)
		}
		for _, l := range letters {
			_ = outbox.Send(r.Context(), notify.Message{To: "Mail house / Maison d’envoi: " + l.Names["en"] + " (" + l.Number + ")",
				Subject: "Activation letter / Lettre d’activation",
				Text: fmt.Sprintf("Client number / Numéro de client: %s\nActivation code / Code d’activation: %s\nExpires / Expire: %s\n",
					l.Number, l.Code, l.ExpiresAt.Format("2006-01-02"))})
		}
		show.ServeHTTP(w, r)
	}), nil
}
