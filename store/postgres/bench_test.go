package postgres

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/pgtest"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/storetest"
)

// BenchmarkSignInWrites is storetest.BenchSignInWrites on PostgreSQL, in
// a fresh schema, over a pool of MaxConns connections: in parallel,
// PostgreSQL groups concurrent commits' WAL flushes.
func BenchmarkSignInWrites(b *testing.B) {
	storetest.BenchSignInWrites(b, func(b *testing.B) store.Store {
		s, err := Open(b.Context(), pgtest.Schema(b), Options{MaxConns: 32})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	})
}

// BenchmarkOrganizations is storetest.BenchOrganizations on PostgreSQL.
func BenchmarkOrganizations(b *testing.B) {
	storetest.BenchOrganizations(b, func(b *testing.B) store.Store {
		s, err := Open(b.Context(), pgtest.Schema(b), Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	})
}

// benchPeople is how many accounts, grants and auth requests
// BenchmarkHotPaths spreads its operations over.
const benchPeople = 256

// BenchmarkHotPaths measures what the broker's hot paths ask of the store,
// with 16 goroutines, as the bench's workers, over the default pool:
// introspection (GetGrantWithAccount, one statement where GetGrant then
// GetAccount were two), refresh (UpdateGrant of the grant the token
// names, comparing and rotating the hash, as the broker's rotate does)
// and a sign-in step (GetAuthRequest, then
// UpdateAuthRequest). statements/op is what each sent.
func BenchmarkHotPaths(b *testing.B) {
	s, err := Open(b.Context(), pgtest.Schema(b), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	ctx := b.Context()
	now := time.Now()
	hashes := make([][]byte, benchPeople)
	for i := range benchPeople {
		id := fmt.Sprint("acct-", i)
		a := store.Account{ID: id, URN: "URN-" + id, Email: id + "@example.ca", EmailVerified: true,
			GivenName: "Jeanne", FamilyName: "Mance", Locale: "fr", CreatedAt: now, LastLoginAt: now}
		if err := s.CreateAccount(ctx, a, store.Link{Provider: "gckey", Subject: id, AccountID: id, CreatedAt: now}); err != nil {
			b.Fatal(err)
		}
		hashes[i] = store.HashToken(fmt.Sprint("refresh-", i, "-0"))
		g := store.Grant{ID: fmt.Sprint("grant-", i), ClientID: "portal", AccountID: id, Subject: "pairwise-" + id,
			Scopes: []string{"openid", "profile", "offline_access"}, AuthTime: now, AMR: []string{"pwd", "otp"},
			ACR: "urn:gc-ca:cyber-auth:assurance:loa2", SessionID: "sid-" + id, Provider: "gckey", Locale: "en",
			RefreshHash: hashes[i], CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateGrant(ctx, g); err != nil {
			b.Fatal(err)
		}
		maxAge := int64(600)
		r := store.AuthRequest{ID: fmt.Sprint("ar-", i), ClientID: "portal", RedirectURI: "https://rp.example/cb",
			Scopes: []string{"openid", "profile"}, State: "st", Nonce: "n", ResponseType: "code",
			CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", CodeChallengeMethod: "S256", MaxAge: &maxAge,
			UILocales: []string{"fr-CA", "en"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateAuthRequest(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	var mu sync.Mutex // guards hashes, one person's refresh at a time
	ops := map[string]func(i int) error{
		"introspection": func(i int) error {
			_, _, err := s.GetGrantWithAccount(ctx, fmt.Sprint("grant-", i))
			return err
		},
		"refresh": func(i int) error {
			mu.Lock()
			hash := hashes[i]
			mu.Unlock()
			next := store.HashToken(fmt.Sprint("refresh-", i, "-", time.Now().UnixNano()))
			err := s.UpdateGrant(ctx, fmt.Sprint("grant-", i), func(g store.Grant) (store.Grant, error) {
				if !bytes.Equal(g.RefreshHash, hash) {
					return g, errRaced
				}
				g.RefreshHash = next
				return g, nil
			})
			if err == nil {
				mu.Lock()
				hashes[i] = next
				mu.Unlock()
			}
			if errors.Is(err, errRaced) {
				return nil // another goroutine rotated it first
			}
			return err
		},
		"sign-in step": func(i int) error {
			id := fmt.Sprint("ar-", i)
			if _, err := s.GetAuthRequest(ctx, id); err != nil {
				return err
			}
			return s.UpdateAuthRequest(ctx, id, func(r store.AuthRequest) (store.AuthRequest, error) {
				r.Nonce = fmt.Sprint("n-", time.Now().UnixNano())
				return r, nil
			})
		},
	}
	for _, name := range []string{"introspection", "refresh", "sign-in step"} {
		op := ops[name]
		b.Run(name, func(b *testing.B) {
			var seq atomic.Int64
			s0 := s.Statements()
			b.SetParallelism(8) // 16 goroutines on 2 cores, as the bench's workers
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := op(int(seq.Add(1) % benchPeople)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(s.Statements()-s0)/float64(seq.Load()), "statements/op")
		})
	}
}

// errRaced is the refresh benchmark's fn refusing a grant that another
// goroutine rotated since it was read.
var errRaced = errors.New("rotated meanwhile")
