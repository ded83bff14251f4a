package storetest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// auditCrashEnv carries, to the child process of AuditCrash, where its
// store is.
const auditCrashEnv = "PASSERELLE_AUDIT_CRASH_CHILD"

// auditCrashReport is how often the child says how many events it
// appended.
const auditCrashReport = 64

// OpenAt opens a backend's store at where (a file path, a DSN).
type OpenAt func(where string) (store.Store, error)

// AuditCrash kills a process appending audit events to a new store, at
// the place newStore gives (SIGKILL: no Close, no flush), and reopens it: the store opens,
// the events in it are exactly the first k appended, in order, none
// half-written (each group commit is one transaction), and k is at least
// every count the process reported minus store.AuditPending (the queue's
// bound, its commit in flight included). What a crash loses is the tail
// still queued, never an event before it.
//
// Call it from a test named testName, which it runs again as the child
// (the test binary, -test.run=^testName$); in the child it appends until
// killed and never returns.
func AuditCrash(t *testing.T, testName string, newStore func(t *testing.T) (where string), open OpenAt) {
	if w := os.Getenv(auditCrashEnv); w != "" {
		appendUntilKilled(w, open)
	}
	if testing.Short() {
		t.Skip("starts a child process and kills it (-short)")
	}
	where := newStore(t)
	cmd := exec.Command(os.Args[0], "-test.run=^"+testName+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), auditCrashEnv+"="+where)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once it has appended several batches' worth, and so
	// committed some.
	want := 8 * store.AuditBatch
	sc := bufio.NewScanner(out)
	reported := 0
	for reported < want && sc.Scan() {
		if n, err := strconv.Atoi(strings.TrimPrefix(sc.Text(), "appended ")); err == nil {
			reported = n
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if reported < want {
		t.Fatalf("the child reported %d events appended before it stopped", reported)
	}

	s, err := open(where)
	if err != nil {
		t.Fatalf("the store after a crash: %v", err)
	}
	defer s.Close()
	got, err := s.ListAudit(t.Context(), time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range got {
		if e.ID != crashEventID(i) || e.Kind != "signin" || e.Detail["n"] != strconv.Itoa(i) {
			t.Fatalf("event %d after the crash is %+v, want %s: a hole or a half-written event", i, e, crashEventID(i))
		}
	}
	if lost := reported - len(got); lost > store.AuditPending {
		t.Errorf("the crash lost %d events reported appended, more than AuditPending (%d)", lost, store.AuditPending)
	}
	t.Logf("killed after at least %d events appended; %d in the store", reported, len(got))
}

// crashEventID is the ID of the i-th event the child appends.
func crashEventID(i int) string { return fmt.Sprintf("e%09d", i) }

// appendUntilKilled is the child: it appends events to the store at
// where, one after another, reporting every auditCrashReport, until it is
// killed.
func appendUntilKilled(where string, open OpenAt) {
	s, err := open(where)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		e := store.AuditEvent{ID: crashEventID(i), Time: at.Add(time.Duration(i) * time.Microsecond), Kind: "signin",
			Detail: map[string]string{"n": strconv.Itoa(i)}}
		if err := s.AppendAudit(context.Background(), e); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		if (i+1)%auditCrashReport == 0 {
			fmt.Fprintf(w, "appended %d\n", i+1)
			w.Flush()
		}
	}
}
