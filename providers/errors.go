package providers

import (
	"errors"
	"fmt"
)

// Errors a provider wraps so the broker can pick the page to show without
// parsing messages. The wrapped detail goes to the operator's log only.
var (
	// ErrUpstream: the upstream could not be reached or answered something
	// invalid (wrong issuer, bad signature, malformed response).
	ErrUpstream = errors.New("upstream failure")
	// ErrDenied: the upstream answered with an error (the person cancelled,
	// access_denied, ...).
	ErrDenied = errors.New("upstream denied the sign-in")
	// ErrBelowLevel: the upstream answered that it could not reach the
	// assurance level asked (SAML's NoAuthnContext status): a denial
	// (errors.Is ErrDenied too) the broker explains as the level not
	// reached, as it does an answer below the level.
	ErrBelowLevel = fmt.Errorf("%w: the level asked was not reached", ErrDenied)
	// ErrState: the callback does not belong to this flow (state mismatch,
	// replayed or forged callback).
	ErrState = errors.New("callback does not match the sign-in in progress")
	// ErrInvalidCredentials: a PasswordProvider refused a username and
	// password (whatever was wrong).
	ErrInvalidCredentials = errors.New("invalid username or password")
)
