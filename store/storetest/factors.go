package storetest

import (
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// testFactors: create, get by ID and by credential ID, update, delete,
// and the duplicate and missing cases.
func testFactors(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	totp := factor("f-totp", "acct-1", store.FactorTOTP, epoch)
	key := factor("f-key", "acct-1", store.FactorWebAuthn, epoch.Add(time.Minute))
	must(t, s.CreateFactor(ctx, totp), "CreateFactor totp")
	must(t, s.CreateFactor(ctx, key), "CreateFactor webauthn")
	wantErr(t, s.CreateFactor(ctx, totp), store.ErrAlreadyExists, "CreateFactor duplicate ID")
	dupCred := factor("f-other", "acct-2", store.FactorWebAuthn, epoch)
	dupCred.CredentialID = key.CredentialID
	wantErr(t, s.CreateFactor(ctx, dupCred), store.ErrAlreadyExists, "CreateFactor duplicate credential ID")
	_, err := s.GetFactor(ctx, "f-other")
	wantErr(t, err, store.ErrNotFound, "GetFactor of a factor refused for its credential ID")
	// Factors without a credential ID do not collide with each other.
	must(t, s.CreateFactor(ctx, factor("f-mail", "acct-1", store.FactorEmail, epoch)), "CreateFactor email")
	must(t, s.CreateFactor(ctx, factor("f-rec", "acct-1", store.FactorRecovery, epoch)), "CreateFactor recovery")

	got, err := s.GetFactor(ctx, "f-totp")
	must(t, err, "GetFactor")
	same(t, got, totp, "GetFactor")
	got, err = s.GetFactor(ctx, "f-rec")
	must(t, err, "GetFactor recovery")
	same(t, got, factor("f-rec", "acct-1", store.FactorRecovery, epoch), "GetFactor recovery")
	got, err = s.GetFactorByCredentialID(ctx, key.CredentialID)
	must(t, err, "GetFactorByCredentialID")
	same(t, got, key, "GetFactorByCredentialID")
	_, err = s.GetFactor(ctx, "f-none")
	wantErr(t, err, store.ErrNotFound, "GetFactor missing")
	_, err = s.GetFactorByCredentialID(ctx, credentialID("f-none"))
	wantErr(t, err, store.ErrNotFound, "GetFactorByCredentialID unknown")
	_, err = s.GetFactorByCredentialID(ctx, nil)
	wantErr(t, err, store.ErrNotFound, "GetFactorByCredentialID empty (factors without one exist)")

	must(t, s.UpdateFactor(ctx, "f-key", func(f store.Factor) (store.Factor, error) {
		f.SignCount, f.LastUsedAt = 8, epoch.Add(time.Hour)
		return f, nil
	}), "UpdateFactor")
	key.SignCount, key.LastUsedAt = 8, epoch.Add(time.Hour)
	got, err = s.GetFactorByCredentialID(ctx, key.CredentialID)
	must(t, err, "GetFactorByCredentialID after update")
	same(t, got, key, "GetFactorByCredentialID after update")
	wantErr(t, s.UpdateFactor(ctx, "f-none", func(f store.Factor) (store.Factor, error) { return f, nil }),
		store.ErrNotFound, "UpdateFactor missing")

	must(t, s.DeleteFactor(ctx, "f-key"), "DeleteFactor")
	_, err = s.GetFactor(ctx, "f-key")
	wantErr(t, err, store.ErrNotFound, "GetFactor deleted")
	_, err = s.GetFactorByCredentialID(ctx, key.CredentialID)
	wantErr(t, err, store.ErrNotFound, "GetFactorByCredentialID deleted")
	wantErr(t, s.DeleteFactor(ctx, "f-key"), store.ErrNotFound, "DeleteFactor twice")
	wantErr(t, s.UpdateFactor(ctx, "f-key", func(f store.Factor) (store.Factor, error) { return f, nil }),
		store.ErrNotFound, "UpdateFactor deleted")
	list, err := s.ListFactors(ctx, "acct-1")
	must(t, err, "ListFactors after delete")
	for _, f := range list {
		if f.ID == "f-key" {
			t.Error("ListFactors lists a deleted factor")
		}
	}

	// The deleted factor's credential ID and ID are free again.
	dupCred.AccountID = "acct-2"
	must(t, s.CreateFactor(ctx, dupCred), "CreateFactor reusing a deleted credential ID")
	got, err = s.GetFactorByCredentialID(ctx, key.CredentialID)
	must(t, err, "GetFactorByCredentialID reused")
	same(t, got, dupCred, "GetFactorByCredentialID reused")
	again := factor("f-key", "acct-1", store.FactorWebAuthn, epoch.Add(2*time.Hour))
	again.CredentialID = []byte("cred-f-key-2")
	must(t, s.CreateFactor(ctx, again), "CreateFactor reusing a deleted ID")
	got, err = s.GetFactor(ctx, "f-key")
	must(t, err, "GetFactor reused ID")
	same(t, got, again, "GetFactor reused ID")
}

// testFactorCredentialChange: an update that takes another factor's
// credential ID is ErrConflict; one that changes its own moves the index.
func testFactorCredentialChange(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	a := factor("f-a", "acct-1", store.FactorWebAuthn, epoch)
	b := factor("f-b", "acct-2", store.FactorWebAuthn, epoch)
	must(t, s.CreateFactor(ctx, a), "CreateFactor a")
	must(t, s.CreateFactor(ctx, b), "CreateFactor b")

	wantErr(t, s.UpdateFactor(ctx, "f-a", func(f store.Factor) (store.Factor, error) {
		f.CredentialID, f.SignCount = b.CredentialID, 99
		return f, nil
	}), store.ErrConflict, "UpdateFactor to another factor's credential ID")
	got, err := s.GetFactor(ctx, "f-a")
	must(t, err, "GetFactor a after conflict")
	same(t, got, a, "factor a after conflict")
	got, err = s.GetFactorByCredentialID(ctx, b.CredentialID)
	must(t, err, "GetFactorByCredentialID b after conflict")
	same(t, got, b, "credential ID of b after conflict")
	got, err = s.GetFactorByCredentialID(ctx, a.CredentialID)
	must(t, err, "GetFactorByCredentialID a after conflict")
	same(t, got, a, "credential ID of a after conflict")

	newCred := []byte("cred-new")
	must(t, s.UpdateFactor(ctx, "f-a", func(f store.Factor) (store.Factor, error) {
		f.CredentialID = newCred
		return f, nil
	}), "UpdateFactor to a new credential ID")
	a.CredentialID = newCred
	got, err = s.GetFactorByCredentialID(ctx, newCred)
	must(t, err, "GetFactorByCredentialID new")
	same(t, got, a, "GetFactorByCredentialID new")
	_, err = s.GetFactorByCredentialID(ctx, credentialID("f-a"))
	wantErr(t, err, store.ErrNotFound, "GetFactorByCredentialID old")
	withCred := func(id string, cred []byte) store.Factor {
		f := factor(id, "acct-3", store.FactorWebAuthn, epoch)
		f.CredentialID = cred
		return f
	}
	must(t, s.CreateFactor(ctx, withCred("f-c", credentialID("f-a"))), "CreateFactor with a credential ID moved away")
	wantErr(t, s.CreateFactor(ctx, withCred("f-d", newCred)), store.ErrAlreadyExists, "CreateFactor with a credential ID moved in")
}

// testListFactors: an account's factors, oldest first with ties by ID,
// and nothing of other accounts (including one whose ID extends it).
func testListFactors(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	fc := factor("f-c", "acct-1", store.FactorRecovery, epoch.Add(2*time.Hour))
	fz := factor("f-z", "acct-1", store.FactorTOTP, epoch)
	fb := factor("f-b", "acct-1", store.FactorWebAuthn, epoch.Add(time.Hour))
	fa := factor("f-a", "acct-1", store.FactorEmail, epoch)
	other := factor("f-0", "acct-10", store.FactorTOTP, epoch.Add(-time.Hour))
	for _, f := range []store.Factor{fc, other, fz, fb, fa} {
		must(t, s.CreateFactor(ctx, f), "CreateFactor "+f.ID)
	}
	got, err := s.ListFactors(ctx, "acct-1")
	must(t, err, "ListFactors")
	same(t, got, []store.Factor{fa, fz, fb, fc}, "ListFactors (oldest first, ties by ID)")
	got, err = s.ListFactors(ctx, "acct-10")
	must(t, err, "ListFactors other account")
	same(t, got, []store.Factor{other}, "ListFactors other account")
	got, err = s.ListFactors(ctx, "acct-9")
	must(t, err, "ListFactors unknown account")
	if len(got) != 0 {
		t.Errorf("ListFactors unknown account = %+v", got)
	}

	must(t, s.UpdateFactor(ctx, "f-z", func(f store.Factor) (store.Factor, error) {
		f.LastStep++
		return f, nil
	}), "UpdateFactor")
	fz.LastStep++
	must(t, s.DeleteFactor(ctx, "f-b"), "DeleteFactor")
	got, err = s.ListFactors(ctx, "acct-1")
	must(t, err, "ListFactors after update and delete")
	same(t, got, []store.Factor{fa, fz, fc}, "ListFactors after update and delete")
}

// testUpdateFactorErrorWritesNothing: when fn fails, its error comes back
// and neither the factor nor its credential index changes.
func testUpdateFactorErrorWritesNothing(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	f := factor("f-1", "acct-1", store.FactorWebAuthn, epoch)
	must(t, s.CreateFactor(ctx, f), "CreateFactor")
	wantErr(t, s.UpdateFactor(ctx, "f-1", func(x store.Factor) (store.Factor, error) {
		x.CredentialID, x.SignCount, x.AccountID = []byte("cred-refused"), 100, "acct-2"
		return x, errRefused
	}), errRefused, "UpdateFactor")
	got, err := s.GetFactor(ctx, "f-1")
	must(t, err, "GetFactor")
	same(t, got, f, "factor after refused update")
	_, err = s.GetFactorByCredentialID(ctx, []byte("cred-refused"))
	wantErr(t, err, store.ErrNotFound, "credential ID of a refused update")
	got, err = s.GetFactorByCredentialID(ctx, f.CredentialID)
	must(t, err, "GetFactorByCredentialID")
	same(t, got, f, "credential ID after refused update")
	list, err := s.ListFactors(ctx, "acct-2")
	must(t, err, "ListFactors")
	if len(list) != 0 {
		t.Errorf("refused update listed the factor under its new account: %+v", list)
	}
}
