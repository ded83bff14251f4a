package local

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/mfa/emailotp"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/bolt"
)

// clock is a manual clock shared by a fixture's store, sender and service.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

type fixture struct {
	clock  *clock
	st     store.Store
	outbox *notify.Outbox
	codes  *emailotp.Sender
	svc    *Service
}

// newFixture builds a service on a real bbolt store; change, when not
// nil, adjusts the configuration.
func newFixture(t *testing.T, change func(*Config)) *fixture {
	t.Helper()
	clk := &clock{now: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)}
	st, err := bolt.Open(filepath.Join(t.TempDir(), "passerelle.db"), bolt.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{clock: clk, st: st, outbox: &notify.Outbox{}}
	f.codes = emailotp.NewSender(st, f.outbox, mfa.EmailConfig{}, clk.Now)
	f.svc = f.service(t, change)
	return f
}

// service builds another service on the fixture's store.
func (f *fixture) service(t *testing.T, change func(*Config)) *Service {
	t.Helper()
	cfg := Config{ID: "gckey", Name: map[string]string{"en": "GCKey", "fr": "CléGC"}}
	if change != nil {
		change(&cfg)
	}
	svc, err := New(cfg, f.st, f.codes, f.clock.Now)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return svc
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// lastCode returns the code of the newest message to email, "" if none.
func (f *fixture) lastCode(email string) string {
	for _, m := range f.outbox.Messages() {
		if m.To == email {
			return sixDigits.FindString(m.Text)
		}
	}
	return ""
}

const goodPassword = "marmotte vole sur la glace"

// register registers and confirms jeanne.
func (f *fixture) register(t *testing.T) store.LocalUser {
	t.Helper()
	ctx := context.Background()
	pending, otpID, err := f.svc.Register(ctx, "Jeanne", "jeanne@example.ca", goodPassword, "fr")
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	u, err := f.svc.Confirm(ctx, pending, otpID, f.lastCode("jeanne@example.ca"))
	if err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	return u
}

func TestRegisterConfirmLogin(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	pending, otpID, err := f.svc.Register(ctx, " Jeanne ", "jeanne@Example.CA", goodPassword, "fr")
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	stored, err := f.st.GetLocalUser(ctx, pending)
	if err != nil || stored.Confirmed || stored.Username != "jeanne" || stored.Email != "jeanne@example.ca" ||
		!stored.ExpiresAt.Equal(f.clock.Now().Add(24*time.Hour)) {
		t.Fatalf("stored user = %+v, %v", stored, err)
	}
	msgs := f.outbox.Messages()
	if len(msgs) != 1 || msgs[0].Subject == "" || f.lastCode("jeanne@example.ca") == "" {
		t.Fatalf("confirmation email not sent: %+v", msgs)
	}

	_, _, err = f.svc.Authenticate(ctx, "jeanne", goodPassword)
	if !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("Login before confirmation: %v, want ErrInvalidCredentials", err)
	}
	if _, err := f.svc.Confirm(ctx, pending, otpID, "000000"); !errors.Is(err, ErrInvalidCode) {
		t.Errorf("Confirm with a wrong code: %v", err)
	}
	u, err := f.svc.Confirm(ctx, pending, otpID, f.lastCode("jeanne@example.ca"))
	if err != nil || !u.Confirmed || !u.ExpiresAt.IsZero() {
		t.Fatalf("Confirm = %+v, %v", u, err)
	}
	if _, err := f.svc.Confirm(ctx, pending, otpID, f.lastCode("jeanne@example.ca")); !errors.Is(err, ErrInvalidCode) {
		t.Errorf("Confirm twice: %v", err)
	}

	f.clock.Advance(48 * time.Hour) // a confirmed user does not expire
	got, id, err := f.svc.Authenticate(ctx, "JEANNE", goodPassword)
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if got.ID != pending || id.Subject != pending || id.Email != "jeanne@example.ca" || !id.EmailVerified ||
		!slices.Equal(id.AMR, []string{"pwd"}) || !id.AuthTime.Equal(f.clock.Now()) {
		t.Errorf("Login = %+v, %+v", got, id)
	}
	// NFKC: the same password typed with a fullwidth letter.
	if _, _, err := f.svc.Authenticate(ctx, "jeanne", "ｍarmotte vole sur la glace"); err != nil {
		t.Errorf("Login with a compatibility form of the password: %v", err)
	}
}

