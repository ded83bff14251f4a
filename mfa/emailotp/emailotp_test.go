package emailotp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/mfa/internal/mfatest"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
)

type fixture struct {
	st     store.Store
	clock  *mfatest.Clock
	outbox *notify.Outbox
	s      *Sender
}

func newFixture(t *testing.T, cfg mfa.EmailConfig) *fixture {
	t.Helper()
	clock := mfatest.NewClock()
	st := mfatest.Store(t, clock.Now)
	for _, id := range []string{"acct-1", "acct-2"} {
		mfatest.Account(t, st, id)
	}
	outbox := &notify.Outbox{}
	return &fixture{st: st, clock: clock, outbox: outbox, s: NewSender(st, outbox, cfg, clock.Now)}
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// send sends a sign-in code and returns its ID and the code the email
// carried.
func (f *fixture) send(t *testing.T, account, email string) (id, code string) {
	t.Helper()
	id, err := f.s.Send(context.Background(), account, notify.PurposeSignIn, email, "fr")
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	m := f.outbox.Messages()[0]
	code = sixDigits.FindString(m.Text)
	if code == "" || m.To != email {
		t.Fatalf("no code in the message to %s", m.To)
	}
	return id, code
}

// stored reads an OTP record without changing it.
func (f *fixture) stored(t *testing.T, id string) store.OTP {
	t.Helper()
	var o store.OTP
	errRead := errors.New("read only")
	err := f.st.UpdateOTP(context.Background(), id, func(x store.OTP) (store.OTP, error) {
		o = x
		return x, errRead
	})
	if !errors.Is(err, errRead) {
		t.Fatalf("UpdateOTP: %v", err)
	}
	return o
}

func TestSendAndVerifyOnce(t *testing.T) {
	f := newFixture(t, mfa.EmailConfig{})
	ctx := context.Background()
	id, code := f.send(t, "acct-1", "person@example.ca")

	m := f.outbox.Messages()[0]
	for _, want := range []string{"Votre code de connexion", "Your sign-in code", "10 minutes"} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("message lacks %q", want)
		}
	}
	if strings.Index(m.Text, "Votre") > strings.Index(m.Text, "Your") {
		t.Error("French was asked for but comes second")
	}

	o := f.stored(t, id)
	sum := sha256.Sum256([]byte(code))
	if bytes.Contains(o.Hash, []byte(code)) || bytes.Equal(o.Hash, sum[:]) || len(o.Hash) != 32 {
		t.Error("the stored hash reveals the code")
	}
	if o.AccountID != "acct-1" || o.Purpose != notify.PurposeSignIn || !o.ExpiresAt.Equal(mfatest.Epoch.Add(10*time.Minute)) {
		t.Errorf("stored OTP: %+v", o.LogValue())
	}

	if err := f.s.Verify(ctx, id, "acct-1", code); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if err := f.s.Verify(ctx, id, "acct-1", code); !errors.Is(err, ErrInvalidCode) {
		t.Fatalf("second Verify: %v, want ErrInvalidCode", err)
	}
}

func TestExpiryBoundary(t *testing.T) {
	f := newFixture(t, mfa.EmailConfig{})
	ctx := context.Background()
	id1, code1 := f.send(t, "acct-1", "person@example.ca")
	id2, code2 := f.send(t, "acct-1", "person@example.ca")
	f.clock.Advance(10*time.Minute - time.Second)
	if err := f.s.Verify(ctx, id1, "acct-1", code1); err != nil {
		t.Fatalf("a code 1s before expiry: %v", err)
	}
	f.clock.Advance(time.Second)
	if err := f.s.Verify(ctx, id2, "acct-1", code2); !errors.Is(err, ErrInvalidCode) {
		t.Fatalf("a code at exactly 10 minutes: %v, want ErrInvalidCode", err)
	}
	f.clock.Advance(time.Hour)
	if err := f.s.Verify(ctx, id2, "acct-1", code2); !errors.Is(err, ErrInvalidCode) {
		t.Fatalf("a code long expired: %v, want ErrInvalidCode", err)
	}
}

