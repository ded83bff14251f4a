package saml

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/beevik/etree"
	crewsaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
	dsig "github.com/russellhaering/goxmldsig"
)

// maxMetadataSize bounds an IdP metadata document (a federation's
// aggregate is larger, but then IDPEntityID names one entity of a file).
const maxMetadataSize = 4 << 20

// idpMetadata reads the IdP's metadata from a file or a URL and keeps the
// last good copy; a URL is fetched again once the copy is older than the
// refresh interval, and a failed refresh keeps the old copy (logged by
// the caller), so an IdP that is briefly down stops no sign-in. The
// fetch runs without the lock: while one request refreshes, the others
// go on with the current copy (before the first copy, each waits for its
// own read). With signer set, only metadata signed by that certificate
// is read (verifySigned).
type idpMetadata struct {
	file, url string
	entityID  string
	signer    *x509.Certificate
	clock     *dsig.Clock
	refresh   time.Duration
	client    *http.Client
	now       func() time.Time

	mu       sync.Mutex
	current  *crewsaml.EntityDescriptor
	fetched  time.Time
	fetching bool // a refresh is in flight
}

// get returns the current metadata, reading it first when there is none
// or it is due. stale is the refresh error when an old copy is returned.
func (m *idpMetadata) get(ctx context.Context) (md *crewsaml.EntityDescriptor, stale error, err error) {
	m.mu.Lock()
	cur := m.current
	due := cur == nil || (m.url != "" && m.now().Sub(m.fetched) >= m.refresh)
	if !due || (cur != nil && m.fetching) {
		m.mu.Unlock()
		return cur, nil, nil
	}
	m.fetching = true
	m.mu.Unlock()

	fresh, err := m.read(ctx)

	m.mu.Lock()
	defer m.mu.Unlock()
	m.fetching = false
	if err != nil {
		if m.current != nil {
			return m.current, err, nil
		}
		return nil, nil, err
	}
	m.current, m.fetched = fresh, m.now()
	return fresh, nil, nil
}

func (m *idpMetadata) read(ctx context.Context) (*crewsaml.EntityDescriptor, error) {
	var data []byte
	var err error
	if m.file != "" {
		data, err = os.ReadFile(m.file)
	} else {
		data, err = m.fetch(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("IdP metadata: %w", err)
	}
	if m.signer != nil {
		if data, err = verifySigned(data, m.signer, m.clock); err != nil {
			return nil, fmt.Errorf("IdP metadata: %w", err)
		}
	}
	var md *crewsaml.EntityDescriptor
	if m.entityID != "" {
		md, err = samlsp.ParseMetadataByEntityID(data, m.entityID)
	} else {
		md, err = samlsp.ParseMetadata(data)
	}
	if err != nil {
		return nil, fmt.Errorf("IdP metadata: %w", err)
	}
	if len(md.IDPSSODescriptors) == 0 {
		return nil, errors.New("IdP metadata: no IDPSSODescriptor")
	}
	return md, nil
}

func (m *idpMetadata) fetch(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", m.url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxMetadataSize {
		return nil, fmt.Errorf("GET %s: larger than %d bytes", m.url, maxMetadataSize)
	}
	return data, nil
}

// verifySigned checks the enveloped signature over the metadata's root
// element (an EntityDescriptor or an EntitiesDescriptor;
// saml-metadata-2.0-os §3) by cert, RSA-SHA256 or stronger, and returns
// the document as the signature covers it, so that nothing unsigned is
// read (signature wrapping). A document with a DTD is refused before.
func verifySigned(data []byte, cert *x509.Certificate, clock *dsig.Clock) ([]byte, error) {
	if bytes.Contains(data, []byte("<!")) && hasDirective(data) {
		return nil, errors.New("metadata carries a DTD")
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, fmt.Errorf("malformed XML: %w", err)
	}
	root := doc.Root()
	if root == nil {
		return nil, errors.New("no root element")
	}
	sig := root.FindElement("./Signature/SignedInfo/SignatureMethod")
	if sig == nil {
		return nil, errors.New("not signed (metadata_signing_cert is set)")
	}
	if alg := sig.SelectAttrValue("Algorithm", ""); alg == dsig.RSASHA1SignatureMethod || alg == "" {
		return nil, fmt.Errorf("signature algorithm %q refused", alg)
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
	vc.Clock = clock
	signed, err := vc.Validate(root)
	if err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	out := etree.NewDocument()
	out.SetRoot(signed)
	return out.WriteToBytes()
}

// hasDirective reports whether data holds an XML directive (<!DOCTYPE,
// <!ENTITY) outside comments and character data.
func hasDirective(data []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.RawToken()
		if err != nil {
			return false // malformed: etree's parse says how
		}
		if _, ok := tok.(xml.Directive); ok {
			return true
		}
	}
}
