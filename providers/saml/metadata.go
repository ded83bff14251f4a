package saml

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"

	crewsaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/xmlenc"
)

// Metadata returns Passerelle's SP metadata for this upstream
// (saml-metadata-2.0-os §2.4.4): the entity ID, AuthnRequestsSigned and
// WantAssertionsSigned, the ACS (HTTP-POST), the SLO endpoint
// (HTTP-Redirect), a persistent NameIDFormat, and every configured key
// for signing and for encryption, so that during a rollover the IdP
// accepts either signature and may encrypt to either key.
//
// The document depends only on the keys (fixed for the provider's life: a
// reload opens a new one) and the endpoints, so it is built once per
// endpoints and served from memory.
func (p *Provider) Metadata() ([]byte, error) {
	ep, err := p.endpoints()
	if err != nil {
		return nil, err
	}
	if c := p.metadata.Load(); c != nil && c.ep == ep {
		return c.doc, nil
	}
	doc, err := p.buildMetadata(ep)
	if err != nil {
		return nil, err
	}
	p.metadata.Store(&spMetadata{ep: ep, doc: doc})
	return doc, nil
}

// spMetadata is the SP metadata document built for ep.
type spMetadata struct {
	ep  *endpoints
	doc []byte
}

func (p *Provider) buildMetadata(ep *endpoints) ([]byte, error) {
	md := p.spFor(ep, nil).Metadata()
	desc := &md.SPSSODescriptors[0]
	for _, k := range p.keys[1:] {
		data := base64.StdEncoding.EncodeToString(k.cert.Raw)
		info := crewsaml.KeyInfo{X509Data: crewsaml.X509Data{X509Certificates: []crewsaml.X509Certificate{{Data: data}}}}
		desc.KeyDescriptors = append(desc.KeyDescriptors,
			crewsaml.KeyDescriptor{Use: "signing", KeyInfo: info},
			crewsaml.KeyDescriptor{Use: "encryption", KeyInfo: info, EncryptionMethods: encryptionMethods},
		)
	}
	out, err := xml.MarshalIndent(md, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("provider %s: SP metadata: %w", p.id, err)
	}
	return append([]byte(xml.Header), out...), nil
}

// encryptionMethods are the block ciphers Passerelle decrypts, preferred
// first: AES-GCM (authenticated), then AES-128-CBC, which GCKey uses.
var encryptionMethods = []crewsaml.EncryptionMethod{
	{Algorithm: xmlenc.AES256GCM.Algorithm()},
	{Algorithm: xmlenc.AES128GCM.Algorithm()},
	{Algorithm: "http://www.w3.org/2001/04/xmlenc#aes128-cbc"},
	{Algorithm: "http://www.w3.org/2001/04/xmlenc#aes256-cbc"},
	{Algorithm: "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"},
	{Algorithm: "http://www.w3.org/2009/xmlenc11#rsa-oaep"},
}

// ServeMetadata answers GET Base+"metadata".
func (p *Provider) ServeMetadata(w http.ResponseWriter, r *http.Request) {
	out, err := p.Metadata()
	if err != nil {
		p.logger.ErrorContext(r.Context(), "SP metadata", "error", err)
		p.errorPage(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = w.Write(out)
}
