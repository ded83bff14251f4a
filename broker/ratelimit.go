package broker

import (
	"container/list"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/passerelle/passerelle/internal/validate"
)

// RateLimitConfig bounds how often one source (a client IP address) may
// make the broker store something before anyone has signed in: new
// authorization requests at /authorize and the built-in service's forms
// (registration, confirmation, password reset). It is the server.rate_limit
// section of the configuration; cmd/passerelle passes it in Deps.
//
// Each source has a token bucket (golang.org/x/time/rate): PerSecond
// requests a second on average, up to Burst at once. The defaults (5 a
// second, bursts of 50) let an office behind one NAT address sign in
// together while bounding what one address can keep stored: at most 9,000
// new auth requests of at most a few KB each in any 30 minutes (their
// lifetime, tokens.auth_request), and, since a page's "More time" keeps a
// request alive up to maxSignInExtensions (4) lifetimes from its start
// (timelimit.go), at most 36,000 live at once. The store's own total cap
// (store/bolt's MaxAuthRequests) bounds every source together. Raise them
// when many people share one address that is not a trusted proxy.
type RateLimitConfig struct {
	// Disabled turns the limit off (for a deployment that limits at its
	// reverse proxy, or a load test).
	Disabled  bool    `mapstructure:"disabled" yaml:"disabled"`
	PerSecond float64 `mapstructure:"per_second" yaml:"per_second"` // default 5
	Burst     int     `mapstructure:"burst" yaml:"burst"`           // default 50
	// MaxSources caps the sources tracked at once (about 250 bytes each);
	// past it the source seen least recently is forgotten. A source is
	// also forgotten once its bucket is full again, since it then behaves
	// as a new one.
	MaxSources int `mapstructure:"max_sources" yaml:"max_sources"` // default 50000
	// TrustedProxies are the addresses (IPs or CIDR prefixes) of reverse
	// proxies whose X-Forwarded-For header names the client. A request
	// from anywhere else is keyed by its own remote address.
	TrustedProxies []string `mapstructure:"trusted_proxies" yaml:"trusted_proxies"`
}

// SetDefaults fills unset values.
func (c *RateLimitConfig) SetDefaults() {
	if c.PerSecond == 0 {
		c.PerSecond = 5
	}
	if c.Burst == 0 {
		c.Burst = 50
	}
	if c.MaxSources == 0 {
		c.MaxSources = 50000
	}
}

// Validate adds the problems of the section found at path.
func (c *RateLimitConfig) Validate(ps *validate.Problems, path string) {
	if c.PerSecond <= 0 || math.IsInf(c.PerSecond, 0) || math.IsNaN(c.PerSecond) {
		ps.Add(path+".per_second", "must be a positive number", c.PerSecond)
	}
	if c.Burst < 1 {
		ps.Add(path+".burst", "must be at least 1", c.Burst)
	}
	if c.MaxSources < 100 || c.MaxSources > 10_000_000 {
		ps.Add(path+".max_sources", "must be between 100 and 10000000", c.MaxSources)
	}
	for i, p := range c.TrustedProxies {
		if _, err := parsePrefix(p); err != nil {
			ps.Add(fmt.Sprintf("%s.trusted_proxies[%d]", path, i), "must be an IP address or a CIDR prefix", p)
		}
	}
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// limiter is the per-source rate limit: a token bucket per source, kept
// in a table of bounded size ordered by last use.
type limiter struct {
	cfg     RateLimitConfig
	now     func() time.Time
	proxies []netip.Prefix
	// idle is how long a source's bucket takes to fill up again; a
	// source idle that long is forgotten.
	idle time.Duration

	mu      sync.Mutex
	sources map[string]*list.Element // → *source
	lru     list.List                // most recently used first
}

type source struct {
	key     string
	lim     *rate.Limiter
	seen    time.Time
	refused bool // the last request was refused
}

// newLimiter builds the limiter; nil when the configuration disables it.
// The configuration must have been validated.
func newLimiter(cfg RateLimitConfig, now func() time.Time) *limiter {
	cfg.SetDefaults()
	if cfg.Disabled {
		return nil
	}
	l := &limiter{cfg: cfg, now: now, sources: map[string]*list.Element{},
		idle: time.Duration(float64(cfg.Burst) / cfg.PerSecond * float64(time.Second))}
	for _, p := range cfg.TrustedProxies {
		if pfx, err := parsePrefix(p); err == nil {
			l.proxies = append(l.proxies, pfx)
		}
	}
	return l
}

// allow takes one token from the source's bucket. When there is none it
// says how long until there is, and whether this is the first refusal
// since the source was last allowed (so a flood is logged once, not once
// a request).
func (l *limiter) allow(key string) (ok bool, wait time.Duration, first bool) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	// Forget the sources whose bucket has filled up again.
	for e := l.lru.Back(); e != nil && now.Sub(e.Value.(*source).seen) >= l.idle; e = l.lru.Back() {
		l.forget(e)
	}
	e, ok := l.sources[key]
	if !ok {
		if len(l.sources) >= l.cfg.MaxSources {
			l.forget(l.lru.Back())
		}
		e = l.lru.PushFront(&source{key: key, lim: rate.NewLimiter(rate.Limit(l.cfg.PerSecond), l.cfg.Burst)})
		l.sources[key] = e
	} else {
		l.lru.MoveToFront(e)
	}
	s := e.Value.(*source)
	s.seen = now
	if s.lim.AllowN(now, 1) {
		s.refused = false
		return true, 0, false
	}
	first = !s.refused
	s.refused = true
	missing := 1 - s.lim.TokensAt(now)
	return false, time.Duration(missing / l.cfg.PerSecond * float64(time.Second)), first
}

// admit takes one token from r's source; when there is none it sets
// Retry-After, logs the source's first refusal and returns false (the
// caller answers 429).
func (l *limiter) admit(w http.ResponseWriter, r *http.Request, log *slog.Logger) bool {
	key := l.sourceKey(r)
	ok, wait, first := l.allow(key)
	if ok {
		return true
	}
	if first {
		log.WarnContext(r.Context(), "rate limit: refusing a source's requests until its budget refills",
			"source", key, "path", r.URL.Path)
	}
	w.Header().Set("Retry-After", retryAfter(wait))
	return false
}

func (l *limiter) forget(e *list.Element) {
	delete(l.sources, e.Value.(*source).key)
	l.lru.Remove(e)
}

// tracked is how many sources the table holds.
func (l *limiter) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.sources)
}

// sourceKey names the source of r: its remote address or, when that is a
// trusted proxy, the last address in X-Forwarded-For that is not one
// (addresses left of it could be forged by the client). An IPv6 source is
// its /64, the block a single subscriber gets.
func (l *limiter) sourceKey(r *http.Request) string {
	addr := remoteAddr(r.RemoteAddr)
	if addr.IsValid() && l.trusted(addr) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			addr = a.Unmap()
			if !l.trusted(addr) {
				break
			}
		}
	}
	if !addr.IsValid() {
		return r.RemoteAddr
	}
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

func (l *limiter) trusted(a netip.Addr) bool {
	for _, p := range l.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func remoteAddr(hostport string) netip.Addr {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// retryAfter is a Retry-After value in whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}
