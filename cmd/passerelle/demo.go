package main

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/broker/steps/organization"
	"github.com/passerelle/passerelle/broker/steps/terms"
	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/internal/demorp"
	"github.com/passerelle/passerelle/internal/randid"
	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/orgs"
	"github.com/passerelle/passerelle/providers/local"
	"github.com/passerelle/passerelle/providers/oidc"
	"github.com/passerelle/passerelle/providers/registry"
	"github.com/passerelle/passerelle/store"
)

// demoUpstream is one stand-in upstream of the demo. release lists the
// claims it may pass on; when set, the upstream is also asked for the
// email and profile scopes. The banks keep the blind defaults.
type demoUpstream struct {
	id, group, acr string
	name           map[string]string
	description    map[string]string // under its choice
	logo           string            // a placeholder under /static/ (banks only)
	release        []string
	acrMap         map[string]string // the oidc section's acr_map
}

var demoUpstreams = []demoUpstream{
	{id: "bank-a", group: "sign-in-partner", acr: "urn:gc-ca:cyber-auth:assurance:loa2", logo: "demo/bank-maple.svg",
		name: map[string]string{"en": "Maple Bank (demo)", "fr": "Banque Érable (démo)"}},
	{id: "bank-b", group: "sign-in-partner", acr: "urn:gc-ca:cyber-auth:assurance:loa2", logo: "demo/bank-north.svg",
		name: map[string]string{"en": "Northern Credit Union (demo)", "fr": "Caisse du Nord (démo)"}},
	{id: "quebec", acr: "urn:gc-ca:cyber-auth:assurance:loa2", release: []string{"email", "name"}, acrMap: demoQuebecACR,
		name: map[string]string{"en": "Quebec government authentication (demo)", "fr": "Authentification gouvernementale du Québec (démo)"},
		description: map[string]string{
			"en": "Use the identity you already use for Quebec government services.",
			"fr": "Utilisez l’identité que vous utilisez déjà pour les services du gouvernement du Québec.",
		}},
}

var demoUsers = []demoidp.User{
	{Username: "alex", Password: "demo-password", Email: "alex@example.org", GivenName: "Alex", FamilyName: "Tremblay"},
	{Username: "sam", Password: "demo-password", Email: "sam@example.org", GivenName: "Sam", FamilyName: "Gagnon", ACR: demoProvenACR},
	{Username: demoDormantUser, Password: "demo-password", Email: "robin@example.org", GivenName: "Robin", FamilyName: "Lavoie"},
}

