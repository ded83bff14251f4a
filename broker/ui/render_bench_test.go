package ui

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkRenderCode renders the authenticator-app challenge, the one
// page of a returning person's sign-in, with its time limit and the
// other ways to sign in:
//
//	go test -run '^$' -bench RenderCode -benchmem ./broker/ui
func BenchmarkRenderCode(b *testing.B) {
	u, err := New(Config{}, true)
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/login/abc/mfa/use/f1", nil)
	data := &CodeData{Common: Common{CSRF: "csrf-token", Limit: &TimeLimit{Left: 29 * time.Minute, ExtendAction: "/login/abc/extend"}},
		Kind: "totp", Action: "/login/abc/mfa/use/f1", LostURL: "/login/abc/mfa/recovery", CancelURL: "/login/abc/cancel",
		Switch: []Choice{{ID: "f2", Name: "Email", Action: "/login/abc/mfa/use/f2"}}}
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		w.Body.Reset()
		u.Render(w, r, http.StatusOK, "en", PageCode, data)
	}
	if w.Code != http.StatusOK {
		b.Fatalf("status %d", w.Code)
	}
}