func TestConfirmExpiry(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.ConfirmWithin = time.Hour })
	ctx := context.Background()

	// The code expires (10 minutes) before the registration does.
	pending, otpID, err := f.svc.Register(ctx, "jeanne", "jeanne@example.ca", goodPassword, "en")
	if err != nil {
		t.Fatal(err)
	}
	code := f.lastCode("jeanne@example.ca")
	f.clock.Advance(11 * time.Minute)
	if _, err := f.svc.Confirm(ctx, pending, otpID, code); !errors.Is(err, ErrInvalidCode) {
		t.Errorf("Confirm with an expired code: %v", err)
	}
	otpID, err = f.svc.Resend(ctx, pending, "en")
	if err != nil {
		t.Fatalf("Resend: %v", err)
	}
	code = f.lastCode("jeanne@example.ca")

	// The registration expires: the code no longer confirms it, and the
	// username and email are free again.
	f.clock.Advance(time.Hour)
	if _, err := f.svc.Confirm(ctx, pending, otpID, code); !errors.Is(err, ErrInvalidCode) {
		t.Errorf("Confirm an expired registration: %v", err)
	}
	again, _, err := f.svc.Register(ctx, "jeanne", "jeanne@example.ca", goodPassword, "en")
	if err != nil || again == pending {
		t.Errorf("Register over an expired registration: %q, %v", again, err)
	}
}

func TestRegisterRefusals(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	f.register(t)
	sent := len(f.outbox.Messages())

	_, _, err := f.svc.Register(ctx, "JEANNE", "other@example.ca", goodPassword, "en")
	if !errors.Is(err, ErrUsernameTaken) {
		t.Errorf("Register a taken username: %v", err)
	}
	_, _, err = f.svc.Register(ctx, "x", "other@example.ca", goodPassword, "en")
	if !errors.Is(err, ErrBadUsername) {
		t.Errorf("Register a bad username: %v", err)
	}
	_, _, err = f.svc.Register(ctx, "other", "not-an-address", goodPassword, "en")
	if !errors.Is(err, ErrBadEmail) {
		t.Errorf("Register a bad email: %v", err)
	}
	_, _, err = f.svc.Register(ctx, "other", "other@example.ca", "password1", "en")
	var pe *PasswordError
	if !errors.As(err, &pe) || !slices.Equal(pe.Problems, []string{RuleTooShort, RuleCommon}) {
		t.Errorf("Register a bad password: %v", err)
	}

	// A taken email: the same shape as a real registration, nothing
	// created, nothing sent, and the confirmation leads nowhere.
	pending, otpID, err := f.svc.Register(ctx, "mallory", "jeanne@EXAMPLE.ca", goodPassword, "en")
	if err != nil || len(pending) != 32 || len(otpID) != 32 {
		t.Fatalf("Register a taken email = %q, %q, %v; want two IDs and no error", pending, otpID, err)
	}
	if n := len(f.outbox.Messages()); n != sent {
		t.Errorf("Register a taken email sent %d message(s)", n-sent)
	}
	if _, err := f.st.GetLocalUserByUsername(ctx, "mallory"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Register a taken email created a user: %v", err)
	}
	if _, err := f.svc.Confirm(ctx, pending, otpID, "123456"); !errors.Is(err, ErrInvalidCode) {
		t.Errorf("Confirm a decoy: %v", err)
	}
	if id, err := f.svc.Resend(ctx, pending, "en"); err != nil || len(id) != 32 || len(f.outbox.Messages()) != sent {
		t.Errorf("Resend a decoy = %q, %v", id, err)
	}
}

func TestLoginFailuresAlike(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	f.register(t)
	for _, tc := range []struct{ name, username, password string }{
		{"wrong password", "jeanne", goodPassword + "!"},
		{"unknown user", "nobody", goodPassword},
		{"invalid username", "?", goodPassword},
	} {
		if _, _, err := f.svc.Authenticate(ctx, tc.username, tc.password); err != ErrInvalidCredentials {
			t.Errorf("Login %s: %v, want ErrInvalidCredentials itself", tc.name, err)
		}
	}
}

