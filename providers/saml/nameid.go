package saml

import (
	"errors"
	"fmt"
	"strings"

	"github.com/passerelle/passerelle/providers"
)

// NameID is the persistent identifier an IdP gives Passerelle for one
// person (saml-core-2.0-os §8.3.7): an opaque per-SP value and the two
// qualifiers that scope it. The triple, never an email, is the upstream
// subject.
type NameID struct {
	Value           string
	NameQualifier   string // the IdP's entity ID
	SPNameQualifier string // Passerelle's SP entity ID at this IdP
}

// maxNameID bounds a NameID value; CATS PAIs are far shorter.
const maxNameID = 256

// Subject is the triple as one string, for the broker's link of an
// account to this upstream. Values are joined with "!" as Shibboleth's
// persistent-id attribute does; both qualifiers are fixed per provider
// (qualified refuses others), so nameIDOf reads the value back by
// prefix whatever the entity IDs contain.
func (n NameID) Subject() string {
	return n.NameQualifier + "!" + n.SPNameQualifier + "!" + n.Value
}

// errNameID is every refusal of a NameID, in a response or a
// LogoutRequest.
var errNameID = errors.New("NameID refused")

// qualified checks a NameID an IdP sent (in an assertion or a
// LogoutRequest) and returns it with its qualifiers: a value that is not
// empty, not padded and at most maxNameID characters; absent qualifiers
// default to the IdP's and this SP's entity IDs (saml-core §8.3.7),
// present ones must be those, or the identifier is someone else's.
func qualified(value, nameQualifier, spNameQualifier, idpEntityID, spEntityID string) (NameID, error) {
	if value == "" || strings.TrimSpace(value) != value || len(value) > maxNameID {
		return NameID{}, fmt.Errorf("%w: empty, padded or longer than %d characters", errNameID, maxNameID)
	}
	n := NameID{Value: value, NameQualifier: nameQualifier, SPNameQualifier: spNameQualifier}
	if n.NameQualifier == "" {
		n.NameQualifier = idpEntityID
	}
	if n.SPNameQualifier == "" {
		n.SPNameQualifier = spEntityID
	}
	if n.NameQualifier != idpEntityID || n.SPNameQualifier != spEntityID {
		return NameID{}, fmt.Errorf("%w: its qualifiers name another IdP or SP", errNameID)
	}
	return n, nil
}

// nameIDOf reads back the NameID of a subject this provider gave
// (Subject), for a LogoutRequest.
func (p *Provider) nameIDOf(subject, idpEntityID, spEntityID string) (NameID, error) {
	value, ok := strings.CutPrefix(subject, idpEntityID+"!"+spEntityID+"!")
	if !ok {
		return NameID{}, fmt.Errorf("%w: provider %s: the session's subject is not a NameID of this IdP and SP", providers.ErrUpstream, p.id)
	}
	return qualified(value, idpEntityID, spEntityID, idpEntityID, spEntityID)
}
