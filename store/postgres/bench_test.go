package postgres

import (
	"testing"

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
