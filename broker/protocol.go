package broker

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
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
//     (RFC 6749 §5.2) and Bearer with error="invalid_token" at userinfo
//     (RFC 6750 §3);
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
	askLogout func(w http.ResponseWriter, r *http.Request) bool
	logout    func(w http.ResponseWriter, r *http.Request, next string)
	answer    clientAnswer
	decoder   httphelper.Decoder
	cors      func(http.Handler) http.Handler // the library's CORS policy
	issuer    string
	log       *slog.Logger
	st        store.Store
}

// Mount puts the provider's endpoints on mux behind the edge guards.
func (e protocolEdge) Mount(mux routes) {
	front, back := mux.withBody(protocolBody), mux.withBody(protocolBody).backChannel()
	front.throttled().HandleFunc("/authorize", e.authorize)
	back.HandleFunc("/oauth/token", e.post(e.token))
	back.HandleFunc("/oauth/introspect", e.post(e.introspect))
	back.HandleFunc("/revoke", e.post(e.revoke))
	back.HandleFunc("/userinfo", e.userinfo(e.cors(http.HandlerFunc(e.userinfoAnswer))))
	front.HandleFunc("/end_session", e.endSession)
	mux.Handle("GET /keys", e.cors(http.HandlerFunc(e.keys)))
	mux.Handle("GET /healthz", e.cors(http.HandlerFunc(e.health)))
	mux.Handle("GET /ready", e.cors(http.HandlerFunc(e.ready)))
	mux.HandleFunc("GET /.well-known/openid-configuration", e.discovery)
}

// ctx is the request's context with the issuer the library reads.
func (e protocolEdge) ctx(r *http.Request) context.Context {
	return op.ContextWithIssuer(r.Context(), e.issuer)
}

func request[T any](r *http.Request, data *T) *op.Request[T] {
	return &op.Request[T]{Method: r.Method, URL: r.URL, Header: r.Header, Form: r.Form, PostForm: r.PostForm, Data: data}
}

// post guards a back-channel endpoint: POST only, a valid form, no
// repeated parameter; then the library's CORS policy.
func (e protocolEdge) post(next http.HandlerFunc) http.HandlerFunc {
	h := e.cors(next)
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "this endpoint accepts POST only")
			return
		}
		if err := r.ParseForm(); err != nil {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the request body is not a valid form")
			return
		}
		if k := duplicated(r); k != "" {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "parameter "+k+" is repeated")
			return
		}
		h.ServeHTTP(w, r)
	}
}

// credentials reads the client's credentials: HTTP Basic (RFC 6749
// §2.3.1, form-encoded), else the form (client_secret_post, or a
// private_key_jwt assertion).
func credentials(r *http.Request) (*op.ClientCredentials, error) {
	f := r.PostForm
	cc := &op.ClientCredentials{ClientID: f.Get("client_id"), ClientSecret: f.Get("client_secret"),
		ClientAssertion: f.Get("client_assertion"), ClientAssertionType: f.Get("client_assertion_type")}
	if cc.ClientAssertion != "" {
		return cc, nil
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		return cc, nil
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

// client authenticates the client of a back-channel request.
func (e protocolEdge) client(ctx context.Context, r *http.Request) (*client, error) {
	cc, err := credentials(r)
	if err != nil {
		return nil, err
	}
	c, err := e.srv.VerifyClient(ctx, request(r, cc))
	if err != nil {
		return nil, err
	}
	return c.(*client), nil
}

// token serves the token endpoint (RFC 6749 §3.2): the authorization
// code and refresh token grants.
func (e protocolEdge) token(w http.ResponseWriter, r *http.Request) {
	ctx := e.ctx(r)
	c, err := e.client(ctx, r)
	if err != nil {
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

// introspect serves RFC 7662.
func (e protocolEdge) introspect(w http.ResponseWriter, r *http.Request) {
	cc, err := credentials(r)
	if err == nil {
		var resp *op.Response
		req := &op.IntrospectionRequest{ClientCredentials: cc, IntrospectionRequest: &oidc.IntrospectionRequest{Token: r.Form.Get("token")}}
		if resp, err = e.srv.Introspect(e.ctx(r), request(r, req)); err == nil {
			answer(w, resp)
			return
		}
	}
	e.fail(w, r, err)
}

// revoke serves RFC 7009.
func (e protocolEdge) revoke(w http.ResponseWriter, r *http.Request) {
	ctx := e.ctx(r)
	c, err := e.client(ctx, r)
	if err == nil {
		req := new(oidc.RevocationRequest)
		if err = e.decoder.Decode(req, r.Form); err == nil {
			var resp *op.Response
			if resp, err = e.srv.Revocation(ctx, &op.ClientRequest[oidc.RevocationRequest]{Request: request(r, req), Client: c}); err == nil {
				answer(w, resp)
				return
			}
		}
	}
	e.fail(w, r, err)
}

// userinfo serves OIDC Core §5.3 with the bearer token of the
// Authorization header or, as RFC 6750 §2.2 allows, the form.
// next is userinfoAnswer behind the library's CORS policy, built once at
// Mount.
func (e protocolEdge) userinfo(next http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			w.Header().Set("Allow", "GET, POST")
			writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "userinfo accepts GET and POST")
			return
		}
		next.ServeHTTP(w, r)
	}
}

func (e protocolEdge) userinfoAnswer(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	token := ""
	if h := r.Header.Get("Authorization"); len(h) > len(oidc.PrefixBearer) && strings.EqualFold(h[:len(oidc.PrefixBearer)], oidc.PrefixBearer) {
		token = h[len(oidc.PrefixBearer):]
	} else if err := r.ParseForm(); err == nil {
		token = r.Form.Get("access_token")
	}
	var resp *op.Response
	err := errInvalidToken
	if token != "" {
		resp, err = e.srv.UserInfo(e.ctx(r), request(r, &oidc.UserInfoRequest{AccessToken: token}))
	}
	switch {
	case err == nil:
		answer(w, resp)
	case errors.Is(err, errInvalidToken):
		// RFC 6750 §3.1: say why, in the header, with no body detail.
		challenge := `Bearer realm="passerelle", error="invalid_token"`
		if r.Header.Get("Authorization") == "" && r.PostFormValue("access_token") == "" {
			challenge = `Bearer realm="passerelle"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_token"}` + "\n"))
	default:
		e.fail(w, r, err)
	}
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

// answer writes a library response: its headers, then its data as JSON.
func answer(w http.ResponseWriter, resp *op.Response) {
	for k, v := range resp.Header {
		w.Header()[k] = v
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

// duplicated returns the first parameter given more than once in the
// query or the form body.
func duplicated(r *http.Request) string {
	seen := map[string]bool{}
	for _, vs := range []url.Values{r.URL.Query(), r.PostForm} {
		for k, v := range vs {
			if len(v) > 1 || seen[k] {
				return k
			}
			seen[k] = true
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
