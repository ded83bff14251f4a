package saml

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// acceptAll is a replay store that forgets, so one response can be
// verified again and again (the store's own Hit is measured by the
// store benchmarks).
type acceptAll struct{}

func (acceptAll) Hit(context.Context, string, time.Duration) (int, error) { return 1, nil }

// cpuTime is the CPU time this process has used (user and system, every
// thread, the garbage collector's included).
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measureCPU runs op in b.Loop and reports, besides ns/op (wall time,
// which a loaded machine inflates), cpu-ns/op: the CPU time used per
// operation, which is what a sign-in costs the server.
func measureCPU(b *testing.B, op func()) {
	b.ReportAllocs()
	var start time.Duration
	first := true
	for b.Loop() {
		if first {
			start, first = cpuTime(b), false
		}
		op()
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkHandleResponse is the SP's CPU cost of one SAML sign-in's
// answer: parse, guard, RSA-OAEP key unwrap, AES decryption, two XML
// signature checks (Response and assertion, 2048-bit RSA-SHA256) and
// every condition.
func BenchmarkHandleResponse(b *testing.B) {
	ti := newTestIdP(b, env{})
	ti.p.SetReplayStore(acceptAll{})
	flow := testFlow("1")
	body := ti.signIn(flow).Encode()
	measureCPU(b, func() {
		r := httptest.NewRequest(http.MethodPost, ti.urls().Callback, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if _, _, err := ti.p.HandleResponse(b.Context(), flow, r); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkLoginURL is the cost of one signed AuthnRequest redirect.
func BenchmarkLoginURL(b *testing.B) {
	ti := newTestIdP(b, env{})
	flow := testFlow("1")
	flow.CallbackURL = ti.urls().Callback
	measureCPU(b, func() {
		if _, _, err := ti.p.LoginURL(b.Context(), flow, providersLoginOptions()); err != nil {
			b.Fatal(err)
		}
	})
}
