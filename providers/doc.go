// Package providers defines how Passerelle talks to upstream credential
// services: the Identity an upstream sign-in yields, and small capability
// interfaces a provider implements, which the broker discovers by type
// assertion (Dex's connector model):
//
//	CallbackProvider  redirect-based protocols (OpenID Connect, SAML):
//	                  LoginURL, CallbackState, HandleCallback
//	PasswordProvider  a username and password typed into Passerelle's
//	                  own page: Login, Subject, RefuseLogin
//	RouteProvider     optional: routes of its own under /providers/{id}/
//
// Providers know nothing of relying parties: the broker never passes a
// client ID, client name or RP redirect URI to a provider, which is how the
// upstream is kept from learning which service the person is signing in
// to.
//
// # The contract of a CallbackProvider
//
// One sign-in's trip to an upstream and back is a Leg. The broker derives
// Leg.State, Nonce and Verifier from the auth request and the provider ID
// (HMACs under its own key): they are unguessable, differ per request and
// per provider, and cost no storage.
//
//  1. LoginURL(ctx, leg, opts) returns where to send the browser, and
//     optionally bytes to keep (at most MaxKept). The provider must make
//     leg.State come back with the answer (OIDC state, SAML RelayState)
//     and send the answer to leg.CallbackURL, which is
//     {issuer}/callback/{id} (the OIDC redirect_uri, the SAML ACS URL).
//     Kept bytes are stored with the auth request (one durable write;
//     return nil to write nothing) and handed back as leg.Kept; a SAML
//     provider can keep its AuthnRequest ID there, or derive it from
//     leg.Nonce and keep nothing.
//  2. The answer arrives at /callback/{id}, by GET or POST (form body up
//     to 64 KiB, room for a signed and encrypted SAML Response).
//     CallbackState(r) returns the state it carries without checking
//     anything; the broker never reads a protocol parameter
//     itself. From it the broker finds the auth request, checks that the
//     state is exactly the one derived for this request and provider, that
//     the browser is the one that started the sign-in, and that the
//     request may still use a credential; only then is HandleCallback(r,
//     leg) called.
//  3. HandleCallback verifies everything protocol-specific (signatures,
//     audience, InResponseTo against the leg, replay) and returns the
//     Identity, or an error wrapping ErrUpstream, ErrDenied or ErrState.
//     It may read r.Form (the broker has parsed a POST body).
//
// A POST arriving across sites (the SAML POST binding, OIDC form_post)
// carries no SameSite=Lax cookie, so the browser binding cannot be
// checked on it: the broker answers such a POST, once, with a page that
// posts the same fields to the same URL from Passerelle's own origin
// (one press of Continue; pages have no script), and checks the second
// post. Providers need do nothing about it.
//
// # Routes of its own
//
// A RouteProvider's Handler(urls) serves every request under
// /providers/{id}/ (any method, body up to 16 KiB, rate-limited per
// source): a SAML provider's metadata, say. Those routes are outside any
// sign-in: they cannot complete one, which only /callback/{id} does.
// Handler is called at start-up and at each reload.
//
// # Password providers
//
// The broker renders the password page (/login/{id}/password/{provider},
// or /login/{id}/local for the first-party built-in service) and calls
// Subject first, so that the failure regulator can hold back an attempt
// against a locked account; it then calls Login, or RefuseLogin when the
// attempt is held back, so that a held-back account, an unknown username
// and a wrong password look and take the same.
//
// # Adding a protocol
//
// A new protocol is a package with a Config (mapstructure tags and
// Validate(ps, path)), an Open returning a Provider, and one line in
// providers/registry's types map; its configuration is the provider
// entry's section named after its type (providers[].saml).
//
// Sub-packages: providers/oidc (a generic upstream OpenID Connect
// client), providers/saml (SAML 2.0 upstreams under the CATS 2.0
// profile: GCKey, the Sign-In Partners), providers/local (the built-in
// GCKey-like service),
// providers/registry (type → package).
//
// NewHTTPClient is the client upstream requests travel on: it keeps
// IdleConnsPerUpstream idle connections per upstream host where net/http
// keeps two, so that concurrent callbacks at one upstream reuse their
// connections instead of dialling for each sign-in.
package providers
