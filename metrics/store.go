package metrics

import (
	"context"
	"time"

	"github.com/passerelle/passerelle/store"
)

// Store times the operations of a sign-in's hot path (auth requests
// with their codes, grants, sessions, links, accounts) and Ping; the rest pass
// through untimed.
func (m *Metrics) Store(st store.Store) store.Store { return &timedStore{Store: st, m: m} }

type timedStore struct {
	store.Store
	m *Metrics
}

func timed[T any](m *Metrics, op string, f func() (T, error)) (T, error) {
	start := time.Now()
	v, err := f()
	m.observe(op, start, err)
	return v, err
}

func timedErr(m *Metrics, op string, f func() error) error {
	start := time.Now()
	err := f()
	m.observe(op, start, err)
	return err
}

func (s *timedStore) CreateAuthRequest(ctx context.Context, r store.AuthRequest) error {
	return timedErr(s.m, "CreateAuthRequest", func() error { return s.Store.CreateAuthRequest(ctx, r) })
}

func (s *timedStore) GetAuthRequest(ctx context.Context, id string) (store.AuthRequest, error) {
	return timed(s.m, "GetAuthRequest", func() (store.AuthRequest, error) { return s.Store.GetAuthRequest(ctx, id) })
}

func (s *timedStore) UpdateAuthRequest(ctx context.Context, id string, fn func(store.AuthRequest) (store.AuthRequest, error)) error {
	return timedErr(s.m, "UpdateAuthRequest", func() error { return s.Store.UpdateAuthRequest(ctx, id, fn) })
}

func (s *timedStore) CreateGrant(ctx context.Context, g store.Grant) error {
	return timedErr(s.m, "CreateGrant", func() error { return s.Store.CreateGrant(ctx, g) })
}

func (s *timedStore) CreateGrantWithSession(ctx context.Context, g store.Grant, x store.Session, replaced []byte) error {
	return timedErr(s.m, "CreateGrantWithSession", func() error { return s.Store.CreateGrantWithSession(ctx, g, x, replaced) })
}

func (s *timedStore) GetGrant(ctx context.Context, id string) (store.Grant, error) {
	return timed(s.m, "GetGrant", func() (store.Grant, error) { return s.Store.GetGrant(ctx, id) })
}

// The reads of several records at once time through timedErr, their
// results kept by the closure.

func (s *timedStore) GetGrantWithAccount(ctx context.Context, id string) (g store.Grant, a store.Account, err error) {
	err = timedErr(s.m, "GetGrantWithAccount", func() error {
		g, a, err = s.Store.GetGrantWithAccount(ctx, id)
		return err
	})
	return g, a, err
}

func (s *timedStore) GetAuthRequestWithAccount(ctx context.Context, id string) (
	ar store.AuthRequest, a store.Account, fs []store.Factor, err error) {
	err = timedErr(s.m, "GetAuthRequestWithAccount", func() error {
		ar, a, fs, err = s.Store.GetAuthRequestWithAccount(ctx, id)
		return err
	})
	return ar, a, fs, err
}

func (s *timedStore) GetLinkWithAccount(ctx context.Context, provider, subject string) (
	l store.Link, a store.Account, fs []store.Factor, err error) {
	err = timedErr(s.m, "GetLinkWithAccount", func() error {
		l, a, fs, err = s.Store.GetLinkWithAccount(ctx, provider, subject)
		return err
	})
	return l, a, fs, err
}

func (s *timedStore) GetGrantByRefreshHash(ctx context.Context, grantID string, hash []byte) (store.Grant, error) {
	return timed(s.m, "GetGrantByRefreshHash", func() (store.Grant, error) { return s.Store.GetGrantByRefreshHash(ctx, grantID, hash) })
}

func (s *timedStore) GetGrantByLegacyRefreshHash(ctx context.Context, hash []byte) (store.Grant, error) {
	return timed(s.m, "GetGrantByLegacyRefreshHash", func() (store.Grant, error) { return s.Store.GetGrantByLegacyRefreshHash(ctx, hash) })
}

func (s *timedStore) UpdateGrant(ctx context.Context, id string, fn func(store.Grant) (store.Grant, error)) error {
	return timedErr(s.m, "UpdateGrant", func() error { return s.Store.UpdateGrant(ctx, id, fn) })
}

func (s *timedStore) CreateSession(ctx context.Context, x store.Session) error {
	return timedErr(s.m, "CreateSession", func() error { return s.Store.CreateSession(ctx, x) })
}

func (s *timedStore) GetSession(ctx context.Context, hash []byte) (store.Session, error) {
	return timed(s.m, "GetSession", func() (store.Session, error) { return s.Store.GetSession(ctx, hash) })
}

func (s *timedStore) GetLink(ctx context.Context, provider, subject string) (store.Link, error) {
	return timed(s.m, "GetLink", func() (store.Link, error) { return s.Store.GetLink(ctx, provider, subject) })
}

func (s *timedStore) GetAccount(ctx context.Context, id string) (store.Account, error) {
	return timed(s.m, "GetAccount", func() (store.Account, error) { return s.Store.GetAccount(ctx, id) })
}

func (s *timedStore) AppendAudit(ctx context.Context, e store.AuditEvent) error {
	return timedErr(s.m, "AppendAudit", func() error { return s.Store.AppendAudit(ctx, e) })
}

func (s *timedStore) AppendNewAudit(ctx context.Context, e store.AuditEvent) error {
	return timedErr(s.m, "AppendNewAudit", func() error { return s.Store.AppendNewAudit(ctx, e) })
}

func (s *timedStore) Ping(ctx context.Context) error {
	return timedErr(s.m, "Ping", func() error { return s.Store.Ping(ctx) })
}
