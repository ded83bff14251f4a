package saml

import (
	"encoding/base64"
	"testing"
)

// FuzzResponse feeds arbitrary bytes to the ACS as a SAMLResponse: guard
// and the library's parser must refuse without panicking, and nothing
// but a genuine response is ever accepted. Seeds: a genuine response
// (already consumed, so it too must be refused) and hostile documents.
// Run with: go test -fuzz FuzzResponse ./providers/saml
func FuzzResponse(f *testing.F) {
	ti := newTestIdP(f, env{})
	flow := testFlow("1")
	form := ti.signIn(flow)
	genuine, _ := base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
	if _, _, err := ti.post(flow, form); err != nil {
		f.Fatal(err)
	}
	f.Add(genuine)
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&x;</samlp:Response>`))
	f.Add([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" Destination="` + ti.urls().Callback + `"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:Response>`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if _, _, err := ti.post(flow, rawForm(raw, flow.State)); err == nil {
			t.Fatalf("accepted: %q", raw)
		}
	})
}
