package saml

import (
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/passerelle/passerelle/internal/validate"
)

// The Government of Canada assurance level URIs (CATS 2.0), which GCKey
// and the Sign-In Partners accept in RequestedAuthnContext and return in
// AuthnContextClassRef. They are also the default acr ladder of
// Passerelle, so the default ACR map is the identity on them.
const (
	LoA1 = "urn:gc-ca:cyber-auth:assurance:loa1"
	LoA2 = "urn:gc-ca:cyber-auth:assurance:loa2"
	LoA3 = "urn:gc-ca:cyber-auth:assurance:loa3"
	LoA4 = "urn:gc-ca:cyber-auth:assurance:loa4"
)

// Defaults declared beside the section they belong to.
const (
	DefaultClockSkew       = 60 * time.Second
	MaxClockSkew           = 180 * time.Second // the library's own outer bound
	DefaultMetadataRefresh = time.Hour
)

// DefaultLevels is what RequestedAuthnContext asks for when
// Config.Levels is empty: level 2, what GCKey gives.
var DefaultLevels = []string{LoA2}

// Config is one SAML 2.0 upstream (GCKey, a Sign-In Partner), as written
// under the `saml` key of a provider entry of the configuration file.
type Config struct {
	// EntityID is Passerelle's own SP entity ID at this upstream (the
	// audience of its assertions). Empty: the URL of the SP metadata.
	EntityID string `mapstructure:"entity_id" yaml:"entity_id"`
	// IDPMetadataFile or IDPMetadataURL (exactly one) names the IdP's
	// metadata: its entity ID, SSO and SLO endpoints and signing keys.
	// A URL is fetched over https (plain http only on loopback) and
	// fetched again every MetadataRefresh; a failed refresh keeps the
	// last good copy.
	IDPMetadataFile string `mapstructure:"idp_metadata_file" yaml:"idp_metadata_file"`
	// IDPMetadataSigningCert, when set, is a PEM certificate file: the
	// metadata (file or URL) must then carry an enveloped signature over
	// its root by that certificate's key, and only what it covers is
	// read; unsigned or otherwise-signed metadata is refused (the last
	// good copy stays in use). A federation's aggregate is signed this
	// way.
	IDPMetadataSigningCert string        `mapstructure:"idp_metadata_signing_cert" yaml:"idp_metadata_signing_cert"`
	IDPMetadataURL         string        `mapstructure:"idp_metadata_url" yaml:"idp_metadata_url"`
	MetadataRefresh        time.Duration `mapstructure:"metadata_refresh" yaml:"metadata_refresh"`
	// IDPEntityID picks the IdP when the metadata is an
	// EntitiesDescriptor holding several; optional otherwise, and then
	// checked against the metadata.
	IDPEntityID string `mapstructure:"idp_entity_id" yaml:"idp_entity_id"`
	// Keys are Passerelle's SP key pairs at this upstream, one or two.
	// The first signs AuthnRequests and logout messages; every key is
	// published in the SP metadata (signing and encryption) and every key
	// decrypts assertions. Rollover without downtime: add the new key
	// second, let the IdP read the metadata, swap the two, then drop the
	// old one.
	Keys []KeyPair `mapstructure:"keys" yaml:"keys"`
	// Levels are the assurance level URIs sent in RequestedAuthnContext
	// (Comparison="exact"); the assertion's AuthnContextClassRef must be
	// one of them. DefaultLevels when empty.
	Levels []string `mapstructure:"levels" yaml:"levels"`
	// ACRMap translates an AuthnContextClassRef into a Passerelle acr.
	// A level of the gc-ca ladder missing from the map maps to itself.
	ACRMap map[string]string `mapstructure:"acr_map" yaml:"acr_map"`
	// AMR is what the IdP's sign-in is, as RFC 8176 methods (GCKey: pwd),
	// for the ID token's amr; SAML's AuthnContextClassRef here names a
	// level, not a method. Empty: none is claimed.
	AMR []string `mapstructure:"amr" yaml:"amr"`
	// AllowUnencrypted accepts assertions that arrive in the clear. Off
	// by default: GCKey encrypts, and an upstream configured to encrypt
	// that sends a plaintext assertion is refused.
	AllowUnencrypted bool `mapstructure:"allow_unencrypted" yaml:"allow_unencrypted"`
	// ClockSkew is the tolerance on NotBefore and NotOnOrAfter
	// (DefaultClockSkew when zero; at most MaxClockSkew).
	ClockSkew time.Duration `mapstructure:"clock_skew" yaml:"clock_skew"`
}

// KeyPair is one SP key: a PEM private key (RSA, PKCS#1 or PKCS#8) and
// its PEM certificate.
type KeyPair struct {
	KeyFile  string `mapstructure:"key_file" yaml:"key_file"`
	CertFile string `mapstructure:"cert_file" yaml:"cert_file"`
}

// withDefaults returns c with its defaults filled in.
func (c Config) withDefaults() Config {
	if len(c.Levels) == 0 {
		c.Levels = slices.Clone(DefaultLevels)
	}
	if c.ClockSkew == 0 {
		c.ClockSkew = DefaultClockSkew
	}
	if c.MetadataRefresh == 0 {
		c.MetadataRefresh = DefaultMetadataRefresh
	}
	return c
}