// demo runs the broker on its embedded store with demo upstreams and a
// demo relying party, all real HTTP servers on loopback. None of this is
// reachable from a configuration file: only this command builds it.
func demo(ctx context.Context, addr, sideFlag, dataDir string, logger *slog.Logger, stdout io.Writer) error {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("demo data directory: %w", err)
	}
	keyFile := filepath.Join(dataDir, "master.key")
	if err := ensureDemoKey(keyFile, stdout); err != nil {
		return err
	}
	brokerLn, err := listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (another program uses that port? pick another: make run ADDR=localhost:8090, or passerelle demo -addr localhost:8090)", addr, err)
	}
	defer brokerLn.Close()
	// The demo's relying parties, upstreams and outbox share one side
	// server, by default on a fixed port, the broker's plus one, so their
	// addresses stay the same from run to run (tests pass -side).
	sideAddr := sideFlag
	if sideAddr == "" {
		if sideAddr, err = nextPort(brokerLn.Addr()); err != nil {
			return err
		}
	}
	side, err := listen("tcp", sideAddr)
	if err != nil {
		return fmt.Errorf("listen on %s for the demo's relying parties and outbox (-side, by default the broker's port plus one): %w (pick another -addr or -side)", sideAddr, err)
	}
	defer side.Close()
	sideURL := "http://" + side.Addr().String()
	host := addr
	if strings.HasPrefix(host, ":") {
		host = "localhost" + host
	}
	issuer := "http://" + host

	cfg := &Config{Server: ServerConfig{Listen: addr, Issuer: issuer}}
	cfg.Store.Bolt.Path = filepath.Join(dataDir, "passerelle.db")
	cfg.Broker.Keys.MasterKeyFile = keyFile
	// The GCKey-like service is the built-in one (providers/local); its
	// confirmation and reset codes land in the demo outbox.
	cfg.Local = &local.Config{ID: "gckey", Name: map[string]string{"en": "GCKey (demo)", "fr": "CléGC (démo)"},
		Description: map[string]string{
			"en": "A username and password from the Government of Canada. New here? You can create one.",
			"fr": "Un nom d’utilisateur et un mot de passe du gouvernement du Canada. Nouveau? Vous pouvez en créer un.",
		},
		Password: local.PasswordConfig{Forbidden: "<>\"'&"}}
	// The page frame's operator parts: the banner says it is a
	// demonstration; the footer links to Canada.ca's own pages (links
	// only: no page loads anything from them).
	cfg.UI.Banner = map[string]string{"en": "Demonstration: not a real Government of Canada service.",
		"fr": "Démonstration\u00a0: ce n’est pas un vrai service du gouvernement du Canada."}
	cfg.UI.Footer = ui.FooterLinks{
		Terms:   map[string]string{"en": "https://www.canada.ca/en/transparency/terms.html", "fr": "https://www.canada.ca/fr/transparence/avis.html"},
		Privacy: map[string]string{"en": "https://www.canada.ca/en/transparency/privacy.html", "fr": "https://www.canada.ca/fr/transparence/confidentialite.html"},
		Help:    map[string]string{"en": "https://www.canada.ca/en/contact.html", "fr": "https://www.canada.ca/fr/contact.html"},
		Contact: map[string]string{"en": "https://www.canada.ca/en/contact.html", "fr": "https://www.canada.ca/fr/contact.html"},
	}
	cfg.Broker.MFA.TOTP.Issuer = "Passerelle (demo)"
	cfg.Broker.Groups = []broker.GroupConfig{{ID: "sign-in-partner",
		Name: map[string]string{"en": "Sign-In Partner", "fr": "Partenaire de connexion"},
		Description: map[string]string{
			"en": "Use the username and password of your online banking. Your bank does not learn which service you use.",
			"fr": "Utilisez le nom d’utilisateur et le mot de passe de vos services bancaires en ligne. Votre banque ne sait pas quel service vous utilisez.",
		}}}
	cfg.Broker.Accounts = demoAccounts
	mux := http.NewServeMux()
	outbox := &notify.Outbox{}
	dormantSubject := ""
	for _, u := range demoUpstreams {
		upIssuer := sideURL + "/" + u.id
		secret := randid.Base64URL(32)
		idp, err := demoidp.New(demoidp.Config{
			Issuer: upIssuer, Name: u.name, ClientID: "passerelle", ClientSecret: secret,
			RedirectURIs: []string{issuer + "/callback/" + u.id}, ACR: u.acr, Users: demoUsers,
		})
		if err != nil {
			return err
		}
		mux.Handle("/"+u.id+"/", idp)
		if u.id == demoDormantUpstream {
			dormantSubject = idp.Subject(demoDormantUser)
		}
		oc := oidc.Config{Issuer: upIssuer, ClientID: "passerelle", ClientSecret: secret, ACRMap: u.acrMap}
		if len(u.release) > 0 {
			oc.Scopes = []string{"openid", "email", "profile"}
		}
		pc := registry.Config{ID: u.id, Type: "oidc", Name: u.name, Group: u.group, Description: u.description, Logo: u.logo, ReleaseClaims: u.release,
			Sections: map[string]any{"oidc": oc}}
		cfg.Providers = append(cfg.Providers, pc)
	}
	samlIdP, samlProvider, err := demoSAML(dataDir, sideURL, issuer, slog.NewLogLogger(logger.Handler(), slog.LevelWarn).Writer())
	if err != nil {
		return err
	}
	mux.Handle("/"+demoSAMLID+"/", samlIdP)
	cfg.Providers = append(cfg.Providers, samlProvider)
	termsFiles, err := writeDemoTerms(dataDir)
	if err != nil {
		return err
	}
	portals := append(demoPortals(sideURL, termsFiles), demoOffices(sideURL)...)
	var services []demorp.Service
	for _, p := range portals {
		services = append(services, demorp.Service{Name: p.name, URL: sideURL + p.path + "/"})
	}
	for _, p := range portals {
		c := p.client
		c.Secret = randid.Base64URL(32)
		rp, err := demorp.New(demorp.Config{Issuer: issuer, ClientID: c.ID, ClientSecret: c.Secret, BaseURL: sideURL + p.path,
			Name: p.name, About: p.about, Services: services})
		if err != nil {
			return err
		}
		mux.Handle(p.path+"/", rp)
		cfg.Broker.Clients = append(cfg.Broker.Clients, c)
	}
	if err := cfgProblems(cfg); err != nil {
		return fmt.Errorf("demo configuration: %w", err)
	}
	b, st, err := build(ctx, cfg, logger, outbox, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := seedDormant(ctx, st, dormantSubject); err != nil {
		return err
	}
	mailHouse, err := demoMailHouse(ctx, st, "demo-trader", orgs.TrustedTrader(), outbox, logger)
	if err != nil {
		return err
	}
	mux.Handle("/outbox/", mailHouse)
	if err := importDemoFiles(ctx, st, cfg.Broker.Clients, cfg.Broker.MFA.Lockout); err != nil {
		return err
	}

	sideSrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := sideSrv.Serve(side); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("demo upstreams stopped", "error", err)
		}
	}()
	defer sideSrv.Close()
	fmt.Fprintf(stdout, `
Passerelle demo is running. Open:

  Demo relying party (start here):  %s/rp/
  Demo trusted-trader portal:       %s/trader/
  Demo IP office:                   %s/ipo/
  Demo certificate office:          %s/certificates/
  Passerelle (the broker):          %s/
  Discovery:                        %s/.well-known/openid-configuration
  Demo outbox (emailed codes):      %s/outbox/

Banks and Quebec (demo upstreams): sign in as alex / demo-password or sam / demo-password.
At Maple Bank, robin / demo-password is an account unused for three years: it is dormant.
At Quebec, sam's identity is proven (loa3) and alex's basic (loa2): a relying party
that asks for acr_values=urn:gc-ca:cyber-auth:assurance:loa3 gets sam, and alex is
told the level is not met.
The banks are asked for openid only and release nothing, so the relying party's
UserInfo answer has no email or name; Quebec releases the email and name to it.
GCKey – SAML (demo) is a SAML 2.0 identity provider served by this demo (signed,
encrypted assertions; persistent NameID; level 2): sign in there as alex or sam too.
GCKey (demo) is Passerelle's built-in service: choose it, then "Create a GCKey";
the confirmation code arrives in the demo outbox, as do emailed second-factor codes.
The trusted-trader portal asks for a second factor, for the business you act
for, and for its terms of use at every sign-in. The first time, ask for an
activation code with one of the demo client numbers (100000001RM0001 to
100000004RM0001): the letter arrives in the demo outbox. Decline the terms to
see what the portal shows then.
The IP office asks once for a former account: marie.tremblay / ancien-mot-de-passe
(or jlee / mot-de-passe-2018). The certificate office finds a file by certificate
C-2019-0042 and birth date 1980-02-29 and sends its code to the file's address (in
the outbox); without the code, invoice F-118 works, or ask for an agent.
Everything here is a demonstration; stop it with Ctrl-C.

`, sideURL, sideURL, sideURL, sideURL, issuer, issuer, sideURL)
	return runServer(ctx, b, b.Handler(), brokerLn, "", "", logger)
}

