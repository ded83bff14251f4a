// Package broker is Passerelle's OpenID provider and the sign-in journey
// behind it. zitadel/oidc's op package speaks the protocol through its
// op.Server interface: opServer (opserver.go) is the library's
// LegacyServer with the endpoints Passerelle needs overridden, and
// protocolEdge (protocol.go, authorize.go) is the HTTP side that parses
// each request, calls opServer and writes the answer itself (OAuth errors
// per RFC 6749 §5.2, pages for the person); opStorage answers the library
// from the store; the login dispatcher walks the person through the
// upstream sign-in; ui renders the pages. The ID token of the code and
// refresh grants is built by idtoken.go: the claims op.CreateIDToken
// would give, encoded once and signed by the library's signer.
//
// Routes:
//
//	method    path                              what
//	GET       /.well-known/openid-configuration discovery (pairwise and public subjects, S256 only,
//	                                            the ladder's acr values, iss in responses, claims)
//	GET       /keys                             JWKS: every key not yet expired, the next one included
//	GET POST  /authorize                        authorization request → stored auth request → the
//	                                            dispatcher's first decision, in the same request (the
//	                                            upstream; a page of choices at /login/{id}, begin);
//	                                            a pushed one by its request_uri (par.go), a signed
//	                                            request object by value or reference (requestobject.go)
//	POST      /oauth/par                        RFC 9126 pushed authorization requests (201 request_uri)
//	GET       /login/{id}                       dispatcher: session? prompt=none? hint? one provider? chooser
//	POST      /login/{id}/choose/{choice}       CSRF-checked: a provider (→ upstream) or a group (→ list)
//	GET       /login/{id}/group/{group}         the Sign-In Partner list of banks
//	GET       /login/{id}/cancel                access_denied to the client (browser-bound)
//	GET POST  /callback/{provider}              upstream answer → account → session → second factor
//	                                            → the code, in the query or form_post, to the client
//	                                            (a cross-site POST is re-posted once from this origin)
//	any       /providers/{provider}/...         a provider's own routes (SAML metadata, SLO); signIn, upstream.go
//	POST      /oauth/token                      authorization_code (PKCE S256), refresh_token (rotation);
//	                                            a DPoP proof binds the tokens (dpop.go)
//	POST      /oauth/introspect                 RFC 7662: access tokens, and refresh tokens for their client
//	POST      /revoke                           RFC 7009 (revokes the whole grant)
//	GET POST  /userinfo                         claims by the grant's scopes and claims parameter; the
//	                                            token in the header or a POSTed form, never the query
//	OPTIONS   /oauth/token, /revoke, /userinfo  CORS preflight: origins clients list (cors.go)
//	GET POST  /end_session                      RP-initiated logout; without an ID token hint it asks first;
//	                                            the session's clients told (back- and front-channel,
//	                                            logout.go, backchannel.go); a session from an upstream
//	                                            that logs out goes on to its logout and back
//	                                            (upstream_logout.go)
//	GET       /login/{id}/mfa/...               second factors (mfaPages, mfa_steps.go; kinds in factors.go)
//	GET POST  /login/{id}/local                 the built-in service's password page (passwordPages, password.go)
//	GET POST  /login/{id}/password/{provider}   another password provider's page (password.go)
//	GET POST  /login/{id}/local/...             the built-in service's registration and reset (localPages, local.go)
//	GET POST  /login/{id}/first/...             a credential seen for the first time (identities, identity.go)
//	GET POST  /account, /account/security/...   account pages (accountPage, securityPage), after a fresh second factor
//	GET       /readyz                           the store answers (a load balancer's check)
//	GET       /logged-out                       signed-out page; after an upstream's logout, the rest of
//	                                            the logout (front-channel iframes, on to the client)
//	GET       /, /lang, /static/                pages
//
// Steps never link to each other: every step reloads the auth request and
// the dispatcher decides from what is stored. Every step checks that the
// request comes from the browser that started it (a cookie set at
// /authorize, whose hash the auth request keeps); forms carry a CSRF token
// that is an HMAC of the auth request ID and that cookie; the upstream
// callback must carry the state derived for this request and provider (an
// HMAC, like the leg's nonce and PKCE verifier, so none of them is
// stored) and is accepted once per leg, so no step can be skipped,
// replayed or finished in another browser.
//
// The threat model: someone who knows a person's first-factor password
// and nothing else, driving a browser of their own through every page and
// endpoint of the journey, concurrently if it helps. No path yields an
// authorization code, the account pages' window, a linked credential or a
// new factor without the account's own second factor: one function, the
// completion gate (gate.go), decides for every way to completion, and
// setting up a factor on an account that has one needs one of its factors
// (or a recovery code) passed in the same request first. An upstream's
// acr raises the level only together with a factor. The attacker tests
// (TestAttack*, attack_*_test.go) are written from that person's side.
//
// Choices made where the specifications leave room, following Keycloak:
//
//   - sub is pairwise unless the client is configured public: an HMAC of the
//     sector (host of sector_identifier_uri, else of the redirect URIs) and
//     the account ID, under a key derived from the master key.
//   - triple-blind by default, as Sign In Canada's Sign-In Partners are: an
//     upstream is asked for openid only, and a claim it gives (email, name
//     or locale) reaches a relying party only when the provider's
//     release_claims and the client's upstream_claims both name it, and
//     the grant's scopes ask for it (Keycloak's per-provider mappers and
//     per-client scopes, both closed by default). The account records
//     which provider gave each value (store.Account's EmailFrom, NameFrom,
//     LocaleFrom); the rule is applied when userinfo or introspection
//     answers, so it follows the current configuration. Passerelle's own
//     values are released by scope alone: an email typed into the
//     built-in service or confirmed with a code on the account page, a
//     language chosen there, the interface language of the sign-in. A
//     value kept from an upstream stays its value, whichever credential
//     signs in later.
//   - auth_time is when Passerelle completed the authentication (the upstream
//     callback), so max_age is measured against Passerelle's own event; a
//     request with max_age or prompt=login asks the upstream to
//     authenticate again.
//   - revoking an access token revokes its grant (the access token is
//     stateless; the grant is what can be revoked), and so the refresh
//     family with it.
//   - any authenticated client may introspect an access token (resource
//     servers use their own credentials); a refresh token is active only
//     for the client it was issued to (RFC 7662 §2.2 leaves it to the
//     server: only that client ever holds it); inactive tokens get
//     {"active": false}.
//   - consent is never asked: relying parties are Government of Canada
//     services configured by the operator (first-party clients, as in
//     Sign In Canada), the person's sign-in to the service is the
//     consent, and what a client receives is set by its configuration
//     and the release rules, not by a per-person choice. prompt=consent
//     is therefore accepted and satisfied without a page (OIDC Core
//     §3.1.2.1: the server obtained consent), which also lets clients
//     that send it with offline_access (§11) get their refresh token;
//     prompt=none never fails with consent_required; prompt=none with any
//     other value is invalid_request (§3.1.2.1). Discovery lists the
//     prompt values accepted (prompt_values_supported).
//   - the claims parameter (OIDC Core §5.5) may ask for name,
//     given_name, family_name, email, email_verified and locale, in the
//     ID token or at userinfo, whatever the scopes; essential and
//     voluntary claims are answered alike (nothing is ever asked of the
//     person), and the release rules above still decide. An acr member's
//     value or values count as acr_values when acr_values is absent
//     (§5.5.1.1), an ID token sub value as an id_token_hint's subject;
//     other claims are ignored.
//   - an authorization request's parameters are checked before anything
//     is stored (authparams.go): response_type is required (a missing one
//     is invalid_request, RFC 6749 §4.1.2.1; one other than code is
//     unsupported_response_type), scope is visible ASCII, prompt holds
//     known values, code_challenge is 43 to 128 unreserved characters,
//     max_age a non-negative integer, claims a claims request, every
//     parameter but state UTF-8 without NUL. state is the client's opaque
//     value and comes back byte for byte, even when it is not UTF-8
//     (in query answers; a form_post page is decoded by the browser).
//   - a pushed authorization request (RFC 9126) lives 60 seconds and is
//     used once; until a browser brings it to /authorize it is bound to
//     no browser, and no sign-in page accepts it. A client may be
//     required to push (require_pushed_authorization_requests). Request
//     objects (RFC 9101) replace the query's parameters entirely (§6.3),
//     are signed with RS256, ES256 or PS256 by a key of the client's JWK
//     Set, and are fetched by reference only from the client's
//     registered request_uris (8 KB, 5 seconds).
//   - scripts reach the token, revocation and userinfo endpoints only
//     from the origins their client lists (clients[].allowed_origins),
//     never with credentials (cors.go); discovery and keys are readable
//     from anywhere.
//   - refresh tokens are issued when offline_access is asked, as OIDC Core
//     §11 says.
//   - an unknown idp_hint is ignored and the chooser shown.
//   - a private_key_jwt assertion's jti is accepted once (OIDC Core §9).
//   - configured clients are built once per configuration load; stored
//     clients (the admin API, `passerelle clients`) are kept in memory
//     (storedclients.go), read again from the store at most every 2
//     seconds (storedClientsTTL) and after every client write of this
//     process's admin API (ClientsChanged). So a client added, changed or
//     removed, or a secret rotated, on another replica or by the command
//     line takes effect here within 2 seconds: bounded staleness, where a
//     store read at every request used to make it immediate.
//   - the SSO session opens when the whole authentication has succeeded,
//     second factor included, with the level it reached; a person who
//     leaves at the second factor has no session, and their next sign-in
//     starts with the credential again. A sign-in writes its auth request
//     once at each step that answers the browser; what a step learns on
//     the way (who signed in, the factor passed) goes with that write.
//     For a relying party the new session is stored when its code is
//     redeemed: completion gives the browser the session's cookie and
//     keeps the record (and the hash of the browser's session it
//     replaces) in the auth request; the token exchange creates the grant
//     and the session, and deletes the replaced one, in one commit
//     (store.Grants.CreateGrantWithSession, redeem.go). So a returning
//     person's sign-in is two durable writes, the second factor's answer
//     and that commit (writes_test.go counts them). Until the code is
//     redeemed the cookie finds no session (an SSO miss: the next request
//     authenticates again, never a wrong session); a code never redeemed,
//     or lost with its auth request in a crash (store/doc.go, Durability),
//     leaves none. A replayed code creates no second session; of racing
//     redemptions one creates both. A code whose account was locked,
//     found dormant or signed out everywhere (Account.SignedOutAt, after
//     the code's authentication) while it was out gives nothing: the
//     exchange reads the account after the commit and takes back the
//     grant and the session (opStorage.lockWins), and a lock or sign-out
//     that lands later ends them as it ends every session and grant of
//     the account. A factor reset or an upstream's logout
//     (upstream_logout.go) while the code is out does not stop it: each
//     ends what is stored, and the grant and the session come after (a
//     grant already did); the window is the client's redemption (a
//     minute at most, tokens.code), and the code was earned with the
//     factor. A logout in the same browser before the redemption clears
//     the cookie and finds no session to end (its clients are not told:
//     the client that holds the code has no session of it yet); the
//     redemption then stores a session whose cookie no browser holds
//     (the store keeps only its hash), which nothing can present, idle
//     after the idle limit and swept at its expiry. The internal account
//     sign-in stores its session at once (its window opens there).
//   - after a recovery code the person sets up a new factor; then a new
//     set of recovery codes replaces the old one (seed 004) and the page
//     offers, ticked, to remove the factors the account had when the
//     recovery code was used: a lost phone is what an attacker holds.
//   - the level a request reaches is that of the factors the client
//     accepts, raised to the upstream's mapped acr when that is higher;
//     an SSO session keeps the factor kinds it verified, and a later
//     request reuses them only where the client does not ask for a factor
//     at every sign-in.
//   - the built-in service's sign-in answers a locked account, or an
//     attempt the failure regulator holds back, exactly as a wrong
//     password or an unknown username (Keycloak's brute-force detection
//     does the same by default), so it never tells whether a username
//     exists; the second factor's pages, reached only past the first
//     factor, say "locked" and "wait". Every attempt is checked against
//     the regulator's lock and delay and counted in the same store update:
//     an authenticator or recovery code is verified inside it
//     (mfa.Regulator.Check, one durable write), any other answer is
//     reserved with the regulator before it is verified (mfa package doc).
//   - a store failure during a protocol request answers 503
//     temporarily_unavailable, never invalid_grant or an inactive token, so
//     a relying party keeps its tokens through a database outage
//     (opStorage marks such errors, storeDown, on their way up).
//   - an invalid authorization request whose client and redirect URI are
//     trusted is answered at the redirect URI by Passerelle itself, like
//     every other answer to the client: 303 See Other (or the form_post
//     page) with iss (RFC 9207) and state, and a server_error never
//     carries detail.
//   - what an anonymous visitor can make the server store or read is
//     bounded in size and rate (edge.go, ratelimit.go, authorize.go's
//     paramLimits), as the next three points say.
//   - authorization parameters have size limits, in bytes: state and nonce
//     512, login_hint 256, acr_values 512, ui_locales and claims_locales
//     128, scope 1024, code_challenge 128, redirect_uri 2048, client_id
//     256, id_token_hint 4096, claims 2048, idp_hint 128, and 16 to 64 for
//     the enumerated ones. A longer one is invalid_request, sent to the
//     client's registered redirect URI (without the state when the state
//     is what is too long), else shown on the error page; nothing is
//     stored and no cookie set.
//   - request bodies have limits by route: 4 KB for the sign-in and
//     account forms (and every route that takes no body), 16 KB for the
//     protocol endpoints and upstream callbacks, 64 KB for a security
//     key's answer. Over it: 413, as an invalid_request JSON error at the
//     token, introspection, revocation and userinfo endpoints and as a
//     page elsewhere; a Content-Length over the limit is refused unread.
//   - new authorization requests (at /authorize, and the account window's
//     own sign-in an account page starts for a browser without an open
//     window) and the built-in service's form posts count against a
//     per-source token bucket (RateLimitConfig: by default 5 a second,
//     bursts of 50). Over it: 429 with Retry-After, as a page
//     (these are browser routes). The source is the remote address, or
//     the last X-Forwarded-For hop that is not a configured trusted proxy;
//     an IPv6 source is its /64. The token endpoint is not rate-limited:
//     it stores nothing for a caller that has not authenticated as a
//     client, and one relying party's servers make all its users' calls.
//   - an account nobody signs in to for accounts.dormant_after (off by
//     default; two years in the trusted-trader example) becomes dormant
//     (broker/dormancy): marked at its next sign-in, right after the
//     upstream, or by the sweep, which also ends its sessions and grants;
//     the sign-in stops with a page naming the deployment's contact, and
//     only an administrator reactivates it (Login.gov's and Keycloak's
//     inactive-account handling). A dormant account's sign-in never
//     counts as use.
//   - a client's required level above the floor every factor reaches (its
//     mfa.acr, raised by acr_values) is asked of the upstream whose acr
//     mapping can give it (providers.AssuranceProvider: OIDC acr_values,
//     SAML RequestedAuthnContext), and that upstream is held to it: an
//     answer mapped below stops at a page that offers to sign in again,
//     audited, before any account or factor (assurance.go), never a
//     silent downgrade, and no second factor makes up for it. An upstream
//     that cannot be asked is not held: the factor brings the level, as
//     before. The ID token's acr is the level reached.
//   - an upstream configured with refresh_claims (off by default) has the
//     email and name it gives written over the account's at each sign-in
//     (Keycloak's "force" sync mode; claims.go), after the account was
//     found by its credential: such values never find or link an account.
//     The change is audited by field name, never value, and a changed
//     email tells the address before.
//   - the account's owner is emailed (Notices, notices.go) the URN once the
//     account is created and a security notice at each change Login.gov
//     notifies: a factor added or removed, recovery codes regenerated or
//     used, a credential linked or unlinked, a former account or file
//     linked (legacy and record steps) or unlinked by an administrator,
//     the email changed, the account locked. A notice goes only to a
//     verified address; the email change's to the address before the
//     change, so the owner hears of a
//     change someone else made. Sending is synchronous after the change is
//     written and a failure never fails the change.
//   - DPoP (RFC 9449, dpop.go): a token request with a proof gets tokens
//     bound to its key (token_type DPoP; a public client's refresh token
//     too), a client with dpop_bound_access_tokens must send one, and a
//     server nonce is always required (use_dpop_nonce, DPoP-Nonce). A
//     bound access token works at userinfo only under the DPoP scheme
//     with a proof by its key naming it (ath); refusals are DPoP
//     challenges. Introspection gives the key as cnf.jkt.
//   - logout everywhere (logout.go): a logout at /end_session ends the
//     browser's SSO session and tells every client that received a code
//     in it, the one that asked included, as Sign In Canada's single
//     logout does: a logout token to each back-channel URI (sid and sub,
//     typed logout+jwt, signed with the client's ID token algorithm, a
//     new jti at each attempt; retried after 10 s, 1 min, 5 min, 30 min
//     and 2 h, each outcome audited; pending retries are kept in memory,
//     at most 10,000, so a restart forgets them), an iframe for each
//     front-channel URI, then the upstream's own logout when the provider
//     is configured for it. Refresh tokens are issued only with
//     offline_access, so none is revoked at logout (Back-Channel Logout
//     §2.7); access tokens live out their short life. A logout token is
//     never accepted as an id_token_hint.
//   - /metrics is not served here: cmd/passerelle serves it on a
//     management address of its own (server.metrics_listen), off by
//     default, as Keycloak serves it on its management port.
//
// No page a person reaches is a dead end (fallback.go, respond.go): an
// address no route serves, a method a route does not take (Allow kept)
// and a handler's panic get the bilingual error page in the page frame
// with links to the account and home pages, never Go's plain text; a
// finished sign-in revisited (back button, reload) after its code was
// used says "you are already signed in" and links back to the service
// (its redirect URI's origin: the redirect URI itself is a callback); a
// sign-in whose request is gone says it is no longer open. Emailed codes
// checked under the failure regulator are not burnt by wrong tries, and
// every page that sent one offers a new one.
package broker
