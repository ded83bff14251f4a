package saml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// Bounds on what a browser can make this provider parse. A GCKey
// response with one encrypted assertion is a few kilobytes.
const (
	maxResponseSize = 256 << 10 // decoded SAMLResponse
	maxFormSize     = 2 * maxResponseSize
	maxDepth        = 32
	maxTokens       = 20_000
)

// guard refuses, before any signature or decryption work, a document that
// is too large, too deep or too long, carries a DTD (billion laughs, XXE:
// Go's parser expands no entity, but nothing legitimate has one), is not a
// samlp:Response addressed to this ACS (Destination, which the library
// checks only on a signed Response), or does not hold exactly one assertion as a direct child
// of the Response — encrypted when encrypted is set (an IdP configured to
// encrypt never sends an assertion in the clear, so a plaintext one is an
// attack or a misconfiguration).
func guard(raw []byte, destination string, encrypted bool) error {
	if len(raw) > maxResponseSize {
		return fmt.Errorf("response larger than %d bytes", maxResponseSize)
	}
	d := xml.NewDecoder(bytes.NewReader(raw))
	d.Strict = true
	depth, tokens := 0, 0
	var plain, enc int
	rootSeen := false
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("malformed XML: %w", err)
		}
		if tokens++; tokens > maxTokens {
			return errors.New("response has too many XML tokens")
		}
		switch t := tok.(type) {
		case xml.Directive:
			return errors.New("response carries a DTD or other directive")
		case xml.ProcInst:
			if t.Target != "xml" || rootSeen {
				return errors.New("response carries a processing instruction")
			}
		case xml.StartElement:
			depth++
			if depth > maxDepth {
				return errors.New("response is nested too deep")
			}
			if depth == 1 {
				if rootSeen {
					return errors.New("response has more than one root")
				}
				rootSeen = true
				if t.Name.Local != "Response" {
					return fmt.Errorf("root element is %s, not Response", t.Name.Local)
				}
				if dest := attr(t, "Destination"); dest != destination {
					return fmt.Errorf("destination %q is not the ACS", dest)
				}
			}
			if depth == 2 {
				switch t.Name.Local {
				case "Assertion":
					plain++
				case "EncryptedAssertion":
					enc++
				}
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return errors.New("text outside the root element")
			}
		}
	}
	if !rootSeen {
		return errors.New("empty document")
	}
	// RawToken does not resolve prefixes, so namespaces are the library's
	// to check; counting by local name is enough to bound the work and to
	// see a plaintext assertion.
	switch {
	case plain+enc == 0:
		return nil // a Response without assertion: a status (cancelled, failed)
	case plain+enc > 1:
		return fmt.Errorf("response holds %d assertions, one expected", plain+enc)
	case encrypted && plain > 0:
		return errors.New("assertion arrived unencrypted but this upstream must encrypt")
	}
	return nil
}

// attr is the value of the unprefixed attribute name of t.
func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
