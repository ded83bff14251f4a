package emailotp

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/passerelle/passerelle/internal/randid"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
)

// Errors of the factor. Both are safe to show as a generic message.
var (
	// ErrRateLimited means too many codes were sent for this account or
	// to this address lately.
	ErrRateLimited = mfa.ErrRateLimited
	// ErrInvalidCode means the code is wrong, expired, already used,
	// burnt by too many tries, or not this account's.
	ErrInvalidCode = errors.New("emailotp: invalid or expired code")
)

// MaxAttempts is how many wrong tries burn a code.
const MaxAttempts = 5

// A code is codeDigits decimal digits: codeSpace values.
const (
	codeDigits = 6
	codeSpace  = 1_000_000
)

// Rate-limit windows.
const (
	accountWindow = 24 * time.Hour
	addressWindow = time.Hour
)

// Sender sends and checks email codes.
type Sender struct {
	st  store.Store
	n   notify.Notifier
	cfg mfa.EmailConfig
	now func() time.Time
}

// NewSender returns a Sender that keeps codes in st and delivers them
// through n. Unset values of cfg take their defaults; now is time.Now when
// nil.
func NewSender(st store.Store, n notify.Notifier, cfg mfa.EmailConfig, now func() time.Time) *Sender {
	cfg.SetDefaults()
	if now == nil {
		now = time.Now
	}
	return &Sender{st: st, n: n, cfg: cfg, now: now}
}

// Send draws a code for accountID and purpose (one of the notify.Purpose
// constants), stores it hashed and emails it to email, bilingual with lang
// first. It returns the code's ID, which the caller keeps (in the auth
// request or a sealed form field) to verify the answer. ErrRateLimited
// means a cap is reached and nothing was sent.
func (s *Sender) Send(ctx context.Context, accountID, purpose, email, lang string) (otpID string, err error) {
	if !notify.ValidPurpose(purpose) {
		return "", fmt.Errorf("emailotp: unknown purpose %q", purpose)
	}
	n, err := s.st.Hit(ctx, "email-code:acct:"+accountID, accountWindow)
	if err != nil {
		return "", fmt.Errorf("emailotp: rate limit: %w", err)
	}
	if n > s.cfg.MaxSendsPerDay {
		return "", ErrRateLimited
	}
	n, err = s.st.Hit(ctx, "email-code:addr:"+addressKey(email), addressWindow)
	if err != nil {
		return "", fmt.Errorf("emailotp: rate limit: %w", err)
	}
	if n > s.cfg.MaxSendsPerAddressPerHour {
		return "", ErrRateLimited
	}

	id := NewID()
	code, err := randomCode()
	if err != nil {
		return "", err
	}
	now := s.now()
	o := store.OTP{
		ID:        id,
		AccountID: accountID,
		Purpose:   purpose,
		Hash:      hashCode(id, code),
		Email:     email,
		CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.CodeTTL),
	}
	if err := s.st.CreateOTP(ctx, o); err != nil {
		return "", fmt.Errorf("emailotp: store code: %w", err)
	}
	if err := s.n.Send(ctx, notify.CodeMessage(email, lang, purpose, code, s.cfg.CodeTTL)); err != nil {
		// Burn the code nobody received; the send still counted.
		_ = s.st.UpdateOTP(ctx, id, func(o store.OTP) (store.OTP, error) {
			o.Consumed = true
			return o, nil
		})
		return "", fmt.Errorf("emailotp: deliver code: %w", err)
	}
	return id, nil
}

// Verify checks code against the code otpID sent for accountID. It
// consumes the code on success, in the same store update that checks it,
// so a code works once even when two requests race. A wrong code counts
// one try, and the MaxAttempts-th wrong try burns the code. Any failure is
// ErrInvalidCode, except a store error.
func (s *Sender) Verify(ctx context.Context, otpID, accountID, code string) error {
	return s.verify(ctx, otpID, accountID, code, true)
}

// VerifyRegulated is Verify for a caller that reserved the try with the
// account's mfa.Regulator first: the regulator's delays and lock bound
// the guessing, so wrong tries do not burn the code, and the right code,
// unexpired, works once the regulator's wait is over (issue 13: a burnt
// code left a person at set-up with nothing that worked).
func (s *Sender) VerifyRegulated(ctx context.Context, otpID, accountID, code string) error {
	return s.verify(ctx, otpID, accountID, code, false)
}

func (s *Sender) verify(ctx context.Context, otpID, accountID, code string, burn bool) error {
	ok := false
	err := s.st.UpdateOTP(ctx, otpID, func(o store.OTP) (store.OTP, error) {
		if o.Consumed || o.AccountID != accountID || !s.now().Before(o.ExpiresAt) {
			return o, ErrInvalidCode
		}
		if subtle.ConstantTimeCompare(hashCode(o.ID, code), o.Hash) == 1 {
			ok = true
			o.Consumed = true
			return o, nil
		}
		ok = false // fn may run again when a batched commit is retried
		o.Attempts++
		if burn && o.Attempts >= MaxAttempts {
			o.Consumed = true
		}
		return o, nil
	})
	switch {
	case errors.Is(err, ErrInvalidCode), errors.Is(err, store.ErrNotFound):
		return ErrInvalidCode
	case err != nil:
		return fmt.Errorf("emailotp: check code: %w", err)
	case !ok:
		return ErrInvalidCode
	}
	return nil
}

// hashCode binds the code to its record, so equal codes of two records
// never share a hash.
func hashCode(id, code string) []byte {
	h := sha256.New()
	h.Write([]byte("passerelle email code\x00"))
	h.Write([]byte(id))
	h.Write([]byte{0})
	h.Write([]byte(code))
	return h.Sum(nil)
}

// addressKey names an address in a rate-limit key without storing it:
// the hash of its case-folded form.
func addressKey(email string) string {
	h := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(h[:])
}

// NewID draws a code ID in the form Send returns: 128 random bits, hex.
// A caller that must not reveal whether a code was sent (providers/local,
// for an unknown person) answers with one as a decoy; Verify refuses it
// like any unknown ID.
func NewID() string { return randid.Hex(16) }

// randomCode draws codeDigits decimal digits uniformly.
func randomCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(codeSpace))
	if err != nil {
		return "", fmt.Errorf("emailotp: random source: %w", err)
	}
	return fmt.Sprintf("%0*d", codeDigits, n.Int64()), nil
}
