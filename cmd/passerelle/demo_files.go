package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/broker/steps/legacy"
	"github.com/passerelle/passerelle/broker/steps/record"
	"github.com/passerelle/passerelle/internal/demorp"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/store"
)

// The demo's IP office (seed 000) and certificate office (seed 003): the
// first has legacy accounts, the second a record file, both imported at
// each start through the same operations as `passerelle legacy import`
// and `passerelle records import` (a file imported again replaces what an
// earlier start imported).

// demoLegacyCSV is the IP office's former accounts: a PBKDF2 hash (from
// Python's hashlib) and a bcrypt one (from htpasswd).
const demoLegacyCSV = `legacy_id,username,password_hash,email
OPIC-100234,marie.tremblay,$pbkdf2-sha256$i=210000$b3BpYy1zZWwtMjAxOQ$WhRgMfZvohnrhSXoSXcLyKROARLrg0u5zEFeDxMxoas,marie.tremblay@example.ca
OPIC-100871,jlee,$2y$10$4whF0wCR6toN6kl8ZE54I.G5yKnW3BLysNx3u7sMwHjKb6.BU/7k2,
`

// demoRecordCSV is the certificate office's file; its invoices are dated
// from now (months ago), so the three-year rule keeps one and not the
// other.
func demoRecordCSV(now time.Time) string {
	return "record_id,certificate_number,birth_date,email,invoices\n" +
		"CERT-2019-0042,C-2019-0042,1980-02-29,dossier@certificats.example," +
		"F-118:" + now.AddDate(0, -6, 0).Format(time.DateOnly) + ";F-007:" + now.AddDate(-4, 0, 0).Format(time.DateOnly) + "\n" +
		"CERT-2021-0310,C-2021-0310,1975-07-01,agence@certificats.example,\n"
}

// demoOffices are the two portals.
func demoOffices(sideURL string) []demoPortal {
	return []demoPortal{{
		path: "/ipo",
		name: demorp.Text{En: "IP office online services (demonstration)", Fr: "Services en ligne de l’office de la PI (démonstration)"},
		about: demorp.Text{
			En: "This page stands in for an intellectual property office that moves its accounts to Passerelle. At your first sign-in, join your former account once: username marie.tremblay and password ancien-mot-de-passe (or jlee and mot-de-passe-2018). The portal then receives your former client number (ipo_client_number).",
			Fr: "Cette page tient lieu d’un office de la propriété intellectuelle qui migre ses comptes vers Passerelle. À votre première connexion, reliez une seule fois votre ancien compte : nom d’utilisateur marie.tremblay et mot de passe ancien-mot-de-passe (ou jlee et mot-de-passe-2018). Le portail reçoit alors votre ancien numéro de client (ipo_client_number).",
		},
		client: broker.ClientConfig{Client: store.Client{
			ID: "demo-ipo", Name: map[string]string{"en": "IP office (demo)", "fr": "Office de la PI (démo)"},
			RedirectURIs: []string{sideURL + "/ipo/callback"}, PostLogoutRedirectURIs: []string{sideURL + "/ipo/"},
			Steps: []string{legacy.Name},
		}, Legacy: &legacy.Config{Claim: "ipo_client_number"}},
	}, {
		path: "/certificates",
		name: demorp.Text{En: "Certificate office (demonstration)", Fr: "Bureau des certificats (démonstration)"},
		about: demorp.Text{
			En: "This page stands in for a consumer-protection office's certificate service. At your first sign-in, find your file with certificate number C-2019-0042 and date of birth 1980-02-29; the security code goes to the email on the file, in the demo outbox. Without the code, invoice F-118 also works, or ask for an agent.",
			Fr: "Cette page tient lieu du service de certificats d’un office de protection du consommateur. À votre première connexion, trouvez votre dossier avec le numéro de certificat C-2019-0042 et la date de naissance 1980-02-29; le code de sécurité est envoyé à l’adresse courriel du dossier, dans la boîte d’envoi de la démo. Sans le code, la facture F-118 convient aussi, ou demandez un agent.",
		},
		client: broker.ClientConfig{Client: store.Client{
			ID: "demo-certificates", Name: map[string]string{"en": "Certificate office (demo)", "fr": "Bureau des certificats (démo)"},
			RedirectURIs: []string{sideURL + "/certificates/callback"}, PostLogoutRedirectURIs: []string{sideURL + "/certificates/"},
			Steps: []string{record.Name},
		}, Records: &record.Config{Claim: "certificate_file", Invoice: true, Assisted: true, Attributes: []record.Attribute{
			{Name: "certificate_number", Label: map[string]string{"en": "Certificate number", "fr": "Numéro de certificat"},
				Hint: map[string]string{"en": "As printed on your certificate, for example C-2019-0042.", "fr": "Tel qu’il figure sur votre certificat, par exemple C-2019-0042."}},
			{Name: "birth_date", Date: true, Label: map[string]string{"en": "Date of birth", "fr": "Date de naissance"}},
		}}},
	}}
}

// importDemoFiles imports the offices' files into st.
func importDemoFiles(ctx context.Context, st store.Store, clients []broker.ClientConfig, lockout mfa.LockoutConfig) error {
	svc := admin.New(st, nil, lockout, store.ClientRules{}, clients, time.Now)
	if _, err := svc.ImportLegacy(ctx, "demo-ipo", strings.NewReader(demoLegacyCSV), admin.FormatCSV, false); err != nil {
		return fmt.Errorf("demo legacy accounts: %w", err)
	}
	if _, err := svc.ImportRecords(ctx, "demo-certificates", strings.NewReader(demoRecordCSV(time.Now())), admin.FormatCSV, false); err != nil {
		return fmt.Errorf("demo certificate file: %w", err)
	}
	return nil
}
