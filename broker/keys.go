package broker

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"sort"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/passerelle/passerelle/store"
)

// Algorithms Passerelle signs ID tokens with: ES256 by default, RS256 or
// EdDSA (Ed25519, RFC 8037) for relying parties that ask for it
// (id_token_signed_response_alg). RS256 is kept because OpenID Connect
// requires every provider to offer it; one RS256 signature costs about 15
// times the CPU of an ES256 one and 30 times an EdDSA one
// (BenchmarkIDTokenSigning), which is why it is not the default.
var algorithms = []string{"ES256", "RS256", "EdDSA"}

const sealKindSigningKey = "signing_key"

// keyCacheTTL bounds how long a replica serves a key list it read from
// the store: a key rotated on one replica is published by every replica
// within this delay (far less than publish_ahead).
const keyCacheTTL = 5 * time.Second

// Keys manages signing keys: generation, sealing, rotation and the
// published set. Rotation never signs with a key that relying parties
// could not yet have fetched: a new key is published at once but signs
// only after publish_ahead, and the key it replaces stays published until
// every token it signed has expired.
type Keys struct {
	st           store.Store
	sealer       *store.Sealer
	now          func() time.Time
	publishAhead time.Duration
	tokenTTL     time.Duration // longest lifetime of a signed token

	mu       sync.Mutex
	cache    []loadedKey
	loadedAt time.Time
}

type loadedKey struct {
	meta   store.SigningKey
	priv   crypto.Signer
	signer jose.Signer // built once per key: op.SignerFromKey's
}

// OpenKeys gives the signing keys of a store under the master key, with
// the rotation policy of cfg (defaults filled), creating the first keys
// when there are none. The broker uses it; so do the administration
// commands, which need nothing else of the broker.
func OpenKeys(ctx context.Context, st store.Store, masterKey []byte, cfg Config, now func() time.Time) (*Keys, error) {
	cfg.SetDefaults()
	sealer, err := store.NewSealer(masterKey)
	if err != nil {
		return nil, err
	}
	k := &Keys{st: st, sealer: sealer, now: now, publishAhead: cfg.Keys.PublishAhead,
		tokenTTL: max(cfg.Tokens.IDToken, cfg.Tokens.AccessToken)}
	if err := k.Ensure(ctx); err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	return k, nil
}

// Ensure creates a key for every algorithm that has none able to sign
// now; it is what the first start does.
func (k *Keys) Ensure(ctx context.Context) error {
	keys, err := k.load(ctx, true)
	if err != nil {
		return err
	}
	now := k.now()
	for _, alg := range algorithms {
		if signingKeyFor(keys, alg, now) == nil {
			if _, err := k.create(ctx, alg, now); err != nil {
				return err
			}
		}
	}
	k.invalidate()
	return nil
}

// Rotate publishes a new key per algorithm, to sign from now+publish_ahead,
// and schedules the keys they replace to be unpublished once their tokens
// have expired. It returns the new keys.
func (k *Keys) Rotate(ctx context.Context) ([]store.SigningKey, error) {
	keys, err := k.load(ctx, true)
	if err != nil {
		return nil, err
	}
	now := k.now()
	activeAt := now.Add(k.publishAhead)
	var out []store.SigningKey
	for _, alg := range algorithms {
		nk, err := k.create(ctx, alg, activeAt)
		if err != nil {
			return nil, err
		}
		out = append(out, nk)
		for _, old := range keys {
			if old.meta.Alg != alg || !old.meta.ExpiresAt.IsZero() {
				continue
			}
			err := k.st.UpdateSigningKey(ctx, old.meta.ID, func(s store.SigningKey) (store.SigningKey, error) {
				if s.ExpiresAt.IsZero() {
					s.RetiredAt = activeAt
					s.ExpiresAt = activeAt.Add(k.tokenTTL).Add(time.Minute)
				}
				return s, nil
			})
			if err != nil {
				return nil, fmt.Errorf("retire key %s: %w", old.meta.ID, err)
			}
		}
	}
	k.invalidate()
	return out, nil
}

// List returns every stored key, newest first.
func (k *Keys) List(ctx context.Context) ([]store.SigningKey, error) {
	keys, err := k.st.ListSigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].CreatedAt.After(keys[j].CreatedAt) })
	return keys, nil
}

