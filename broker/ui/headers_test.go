package ui

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestSecurityHeaders(t *testing.T) {
	const cspBase = "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self' https:"
	const cspTail = "; frame-ancestors 'none'; base-uri 'none'"
	tests := []struct {
		name     string
		tls      bool
		wantCSP  string
		wantHSTS string
	}{
		{"tls", true, cspBase + cspTail, "max-age=31536000; includeSubDomains"},
		{"plain http", false, cspBase + " http:" + cspTail, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := SecurityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusTeapot)
			}), tc.tls)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
			if w.Code != http.StatusTeapot {
				t.Errorf("next not called: status %d", w.Code)
			}
			want := map[string]string{
				"Content-Security-Policy":    tc.wantCSP,
				"Strict-Transport-Security":  tc.wantHSTS,
				"X-Content-Type-Options":     "nosniff",
				"Referrer-Policy":            "no-referrer",
				"X-Frame-Options":            "DENY",
				"Cross-Origin-Opener-Policy": "same-origin",
			}
			for k, v := range want {
				if got := w.Header().Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}
