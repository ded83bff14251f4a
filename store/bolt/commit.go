package bolt

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"go.etcd.io/bbolt"
)

// committer groups concurrent writes into shared commits (group commit):
// a write that finds no commit running commits at once, with whatever is
// queued; writes that arrive while a commit runs queue, and the first of
// them commits them all as soon as it ends. No write waits for company
// it might not get, and under load each commit (and its fsync) carries
// every write that arrived during the one before. The audit log's
// batches go through it too (commitAudit), so they share those commits.
type committer struct {
	db      *bbolt.DB
	mu      sync.Mutex
	queue   []*queuedWrite
	leading bool // a writer is committing the queue, or about to
}

// queuedWrite is one write waiting for its commit.
type queuedWrite struct {
	fn   func(*bbolt.Tx) error
	err  error // its refusal, or its commit's error
	wake chan wakeUp
}

// wakeUp tells a queued writer what to do next.
type wakeUp int

const (
	committed wakeUp = iota // its commit ended: err is the answer
	lead                    // commit the queue
	alone                   // a shared commit failed: commit it on its own
)

// write commits fn with the writes queued with it and returns fn's
// refusal (refuse), or the commit's error.
func (c *committer) write(fn func(*bbolt.Tx) error) error {
	w := &queuedWrite{fn: fn, wake: make(chan wakeUp, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, w)
	if !c.leading {
		c.leading = true
		w.wake <- lead
	}
	c.mu.Unlock()
	for {
		switch <-w.wake {
		case lead:
			c.commitQueue()
		case committed:
			return w.err
		case alone:
			return soloWrite(c.db, fn)
		}
	}
}

// commitQueue commits every queued write in one transaction, wakes their
// writers, then hands the lead to the first write queued meanwhile. A
// write alone commits on its own (soloWrite: a refusal commits nothing).
// When a shared commit fails, bbolt rolls it back and each of its writes
// runs again in a commit of its own, so one failure fails only its write.
// A write alone that panics passes the lead on all the same (the panic
// goes on to its writer), so the writes queued behind it still commit.
//
// The leader yields the processor once (runtime.Gosched) before it takes
// the queue, so that the goroutines ready to run (the writers the
// commit before just woke, among them) queue their next write first. It
// is no timer: with nothing else ready to run the leader goes on at once,
// so a write alone waits no longer. Without it the writers split into
// two halves taking turns, each queuing while the other's commit ran: 16
// writers made 8.5 writes per commit (BenchmarkSignInCommits), 12.8 with
// it.
func (c *committer) commitQueue() {
	runtime.Gosched()
	c.mu.Lock()
	batch := c.queue
	c.queue = nil
	c.mu.Unlock()
	defer c.passLead()
	if len(batch) == 1 {
		batch[0].err = soloWrite(c.db, batch[0].fn)
		batch[0].wake <- committed
	} else {
		err := updateFilled(c.db, func(tx *bbolt.Tx) error {
			for _, w := range batch {
				if err := runQueued(tx, w); err != nil {
					return err
				}
			}
			return nil
		})
		next := committed
		if err != nil {
			next = alone
		}
		for _, w := range batch {
			w.wake <- next
		}
	}
}

// passLead hands the lead to the first write queued during the commit
// that just ended, or leaves it free.
func (c *committer) passLead() {
	c.mu.Lock()
	if len(c.queue) > 0 {
		c.queue[0].wake <- lead
	} else {
		c.leading = false
	}
	c.mu.Unlock()
}

// runQueued runs a queued write in a shared transaction: its refusal is
// kept for its writer (the others' writes commit all the same), any other
// error or a panic fails the transaction.
func runQueued(tx *bbolt.Tx, w *queuedWrite) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store/bolt: write panicked: %v", p)
		}
	}()
	w.err = nil
	err = w.fn(tx)
	var r refusal
	if errors.As(err, &r) {
		w.err = r.err
		return nil
	}
	return err
}

// soloWrite commits fn in a transaction of its own; a refusal rolls it
// back.
func soloWrite(db *bbolt.DB, fn func(*bbolt.Tx) error) error {
	err := updateFilled(db, fn)
	var r refusal
	if errors.As(err, &r) {
		return r.err
	}
	return err
}

// appendOrdered are the buckets whose new keys come in time order: grants
// and their refresh entries (a grant's ID is its auth request's, which
// begins with its time: the broker's orderedID), the audit log and its
// IDs' index, and the time-keyed indexes. bbolt splits a full page into
// halves, which for keys arriving at the end leaves every page behind
// half full for good; filled to appendFill instead, they hold about as
// many keys per page as random keys did, and room is left for a record
// rewritten larger. BenchmarkSignInCommits's file after 20,000 sign-ins
// on its 50,000: grants' leaves 85% full, the file 112 MB; at bbolt's
// default 46% and 152 MB, and with random IDs 67% and 136 MB.
var appendOrdered = [][]byte{bucketGrants, indexRefreshByGrant, bucketAudit, indexAuditByID, indexExpiry, indexRefreshRetired}

// appendFill is how full a split leaves the pages of appendOrdered.
const appendFill = 0.9

// updateFilled runs fn in a write transaction, the pages of
// appendOrdered split at appendFill.
func updateFilled(db *bbolt.DB, fn func(*bbolt.Tx) error) error {
	return db.Update(func(tx *bbolt.Tx) error {
		for _, name := range appendOrdered {
			if b := tx.Bucket(name); b != nil {
				b.FillPercent = appendFill
			}
		}
		return fn(tx)
	})
}
