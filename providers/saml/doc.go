// Package saml signs people in at a SAML 2.0 identity provider — GCKey and
// the bank Sign-In Partners as they speak under the Government of
// Canada's CATS 2.0 deployment profile — with Passerelle as the service
// provider.
//
// # What it speaks
//
//   - SP-initiated Web SSO (saml-profiles-2.0-os §4.1). LoginURL sends an
//     AuthnRequest by HTTP-Redirect, signed over the query string with
//     RSA-SHA256 (the IdP's WantAuthnRequestsSigned="true"), asking for a
//     persistent NameID and, with Comparison="exact", for the configured
//     gc-ca levels (urn:gc-ca:cyber-auth:assurance:loa1 … loa4). Its ID is
//     derived from the broker's per-leg nonce and its RelayState is the
//     leg's state, so the answer names exactly one auth request and needs
//     no storage (LoginURL keeps nothing).
//   - The Response arrives by HTTP-POST at the ACS. HandleResponse refuses
//     (ErrState, ErrUpstream or, for a status other than Success such as
//     the person cancelling, ErrDenied; the detail goes to the operator's
//     log through the error, never to the page) anything that is not:
//     a POST whose RelayState is this leg's state; at most 256 KiB, 32
//     levels and 20,000 tokens of XML without DTD, entity or processing
//     instruction (guard.go); exactly one assertion, encrypted unless
//     allow_unencrypted (AES-128-CBC as GCKey uses, AES-GCM, RSA-OAEP key
//     transport, to any configured SP key); signed by a key of the IdP
//     metadata over the Response or the assertion, with every value read
//     from the element the signature covers (XML signature wrapping);
//     Destination and Recipient equal to the ACS; Issuer equal to the IdP
//     entity ID; InResponseTo equal to this leg's request ID (in the
//     Response and the SubjectConfirmationData); Audience equal to the SP
//     entity ID; NotBefore/NotOnOrAfter within the configured skew;
//     never consumed before (replay.go: the ID marked in the broker's
//     store, shared by every replica, until the assertion expires); a
//     persistent NameID whose qualifiers are the
//     IdP's and this SP's; an AuthnContextClassRef among the configured
//     levels. When a sign-in needs a level (LoginOptions.ACR), the
//     AuthnRequest's RequestedAuthnContext names only the configured
//     levels that meet it (Assures, providers.AssuranceProvider), and the
//     broker refuses an answer below it; an IdP's NoAuthnContext status
//     (it cannot reach those levels) is providers.ErrBelowLevel, which
//     the broker explains the same way. SHA-1 signatures and unknown Conditions are refused.
//   - The subject is the persistent NameID triple (NameQualifier,
//     SPNameQualifier, value; NameID.Subject), never an email; the level
//     becomes Identity.ACR through acr_map (the gc-ca URIs map to
//     themselves), which the broker's completion gate counts only together
//     with a verified second factor. Nothing else of the assertion is read:
//     a Sign-In Partner shares nothing but the opaque identifier.
//   - Single Logout both ways by HTTP-Redirect (logout.go, routes.go;
//     the broker's side is broker/upstream_logout.go). The Identity
//     carries the assertion's SessionIndex, which the broker keeps with
//     the NameID triple (the subject) on the session it starts. At
//     /end_session the broker calls StartLogout: a signed LogoutRequest
//     naming that NameID (with its qualifiers) and SessionIndex, whose ID
//     is derived from the broker's relay state, so the IdP's
//     LogoutResponse is checked (signature, InResponseTo) at the SLO
//     route without storage and handed back to the broker
//     (LogoutHost.LogoutDone), which goes on to the relying party. An
//     IdP's signed LogoutRequest ends exactly the sessions of that NameID
//     and SessionIndex (all of the NameID's when it names none) and is
//     answered with a signed LogoutResponse (PartialLogout when they
//     could not be ended). Refusals on these routes get the broker's
//     bilingual page (LogoutHost.ErrorPage) and one log line here.
//   - SP metadata (Metadata, ServeMetadata) with every configured key for
//     signing and for encryption, the ACS and SLO endpoints, built once
//     per provider and its URLs; IdP metadata from a file or a URL,
//     refreshed every metadata_refresh without holding a lock during the
//     fetch (other requests go on with the current copy), the last good
//     copy kept when a refresh fails. With idp_metadata_signing_cert, the
//     metadata must carry an enveloped signature over its root by that
//     certificate (RSA-SHA256 or stronger, no DTD), and only the signed
//     element is read. Key rollover without downtime: two SP keys, the
//     first signs, both decrypt, both are published.
//
// # The library: github.com/crewjam/saml
//
// Both candidates sit on github.com/russellhaering/goxmldsig for XML
// signatures, whose verifier returns the element the signature covers;
// the difference is what each does with it. crewjam/saml (v0.6.3) makes
// every SP check itself, with errors that say which: Destination,
// InResponseTo (of the Response and of the assertion's
// SubjectConfirmationData), Recipient, Audience, Issuer, time bounds on an
// injectable clock, AuthnContextClassRef against the request, a replay
// cache interface, decryption with several keys (rollover), SHA-1
// refusal, a single assertion in an unsigned Response (the fix of
// CVE-2022-41912, the assertion-duplication attack), and it ships the
// IdentityProvider these tests sign in at. Its past advisories
// (CVE-2020-27846 through goxmldsig, CVE-2022-41912, CVE-2023-28119 the
// deflate bomb) are fixed in this version; its open security-labelled
// pull requests at the time of choosing concerned the HTTP-Redirect
// LogoutResponse signature (a fix for ADFS interop) and a KeyInfo
// injection claim its author withdrew. gosaml2 (v0.12.0) leaves audience
// and time as warnings for the caller to act on, does not check
// InResponseTo or keep a replay cache, and has no IdP to test against.
//
// Where crewjam/saml is looser than this profile, this package adds the
// check: the library's clock skew is a package-wide 180 s, so the
// configured, smaller clock_skew is checked again here; it accepts
// plaintext assertions, so guard refuses them when encryption is
// required; it accepts any NameID format, so a non-persistent one is
// refused here.
//
// # How the broker runs it
//
// The registry opens it for `type: saml` (section providers[].saml). It is
// a providers.CallbackProvider and a providers.RouteProvider: the broker
// hands it its URLs through Handler at start-up, and
//
//	GET  /login/{id}/choose → LoginURL   signed AuthnRequest, HTTP-Redirect
//	POST /callback/{id}                  the ACS: CallbackState (RelayState),
//	                                     then HandleCallback
//	GET  /providers/{id}/metadata        the SP metadata
//	GET  /providers/{id}/slo             the IdP's LogoutRequest, or its LogoutResponse
//	                                     to the broker's (HTTP-Redirect)
//
// The entity ID defaults to the metadata URL. The broker takes up to 64
// KiB at POST /callback (a response signed twice with 2048-bit keys is
// about 13.6 KiB); guard bounds the decoded document again.
//
// # The replay cache is the store's one-time counter
//
// Consumed assertion IDs (and IdP LogoutRequest IDs) are marked with the
// store's Hit (store.OTPs, providers.Hits), the role the broker already
// uses to accept a private_key_jwt assertion's jti once: one atomic
// upsert on PostgreSQL, one bbolt transaction, both covered by the
// store conformance tests (racing hits see 1 exactly once; a window
// ends; Sweep removes ended windows). A new store role would have
// duplicated it. The broker gives the store at start-up and each reload
// (SetReplayStore); until then every response is refused. Only responses
// that passed every signature check are marked, so only the IdP can add
// marks, each for minutes.
//
// # Cost
//
//	go test -run '^$' -bench . -benchtime 200x ./providers/saml   (also in make bench)
//
// reports cpu-ns/op, the process's CPU time (getrusage: every thread,
// the garbage collector's included) per operation, beside the wall-clock
// ns/op that a loaded machine inflates. On this project's 2-core machine:
// BenchmarkHandleResponse, the answer at the ACS (RSA-OAEP unwrap,
// AES-128-CBC, two RSA-SHA256 signature checks, parsing, every
// condition), about 3.7 ms of CPU; BenchmarkLoginURL, the signed
// AuthnRequest, about 1.6 ms. A SAML sign-in thus costs Passerelle about
// 5.3 ms of CPU more than its own steps (the replay mark is one store
// write, measured by the store benchmarks). FuzzResponse runs the ACS on
// arbitrary bytes.
//
// # The demo
//
// `passerelle demo` runs a SAML GCKey (internal/demoidp.SAMLServer, on
// crewjam/saml's IdP side) on loopback and configures this provider for
// it, signed metadata included; cmd/passerelle's TestDemoSAMLSignIn signs
// in and out through it as a person would.
//
// # Against an IdP nobody here wrote
//
// broker's TestSAMLSignInThroughSimpleSAMLphp runs Debian's SimpleSAMLphp
// under `php -S` on loopback, configured as GCKey is (signed
// AuthnRequests and LogoutRequests required, assertions signed and
// encrypted with AES-128-CBC, a persistent NameID, level 2, signed
// HTTP-Redirect logout messages): a person signs in through it to a
// relying party, with a second factor, gets tokens as for an OpenID
// Connect upstream, and logs out through its Single Logout and back.
// .ci/run installs the package; the test skips, saying so, only where it
// is not installed. (crewjam/saml's own IdentityProvider, also written
// elsewhere, is the IdP of this package's and the broker's other tests.)
package saml
