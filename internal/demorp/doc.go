// Package demorp is the demonstration relying party that `passerelle demo`
// runs: a small web application playing the part of a government portal
// that signs people in through Passerelle with OpenID Connect.
//
// The demo runs two of them as two clients of Passerelle: a government
// portal and a trusted-trader portal whose client asks for its terms of
// use at every sign-in. Config.Name and Config.About tell them apart, and
// Config.Services links them from each other's pages. When Passerelle
// answers access_denied (the person declined the terms or cancelled), the
// page says plainly "You are not signed in" and why, not that something
// went wrong.
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
// only the claims they carry. A browser may have several sign-ins
// pending (one per tab, the last eight), each answered by its own state
// once: keeping only the last would refuse the first tab's answer, so
// its code would never be redeemed.
package demorp
