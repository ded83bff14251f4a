package broker

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/passerelle/passerelle/store"
)

// DPoP (RFC 9449) binds access tokens, and a public client's refresh
// tokens, to a key the client holds: each request carries a proof, a
// JWT signed with that key (header DPoP). Passerelle checks a proof as
// §4.3 says (one header, typ dpop+jwt, an asymmetric algorithm, a public
// JWK in the header that verifies the signature, htm and htu of this
// request, iat within a minute of now, a jti used once, ath at userinfo)
// and always asks for a server nonce (§8): a proof without the current
// nonce is answered use_dpop_nonce with a DPoP-Nonce header, so no proof
// made in advance is accepted. Nonces cost no storage: an HMAC of a
// five-minute slot, the current or the previous one accepted. A jti is
// recorded (store.Hit) only once the client, or the access token, has
// been authenticated, for as long as its proof could be accepted.
//
// A bound access token carries its key's thumbprint (tokenID's third
// part, sealed with it); a public client's grant keeps the thumbprint
// its refresh tokens are bound to (store.Grant.DPoPJKT). A client with
// dpop_bound_access_tokens must send a proof at the token endpoint; any
// other client may.
type dpop struct {
	st       store.Store
	now      func() time.Time
	nonceKey []byte
}

// dpopAlgs are the proof algorithms accepted (asymmetric only, §4.3).
var dpopAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.ES512, jose.PS256, jose.PS384, jose.PS512,
	jose.RS256, jose.EdDSA}

const (
	dpopSkew      = time.Minute     // a proof's iat is within this of now
	dpopNonceSlot = 5 * time.Minute // a nonce is good for one or two slots
	maxDPoPProof  = 8 << 10         // bytes of a proof (an RSA key's JWK fits)
	// DPoP error codes (RFC 9449 §12.2).
	errInvalidDPoPProof = "invalid_dpop_proof"
	errUseDPoPNonce     = "use_dpop_nonce"
)

// dpopError is a refused proof: its code (invalid_dpop_proof or
// use_dpop_nonce) and why.
type dpopError struct{ code, desc string }

func (e *dpopError) Error() string { return e.code + ": " + e.desc }

func invalidProof(desc string) error { return &dpopError{errInvalidDPoPProof, desc} }

// Nonce is the nonce proofs must carry now.
func (d *dpop) Nonce() string { return d.nonceAt(d.now().Unix() / int64(dpopNonceSlot/time.Second)) }

func (d *dpop) nonceAt(slot int64) string {
	s := strconv.FormatInt(slot, 36)
	return s + "." + mac(d.nonceKey, "dpop nonce", s)
}

func (d *dpop) nonceOK(n string) bool {
	slot := d.now().Unix() / int64(dpopNonceSlot/time.Second)
	return n != "" && (hmac.Equal([]byte(n), []byte(d.nonceAt(slot))) || hmac.Equal([]byte(n), []byte(d.nonceAt(slot-1))))
}

// proofClaims are a DPoP proof's claims (§4.2).
type proofClaims struct {
	JTI   string      `json:"jti"`
	HTM   string      `json:"htm"`
	HTU   string      `json:"htu"`
	IAT   json.Number `json:"iat"`
	ATH   string      `json:"ath"`
	Nonce string      `json:"nonce"`
}

// check verifies the DPoP proof in h for a request with method to htu;
// accessToken, when not "", is the token the proof must name (ath). It
// returns the thumbprint of the proof's key (RFC 7638, base64url), or ""
// when h carries no proof.
func (d *dpop) check(ctx context.Context, method, htu string, h http.Header, accessToken string) (string, error) {
	proofs := h.Values("DPoP")
	switch {
	case len(proofs) == 0:
		return "", nil
	case len(proofs) > 1:
		return "", invalidProof("one DPoP header only")
	case len(proofs[0]) > maxDPoPProof:
		return "", invalidProof("the DPoP proof is too long")
	}
	jws, err := jose.ParseSigned(proofs[0], dpopAlgs)
	if err != nil || len(jws.Signatures) != 1 {
		return "", invalidProof("the DPoP proof is not a JWS signed with an asymmetric algorithm")
	}
	head := jws.Signatures[0].Protected
	if typ, _ := head.ExtraHeaders[jose.HeaderType].(string); typ != "dpop+jwt" {
		return "", invalidProof("the DPoP proof's typ is not dpop+jwt")
	}
	jwk := head.JSONWebKey
	if jwk == nil || !jwk.IsPublic() || !jwk.Valid() {
		return "", invalidProof("the DPoP proof has no public jwk")
	}
	payload, err := jws.Verify(jwk)
	if err != nil {
		return "", invalidProof("the DPoP proof's signature does not verify")
	}
	var c proofClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return "", invalidProof("the DPoP proof's claims are not valid JSON")
	}
	iat, err := c.IAT.Int64()
	now := d.now()
	switch {
	case c.JTI == "" || len(c.JTI) > 256:
		return "", invalidProof("the DPoP proof needs a jti of at most 256 characters")
	case c.HTM != method:
		return "", invalidProof("the DPoP proof's htm is not this request's method")
	case !sameTarget(c.HTU, htu):
		return "", invalidProof("the DPoP proof's htu is not this endpoint")
	case err != nil || time.Unix(iat, 0).Before(now.Add(-dpopSkew)) || time.Unix(iat, 0).After(now.Add(dpopSkew)):
		return "", invalidProof("the DPoP proof's iat is not within a minute of now")
	case accessToken != "" && c.ATH != tokenHash(accessToken):
		return "", invalidProof("the DPoP proof's ath is not the access token's hash")
	case !d.nonceOK(c.Nonce):
		return "", &dpopError{errUseDPoPNonce, "a DPoP proof with the server's nonce is required"}
	}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", invalidProof("the DPoP proof's key has no thumbprint")
	}
	jkt := base64.RawURLEncoding.EncodeToString(thumb)
	// Accepted proofs are recorded for as long as they could be accepted.
	n, err := d.st.Hit(ctx, "dpop:"+jkt+":"+c.JTI, 2*dpopSkew+time.Minute)
	if err != nil {
		return "", unavailable(err)
	}
	if n > 1 {
		return "", invalidProof("the DPoP proof was already used")
	}
	return jkt, nil
}

