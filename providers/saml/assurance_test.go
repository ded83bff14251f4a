package saml

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/providers"
)

// TestRequestedAuthnContextFollowsTheSignIn: with the levels the sign-in
// accepts (LoginOptions.ACR), the AuthnRequest asks only for the
// configured levels that meet them; without, for every configured level.
// Assures says whether a configured level meets any.
func TestRequestedAuthnContextFollowsTheSignIn(t *testing.T) {
	ti := newTestIdP(t, env{})
	asked := func(opts providers.LoginOptions) string {
		leg := testFlow("1")
		leg.CallbackURL = ti.urls().Callback
		to, _, err := ti.p.LoginURL(t.Context(), leg, opts)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(to)
		deflated, _ := base64.StdEncoding.DecodeString(u.Query().Get("SAMLRequest"))
		xmlReq, _ := io.ReadAll(flate.NewReader(bytes.NewReader(deflated)))
		return string(xmlReq)
	}
	if s := asked(providers.LoginOptions{}); !strings.Contains(s, ">"+LoA2+"<") || !strings.Contains(s, ">"+LoA3+"<") {
		t.Errorf("without a level, the request lacks a configured one:\n%s", s)
	}
	s := asked(providers.LoginOptions{ACR: []string{LoA3, LoA4}})
	if strings.Contains(s, ">"+LoA2+"<") || !strings.Contains(s, ">"+LoA3+"<") || !strings.Contains(s, `Comparison="exact"`) {
		t.Errorf("a sign-in that needs loa3 asks:\n%s", s)
	}
	if !ti.p.Assures([]string{LoA3, LoA4}) || ti.p.Assures([]string{LoA4}) {
		t.Errorf("Assures: loa3-4 %v, loa4 %v; want true, false", ti.p.Assures([]string{LoA3, LoA4}), ti.p.Assures([]string{LoA4}))
	}
}
