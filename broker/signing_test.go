package broker_test

import (
	"strings"
	"testing"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
)

// TestClientChoosesIDTokenAlgorithm signs a person in at a relying party
// registered for each algorithm: its ID token carries that algorithm, the
// relying party (go-oidc, with the published key set) verifies it, and
// its at_hash is the one of that algorithm (SHA-512 for EdDSA).
func TestClientChoosesIDTokenAlgorithm(t *testing.T) {
	for _, alg := range []string{"ES256", "RS256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			e := newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) {
				for i := range c.Clients {
					if c.Clients[i].ID == "rp1" {
						c.Clients[i].IDTokenAlg = alg
					}
				}
			})
			tok := e.signIn(e.rp("rp1"), e.browser(), "gckey", "alex")
			if hdr := decodeSeg(t, strings.Split(tok.raw, ".")[0]); !strings.Contains(hdr, `"alg":"`+alg+`"`) {
				t.Errorf("rp1 registered %s, header %s", alg, hdr)
			}
			if err := tok.idToken.VerifyAccessToken(tok.AccessToken); err != nil {
				t.Errorf("at_hash: %v", err)
			}
		})
	}
}
