package local

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/passerelle/passerelle/internal/randid"
	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/mfa/emailotp"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/providers"
	"github.com/passerelle/passerelle/store"
)

// Errors of the service. Each is safe to show as it is: none tells
// whether another person's username or email exists, except
// ErrUsernameTaken, which a person choosing a username must be told.
var (
	ErrUsernameTaken = errors.New("local: username is taken")
	// ErrInvalidCode: a wrong, expired, used or unknown code, or a
	// registration or reset that leads nowhere.
	ErrInvalidCode = errors.New("local: invalid or expired code")
	// ErrInvalidCredentials: unknown username, wrong password, or an
	// email address not yet confirmed.
	// It is providers.ErrInvalidCredentials.
	ErrInvalidCredentials = providers.ErrInvalidCredentials
	// ErrRateLimited: too many codes sent lately (emailotp's caps).
	ErrRateLimited = emailotp.ErrRateLimited
)

var _ providers.PasswordProvider = (*Service)(nil)

// Service is the built-in username/password credential service: the
// logic of registration, sign-in and password reset; the broker renders
// the pages. It is safe for concurrent use.
type Service struct {
	cfg   Config
	st    store.Store
	codes *emailotp.Sender
	now   func() time.Time
	// dummy is a hash of a random password under cfg.Argon2: Login
	// checks unknown usernames against it, to spend the same time.
	dummy phc
}

// New returns the service. Unset values of cfg take their defaults; an
// invalid cfg is a *validate.Error. now is time.Now when nil.
func New(cfg Config, st store.Store, codes *emailotp.Sender, now func() time.Time) (*Service, error) {
	cfg.SetDefaults()
	var ps validate.Problems
	cfg.Validate(&ps, "local")
	if err := ps.Err(); err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	encoded, err := hashPassword(randomID(), cfg.Argon2)
	if err != nil {
		return nil, err
	}
	dummy, err := parseHash(encoded)
	if err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, st: st, codes: codes, now: now, dummy: dummy}, nil
}

// Config returns the configuration in force, defaults filled in.
func (s *Service) Config() Config { return s.cfg }

// Register creates an unconfirmed user and emails it a six-digit code
// (purpose confirm-email, in lang first). It returns the user's ID
// (pendingID) and the code's ID, both for Confirm.
//
// A taken username is ErrUsernameTaken. An email address another user
// holds is not revealed: Register then creates nothing, sends nothing,
// and returns a random pendingID and otpID of the same shape, which
// Confirm refuses as a wrong code and Resend answers like any other.
// The address's owner loses nothing, and whoever typed it learns
// nothing they could not learn from a mistyped code.
//
// A password breaking rules is a *PasswordError. When the user was
// created but the code could not be sent, Register returns pendingID
// with the error: Resend sends another.
func (s *Service) Register(ctx context.Context, username, email, password, lang string) (pendingID, otpID string, err error) {
	if username, err = NormalizeUsername(username); err != nil {
		return "", "", err
	}
	if email, err = NormalizeEmail(email); err != nil {
		return "", "", err
	}
	if problems := s.CheckPassword(password, username, email); len(problems) > 0 {
		return "", "", &PasswordError{Problems: problems}
	}
	if _, err := s.st.GetLocalUserByUsername(ctx, username); err == nil {
		return "", "", ErrUsernameTaken
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", "", fmt.Errorf("local: find username: %w", err)
	}
	// Hash before looking at the email, so a held address costs the same.
	hash, err := hashPassword(prepare(password), s.cfg.Argon2)
	if err != nil {
		return "", "", err
	}
	if _, err := s.st.GetLocalUserByEmail(ctx, email); err == nil {
		pendingID, otpID = decoy()
		return pendingID, otpID, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", "", fmt.Errorf("local: find email: %w", err)
	}
	id := randomID()
	now := s.now()
	u := store.LocalUser{ID: id, Username: username, Email: email, PasswordHash: hash,
		ExpiresAt: now.Add(s.cfg.ConfirmWithin), CreatedAt: now, PasswordChangedAt: now}
	if err := s.st.CreateLocalUser(ctx, u); errors.Is(err, store.ErrAlreadyExists) {
		// Another registration won a race for the username or email.
		if _, err := s.st.GetLocalUserByUsername(ctx, username); err == nil {
			return "", "", ErrUsernameTaken
		}
		pendingID, otpID = decoy()
		return pendingID, otpID, nil
	} else if err != nil {
		return "", "", fmt.Errorf("local: create user: %w", err)
	}
	otpID, err = s.codes.Send(ctx, id, notify.PurposeConfirmEmail, email, lang)
	if err != nil {
		return id, "", err
	}
	return id, otpID, nil
}

// decoy is Register's answer for an email address another user holds.
func decoy() (pendingID, otpID string) {
	return randomID(), emailotp.NewID()
}

