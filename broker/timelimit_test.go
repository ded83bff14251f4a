package broker_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSignInTimeLimit: every sign-in page says how long is left; "more
// time" (what page.js posts) gives a whole sign-in time again from now,
// keeps what the request holds, and never past four times it from the
// start; without the form's token, from another browser or once the
// sign-in is over, it gives nothing.
func TestSignInTimeLimit(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	p := b.Get(a.url)
	if !strings.Contains(p.Body, "You have 30 minutes left to finish signing in.") {
		t.Fatalf("the chooser does not say how long is left: %.3000s", p.Body)
	}
	ar := requestOf(t, e, p)
	extend := e.issuer + "/login/" + ar.ID + "/extend"
	csrf := csrfOf(t, p)
	more := func(b *browser, token string) (int, int64) { return moreTime(b, extend, token) }
	e.clock.Advance(29 * time.Minute)
	if st, in := more(b, csrf); st != http.StatusOK || in != 1800 {
		t.Fatalf("more time after 29 minutes: %d, %ds; want 200, 1800s", st, in)
	}
	e.clock.Advance(29 * time.Minute) // 58 minutes in: still open
	if q := b.Get(e.issuer + "/login/" + ar.ID); !strings.Contains(q.Body, "You have 1 minute left") {
		t.Fatalf("the extended sign-in: %d %.2000s", q.Resp.StatusCode, q.Body)
	}
	for i := range 4 { // 58, 78, 98 and 118 minutes in
		if st, _ := more(b, csrf); st != http.StatusOK {
			t.Fatalf("more time %d: %d", i, st)
		}
		if i < 3 {
			e.clock.Advance(20 * time.Minute)
		}
	}
	got, err := e.store.GetAuthRequest(t.Context(), ar.ID)
	if err != nil {
		t.Fatal(err)
	}
	if limit := got.CreatedAt.Add(4 * 30 * time.Minute); !got.ExpiresAt.Equal(limit) {
		t.Errorf("extended to %s, past four sign-in times from the start (%s)", got.ExpiresAt, limit)
	}
	if st, _ := more(b, "forged"); st != http.StatusForbidden {
		t.Errorf("more time with a forged token: %d, want 403", st)
	}
	if st, _ := more(e.browser(), csrf); st != http.StatusForbidden {
		t.Errorf("more time from another browser: %d, want 403", st)
	}
	e.clock.Advance(3 * time.Minute) // past the cap: over
	if st, in := more(b, csrf); st == http.StatusOK || in != 0 {
		t.Errorf("more time past the cap: %d, %ds", st, in)
	}
}
