package bolt

import (
	"bytes"
	"slices"
	"sync"

	"github.com/passerelle/passerelle/store"
)

// decodedMax bounds each decoded cache: at about 1 KB an entry (the
// stored bytes and the decoded record), a few megabytes per kind.
const decodedMax = 4096

// decoded keeps the decoded form of recently read records of one kind,
// each beside the stored bytes it was decoded from, so that a read that
// finds the same bytes under the same key skips the JSON decode (and its
// validation pass): introspection reads the same grant and account again
// and again, a refresh grant reads its grant twice, a sign-in lists the
// account's factors three times. The bytes are
// compared in full at every read, so a record any write changed is
// decoded anew, and what a read returns is always what decoding the
// stored bytes gives. Decoding is a function of the bytes alone, so one
// cache serves every Store in the process. It holds at most decodedMax
// records; a new one past that replaces one at random.
type decoded[T any] struct {
	// clone copies what a caller could change in place (slices), so no
	// two readers share them; nil when T holds none.
	// TestDecodedSharesNothing fails when a field that holds a reference
	// is added to a cached kind and not copied.
	clone func(T) T
	mu    sync.Mutex
	m     map[string]decodedRecord[T]
}

type decodedRecord[T any] struct {
	raw []byte
	v   T
}

// get returns the record decoded from raw, stored under key, if it is
// held.
func (d *decoded[T]) get(key, raw []byte) (T, bool) {
	d.mu.Lock()
	r, ok := d.m[string(key)]
	d.mu.Unlock()
	if !ok || !bytes.Equal(r.raw, raw) {
		var zero T
		return zero, false
	}
	return d.copy(r.v), true
}

// put holds v, just decoded from raw (which bbolt owns: it is copied),
// stored under key.
func (d *decoded[T]) put(key, raw []byte, v T) {
	r := decodedRecord[T]{raw: bytes.Clone(raw), v: d.copy(v)}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		d.m = make(map[string]decodedRecord[T])
	}
	if _, held := d.m[string(key)]; !held && len(d.m) >= decodedMax {
		for k := range d.m {
			delete(d.m, k)
			break
		}
	}
	d.m[string(key)] = r
}

func (d *decoded[T]) copy(v T) T {
	if d.clone == nil {
		return v
	}
	return d.clone(v)
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
