package broker_test

import (
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/internal/testbrowser"
	"github.com/passerelle/passerelle/store"
)

// sameCodes fails unless q answered status with exactly codes.
func sameCodes(t *testing.T, what string, q page, status int, codes []string) {
	t.Helper()
	if q.Resp.StatusCode != status || !slices.Equal(testbrowser.RecoveryCodes(q), codes) {
		t.Fatalf("%s: %d, codes %v, want %d and %v", what, q.Resp.StatusCode, testbrowser.RecoveryCodes(q), status, codes)
	}
}

// codesFileHolds fails unless file is an attachment holding codes.
func codesFileHolds(t *testing.T, file page, codes []string) {
	t.Helper()
	if cd := file.Resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || file.Resp.StatusCode != http.StatusOK {
		t.Errorf("download: %d, Content-Disposition %q", file.Resp.StatusCode, cd)
	}
	for _, c := range codes {
		if !strings.Contains(file.Body, c) {
			t.Errorf("the file lacks code %s: %q", c, file.Body)
		}
	}
}

// recoveryCodesOf is the account's stored recovery codes (hashes).
func recoveryCodesOf(t *testing.T, e *env, account string) []store.RecoveryCode {
	t.Helper()
	factors, err := e.store.ListFactors(t.Context(), account)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range factors {
		if x.Kind == store.FactorRecovery {
			return x.Codes
		}
	}
	return nil
}

// TestAccountRecoveryCodesKeptUntilSaved: new codes from the security
// page get what the sign-in's get: the page again on reload, print and
// download (the same codes as a file), the error summary when Continue
// is pressed without the box, and the security page once saved, after
// which the codes are shown nowhere. A second set makes the first one's
// page stale.
func TestAccountRecoveryCodesKeptUntilSaved(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	e.signIn(e.rp("rp1"), b, "gckey", "alex")
	p := e.openSecurity(b, "gckey/alex")
	to, v, _ := p.Action("/account/security/recovery")
	p = b.Post(to, v)
	codes := testbrowser.RecoveryCodes(p)
	codesURL := e.issuer + "/account/security/codes"
	if len(codes) != 10 || p.Resp.Request.URL.String() != codesURL {
		t.Fatalf("new codes: %d at %s", len(codes), p.Resp.Request.URL)
	}
	if sc := p.Resp.Request.Response.Header.Get("Set-Cookie"); !strings.Contains(sc, "-codes=") || strings.Contains(sc, "Max-Age") || strings.Contains(sc, "Expires") {
		t.Errorf("the codes cookie is not the browser session's, so an extended window could lose the page: %s", sc)
	}
	if !strings.Contains(p.Body, "data-print") || !strings.Contains(p.Body, `href="/account/security/codes.txt" download`) {
		t.Errorf("no print button or download link: %.3000s", p.Body)
	}
	sameCodes(t, "reload", b.Get(codesURL), http.StatusOK, codes)
	codesFileHolds(t, b.Get(codesURL+".txt"), codes)
	to, v, _ = p.Action("/account/security/codes/saved")
	v.Del("saved")
	q := b.Post(to, v)
	sameCodes(t, "sent without the box ticked", q, http.StatusBadRequest, codes)
	if !strings.Contains(q.Body, `class="error-summary"`) || !strings.Contains(q.Body, `href="#saved"`) ||
		!strings.Contains(q.Body, "<title>Error:") {
		t.Errorf("no error summary pointing at the box: %.3000s", q.Body)
	}
	v.Set("saved", "yes")
	q = b.Post(to, v)
	if q.Resp.Request.URL.Path != "/account/security" || !strings.Contains(q.Body, "Your new recovery codes are ready") {
		t.Fatalf("after saving: %s %.1500s", q.Resp.Request.URL, q.Body)
	}
	for _, u := range []string{codesURL, codesURL + ".txt"} {
		if q := b.Get(u); strings.Contains(q.Body, codes[0]) || q.Resp.Request.URL.Path != "/account/security" {
			t.Errorf("%s after saving: %s, codes still there: %v", u, q.Resp.Request.URL, strings.Contains(q.Body, codes[0]))
		}
	}

	// Two sets without saving the first: only the newest is shown.
	to, v, _ = q.Action("/account/security/recovery")
	first := b.Post(to, v)
	cookies := b.HTTP.Jar.Cookies(first.Resp.Request.URL)
	second := b.Post(to, v)
	if slices.Equal(testbrowser.RecoveryCodes(first), testbrowser.RecoveryCodes(second)) {
		t.Fatal("the second set is the first")
	}
	b.HTTP.Jar.SetCookies(first.Resp.Request.URL, cookies) // the first set's cookie back
	if q := b.Get(codesURL); len(testbrowser.RecoveryCodes(q)) != 0 || q.Resp.Request.URL.Path != "/account/security" {
		t.Errorf("a replaced set is shown again: %s %v", q.Resp.Request.URL, testbrowser.RecoveryCodes(q))
	}
}

// TestAttackAccountCodesWithoutTheWindow: the account's codes routes,
// from the side of the holder of alex's password only (signed in at a
// service, no session of alex's) and of a browser holding a copy of
// alex's codes cookie: no codes are shown or renewed; each route starts
// the account's sign-in (its second factor) instead.
func TestAttackAccountCodesWithoutTheWindow(t *testing.T) {
	e := newEnv(t)
	alex := e.browser()
	e.signIn(e.rp("rp1"), alex, "gckey", "alex")
	p := e.openSecurity(alex, "gckey/alex")
	to, v, _ := p.Action("/account/security/recovery")
	codes := testbrowser.RecoveryCodes(alex.Post(to, v))
	before := recoveryCodesOf(t, e, accountOf(t, e, "gckey", "alex"))
	codesURL, _ := url.Parse(e.issuer + "/account/security/codes")
	var stolen []*http.Cookie // the codes cookie alone
	for _, c := range alex.HTTP.Jar.Cookies(codesURL) {
		if strings.HasSuffix(c.Name, "-codes") {
			stolen = append(stolen, c)
		}
	}
	if len(stolen) != 1 {
		t.Fatalf("alex's codes cookie: %v", stolen)
	}

	attacker, _, _ := e.attackerAtChallenge(e.rp("rp1"), "gckey", "alex")
	attacker.HTTP.Jar.SetCookies(codesURL, stolen)
	for _, q := range []page{
		attacker.Get(codesURL.String()),
		attacker.Get(codesURL.String() + ".txt"),
		attacker.Post(codesURL.String()+"/saved", url.Values{"csrf": {v.Get("csrf")}, "saved": {"yes"}}),
		attacker.Post(e.issuer+"/account/security/recovery", v),
	} {
		if strings.Contains(q.Body, codes[0]) || len(testbrowser.RecoveryCodes(q)) > 0 {
			t.Errorf("%s showed codes without the factor", q.Resp.Request.URL)
		}
		if !strings.HasPrefix(q.Resp.Request.URL.Path, "/login/") {
			t.Errorf("%s: landed on %s, not a sign-in", q.Resp.Request.URL, q.Resp.Request.URL.Path)
		}
	}
	if after := recoveryCodesOf(t, e, accountOf(t, e, "gckey", "alex")); !reflect.DeepEqual(before, after) {
		t.Error("the attacker renewed alex's recovery codes")
	}
}
