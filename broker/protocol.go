package broker

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	httphelper "github.com/zitadel/oidc/v3/pkg/http"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/passerelle/passerelle/store"
)

// uiLocales are the languages of every page and of claims.
var uiLocales = []language.Tag{language.English, language.French}

// protocolEdge is the HTTP side of the OpenID provider: it parses each
// protocol request, calls opServer (the library's op.Server interface)
// and writes the answer itself, so Passerelle's answers follow RFC 6749,
// RFC 6750, RFC 7009, RFC 7662 and OIDC Core whatever the library does by
// default:
//
//   - a parameter given twice is refused (RFC 6749 §3.1, §3.2);
//   - the token, introspection and revocation endpoints take POST only
//     (RFC 6749 §3.2, RFC 7662 §2.1, RFC 7009 §2.1) and answer 405 otherwise;
//   - token responses carry Cache-Control: no-store and Pragma: no-cache
//     (RFC 6749 §5.1);
//   - a 401 carries WWW-Authenticate: Basic for client authentication
//     (RFC 6749 §5.2) and Bearer at userinfo (RFC 6750 §3, userinfo_edge.go);
//   - two Authorization headers, or a client authenticating two ways at
//     once, are invalid_request (RFC 6749 §2.3); introspection and
//     revocation require the token parameter (RFC 7662 §2.1, RFC 7009
//     §2.1) and introspection answers are never cached (RFC 7662 §4);
//   - an authorization error that cannot be sent to a trusted redirect URI
//     becomes a page for the person, never plain text or a stack trace;
//   - a server error is a JSON server_error without detail, and a store
//     failure is 503 temporarily_unavailable, so clients retry rather than
//     throw their tokens away;
//   - a body over protocolBody is refused (413), and a new authorization
//     request counts against its source's rate limit (429).
type protocolEdge struct {
	srv *opServer
	// What the edge needs of the journey's pages and sessions: error
	// pages and their language, the browser binding, the confirmation
	// before a logout without an ID token hint, and the logout itself
	// (the end of the browser's SSO session, its clients told, then the
	// browser sent on to next).
	page      func(w http.ResponseWriter, r *http.Request, status int, ar *store.AuthRequest, kind errKind)
	pageLang  func(r *http.Request, ar *store.AuthRequest) string
	browserID func(w http.ResponseWriter, r *http.Request) string
	// begin answers an authorization request with the sign-in's first
	// step, from the auth request it stored (Broker.begin).
	begin     func(w http.ResponseWriter, r *http.Request, ar store.AuthRequest, browser string)
	askLogout func(w http.ResponseWriter, r *http.Request) bool
	logout    func(w http.ResponseWriter, r *http.Request, next string)
	answer    clientAnswer
	decoder   httphelper.Decoder
	issuer    string
	log       *slog.Logger
	st        store.Store
}

// Mount puts the provider's endpoints on mux behind the edge guards.
// Scripts of any origin may read the public documents (discovery, keys,
// health); the token, revocation and userinfo endpoints answer a script
// only from an origin its client lists (cors.go); introspection is for
// servers.
func (e protocolEdge) Mount(mux routes) {
	front, back := mux.withBody(protocolBody), mux.withBody(protocolBody).backChannel()
	front.throttled().HandleFunc("/authorize", e.authorize)
	back.HandleFunc("/oauth/token", e.post(e.token, true))
	back.HandleFunc("/oauth/introspect", e.post(e.introspect, false))
	back.HandleFunc("/revoke", e.post(e.revoke, true))
	back.throttled().HandleFunc(parPath, e.post(e.par, true))
	back.HandleFunc("/userinfo", e.userinfo)
	front.HandleFunc("/end_session", e.endSession)
	mux.Handle("GET /keys", public(e.keys))
	mux.Handle("GET /healthz", public(e.health))
	mux.Handle("GET /ready", public(e.ready))
	mux.Handle("GET /.well-known/openid-configuration", public(e.discovery))
}

// ctx is the request's context with the issuer the library reads.
func (e protocolEdge) ctx(r *http.Request) context.Context {
	return op.ContextWithIssuer(r.Context(), e.issuer)
}

func request[T any](r *http.Request, data *T) *op.Request[T] {
	return &op.Request[T]{Method: r.Method, URL: r.URL, Header: r.Header, Form: r.Form, PostForm: r.PostForm, Data: data}
}

