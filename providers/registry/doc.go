// Package registry maps the provider types of the configuration to the
// packages that open them. It is a plain map in one file (no init()
// self-registration): adding a provider type means adding a line here.
// The demo upstreams are not a type: nothing in a configuration file can
// start them.
package registry
