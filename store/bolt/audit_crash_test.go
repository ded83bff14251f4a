package bolt

import (
	"path/filepath"
	"testing"

	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/storetest"
)

// TestAuditCrashLosesOnlyTheQueue: a process killed while appending audit
// events leaves exactly the first ones in its file (storetest.AuditCrash).
func TestAuditCrashLosesOnlyTheQueue(t *testing.T) {
	storetest.AuditCrash(t, "TestAuditCrashLosesOnlyTheQueue",
		func(t *testing.T) string { return filepath.Join(t.TempDir(), "crash.db") },
		func(path string) (store.Store, error) { return Open(path, Options{}) })
}
