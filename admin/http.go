package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"

	"github.com/passerelle/passerelle/internal/validate"
)

// MaxBodyBytes bounds a request body of the admin API.
const MaxBodyBytes = 64 << 10

// apiError is the body of every error answer.
type apiError struct {
	Error    string        `json:"error"`
	Problems []problemJSON `json:"problems,omitempty"`
}

type problemJSON struct {
	Path  string `json:"path"`
	Rule  string `json:"rule"`
	Value string `json:"value,omitempty"`
}

// requestError is a fault of the request, answered with its status and
// message as they are. One from the import catalogue keeps its Problem,
// for the import commands to report in the person's language; is is the
// sentinel it matches (ErrNotFound), if any.
type requestError struct {
	status  int
	msg     string
	problem Problem
	is      error
}

func (e *requestError) Error() string { return e.msg }

func (e *requestError) Unwrap() error { return e.is }

// problemError is the request fault p, matching is (may be nil).
func problemError(status int, is error, p Problem) error {
	return &requestError{status: status, msg: p.String(), problem: p, is: is}
}

// refusedFile is the answer to an import file refused as a whole (a
// fileError; anything else is the store's or the reader's fault).
func refusedFile(err error) error {
	var fe fileError
	if errors.As(err, &fe) {
		return problemError(http.StatusBadRequest, nil, fe.Problem)
	}
	return err
}

// ImportProblem is the catalogue problem err reports, if it is one: an
// import file refused as a whole, or a client without the import's step.
func ImportProblem(err error) (Problem, bool) {
	var re *requestError
	if errors.As(err, &re) && re.problem.Key != "" {
		return re.problem, true
	}
	return Problem{}, false
}

