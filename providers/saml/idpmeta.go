package saml

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	crewsaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
)

// maxMetadataSize bounds an IdP metadata document (a federation's
// aggregate is larger, but then IDPEntityID names one entity of a file).
const maxMetadataSize = 4 << 20

// idpMetadata reads the IdP's metadata from a file or a URL and keeps the
// last good copy; a URL is fetched again once the copy is older than the
// refresh interval, and a failed refresh keeps the old copy (logged by
// the caller), so an IdP that is briefly down stops no sign-in.
type idpMetadata struct {
	file, url string
	entityID  string
	refresh   time.Duration
	client    *http.Client
	now       func() time.Time

	mu      sync.Mutex
	current *crewsaml.EntityDescriptor
	fetched time.Time
}

// get returns the current metadata, reading it first when there is none
// or it is due. stale is the refresh error when an old copy is returned.
func (m *idpMetadata) get(ctx context.Context) (md *crewsaml.EntityDescriptor, stale error, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	due := m.current == nil || (m.url != "" && m.now().Sub(m.fetched) >= m.refresh)
	if !due {
		return m.current, nil, nil
	}
	fresh, err := m.read(ctx)
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
