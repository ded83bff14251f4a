// Command passerelle runs the Passerelle OpenID Connect identity broker.
//
//	passerelle serve   [-config FILE]     run the broker
//	passerelle demo    [-addr :8080]      run a self-contained demo (never from a config file)
//	passerelle config validate FILE      list every problem of a configuration
//	passerelle clients add|list|remove   manage relying parties in the store
//	passerelle keys list|rotate          manage signing keys
//	passerelle accounts show|unlock|reset-mfa -urn URN   administrators' path for a person's account
//
// main is load → validate → build → serve; everything else lives in the
// packages.
package main