// nextPort is 127.0.0.1 at the port after a's.
func nextPort(a net.Addr) (string, error) {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.Port >= 65535 {
		return "", fmt.Errorf("demo: no port after %s for the side server", a)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port+1)), nil
}

// demoPortal is one of the demo's relying parties: where it is mounted on
// the side server, how it introduces itself, and its client at Passerelle
// (the secret is made at each start).
type demoPortal struct {
	path        string
	name, about demorp.Text
	client      broker.ClientConfig
}

// demoPortals are the demo's relying parties: a government portal, and the
// trusted-trader portal of seed 002, which asks for a second factor and
// for its terms of use at every sign-in. termsFiles are the trader's
// terms by language.
func demoPortals(sideURL string, termsFiles map[string]string) []demoPortal {
	return []demoPortal{{
		path: "/rp",
		name: demorp.Text{En: "Government portal (demonstration)", Fr: "Portail gouvernemental (démonstration)"},
		client: broker.ClientConfig{Client: store.Client{
			ID: "demo-rp", Name: map[string]string{"en": "Demo government portal", "fr": "Portail gouvernemental de démonstration"},
			RedirectURIs: []string{sideURL + "/rp/callback"}, PostLogoutRedirectURIs: []string{sideURL + "/rp/"},
			UpstreamClaims: []string{"email", "name"},
		}},
	}, {
		path: "/trader",
		name: demorp.Text{En: "Trusted-trader portal (demonstration)", Fr: "Portail des négociants dignes de confiance (démonstration)"},
		about: demorp.Text{
			En: "This page stands in for the customs trusted-trader portal. It is not a real service. Like the real one, it asks for a second factor and for acceptance of its terms of use at every sign-in; if you decline the terms, you are not signed in.",
			Fr: "Cette page tient lieu du Portail des négociants dignes de confiance des douanes. Ce n’est pas un vrai service. Comme le vrai, il demande un second facteur et l’acceptation de ses conditions d’utilisation à chaque connexion; si vous refusez les conditions, vous n’êtes pas connecté.",
		},
		client: broker.ClientConfig{Client: store.Client{
			ID: "demo-trader", Name: map[string]string{"en": "Trusted-trader portal (demo)", "fr": "Portail des négociants dignes de confiance (démo)"},
			RedirectURIs: []string{sideURL + "/trader/callback"}, PostLogoutRedirectURIs: []string{sideURL + "/trader/"},
			MFA:   store.ClientMFA{EverySignIn: true},
			Steps: []string{organization.Name, terms.Name}, Organizations: orgs.TrustedTrader(),
		}, Terms: &terms.Config{Version: demoTermsVersion, Files: termsFiles, EverySignIn: true}},
	}}
}

