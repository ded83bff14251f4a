package saml

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// acceptAll is a replay store that forgets, so one response can be
// verified again and again (the store's own Hit is measured by the
// store benchmarks).
type acceptAll struct{}

func (acceptAll) Hit(context.Context, string, time.Duration) (int, error) { return 1, nil }

// BenchmarkHandleResponse is the SP's CPU cost of one SAML sign-in's
// answer: parse, guard, RSA-OAEP key unwrap, AES decryption, two XML
// signature checks (Response and assertion, 2048-bit RSA-SHA256) and
// every condition.
func BenchmarkHandleResponse(b *testing.B) {
	ti := newTestIdP(b, env{})
	ti.p.SetReplayStore(acceptAll{})
	flow := testFlow("1")
	body := ti.signIn(flow).Encode()
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, ti.urls().Callback, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if _, _, err := ti.p.HandleResponse(b.Context(), flow, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoginURL is the cost of one signed AuthnRequest redirect.
func BenchmarkLoginURL(b *testing.B) {
	ti := newTestIdP(b, env{})
	flow := testFlow("1")
	flow.CallbackURL = ti.urls().Callback
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ti.p.LoginURL(b.Context(), flow, providersLoginOptions()); err != nil {
			b.Fatal(err)
		}
	}
}