func badRequest(format string, args ...any) error {
	return &requestError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// apiFunc handles one route: the status and body of a success, or an
// error that errorStatus maps.
type apiFunc func(r *http.Request) (status int, body any, err error)

// Handler serves the admin API under /admin/, for callers presenting
// token as a bearer token. With an empty token the API is off: every
// request is answered 404.
//
//	GET    /admin/clients                        config and store clients
//	POST   /admin/clients                        store.Client → 201 {client, secret}
//	PUT    /admin/clients/{id}                   store.Client → {client}
//	DELETE /admin/clients/{id}                   204
//	POST   /admin/clients/{id}/secret            {secret}
//	GET    /admin/accounts/{urn}                 AccountView
//	POST   /admin/accounts/{urn}/lock            AccountView
//	POST   /admin/accounts/{urn}/unlock          AccountView
//	POST   /admin/accounts/{urn}/reactivate      AccountView (409 if not dormant)
//	POST   /admin/accounts/{urn}/reset-mfa       {removed}
//	DELETE /admin/accounts/{urn}/links/{provider} 204
//	GET    /admin/clients/{id}/legacy/accounts/{urn} LegacyLinkView
//	DELETE /admin/clients/{id}/legacy/accounts/{urn} 204 (the next sign-in asks again)
//	GET    /admin/clients/{id}/legacy/ids/{legacy}   LegacyLinkView (who linked it)
//	GET    /admin/clients/{id}/records/accounts/{urn} RecordLinkView
//	DELETE /admin/clients/{id}/records/accounts/{urn} 204 (the claim is gone; the next sign-in asks again)
//	GET    /admin/clients/{id}/records/requests[?all=true]       {requests}: requests for an agent's help
//	POST   /admin/clients/{id}/records/requests/{req}/resolve {link, note} → AssistView
//	GET    /admin/keys                           {keys}
//	POST   /admin/keys/rotate                    {created}
//	GET    /admin/store/backup                   the bbolt file (octet-stream)
//	GET    /admin/clients/{client}/orgs          {organizations}
//	POST   /admin/clients/{client}/orgs          NewOrg → 201 {organization}
//	GET    /admin/clients/{client}/orgs/{org}    {organization}
//	POST   /admin/clients/{client}/orgs/{org}/members        {urn, role} → {organization}
//	PUT    /admin/clients/{client}/orgs/{org}/members/{urn}  {role} → {organization}
//	DELETE /admin/clients/{client}/orgs/{org}/members/{urn}  {organization}
//	POST   /admin/clients/{client}/orgs/{org}/owner          {urn} → {organization}
//	PUT    /admin/clients/{client}/orgs/{org}/status         {status: active|suspended} → {organization}
//	POST   /admin/clients/{client}/orgs/{org}/invitations    {role} → 201 {invitation, code}
//	DELETE /admin/clients/{client}/orgs/{org}/invitations/{id} 204
//	POST   /admin/clients/{client}/letters       {letters}: activation codes for the mail house
//	DELETE /admin/clients/{client}/orgs/{org}/letters        {voided}: every letter of a pending organization
func (s *Service) Handler(token string) http.Handler {
	mux := http.NewServeMux()
	route := func(pattern string, methods map[string]apiFunc) { mux.Handle(pattern, s.dispatch(methods)) }
	route("/admin/clients", map[string]apiFunc{http.MethodGet: s.apiListClients, http.MethodPost: s.apiAddClient})
	route("/admin/clients/{id}", map[string]apiFunc{http.MethodPut: s.apiUpdateClient, http.MethodDelete: s.apiRemoveClient})
	route("/admin/clients/{id}/secret", map[string]apiFunc{http.MethodPost: s.apiRotateSecret})
	route("/admin/accounts/{urn}", map[string]apiFunc{http.MethodGet: s.apiAccount})
	route("/admin/accounts/{urn}/lock", map[string]apiFunc{http.MethodPost: s.apiLock})
	route("/admin/accounts/{urn}/unlock", map[string]apiFunc{http.MethodPost: s.apiUnlock})
	route("/admin/accounts/{urn}/reactivate", map[string]apiFunc{http.MethodPost: s.apiReactivate})
	route("/admin/accounts/{urn}/reset-mfa", map[string]apiFunc{http.MethodPost: s.apiResetMFA})
	route("/admin/accounts/{urn}/links/{provider}", map[string]apiFunc{http.MethodDelete: s.apiUnlink})
	route("/admin/clients/{id}/legacy/accounts/{urn}", map[string]apiFunc{http.MethodGet: s.apiLegacyLink, http.MethodDelete: s.apiUnlinkLegacy})
	route("/admin/clients/{id}/legacy/ids/{legacy}", map[string]apiFunc{http.MethodGet: s.apiLegacyHolder})
	route("/admin/clients/{id}/records/accounts/{urn}", map[string]apiFunc{http.MethodGet: s.apiRecordLink, http.MethodDelete: s.apiUnlinkRecord})
	route("/admin/clients/{id}/records/requests", map[string]apiFunc{http.MethodGet: s.apiAssistRequests})
	route("/admin/clients/{id}/records/requests/{req}/resolve", map[string]apiFunc{http.MethodPost: s.apiResolveAssist})
	route("/admin/keys", map[string]apiFunc{http.MethodGet: s.apiKeys})
	route("/admin/keys/rotate", map[string]apiFunc{http.MethodPost: s.apiRotateKeys})
	mux.HandleFunc("GET /admin/store/backup", s.serveBackup)
	route("/admin/clients/{client}/orgs", map[string]apiFunc{http.MethodGet: s.apiOrgs, http.MethodPost: s.apiCreateOrg})
	route("/admin/clients/{client}/orgs/{org}", map[string]apiFunc{http.MethodGet: s.apiOrg})
	route("/admin/clients/{client}/orgs/{org}/members", map[string]apiFunc{http.MethodPost: s.apiAddOrgMember})
	route("/admin/clients/{client}/orgs/{org}/members/{urn}", map[string]apiFunc{http.MethodPut: s.apiSetOrgRole,
		http.MethodDelete: s.apiRemoveOrgMember})
	route("/admin/clients/{client}/orgs/{org}/owner", map[string]apiFunc{http.MethodPost: s.apiTransferOrg})
	route("/admin/clients/{client}/orgs/{org}/status", map[string]apiFunc{http.MethodPut: s.apiSetOrgStatus})
	route("/admin/clients/{client}/orgs/{org}/invitations", map[string]apiFunc{http.MethodPost: s.apiInviteToOrg})
	route("/admin/clients/{client}/orgs/{org}/invitations/{id}", map[string]apiFunc{http.MethodDelete: s.apiRevokeInvitation})
	route("/admin/clients/{client}/letters", map[string]apiFunc{http.MethodPost: s.apiLetters})
	route("/admin/clients/{client}/orgs/{org}/letters", map[string]apiFunc{http.MethodDelete: s.apiVoidOrgLetters})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, apiError{Error: "no such admin route: " + r.URL.Path})
	})

	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if token == "" {
			writeJSON(w, http.StatusNotFound, apiError{Error: "the admin API is off (admin.token is not set)"})
			return
		}
		scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		msg := ""
		switch {
		case scheme == "":
			msg = "missing Authorization header: send Authorization: Bearer <admin token>"
		case !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(got) == "":
			msg = "malformed Authorization header: the scheme must be Bearer, followed by the admin token"
		default:
			sum := sha256.Sum256([]byte(strings.TrimSpace(got))) // equal lengths: the compare leaks nothing
			if subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
				msg = "invalid admin token"
				s.log.WarnContext(r.Context(), "admin: invalid token", "remote", r.RemoteAddr)
			}
		}
		if msg != "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="passerelle-admin"`)
			writeJSON(w, http.StatusUnauthorized, apiError{Error: msg})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// dispatch picks the apiFunc of the request's method (405 with Allow
