// Package providers defines how Passerelle talks to upstream credential
// services: the Identity an upstream sign-in yields, small capability
// interfaces a provider implements (CallbackProvider for redirect-based
// protocols such as OpenID Connect; PasswordProvider for a built-in
// username/password service), and the registry that maps a provider type
// in the configuration to the package that opens it.
//
// Providers know nothing of relying parties: the broker never passes a
// client ID, client name or RP redirect URI to a provider, which is how the
// upstream is kept from learning which service the person is signing in to.
//
// Sub-packages: providers/oidc (a generic upstream OpenID Connect client).
package providers