// demoTerms are the trusted-trader portal's terms of use, one plain-text
// file per language (demoterms/trader.LANG.txt).
//
//go:embed demoterms/*.txt
var demoTerms embed.FS

// demoTermsVersion names the text in demoterms; change it with the text.
const demoTermsVersion = "2026-01"

// writeDemoTerms writes the trader's terms into dataDir/terms, where an
// operator's text files would be, and returns them by language. They are
// rewritten at each start, so the demo shows the text it was built with.
func writeDemoTerms(dataDir string) (map[string]string, error) {
	dir := filepath.Join(dataDir, "terms")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("demo terms: %w", err)
	}
	files := map[string]string{}
	for _, lang := range []string{"en", "fr"} {
		name := "trader." + lang + ".txt"
		text, err := demoTerms.ReadFile("demoterms/" + name)
		if err != nil {
			return nil, fmt.Errorf("demo terms: %w", err)
		}
		files[lang] = filepath.Join(dir, name)
		if err := os.WriteFile(files[lang], text, 0o600); err != nil {
			return nil, fmt.Errorf("demo terms: %w", err)
		}
	}
	return files, nil
}

func cfgProblems(cfg *Config) error {
	ps := new(validate.Problems)
	cfg.validate(ps)
	return ps.Err()
}

// ensureDemoKey creates the demo's master key beside its data, with a
// warning: a real deployment keeps its key away from its data.
func ensureDemoKey(path string, stdout io.Writer) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	key := make([]byte, store.MasterKeySize)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		return fmt.Errorf("write demo master key: %w", err)
	}
	fmt.Fprintf(stdout, "WARNING: generated a demo master key in %s, beside the demo data. Never do this in production.\n", path)
	return nil
}
