package main

import (
	"bytes"
	"context"
	"errors"
	"github.com/passerelle/passerelle/providers/oidc"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

func TestExampleConfigIsValid(t *testing.T) {
	cfg, err := loadConfig("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Providers) != 3 || len(cfg.Broker.Clients) != 5 || cfg.Broker.Clients[2].AuthMethod != "none" {
		t.Errorf("example not read whole: %d providers, %d clients", len(cfg.Providers), len(cfg.Broker.Clients))
	}
	if rl := cfg.Server.RateLimit; cfg.Server.MetricsListen != "127.0.0.1:9000" || rl.PerSecond != 5 || rl.Burst != 50 ||
		rl.MaxSources != 50000 || len(rl.TrustedProxies) != 1 {
		t.Errorf("server section not read whole: %+v", cfg.Server)
	}
	if r := cfg.Store.Retention; r.AuditEvents != store.DefaultAuditRetention || r.RefreshHistory != 0 {
		t.Errorf("store.retention = %+v, want 400 days of audit events and the grant's life of refresh history", r)
	}
}

// TestExampleReleaseRule: the example's Sign-In Partner keeps the blind
// defaults; only quebec releases, and only atip-online receives.
func TestExampleReleaseRule(t *testing.T) {
	cfg, err := loadConfig("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bank, quebec := cfg.Providers[1], cfg.Providers[2]
	bankOIDC, _ := bank.Section().(*oidc.Config)
	if bank.ID != "bank-a" || len(bank.ReleaseClaims) != 0 || bankOIDC == nil || len(bankOIDC.Scopes) != 0 {
		t.Errorf("bank-a is not blind: %s release %v section %+v", bank.ID, bank.ReleaseClaims, bankOIDC)
	}
	if quebec.ID != "quebec" || !slices.Equal(quebec.ReleaseClaims, []string{"email", "name"}) {
		t.Errorf("quebec release_claims = %v", quebec.ReleaseClaims)
	}
	for _, c := range cfg.Broker.Clients {
		want := []string(nil)
		if c.ID == "atip-online" {
			want = []string{"email", "name"}
		}
		if !slices.Equal(c.UpstreamClaims, want) {
			t.Errorf("%s upstream_claims = %v, want %v", c.ID, c.UpstreamClaims, want)
		}
	}
}

// TestBrokenConfigListsEveryProblem: every problem at once, each with its
// path, rule and value, and no secret printed.
func TestBrokenConfigListsEveryProblem(t *testing.T) {
	_, err := loadConfig("testdata/broken.yaml")
	if err == nil {
		t.Fatal("broken configuration accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		`server.issuer: must be an absolute http(s) URL without a fragment, got "login.example"`,
		`server.listn: is not a known key`,
		`server.metrics_listen: must be host:port (or :port), got "metrics"`,
		`server.rate_limit.burstt: is not a known key`,
		`server.rate_limit.per_second: must be a positive number, got -1`,
		`server.rate_limit.trusted_proxies[1]: must be an IP address or a CIDR prefix, got "proxy.example"`,
		`store.driver: must be one of bolt, postgres, got "mongo"`,
		`store.retention.audit_events: must be at least 24h (write days as hours: 400 days is 9600h), got "1h0m0s"`,
		`store.retention.refresh_history: must be positive, or 0 to keep it as long as its grant, got "-5m0s"`,
		`tokens.code: must be at most 10m`,
		`providers[0].type: must be one of: oidc, saml, got "ldap"`,
		`providers[0].name.fr: is required`,
		`providers[1].id: must be unique, got "gckey"`,
		`providers[1].group: must name an entry of groups, got "nowhere"`,
		`providers[0].logo: must name a file of the static assets (embedded, or in ui.theme_dir), got "banks/missing.svg"`,
		`providers[1].logo: must be a relative path under the static assets ending in .svg, .png, .webp (banks/maple.svg), got "../../etc/passwd"`,
		`providers[1].description.fr: is required when the text is given in either language (English and French)`,
		`providers[1].release_claims[1]: must be one of email, name, locale, got "phone_number"`,
		`providers[1].oidc.issuer`,
		`providers[1].oidc.client_id`,
		`providers[1].oidc.client_secert: is not a known key`,
		`providers[1].oidc.acr_map.urn:bank:strong: must name one of the values of mfa.acr, got "urn:gc-ca:cyber-auth:assurance:loa9"`,
		`clients[0].secret: must be at least 16 characters, got (secret not shown)`,
		`clients[0].redirect_uris[0]: must use https (plain http only on loopback), got "http://rp.example/cb"`,
		`clients[0].redirect_uris[1]: must be an absolute URI without a fragment`,
		`clients[0].sector_identifier_uri: is required when redirect URIs span several hosts`,
		`clients[0].allowed_providers[0]: must name a configured provider, got "unknown"`,
		`clients[0].upstream_claims[0]: must be one of email, name, locale, got "address"`,
		`clients[0].id_token_signed_response_alg: must be one of ES256, RS256, EdDSA, got "HS256"`,
		`ui.languages`,
		`clients[0].mfa.acr: must be a level a second factor reaches`,
		`clients[0].steps[1]: must be one of [terms organization legacy record], once each, got "consent"`,
		`clients[0].legacy: is used only when steps lists legacy`,
		`clients[0].legacy.claim: must not be a claim Passerelle gives itself, got "sub"`,
		`clients[0].terms.version: is required`,
		`clients[0].terms.files.en: must be a readable file, got "/nonexistent/terms-en.txt"`,
		`clients[0].terms.files.fr: is required`,
		`mfa.totp.period`,
		`mfa.lockout.limit`,
		`email.smtp.starttls: may be none only for a relay on loopback`,
		`email.smtp.from`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing problem %q in:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "short") {
		t.Error("a secret is printed")
	}
}

func TestExampleMFAPolicies(t *testing.T) {
	cfg, err := loadConfig("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	trader := cfg.Broker.Clients[1]
	if !trader.MFA.EverySignIn || len(trader.MFA.Factors) != 1 || cfg.Email.SMTP.Port != 587 || cfg.Broker.MFA.Lockout.Limit != 100 {
		t.Errorf("mfa policies not read: %+v %+v", trader.MFA, cfg.Email.SMTP)
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	t.Setenv("PASSERELLE_SERVER_ISSUER", "https://env.example.gc.ca")
	t.Setenv("PASSERELLE_TOKENS_ACCESS_TOKEN", "7m")
	t.Setenv("PASSERELLE_LOCAL_PASSWORD_MIN_LENGTH", "16") // a key of an optional section
	cfg, err := loadConfig("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Issuer != "https://env.example.gc.ca" || cfg.Broker.Tokens.AccessToken.Minutes() != 7 ||
		cfg.Local == nil || cfg.Local.Password.MinLength != 16 {
		t.Errorf("env not applied: %s %v", cfg.Server.Issuer, cfg.Broker.Tokens.AccessToken)
	}
}

func TestConfigValidateCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"config", "validate", "../../config.example.yaml"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "valid") {
		t.Errorf("output %q", out.String())
	}
	// The example maps GCKey's loa2: validation says that it never stands
	// in for the second factor.
	if !strings.Contains(out.String(), "note: providers[0].oidc.acr_map.urn:gc-ca:cyber-auth:assurance:loa2: ") ||
		!strings.Contains(out.String(), "never replaces one") {
		t.Errorf("no note on the acr_map that meets a level alone: %q", out.String())
	}
	if err := run(context.Background(), []string{"config", "validate", "testdata/broken.yaml"}, &out, &errb); err == nil {
		t.Error("broken file validated")
	}
}

// writeConfig writes a runnable configuration for serve, clients and keys.
func writeConfig(t *testing.T, dir string, withKey bool) string {
	t.Helper()
	key := ""
	if withKey {
		key = "keys: {master_key: \"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\"}\n"
	}
	body := "server: {listen: \"127.0.0.1:0\", issuer: \"http://127.0.0.1:1\"}\n" +
		"store: {bolt: {path: \"" + filepath.Join(dir, "p.db") + "\"}}\n" + key +
		"providers:\n  - {id: up, type: oidc, name: {en: Up, fr: Amont}, oidc: {issuer: \"http://127.0.0.1:2\", client_id: p, client_secret: s}}\n"
	p := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestServeRefusesWithoutMasterKey(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"serve", "-config", writeConfig(t, dir, false)}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "master key") {
		t.Fatalf("serve without a master key: %v", err)
	}
}

func TestCorruptStoreGivesClearError(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, true)
	if err := os.WriteFile(filepath.Join(dir, "p.db"), bytes.Repeat([]byte("garbage!"), 1024), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"keys", "list", "-config", cfg}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "not a valid Passerelle store") {
		t.Fatalf("corrupt store: %v", err)
	}
}

// TestUsageErrorsBeforeTheStore: a mistyped or missing subcommand, a
// stray argument or a missing -urn is a usage error (exit status 2) at
// once, though the configured store cannot be opened.
func TestUsageErrorsBeforeTheStore(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, true)
	if err := os.WriteFile(filepath.Join(dir, "p.db"), bytes.Repeat([]byte("garbage!"), 1024), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var out, errb bytes.Buffer
	var u usageError
	if err := run(ctx, []string{"clients", "list", "-config", cfg}, &out, &errb); err == nil || errors.As(err, &u) {
		t.Fatalf("clients list on a corrupt store: %v, want the store's error", err)
	}
	for _, args := range [][]string{
		{"clients", "frobnicate", "-config", cfg},
		{"clients", "-config", cfg},
		{"clients", "list", "-config", cfg, "extra"},
		{"accounts", "frobnicate", "-config", cfg, "-urn", "1234-5678-9012"},
		{"accounts", "show", "-config", cfg},
		{"keys", "frobnicate", "-config", cfg},
		{"keys", "list", "-config", cfg, "extra"},
		{"audit", "frobnicate", "-config", cfg},
		{"audit", "export", "-config", cfg, "extra"},
		{"store", "frobnicate", "-config", cfg},
		{"store", "migrate", "-config", cfg, "extra"},
		{"serve", cfg},
		{"demo", "-data", dir, "extra"},
	} {
		if err := run(ctx, args, &out, &errb); !errors.As(err, &u) {
			t.Errorf("passerelle %s: %v, want a usage error", strings.Join(args, " "), err)
		}
	}
}

func TestClientsAndKeysCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, true)
	ctx := context.Background()
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"clients", "add", "-config", cfg, "-id", "app", "-redirect-uri", "https://app.example/cb"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "client secret (shown once") {
		t.Errorf("no secret shown: %s", out.String())
	}
	if err := run(ctx, []string{"clients", "add", "-config", cfg, "-id", "app", "-redirect-uri", "https://app.example/cb"}, &out, &errb); err == nil {
		t.Error("duplicate client added")
	}
	if err := run(ctx, []string{"clients", "add", "-config", cfg, "-id", "bad", "-redirect-uri", "http://app.example/cb"}, &out, &errb); err == nil {
		t.Error("client with a plain-http redirect added")
	}
	err := run(ctx, []string{"clients", "add", "-config", cfg, "-id", "named", "-redirect-uri", "https://named.example/cb",
		"-upstream-claim", "email", "-upstream-claim", "name", "-post-logout-redirect-uri", "https://named.example/bye",
		"-backchannel-logout-uri", "https://named.example/bcl", "-frontchannel-logout-uri", "https://named.example/fcl"}, &out, &errb)
	if err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"clients", "add", "-config", cfg, "-id", "bad", "-redirect-uri", "https://app.example/cb",
		"-upstream-claim", "phone_number"}, &out, &errb); err == nil || !strings.Contains(err.Error(), "clients[0].upstream_claims[0]") {
		t.Errorf("client with an unknown upstream claim: %v", err)
	}
	loaded, err := loadConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := openStore(ctx, loaded)
	if err != nil {
		t.Fatal(err)
	}
	named, err := st.GetClient(ctx, "named")
	st.Close()
	if err != nil || !slices.Equal(named.UpstreamClaims, []string{"email", "name"}) || !slices.Equal(named.PostLogoutRedirectURIs, []string{"https://named.example/bye"}) {
		t.Errorf("stored client: %v, upstream claims %v, post-logout redirect URIs %v", err, named.UpstreamClaims, named.PostLogoutRedirectURIs)
	}
	if named.BackchannelLogoutURI != "https://named.example/bcl" || named.FrontchannelLogoutURI != "https://named.example/fcl" {
		t.Errorf("stored client's logout URIs: %q %q", named.BackchannelLogoutURI, named.FrontchannelLogoutURI)
	}
	out.Reset()
	if err := run(ctx, []string{"clients", "list", "-config", cfg}, &out, &errb); err != nil || !strings.Contains(out.String(), "app") {
		t.Errorf("list: %v %s", err, out.String())
	}
	if err := run(ctx, []string{"clients", "remove", "-config", cfg, "-id", "app"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"clients", "remove", "-config", cfg, "-id", "app"}, &out, &errb); err == nil {
		t.Error("removed twice")
	}
	out.Reset()
	if err := run(ctx, []string{"keys", "rotate", "-config", cfg}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out.String(), "published now") != 3 || strings.Count(out.String(), "ES256") < 2 {
		t.Errorf("rotate output: %s", out.String())
	}
}

