package main

import (
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/providers/local"
	"github.com/passerelle/passerelle/providers/registry"
	"github.com/passerelle/passerelle/store"
)

// Config is the whole configuration tree. Each package owns its section
// and its Validate; this file only assembles them.
type Config struct {
	Server    ServerConfig      `mapstructure:"server" yaml:"server"`
	Store     StoreConfig       `mapstructure:"store" yaml:"store"`
	Broker    broker.Config     `mapstructure:",squash" yaml:",inline"`
	Providers []registry.Config `mapstructure:"providers" yaml:"providers"`
	UI        ui.Config         `mapstructure:"ui" yaml:"ui"`
	// Email is how codes are sent (notify owns it); without a relay the
	// email factor is off.
	Email notify.Config `mapstructure:"email" yaml:"email"`
	// Local is the built-in GCKey-like credential service; absent: none.
	Local *local.Config `mapstructure:"local" yaml:"local"`
	// Admin is the administration HTTP API; off without a token.
	Admin admin.Config `mapstructure:"admin" yaml:"admin"`
}

// ServerConfig is where and how the broker listens.
type ServerConfig struct {
	Listen      string `mapstructure:"listen" yaml:"listen"` // default :8080
	Issuer      string `mapstructure:"issuer" yaml:"issuer"`
	TLSCertFile string `mapstructure:"tls_cert_file" yaml:"tls_cert_file"`
	TLSKeyFile  string `mapstructure:"tls_key_file" yaml:"tls_key_file"`
	// MetricsListen is the management address serving /metrics
	// (Prometheus, plain HTTP), apart from the public listener as
	// Keycloak's management port is; empty (the default): no metrics.
	MetricsListen string `mapstructure:"metrics_listen" yaml:"metrics_listen"`
	// RateLimit bounds how often one client address may make the broker
	// store something before signing in (broker.RateLimitConfig).
	RateLimit broker.RateLimitConfig `mapstructure:"rate_limit" yaml:"rate_limit"`
}

// StoreConfig selects the backend: bolt, the embedded default (one
// file, one process), or postgres, for several replicas sharing one
// database.
type StoreConfig struct {
	Driver string `mapstructure:"driver" yaml:"driver"` // bolt (default) or postgres
	Bolt   struct {
		Path string `mapstructure:"path" yaml:"path"` // default passerelle.db
	} `mapstructure:"bolt" yaml:"bolt"`
	Postgres struct {
		// DSN, e.g. postgres://passerelle@db:5432/passerelle?sslmode=verify-full;
		// prefer PASSERELLE_STORE_POSTGRES_DSN for its password.
		DSN          string        `mapstructure:"dsn" yaml:"dsn"`
		QueryTimeout time.Duration `mapstructure:"query_timeout" yaml:"query_timeout"` // default 5s
		MaxConns     int           `mapstructure:"max_conns" yaml:"max_conns"`
	} `mapstructure:"postgres" yaml:"postgres"`
	// Retention is how long Sweep keeps audit events and refresh
	// history (store.Retention; audit events 400 days by default).
	Retention store.Retention `mapstructure:"retention" yaml:"retention"`
}

// loadConfig reads the YAML file, applies PASSERELLE_* environment
// overrides (PASSERELLE_SERVER_ISSUER overrides server.issuer), rejects
// unknown keys and validates everything, returning every problem at once.
func loadConfig(path string) (*Config, error) {
	v := viper.New()
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("read configuration %s: %w", path, err)
	}
	v.SetEnvPrefix("PASSERELLE")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	for _, k := range leafKeys(reflect.TypeOf(Config{}), "") {
		_ = v.BindEnv(k)
	}
	var ps validate.Problems
	unknownKeys(reflect.TypeOf(Config{}), v.AllSettings(), "", &ps)
	var cfg Config
	if err := v.Unmarshal(&cfg, func(dc *mapstructure.DecoderConfig) { dc.ErrorUnused = false }); err != nil {
		ps.Add("(file)", "must match the configuration schema: "+err.Error(), nil)
		return nil, ps.Err()
	}
	cfg.validate(&ps)
	return &cfg, ps.Err()
}

func (c *Config) setDefaults() {
	if c.Server.Listen == "" {
		c.Server.Listen = ":8080"
	}
	if c.Store.Driver == "" {
		c.Store.Driver = "bolt"
	}
	if c.Store.Bolt.Path == "" {
		c.Store.Bolt.Path = "passerelle.db"
	}
	c.Store.Retention.SetDefaults()
	c.Server.RateLimit.SetDefaults()
	c.Broker.SetDefaults()
	c.UI.SetDefaults()
	c.Email.SetDefaults()
}

