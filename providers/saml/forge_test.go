package saml

import (
	"crypto/tls"
	"encoding/base64"
	"net/url"
	"testing"

	"github.com/beevik/etree"
	"github.com/crewjam/saml/xmlenc"
	dsig "github.com/russellhaering/goxmldsig"
)

// A forgery starts from a genuine response of the test IdP, opened as
// only Passerelle could (its SP key), so the attacker tests below can
// change one thing at a time and say exactly which check refuses it.

type opened struct {
	t         *testing.T
	response  *etree.Document // the Response, assertion still encrypted
	assertion *etree.Element  // the decrypted, signed assertion
	relay     string
}

func child(el *etree.Element, tag string) *etree.Element {
	for _, c := range el.ChildElements() {
		if c.Tag == tag {
			return c
		}
	}
	return nil
}

// path walks child elements by local name.
func path(el *etree.Element, tags ...string) *etree.Element {
	for _, tag := range tags {
		if el = child(el, tag); el == nil {
			return nil
		}
	}
	return el
}

func openForm(t *testing.T, form url.Values) *opened {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		t.Fatal(err)
	}
	encData := path(doc.Root(), "EncryptedAssertion", "EncryptedData")
	if encData == nil {
		t.Fatal("no EncryptedAssertion/EncryptedData")
	}
	plain, err := xmlenc.Decrypt(spKey1.key, encData)
	if err != nil {
		t.Fatal(err)
	}
	adoc := etree.NewDocument()
	if err := adoc.ReadFromBytes(plain); err != nil {
		t.Fatal(err)
	}
	return &opened{t: t, response: doc, assertion: adoc.Root(), relay: form.Get("RelayState")}
}

// assertionCopy is a deep copy of the genuine signed assertion.
func (o *opened) assertionCopy() *etree.Element { return o.assertion.Copy() }

// unsign removes the assertion's enveloped signature.
func unsign(a *etree.Element) *etree.Element {
	if sig := child(a, "Signature"); sig != nil {
		a.RemoveChild(sig)
	}
	return a
}

// sign signs a (after removing any signature) with k, placing the
// Signature after the Issuer as saml-core's schema orders it.
func sign(t *testing.T, a *etree.Element, k keyPair) *etree.Element {
	t.Helper()
	unsign(a)
	ks := dsig.TLSCertKeyStore(tls.Certificate{Certificate: [][]byte{k.cert.Raw}, PrivateKey: k.key})
	ctx := dsig.NewDefaultSigningContext(ks)
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		t.Fatal(err)
	}
	signed, err := ctx.SignEnveloped(a)
	if err != nil {
		t.Fatal(err)
	}
	// SignEnveloped appends the Signature to the slice directly; move it
	// the same way, then let etree renumber through InsertChildAt.
	last := len(signed.Child) - 1
	sig := signed.Child[last]
	signed.Child = signed.Child[:last]
	fresh := etree.NewDocument()
	fresh.SetRoot(signed)
	if err := fresh.ReadFromString(mustString(t, fresh)); err != nil {
		t.Fatal(err)
	}
	out := fresh.Root()
	out.InsertChildAt(child(out, "Issuer").Index()+1, sig.(*etree.Element).Copy())
	return out
}

// encrypt is a as an EncryptedAssertion's EncryptedData, to Passerelle's
// first key, with AES-128-GCM.
func encrypt(t *testing.T, a *etree.Element) *etree.Element {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(a.Copy())
	buf, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	enc := xmlenc.OAEP()
	enc.BlockCipher = xmlenc.AES128GCM
	el, err := enc.Encrypt(spKey1.cert, buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	el.CreateAttr("Type", "http://www.w3.org/2001/04/xmlenc#Element")
	return el
}

// form is the response, without its own signature, with its assertion slot holding the given
// assertions, each encrypted unless plain, posted with the genuine
// RelayState.
func (o *opened) form(plain bool, assertions ...*etree.Element) url.Values {
	o.t.Helper()
	doc := o.response.Copy()
	root := doc.Root()
	// The IdP signs the Response too; an attacker who changes anything
	// inside it drops that signature (responses may come unsigned), so
	// the assertion's own signature is what must hold.
	unsign(root)
	var ns string
	if ea := child(root, "EncryptedAssertion"); ea != nil {
		ns = ea.Space
		root.RemoveChild(ea)
	}
	for _, a := range assertions {
		if plain {
			root.AddChild(a.Copy())
			continue
		}
		ea := root.CreateElement(ns + ":EncryptedAssertion")
		ea.AddChild(encrypt(o.t, a))
	}
	buf, err := doc.WriteToBytes()
	if err != nil {
		o.t.Fatal(err)
	}
	return url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(buf)}, "RelayState": {o.relay}}
}

// rawForm posts raw as the SAMLResponse.
func rawForm(raw []byte, relay string) url.Values {
	return url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(raw)}, "RelayState": {relay}}
}

func mustString(t *testing.T, doc *etree.Document) string {
	t.Helper()
	s, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
