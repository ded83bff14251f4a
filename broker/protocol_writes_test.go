package broker_test

import (
	"encoding/binary"
	"net/url"
	"os"
	"testing"
)

// boltCommits is how many write transactions the bbolt file at path has
// committed: the transaction ID in the newer of its two meta pages (bbolt
// adds one per commit, a batch of writes being one commit). It reads the
// file as the disk has it, so it counts what was made durable whatever
// the broker called.
func boltCommits(t *testing.T, path string) uint64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A page starts with a 16-byte header; the meta then holds magic,
	// version, page size, flags (4 bytes each), the root bucket (16),
	// the freelist and high-water page IDs (8 each) and the txid (8).
	const pageSizeAt, txidAt = 16 + 8, 16 + 48
	size := int(binary.LittleEndian.Uint32(b[pageSizeAt:]))
	if size <= 0 || len(b) < 2*size {
		t.Fatalf("%s: not a bbolt file (page size %d)", path, size)
	}
	return max(binary.LittleEndian.Uint64(b[txidAt:]), binary.LittleEndian.Uint64(b[size+txidAt:]))
}

// TestProtocolEndpointWrites counts the durable commits of the
// back-channel endpoints (issue 15): an introspection, of an access or a
// refresh token, writes nothing; a refresh grant writes once (the
// rotation, which spends the old token).
func TestProtocolEndpointWrites(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	tok := e.signIn(r, e.browser(), "gckey", "alex")

	before := boltCommits(t, e.dbPath)
	if e.introspect(tok.AccessToken)["active"] != true {
		t.Fatal("the access token of a fresh sign-in is inactive")
	}
	// A refresh token is introspected by the client it was issued to.
	if _, _, body := e.postForm("/oauth/introspect", "rp1", rpSecret, url.Values{"token": {tok.RefreshToken}}); body["active"] != true {
		t.Fatalf("the refresh token of a fresh sign-in: %v", body)
	}
	if n := boltCommits(t, e.dbPath) - before; n != 0 {
		t.Errorf("two introspections committed %d writes, want none", n)
	}

	before = boltCommits(t, e.dbPath)
	next, err := e.refresh(r, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if n := boltCommits(t, e.dbPath) - before; n != 1 {
		t.Errorf("a refresh grant committed %d writes, want exactly one", n)
	}
	// The count is real: the rotation it wrote holds.
	if _, err := e.refresh(r, tok.RefreshToken); err == nil {
		t.Error("the rotated-away refresh token still works")
	}
	if e.introspect(next.AccessToken)["active"] != false {
		t.Error("reuse of the old token left the family's access token active")
	}
}
