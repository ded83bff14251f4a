package journey

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/passerelle/passerelle/mfa"
)

// Step is a step a client adds after the second factor; clients[].steps
// names them, in order. Adding one is a package with a type that
// implements Step, and one line in the broker's registry of steps.
type Step interface {
	// Name is the step's name in clients[].steps, in its URL
	// (/login/{id}/step/{name}) and on the auth request's state.
	Name() string
	// Needed reports whether the sign-in must still pass the step.
	Needed(ctx context.Context, v Visit) (bool, error)
	// Mount registers the step's handlers on mux, all under
	// /login/{id}/step/{name}; h lends them the broker's services.
	Mount(mux Mux, h Host)
}

// Claimer is a Step that gives the client claims about the account (the
// legacy step's legacy_id): the broker adds them to the ID token and the
// userinfo answer of every client that lists the step.
type Claimer interface {
	Claims(ctx context.Context, accountID, clientID string) (map[string]any, error)
}

// Mux is where a step mounts its handlers: the broker's router, which
// puts its own guards (body limits) in front of them.
type Mux interface {
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// Visit is a sign-in as a client step sees it.
type Visit struct {
	AuthRequestID string
	AccountID     string
	ClientID      string
	ClientName    string // the client's name in Lang
	Lang          string
	CSRF          string          // the token the step's forms carry
	State         json.RawMessage // the step's own state on the auth request
}

// Host is what the broker lends a step's handlers.
type Host interface {
	// Enter loads the sign-in of the request for step: the browser that
	// started it, a POST's CSRF token, and the dispatcher's word that
	// step is the current one. When it returns false it has answered.
	Enter(w http.ResponseWriter, r *http.Request, step string) (Visit, bool)
	// Render draws one of the broker's pages (broker/ui) in v's language.
	Render(w http.ResponseWriter, r *http.Request, v Visit, page string, data any)
	// Pass stores the step's new state and returns to the dispatcher.
	Pass(w http.ResponseWriter, r *http.Request, v Visit, step string, state any)
	// Refuse ends the sign-in with an OAuth error at the client.
	Refuse(w http.ResponseWriter, r *http.Request, v Visit, code, desc string)
	// Fail answers with the generic error page after logging err.
	Fail(w http.ResponseWriter, r *http.Request, v Visit, what string, err error)
	// Audit appends an event to the audit log.
	Audit(ctx context.Context, kind string, v Visit, detail map[string]string)
	// T translates a message of broker/ui in v's language.
	T(v Visit, key string, args ...any) string

	// Reserve reserves an attempt on the account's failure counter
	// before the step checks an answer (mfa.Regulator.Reserve). When the
	// counter holds it back it has answered (a locked account goes back to
	// the dispatcher, which shows the locked page; a running delay calls
	// wait with the translated message) and returns false.
	Reserve(w http.ResponseWriter, r *http.Request, v Visit, wait func(msg string)) (*mfa.Attempt, bool)
	// Failed settles a wrong answer: counted, audited as kind with
	// outcome failure, and a lock it causes audited. When the account
	// locked it has sent the person to the dispatcher and returns true.
	Failed(w http.ResponseWriter, r *http.Request, v Visit, att *mfa.Attempt, kind string) bool
	// Released settles a right answer that does not authenticate the
	// person (mfa.Attempt.Release). When the account locked meanwhile, or
	// the store failed, it has answered and returns false.
	Released(w http.ResponseWriter, r *http.Request, v Visit, att *mfa.Attempt) bool
}
