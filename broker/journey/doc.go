// Package journey is the sign-in chain and nothing else: which step comes
// next for an auth request, decided from what the store holds, and the
// completion gate that is the chain's last word.
//
// The chain:
//
//	          ┌────────────┐ a credential seen  ┌────────────┐
//	/authorize│  identify  │──for the first ───►│ first login│──create──┐
//	─────────►│ (SSO, hint,│  time              │ (choice)   │          │
//	          │  chooser,  │◄──link: sign in with an existing one,      │
//	          │  upstream) │   or back to pick another provider         │
//	          └─────┬──────┘                                            │
//	                │ the account is named                              │
//	                ▼                                                   ▼
//	          ┌────────────┐ gate not passed ┌──────────────┐
//	          │  account   │────────────────►│ second factor│ challenge, then set-up
//	          │  checks    │◄────────────────│              │ (first, stronger, after
//	          └─────┬──────┘ a factor passed └──────────────┘  a recovery code)
//	                │ gate passed
//	                ▼
//	          ┌────────────┐  link written, link leg, factor set-up
//	          │  intents   │  (what the first login or the account pages asked)
//	          └─────┬──────┘
//	                ▼
//	          ┌────────────┐  each step of clients[].steps that Needed says
//	          │client steps│  is due, in order (organization, terms of use)
//	          └─────┬──────┘
//	                ▼
//	          ┌────────────┐  the gate again, then the code to the client
//	          │  complete  │  (or the account pages' window)
//	          └────────────┘
//
// Next is the dispatcher: a pure function of the persisted state, so the
// order above is tested as a table and no step decides what follows it.
// Steps return to the dispatcher (/login/{id}) and never redirect to each
// other (/authorize runs the dispatcher's first decision itself, sparing
// the browser that round trip); a step's handlers serve only while the dispatcher says it is the
// current step. Every step URL is bound to the auth request and to the
// browser that started it: a cookie set at /authorize whose hash the auth
// request keeps, and forms carry a CSRF token that is an HMAC of the auth
// request ID and that cookie. This is kept rather than Dex's HMAC-signed
// step URLs because the browser binding already defeats a link handed to
// someone else, and the auth request in the store (not the URL) is what
// says which step is current, so a signed URL would add nothing a replica
// could not check.
//
// Routes (package broker mounts each step; the last column is the
// handler type that serves it):
//
//	method    path                                  step                                    served by
//	GET       /login/{id}                           dispatcher (Next)                       Broker.login
//	POST      /login/{id}/choose/{choice}           identify: a provider or a group         signIn
//	GET       /login/{id}/group/{group}             identify: the Sign-In Partner banks     signIn
//	GET POST  /callback/{provider}                  identify: the upstream's answer         signIn
//	any       /providers/{provider}/...             identify: an upstream's own routes      signIn (providers.RouteProvider)
//	GET POST  /login/{id}/local/...                 identify: the built-in service          localPages
//	GET POST  /login/{id}/password/{provider}       identify: another password provider     passwordPages
//	GET POST  /login/{id}/first/...                 first login: create or link             identities
//	GET POST  /login/{id}/mfa/...                   second factor                           mfaPages (kinds: mfa.Registry)
//	GET POST  /login/{id}/step/{name}               a client step ("terms", "organization", "legacy") stepHost + the step's package
//	GET       /login/{id}/cancel                    access_denied to the client             signIn
//
// The OpenID provider's endpoints (/authorize, /oauth/token, /userinfo,
// /end_session, ...) are protocolEdge's; the account pages (/account/...)
// accountPage's and securityPage's.
package journey
