// Package demoidp is a small but real OpenID Connect provider, and a SAML
// 2.0 identity provider, that stand in for upstream credential services: in the `passerelle demo` command
// (a GCKey-like service, Sign-In Partner banks, a Quebec-like service)
// and in tests, as the upstream a client signs in at.
//
// It is never part of a production configuration: only the demo command
// and tests import it, and every page it shows carries a banner saying it
// is not a real service.
//
// Routes, relative to the issuer's path:
//
//	GET  /.well-known/openid-configuration  discovery metadata
//	GET  /jwks                              the published key (ES256, or EdDSA: Config.SigningAlg)
//	GET  /authorize                         sign-in form (English or French per ui_locales)
//	POST /authorize                         check credentials; redirect with code, state, iss
//	POST /token                             code → access token + ID token (PKCE S256 required)
//	GET  /userinfo                          claims for a bearer access token
//	GET  /end_session                       RP-initiated logout: back to a registered post_logout_redirect_uri
//	GET  /demo.css                          the form's stylesheet
//
// Passwords are checked against SHA-256 digests computed at start: one
// map read and one constant-time comparison per sign-in, however many
// users (BenchmarkSignIn: form, credentials and EdDSA ID token together
// take about 0.2 ms of CPU). A real service would check a slow password
// hash (tens of milliseconds with argon2id); this stand-in does not, so
// that a benchmark's upstream costs little beside the broker it feeds.
//
// It knows one client (Config.ClientID), authenticated with
// client_secret_basic or client_secret_post. Codes live one minute and
// work once; presenting a spent code revokes the access token it gave.
// Subjects are derived from the issuer and username, so they survive a
// restart; everything else (keys, codes, tokens) is in memory. The form
// needs no script and works with the keyboard alone; a failed sign-in
// shows an error summary that takes focus.
//
// SAMLServer (NewSAML) is the demo's GCKey-like SAML 2.0 identity
// provider, on crewjam/saml's IdentityProvider, with this package's
// sign-in page: under its base URL it serves
//
//	GET  /metadata   its metadata, signed with its key
//	GET  /sso        SSO (HTTP-Redirect): the signed AuthnRequest is
//	                 checked; a browser without a session goes to /login
//	                 first, and the answer is a signed assertion encrypted
//	                 to the SP (AES-128-CBC, RSA-OAEP, as GCKey), posted
//	                 to the ACS; Cancel answers AuthnFailed
//	GET POST /login  the sign-in form
//	GET  /slo        Single Logout, both ways (HTTP-Redirect)
//
// The NameID is persistent: an HMAC of the SP's entity ID and the
// username under a key derived from the IdP's key, so it differs per SP
// and survives a restart with the same key. It asserts the highest of
// its levels the request asks for (NoAuthnContext when none). Sessions
// are in memory, an hour long, at most 1,000 (the oldest goes first),
// each with the SPs it was used at, so a logout reaches them.
//
// Config.Faults holds deliberate protocol violations (an unpublished
// signing key, a wrong issuer, a wrong UserInfo subject) so tests can
// check that a client refuses them, and an upstream that overshares
// (profile claims whatever the scope) so tests can check that Passerelle
// keeps them from relying parties.
package demoidp
