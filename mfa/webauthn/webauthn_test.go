package webauthn

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

const (
	origin = "http://localhost:8080"
	rpID   = "localhost"
)

var (
	alice = User{AccountID: "acct-alice", Name: "1234-5678-9012", DisplayName: "Alice"}
	now   = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
)

func newTestFactor(t testing.TB) (*Factor, *store.Sealer) {
	t.Helper()
	sealer, err := store.NewSealer(bytes.Repeat([]byte{7}, store.MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	f, err := New(Config{RPID: rpID, Origins: []string{origin}}, sealer)
	if err != nil {
		t.Fatal(err)
	}
	return f, sealer
}

// register enrols key for u and returns the new factor.
func register(t testing.TB, f *Factor, u User, key *softKey, existing ...store.Factor) store.Factor {
	t.Helper()
	opts, session, err := f.BeginRegistration(u, existing)
	if err != nil {
		t.Fatal(err)
	}
	fa, err := f.FinishRegistration(u, session, key.create(t, opts), "  My key ", now)
	if err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	return fa
}

// login runs a whole login ceremony with key and returns what FinishLogin
// returned.
func login(t *testing.T, f *Factor, u User, factors []store.Factor, key *softKey) (store.Factor, uint32, bool, error) {
	t.Helper()
	opts, session, err := f.BeginLogin(u, factors)
	if err != nil {
		t.Fatal(err)
	}
	return f.FinishLogin(u, session, factors, key.get(t, opts))
}

func TestRegisterThenLogin(t *testing.T) {
	f, _ := newTestFactor(t)
	key := newSoftKey(t, origin, rpID)
	fa := register(t, f, alice, key)

	if fa.Kind != store.FactorWebAuthn || fa.AccountID != alice.AccountID || fa.Name != "My key" ||
		!fa.CreatedAt.Equal(now) || fa.ID == "" || !bytes.Equal(fa.CredentialID, key.credID) || fa.SignCount != 0 {
		t.Fatalf("factor = %+v", fa)
	}

	factors := []store.Factor{fa}
	for want := uint32(1); want <= 3; want++ {
		used, n, uv, err := login(t, f, alice, factors, key)
		if err != nil {
			t.Fatalf("login %d: %v", want, err)
		}
		if used.ID != fa.ID || n != want || !uv {
			t.Fatalf("login %d: used %s, count %d, uv %v", want, used.ID, n, uv)
		}
		if factors[0], err = RecordUse(factors[0], n, now); err != nil {
			t.Fatal(err)
		}
	}
	if factors[0].SignCount != 3 || !factors[0].LastUsedAt.Equal(now) {
		t.Fatalf("after three logins: %+v", factors[0])
	}
}

func TestUserVerifiedFlag(t *testing.T) {
	f, _ := newTestFactor(t)
	key := newSoftKey(t, origin, rpID)
	fa := register(t, f, alice, key)
	key.UV = false
	_, _, uv, err := login(t, f, alice, []store.Factor{fa}, key)
	if err != nil || uv {
		t.Fatalf("uv = %v, err = %v; want false, nil (verification only preferred)", uv, err)
	}
}

func TestReplayedAssertion(t *testing.T) {
	f, _ := newTestFactor(t)
	key := newSoftKey(t, origin, rpID)
	fa := register(t, f, alice, key)

	opts, session, err := f.BeginLogin(alice, []store.Factor{fa})
	if err != nil {
		t.Fatal(err)
	}
	resp := key.get(t, opts)
	_, n, _, err := f.FinishLogin(alice, session, []store.Factor{fa}, resp)
	if err != nil {
		t.Fatal(err)
	}
	fa, _ = RecordUse(fa, n, now)

	// The same response again, even with the same session (a broker that
	// failed to delete it): the counter did not move.
	if _, _, _, err := f.FinishLogin(alice, session, []store.Factor{fa}, resp); !errors.Is(err, ErrCloned) {
		t.Fatalf("replay with the same session: %v, want ErrCloned", err)
	}
	// Against a fresh session: the challenge differs.
	_, session2, err := f.BeginLogin(alice, []store.Factor{fa})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := f.FinishLogin(alice, session2, []store.Factor{fa}, resp); !errors.Is(err, ErrInvalid) {
		t.Fatalf("replay against a new challenge: %v, want ErrInvalid", err)
	}
}

func TestClonedKey(t *testing.T) {
	f, _ := newTestFactor(t)
	key := newSoftKey(t, origin, rpID)
	fa := register(t, f, alice, key)
	key.Count = 10
	_, n, _, err := login(t, f, alice, []store.Factor{fa}, key)
	if err != nil || n != 11 {
		t.Fatalf("login: %d, %v", n, err)
	}
	fa, _ = RecordUse(fa, n, now)

	clone := *key
	clone.Count = 4 // a copy that has signed fewer times
	used, _, _, err := login(t, f, alice, []store.Factor{fa}, &clone)
	if !errors.Is(err, ErrCloned) || used.ID != fa.ID {
		t.Fatalf("clone: used %q, err %v; want the factor and ErrCloned", used.ID, err)
	}
	// A counter equal to the stored one is a clone too.
	clone.Count = 10
	if _, _, _, err := login(t, f, alice, []store.Factor{fa}, &clone); !errors.Is(err, ErrCloned) {
		t.Fatalf("equal counter: %v, want ErrCloned", err)
	}
}

func TestZeroCounterIsNotCloned(t *testing.T) {
	f, _ := newTestFactor(t)
	key := newSoftKey(t, origin, rpID)
	fa := register(t, f, alice, key)
	for i := 0; i < 2; i++ {
		opts, session, err := f.BeginLogin(alice, []store.Factor{fa})
		if err != nil {
			t.Fatal(err)
		}
		// A passkey without a counter: get() without counting.
		o := parseOptions(t, opts)
		resp := key.assert(t, key.clientData("webauthn.get", o.PublicKey.Challenge))
		_, n, _, err := f.FinishLogin(alice, session, []store.Factor{fa}, resp)
		if err != nil || n != 0 {
			t.Fatalf("login %d: count %d, err %v", i, n, err)
		}
		if fa, err = RecordUse(fa, n, now); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRecordUse(t *testing.T) {
	fa := store.Factor{ID: "f1", SignCount: 5}
	if _, err := RecordUse(fa, 5, now); !errors.Is(err, ErrCloned) {
		t.Fatalf("equal: %v", err)
	}
	if _, err := RecordUse(fa, 0, now); !errors.Is(err, ErrCloned) {
		t.Fatalf("reset to zero: %v", err)
	}
	got, err := RecordUse(fa, 6, now)
	if err != nil || got.SignCount != 6 || !got.LastUsedAt.Equal(now) {
		t.Fatalf("advance: %+v, %v", got, err)
	}
}

func TestRequiredUserVerification(t *testing.T) {
	sealer, _ := store.NewSealer(bytes.Repeat([]byte{7}, store.MasterKeySize))
	f, err := New(Config{RPID: rpID, Origins: []string{origin}, UserVerification: "required"}, sealer)
	if err != nil {
		t.Fatal(err)
	}
	key := newSoftKey(t, origin, rpID)
	fa := register(t, f, alice, key)
	key.UV = false
	if _, _, _, err := login(t, f, alice, []store.Factor{fa}, key); !errors.Is(err, ErrInvalid) {
		t.Fatalf("login without UV: %v, want ErrInvalid", err)
	}
}

func TestExclusionAndAllowLists(t *testing.T) {
	f, _ := newTestFactor(t)
	k1, k2 := newSoftKey(t, origin, rpID), newSoftKey(t, origin, rpID)
	f1 := register(t, f, alice, k1)
	f2 := register(t, f, alice, k2, f1)
	other := store.Factor{ID: "x", AccountID: "acct-bob", Kind: store.FactorWebAuthn, CredentialID: []byte("bob's key")}
	totp := store.Factor{ID: "t", AccountID: alice.AccountID, Kind: store.FactorTOTP}
	all := []store.Factor{f1, f2, other, totp}

	opts, _, err := f.BeginRegistration(alice, all)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range parseOptions(t, opts).PublicKey.ExcludeCredentials {
		got = append(got, c.ID)
	}
	want := []string{b64(k1.credID), b64(k2.credID)}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("excludeCredentials = %v, want %v", got, want)
	}

	opts, _, err = f.BeginLogin(alice, all)
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, c := range parseOptions(t, opts).PublicKey.AllowCredentials {
		got = append(got, c.ID)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("allowCredentials = %v, want %v", got, want)
	}
	// Either key signs in, and FinishLogin names the one used.
	used, _, _, err := login(t, f, alice, all, k2)
	if err != nil || used.ID != f2.ID {
		t.Fatalf("login with the second key: %q, %v", used.ID, err)
	}
	if _, _, err := f.BeginLogin(alice, []store.Factor{totp, other}); !errors.Is(err, ErrNoCredential) {
		t.Fatalf("no WebAuthn factor: %v", err)
	}
}

func TestSealed(t *testing.T) {
	f, sealer := newTestFactor(t)
	key := newSoftKey(t, origin, rpID)
	fa := register(t, f, alice, key)

	if bytes.Contains(fa.Sealed, key.credID) || bytes.Contains(fa.Sealed, []byte("publicKey")) {
		t.Fatal("Sealed holds the credential in the clear")
	}
	plain, err := sealer.Open("factor", fa.ID, fa.Sealed)
	if err != nil {
		t.Fatalf("open with the factor ID: %v", err)
	}
	var cred struct {
		ID        []byte `json:"id"`
		PublicKey []byte `json:"publicKey"`
	}
	if err := json.Unmarshal(plain, &cred); err != nil || !bytes.Equal(cred.ID, key.credID) || len(cred.PublicKey) == 0 {
		t.Fatalf("sealed credential: %s, %v", plain, err)
	}
	if _, err := sealer.Open("factor", "another-id", fa.Sealed); !errors.Is(err, store.ErrUnseal) {
		t.Fatalf("open with another ID: %v", err)
	}

	// A sealed credential moved to another factor record does not open,
	// and a CredentialID edited in the database is caught.
	moved := fa
	moved.ID = "another-id"
	if _, _, err := f.BeginLogin(alice, []store.Factor{moved}); !errors.Is(err, store.ErrUnseal) {
		t.Fatalf("moved credential: %v", err)
	}
	edited := fa
	edited.CredentialID = []byte("someone else's")
	if _, _, err := f.BeginLogin(alice, []store.Factor{edited}); !errors.Is(err, errCredentialMismatch) {
		t.Fatalf("edited credential ID: %v", err)
	}
}

func TestScript(t *testing.T) {
	for _, s := range []string{`data-webauthn`, `input[name=options]`, `input[name=response]`,
		`[data-webauthn-error]`, `data-msg-`, `attestationObject`, `authenticatorData`, `userHandle`} {
		if !bytes.Contains(Script, []byte(s)) {
			t.Errorf("Script lacks %q", s)
		}
	}
}
