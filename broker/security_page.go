package broker

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/mfa/recovery"
	"github.com/passerelle/passerelle/store"
)

// The account security page: the account's factors, their names, adding
// one (through an internal sign-in that passes the current factor
// first), replacing one (a new email address), removing one (never the
// last), and new recovery codes. It opens in the account window
// (openAccount); every change is an audit event.
//
//	GET  /account/security                   the page (or the internal sign-in)
//	POST /account/security/factor/{id}/rename
//	POST /account/security/factor/{id}/remove  never the last factor; confirm=yes, else the confirmation page
//	POST /account/security/factor/{id}/change  a replaceable factor's new set-up (an email factor's new address)
//	POST /account/security/add/{kind}        internal sign-in that ends in set-up
//	POST /account/security/recovery          new codes; the old ones stop working (account_codes.go)
//
// securityPage serves it. What it needs of the journey (the account
// window, the error pages, the audit log) comes from the core.
type securityPage struct {
	core     *Broker
	st       store.Store
	ui       *ui.UI
	factors  *mfa.Registry
	recovery *recovery.Factor
	log      *slog.Logger
}

func (b *Broker) securityPage() securityPage {
	return securityPage{core: b, st: b.st, ui: b.ui, factors: b.factors, recovery: b.mfaPages().recovery, log: b.log}
}

func (pg securityPage) Mount(mux routes) {
	mux.HandleFunc("GET /account/security", pg.page)
	mux.HandleFunc("POST /account/security/factor/{id}/rename", pg.rename)
	mux.HandleFunc("POST /account/security/factor/{id}/remove", pg.remove)
	mux.HandleFunc("POST /account/security/factor/{id}/change", pg.change)
	mux.HandleFunc("POST /account/security/add/{kind}", pg.add)
	mux.HandleFunc("POST /account/security/recovery", pg.regenerate)
	mux.HandleFunc("GET /account/security/codes", pg.codesPage)
	mux.HandleFunc("GET /account/security/codes.txt", pg.codesFile)
	mux.HandleFunc("POST /account/security/codes/saved", pg.codesSaved)
}

func (pg securityPage) page(w http.ResponseWriter, r *http.Request) {
	v, ok := pg.core.openAccount(w, r, accountIntent{})
	if !ok {
		return
	}
	pg.render(w, r, v, doneNotice(r, pg.ui, v.lang, "security.notice."), nil)
}

// usable counts the account's factors other than recovery codes.
func usable(factors []store.Factor) int {
	n := 0
	for _, x := range factors {
		if x.Kind != recoveryKind {
			n++
		}
	}
	return n
}

func (pg securityPage) render(w http.ResponseWriter, r *http.Request, v *accountView, notice string, errs []ui.FieldError) {
	common, status := formState(v.common(), errs)
	data := &ui.SecurityData{Common: common, URN: v.acct.URN, Notice: notice,
		RegenerateAction: "/account/security/recovery", SignOutEverywhereAction: "/account/signout-everywhere"}
	n := usable(v.factors)
	for _, x := range v.factors {
		if x.Kind == recoveryKind {
			data.RecoveryRemaining = recovery.Remaining(x.Codes)
			continue
		}
		row := ui.FactorRow{ID: x.ID, Kind: x.Kind, Name: x.Name, Added: x.CreatedAt.Format("2006-01-02"),
			RenameAction: "/account/security/factor/" + x.ID + "/rename"}
		if !x.LastUsedAt.IsZero() {
			row.LastUsed = x.LastUsedAt.Format("2006-01-02")
		}
		if d, ok := pg.describer(x.Kind); ok {
			row.Detail = d.Detail(x)
			if d.Replaceable() {
				row.ChangeAction = "/account/security/factor/" + x.ID + "/change"
			}
		}
		if n > 1 {
			row.RemoveAction = "/account/security/factor/" + x.ID + "/remove"
		}
		data.Factors = append(data.Factors, row)
	}
	for _, k := range pg.factors.Enrollable() {
		data.AddOptions = append(data.AddOptions, ui.Choice{ID: k, Name: pg.ui.T(v.lang, "security.add."+k),
			Description: pg.ui.T(v.lang, "mfa.about."+k), Action: "/account/security/add/" + k})
	}
	pg.ui.Render(w, r, status, v.lang, ui.PageSecurity, data)
}