// Confirm checks the code sent for a registration and, when right,
// confirms the user: Confirmed set, ExpiresAt cleared. Any failure but a
// store error is ErrInvalidCode (a wrong, used or expired code, an
// expired registration, a decoy pendingID).
func (s *Service) Confirm(ctx context.Context, pendingID, otpID, code string) (store.LocalUser, error) {
	u, err := s.st.GetLocalUser(ctx, pendingID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.Confirmed) {
		return store.LocalUser{}, ErrInvalidCode
	} else if err != nil {
		return store.LocalUser{}, fmt.Errorf("local: find user: %w", err)
	}
	if err := s.verify(ctx, otpID, pendingID, code); err != nil {
		return store.LocalUser{}, err
	}
	err = s.st.UpdateLocalUser(ctx, pendingID, func(x store.LocalUser) (store.LocalUser, error) {
		x.Confirmed, x.ExpiresAt = true, time.Time{}
		u = x
		return x, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return store.LocalUser{}, ErrInvalidCode // expired while the code was checked
	} else if err != nil {
		return store.LocalUser{}, fmt.Errorf("local: confirm user: %w", err)
	}
	return u, nil
}

// verify checks a code sent for the user with this ID.
func (s *Service) verify(ctx context.Context, otpID, userID, code string) error {
	err := s.codes.Verify(ctx, otpID, userID, code)
	if errors.Is(err, emailotp.ErrInvalidCode) {
		return ErrInvalidCode
	}
	return err
}

// Resend sends a new confirmation code for a pending registration and
// returns its ID; ErrRateLimited past emailotp's caps. A pendingID that
// leads nowhere (a decoy, an expired or confirmed registration) gets a
// random otpID and nothing is sent.
func (s *Service) Resend(ctx context.Context, pendingID, lang string) (otpID string, err error) {
	u, err := s.st.GetLocalUser(ctx, pendingID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.Confirmed) {
		return emailotp.NewID(), nil
	} else if err != nil {
		return "", fmt.Errorf("local: find user: %w", err)
	}
	return s.codes.Send(ctx, u.ID, notify.PurposeConfirmEmail, u.Email, lang)
}

// Authenticate checks a username and password. An unknown username, a wrong
// password and an unconfirmed user are all ErrInvalidCredentials, after
// the same argon2id work. A hash made with other parameters than the
// configured ones is replaced on success. The identity carries the user's
// ID as subject and its confirmed email.
func (s *Service) Authenticate(ctx context.Context, username, password string) (store.LocalUser, providers.Identity, error) {
	pw := prepare(password)
	name, err := NormalizeUsername(username)
	if err != nil {
		s.dummy.matches(pw)
		return store.LocalUser{}, providers.Identity{}, ErrInvalidCredentials
	}
	u, err := s.st.GetLocalUserByUsername(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		s.dummy.matches(pw)
		return store.LocalUser{}, providers.Identity{}, ErrInvalidCredentials
	} else if err != nil {
		return store.LocalUser{}, providers.Identity{}, fmt.Errorf("local: find user: %w", err)
	}
	h, err := parseHash(u.PasswordHash)
	if err != nil {
		return store.LocalUser{}, providers.Identity{}, fmt.Errorf("local: user %s: %w", u.ID, err)
	}
	if !h.matches(pw) || !u.Confirmed {
		return store.LocalUser{}, providers.Identity{}, ErrInvalidCredentials
	}
	if h.outdated(s.cfg.Argon2) {
		if u, err = s.rehash(ctx, u, pw); err != nil {
			return store.LocalUser{}, providers.Identity{}, err
		}
	}
	id := providers.Identity{Subject: u.ID, Email: u.Email, EmailVerified: true,
		AMR: []string{"pwd"}, AuthTime: s.now()}
	return u, id, nil
}

// Login is Authenticate for the broker (providers.PasswordProvider):
// the identity only.
func (s *Service) Login(ctx context.Context, username, password string) (providers.Identity, error) {
	_, id, err := s.Authenticate(ctx, username, password)
	return id, err
}

// Subject is the user ID a username names, confirmed or not, without
// checking any password (providers.PasswordProvider): the broker counts
// failures against the account linked to it. ErrInvalidCredentials when
// the username is unknown.
func (s *Service) Subject(ctx context.Context, username string) (string, error) {
	name, err := NormalizeUsername(username)
	if err != nil {
		return "", ErrInvalidCredentials
	}
	u, err := s.st.GetLocalUserByUsername(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrInvalidCredentials
	} else if err != nil {
		return "", fmt.Errorf("local: find user: %w", err)
	}
	return u.ID, nil
}

// RefuseLogin answers like Login for a wrong password, after the same
// argon2id work, without looking at any user or checking the password.
// The broker calls it when its failure regulator holds an attempt back
// (the account locked, or a delay running), so that neither the answer
// nor its time tells a held-back account from an unknown username.
func (s *Service) RefuseLogin(password string) error {
	s.dummy.matches(prepare(password))
	return ErrInvalidCredentials
}

// rehash stores a new hash of the (right) password under the current
// parameters, unless the hash changed meanwhile (a reset won).
func (s *Service) rehash(ctx context.Context, u store.LocalUser, pw string) (store.LocalUser, error) {
	hash, err := hashPassword(pw, s.cfg.Argon2)
	if err != nil {
		return u, err
	}
	old := u.PasswordHash
	err = s.st.UpdateLocalUser(ctx, u.ID, func(x store.LocalUser) (store.LocalUser, error) {
		if x.PasswordHash == old {
			x.PasswordHash = hash
		}
		u = x
		return x, nil
	})
	if err != nil {
		return u, fmt.Errorf("local: rehash: %w", err)
	}
	return u, nil
}

// StartReset begins a forgotten-password reset for a username or email
// address. It emails a code (purpose reset-password, in lang first) only
// when who names a confirmed user, and answers the same way whatever who
// is: resetID encodes who as typed (normalised), so it is the same for a
// person who exists and one who does not, and otpID is the code's ID or
// a random one. Rate limits are not reported either (they would reveal
// that a code was sent). Only a store or delivery failure is an error.
func (s *Service) StartReset(ctx context.Context, who, lang string) (resetID, otpID string, err error) {
	key := resetKey(who)
	resetID = base64.RawURLEncoding.EncodeToString([]byte(key))
	u, err := s.userByKey(ctx, key)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.Confirmed) {
		return resetID, emailotp.NewID(), nil
	} else if err != nil {
		return "", "", err
	}
	otpID, err = s.codes.Send(ctx, u.ID, notify.PurposeResetPassword, u.Email, lang)
	if errors.Is(err, emailotp.ErrRateLimited) {
		return resetID, emailotp.NewID(), nil
	}
	if err != nil {
		return "", "", err
	}
	return resetID, otpID, nil
}

