package broker

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// Signed request objects (RFC 9101, OIDC Core §6). The authorization
// request's parameters come in a JWT signed by the client, with
// RS256, ES256 or PS256 and one of the keys of its JWK Set (inline or
// jwks_uri, clientKeys): by value (request) or by reference (request_uri,
// fetched from one of the client's registered request_uris, at most
// maxRequestObject bytes within requestObjectFetch). As RFC 9101 §6.3
// says, only the object's parameters count, with the client_id beside
// it; iss and client_id, when present, must name the client, aud the
// issuer, and exp and nbf must hold. An unsigned object (alg none) is
// refused.
const (
	maxRequestObject   = 8 << 10
	requestObjectFetch = 5 * time.Second
)

var requestObjectAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.PS256}

// errRequestObject is invalid_request_object with a description.
func errRequestObject(format string, args ...any) *oidc.Error {
	return &oidc.Error{ErrorType: "invalid_request_object", Description: fmt.Sprintf(format, args...)}
}

// requestObject replaces r.Form with the parameters of the request
// object of client c, when the request carries one; it does nothing
// otherwise.
func (e protocolEdge) requestObject(ctx context.Context, r *http.Request, c *client) error {
	jwt, uri := r.Form.Get("request"), r.Form.Get("request_uri")
	switch {
	case jwt == "" && uri == "":
		return nil
	case jwt != "" && uri != "":
		return oidc.ErrInvalidRequest().WithDescription("request and request_uri may not be sent together")
	case uri != "":
		var err error
		if jwt, err = e.fetchRequestObject(ctx, c, uri); err != nil {
			return err
		}
	}
	if len(jwt) > maxRequestObject {
		return errRequestObject("the request object is longer than %d bytes", maxRequestObject)
	}
	claims, err := e.verifyRequestObject(ctx, c, jwt)
	if err != nil {
		return err
	}
	form := url.Values{"client_id": {c.ID}}
	for k, v := range claims {
		switch k {
		case "iss", "aud", "exp", "nbf", "iat", "jti", "client_id":
			continue
		case "request", "request_uri":
			return errRequestObject("a request object may not hold %s", k)
		}
		form.Set(k, claimParam(v))
	}
	r.Form = form
	return nil
}

// claimParam is a request object member as the parameter it stands for:
// a string as is, a number in decimal, anything else (claims) as JSON.
func claimParam(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// verifyRequestObject checks the JWT's signature with a key of c and
// its registered claims, and returns its members.
func (e protocolEdge) verifyRequestObject(ctx context.Context, c *client, jwt string) (map[string]any, error) {
	jws, err := jose.ParseSigned(jwt, requestObjectAlgs)
	if err != nil || len(jws.Signatures) != 1 {
		return nil, errRequestObject("the request object must be a JWS signed with RS256, ES256 or PS256")
	}
	key, err := e.srv.storage.clientKeys.key(ctx, c, jws.Signatures[0].Header.KeyID)
	if err != nil {
		e.log.WarnContext(ctx, "request object key", "client_id", c.ID, "error", err)
		return nil, errRequestObject("no key of the client verifies the request object")
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return nil, errRequestObject("the request object's signature does not verify")
	}
	d := json.NewDecoder(strings.NewReader(string(payload)))
	d.UseNumber()
	var claims map[string]any
	if err := d.Decode(&claims); err != nil || claims == nil {
		return nil, errRequestObject("the request object's payload is not a JSON object")
	}
	for _, k := range []string{"iss", "client_id"} {
		if v, ok := claims[k]; ok && v != c.ID {
			return nil, errRequestObject("the request object's %s is not the client", k)
		}
	}
	if aud, ok := claims["aud"]; ok && !audienceHas(aud, e.issuer) {
		return nil, errRequestObject("the request object's aud is not this issuer")
	}
	now := e.srv.storage.now()
	if exp, ok := numericDate(claims["exp"]); ok && !now.Before(exp) {
		return nil, errRequestObject("the request object has expired")
	}
	if nbf, ok := numericDate(claims["nbf"]); ok && now.Before(nbf) {
		return nil, errRequestObject("the request object is not valid yet")
	}
	return claims, nil
}

// audienceHas reports whether aud (a string or an array of strings)
// names want.
func audienceHas(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		return slices.Contains(a, any(want))
	}
	return false
}

// numericDate reads a JWT NumericDate (RFC 7519 §2).
func numericDate(v any) (time.Time, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}

// fetchRequestObject fetches a request object by reference from one of
// c's registered request_uris (exact match), within the size and time
// limits.
func (e protocolEdge) fetchRequestObject(ctx context.Context, c *client, uri string) (string, error) {
	if !slices.Contains(c.RequestURIs, uri) {
		return "", &oidc.Error{ErrorType: "invalid_request_uri", Description: "request_uri is not registered for the client"}
	}
	ctx, cancel := context.WithTimeout(ctx, requestObjectFetch)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return "", &oidc.Error{ErrorType: "invalid_request_uri", Description: "request_uri cannot be fetched"}
	}
	req.Header.Set("Accept", "application/oauth-authz-req+jwt, application/jwt")
	resp, err := e.srv.storage.clientKeys.http.Do(req)
	if err != nil {
		e.log.WarnContext(ctx, "fetch request object", "client_id", c.ID, "error", err)
		return "", &oidc.Error{ErrorType: "invalid_request_uri", Description: "request_uri cannot be fetched"}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRequestObject+1))
	switch {
	case err != nil || resp.StatusCode != http.StatusOK:
		e.log.WarnContext(ctx, "fetch request object", "client_id", c.ID, "status", resp.StatusCode, "error", err)
		return "", &oidc.Error{ErrorType: "invalid_request_uri", Description: "request_uri cannot be fetched"}
	case len(body) > maxRequestObject:
		return "", errRequestObject("the request object is longer than %d bytes", maxRequestObject)
	}
	return strings.TrimSpace(string(body)), nil
}
