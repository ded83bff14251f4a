package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Account is a person known to Passerelle. ID is random and internal; URN is
// the User Reference Number shown to the person.
type Account struct {
	ID            string `json:"id"`
	URN           string `json:"urn"`
	Email         string `json:"email,omitempty"`
	EmailVerified bool   `json:"email_verified,omitempty"`
	GivenName     string `json:"given_name,omitempty"`
	FamilyName    string `json:"family_name,omitempty"`
	Locale        string `json:"locale,omitempty"`
	// EmailFrom, NameFrom and LocaleFrom name the upstream provider whose
	// sign-in gave Email (and EmailVerified), GivenName and FamilyName,
	// and Locale. Empty means the value is Passerelle's own: typed into
	// the built-in credential service, confirmed with an emailed code on
	// the account page, or chosen there. A relying party receives an
	// upstream's value only when that provider and the client are both
	// configured to release it.
	EmailFrom   string    `json:"email_from,omitempty"`
	NameFrom    string    `json:"name_from,omitempty"`
	LocaleFrom  string    `json:"locale_from,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	LastLoginAt time.Time `json:"last_login_at"`
	// Failures counts consecutive failed attempts (password, codes, keys)
	// since the last success; LastFailureAt dates the latest.
	Failures      int       `json:"failures,omitempty"`
	LastFailureAt time.Time `json:"last_failure_at,omitempty"`
	// Locked is set when Failures reached the configured limit; only an
	// administrator unlocks.
	Locked bool `json:"locked,omitempty"`
	// DormantSince is set when the account was found unused for longer
	// than the deployment allows (broker/dormancy): no sign-in completes
	// until an administrator reactivates it, which clears it and sets
	// ReactivatedAt (idleness is then counted from that time).
	DormantSince  time.Time `json:"dormant_since,omitzero"`
	ReactivatedAt time.Time `json:"reactivated_at,omitzero"`
	// SignedOutAt is when the person last signed out everywhere: every
	// session and grant then ends, and a code issued for an
	// authentication at or before it gives nothing when redeemed later.
	SignedOutAt time.Time `json:"signed_out_at,omitzero"`
}

// LogValue logs the internal ID only: names and email are personal data.
func (a Account) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", a.ID))
}

// Link ties an upstream identity (provider ID, upstream subject) to an
// account. (Provider, Subject) is unique.
type Link struct {
	Provider  string    `json:"provider"`
	Subject   string    `json:"subject"`
	AccountID string    `json:"account_id"`
	CreatedAt time.Time `json:"created_at"`
}

// AuthRequest is the state of one authorization request, from /authorize
// to the code exchange: what the relying party asked and how far the
// person has come.
type AuthRequest struct {
	ID                  string   `json:"id"`
	ClientID            string   `json:"client_id"`
	RedirectURI         string   `json:"redirect_uri"`
	Scopes              []string `json:"scopes"`
	State               string   `json:"state,omitempty"`
	Nonce               string   `json:"nonce,omitempty"`
	ResponseType        string   `json:"response_type"`
	ResponseMode        string   `json:"response_mode,omitempty"`
	CodeChallenge       string   `json:"code_challenge,omitempty"`
	CodeChallengeMethod string   `json:"code_challenge_method,omitempty"`
	Prompt              []string `json:"prompt,omitempty"`
	// MaxAge is the max_age parameter in seconds; nil when absent.
	MaxAge       *int64   `json:"max_age,omitempty"`
	UILocales    []string `json:"ui_locales,omitempty"`
	LoginHint    string   `json:"login_hint,omitempty"`
	ACRValues    []string `json:"acr_values,omitempty"`
	HintSubject  string   `json:"hint_subject,omitempty"` // sub of a valid id_token_hint
	ProviderHint string   `json:"provider_hint,omitempty"`
	// Browser is HashToken of the browser-binding cookie set at
	// /authorize: every later step must come from the same browser.
	Browser []byte `json:"browser,omitempty"`

	// Claims is what the claims parameter (OIDC Core §5.5) asked for,
	// restricted to the claims Passerelle holds; the grant keeps it.
	Claims ClaimsRequest `json:"claims,omitzero"`
	// Pushed: a pushed authorization request (RFC 9126) that no browser
	// has brought to /authorize yet; it has no Browser.
	Pushed bool `json:"pushed,omitempty"`

	// Provider is the credential that authenticated the person. An
	// upstream leg's state, nonce and PKCE verifier are derived from the
	// request ID and the provider; nothing of them is stored. Legs keeps,
	// by provider ID, the opaque data a provider asked to keep for its leg
	// (providers.Leg.Kept, at most providers.MaxKept bytes); most keep
	// none, and then nothing is written.
	Provider string            `json:"provider,omitempty"`
	Legs     map[string][]byte `json:"legs,omitempty"`

	// Outcome, set when the person is authenticated.
	AccountID string `json:"account_id,omitempty"`
	Subject   string `json:"subject,omitempty"` // sub as this client sees it
	SessionID string `json:"session_id,omitempty"`
	// NewSession: the person authenticated in this request; the SSO
	// session named SessionID is made when the request completes, with
	// what it reached by then (Keycloak's rule: no session before the
	// whole authentication), and stored then for the account pages, with
	// the grant (PendingSession) for a relying party.
	NewSession bool      `json:"new_session,omitempty"`
	AuthTime   time.Time `json:"auth_time,omitempty"`
	AMR        []string  `json:"amr,omitempty"`
	ACR        string    `json:"acr,omitempty"`
	Locale     string    `json:"locale,omitempty"`
	// Done: the authorization code is issued. CodeHash is HashToken of
	// it; the code lives as long as the request (completion shortens
	// ExpiresAt to the code's lifetime). The grant it produces takes the
	// request's ID, so creating the grant is what spends the code.
	Done     bool   `json:"done,omitempty"`
	CodeHash []byte `json:"code_hash,omitempty"`
	// PendingSession is the SSO session a completed request opens for a
	// relying party, with the hash of its cookie (already in the
	// browser), and ReplacedSession the hash of the browser's session it
	// replaces: both are written with the grant, in the commit that
	// spends the code (CreateGrantWithSession). Until then no lookup
	// finds the session; a code never redeemed leaves none.
	PendingSession  *Session `json:"pending_session,omitempty"`
	ReplacedSession []byte   `json:"replaced_session,omitempty"`

	// UpstreamACR is the assurance the credential's service reported
	// (mapped to Passerelle's ladder), or the reused SSO session's. It
	// raises the level only together with a second factor, never alone.
	UpstreamACR string `json:"upstream_acr,omitempty"`
	// Upstream is the credential's upstream sign-in, for the session
	// this request creates (Session.Upstream).
	Upstream *UpstreamSession `json:"upstream,omitempty"`
	// MFA is what the second-factor steps established in this request;
	// the completion gate reads it. FactorState holds each factor kind's
	// own state of the step in progress, server side and opaque here
	// (the email code sent and its address, a sealed TOTP secret being set
	// up, a WebAuthn ceremony's session data); only that kind reads it,
	// and it is cleared once a factor has passed.
	MFA         MFAProgress       `json:"mfa,omitzero"`
	FactorState map[string][]byte `json:"factor_state,omitempty"`
	// PendingOTP and PendingEmail: the built-in service's code sent to
	// confirm an address or reset a password, and that address.
	PendingOTP   string `json:"pending_otp,omitempty"`
	PendingEmail string `json:"pending_email,omitempty"`
	// AddKind: the request was started by the account page to set up a
	// factor of this kind once the person has passed their current one.
	AddKind string `json:"add_kind,omitempty"`
	// ReplaceFactor: the factor the one being set up replaces (an email
	// factor's new address), removed once the new one is proven.
	ReplaceFactor string `json:"replace_factor,omitempty"`

	// Linking credentials. NewIdentity is an upstream identity seen for
	// the first time, waiting for the person's choice: a new account, or a
	// link to an existing one (Linking), made only once they have signed in
	// with a credential of that account and passed its second factor.
	// LinkProvider: the account page asked to link a credential of this
	// provider to the signed-in account. PendingLocal is the built-in
	// service's registration or password-reset in progress.
	NewIdentity  *UpstreamIdentity `json:"new_identity,omitempty"`
	Linking      bool              `json:"linking,omitempty"`
	LinkProvider string            `json:"link_provider,omitempty"`
	PendingLocal string            `json:"pending_local,omitempty"`
	// RefreshIdentity is what an upstream with refresh_claims said at
	// this request's sign-in, written over the account's claims only once
	// the completion gate has passed (the account's own second factor).
	RefreshIdentity *UpstreamIdentity `json:"refresh_identity,omitempty"`

	// Steps hold the state of the client's own steps (clients[].steps),
	// each under its name; only that step reads or writes it.
	Steps map[string]json.RawMessage `json:"steps,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// PastCredential reports whether the person has passed a credential in
// this request: an account is named, or an upstream identity seen for the
// first time waits for their choice of a new account or a link
// (NewIdentity). A store at its bound on sign-ins in progress evicts only
// requests that are not (Options.MaxAuthRequests of store/bolt and
// store/postgres), so a flood of anonymous sign-ins never ends a person's,
// save those beyond their holder's MaxHeldAuthRequests newest (Holder).
func (a AuthRequest) PastCredential() bool {
	return a.Holder() != ""
}

// Holder is whom a request past its credential belongs to: the account
// named, else the upstream identity (provider and subject) waiting for
// the person's choice; "" while the request is not PastCredential. A
// store protects from eviction only a holder's MaxHeldAuthRequests
// newest requests past their credential, so one account or one upstream
// identity cannot fill the table with sign-ins it never finishes.
func (a AuthRequest) Holder() string {
	switch {
	case a.AccountID != "":
		return "account " + a.AccountID
	case a.NewIdentity != nil:
		return fmt.Sprintf("upstream %q %q", a.NewIdentity.Provider, a.NewIdentity.Subject)
	}
	return ""
}

// MaxHeldAuthRequests is how many of one holder's requests past their
// credential (AuthRequest.Holder) a store at its bound protects from
// eviction: the newest, by creation, among those it protects (a person
// with several tabs or devices). When another of the holder's requests
// passes its credential, the oldest beyond this many becomes evictable
// again, like an anonymous one, and stays so (a later deletion of a newer
// one does not protect it again). store/postgres's migration 00012 holds
// the same number.
const MaxHeldAuthRequests = 8

// MFAProgress is what one auth request established about the account's
// second factor. Only the completion gate decides what it is worth.
type MFAProgress struct {
	// Verified are the kinds of the account's own existing factors
	// answered in this request (recovery codes excluded: Recovered).
	Verified []string `json:"verified,omitempty"`
	// Enrolled are the kinds set up in this request.
	Enrolled []string `json:"enrolled,omitempty"`
	// FirstEnrolment: the account had no factor at all when this
	// request set up its first one.
	FirstEnrolment bool `json:"first_enrolment,omitempty"`
	// Recovered: a recovery code was used; a replacement factor must be
	// set up before the request may complete, and the factors it
	// replaces are offered for removal.
	Recovered bool `json:"recovered,omitempty"`
	// Lost are the IDs of the account's factors when the recovery code
	// was used: the ones the person may have lost, offered for removal.
	Lost []string `json:"lost,omitempty"`
	// Session are the factor kinds the reused SSO session had verified.
	Session []string `json:"session,omitempty"`
	// UnsavedCodes are the new recovery codes shown at this sign-in,
	// sealed (store.Sealer), kept until the person says they saved them:
	// a reload shows the same codes again, and the sign-in waits.
	UnsavedCodes []byte `json:"unsaved_codes,omitempty"`
}

// UpstreamIdentity is what an upstream said about a person, kept while
// the person decides what to do with a credential seen for the first time.
type UpstreamIdentity struct {
	Provider      string   `json:"provider"`
	Subject       string   `json:"subject"`
	Email         string   `json:"email,omitempty"`
	EmailVerified bool     `json:"email_verified,omitempty"`
	GivenName     string   `json:"given_name,omitempty"`
	FamilyName    string   `json:"family_name,omitempty"`
	Locale        string   `json:"locale,omitempty"`
	ACR           string   `json:"acr,omitempty"`
	AMR           []string `json:"amr,omitempty"`
	// SessionIndex is the upstream's own session of this sign-in
	// (providers.Identity.SessionIndex).
	SessionIndex string `json:"session_index,omitempty"`
}

// Grant is what one authorization produced: the refresh-token family and
// the access tokens minted from it. Revoking the grant invalidates all of
// them.
type Grant struct {
	ID        string    `json:"id"`
	ClientID  string    `json:"client_id"`
	AccountID string    `json:"account_id"`
	Subject   string    `json:"subject"`
	Scopes    []string  `json:"scopes"`
	AuthTime  time.Time `json:"auth_time"`
	AMR       []string  `json:"amr,omitempty"`
	ACR       string    `json:"acr,omitempty"`
	SessionID string    `json:"session_id,omitempty"`
	Provider  string    `json:"provider,omitempty"`
	Locale    string    `json:"locale,omitempty"`
	// Org is the client's organization chosen in the sign-in (the
	// organization step), if any; the roles held there are read at every
	// answer.
	Org string `json:"org,omitempty"`

	// Claims are the claims the authorization request asked for by name
	// (the claims parameter), answered whatever the scopes.
	Claims ClaimsRequest `json:"claims,omitzero"`

	// RefreshHash is HashToken of the one refresh token currently valid;
	// empty when the grant has no refresh token. The store keeps an index
	// from every refresh hash the grant ever had to the grant, until the
	// grant expires, so a rotated token presented again is recognised.
	RefreshHash []byte `json:"refresh_hash,omitempty"`
	// DPoPJKT is the thumbprint of the DPoP key a public client's refresh
	// tokens are bound to (RFC 9449 §5); "" when they are not bound.
	DPoPJKT string `json:"dpop_jkt,omitempty"`
	Revoked bool   `json:"revoked,omitempty"`
	// RevokedAt is when the grant was revoked: the store stamps it when a
	// write first sets Revoked (WithRevokedAt), and Sweep deletes the grant
	// RevokedGrantKept after it, before its expiry. Zero while not revoked
	// (and for grants revoked by versions that did not date it).
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Session is a single sign-on session, keyed by Hash, which the broker
// derives from the cookie value (its sessionKey: the cookie's time digits,
// then HashToken of the whole value; HashToken alone for a cookie made
// before). ID is a separate random value that may appear in tokens (sid).
type Session struct {
	Hash      []byte    `json:"hash"`
	ID        string    `json:"id"`
	AccountID string    `json:"account_id"`
	Provider  string    `json:"provider"`
	AuthTime  time.Time `json:"auth_time"`
	AMR       []string  `json:"amr,omitempty"`
	ACR       string    `json:"acr,omitempty"`
	// Factors are the second-factor kinds verified for this session and
	// UpstreamACR the credential's own level: a later request reuses the
	// session's factor only through them (the completion gate).
	Factors     []string `json:"factors,omitempty"`
	UpstreamACR string   `json:"upstream_acr,omitempty"`
	// Clients are the relying parties that received a code in this
	// session, in order, each once: the ones told when it ends
	// (Back-Channel and Front-Channel Logout). At most one entry per
	// configured client.
	Clients    []string  `json:"clients,omitempty"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"` // absolute limit
	// AccountUntil opens the account pages: set when the person passed a
	// second factor for them, valid a few minutes.
	AccountUntil time.Time `json:"account_until,omitempty"`
	// PendingEmail and PendingOTP: a change of the account's email
	// address waiting for the code sent to the new address.
	PendingEmail string `json:"pending_email,omitempty"`
	PendingOTP   string `json:"pending_otp,omitempty"`
	// Upstream is the upstream sign-in that started the session, kept
	// for single logout with that upstream (nil when the credential's
	// service has no logout).
	Upstream *UpstreamSession `json:"upstream,omitempty"`
}

// UpstreamSession is one sign-in at an upstream as its logout names it:
// the upstream subject (a SAML persistent NameID with its qualifiers)
// and the upstream's own session identifier (SAML SessionIndex).
type UpstreamSession struct {
	Subject string `json:"subject"`
	Index   string `json:"index,omitempty"`
}

// SigningKey is one key pair for signing tokens. Private is sealed.
type SigningKey struct {
	ID        string    `json:"id"`
	Alg       string    `json:"alg"`     // ES256 or RS256
	Private   []byte    `json:"private"` // sealed PKCS#8 DER
	Public    []byte    `json:"public"`  // PKIX DER
	CreatedAt time.Time `json:"created_at"`
	// ActiveAt is when the key may start signing; a key is published in
	// JWKS from CreatedAt so verifiers fetch it before it signs anything.
	ActiveAt time.Time `json:"active_at"`
	// RetiredAt is when a newer key took over signing (zero while current).
	RetiredAt time.Time `json:"retired_at,omitempty"`
	// ExpiresAt is when the key is unpublished: every token it signed has
	// expired by then. Zero while the key is current.
	ExpiresAt time.Time `json:"expires_at,omitempty"`
}

// LogValue keeps the sealed private key out of logs.
func (k SigningKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kid", k.ID), slog.String("alg", k.Alg))
}

// TermsAcceptance records that an account accepted a client's terms of
// use, in one version, at one time. The store keeps the latest per
// (account, client); every acceptance is also an audit event.
type TermsAcceptance struct {
	AccountID  string    `json:"account_id"`
	ClientID   string    `json:"client_id"`
	Version    string    `json:"version"`
	AcceptedAt time.Time `json:"accepted_at"`
}

// Validate refuses an acceptance that names no account, no client or no
// version of the terms: such a record would stand for consent nobody can
// trace. Backends call it before writing.
func (a TermsAcceptance) Validate() error {
	switch {
	case a.AccountID == "":
		return errors.New("terms acceptance has an empty account ID")
	case a.ClientID == "":
		return errors.New("terms acceptance has an empty client ID")
	case a.Version == "":
		return errors.New("terms acceptance has an empty version")
	}
	return nil
}
