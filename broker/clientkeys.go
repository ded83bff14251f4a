package broker

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/text/language"
)

// clientKeys resolves the public keys of private_key_jwt clients (RFC 7523,
// OIDC Core §9): an inline JWK Set from the configuration, or one fetched
// from the client's jwks_uri and cached for jwksCacheTTL. An unknown kid
// refetches once, so a client's key rotation is picked up at once.
type clientKeys struct {
	http *http.Client
	now  func() time.Time

	mu    sync.Mutex
	cache map[string]cachedJWKS // by jwks_uri
}

type cachedJWKS struct {
	set       jose.JSONWebKeySet
	fetchedAt time.Time
}

const jwksCacheTTL = 5 * time.Minute

func (k *clientKeys) key(ctx context.Context, c *client, kid string) (*jose.JSONWebKey, error) {
	if c.JWKS != "" {
		var set jose.JSONWebKeySet
		if err := json.Unmarshal([]byte(c.JWKS), &set); err != nil {
			return nil, fmt.Errorf("client %s: inline jwks: %w", c.ID, err)
		}
		return findKey(set, kid, c.ID)
	}
	if c.JWKSURI == "" {
		return nil, fmt.Errorf("client %s has no keys for private_key_jwt", c.ID)
	}
	set, err := k.fetch(ctx, c.JWKSURI, false)
	if err != nil {
		return nil, err
	}
	if key, err := findKey(set, kid, c.ID); err == nil {
		return key, nil
	}
	if set, err = k.fetch(ctx, c.JWKSURI, true); err != nil {
		return nil, err
	}
	return findKey(set, kid, c.ID)
}

func findKey(set jose.JSONWebKeySet, kid, clientID string) (*jose.JSONWebKey, error) {
	for i := range set.Keys {
		if set.Keys[i].KeyID == kid || (kid == "" && len(set.Keys) == 1) {
			return &set.Keys[i], nil
		}
	}
	return nil, fmt.Errorf("client %s: no key with kid %q", clientID, kid)
}

func (k *clientKeys) fetch(ctx context.Context, uri string, force bool) (jose.JSONWebKeySet, error) {
	k.mu.Lock()
	c, ok := k.cache[uri]
	k.mu.Unlock()
	if ok && !force && k.now().Sub(c.fetchedAt) < jwksCacheTTL {
		return c.set, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	resp, err := k.http.Do(req)
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("fetch client jwks %s: %w", uri, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return jose.JSONWebKeySet{}, fmt.Errorf("fetch client jwks %s: status %d", uri, resp.StatusCode)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return set, fmt.Errorf("fetch client jwks %s: %w", uri, err)
	}
	k.mu.Lock()
	if k.cache == nil {
		k.cache = map[string]cachedJWKS{}
	}
	k.cache[uri] = cachedJWKS{set: set, fetchedAt: k.now()}
	k.mu.Unlock()
	return set, nil
}

// parseTag parses a BCP 47 tag, falling back to undetermined. The
// languages of the pages, which most accounts and grants hold, are
// answered without parsing (language.Parse costs about 1.5 us, a tenth of
// an introspection's handler).
func parseTag(s string) language.Tag {
	if t, ok := uiLocaleTags[s]; ok {
		return t
	}
	t, err := language.Parse(s)
	if err != nil {
		return language.Und
	}
	return t
}

// uiLocaleTags are the pages' languages by their tag's text.
var uiLocaleTags = func() map[string]language.Tag {
	m := make(map[string]language.Tag, len(uiLocales))
	for _, t := range uiLocales {
		m[t.String()] = t
	}
	return m
}()