// post guards a back-channel endpoint: POST only (a CORS preflight
// where scripts may call it), a valid form, one Authorization header, no
// repeated parameter.
func (e protocolEdge) post(next http.HandlerFunc, scripts bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if scripts && isPreflight(r) {
			e.preflight(w, r, http.MethodPost)
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "this endpoint accepts POST only")
			return
		}
		if err := r.ParseForm(); err != nil {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the request body is not a valid form")
			return
		}
		if len(r.Header.Values("Authorization")) > 1 {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the Authorization header is repeated")
			return
		}
		if k := duplicated(r); k != "" {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "parameter "+k+" is repeated")
			return
		}
		next(w, r)
	}
}

// credentials reads the client's credentials: HTTP Basic (RFC 6749
// §2.3.1, form-encoded), else the form (client_secret_post, or a
// private_key_jwt assertion); never two methods at once.
func credentials(r *http.Request) (*op.ClientCredentials, error) {
	f := r.PostForm
	cc := &op.ClientCredentials{ClientID: f.Get("client_id"), ClientSecret: f.Get("client_secret"),
		ClientAssertion: f.Get("client_assertion"), ClientAssertionType: f.Get("client_assertion_type")}
	if cc.ClientSecret != "" && cc.ClientAssertion != "" {
		return nil, errTwoMethods
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		return cc, nil
	}
	if cc.ClientSecret != "" || cc.ClientAssertion != "" {
		return nil, errTwoMethods
	}
	var err1, err2 error
	id, err1 = url.QueryUnescape(id)
	secret, err2 = url.QueryUnescape(secret)
	if err1 != nil || err2 != nil {
		return nil, oidc.ErrInvalidClient().WithDescription("malformed client credentials")
	}
	if cc.ClientID != "" && cc.ClientID != id {
		return nil, oidc.ErrInvalidRequest().WithDescription("client_id differs from the authenticated client")
	}
	cc.ClientID, cc.ClientSecret = id, secret
	return cc, nil
}

// errTwoMethods refuses a request that authenticates its client twice
// (RFC 6749 §2.3: one method per request).
var errTwoMethods = oidc.ErrInvalidRequest().WithDescription("the client authenticated with more than one method")

// client authenticates the client of a back-channel request, and lets
// its scripts read the answer when it lists their origin (allowOrigin).
func (e protocolEdge) client(ctx context.Context, w http.ResponseWriter, r *http.Request) (*client, error) {
	cc, err := credentials(r)
	if err != nil {
		return nil, err
	}
	oc, err := e.srv.VerifyClient(ctx, request(r, cc))
	if err != nil {
		return nil, err
	}
	c := oc.(*client)
	allowOrigin(w.Header(), r.Header.Get("Origin"), c)
	return c, nil
}