func (k *Keys) create(ctx context.Context, alg string, activeAt time.Time) (store.SigningKey, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case "ES256":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "RS256":
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case "EdDSA":
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		return store.SigningKey{}, fmt.Errorf("unsupported algorithm %s", alg)
	}
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("generate %s key: %w", alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return store.SigningKey{}, err
	}
	pub, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return store.SigningKey{}, err
	}
	id := randomID()
	sealed, err := k.sealer.Seal(sealKindSigningKey, id, der)
	if err != nil {
		return store.SigningKey{}, err
	}
	sk := store.SigningKey{ID: id, Alg: alg, Private: sealed, Public: pub, CreatedAt: k.now(), ActiveAt: activeAt}
	if err := k.st.CreateSigningKey(ctx, sk); err != nil {
		return store.SigningKey{}, fmt.Errorf("store %s key: %w", alg, err)
	}
	return sk, nil
}

func (k *Keys) invalidate() {
	k.mu.Lock()
	k.loadedAt = time.Time{}
	k.mu.Unlock()
}

// load returns the keys that are still published, unsealed, from a cache
// refreshed every keyCacheTTL.
func (k *Keys) load(ctx context.Context, fresh bool) ([]loadedKey, error) {
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	if !fresh && !k.loadedAt.IsZero() && now.Sub(k.loadedAt) < keyCacheTTL {
		return k.cache, nil
	}
	stored, err := k.st.ListSigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	prev := make(map[string]loadedKey, len(k.cache))
	for _, lk := range k.cache {
		prev[lk.meta.ID] = lk
	}
	out := make([]loadedKey, 0, len(stored))
	for _, s := range stored {
		if !s.ExpiresAt.IsZero() && !now.Before(s.ExpiresAt) {
			continue
		}
		lk, ok := prev[s.ID]
		if !ok {
			der, err := k.sealer.Open(sealKindSigningKey, s.ID, s.Private)
			if err != nil {
				return nil, fmt.Errorf("signing key %s: %w", s.ID, err)
			}
			parsed, err := x509.ParsePKCS8PrivateKey(der)
			if err != nil {
				return nil, fmt.Errorf("signing key %s: %w", s.ID, err)
			}
			signer, ok := parsed.(crypto.Signer)
			if !ok {
				return nil, fmt.Errorf("signing key %s: not a signing key", s.ID)
			}
			lk = loadedKey{meta: s, priv: signer}
			if lk.signer, err = op.SignerFromKey(signingKey{&lk}); err != nil {
				return nil, fmt.Errorf("signing key %s: %w", s.ID, err)
			}
		}
		lk.meta = s
		out = append(out, lk)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].meta.ActiveAt.After(out[j].meta.ActiveAt) })
	k.cache, k.loadedAt = out, now
	return out, nil
}

// signingKeyFor returns the newest key of alg already allowed to sign.
func signingKeyFor(keys []loadedKey, alg string, now time.Time) *loadedKey {
	for i := range keys { // newest ActiveAt first
		if keys[i].meta.Alg == alg && !keys[i].meta.ActiveAt.After(now) {
			return &keys[i]
		}
	}
	return nil
}

// Signer returns the key that signs for alg now.
func (k *Keys) Signer(ctx context.Context, alg string) (signingKey, error) {
	keys, err := k.load(ctx, false)
	if err != nil {
		return signingKey{}, err
	}
	lk := signingKeyFor(keys, alg, k.now())
	if lk == nil {
		return signingKey{}, fmt.Errorf("no %s signing key is active", alg)
	}
	return signingKey{lk}, nil
}

// Published returns the public keys to list in JWKS.
func (k *Keys) Published(ctx context.Context) ([]op.Key, error) {
	keys, err := k.load(ctx, false)
	if err != nil {
		return nil, err
	}
	out := make([]op.Key, len(keys))
	for i := range keys {
		out[i] = publicKey{&keys[i]}
	}
	return out, nil
}

type signingKey struct{ k *loadedKey }

func (s signingKey) SignatureAlgorithm() jose.SignatureAlgorithm {
	return jose.SignatureAlgorithm(s.k.meta.Alg)
}
func (s signingKey) Key() any   { return s.k.priv }
func (s signingKey) ID() string { return s.k.meta.ID }

// jose is the key's signer, as op.SignerFromKey makes it.
func (s signingKey) jose() jose.Signer { return s.k.signer }

type publicKey struct{ k *loadedKey }

func (p publicKey) ID() string                         { return p.k.meta.ID }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return jose.SignatureAlgorithm(p.k.meta.Alg) }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return p.k.priv.Public() }