func TestAccountsUnlockAndResetMFA(t *testing.T) {
	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, true)
	ctx := context.Background()
	st := configStore(t, cfgPath)
	now := time.Now()
	acct := store.Account{ID: "acct-1", URN: "1234-5678-9012", Locked: true, Failures: 100, CreatedAt: now, LastLoginAt: now}
	if err := st.CreateAccount(ctx, acct, store.Link{Provider: "up", Subject: "s1", AccountID: acct.ID, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateFactor(ctx, store.Factor{ID: "f1", AccountID: acct.ID, Kind: store.FactorTOTP, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"accounts", "show", "-config", cfgPath, "-urn", "1234-5678-9012"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"locked": true`) || !strings.Contains(out.String(), `"kind": "totp"`) {
		t.Errorf("show: %s", out.String())
	}
	if err := run(ctx, []string{"accounts", "unlock", "-config", cfgPath, "-urn", "1234-5678-9012"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"accounts", "reset-mfa", "-config", cfgPath, "-urn", "1234-5678-9012"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"accounts", "unlock", "-config", cfgPath, "-urn", "0000-0000-0000"}, &out, &errb); err == nil {
		t.Error("unknown URN accepted")
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "export", "-config", cfgPath, "-since", "1h"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(out.String(), "\n"); lines != 2 || !strings.Contains(out.String(), `"kind":"admin.account.unlock"`) {
		t.Errorf("audit export: %s", out.String())
	}
	st = configStore(t, cfgPath)
	defer st.Close()
	a, _ := st.GetAccount(ctx, acct.ID)
	fs, _ := st.ListFactors(ctx, acct.ID)
	events, _ := st.ListAudit(ctx, time.Time{}, 0)
	if a.Locked || a.Failures != 0 || len(fs) != 0 || len(events) != 2 {
		t.Errorf("after unlock and reset: locked=%v failures=%d factors=%d audit=%d", a.Locked, a.Failures, len(fs), len(events))
	}
}