// when there is none) and writes its answer.
func (s *Service) dispatch(methods map[string]apiFunc) http.Handler {
	allow := make([]string, 0, len(methods))
	for m := range methods {
		allow = append(allow, m)
	}
	sort.Strings(allow)
	allowed := strings.Join(allow, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fn, ok := methods[r.Method]
		if !ok {
			w.Header().Set("Allow", allowed)
			writeJSON(w, http.StatusMethodNotAllowed, apiError{Error: r.Method + " is not allowed here; allowed: " + allowed})
			return
		}
		status, body, err := fn(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if body == nil {
			w.WriteHeader(status)
			return
		}
		writeJSON(w, status, body)
	})
}

// writeError answers err: 4xx with its message for what the caller can
// fix, else 500 with a generic message and the detail in the log.
func (s *Service) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var re *requestError
	var ve *validate.Error
	msg := strings.TrimPrefix(err.Error(), "admin: ")
	switch {
	case errors.As(err, &re):
		writeJSON(w, re.status, apiError{Error: re.msg})
	case errors.As(err, &ve):
		body := apiError{Error: fmt.Sprintf("the client breaks %d rule(s)", len(ve.Problems))}
		for _, p := range ve.Problems {
			body.Problems = append(body.Problems, problemJSON{Path: p.Path, Rule: p.Rule, Value: p.Value})
		}
		writeJSON(w, http.StatusBadRequest, body)
	case errors.Is(err, ErrNotFound):
		writeJSON(w, http.StatusNotFound, apiError{Error: msg})
	case errors.Is(err, ErrReadOnly), errors.Is(err, ErrExists), errors.Is(err, ErrLastCredential), errors.Is(err, ErrNoSecret),
		errors.Is(err, ErrNotDormant), errors.Is(err, ErrAlreadyLinked), errors.Is(err, ErrOrgRefused):
		writeJSON(w, http.StatusConflict, apiError{Error: msg})
	default:
		s.log.ErrorContext(r.Context(), "admin API", "method", r.Method, "path", r.URL.Path, "error", err)
		writeJSON(w, http.StatusInternalServerError, apiError{Error: "internal error; the detail is in the server log"})
	}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(body) // the status is sent; a broken connection has no one to tell
}

// decode reads the request body, one JSON object of at most MaxBodyBytes
// with no unknown field, into v.
func decode(r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return &requestError{status: http.StatusUnsupportedMediaType, msg: "the request body must be JSON: send Content-Type: application/json"}
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, MaxBodyBytes)) // nil: no writer to close the connection through
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return bodyError(err)
		}
		return badRequest("the request body must hold one JSON object and nothing after it")
	}
	return nil
}

// bodyError says what is wrong with a body json could not decode.
func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		return badRequest("the request body is larger than %d KiB", MaxBodyBytes>>10)
	case errors.Is(err, io.EOF):
		return badRequest("the request body is empty: send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("malformed JSON: the body ends before the object does")
	case errors.As(err, &syntax):
		return badRequest("malformed JSON at byte %d: %s", syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.As(err, &typ):
		if typ.Field == "" {
			return badRequest("the request body must be a JSON object, not %s", typ.Value)
		}
		return badRequest("field %q must be a JSON %s, not %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return badRequest("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return badRequest("malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names a Go kind as JSON does.
func jsonKind(kind string) string {
	switch kind {
	case "slice", "array":
		return "array"
	case "map", "struct":
		return "object"
	case "bool":
		return "boolean"
	case "string":
		return "string"
	}
	return "number"
}
