package providers_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/passerelle/passerelle/providers"
)

// TestHTTPClientKeepsConnections: after a burst of concurrent requests to
// one upstream, the next burst reuses the connections instead of dialling
// (net/http's default transport keeps two and would dial six anew).
func TestHTTPClientKeepsConnections(t *testing.T) {
	const burst = 8
	var dials atomic.Int32
	var arrived sync.WaitGroup
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Every request of a burst is in flight at once: each waits for
		// the others, so the client needs burst connections.
		arrived.Done()
		arrived.Wait()
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := providers.NewHTTPClient(10 * time.Second)
	round := func() {
		arrived.Add(burst)
		var done sync.WaitGroup
		for range burst {
			done.Go(func() {
				resp, err := c.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			})
		}
		done.Wait()
	}
	round()
	first := dials.Load()
	round()
	if first != burst || dials.Load() != first {
		t.Errorf("dials: %d for the first burst of %d, then %d more; want %d, then none", first, burst, dials.Load()-first, burst)
	}
}
