package webauthn

import _ "embed"

// Script is webauthn.js, the browser side of both ceremonies, for the
// broker to serve as a static file (Content-Type text/javascript).
//
//go:embed webauthn.js
var Script []byte
