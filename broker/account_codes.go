package broker

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/store"
)

// New recovery codes from the security page get what the sign-in's get
// (mfa_codes.go): the same page, shown again on reload until the person
// says they saved them, printed or downloaded as the same text file.
// The account window has no auth request to hold them, so they travel
// sealed with the browser, in a cookie bound to the SSO session (AEAD,
// associated data: the session's ID) and to the set they belong to (the
// stored hash of its first code: a newer set makes them stale):
//
//	POST /account/security/recovery     new codes; 303 to the codes page
//	GET  /account/security/codes        the codes page (the security page once saved)
//	GET  /account/security/codes.txt    the same codes as a file
//	POST /account/security/codes/saved  "I have saved them" (saved=yes)

const (
	// sealAccountCodes is the store.Sealer kind of the codes cookie.
	sealAccountCodes = "account-unsaved-recovery-codes"
	// accountCodesCookie names it (with sessions.cookieName's prefix).
	accountCodesCookie = "codes"
)

// accountCodes is the codes cookie's sealed content.
type accountCodes struct {
	Codes []string `json:"codes"`
	Set   []byte   `json:"set"` // setMark of the set they are
}

// setMark tells one set of recovery codes from another: the stored hash
// of its first code (nil when there is no set).
func setMark(f *store.Factor) []byte {
	if f == nil || len(f.Codes) == 0 {
		return nil
	}
	return f.Codes[0].Hash
}

// recoveryFactor is the account's recovery factor, if it has one.
func (v *accountView) recoveryFactor() *store.Factor {
	for i := range v.factors {
		if v.factors[i].Kind == recoveryKind {
			return &v.factors[i]
		}
	}
	return nil
}

func (pg securityPage) regenerate(w http.ResponseWriter, r *http.Request) {
	v, ok := pg.core.openAccount(w, r, accountIntent{})
	if !ok || !pg.core.checkAccountForm(w, r, v) {
		return
	}
	ctx := r.Context()
	codes, err := pg.recovery.Renew(ctx, v.acct.ID, v.recoveryFactor())
	var sealed []byte
	if err == nil {
		// The set as stored binds the cookie to it.
		if v.factors, err = pg.st.ListFactors(ctx, v.acct.ID); err == nil && setMark(v.recoveryFactor()) != nil {
			sealed, err = pg.core.sealer.Seal(sealAccountCodes, v.s.ID,
				mustJSON(accountCodes{Codes: codes, Set: setMark(v.recoveryFactor())}))
		}
	}
	if err != nil || sealed == nil {
		pg.changed(w, r, v, err, "recovery.generate", "", "")
		return
	}
	pg.core.audits.record(ctx, "recovery.generate", v.acct.ID, "", "success", nil)
	// A browser-session cookie: the window may be extended past its first
	// minutes, and the page must not vanish while it is open.
	pg.core.sessions.setCookie(w, accountCodesCookie, base64.RawURLEncoding.EncodeToString(sealed), 0)
	http.Redirect(w, r, "/account/security/codes", http.StatusSeeOther)
}

// unsavedCodes opens the browser's codes cookie; false (after sending the
// person to the security page) when there are none for this session's
// current set.
func (pg securityPage) unsavedCodes(w http.ResponseWriter, r *http.Request, v *accountView) ([]string, bool) {
	var c accountCodes
	sealed, err := base64.RawURLEncoding.DecodeString(pg.core.sessions.cookie(r, accountCodesCookie))
	if err == nil && len(sealed) > 0 {
		var plain []byte
		if plain, err = pg.core.sealer.Open(sealAccountCodes, v.s.ID, sealed); err == nil {
			err = json.Unmarshal(plain, &c)
		}
	}
	if set := setMark(v.recoveryFactor()); err != nil || len(c.Codes) == 0 || set == nil || !bytes.Equal(set, c.Set) {
		pg.core.sessions.setCookie(w, accountCodesCookie, "", -1)
		http.Redirect(w, r, "/account/security", http.StatusSeeOther)
		return nil, false
	}
	return c.Codes, true
}

func (pg securityPage) codesPage(w http.ResponseWriter, r *http.Request) {
	v, ok := pg.core.openAccount(w, r, accountIntent{})
	if !ok {
		return
	}
	codes, ok := pg.unsavedCodes(w, r, v)
	if !ok {
		return
	}
	common, status := formState(v.common(), untickedError(r, pg.ui, v.lang))
	pg.ui.Render(w, r, status, v.lang, ui.PageRecoveryCodes, &ui.RecoveryCodesData{Common: common, Codes: codes,
		Action: "/account/security/codes/saved", DownloadURL: "/account/security/codes.txt"})
}

func (pg securityPage) codesFile(w http.ResponseWriter, r *http.Request) {
	v, ok := pg.core.openAccount(w, r, accountIntent{})
	if !ok {
		return
	}
	if codes, ok := pg.unsavedCodes(w, r, v); ok {
		writeCodesFile(w, pg.ui, v.lang, codes)
	}
}

// codesSaved forgets the codes once the person says they kept them
// (saved=yes; without it the codes page again, with its error).
func (pg securityPage) codesSaved(w http.ResponseWriter, r *http.Request) {
	v, ok := pg.core.openAccount(w, r, accountIntent{})
	if !ok || !pg.core.checkAccountForm(w, r, v) {
		return
	}
	if r.PostFormValue("saved") == "" {
		if _, ok := pg.unsavedCodes(w, r, v); ok {
			http.Redirect(w, r, "/account/security/codes?unticked=1", http.StatusSeeOther)
		}
		return
	}
	pg.core.sessions.setCookie(w, accountCodesCookie, "", -1)
	http.Redirect(w, r, "/account/security?done=recovery", http.StatusSeeOther)
}
