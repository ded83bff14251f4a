package main

import (
	"github.com/passerelle/passerelle/internal/loadgen"
)

// upstreamSecret is Passerelle's client secret at the demo upstream.
const upstreamSecret = "upstream-secret-0123456789"

// newPasserelle is the target for the Passerelle at issuer, and the
// driver of its people's sign-ins (see loadgen for how every timed
// sign-in answers a TOTP challenge with a fresh code).
func newPasserelle(issuer string, tr *loadgen.Transport, pp *loadgen.People) (*target, *loadgen.Passerelle) {
	ps := loadgen.NewPasserelle(issuer, tr, pp)
	return &target{name: "Passerelle", oauth: ps.OAuth, introspect: issuer + "/oauth/introspect", http: ps.HTTP, signIn: ps.SignIn}, ps
}
