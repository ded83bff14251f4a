// Package oidc is Passerelle's generic upstream OpenID Connect provider:
// it implements providers.CallbackProvider with the authorization code
// flow, PKCE S256, state and nonce, on top of coreos/go-oidc and
// golang.org/x/oauth2.
//
// Discovery is lazy: Open checks the configuration only, and the
// discovery document is fetched on the first sign-in and then cached for
// the life of the Provider (go-oidc refetches the key set by itself when
// an unknown key ID appears). A failed discovery is not cached; the next
// sign-in tries again. An upstream that is down when Passerelle starts
// therefore fails only the sign-ins that go to it.
//
// Privacy: the authorization request carries only Passerelle's own client
// ID and callback URL, the requested scopes, state, nonce and the PKCE
// challenge, plus prompt=login and ui_locales when the broker asks.
// Nothing about the relying party is ever sent upstream. The scope is
// openid unless the configuration lists more, so an upstream is asked for
// an opaque subject and nothing else by default.
//
// Errors from HandleCallback wrap providers.ErrState (the callback or the
// ID token's nonce does not belong to this flow), providers.ErrDenied
// (the upstream answered with an error; unmet_authentication_requirements,
// it cannot reach the acr_values asked, is providers.ErrBelowLevel, which
// wraps it) or providers.ErrUpstream
// (unreachable, or an answer that fails verification). Their messages are
// for the operator's log; they never contain the client secret, the code
// or tokens.
//
// With logout: true a sign-out at Passerelle sends the browser to the
// upstream's end_session_endpoint (RP-Initiated Logout 1.0, logout.go)
// with client_id, state and post_logout_redirect_uri
// {issuer}/providers/{id}/logged-out, the provider's one route, and no
// id_token_hint (Passerelle keeps no upstream ID token). Off by default:
// the upstream must have that URI registered.
//
// The upstream acr is translated through acr_map; an acr missing from
// the map yields an empty Identity.ACR rather than passing an upstream
// value through unchecked. Read the other way, acr_map says what the
// upstream can be asked for: when a sign-in needs a level
// (LoginOptions.ACR), the authorization request carries as acr_values the
// upstream values mapped to it, lowest level first (Assures,
// providers.AssuranceProvider); the broker checks the answer.
package oidc
