// Package terms is the terms-of-use step a client may add after the
// second factor (clients[].steps: [terms]). The operator writes the text
// in English and French, one file each, and gives it a version; the
// person reads it and accepts or declines. Accepting records the
// acceptance (account, client, version, time) in the store and in the
// audit log; declining ends the sign-in with access_denied to the client.
// No code is issued before acceptance: the step is Needed until then, and
// the dispatcher completes only when no step is.
//
// Two modes, per client: once per version (the person accepts each new
// version once; Sign In Canada's practice for a service's terms), or at
// every sign-in (the trusted-trader portal, seed 002), where an
// acceptance holds for the sign-in that made it only.
//
//	GET  /login/{id}/step/terms   the text, with Accept and Decline
//	POST /login/{id}/step/terms   decision=accept | decline
package terms