// token serves the token endpoint (RFC 6749 §3.2): the authorization
// code and refresh token grants.
func (e protocolEdge) token(w http.ResponseWriter, r *http.Request) {
	ctx := e.ctx(r)
	c, err := e.client(ctx, w, r)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	if ctx, err = e.srv.dpop.tokenProof(ctx, w, r, c); err != nil {
		e.fail(w, r, err)
		return
	}
	var resp *op.Response
	switch gt := oidc.GrantType(r.Form.Get("grant_type")); gt {
	case oidc.GrantTypeCode:
		req := new(oidc.AccessTokenRequest)
		if err = e.decoder.Decode(req, r.Form); err == nil && req.Code == "" {
			err = oidc.ErrInvalidRequest().WithDescription("code missing")
		}
		if err == nil {
			resp, err = e.srv.CodeExchange(ctx, &op.ClientRequest[oidc.AccessTokenRequest]{Request: request(r, req), Client: c})
		}
	case oidc.GrantTypeRefreshToken:
		req := new(oidc.RefreshTokenRequest)
		if err = e.decoder.Decode(req, r.Form); err == nil && req.RefreshToken == "" {
			err = oidc.ErrInvalidRequest().WithDescription("refresh_token missing")
		}
		if err == nil {
			resp, err = e.srv.RefreshToken(ctx, &op.ClientRequest[oidc.RefreshTokenRequest]{Request: request(r, req), Client: c})
		}
	case "":
		err = oidc.ErrInvalidRequest().WithDescription("grant_type missing")
	default:
		err = oidc.ErrUnsupportedGrantType().WithDescription("%s not supported", gt)
	}
	if err != nil {
		e.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	answer(w, resp)
}

// introspect serves RFC 7662: the token parameter is required (§2.1)
// and no answer may be cached (§4).
func (e protocolEdge) introspect(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	cc, err := credentials(r)
	if err == nil && r.PostForm.Get("token") == "" {
		err = oidc.ErrInvalidRequest().WithDescription("token missing")
	}
	if err == nil {
		var resp *op.Response
		req := &op.IntrospectionRequest{ClientCredentials: cc, IntrospectionRequest: &oidc.IntrospectionRequest{Token: r.PostForm.Get("token")}}
		if resp, err = e.srv.Introspect(e.ctx(r), request(r, req)); err == nil {
			answer(w, resp)
			return
		}
	}
	e.fail(w, r, err)
}

// revoke serves RFC 7009; the token parameter is required (§2.1).
func (e protocolEdge) revoke(w http.ResponseWriter, r *http.Request) {
	ctx := e.ctx(r)
	c, err := e.client(ctx, w, r)
	if err == nil {
		req := new(oidc.RevocationRequest)
		if err = e.decoder.Decode(req, r.Form); err == nil && req.Token == "" {
			err = oidc.ErrInvalidRequest().WithDescription("token missing")
		}
		if err == nil {
			var resp *op.Response
			if resp, err = e.srv.Revocation(ctx, &op.ClientRequest[oidc.RevocationRequest]{Request: request(r, req), Client: c}); err == nil {
				answer(w, resp)
				return
			}
		}
	}
	e.fail(w, r, err)
}

// discovery serves the provider's metadata (OIDC Discovery §4).
func (e protocolEdge) discovery(w http.ResponseWriter, r *http.Request) {
	resp, err := e.srv.Discovery(e.ctx(r), request(r, &struct{}{}))
	if err != nil {
		e.fail(w, r, err)
		return
	}
	answer(w, resp)
}

// keys serves the JWK Set of the signing keys.
func (e protocolEdge) keys(w http.ResponseWriter, r *http.Request) {
	e.simple(w, r, e.srv.Keys)
}

func (e protocolEdge) health(w http.ResponseWriter, r *http.Request) { e.simple(w, r, e.srv.Health) }
func (e protocolEdge) ready(w http.ResponseWriter, r *http.Request)  { e.simple(w, r, e.srv.Ready) }

func (e protocolEdge) simple(w http.ResponseWriter, r *http.Request, m func(context.Context, *op.Request[struct{}]) (*op.Response, error)) {
	resp, err := m(e.ctx(r), request(r, &struct{}{}))
	if err != nil {
		e.fail(w, r, oidc.ErrServerError().WithParent(err))
		return
	}
	answer(w, resp)
}

// answer writes a library response: its headers, then its data as JSON
// (encodedJSON as it is).
func answer(w http.ResponseWriter, resp *op.Response) {
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	if b, ok := resp.Data.(encodedJSON); ok {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
		return
	}
	httphelper.MarshalJSON(w, resp.Data)
}

// fail answers a back-channel error (RFC 6749 §5.2): invalid_client is
// 401 with a Basic challenge, other OAuth errors 400 with their
// description; a store failure is 503 temporarily_unavailable, and
// anything else a server_error without detail (the log has it).
func (e protocolEdge) fail(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	if isStoreDown(err) {
		e.log.ErrorContext(ctx, "store unavailable during a protocol request", "path", r.URL.Path, "error", err)
		e.unavailable(w)
		return
	}
	var oe *oidc.Error
	if !errors.As(err, &oe) || oe.ErrorType == oidc.ServerError {
		e.log.ErrorContext(ctx, "protocol endpoint failed", "path", r.URL.Path, "error", err)
		if !e.storeAnswers(ctx) {
			e.unavailable(w)
			return
		}
		writeOAuthError(w, http.StatusInternalServerError, "server_error", "the server could not process the request")
		return
	}
	status := http.StatusBadRequest
	if oe.ErrorType == oidc.InvalidClient {
		status = http.StatusUnauthorized
	}
	writeOAuthError(w, status, string(oe.ErrorType), oe.Description)
}

// unavailable says the service is down for now, so clients retry later.
func (e protocolEdge) unavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "5")
	writeOAuthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "the service is temporarily unavailable")
}

// storeAnswers pings the store briefly.
func (e protocolEdge) storeAnswers(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return e.st.Ping(ctx) == nil
}

// duplicated returns a parameter given more than once in the query or
// the form body, or in both. r.Form must be parsed: it holds the body's
// values of each parameter followed by the query's (http.Request.ParseForm).
func duplicated(r *http.Request) string {
	for k, v := range r.Form {
		if len(v) > 1 {
			return k
		}
	}
	return ""
}

// writeOAuthError writes a JSON error body (RFC 6749 §5.2).
func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="passerelle"`)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}
