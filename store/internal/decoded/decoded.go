package decoded

import (
	"bytes"
	"encoding/json"
	"slices"
	"sync"

	"github.com/passerelle/passerelle/store"
)

// Max bounds each cache: at about 2 KB an entry (the stored bytes and
// the decoded record), a few megabytes per kind.
const Max = 4096

// The caches of the kinds read on every sign-in, refresh and
// introspection.
var (
	Grants   = &Cache[store.Grant]{clone: cloneGrant, id: func(g store.Grant) string { return g.ID }}
	Accounts = &Cache[store.Account]{id: func(a store.Account) string { return a.ID }}
	Factors  = &Cache[store.Factor]{clone: cloneFactor, id: func(f store.Factor) string { return f.ID }}
)

// Cache holds records of one kind decoded from JSON, under the bytes
// they were decoded from, one version per record: a record's new version
// replaces the one before (a refresh rewrites its grant each time, and
// the old versions would otherwise crowd out the records still read). At
// most Max; a new record past that replaces one at random.
type Cache[T any] struct {
	// clone copies what a caller could change in place (slices), so no
	// two readers share them; nil when T holds none.
	// TestSharesNothing fails when a field that holds a reference is
	// added to a cached kind and not copied.
	clone func(T) T
	// id names the record a version belongs to.
	id   func(T) string
	mu   sync.Mutex
	m    map[string]held[T] // by the stored bytes
	byID map[string]string  // a record's ID → the bytes of its version held
}

type held[T any] struct {
	v  T
	id string
}

// Decode returns the record raw encodes, from the cache when raw was
// decoded before (raw may be a buffer its owner reuses: the cache keeps
// a copy).
func (c *Cache[T]) Decode(raw []byte) (T, error) {
	c.mu.Lock()
	h, ok := c.m[string(raw)]
	c.mu.Unlock()
	if ok {
		return c.copy(h.v), nil
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, err
	}
	c.put(raw, v)
	return v, nil
}

func (c *Cache[T]) put(raw []byte, v T) {
	h := held[T]{v: c.copy(v), id: c.id(v)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m, c.byID = make(map[string]held[T]), make(map[string]string)
	}
	if before, ok := c.byID[h.id]; ok {
		delete(c.m, before)
	} else if len(c.m) >= Max {
		for k, old := range c.m {
			delete(c.m, k)
			delete(c.byID, old.id)
			break
		}
	}
	key := string(raw)
	c.m[key] = h
	c.byID[h.id] = key
}

func (c *Cache[T]) copy(v T) T {
	if c.clone == nil {
		return v
	}
	return c.clone(v)
}

// cloneGrant copies the grant's slices.
func cloneGrant(g store.Grant) store.Grant {
	g.Scopes = slices.Clone(g.Scopes)
	g.AMR = slices.Clone(g.AMR)
	g.Claims.IDToken = slices.Clone(g.Claims.IDToken)
	g.Claims.UserInfo = slices.Clone(g.Claims.UserInfo)
	g.RefreshHash = bytes.Clone(g.RefreshHash)
	return g
}

// cloneFactor copies the factor's slices (its sealed secret, credential
// ID and recovery codes).
func cloneFactor(f store.Factor) store.Factor {
	f.Sealed = bytes.Clone(f.Sealed)
	f.CredentialID = bytes.Clone(f.CredentialID)
	f.Codes = slices.Clone(f.Codes)
	for i := range f.Codes {
		f.Codes[i].Hash = bytes.Clone(f.Codes[i].Hash)
	}
	return f
}
