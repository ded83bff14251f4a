package broker

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/validate"
)

// TestLimiterTableStaysBounded: a source is forgotten once its bucket is
// full again, and past MaxSources the source seen least recently goes, so
// a flood of new addresses cannot grow the table; a busy source is kept.
func TestLimiterTableStaysBounded(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(RateLimitConfig{PerSecond: 1, Burst: 2, MaxSources: 100}, func() time.Time { return now })
	for i := range 1000 {
		l.allow("busy")
		l.allow(fmt.Sprintf("198.51.100.%d/%d", i%250, i))
		if n := l.tracked(); n > 100 {
			t.Fatalf("%d sources tracked, cap 100", n)
		}
	}
	if _, ok := l.sources["busy"]; !ok {
		t.Error("the busiest source was forgotten")
	}
	if ok, wait, first := l.allow("busy"); ok || wait != time.Second || first {
		t.Errorf("busy source: allowed=%v wait=%s first refusal=%v, want refused for 1s, not for the first time", ok, wait, first)
	}
	now = now.Add(2 * time.Second) // every bucket is full again
	l.allow("new")
	if n := l.tracked(); n != 1 {
		t.Errorf("%d sources tracked after they all went idle, want 1", n)
	}
}

// TestSourceKey: the remote address, unless it is a trusted proxy; then
// the last X-Forwarded-For hop that is not one. IPv6 sources are /64s.
func TestSourceKey(t *testing.T) {
	l := newLimiter(RateLimitConfig{TrustedProxies: []string{"10.0.0.0/8", "2001:db8:ffff::1"}}, time.Now)
	for _, tc := range []struct{ remote, xff, want string }{
		{"203.0.113.7:1234", "", "203.0.113.7"},
		{"203.0.113.7:1234", "192.0.2.1", "203.0.113.7"}, // not a proxy: the header is ignored
		{"10.0.0.1:1234", "192.0.2.1, 203.0.113.9", "203.0.113.9"},
		{"10.0.0.1:1234", "203.0.113.9, 10.0.0.2", "203.0.113.9"},
		{"10.0.0.1:1234", "", "10.0.0.1"},
		{"10.0.0.1:1234", "not-an-ip", "10.0.0.1"},
		{"[2001:db8:1:2:3:4:5:6]:443", "", "2001:db8:1:2::/64"},
		{"[2001:db8:ffff::1]:443", "2001:db8:9:9::1", "2001:db8:9:9::/64"},
		{"[::ffff:203.0.113.7]:1234", "", "203.0.113.7"},
	} {
		r := httptest.NewRequest("GET", "/authorize", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := l.sourceKey(r); got != tc.want {
			t.Errorf("%s via %q: %q, want %q", tc.remote, tc.xff, got, tc.want)
		}
	}
}

// TestRateLimitConfigValidate names every bad key, with its path.
func TestRateLimitConfigValidate(t *testing.T) {
	c := RateLimitConfig{PerSecond: -1, Burst: -2, MaxSources: 5, TrustedProxies: []string{"10.0.0.0/8", "proxy.example"}}
	var ps validate.Problems
	c.Validate(&ps, "server.rate_limit")
	var paths []string
	for _, p := range ps.List() {
		paths = append(paths, p.Path)
	}
	want := []string{"server.rate_limit.per_second", "server.rate_limit.burst", "server.rate_limit.max_sources", "server.rate_limit.trusted_proxies[1]"}
	if fmt.Sprint(paths) != fmt.Sprint(want) {
		t.Errorf("problems at %v, want %v", paths, want)
	}
	ok := RateLimitConfig{}
	ok.SetDefaults()
	ps = validate.Problems{}
	ok.Validate(&ps, "server.rate_limit")
	if len(ps.List()) != 0 {
		t.Errorf("the defaults have problems: %v", ps.List())
	}
}
