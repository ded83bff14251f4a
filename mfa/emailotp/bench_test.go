package emailotp

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/mfa/internal/mfatest"
	"github.com/passerelle/passerelle/notify"
)

// codeCatcher is a notifier that keeps the code of each message by
// address, so concurrent sends to distinct addresses can be told apart.
type codeCatcher struct {
	mu    sync.Mutex
	codes map[string]string
}

func (c *codeCatcher) Send(_ context.Context, m notify.Message) error {
	code := sixDigits.FindString(m.Text)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.codes[m.To] = code
	return nil
}

// BenchmarkEmailVerify is the cost of one successful Verify on a real
// bbolt store: reading the code, checking its hash and writing it back
// consumed, durably. One verification at a time, so each commit is alone
// and commits at once: this is the latency of a sign-in's check, not the
// store's throughput.
//
// The b.N codes are issued before the timer starts, each to its own
// address (the hourly address cap), with the daily account cap raised.
func BenchmarkEmailVerify(b *testing.B) {
	ctx := context.Background()
	clock := mfatest.NewClock()
	st := mfatest.Store(b, clock.Now)
	mfatest.Account(b, st, "acct-1")
	catcher := &codeCatcher{codes: map[string]string{}}
	s := NewSender(st, catcher, mfa.EmailConfig{MaxSendsPerDay: b.N + 1}, clock.Now)

	ids := make([]string, b.N)
	codes := make([]string, b.N)
	// Issue concurrently so the setup's writes share commits.
	const workers = 32
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < b.N; i += workers {
				id, err := s.Send(ctx, "acct-1", notify.PurposeSignIn, fmt.Sprintf("p%d@example.ca", i), "en")
				if err != nil {
					errs <- fmt.Errorf("Send %d: %w", i, err)
					return
				}
				ids[i] = id
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	for i := range codes {
		codes[i] = catcher.codes[fmt.Sprintf("p%d@example.ca", i)]
		if codes[i] == "" {
			b.Fatalf("no code caught for send %d", i)
		}
	}

	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := s.Verify(ctx, ids[i], "acct-1", codes[i]); err != nil {
			b.Fatalf("Verify %d: %v", i, err)
		}
	}
}