func TestWrongCodesBurn(t *testing.T) {
	f := newFixture(t, mfa.EmailConfig{})
	ctx := context.Background()
	id, code := f.send(t, "acct-1", "person@example.ca")
	wrong := fmt.Sprintf("%06d", (mustAtoi(t, code)+1)%1_000_000)
	for i := 1; i <= MaxAttempts-1; i++ {
		if err := f.s.Verify(ctx, id, "acct-1", wrong); !errors.Is(err, ErrInvalidCode) {
			t.Fatalf("wrong try %d: %v", i, err)
		}
		if o := f.stored(t, id); o.Attempts != i || o.Consumed {
			t.Fatalf("after %d wrong tries: attempts %d, consumed %v", i, o.Attempts, o.Consumed)
		}
	}
	// Malformed input counts like any wrong code.
	if err := f.s.Verify(ctx, id, "acct-1", "12 34"); !errors.Is(err, ErrInvalidCode) {
		t.Fatalf("malformed try: %v", err)
	}
	if o := f.stored(t, id); !o.Consumed {
		t.Fatalf("not burnt after %d wrong tries", MaxAttempts)
	}
	if err := f.s.Verify(ctx, id, "acct-1", code); !errors.Is(err, ErrInvalidCode) {
		t.Fatalf("the right code after the code burnt: %v", err)
	}

	// Four wrong tries leave the right one working.
	id, code = f.send(t, "acct-1", "person@example.ca")
	for range MaxAttempts - 1 {
		_ = f.s.Verify(ctx, id, "acct-1", "000000x")
	}
	if err := f.s.Verify(ctx, id, "acct-1", code); err != nil {
		t.Fatalf("the right code after %d wrong tries: %v", MaxAttempts-1, err)
	}
}

func TestOtherAccountAndUnknownID(t *testing.T) {
	f := newFixture(t, mfa.EmailConfig{})
	ctx := context.Background()
	id, code := f.send(t, "acct-1", "person@example.ca")
	if err := f.s.Verify(ctx, id, "acct-2", code); !errors.Is(err, ErrInvalidCode) {
		t.Fatalf("another account's code: %v", err)
	}
	if o := f.stored(t, id); o.Attempts != 0 || o.Consumed {
		t.Fatal("another account's try changed the code")
	}
	if err := f.s.Verify(ctx, "no-such-id", "acct-1", code); !errors.Is(err, ErrInvalidCode) {
		t.Fatalf("unknown ID: %v", err)
	}
	if err := f.s.Verify(ctx, id, "acct-1", code); err != nil {
		t.Fatalf("the owner's try: %v", err)
	}
}

func TestAccountDailyCap(t *testing.T) {
	f := newFixture(t, mfa.EmailConfig{MaxSendsPerDay: 3})
	ctx := context.Background()
	for i := range 3 {
		f.send(t, "acct-1", fmt.Sprintf("a%d@example.ca", i))
		f.clock.Advance(time.Hour)
	}
	if _, err := f.s.Send(ctx, "acct-1", notify.PurposeSignIn, "other@example.ca", "en"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("4th send in a day: %v, want ErrRateLimited", err)
	}
	if n := len(f.outbox.Messages()); n != 3 {
		t.Fatalf("%d messages sent, want 3", n)
	}
	f.send(t, "acct-2", "b@example.ca") // another account is not limited
	f.clock.Advance(21*time.Hour + time.Second)
	f.send(t, "acct-1", "a0@example.ca")
}

func TestAddressHourlyCap(t *testing.T) {
	f := newFixture(t, mfa.EmailConfig{MaxSendsPerAddressPerHour: 2})
	ctx := context.Background()
	f.send(t, "acct-1", "shared@example.ca")
	f.send(t, "acct-2", "Shared@Example.ca")
	if _, err := f.s.Send(ctx, "acct-1", notify.PurposeSignIn, " SHARED@example.ca", "en"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("3rd send to one address in an hour: %v, want ErrRateLimited", err)
	}
	f.send(t, "acct-1", "other@example.ca")
	f.clock.Advance(time.Hour + time.Second)
	f.send(t, "acct-1", "shared@example.ca")
}

