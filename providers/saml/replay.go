package saml

import (
	"errors"
	"sync"
	"time"

	crewsaml "github.com/crewjam/saml"
)

// ReplayCache records the IDs of consumed assertions until they expire,
// so that a captured assertion is accepted once (saml-profiles-2.0-os
// §4.1.4.5). Consume must be atomic: of two concurrent calls with one ID,
// one returns ErrReplayed. A store-backed implementation lets replicas
// share it.
type ReplayCache interface {
	Consume(id string, until time.Time) error
}

// ErrReplayed is what a ReplayCache returns for an ID it already holds.
var ErrReplayed = errors.New("assertion already used")

// ErrReplayCacheFull: the cache holds its capacity of unexpired IDs.
var ErrReplayCacheFull = errors.New("replay cache full")

// replayAdapter is a ReplayCache as the library's AssertionReplayCache.
type replayAdapter struct{ c ReplayCache }

func (a replayAdapter) Consume(id string, until time.Time) error {
	if err := a.c.Consume(id, until); err != nil {
		if errors.Is(err, ErrReplayed) {
			return errors.Join(err, crewsaml.ErrAssertionReplayed)
		}
		return err
	}
	return nil
}

// MemoryReplayCache is a ReplayCache in this process's memory, bounded:
// when it holds capacity unexpired IDs it refuses new ones rather than
// forget one that could then be replayed. Only assertions that passed
// every signature and condition check reach it, so only the IdP can fill
// it, and each entry lives at most as long as its assertion (minutes).
type MemoryReplayCache struct {
	capacity int
	now      func() time.Time

	mu   sync.Mutex
	seen map[string]time.Time
}

// NewMemoryReplayCache returns an empty cache of capacity IDs.
func NewMemoryReplayCache(capacity int, now func() time.Time) *MemoryReplayCache {
	if now == nil {
		now = time.Now
	}
	return &MemoryReplayCache{capacity: capacity, now: now, seen: map[string]time.Time{}}
}

// Consume records id until until, or returns ErrReplayed.
func (m *MemoryReplayCache) Consume(id string, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if exp, ok := m.seen[id]; ok && now.Before(exp) {
		return ErrReplayed
	}
	if len(m.seen) >= m.capacity {
		for k, exp := range m.seen {
			if !now.Before(exp) {
				delete(m.seen, k)
			}
		}
		if len(m.seen) >= m.capacity {
			return ErrReplayCacheFull
		}
	}
	m.seen[id] = until
	return nil
}
