package recovery

import (
	"bytes"
	"context"
	"math"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/mfa/internal/mfatest"
	"github.com/passerelle/passerelle/store"
)

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func TestGenerateShapeAndEntropy(t *testing.T) {
	// Entropy by construction: each letter is one random byte masked to
	// 5 bits, which picks uniformly only if the alphabet has exactly 32
	// distinct letters.
	if len(alphabet) != 1<<bitsPerLetter {
		t.Fatalf("alphabet has %d letters, want %d", len(alphabet), 1<<bitsPerLetter)
	}
	seen := map[rune]bool{}
	for _, r := range alphabet {
		seen[r] = true
	}
	if len(seen) != len(alphabet) {
		t.Fatal("alphabet repeats a letter")
	}
	if bits := float64(codeLen) * math.Log2(float64(len(alphabet))); bits < 50 || Bits != int(bits) {
		t.Fatalf("a code carries %.0f bits (Bits = %d), want at least 50", bits, Bits)
	}

	codes, stored, err := Generate(10)
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != 10 || len(stored) != 10 {
		t.Fatalf("got %d codes, %d stored", len(codes), len(stored))
	}
	shape := regexp.MustCompile(`^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$`)
	unique := map[string]bool{}
	for i, c := range codes {
		if !shape.MatchString(c) {
			t.Errorf("code %q is not xxxx-xxxx-xxxx", c)
		}
		unique[c] = true
		if len(stored[i].Hash) != 32 || bytes.Contains(stored[i].Hash, []byte(strings.ReplaceAll(c, "-", ""))) {
			t.Errorf("stored[%d] is not a hash of the code", i)
		}
		if !stored[i].UsedAt.IsZero() {
			t.Errorf("stored[%d] is born used", i)
		}
	}
	if len(unique) != 10 {
		t.Errorf("codes repeat: %v", codes)
	}
	if Remaining(stored) != 10 {
		t.Errorf("Remaining = %d", Remaining(stored))
	}
	if _, _, err := Generate(0); err == nil {
		t.Error("Generate(0) succeeded")
	}
}

func TestLettersAreUniform(t *testing.T) {
	// 1000 sets of 10 codes: 120,000 letters; each of the 32 should
	// appear about 3750 times. A bias as small as one letter never drawn,
	// or drawn twice as often, fails this.
	counts := map[rune]int{}
	for range 1000 {
		codes, _, err := Generate(10)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range codes {
			for _, r := range strings.ReplaceAll(c, "-", "") {
				counts[r]++
			}
		}
	}
	for _, r := range alphabet {
		if n := counts[r]; n < 3000 || n > 4500 {
			t.Errorf("letter %q drawn %d times, want about 3750", r, n)
		}
	}
}

func TestUseOnce(t *testing.T) {
	codes, stored, err := Generate(10)
	if err != nil {
		t.Fatal(err)
	}
	after, ok := Use(stored, codes[3], now)
	if !ok {
		t.Fatal("a fresh code was refused")
	}
	if !after[3].UsedAt.Equal(now) || Remaining(after) != 9 {
		t.Errorf("used code not marked (UsedAt %v, remaining %d)", after[3].UsedAt, Remaining(after))
	}
	if !stored[3].UsedAt.IsZero() {
		t.Error("Use changed its input")
	}
	if _, ok := Use(after, codes[3], now.Add(time.Minute)); ok {
		t.Error("a used code was accepted again")
	}
	if _, ok := Use(after, codes[4], now); !ok {
		t.Error("another code was refused after one was used")
	}
}

func TestNormalisation(t *testing.T) {
	codes, stored, err := Generate(10)
	if err != nil {
		t.Fatal(err)
	}
	bare := strings.ReplaceAll(codes[0], "-", "")
	for _, input := range []string{
		codes[0],
		strings.ToUpper(codes[0]),
		bare,
		strings.ToUpper(bare),
		" " + bare[:4] + " " + bare[4:8] + " " + bare[8:] + " ",
		bare[:6] + "-" + bare[6:],
		"\t" + codes[0] + "\t",
	} {
		if _, ok := Use(stored, input, now); !ok {
			t.Errorf("Use(%q) refused a typed-back code", input)
		}
	}
	other := "x"
	if codes[0][0] == 'x' {
		other = "y"
	}
	for _, input := range []string{"", codes[0][:13], codes[0] + "a", other + codes[0][1:]} {
		if _, ok := Use(stored, input, now); ok {
			t.Errorf("Use(%q) accepted", input)
		}
	}
}

func TestDigitsReadAsLetters(t *testing.T) {
	// Find a code holding a letter a digit is mistaken for.
	for range 100 {
		codes, stored, err := Generate(10)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range codes {
			for _, pair := range [][2]string{{"o", "0"}, {"l", "1"}, {"b", "8"}, {"g", "9"}} {
				if strings.Contains(c, pair[0]) {
					typed := strings.ReplaceAll(c, pair[0], pair[1])
					if _, ok := Use(stored, typed, now); !ok {
						t.Fatalf("Use(%q) refused %q typed with %s for %s", typed, c, pair[1], pair[0])
					}
					return
				}
			}
		}
	}
	t.Fatal("no code held o, l, b or g")
}

func TestRegenerationInvalidatesOld(t *testing.T) {
	ctx := context.Background()
	clock := mfatest.NewClock()
	st := mfatest.Store(t, clock.Now)
	mfatest.Account(t, st, "acct-1")
	old, oldStored, err := Generate(10)
	if err != nil {
		t.Fatal(err)
	}
	f := store.Factor{ID: "f-rec", AccountID: "acct-1", Kind: store.FactorRecovery, Codes: oldStored, CreatedAt: clock.Now()}
	if err := st.CreateFactor(ctx, f); err != nil {
		t.Fatal(err)
	}
	// use checks input with the failure regulator, as the broker does:
	// the code is spent in the update that counts the attempt.
	fac, err := Open(mfa.Env{Store: st, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	reg := mfa.NewRegulator(st, mfa.LockoutConfig{Limit: 100, DelayFrom: 100}, clock.Now)
	use := func(input string) bool {
		in := &mfa.Input{Account: store.Account{ID: "acct-1"}, Form: url.Values{"code": {input}}}
		ok, _, err := reg.Check(ctx, fac.(mfa.Checker), in, f)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !use(old[0]) || use(old[0]) {
		t.Fatal("a stored code did not work exactly once")
	}

	fresh, freshStored, err := Generate(10)
	if err != nil {
		t.Fatal(err)
	}
	err = st.UpdateFactor(ctx, "f-rec", func(f store.Factor) (store.Factor, error) {
		f.Codes = freshStored
		return f, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range old[1:] {
		if use(c) {
			t.Errorf("old code %q accepted after regeneration", c)
		}
	}
	if !use(fresh[0]) {
		t.Error("a new code was refused")
	}
	got, err := st.GetFactor(ctx, "f-rec")
	if err != nil {
		t.Fatal(err)
	}
	if Remaining(got.Codes) != 9 {
		t.Errorf("Remaining = %d, want 9", Remaining(got.Codes))
	}
}
