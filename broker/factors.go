package broker

import (
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/mfa/emailotp"
	"github.com/passerelle/passerelle/mfa/recovery"
	"github.com/passerelle/passerelle/mfa/totp"
	"github.com/passerelle/passerelle/mfa/webauthn"
)

// factorEntries are the second-factor kinds, one line each, in the order
// the pages offer them (strongest first). A kind that is off in this
// configuration (email codes without a notifier, security keys on an IP
// address) opens to nothing and is left out of the registry; recovery
// codes are the fallback, which no one sets up from a page.
var factorEntries = []mfa.Entry{
	webauthn.Entry,
	totp.Entry,
	emailotp.Entry,
	recovery.Entry,
}

// policyKinds are the kinds a client's policy (clients[].mfa.factors) may
// name: every listed kind but the fallback.
func policyKinds() []string {
	var out []string
	for _, e := range factorEntries {
		if e.Kind != recoveryKind {
			out = append(out, e.Kind)
		}
	}
	return out
}