// tokenHash is a token's ath (§4.2): base64url of its SHA-256.
func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// sameTarget compares a proof's htu with the endpoint's URL without their
// query and fragment (§4.3), scheme and host case-insensitively, a
// default port as none.
func sameTarget(htu, endpoint string) bool {
	a, err1 := url.Parse(htu)
	b, err2 := url.Parse(endpoint)
	if err1 != nil || err2 != nil || a.Opaque != "" {
		return false
	}
	norm := func(u *url.URL) string {
		host := strings.ToLower(u.Host)
		scheme := strings.ToLower(u.Scheme)
		host = strings.TrimSuffix(host, map[string]string{"https": ":443", "http": ":80"}[scheme])
		path := u.EscapedPath()
		if path == "" {
			path = "/"
		}
		return scheme + "://" + host + path
	}
	return norm(a) == norm(b)
}

// dpopBinding is what a token request's proof binds, carried to opStorage
// in the context: the key's thumbprint, and whether the refresh token is
// bound too (public clients, §5).
type dpopBinding struct {
	jkt     string
	refresh bool
}

type dpopKey struct{}

func withDPoP(ctx context.Context, b dpopBinding) context.Context {
	return context.WithValue(ctx, dpopKey{}, b)
}

func dpopOf(ctx context.Context) dpopBinding {
	b, _ := ctx.Value(dpopKey{}).(dpopBinding)
	return b
}

// tokenProof checks the DPoP proof of a token request by c (§5) and
// returns ctx carrying what it binds for opStorage. Every answer to a
// request that may carry a proof has a fresh DPoP-Nonce. A client with
// dpop_bound_access_tokens must send one.
func (d *dpop) tokenProof(ctx context.Context, w http.ResponseWriter, r *http.Request, c *client) (context.Context, error) {
	if len(r.Header.Values("DPoP")) > 0 || c.DPoPBoundAccessTokens {
		w.Header().Set("DPoP-Nonce", d.Nonce())
	}
	jkt, err := d.check(ctx, r.Method, op.IssuerFromContext(ctx)+r.URL.Path, r.Header, "")
	var de *dpopError
	switch {
	case errors.As(err, &de):
		refusal := &oidc.Error{ErrorType: errInvalidDPoPProof, Description: de.desc}
		if de.code == errUseDPoPNonce {
			refusal.ErrorType = errUseDPoPNonce
		}
		return ctx, refusal
	case err != nil:
		return ctx, err
	case jkt == "" && c.DPoPBoundAccessTokens:
		return ctx, &oidc.Error{ErrorType: errInvalidDPoPProof, Description: "this client's tokens are bound to a key: a DPoP proof is required"}
	case jkt == "":
		return ctx, nil
	}
	return withDPoP(ctx, dpopBinding{jkt: jkt, refresh: c.Public}), nil
}

// dpopTyped gives a token response whose tokens are bound the token type
// DPoP (§5).
func dpopTyped(ctx context.Context, resp *oidc.AccessTokenResponse) *oidc.AccessTokenResponse {
	if dpopOf(ctx).jkt != "" {
		resp.TokenType = "DPoP"
	}
	return resp
}

// resourceProof checks the binding of the access token a userinfo
// request presents (§7): a bound token only under the DPoP scheme with a
// proof by its key that names it (ath); the DPoP scheme only with a
// bound token.
func (d *dpop) resourceProof(ctx context.Context, r *op.Request[oidc.UserInfoRequest], tokenID string) error {
	ref, _ := parseTokenRef(tokenID)
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	dpopScheme := strings.EqualFold(scheme, "DPoP")
	switch {
	case ref.jkt == "" && dpopScheme:
		return &dpopError{"invalid_token", "the access token is not bound to a DPoP key"}
	case ref.jkt == "":
		return nil
	case !dpopScheme:
		return &dpopError{"invalid_token", "the access token is bound to a DPoP key: present it with the DPoP scheme and a proof"}
	}
	jkt, err := d.check(ctx, r.Method, op.IssuerFromContext(ctx)+r.URL.Path, r.Header, r.Data.AccessToken)
	switch {
	case err != nil:
		return err
	case jkt == "":
		return invalidProof("a DPoP proof is required")
	case jkt != ref.jkt:
		return invalidProof("the DPoP proof is not signed by the access token's key")
	}
	return nil
}

// challenge is the WWW-Authenticate of a refusal at userinfo (§7.1).
func (e *dpopError) challenge() string {
	algs := make([]string, len(dpopAlgs))
	for i, a := range dpopAlgs {
		algs[i] = string(a)
	}
	return fmt.Sprintf("DPoP error=%q, error_description=%q, algs=%q", e.code, e.desc, strings.Join(algs, " "))
}
