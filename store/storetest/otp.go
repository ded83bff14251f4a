package storetest

import (
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// readOTP reads a one-time code through UpdateOTP (the contract has no
// GetOTP), writing it back unchanged.
func readOTP(t *testing.T, s store.Store, id string) (store.OTP, error) {
	t.Helper()
	var got store.OTP
	err := s.UpdateOTP(t.Context(), id, func(o store.OTP) (store.OTP, error) {
		got = o
		return o, nil
	})
	return got, err
}

// testOTPs: create, update, duplicate and missing one-time codes, and an
// update whose fn fails writes nothing.
func testOTPs(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	o := otp("otp-1", "acct-1", 10*time.Minute)
	must(t, s.CreateOTP(ctx, o), "CreateOTP")
	wantErr(t, s.CreateOTP(ctx, o), store.ErrAlreadyExists, "CreateOTP duplicate")
	got, err := readOTP(t, s, "otp-1")
	must(t, err, "UpdateOTP read")
	same(t, got, o, "UpdateOTP read")

	must(t, s.UpdateOTP(ctx, "otp-1", func(x store.OTP) (store.OTP, error) {
		x.Attempts++
		return x, nil
	}), "UpdateOTP attempt")
	o.Attempts++
	wantErr(t, s.UpdateOTP(ctx, "otp-1", func(x store.OTP) (store.OTP, error) {
		x.Consumed, x.Attempts = true, 9
		return x, errRefused
	}), errRefused, "UpdateOTP refused")
	got, err = readOTP(t, s, "otp-1")
	must(t, err, "UpdateOTP read after updates")
	same(t, got, o, "one-time code after an update and a refused one")

	must(t, s.UpdateOTP(ctx, "otp-1", func(x store.OTP) (store.OTP, error) {
		x.Consumed = true
		return x, nil
	}), "UpdateOTP consume")
	o.Consumed = true
	got, err = readOTP(t, s, "otp-1")
	must(t, err, "UpdateOTP read consumed (kept until it expires)")
	same(t, got, o, "consumed one-time code")

	called := false
	wantErr(t, s.UpdateOTP(ctx, "otp-9", flagCall[store.OTP](&called)), store.ErrNotFound, "UpdateOTP missing")
	if called {
		t.Error("UpdateOTP ran fn on a missing code")
	}
}

// testOTPExpiry: a one-time code past its ExpiresAt is not found before
// any Sweep, and fn never runs on it.
func testOTPExpiry(t *testing.T, newStore NewStore) {
	s, clk := open(t, newStore)
	must(t, s.CreateOTP(t.Context(), otp("otp-1", "acct-1", 10*time.Minute)), "CreateOTP")
	clk.Advance(10*time.Minute - time.Second)
	_, err := readOTP(t, s, "otp-1")
	must(t, err, "UpdateOTP just before expiry")
	clk.Advance(2 * time.Second)
	called := false
	wantErr(t, s.UpdateOTP(t.Context(), "otp-1", flagCall[store.OTP](&called)), store.ErrNotFound, "UpdateOTP expired")
	if called {
		t.Error("UpdateOTP ran fn on an expired code")
	}
}

// testHit: a window starts at the first hit (store clock) and lasts
// window; the first hit after it ended starts a new window at 1. Keys are
// counted apart. (The instant start+window itself is not checked: bolt
// treats it as still inside, like ExpiresAt == now elsewhere.)
func testHit(t *testing.T, newStore NewStore) {
	s, clk := open(t, newStore)
	ctx := t.Context()
	hit := func(key string, window time.Duration, want int, what string) {
		t.Helper()
		n, err := s.Hit(ctx, key, window)
		must(t, err, what)
		if n != want {
			t.Errorf("%s: Hit(%q) = %d, want %d", what, key, n, want)
		}
	}
	hit("send:acct-1", time.Hour, 1, "first hit")
	hit("send:acct-1", time.Hour, 2, "second hit")
	hit("send:acct-2", time.Hour, 1, "other key")
	clk.Advance(time.Hour - time.Second) // epoch+59m59s
	hit("send:acct-1", time.Hour, 3, "last second of the window")
	clk.Advance(2 * time.Second) // epoch+1h1s: the first window ended
	hit("send:acct-1", time.Hour, 1, "first hit after the window")
	clk.Advance(30 * time.Minute) // the new window started at epoch+1h1s
	hit("send:acct-1", time.Hour, 2, "inside the new window")
	hit("send:acct-2", time.Hour, 1, "other key after its window")
	clk.Advance(30*time.Minute + time.Second) // epoch+2h2s
	hit("send:acct-1", time.Hour, 1, "after the second window")
	hit("send:acct-2", time.Hour, 2, "other key, its own window")
}
