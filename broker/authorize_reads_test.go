package broker_test

import (
	"net/http"
	"testing"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/store"
)

// TestAuthorizeReadsNothingBack: /authorize stores the auth request and
// starts the sign-in from the record it stored, without reading it back
// (on PostgreSQL that read is a statement per sign-in). Counted at the
// store, for a request sent straight to its upstream (idp_hint) and for
// one that goes to the chooser.
func TestAuthorizeReadsNothingBack(t *testing.T) {
	cs := &countingStore{}
	e := newEnvStore(t, demoidp.Faults{}, func(s store.Store) store.Store {
		cs.Store = s
		return cs
	})
	r := e.rp("rp1")
	for _, opts := range [][]oauth2.AuthCodeOption{{oauth2.SetAuthURLParam("idp_hint", "gckey")}, nil} {
		once := *e.browser().HTTP
		once.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		cs.reset()
		resp, err := once.Get(r.start(opts...).url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
			t.Fatalf("/authorize answered %d, want a redirect to the sign-in", resp.StatusCode)
		}
		if n := cs.authRequests.Load(); n != 0 {
			t.Errorf("/authorize (to %s) read auth requests %d times, want 0", resp.Header.Get("Location"), n)
		}
	}
}