// describer is the kind's mfa.Describer, when the kind is on and has one.
func (pg securityPage) describer(kind string) (mfa.Describer, bool) {
	f, _ := pg.factors.Get(kind)
	d, ok := f.(mfa.Describer)
	return d, ok
}

// ownFactor finds one of the account's factors (never another's).
func (v *accountView) ownFactor(id string) (store.Factor, bool) {
	for _, x := range v.factors {
		if x.ID == id && x.Kind != recoveryKind {
			return x, true
		}
	}
	return store.Factor{}, false
}

// factor opens the account for a POST on one of its factors.
func (pg securityPage) factor(w http.ResponseWriter, r *http.Request) (*accountView, store.Factor, bool) {
	v, ok := pg.core.openAccount(w, r, accountIntent{})
	if !ok || !pg.core.checkAccountForm(w, r, v) {
		return nil, store.Factor{}, false
	}
	x, ok := v.ownFactor(r.PathValue("id"))
	if !ok {
		pg.core.pages.errorPage(w, r, http.StatusNotFound, nil, errNotFound)
		return nil, store.Factor{}, false
	}
	return v, x, true
}

func (pg securityPage) rename(w http.ResponseWriter, r *http.Request) {
	v, x, ok := pg.factor(w, r)
	if !ok {
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxFactorName {
		pg.render(w, r, v, "", []ui.FieldError{{Field: "name-" + x.ID, Message: pg.ui.T(v.lang, "mfa.error.name")}})
		return
	}
	err := pg.st.UpdateFactor(r.Context(), x.ID, func(f store.Factor) (store.Factor, error) {
		f.Name = name
		return f, nil
	})
	pg.changed(w, r, v, err, "factor.rename", x.ID, "renamed")
}

func (pg securityPage) remove(w http.ResponseWriter, r *http.Request) {
	v, x, ok := pg.factor(w, r)
	if !ok {
		return
	}
	if usable(v.factors) < 2 {
		pg.render(w, r, v, "", []ui.FieldError{{Message: pg.ui.T(v.lang, "mfa.error.last")}})
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		pg.core.pages.confirm(w, r, v, "security.remove.", pg.core.mfaPages().factorLabel(v.lang, x), "/account/security/factor/"+x.ID+"/remove", "/account/security")
		return
	}
	err := pg.st.DeleteFactor(r.Context(), x.ID)
	pg.changed(w, r, v, err, "factor.remove", x.ID, "removed")
}

// change starts the set-up of a replacement for a replaceable factor (an
// email factor's new address); the old factor goes only once the new one
// is proven (a code sent to the new address has come back).
func (pg securityPage) change(w http.ResponseWriter, r *http.Request) {
	_, x, ok := pg.factor(w, r)
	if !ok {
		return
	}
	d, ok := pg.describer(x.Kind)
	if !ok || !d.Replaceable() {
		pg.core.pages.errorPage(w, r, http.StatusBadRequest, nil, errInvalidRequest)
		return
	}
	pg.core.openAccount(w, r, accountIntent{addKind: x.Kind, replace: x.ID})
}

// add starts an internal sign-in that ends in setting up kind: the
// current factor first, then the new one.
func (pg securityPage) add(w http.ResponseWriter, r *http.Request) {
	v, ok := pg.core.openAccount(w, r, accountIntent{})
	if !ok || !pg.core.checkAccountForm(w, r, v) {
		return
	}
	kind := r.PathValue("kind")
	if _, ok := pg.factors.Enroller(kind); !ok {
		pg.core.pages.errorPage(w, r, http.StatusBadRequest, nil, errInvalidRequest)
		return
	}
	pg.core.openAccount(w, r, accountIntent{addKind: kind})
}

// changed audits a change of the security page and shows it with its
// notice.
func (pg securityPage) changed(w http.ResponseWriter, r *http.Request, v *accountView, err error, kind, factor, notice string) {
	if errors.Is(err, store.ErrNotFound) {
		pg.core.pages.errorPage(w, r, http.StatusNotFound, nil, errNotFound)
		return
	}
	if err == nil {
		pg.core.audits.record(r.Context(), kind, v.acct.ID, "", "success", map[string]string{"factor": factor})
	}
	pg.core.accountChangedTo(w, r, v, err, "", "/account/security?done="+notice)
}
