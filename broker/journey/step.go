package journey

import (
	"context"
	"encoding/json"
	"net/http"
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
}