func TestDefaultCaps(t *testing.T) {
	f := newFixture(t, mfa.EmailConfig{})
	ctx := context.Background()
	for i := range 10 {
		if i%5 == 0 {
			f.clock.Advance(time.Hour + time.Second) // stay under the hourly address cap
		}
		f.send(t, "acct-1", "person@example.ca")
	}
	if _, err := f.s.Send(ctx, "acct-1", notify.PurposeSignIn, "person@example.ca", "en"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("11th send in a day: %v, want ErrRateLimited", err)
	}
}

type brokenNotifier struct{}

func (brokenNotifier) Send(context.Context, notify.Message) error { return errors.New("relay down") }

func TestDeliveryFailure(t *testing.T) {
	clock := mfatest.NewClock()
	st := mfatest.Store(t, clock.Now)
	mfatest.Account(t, st, "acct-1")
	s := NewSender(st, brokenNotifier{}, mfa.EmailConfig{MaxSendsPerDay: 1}, clock.Now)
	_, err := s.Send(context.Background(), "acct-1", notify.PurposeSignIn, "person@example.ca", "en")
	if err == nil || !strings.Contains(err.Error(), "relay down") {
		t.Fatalf("Send through a broken relay: %v", err)
	}
	if sixDigits.MatchString(err.Error()) {
		t.Fatalf("the error carries a code: %v", err)
	}
	// The failed send still counts toward the cap.
	_, err = s.Send(context.Background(), "acct-1", notify.PurposeSignIn, "person@example.ca", "en")
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("send after a failed one: %v, want ErrRateLimited", err)
	}
}

func TestUnknownPurpose(t *testing.T) {
	f := newFixture(t, mfa.EmailConfig{})
	if _, err := f.s.Send(context.Background(), "acct-1", "marketing", "person@example.ca", "en"); err == nil {
		t.Fatal("Send with an unknown purpose succeeded")
	}
	if len(f.outbox.Messages()) != 0 {
		t.Fatal("a message was sent")
	}
}

func TestCodesAreUniform(t *testing.T) {
	seen := map[byte]int{}
	for range 2000 {
		c, err := randomCode()
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != 6 {
			t.Fatalf("code %q is not six digits", c)
		}
		for i := 0; i < len(c); i++ {
			seen[c[i]]++
		}
	}
	for d := byte('0'); d <= '9'; d++ {
		if n := seen[d]; n < 900 || n > 1500 {
			t.Errorf("digit %c drawn %d times in 12000, want about 1200", d, n)
		}
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRegulatedNeverBurns: under the failure regulator, wrong tries do
// not burn the code: the right code, unexpired, still works after many
// wrong ones, once; and an expired code never does.
func TestRegulatedNeverBurns(t *testing.T) {
	f := newFixture(t, mfa.EmailConfig{})
	ctx := context.Background()
	id, code := f.send(t, "acct-1", "person@example.ca")
	wrong := fmt.Sprintf("%06d", (mustAtoi(t, code)+1)%1_000_000)
	for i := range 2 * MaxAttempts {
		if err := f.s.VerifyRegulated(ctx, id, "acct-1", wrong); !errors.Is(err, ErrInvalidCode) {
			t.Fatalf("wrong try %d: %v", i+1, err)
		}
	}
	if o := f.stored(t, id); o.Consumed || o.Attempts != 2*MaxAttempts {
		t.Fatalf("after %d wrong tries: consumed %v, attempts %d", 2*MaxAttempts, o.Consumed, o.Attempts)
	}
	if err := f.s.VerifyRegulated(ctx, id, "acct-1", code); err != nil {
		t.Fatalf("the right code after %d wrong tries: %v", 2*MaxAttempts, err)
	}
	if err := f.s.VerifyRegulated(ctx, id, "acct-1", code); !errors.Is(err, ErrInvalidCode) {
		t.Fatalf("the right code a second time: %v, want ErrInvalidCode", err)
	}
	id, code = f.send(t, "acct-1", "person@example.ca")
	f.clock.Advance(10 * time.Minute)
	if err := f.s.VerifyRegulated(ctx, id, "acct-1", code); !errors.Is(err, ErrInvalidCode) {
		t.Fatalf("an expired code: %v, want ErrInvalidCode", err)
	}
}
