package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/randid"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/store"
)

// Errors of the operations, tested with errors.Is. The HTTP API answers
// ErrNotFound with 404 and the others with 409.
var (
	ErrNotFound       = errors.New("admin: not found")
	ErrReadOnly       = errors.New("admin: the client is declared in the configuration file, which is its only source")
	ErrLastCredential = errors.New("admin: the account's last credential cannot be unlinked")
	ErrExists         = errors.New("admin: a client with this ID already exists")
	ErrNotDormant     = errors.New("admin: the account is not dormant")
)

// Actor is the AuditEvent.Actor of every administration change.
const Actor = "admin"

// Service runs the administration operations over the store, the signing
// keys and the configured relying parties. It is safe for concurrent use.
type Service struct {
	st       store.Store
	keys     *broker.Keys
	reg      *mfa.Regulator
	rules    store.ClientRules
	config   []broker.ClientConfig
	readOnly map[string]bool
	now      func() time.Time
	log      *slog.Logger
	notices  broker.Notices
	// clientsChanged is told after every stored-client write.
	clientsChanged func()
}

// Option tunes New.
type Option func(*Service)

// WithLogger sets where server faults are logged (the detail the HTTP API
// never returns); without it nothing is logged.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithNotices emails an account's owner when an administrator locks
// the account or unlinks one of its credentials (broker.Notices; its
// Store, Now and Log default to the Service's).
func WithNotices(n broker.Notices) Option { return func(s *Service) { s.notices = n } }

// WithClientsChanged calls f after every write of a stored client (add,
// update, removal, secret rotation), so a broker in the same process sees
// it at once (broker.Broker.ClientsChanged) rather than within its copy's
// lifetime.
func WithClientsChanged(f func()) Option { return func(s *Service) { s.clientsChanged = f } }

// New returns a Service. lockout is the configured mfa.lockout section
// (Unlock clears what it counts); rules are the deployment's rules for
// clients (broker.Config.ClientRules: configured providers, the acr
// ladder, factors), the same the configuration file's clients follow;
// configClients are the
// clients of the configuration file, read-only here. keys may be nil for
// a Service that only manages clients and accounts (building the broker's
// keys needs the master key): Keys and RotateKeys then fail. now is
// time.Now when nil.
func New(st store.Store, keys *broker.Keys, lockout mfa.LockoutConfig, rules store.ClientRules,
	configClients []broker.ClientConfig, now func() time.Time, opts ...Option) *Service {
	if now == nil {
		now = time.Now
	}
	s := &Service{
		st: st, keys: keys, reg: mfa.NewRegulator(st, lockout, now),
		rules:          rules,
		config:         append([]broker.ClientConfig(nil), configClients...),
		readOnly:       make(map[string]bool, len(configClients)),
		now:            now,
		log:            slog.New(slog.NewTextHandler(io.Discard, nil)),
		clientsChanged: func() {},
	}
	for _, c := range configClients {
		s.readOnly[c.ID] = true
	}
	for _, o := range opts {
		o(s)
	}
	if s.notices.Store == nil {
		s.notices.Store = st
	}
	if s.notices.Now == nil {
		s.notices.Now = now
	}
	if s.notices.Log == nil {
		s.notices.Log = s.log
	}
	return s
}

// audit records a change that has been made. A failure to record it is
// logged at error level and does not fail the operation: the change
// stands, and failing would hide it (and lose a new client's secret).
func (s *Service) audit(ctx context.Context, e store.AuditEvent) {
	e.Time = s.now()
	e.ID = randid.Ordered(e.Time, 16) // as the broker's events' (orderedID)
	e.Actor = Actor
	e.Outcome = "success"
	if err := s.st.AppendNewAudit(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "admin: change made but not audited", "kind", e.Kind,
			"account", e.AccountID, "client", e.ClientID, "error", err)
	}
	s.notices.Audited(ctx, e)
}

// notFound turns the store's ErrNotFound into ErrNotFound, naming what
// was missing.
func notFound(err error, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %s", ErrNotFound, what)
	}
	return err
}
