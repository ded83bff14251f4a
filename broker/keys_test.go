package broker

import (
	"context"
	gocrypto "crypto"
	"crypto/rand"
	"path/filepath"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/crypto"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/bolt"
)

// openTestKeys is the signing keys of a fresh bbolt store.
func openTestKeys(t testing.TB) *Keys {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "keys.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	master := make([]byte, store.MasterKeySize)
	rand.Read(master)
	k, err := OpenKeys(context.Background(), st, master, Config{}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// idTokenClaims are the claims of a typical Passerelle ID token.
func idTokenClaims(accessToken string, alg jose.SignatureAlgorithm) (*oidc.IDTokenClaims, error) {
	now := time.Now()
	c := oidc.NewIDTokenClaims("https://passerelle.example", "3q2-7wEjRk6w9m1Hq0pK3zWJkXo8Hc4mM2sAq1vV0yE",
		[]string{"rp1"}, now.Add(time.Hour), now, "n-0S6_WzA2Mj", "urn:gc-ca:cyber-auth:assurance:loa2",
		[]string{"pwd", "otp", "mfa"}, "rp1", 0)
	h, err := oidc.ClaimHash(accessToken, alg)
	c.AccessTokenHash = h
	return c, err
}

// BenchmarkIDTokenSigning measures what one ID token costs to sign with
// each algorithm a client may register, the way the token endpoint signs
// it (zitadel/oidc's signer over the broker's key), and what it costs a
// relying party to verify:
//
//	go test -run '^$' -bench IDTokenSigning ./broker
func BenchmarkIDTokenSigning(b *testing.B) {
	k := openTestKeys(b)
	ctx := context.Background()
	for _, alg := range algorithms {
		key, err := k.Signer(ctx, alg)
		if err != nil {
			b.Fatal(err)
		}
		signer, err := op.SignerFromKey(key)
		if err != nil {
			b.Fatal(err)
		}
		claims, err := idTokenClaims("access-token", jose.SignatureAlgorithm(alg))
		if err != nil {
			b.Fatal(err)
		}
		var raw string
		b.Run("sign/"+alg, func(b *testing.B) {
			for b.Loop() {
				if raw, err = crypto.Sign(claims, signer); err != nil {
					b.Fatal(err)
				}
			}
		})
		pub := key.Key().(gocrypto.Signer).Public()
		b.Run("verify/"+alg, func(b *testing.B) {
			for b.Loop() {
				jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := jws.Verify(pub); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
