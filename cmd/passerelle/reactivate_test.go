package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// TestAccountsReactivate: `passerelle accounts reactivate` lifts a
// dormant account's dormancy once, and says why it refuses the second
// time.
func TestAccountsReactivate(t *testing.T) {
	cfgPath := writeConfig(t, t.TempDir(), true)
	ctx := context.Background()
	st := configStore(t, cfgPath)
	long := time.Now().Add(-3 * 365 * 24 * time.Hour)
	acct := store.Account{ID: "acct-1", URN: "1234-5678-9012", CreatedAt: long, LastLoginAt: long, DormantSince: time.Now()}
	if err := st.CreateAccount(ctx, acct, store.Link{Provider: "up", Subject: "s1", AccountID: acct.ID, CreatedAt: long}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"accounts", "reactivate", "-config", cfgPath, "-urn", acct.URN}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "reactivate done") {
		t.Errorf("output: %s", out.String())
	}
	err := run(ctx, []string{"accounts", "reactivate", "-config", cfgPath, "-urn", acct.URN}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "not dormant") {
		t.Errorf("a second reactivation: %v", err)
	}
	st = configStore(t, cfgPath)
	defer st.Close()
	a, err := st.GetAccount(ctx, acct.ID)
	if err != nil || !a.DormantSince.IsZero() || a.ReactivatedAt.IsZero() {
		t.Errorf("after reactivate: %+v, %v", a, err)
	}
}
