package bolt

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// crashChildEnv names the store file the child process of
// TestAuditCrashLosesOnlyTheQueue appends to.
const crashChildEnv = "PASSERELLE_AUDIT_CRASH_CHILD"

// crashReport is how often the child says how many events it appended.
const crashReport = 64

// TestAuditCrashLosesOnlyTheQueue kills a process appending audit events
// (SIGKILL: no Close, no flush) and reopens its file: the file opens, the
// events in it are exactly the first k appended, in order, none
// half-written (each group commit is one transaction), and k is at least
// every count the process reported minus store.AuditPending (the queue's
// bound, its commit in flight included). What a crash loses is the tail
// still queued, never an event before it.
func TestAuditCrashLosesOnlyTheQueue(t *testing.T) {
	if path := os.Getenv(crashChildEnv); path != "" {
		appendUntilKilled(path)
		return
	}
	if testing.Short() {
		t.Skip("starts a child process and kills it (-short)")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestAuditCrashLosesOnlyTheQueue$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once it has appended several batches' worth and committed
	// some: it reports after every crashReport appends.
	sc := bufio.NewScanner(out)
	reported := 0
	for sc.Scan() {
		n, err := strconv.Atoi(strings.TrimPrefix(sc.Text(), "appended "))
		if err != nil {
			continue
		}
		reported = n
		if reported >= 8*store.AuditBatch {
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if reported < 8*store.AuditBatch {
		t.Fatalf("the child reported %d events before it stopped", reported)
	}

	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("the file after a crash: %v", err)
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
	t.Logf("killed after at least %d events appended; %d in the file (lost at most the queue's tail)", reported, len(got))
}

// crashEventID is the ID of the i-th event the child appends.
func crashEventID(i int) string { return fmt.Sprintf("e%09d", i) }

// appendUntilKilled is the child: it appends events to the store at path,
// one after another, reporting every crashReport, until it is killed.
func appendUntilKilled(path string) {
	s, err := Open(path, Options{})
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
		if (i+1)%crashReport == 0 {
			fmt.Fprintf(w, "appended %d\n", i+1)
			w.Flush()
		}
	}
}
