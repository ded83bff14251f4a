package broker

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// mountProtocol puts the OpenID provider's endpoints on mux, each wrapped
// so that Passerelle's answers follow RFC 6749, RFC 6750, RFC 7009,
// RFC 7662 and OIDC Core whatever the library does by default:
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
//   - a 5xx from the library becomes a JSON server_error without detail;
//   - a body over protocolBody is refused (413), and a new authorization
//     request counts against its source's rate limit (429).
func (b *Broker) mountProtocol(mux routes) {
	lib := b.op // chi router with the issuer interceptor
	front, back := mux.withBody(protocolBody), mux.withBody(protocolBody).backChannel()
	front.throttled().Handle("/authorize", b.authorizeHandler())
	back.Handle("/oauth/token", b.backChannel(lib, true))
	back.Handle("/oauth/introspect", b.backChannel(lib, false))
	back.Handle("/revoke", b.backChannel(lib, false))
	back.Handle("/userinfo", b.userinfoHandler(lib))
	front.Handle("/end_session", b.endSessionHandler(lib))
	mux.Handle("GET /keys", lib)
	mux.Handle("GET /healthz", lib)
	mux.Handle("GET /ready", lib)
	mux.HandleFunc("GET /.well-known/openid-configuration", b.discovery)
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

// backChannel wraps token, introspection and revocation endpoints.
func (b *Broker) backChannel(next http.Handler, token bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
		c, ok := b.authenticateClient(w, r)
		if !ok {
			return
		}
		if token {
			// ID tokens are signed with the client's algorithm (opStorage.SigningKey).
			r = r.WithContext(context.WithValue(r.Context(), ctxAlg, c.IDTokenAlg))
		}
		fault := new(atomic.Pointer[error])
		r = r.WithContext(context.WithValue(r.Context(), ctxStoreFault, fault))
		rec := newRecorder()
		next.ServeHTTP(rec, r)
		if err := fault.Load(); err != nil {
			b.log.ErrorContext(r.Context(), "store unavailable during a protocol request", "path", r.URL.Path, "error", *err)
			w.Header().Set("Retry-After", "5")
			writeOAuthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "the service is temporarily unavailable")
			return
		}
		h := rec.Header()
		if token {
			h.Set("Cache-Control", "no-store")
			h.Set("Pragma", "no-cache")
		}
		if rec.status == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
			h.Set("WWW-Authenticate", `Basic realm="passerelle"`)
		}
		if rec.status >= 500 {
			b.log.ErrorContext(r.Context(), "protocol endpoint failed", "path", r.URL.Path, "status", rec.status, "detail", rec.body.String())
			if !b.storeAnswers(r.Context()) {
				// The store is down: say so, so clients retry later.
				w.Header().Set("Retry-After", "5")
				writeOAuthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "the service is temporarily unavailable")
				return
			}
			writeOAuthError(w, http.StatusInternalServerError, "server_error", "the server could not process the request")
			return
		}
		rec.flush(w)
	})
}

// authenticateClient checks client_secret_basic and client_secret_post
// credentials before the library looks at the grant, so an unknown client
// or a wrong secret is invalid_client (401) and never spends the code it
// presents (RFC 6749 §3.2.1, §5.2). private_key_jwt assertions are left
// to the library.
func (b *Broker) authenticateClient(w http.ResponseWriter, r *http.Request) (*client, bool) {
	if r.PostForm.Get("client_assertion") != "" {
		return b.authenticateAssertion(w, r)
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "malformed client credentials")
			return nil, false
		}
		if form := r.PostForm.Get("client_id"); form != "" && form != id {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "client_id differs from the authenticated client")
			return nil, false
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id == "" {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication is required")
		return nil, false
	}
	c, err := b.catalog().clients.get(r.Context(), id)
	if err != nil {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return nil, false
	}
	switch c.Client.AuthMethod {
	case "client_secret_basic", "client_secret_post":
		if !c.checkSecret(secret) {
			writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
			return nil, false
		}
	case "none":
		if secret != "" {
			writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "a public client has no secret")
			return nil, false
		}
	}
	return c, true
}