// Validate adds every problem of c to ps, each under path (the dotted path
// of this provider's section, e.g. "providers[2].saml"). It reads the key
// and certificate files, so a key that does not match its certificate is
// reported here rather than at the first sign-in.
func (c *Config) Validate(ps *validate.Problems, path string) {
	p := func(field string) string { return validate.Join(path, field) }

	if c.EntityID != "" {
		if u, err := url.Parse(c.EntityID); err != nil || u.Scheme == "" {
			ps.Add(p("entity_id"), "must be an absolute URI", c.EntityID)
		}
	}
	switch {
	case c.IDPMetadataFile == "" && c.IDPMetadataURL == "":
		ps.Add(p("idp_metadata_file"), "or idp_metadata_url is required", nil)
	case c.IDPMetadataFile != "" && c.IDPMetadataURL != "":
		ps.Add(p("idp_metadata_url"), "must not be set together with idp_metadata_file", c.IDPMetadataURL)
	case c.IDPMetadataURL != "":
		ps.AbsoluteURL(p("idp_metadata_url"), c.IDPMetadataURL, true)
	}
	if c.IDPMetadataSigningCert != "" {
		if _, err := loadCert(c.IDPMetadataSigningCert); err != nil {
			ps.Add(p("idp_metadata_signing_cert"), "must be a readable PEM certificate: "+err.Error(), c.IDPMetadataSigningCert)
		}
	}
	if c.MetadataRefresh < 0 || (c.MetadataRefresh > 0 && c.MetadataRefresh < time.Minute) {
		ps.Add(p("metadata_refresh"), "must be at least 1m", c.MetadataRefresh.String())
	}
	switch n := len(c.Keys); {
	case n == 0:
		ps.Add(p("keys"), "must list one SP key pair (two during a rollover)", nil)
	case n > 2:
		ps.Add(p("keys"), "must list at most two key pairs (the current and the next or previous)", n)
	}
	for i, k := range c.Keys {
		kp := fmt.Sprintf("%s[%d]", p("keys"), i)
		ps.Required(kp+".key_file", k.KeyFile)
		ps.Required(kp+".cert_file", k.CertFile)
		if k.KeyFile != "" && k.CertFile != "" {
			if _, err := k.load(); err != nil {
				ps.Add(kp, "must be a readable RSA key and its certificate: "+err.Error(), nil)
			}
		}
	}
	for i, l := range c.Levels {
		if _, ok := ladder[l]; !ok && c.ACRMap[l] == "" {
			ps.Add(fmt.Sprintf("%s[%d]", p("levels"), i),
				"must be a gc-ca assurance URI (urn:gc-ca:cyber-auth:assurance:loa1 to loa4) or a key of acr_map", l)
		}
	}
	for k, v := range c.ACRMap {
		if strings.TrimSpace(k) == "" {
			ps.Add(p("acr_map"), "must not have an empty AuthnContextClassRef", k)
		}
		if strings.TrimSpace(v) == "" {
			ps.Add(validate.Join(p("acr_map"), k), "must name a Passerelle acr value", nil)
		}
	}
	for i, m := range c.AMR {
		ps.OneOf(fmt.Sprintf("%s[%d]", p("amr"), i), m, rfc8176...)
	}
	if c.ClockSkew < 0 || c.ClockSkew > MaxClockSkew {
		ps.Add(p("clock_skew"), "must be between 0s and 3m", c.ClockSkew.String())
	}
}

// LogValue logs where the IdP metadata comes from; nothing of the keys.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("entity_id", c.EntityID),
		slog.String("idp_metadata", c.IDPMetadataFile+c.IDPMetadataURL),
	)
}

// levelsFor is the configured levels whose acr is one of acrs, in the
// configured order.
func (c Config) levelsFor(acrs []string) []string {
	var out []string
	for _, l := range c.Levels {
		if slices.Contains(acrs, c.acrFor(l)) {
			out = append(out, l)
		}
	}
	return out
}

// ACRMapping is the section's acr map, for the configuration's check of
// its targets against the mfa.acr ladder (registry.ACRMapper). The gc-ca
// levels, which map to themselves without an entry, are checked by
// Validate.
func (c *Config) ACRMapping() (string, map[string]string) { return "acr_map", c.ACRMap }

// rfc8176 are the registered amr values (RFC 8176 §2).
var rfc8176 = []string{"face", "fpt", "geo", "hwk", "iris", "kba", "mca", "mfa", "otp", "pin", "pop",
	"pwd", "rba", "retina", "sc", "sms", "swk", "tel", "user", "vbm", "wia"}

// ladder is the gc-ca assurance ladder, lowest first.
var ladder = map[string]int{LoA1: 1, LoA2: 2, LoA3: 3, LoA4: 4}

// acrFor maps an AuthnContextClassRef to a Passerelle acr: the configured
// map first, then the gc-ca ladder to itself; "" for anything else.
func (c Config) acrFor(classRef string) string {
	if v, ok := c.ACRMap[classRef]; ok {
		return v
	}
	if _, ok := ladder[classRef]; ok {
		return classRef
	}
	return ""
}