func TestRehashOnLogin(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	u := f.register(t)
	if _, _, err := f.svc.Authenticate(ctx, "jeanne", goodPassword); err != nil {
		t.Fatal(err)
	}
	same, _ := f.st.GetLocalUser(ctx, u.ID)
	if same.PasswordHash != u.PasswordHash {
		t.Error("Login rehashed with unchanged parameters")
	}

	stronger := f.service(t, func(c *Config) { c.Argon2.MemoryKiB, c.Argon2.Time = 12288, 3 })
	got, _, err := stronger.Authenticate(ctx, "jeanne", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := f.st.GetLocalUser(ctx, u.ID)
	if stored.PasswordHash == u.PasswordHash || got.PasswordHash != stored.PasswordHash {
		t.Fatalf("hash not replaced: %q", stored.PasswordHash)
	}
	if h, err := parseHash(stored.PasswordHash); err != nil || h.outdated(stronger.cfg.Argon2) {
		t.Errorf("new hash %q, %v: not under the new parameters", stored.PasswordHash, err)
	}
	if _, _, err := stronger.Authenticate(ctx, "jeanne", goodPassword); err != nil {
		t.Errorf("Login after the rehash: %v", err)
	}
}

func TestReset(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	f.register(t)
	sent := len(f.outbox.Messages())
	const newPassword = "ours polaire sur la banquise"

	// An unknown user: the same shape, nothing sent, finishing fails.
	for _, who := range []string{"nobody", "nobody@example.ca"} {
		resetID, otpID, err := f.svc.StartReset(ctx, who, "fr")
		if err != nil || resetID == "" || len(otpID) != 32 {
			t.Fatalf("StartReset(%q) = %q, %q, %v", who, resetID, otpID, err)
		}
		if err := f.svc.FinishReset(ctx, resetID, otpID, "123456", newPassword); !errors.Is(err, ErrInvalidCode) {
			t.Errorf("FinishReset for %q: %v", who, err)
		}
	}
	if n := len(f.outbox.Messages()); n != sent {
		t.Fatalf("StartReset for unknown users sent %d message(s)", n-sent)
	}

	// An existing user, by email.
	resetID, otpID, err := f.svc.StartReset(ctx, "jeanne@EXAMPLE.ca", "fr")
	if err != nil || len(otpID) != 32 {
		t.Fatalf("StartReset = %q, %q, %v", resetID, otpID, err)
	}
	code := f.lastCode("jeanne@example.ca")
	if code == "" || len(f.outbox.Messages()) != sent+1 {
		t.Fatal("no reset code sent")
	}
	if again, _, _ := f.svc.StartReset(ctx, "jeanne@example.ca", "fr"); again != resetID {
		t.Error("resetID differs between two resets of one address")
	}
	if err := f.svc.FinishReset(ctx, resetID, otpID, "000000", newPassword); !errors.Is(err, ErrInvalidCode) {
		t.Errorf("FinishReset with a wrong code: %v", err)
	}
	var pe *PasswordError
	if err := f.svc.FinishReset(ctx, resetID, otpID, code, "short"); !errors.As(err, &pe) {
		t.Errorf("FinishReset with a bad password: %v", err)
	}
	if err := f.svc.FinishReset(ctx, resetID, otpID, code, newPassword); err != nil {
		t.Fatalf("FinishReset: %v", err)
	}
	if err := f.svc.FinishReset(ctx, resetID, otpID, code, newPassword); !errors.Is(err, ErrInvalidCode) {
		t.Errorf("FinishReset twice: %v", err)
	}
	if _, _, err := f.svc.Authenticate(ctx, "jeanne", goodPassword); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("Login with the old password: %v", err)
	}
	u, _, err := f.svc.Authenticate(ctx, "jeanne", newPassword)
	if err != nil || !u.PasswordChangedAt.Equal(f.clock.Now()) {
		t.Errorf("Login with the new password: %+v, %v", u, err)
	}

	// An unconfirmed user gets no code either.
	if _, _, err := f.svc.Register(ctx, "paul", "paul@example.ca", goodPassword, "en"); err != nil {
		t.Fatal(err)
	}
	before := len(f.outbox.Messages())
	if _, _, err := f.svc.StartReset(ctx, "paul", "en"); err != nil || len(f.outbox.Messages()) != before {
		t.Errorf("StartReset for an unconfirmed user: %v, sent %d", err, len(f.outbox.Messages())-before)
	}
}

func TestResendRateLimited(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	pending, _, err := f.svc.Register(ctx, "jeanne", "jeanne@example.ca", goodPassword, "en")
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, err = f.svc.Resend(ctx, pending, "en"); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrRateLimited) {
		t.Errorf("Resend past the caps: %v, want ErrRateLimited", err)
	}
}
