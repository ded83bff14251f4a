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
	Grants   = &Cache[store.Grant]{clone: cloneGrant}
	Accounts = &Cache[store.Account]{}
	Factors  = &Cache[store.Factor]{clone: cloneFactor}
)

// Cache holds records of one kind decoded from JSON, under the bytes
// they were decoded from; at most Max, a new one past that replacing
// one at random.
type Cache[T any] struct {
	// clone copies what a caller could change in place (slices), so no
	// two readers share them; nil when T holds none.
	// TestSharesNothing fails when a field that holds a reference is
	// added to a cached kind and not copied.
	clone func(T) T
	mu    sync.Mutex
	m     map[string]T
}

// Decode returns the record raw encodes, from the cache when raw was
// decoded before (raw may be a buffer its owner reuses: the cache keeps
// a copy).
func (c *Cache[T]) Decode(raw []byte) (T, error) {
	c.mu.Lock()
	v, ok := c.m[string(raw)]
	c.mu.Unlock()
	if ok {
		return c.copy(v), nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, err
	}
	c.put(raw, v)
	return v, nil
}

func (c *Cache[T]) put(raw []byte, v T) {
	held := c.copy(v)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]T)
	}
	if len(c.m) >= Max {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[string(raw)] = held
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