// FinishReset checks the code StartReset sent and the new password's
// rules, then stores the new hash. ErrInvalidCode for a wrong code or a
// reset that leads nowhere; *PasswordError for a refused password (checked
// first: the code stays unused, the person may try another password).
func (s *Service) FinishReset(ctx context.Context, resetID, otpID, code, newPassword string) error {
	raw, err := base64.RawURLEncoding.DecodeString(resetID)
	if err != nil {
		return ErrInvalidCode
	}
	u, err := s.userByKey(ctx, string(raw))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.Confirmed) {
		return ErrInvalidCode
	} else if err != nil {
		return err
	}
	if problems := s.CheckPassword(newPassword, u.Username, u.Email); len(problems) > 0 {
		return &PasswordError{Problems: problems}
	}
	if err := s.verify(ctx, otpID, u.ID, code); err != nil {
		return err
	}
	hash, err := hashPassword(prepare(newPassword), s.cfg.Argon2)
	if err != nil {
		return err
	}
	err = s.st.UpdateLocalUser(ctx, u.ID, func(x store.LocalUser) (store.LocalUser, error) {
		x.PasswordHash, x.PasswordChangedAt = hash, s.now()
		return x, nil
	})
	if err != nil {
		return fmt.Errorf("local: set password: %w", err)
	}
	return nil
}

// resetKey is the normalised form of what a person typed to reset: an
// email address ("@" in it) or a username; the input itself when it is
// neither, so that it still names nobody.
func resetKey(who string) string {
	if strings.Contains(who, "@") {
		if e, err := NormalizeEmail(who); err == nil {
			return e
		}
	} else if u, err := NormalizeUsername(who); err == nil {
		return u
	}
	return strings.TrimSpace(who)
}

// userByKey finds the user a reset key names: by email when it holds an
// "@" (usernames cannot), else by username.
func (s *Service) userByKey(ctx context.Context, key string) (store.LocalUser, error) {
	var u store.LocalUser
	var err error
	if strings.Contains(key, "@") {
		u, err = s.st.GetLocalUserByEmail(ctx, key)
	} else {
		u, err = s.st.GetLocalUserByUsername(ctx, key)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return u, fmt.Errorf("local: find user: %w", err)
	}
	return u, err
}

// prepare is the form of a password that is hashed: NFKC, so that the
// same characters typed on another keyboard or system still match
// (NIST SP 800-63B §3.1.1.2).
func prepare(password string) string {
	return norm.NFKC.String(password)
}

// randomID is a 128-bit random identifier, hex: user IDs (and the decoy
// pendingIDs that imitate them), the dummy password.
func randomID() string { return randid.Hex(16) }
