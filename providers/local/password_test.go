package local

import (
	"slices"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/internal/validate"
)

// seed002Forbidden is the customs portal's list of forbidden characters.
const seed002Forbidden = `"<>¢£¤¥¦§¨©ª«¬®¯°±²³´µ¶•¸¹º»¼½¾Ð×ØÞßðøþ`

func TestCheckPassword(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Password.Forbidden = seed002Forbidden })
	for _, tc := range []struct {
		name, password string
		want           []string
	}{
		{"passphrase", "marmotte vole sur la glace", nil},
		{"exactly 12 characters", "Kx7#pq2vLm9z", nil},
		{"11 characters", "Kx7#pq2vLm9", []string{RuleTooShort}},
		{"12 accented runes (24 bytes)", "éàüöçîôûëïâÉ", nil},
		{"11 runes but 22 bytes", "éàüöçîôûëïâ", []string{RuleTooShort}},
		{"128 characters", strings.Repeat("Kx7#pq2vLm9zQw4!", 8), nil},
		{"129 characters", strings.Repeat("Kx7#pq2vLm9zQw4!", 8) + "y", []string{RuleTooLong}},
		{"common and short", "password1", []string{RuleTooShort, RuleCommon}},
		{"common password with digits", "password1234", []string{RuleCommon}},
		{"l33t common password", "p@ssw0rd2024!", []string{RuleCommon}},
		{"keyboard walk", "qwertyuiop123", []string{RuleCommon}},
		{"repeat", "aaaaaaaaaaaaaaaa", []string{RuleCommon}},
		{"control character", "Kx7#pq2v\x07Lm9z", []string{RuleInvalid}},
		{"invalid UTF-8", "Kx7#pq2v\xffLm9zz", []string{RuleInvalid}},
		{"forbidden character", "Kx7#pq2v<Lm9z", []string{RuleForbidden}},
		{"forbidden non-ASCII character", "Kx7#pq2v£Lm9z", []string{RuleForbidden}},
		{"username inside", "Kx7#JeanneM9zq", []string{RuleContext}},
		{"email local part inside", "zq!MANCE.j84k", []string{RuleContext}},
		{"username in compatibility form", "Kx7#ＪＥＡＮＮＥＭ9zq", []string{RuleContext}},
		{"empty", "", []string{RuleTooShort}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := f.svc.CheckPassword(tc.password, "jeannem", "Mance.J@example.ca")
			if !slices.Equal(got, tc.want) {
				t.Errorf("CheckPassword(%q) = %q, want %q", tc.password, got, tc.want)
			}
		})
	}
}

func TestCheckPasswordShortContextIgnored(t *testing.T) {
	f := newFixture(t, nil)
	if got := f.svc.CheckPassword("marmotte vole sur la glace", "abc", "a@example.ca"); got != nil {
		t.Errorf("CheckPassword = %q, want nil (the local part 'a' is too short to count)", got)
	}
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"JeanneM", "jeannem"},
		{"  Jeanne.Mance_1642-x ", "jeanne.mance_1642-x"},
		{"ＪＥＡＮＮＥ", "jeanne"},       // fullwidth, NFKC
		{"Ｅ\u0301loïse", "éloïse"}, // combining accent composed
		{"ab", ""},
		{"jeanne mance", ""},
		{"jeanne@mance", ""},
		{strings.Repeat("a", 65), ""},
	} {
		got, err := NormalizeUsername(tc.in)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("NormalizeUsername(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"Jeanne.Mance@Example.CA", "Jeanne.Mance@example.ca"},
		{" jm@example.ca ", "jm@example.ca"},
		{"Jeanne <jm@example.ca>", ""},
		{"jm@example.ca, x@example.ca", ""},
		{"not an address", ""},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 63) + ".ca", ""},
	} {
		got, err := NormalizeEmail(tc.in)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	valid := func() Config {
		c := Config{ID: "gckey", Name: map[string]string{"en": "GCKey", "fr": "CléGC"}}
		c.SetDefaults()
		return c
	}
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string // a path in the problems, "" for none
	}{
		{"defaults", func(*Config) {}, ""},
		{"OWASP m=47104 t=1", func(c *Config) { c.Argon2.MemoryKiB, c.Argon2.Time = 47104, 1 }, ""},
		{"no ID", func(c *Config) { c.ID = "" }, "local.id"},
		{"no French name", func(c *Config) { delete(c.Name, "fr") }, "local.name.fr"},
		{"min length 7", func(c *Config) { c.Password.MinLength = 7 }, "local.password.min_length"},
		{"max length 63", func(c *Config) { c.Password.MaxLength = 63 }, "local.password.max_length"},
		{"weak argon2", func(c *Config) { c.Argon2.MemoryKiB, c.Argon2.Time = 8192, 1 }, "local.argon2"},
		{"confirm within 1m", func(c *Config) { c.ConfirmWithin = 60e9 }, "local.confirm_within"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.change(&c)
			var ps validate.Problems
			c.Validate(&ps, "local")
			var paths []string
			for _, p := range ps.List() {
				paths = append(paths, p.Path)
			}
			if (tc.want == "") != (len(paths) == 0) || (tc.want != "" && !slices.Contains(paths, tc.want)) {
				t.Errorf("problems at %q, want %q", paths, tc.want)
			}
		})
	}
}

func TestHashRoundTrip(t *testing.T) {
	params := Argon2Config{Time: 1, MemoryKiB: 64, Threads: 1}
	s, err := hashPassword("secret", params)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q is not in PHC form", s)
	}
	h, err := parseHash(s)
	if err != nil {
		t.Fatal(err)
	}
	if !h.matches("secret") || h.matches("Secret") || h.outdated(params) || !h.outdated(Argon2Config{Time: 2, MemoryKiB: 64, Threads: 1}) {
		t.Error("round trip lost the password or the parameters")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=0,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaA"} {
		if _, err := parseHash(bad); err == nil {
			t.Errorf("parseHash(%q) accepted", bad)
		}
	}
}

// BenchmarkHash hashes one password with the default argon2id cost
// (every local sign-in pays one), alone and on every core at once: the
// parallel figure bounds local sign-ins per second.
func BenchmarkHash(b *testing.B) {
	var c Config
	c.SetDefaults()
	b.Logf("argon2id m=%d KiB, t=%d, p=%d", c.Argon2.MemoryKiB, c.Argon2.Time, c.Argon2.Threads)
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if _, err := hashPassword("correct horse battery staple", c.Argon2); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := hashPassword("correct horse battery staple", c.Argon2); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
	})
}