// authenticateAssertion checks a private_key_jwt client assertion (RFC
// 7523 §3, OIDC Core §9): signature by a key of the client, audience,
// expiry; and that the client is registered for this method.
func (b *Broker) authenticateAssertion(w http.ResponseWriter, r *http.Request) (*client, bool) {
	if r.PostForm.Get("client_assertion_type") != oidc.ClientAssertionTypeJWTAssertion {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "unsupported client_assertion_type")
		return nil, false
	}
	ctx := op.ContextWithIssuer(r.Context(), b.issuer)
	req, err := op.VerifyJWTAssertion(ctx, r.PostForm.Get("client_assertion"), b.op.JWTProfileVerifier(ctx))
	if err != nil {
		b.log.WarnContext(ctx, "client assertion refused", "error", err)
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return nil, false
	}
	c, err := b.catalog().clients.get(ctx, req.Issuer)
	if err != nil || c.Client.AuthMethod != "private_key_jwt" {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return nil, false
	}
	if id := r.PostForm.Get("client_id"); id != "" && id != req.Issuer {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "client_id differs from the assertion's issuer")
		return nil, false
	}
	// OIDC Core §9: the jti is used once. The window covers the
	// assertion's whole life (the library refuses an expired one).
	if req.JWTID == "" {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "the client assertion has no jti")
		return nil, false
	}
	window := time.Until(req.ExpiresAt.AsTime()) + time.Minute
	if n, err := b.st.Hit(ctx, "client-assertion:"+req.Issuer+":"+req.JWTID, max(window, time.Minute)); err != nil || n > 1 {
		if err != nil {
			b.log.ErrorContext(ctx, "record client assertion", "error", err)
		}
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "the client assertion was already used")
		return nil, false
	}
	return c, true
}

func (b *Broker) userinfoHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			w.Header().Set("Allow", "GET, POST")
			writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "userinfo accepts GET and POST")
			return
		}
		fault := new(atomic.Pointer[error])
		r = r.WithContext(context.WithValue(r.Context(), ctxStoreFault, fault))
		rec := newRecorder()
		next.ServeHTTP(rec, r)
		if err := fault.Load(); err != nil {
			b.log.ErrorContext(r.Context(), "store unavailable during a protocol request", "path", r.URL.Path, "error", *err)
			w.Header().Set("Retry-After", "5")
			writeOAuthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "the service is temporarily unavailable")
			return
		}
		rec.Header().Set("Cache-Control", "no-store")
		if rec.status == http.StatusUnauthorized || rec.status == http.StatusForbidden {
			// RFC 6750 §3.1: say why, in the header, with no body detail.
			rec.Header().Set("WWW-Authenticate", `Bearer realm="passerelle", error="invalid_token"`)
			if r.Header.Get("Authorization") == "" && r.PostFormValue("access_token") == "" {
				rec.Header().Set("WWW-Authenticate", `Bearer realm="passerelle"`)
			}
			rec.status = http.StatusUnauthorized
		}
		rec.flush(w)
	})
}

// frontChannel turns library error answers on browser endpoints into a
// page for the person.
func (b *Broker) frontChannel(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := newRecorder()
		next.ServeHTTP(rec, r)
		if rec.status < 400 {
			rec.flush(w)
			return
		}
		b.log.WarnContext(r.Context(), "front-channel request refused", "path", r.URL.Path, "status", rec.status, "detail", rec.body.String())
		b.errorPage(w, r, http.StatusBadRequest, nil, errInvalidRequest)
	})
}

func (b *Broker) discovery(w http.ResponseWriter, r *http.Request) {
	ctx := op.ContextWithIssuer(r.Context(), b.issuer)
	d := op.CreateDiscoveryConfig(ctx, b.op, b.storage)
	d.SubjectTypesSupported = []string{"pairwise", "public"}
	d.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
	d.ResponseModesSupported = []string{"query", "form_post"}
	d.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
	d.CodeChallengeMethodsSupported = []oidc.CodeChallengeMethod{oidc.CodeChallengeMethodS256}
	d.DeviceAuthorizationEndpoint = ""
	d.CheckSessionIframe = ""
	d.ClaimsSupported = []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid",
		"locale", "name", "given_name", "family_name", "email", "email_verified"}
	d.ScopesSupported = []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess}
	d.RequestParameterSupported = false
	d.RequestURIParameterSupported = false
	d.ClaimsParameterSupported = false
	d.UILocalesSupported = []language.Tag{language.English, language.French}
	d.ClaimsLocalesSupported = d.UILocalesSupported
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_ = json.NewEncoder(w).Encode(d)
}

// recorder buffers a response so a wrapper can amend headers or replace
// the body before anything reaches the client.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}, status: http.StatusOK} }

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }
func (r *recorder) WriteHeader(s int)           { r.status = s }

func (r *recorder) flush(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = slices.Clone(v)
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body.Bytes())
}

// storeAnswers pings the store briefly.
func (b *Broker) storeAnswers(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return b.st.Ping(ctx) == nil
}
