// Package validate collects configuration problems so that a broken
// configuration is reported whole, each problem with its path, the rule it
// breaks and the value found: "server.issuer: must be an absolute https
// URL, got "login.example"". Every package's Config.Validate adds to one
// Problems value; cmd/passerelle prints them all at once.
package validate