func (c *Config) validate(ps *validate.Problems) {
	c.setDefaults()
	ps.Required("server.issuer", c.Server.Issuer)
	if c.Server.Issuer != "" {
		ps.AbsoluteURL("server.issuer", c.Server.Issuer, true)
		if strings.Contains(c.Server.Issuer, "?") {
			ps.Add("server.issuer", "must have no query (OIDC Discovery §3)", c.Server.Issuer)
		}
	}
	if (c.Server.TLSCertFile == "") != (c.Server.TLSKeyFile == "") {
		ps.Add("server.tls_cert_file", "tls_cert_file and tls_key_file go together", nil)
	}
	if m := c.Server.MetricsListen; m != "" {
		if _, _, err := net.SplitHostPort(m); err != nil {
			ps.Add("server.metrics_listen", "must be host:port (or :port)", m)
		} else if m == c.Server.Listen {
			ps.Add("server.metrics_listen", "must differ from server.listen: metrics stay off the public listener", m)
		}
	}
	c.Server.RateLimit.Validate(ps, "server.rate_limit")
	ps.OneOf("store.driver", c.Store.Driver, "bolt", "postgres")
	if c.Store.Driver == "postgres" && c.Store.Postgres.DSN == "" {
		ps.Add("store.postgres.dsn", "is required with driver postgres", nil)
	}
	c.Store.Retention.Validate(ps, "store.retention")
	var groups []string
	for _, g := range c.Broker.Groups {
		groups = append(groups, g.ID)
	}
	registry.Validate(c.Providers, groups, ps)
	for i, p := range c.Providers {
		if p.Logo != "" {
			c.UI.ValidateLogo(ps, fmt.Sprintf("providers[%d].logo", i), p.Logo)
		}
	}
	if len(c.Providers) == 0 && c.Local == nil {
		ps.Add("providers", "must list at least one upstream provider", nil)
	}
	ids := c.providerIDs()
	if c.Local != nil {
		c.Local.SetDefaults()
		c.Local.Validate(ps, "local")
		for i, p := range c.Providers {
			if p.ID == c.Local.ID {
				ps.Add(fmt.Sprintf("providers[%d].id", i), "must differ from local.id", p.ID)
			}
		}
	}
	c.Broker.Validate(ps, ids)
	c.checkACRMaps(ps)
	c.Admin.Validate(ps, "admin")
	c.UI.Validate(ps, "ui")
	c.Email.Validate(ps, "email")
	if c.Email.SMTP.Host == "" {
		for i, cl := range c.Broker.Clients {
			if len(cl.MFA.Factors) == 1 && cl.MFA.Factors[0] == "email" {
				ps.Add(fmt.Sprintf("clients[%d].mfa.factors", i), "accepts only email codes, which need email.smtp.host", nil)
			}
		}
	}
	// The key file is read at start-up, not here: it may exist only on the
	// machine that serves.
	if c.Broker.Keys.MasterKey != "" {
		if c.Broker.Keys.MasterKeyFile != "" {
			ps.Add("keys.master_key_file", "set master_key or master_key_file, not both", nil)
		}
		if _, err := c.masterKey(); err != nil {
			ps.Add("keys.master_key", err.Error(), validate.Secret)
		}
	}
}

// providerIDs are the IDs of every credential service: the built-in one
// and the upstreams.
func (c *Config) providerIDs() []string {
	var ids []string
	if c.Local != nil {
		ids = append(ids, c.Local.ID)
	}
	for _, p := range c.Providers {
		ids = append(ids, p.ID)
	}
	return ids
}

// masterKey returns the 32-byte master key: keys.master_key (base64, or
// PASSERELLE_KEYS_MASTER_KEY), else the file keys.master_key_file.
func (c *Config) masterKey() ([]byte, error) {
	raw := c.Broker.Keys.MasterKey
	if raw == "" && c.Broker.Keys.MasterKeyFile != "" {
		b, err := os.ReadFile(c.Broker.Keys.MasterKeyFile)
		if err != nil {
			return nil, fmt.Errorf("read master_key_file: %w", err)
		}
		raw = strings.TrimSpace(string(b))
	}
	if raw == "" {
		return nil, fmt.Errorf("no master key: set keys.master_key, PASSERELLE_KEYS_MASTER_KEY or keys.master_key_file (generate one with: head -c 32 /dev/urandom | base64)")
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(key) != store.MasterKeySize {
		return nil, fmt.Errorf("must be %d bytes, base64-encoded", store.MasterKeySize)
	}
	return key, nil
}

// leafKeys lists the dotted keys of every scalar (or list) field, for
// environment binding.
func leafKeys(t reflect.Type, prefix string) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, squash := tagName(f)
		if name == "-" {
			continue
		}
		key := prefix + name
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem() // an optional section (local) has keys all the same
		}
		if ft.Kind() == reflect.Struct {
			if squash {
				out = append(out, leafKeys(ft, prefix)...)
			} else {
				out = append(out, leafKeys(ft, key+".")...)
			}
			continue
		}
		out = append(out, key)
	}
	return out
}

func tagName(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("mapstructure")
	name, opts, _ := strings.Cut(tag, ",")
	return name, strings.Contains(opts, "squash")
}

// unknownKeys reports every key of raw that t does not declare, with its
// full path, so a typo is named instead of silently ignored.
func unknownKeys(t reflect.Type, raw any, path string, ps *validate.Problems) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := raw.(map[string]any)
		if !ok {
			return
		}
		fields := map[string]reflect.Type{}
		collectFields(t, fields)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			ft, ok := fields[strings.ToLower(k)]
			if !ok && hasRemain(t) {
				continue // the struct's owner checks the keys it keeps (providers[].oidc)
			}
			if !ok {
				ps.Add(p, "is not a known key", nil)
				continue
			}
			unknownKeys(ft, m[k], p, ps)
		}
	case reflect.Slice:
		items, ok := raw.([]any)
		if !ok {
			return
		}
		for i, it := range items {
			unknownKeys(t.Elem(), it, fmt.Sprintf("%s[%d]", path, i), ps)
		}
	}
}

// hasRemain: t keeps the keys it does not declare in a `,remain` map.
func hasRemain(t reflect.Type) bool {
	for i := 0; i < t.NumField(); i++ {
		if _, opts, _ := strings.Cut(t.Field(i).Tag.Get("mapstructure"), ","); opts == "remain" {
			return true
		}
	}
	return false
}

func collectFields(t reflect.Type, into map[string]reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, squash := tagName(f)
		if squash {
			collectFields(f.Type, into)
			continue
		}
		if name != "" && name != "-" {
			into[name] = f.Type
		}
	}
}
