package bolt

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/storetest"
)

// TestAuditCrashLosesOnlyTheQueue: a process killed while appending audit
// events leaves exactly the first ones in its file (storetest.AuditCrash),
// and the file opens consistent: its free pages, never written at commit
// (fileOptions), are found again by walking it, none of them in use.
func TestAuditCrashLosesOnlyTheQueue(t *testing.T) {
	storetest.AuditCrash(t, "TestAuditCrashLosesOnlyTheQueue",
		func(t *testing.T) string { return filepath.Join(t.TempDir(), "crash.db") },
		func(path string) (store.Store, error) {
			s, err := Open(path, Options{})
			if err != nil {
				return nil, err
			}
			if err := checkFile(s); err != nil {
				return nil, errors.Join(err, s.Close())
			}
			return s, nil
		})
}
