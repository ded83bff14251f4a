package broker_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/store"
)

// downStore fails every read and write of codes, grants and accounts with
// a store fault (not a contract answer) while down is set.
type downStore struct {
	store.Store
	down atomic.Bool
}

var errDown = errors.New("connection refused")

func (s *downStore) fault() error {
	if s.down.Load() {
		return errDown
	}
	return nil
}

func (s *downStore) GetAuthRequest(ctx context.Context, id string) (store.AuthRequest, error) {
	if err := s.fault(); err != nil {
		return store.AuthRequest{}, err
	}
	return s.Store.GetAuthRequest(ctx, id)
}

func (s *downStore) GetGrant(ctx context.Context, id string) (store.Grant, error) {
	if err := s.fault(); err != nil {
		return store.Grant{}, err
	}
	return s.Store.GetGrant(ctx, id)
}

func (s *downStore) GetGrantWithAccount(ctx context.Context, id string) (store.Grant, store.Account, error) {
	if err := s.fault(); err != nil {
		return store.Grant{}, store.Account{}, err
	}
	return s.Store.GetGrantWithAccount(ctx, id)
}

func (s *downStore) GetGrantByRefreshHash(ctx context.Context, id string, h []byte) (store.Grant, error) {
	if err := s.fault(); err != nil {
		return store.Grant{}, err
	}
	return s.Store.GetGrantByRefreshHash(ctx, id, h)
}

func (s *downStore) GetGrantByLegacyRefreshHash(ctx context.Context, h []byte) (store.Grant, error) {
	if err := s.fault(); err != nil {
		return store.Grant{}, err
	}
	return s.Store.GetGrantByLegacyRefreshHash(ctx, h)
}

func (s *downStore) UpdateGrant(ctx context.Context, id string, fn func(store.Grant) (store.Grant, error)) error {
	if err := s.fault(); err != nil {
		return err
	}
	return s.Store.UpdateGrant(ctx, id, fn)
}

func (s *downStore) Ping(ctx context.Context) error {
	if err := s.fault(); err != nil {
		return err
	}
	return s.Store.Ping(ctx)
}

// TestStoreDownAtProtocolEndpoints: while the store fails, the token,
// userinfo and introspection endpoints answer 503 temporarily_unavailable
// with Retry-After, never invalid_grant or an inactive token, and nothing
// is spent: once the store is back the same code and refresh token work.
func TestStoreDownAtProtocolEndpoints(t *testing.T) {
	var ds *downStore
	e := newEnvStore(t, demoidp.Faults{}, func(st store.Store) store.Store { ds = &downStore{Store: st}; return ds })
	r := e.rp("rp1")
	tok := e.signIn(r, e.browser(), "gckey", "alex")
	b := e.browser()
	a := r.start()
	code := r.callback(b.upstreamLogin(b.choose(b.Get(a.url), "gckey"), "alex"), a).Get("code")

	ds.down.Store(true)
	redeem := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://rp1.example/cb"},
		"code_verifier": {a.verifier}}
	for name, call := range map[string]func() (int, http.Header, map[string]any){
		"code": func() (int, http.Header, map[string]any) { return e.postForm("/oauth/token", "rp1", rpSecret, redeem) },
		"refresh": func() (int, http.Header, map[string]any) {
			return e.postForm("/oauth/token", "rp1", rpSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}})
		},
		"introspect": func() (int, http.Header, map[string]any) {
			return e.postForm("/oauth/introspect", "rp2", rpSecret, url.Values{"token": {tok.AccessToken}})
		},
		"userinfo": func() (int, http.Header, map[string]any) {
			return e.postForm("/userinfo", "", "", url.Values{"access_token": {tok.AccessToken}})
		},
	} {
		status, h, body := call()
		if status != http.StatusServiceUnavailable || body["error"] != "temporarily_unavailable" || h.Get("Retry-After") == "" {
			t.Errorf("%s with the store down: %d %v (Retry-After %q)", name, status, body, h.Get("Retry-After"))
		}
	}

	ds.down.Store(false)
	if status, _, body := e.postForm("/oauth/token", "rp1", rpSecret, redeem); status != http.StatusOK || body["access_token"] == nil {
		t.Errorf("the code after the outage: %d %v", status, body)
	}
	if _, err := e.refresh(r, tok.RefreshToken); err != nil {
		t.Errorf("the refresh token after the outage: %v", err)
	}
}
