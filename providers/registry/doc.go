// Package registry maps the provider types of the configuration to the
// packages that open them. It is a plain map in one file (no init()
// self-registration): adding a provider type means adding a line to
// types, whose key names both the type and the entry's section
// (providers[].oidc). Validate decodes that section strictly (an unknown
// key is a problem with its path) and reports every problem at once.
// The demo upstreams are not a type: nothing in a configuration file can
// start them.
package registry
