package storetest

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// NewStore builds an empty store for one subtest and arranges its cleanup
// (t.Cleanup). The store must read the time from now, the suite's clock,
// to decide whether a record has expired: the suite moves that clock
// forward to expire records without sleeping.
type NewStore func(t *testing.T, now func() time.Time) store.Store

// Run runs the conformance suite as named subtests.
func Run(t *testing.T, newStore NewStore) {
	for _, tc := range []struct {
		name string
		run  func(*testing.T, NewStore)
	}{
		{"Ping", testPing},
		{"Clients", testClients},
		{"SigningKeys", testSigningKeys},
		{"Accounts", testAccounts},
		{"CreateAccountAtomic", testCreateAccountAtomic},
		{"AccountURNChange", testAccountURNChange},
		{"ListAccounts", testListAccounts},
		{"Links", testLinks},
		{"AuthRequests", testAuthRequests},
		{"Grants", testGrants},
		{"GrantWithAccount", testGrantWithAccount},
		{"RefreshRotation", testRefreshRotation},
		{"RevokeGrantsByAccount", testRevokeGrantsByAccount},
		{"GrantWithSession", testGrantWithSession},
		{"Sessions", testSessions},
		{"DeleteSessionsByAccount", testDeleteSessionsByAccount},
		{"ListSessions", testListSessions},
		{"ExpiredIsNotFound", testExpiredIsNotFound},
		{"UpdateErrorWritesNothing", testUpdateErrorWritesNothing},
		{"Sweep", testSweep},
		{"SweepIndexes", testSweepIndexes},
		{"SweepMany", testSweepMany},
		{"SweepSpent", testSweepSpent},
		// Factors, one-time codes, rate counters, audit log, lockout.
		{"Factors", testFactors},
		{"FactorCredentialChange", testFactorCredentialChange},
		{"ListFactors", testListFactors},
		{"UpdateFactorErrorWritesNothing", testUpdateFactorErrorWritesNothing},
		{"UpdateAccountFactor", testUpdateAccountFactor},
		{"GetAuthRequestWithAccount", testGetAuthRequestWithAccount},
		{"GetLinkWithAccount", testGetLinkWithAccount},
		{"OTPs", testOTPs},
		{"OTPExpiry", testOTPExpiry},
		{"Hit", testHit},
		{"Audit", testAudit},
		{"AccountFailures", testAccountFailures},
		{"SweepMFA", testSweepMFA},
		// Users of the built-in credential service.
		{"LocalUsers", testLocalUsers},
		{"LocalUserExpiry", testLocalUserExpiry},
		{"LocalUserChanges", testLocalUserChanges},
		{"SweepLocalUsers", testSweepLocalUsers},
		// Terms of use accepted.
		{"TermsAcceptances", testTermsAcceptances},
		{"TermsAcceptanceInvalid", testTermsAcceptanceInvalid},
		{"TermsAcceptanceCopy", testTermsAcceptanceCopy},
		// Organizations of each client.
		{"Organizations", testOrganizations},
		{"OrganizationUpdates", testOrganizationUpdates},
		{"OrganizationCopy", testOrganizationCopy},
		// Legacy accounts imported and linked.
		{"LegacyImport", testLegacyImport},
		{"LegacyLinks", testLegacyLinks},
		// Clients' record files, links and requests for an agent.
		{"ClientRecords", testClientRecords},
		{"AssistRequests", testAssistRequests},
		{"LegacyAndRecordsCopy", testLegacyAndRecordsCopy},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore) })
	}
}

// epoch is the suite clock's starting time.
var epoch = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// clock is a manual clock shared by a test and its store.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// open builds a store on a fresh clock set to epoch.
func open(t *testing.T, newStore NewStore) (store.Store, *clock) {
	t.Helper()
	c := &clock{now: epoch}
	return newStore(t, c.Now), c
}

// errRefused is what update callbacks in the suite return to refuse.
var errRefused = errors.New("storetest: refused by the update function")

// must fails the test now on an unexpected error.
func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantErr checks that err wraps target.
func wantErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want one wrapping %v", what, err, target)
	}
}

// flagCall is an update function that sets *called and changes nothing,
// for checking that a store never runs fn on a missing or expired record.
func flagCall[T any](called *bool) func(T) (T, error) {
	return func(v T) (T, error) {
		*called = true
		return v, nil
	}
}

// same checks that got and want encode to the same JSON.
func same(t *testing.T, got, want any, what string) {
	t.Helper()
	g, err := json.Marshal(got)
	must(t, err, what)
	w, err := json.Marshal(want)
	must(t, err, what)
	if string(g) != string(w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func testPing(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	must(t, s.Ping(t.Context()), "Ping")
}
