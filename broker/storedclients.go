package broker

import (
	"context"
	"sync"
	"time"

	"github.com/passerelle/passerelle/store"
)

// storedClientsTTL is how stale the broker's copy of the stored clients
// may be: a client added, changed or removed by another replica or by
// the command line (`passerelle clients ...` on PostgreSQL) is seen here
// within it. A write of this process's admin API is seen at once
// (ClientsChanged).
const storedClientsTTL = 2 * time.Second

// storedClients keeps every client of the store (those added through the
// admin API or the command line) in memory, read again from the store
// at most once per storedClientsTTL and after every write this process
// makes, instead of a store read at each of the sign-in's requests. An
// ID the copy lacks is an unknown client without a store read, so a flood
// of made-up client IDs costs no store read either. What it holds is
// shared by every request and never changed.
type storedClients struct {
	st    store.Store
	now   func() time.Time
	idTTL time.Duration // the lifetime of the clients' ID tokens

	mu   sync.Mutex
	at   time.Time // when list was read; zero: read it again
	gen  uint64    // forget's count: a read begun before a forget is not kept
	byID map[string]*client
	list []store.Client // in the store's order
}

// read returns the copy, reading the store again when it is older than
// storedClientsTTL or was forgotten. The store is read outside the lock,
// so a slow or unreachable store holds up each request only for its own
// read, as a read per request did (requests that find the copy stale
// together each read it). A read begun before a forget is returned to its
// caller but not kept, so a write this process made is never hidden by an
// older read finishing after it.
func (s *storedClients) read(ctx context.Context) (map[string]*client, []store.Client, error) {
	s.mu.Lock()
	now, gen := s.now(), s.gen
	if !s.at.IsZero() && !now.Before(s.at) && now.Sub(s.at) < storedClientsTTL {
		defer s.mu.Unlock()
		return s.byID, s.list, nil
	}
	s.mu.Unlock()
	list, err := s.st.ListClients(ctx)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[string]*client, len(list))
	for i := range list {
		if list[i].Organizations != nil {
			list[i].Organizations.SetDefaults()
		}
		byID[list[i].ID] = &client{Client: list[i], idTTL: s.idTTL}
	}
	s.mu.Lock()
	if s.gen == gen {
		s.at, s.byID, s.list = now, byID, list
	}
	s.mu.Unlock()
	return byID, list, nil
}

// get is the stored client id; store.ErrNotFound when there is none.
func (s *storedClients) get(ctx context.Context, id string) (*client, error) {
	byID, _, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	c, ok := byID[id]
	if !ok {
		return nil, store.ErrNotFound
	}
	return c, nil
}

// forget makes the next lookup read the store again.
func (s *storedClients) forget() {
	s.mu.Lock()
	s.at = time.Time{}
	s.gen++
	s.mu.Unlock()
}

// ClientsChanged makes the broker read the stored clients again at its
// next lookup: whatever changes clients in this process (the admin API,
// admin.WithClientsChanged) calls it after each write, so the change is
// seen at once instead of within storedClientsTTL.
func (b *Broker) ClientsChanged() { b.stored.forget() }
