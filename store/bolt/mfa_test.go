package bolt

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// TestOpenAddsNewBuckets: a file written before the factor, OTP, Hit,
// audit and terms-acceptance buckets existed opens without a schema bump
// and gains them.
func TestOpenAddsNewBuckets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "passerelle.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	added := [][]byte{bucketFactors, bucketOTPs, bucketHits, bucketAudit,
		indexFactorsByAccount, indexFactorByCred, indexAuditByID, bucketTerms}
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		for _, name := range added {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("reopen an older file: %v", err)
	}
	defer s.Close()
	ctx := t.Context()
	if err := s.CreateFactor(ctx, store.Factor{ID: "f", AccountID: "a", CredentialID: []byte("c")}); err != nil {
		t.Fatalf("CreateFactor on an upgraded file: %v", err)
	}
	if _, err := s.Hit(ctx, "k", time.Minute); err != nil {
		t.Fatalf("Hit on an upgraded file: %v", err)
	}
	if err := s.PutTermsAcceptance(ctx, store.TermsAcceptance{AccountID: "a", ClientID: "rp", Version: "1"}); err != nil {
		t.Fatalf("PutTermsAcceptance on an upgraded file: %v", err)
	}
}

// TestFactorIndexesEmptied looks inside the file: deleting every factor
// and sweeping every OTP and Hit window leaves no entry behind.
func TestFactorIndexesEmptied(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newStore(t, func() time.Time { return now }).(*Store)
	ctx := t.Context()
	f := store.Factor{ID: "f", AccountID: "a", CredentialID: []byte("c0"), CreatedAt: now}
	for _, err := range []error{
		s.CreateFactor(ctx, f),
		s.UpdateFactor(ctx, "f", func(f store.Factor) (store.Factor, error) {
			f.CredentialID, f.AccountID, f.CreatedAt = []byte("c1"), "b", now.Add(time.Second)
			return f, nil
		}),
		s.DeleteFactor(ctx, "f"),
		s.CreateOTP(ctx, store.OTP{ID: "o", ExpiresAt: now.Add(time.Minute)}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Hit(ctx, "k", time.Minute); err != nil {
		t.Fatal(err)
	}
	sweepEmpties(t, s, now.Add(time.Hour), 2)
}

// TestTimeKeyOrder: byte order of timeKey is time order, including times
// before 1970 and beyond UnixNano's range.
func TestTimeKeyOrder(t *testing.T) {
	times := []time.Time{
		{},
		time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999, time.UTC),
		time.Unix(0, 0),
		time.Unix(0, 1),
		time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC),
		time.Date(2026, 3, 2, 9, 30, 0, 1, time.UTC),
		time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for i := 1; i < len(times); i++ {
		if bytes.Compare(timeKey(times[i-1]), timeKey(times[i])) >= 0 {
			t.Errorf("timeKey(%v) does not sort before timeKey(%v)", times[i-1], times[i])
		}
	}
}
