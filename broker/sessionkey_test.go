package broker

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// TestSessionKey: a new session cookie keys its session by its time
// digits then the hash of the whole value, in the order the cookies were
// made; a cookie made before (the secret alone) by its hash, as stored;
// a cookie whose time digits were changed names another key.
func TestSessionKey(t *testing.T) {
	at := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	c := newSessionCookie(at)
	if len(c) != sessionCookieLen || !strings.HasPrefix(c, "01a25397ff80") {
		t.Fatalf("cookie %q: want %d characters beginning with the time", c, sessionCookieLen)
	}
	k := sessionKey(c)
	if !bytes.Equal(k, append([]byte("01a25397ff80"), store.HashToken(c)...)) {
		t.Errorf("sessionKey(%q) = %x, want its time digits then its hash", c, k)
	}
	if later := sessionKey(newSessionCookie(at.Add(time.Millisecond))); bytes.Compare(later, k) <= 0 {
		t.Errorf("a cookie made later keys before: %x then %x", k, later)
	}
	old := randomSecret()
	if !bytes.Equal(sessionKey(old), store.HashToken(old)) {
		t.Errorf("a cookie of the secret alone must key its session by its hash, as stored before")
	}
	for _, v := range []string{c[:sessionCookieLen-1], c + "A"} {
		if !bytes.Equal(sessionKey(v), store.HashToken(v)) {
			t.Errorf("a cookie of %d characters, not a new cookie's %d, must key by its hash alone", len(v), sessionCookieLen)
		}
	}
	tampered := "01a25397ff81" + c[12:]
	if bytes.Equal(sessionKey(tampered)[12:], k[12:]) {
		t.Errorf("changing the time digits kept the hash")
	}
}
