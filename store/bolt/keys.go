package bolt

import (
	"bytes"
	"encoding/binary"
	"time"

	"go.etcd.io/bbolt"
)

// The key encodings every bucket and index shares.

// part appends one length-prefixed component to a composite key, so that
// different tuples never share an encoding and the encoding of a leading
// component is a prefix selecting exactly its entries.
func part(dst []byte, p []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(p)))
	return append(dst, p...)
}

// pairKey is a composite key of two parts; the first part's encoding is
// the prefix that selects its entries.
func pairKey(first, second string) []byte {
	return part(part(nil, []byte(first)), []byte(second))
}

// linkKey is the primary key of a link: (provider, subject).
func linkKey(provider, subject string) []byte { return pairKey(provider, subject) }

// termsKey is the primary key of a terms acceptance: (account ID, client
// ID). The account's part comes first, so its acceptances are one prefix.
func termsKey(accountID, clientID string) []byte { return pairKey(accountID, clientID) }

// ownedKey is an index key listing key under owner (an account or a grant).
func ownedKey(owner string, key []byte) []byte {
	return append(part(nil, []byte(owner)), key...)
}

// owned returns the keys listed under owner in an index bucket.
func owned(tx *bbolt.Tx, index []byte, owner string) [][]byte {
	prefix := part(nil, []byte(owner))
	var keys [][]byte
	c := tx.Bucket(index).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k[len(prefix):]))
	}
	return keys
}

// marked reports whether an index bucket holds key, whatever its value
// (mark's entries have none).
func marked(tx *bbolt.Tx, index, key []byte) bool {
	k, _ := tx.Bucket(index).Cursor().Seek(key)
	return k != nil && bytes.Equal(k, key)
}

// mark puts an index entry that carries no value.
func mark(tx *bbolt.Tx, index, key []byte) error {
	return tx.Bucket(index).Put(key, []byte{})
}

// timeKey encodes t so that byte order is time order, for any time
// (UnixNano would overflow outside 1678–2262): the Unix seconds with the
// sign bit flipped, then the nanoseconds, both big-endian; 12 bytes.
func timeKey(t time.Time) []byte {
	var b [timeKeyLen]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.Unix())^(1<<63))
	binary.BigEndian.PutUint32(b[8:], uint32(t.Nanosecond()))
	return b[:]
}

// timeKeyLen is the length of a timeKey.
const timeKeyLen = 12
