// Package demorp is the demonstration relying party that `passerelle demo`
// runs: a small web application playing the part of a government portal
// that signs people in through Passerelle with OpenID Connect.
//
// It is never part of a production configuration. Every page it shows is
// marked as a demonstration, in English and French.
//
// Routes, relative to the path of Config.BaseURL (mount the handler there
// without stripping the prefix):
//
//	GET       /           the portal page: a sign-in form, or the signed-in person's claims
//	GET POST  /login      start the authorization code flow (PKCE S256, state, nonce)
//	GET       /callback   the redirect URI: check state, redeem the code, verify the ID token
//	POST      /refresh    refresh_token grant; show the new claims
//	POST      /logout     forget the local session; RP-initiated logout at the issuer
//	GET       /style.css  the pages' stylesheet
//
// The issuer is discovered lazily, on the first request that needs it,
// and discovery is retried until it succeeds, so the relying party may
// start before the broker. Per-browser state lives in memory, keyed by a
// random cookie; tokens never leave the server and are never shown,
// only the claims they carry.
package demorp
