package postgres

import (
	"context"
	"testing"

	"github.com/passerelle/passerelle/internal/pgtest"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/storetest"
)

// TestAuditCrashLosesOnlyTheQueue: a process killed while appending audit
// events leaves exactly the first ones in the database
// (storetest.AuditCrash).
func TestAuditCrashLosesOnlyTheQueue(t *testing.T) {
	storetest.AuditCrash(t, "TestAuditCrashLosesOnlyTheQueue",
		func(t *testing.T) string { return pgtest.Schema(t) },
		func(dsn string) (store.Store, error) { return Open(context.Background(), dsn, Options{}) })
}
