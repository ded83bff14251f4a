package broker

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/orgs"
	"github.com/passerelle/passerelle/store"
)

// The organization pages of the account: like the other account pages
// they open after a fresh second factor (openAccount), and every form
// carries the account's CSRF token. Every change goes through the rules
// of package orgs as the person (orgs.Actor), so the role table decides
// what each person may do; the pages only offer what it allows.
//
//	GET  /account/organizations                             the list, offers of ownership, the code form
//	POST /account/organizations/join                        code: an invitation code (counts failures)
//	GET  /account/organizations/{client}/{org}              one organization
//	POST /account/organizations/{client}/{org}/invite       role → the code, shown once
//	POST /account/organizations/{client}/{org}/revoke/{inv}
//	POST /account/organizations/{client}/{org}/role/{i}     role: member i's new role
//	POST /account/organizations/{client}/{org}/remove/{i}
//	POST /account/organizations/{client}/{org}/transfer     family_name, urn, email
//	POST /account/organizations/{client}/{org}/accept       the offer addressed to the person
//	POST /account/organizations/{client}/{org}/decline
//	POST /account/organizations/{client}/{org}/leave
//
// Members are named in the URL by their place in the list (i), never by
// account ID; the place is checked against the record inside the change.
type orgPages struct {
	core *Broker
	svc  *orgs.Service
	reg  *mfa.Regulator
	ui   *ui.UI
}

const orgsPath = "/account/organizations"

func (pg orgPages) Mount(mux routes) {
	mux.HandleFunc("GET "+orgsPath, pg.list)
	mux.HandleFunc("POST "+orgsPath+"/join", pg.join)
	mux.HandleFunc("GET "+orgsPath+"/{client}/{org}", pg.show)
	mux.HandleFunc("POST "+orgsPath+"/{client}/{org}/{action}", pg.change)
	mux.HandleFunc("POST "+orgsPath+"/{client}/{org}/{action}/{arg}", pg.change)
}

// serviceName is a client's name in lang.
func (pg orgPages) serviceName(r *http.Request, clientID, lang string) string {
	c, err := pg.core.catalog().clients.get(r.Context(), clientID)
	if err != nil {
		return clientID
	}
	return c.displayName(lang)
}

func (pg orgPages) list(w http.ResponseWriter, r *http.Request) {
	v, ok := pg.core.openAccount(w, r, accountIntent{})
	if ok {
		pg.renderList(w, r, v, doneNotice(r, pg.ui, v.lang, "orgs.notice."), nil)
	}
}

func (pg orgPages) renderList(w http.ResponseWriter, r *http.Request, v *accountView, notice string, errs []ui.FieldError) {
	common, status := formState(v.common(), errs)
	d := &ui.OrgsData{Common: common, JoinAction: orgsPath + "/join", BackURL: "/account", Notice: notice}
	clients, err := pg.core.orgClients(r.Context())
	if err != nil {
		pg.fail(w, r, "list clients", err)
		return
	}
	for _, c := range clients {
		clientID, cfg := c.ID, c.Organizations
		list, err := pg.core.st.ListOrganizationsOf(r.Context(), clientID, v.acct.ID)
		if err != nil {
			pg.fail(w, r, "list organizations", err)
			return
		}
		service := pg.serviceName(r, clientID, v.lang)
		for _, o := range list {
			base := orgsPath + "/" + url.PathEscape(clientID) + "/" + url.PathEscape(o.ID)
			if role := o.Role(v.acct.ID, cfg.Owner); role != "" {
				d.Orgs = append(d.Orgs, ui.OrgRow{Name: name(o.Names, v.lang, o.ID), Service: service,
					Role: cfg.RoleName(role, v.lang), URL: base})
			}
			if t := o.Transfer; t != nil && t.To == v.acct.ID && pg.core.now().Before(t.ExpiresAt) {
				d.Offers = append(d.Offers, ui.OfferRow{ID: o.ID, Name: name(o.Names, v.lang, o.ID), Service: service,
					AcceptAction: base + "/accept", DeclineAction: base + "/decline"})
			}
		}
	}
	pg.ui.Render(w, r, status, v.lang, ui.PageOrgs, d)
}

// join redeems an invitation code at whichever client with organizations holds
// it; a code no client knows is one failure for the account.
func (pg orgPages) join(w http.ResponseWriter, r *http.Request) {
	v, ok := pg.core.openAccount(w, r, accountIntent{})
	if !ok || !pg.core.checkAccountForm(w, r, v) {
		return
	}
	ctx := r.Context()
	att, err := pg.reg.Reserve(ctx, v.acct.ID)
	if err != nil {
		pg.renderList(w, r, v, "", []ui.FieldError{{Field: "code", Message: pg.ui.T(v.lang, "mfa.error.locked")}})
		return
	}
	clients, err := pg.core.orgClients(ctx)
	if err != nil {
		pg.fail(w, r, "list clients", err)
		return
	}
	err = orgs.ErrCodeUnknown
	for _, c := range clients {
		if _, err = pg.svc.Redeem(ctx, c.ID, v.acct.ID, r.PostFormValue("code")); !errors.Is(err, orgs.ErrCodeUnknown) {
			break
		}
	}
	if err != nil {
		if locked, _ := att.Failed(ctx); locked {
			pg.core.pages.errorPage(w, r, http.StatusForbidden, nil, errLocked)
			return
		}
		pg.renderList(w, r, v, "", []ui.FieldError{{Field: "code", Message: pg.ui.T(v.lang, refusalKey(err))}})
		return
	}
	// A right invitation code proves nothing about the person: it gives
	// its own attempt back and clears no earlier failure.
	if err := att.Release(ctx); err != nil {
		pg.fail(w, r, "settle attempt", err)
		return
	}
	http.Redirect(w, r, orgsPath+"?done=joined", http.StatusSeeOther)
}

// refusalKey is the message of a refusal of the rules.
func refusalKey(err error) string {
	for _, x := range []struct {
		err error
		key string
	}{
		{orgs.ErrCodeUnknown, "org.error.unknown"}, {orgs.ErrCodeExpired, "org.error.expired"},
		{orgs.ErrCodeUsed, "org.error.used"}, {orgs.ErrCodeRevoked, "org.error.revoked"},
		{orgs.ErrAlreadyMember, "org.error.member"}, {orgs.ErrInactive, "org.error.inactive"},
		{orgs.ErrTooMany, "org.error.full"}, {orgs.ErrOwnerStays, "org.error.owner"},
		{orgs.ErrNoTransfer, "org.error.notallowed"},
	} {
		if errors.Is(err, x.err) {
			return x.key
		}
	}
	return "org.error.notallowed"
}

func (pg orgPages) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	pg.core.log.ErrorContext(r.Context(), what, "error", err)
	pg.core.pages.errorPage(w, r, http.StatusServiceUnavailable, nil, errGeneric)
}

// load opens the account and the organization of the URL, which the
// person must belong to (or be offered).
func (pg orgPages) load(w http.ResponseWriter, r *http.Request) (*accountView, *orgs.Config, store.Organization, bool) {
	v, ok := pg.core.openAccount(w, r, accountIntent{})
	if !ok {
		return nil, nil, store.Organization{}, false
	}
	clientID := r.PathValue("client")
	cfg, err := pg.svc.Config(r.Context(), clientID)
	known := err == nil
	var o store.Organization
	if known {
		o, err = pg.core.st.GetOrganization(r.Context(), clientID, r.PathValue("org"))
	} else if errors.Is(err, orgs.ErrNoOrganizations) {
		err = nil
	}
	offered := o.Transfer != nil && o.Transfer.To == v.acct.ID
	if !known || errors.Is(err, store.ErrNotFound) || (o.Role(v.acct.ID, cfg.Owner) == "" && !offered) {
		pg.core.pages.errorPage(w, r, http.StatusNotFound, nil, errNotFound)
		return nil, nil, o, false
	}
	if err != nil {
		pg.fail(w, r, "load organization", err)
		return nil, nil, o, false
	}
	return v, cfg, o, true
}

func (pg orgPages) show(w http.ResponseWriter, r *http.Request) {
	if v, cfg, o, ok := pg.load(w, r); ok {
		pg.render(w, r, v, cfg, o, doneNotice(r, pg.ui, v.lang, "org.notice."), "", nil)
	}
}

// render draws one organization with what the person may do there.
func (pg orgPages) render(w http.ResponseWriter, r *http.Request, v *accountView, cfg *orgs.Config, o store.Organization,
	notice, code string, errs []ui.FieldError) {
	role := o.Role(v.acct.ID, cfg.Owner)
	base := orgsPath + "/" + url.PathEscape(o.ClientID) + "/" + url.PathEscape(o.ID)
	titled := v.common()
	titled.Title = name(o.Names, v.lang, o.ID)
	common, status := formState(titled, errs)
	d := &ui.OrgData{Common: common, Name: name(o.Names, v.lang, o.ID), Service: pg.serviceName(r, o.ClientID, v.lang),
		Role: cfg.RoleName(role, v.lang), Number: o.ExternalNumber, Notice: notice, Code: code, BackURL: orgsPath}
	now := pg.core.now()
	if cfg.MaySeeMembers(role) {
		for i, id := range o.MemberAccounts() {
			d.Members = append(d.Members, pg.memberRow(r, v, cfg, o, role, i, id, base))
		}
		for _, inv := range o.Invitations {
			if inv.Pending(now) {
				row := ui.InvitationRow{ID: inv.ID, Role: cfg.RoleName(inv.Role, v.lang), Expires: inv.ExpiresAt.Format("2006-01-02")}
				if cfg.MayInvite(role, inv.Role) {
					row.RevokeAction = base + "/revoke/" + url.PathEscape(inv.ID)
				}
				d.Invitations = append(d.Invitations, row)
			}
		}
	}
	for _, rr := range cfg.Roles {
		if cfg.MayInvite(role, rr.ID) {
			d.InviteRoles = append(d.InviteRoles, ui.Choice{ID: rr.ID, Name: cfg.RoleName(rr.ID, v.lang)})
		}
	}
	if len(d.InviteRoles) > 0 {
		d.InviteAction = base + "/invite"
	}
	if cfg.Owner != "" && role == cfg.Owner {
		d.TransferAction = base + "/transfer"
	} else if role != "" {
		d.LeaveAction = base + "/leave"
	}
	pg.ui.Render(w, r, status, v.lang, ui.PageOrg, d)
}

// memberRow is member i (account id) as the person sees it.
func (pg orgPages) memberRow(r *http.Request, v *accountView, cfg *orgs.Config, o store.Organization, role string, i int, id, base string) ui.MemberRow {
	row := ui.MemberRow{ID: id, Owner: id == o.Owner}
	if a, err := pg.core.st.GetAccount(r.Context(), id); err == nil {
		row.Name, row.URN = a.GivenName+" "+a.FamilyName, a.URN
		if row.Name == " " {
			row.Name = a.URN
		}
	}
	held := o.Role(id, cfg.Owner)
	row.Role = cfg.RoleName(held, v.lang)
	if id == v.acct.ID || !cfg.MayManage(role, held) {
		return row
	}
	row.RemoveAction = base + "/remove/" + strconv.Itoa(i)
	for _, rr := range cfg.Roles {
		if rr.ID != held && cfg.MayInvite(role, rr.ID) {
			row.Roles = append(row.Roles, ui.Choice{ID: rr.ID, Name: cfg.RoleName(rr.ID, v.lang)})
		}
	}
	if len(row.Roles) > 0 {
		row.RoleAction = base + "/role/" + strconv.Itoa(i)
	}
	return row
}

// memberAt is the account at place arg of o's list ("" when none).
func memberAt(o store.Organization, arg string) string {
	list := o.MemberAccounts()
	for i, id := range list {
		if strconv.Itoa(i) == arg {
			return id
		}
	}
	return ""
}

// change runs one POST of an organization page.
func (pg orgPages) change(w http.ResponseWriter, r *http.Request) {
	v, cfg, o, ok := pg.load(w, r)
	if !ok || !pg.core.checkAccountForm(w, r, v) {
		return
	}
	ctx, who := r.Context(), orgs.Actor{Account: v.acct.ID}
	clientID, arg := o.ClientID, r.PathValue("arg")
	var err error
	next := "" // the notice after the change
	switch r.PathValue("action") {
	case "invite":
		var code string
		code, _, err = pg.svc.Invite(ctx, clientID, o.ID, who, r.PostFormValue("role"))
		if err == nil {
			if o, err = pg.core.st.GetOrganization(ctx, clientID, o.ID); err == nil {
				pg.render(w, r, v, cfg, o, "", code, nil)
				return
			}
		}
	case "revoke":
		err, next = pg.svc.Revoke(ctx, clientID, o.ID, who, arg), "revoked"
	case "role":
		err, next = pg.svc.ChangeRole(ctx, clientID, o.ID, who, memberAt(o, arg), r.PostFormValue("role")), "role"
	case "remove":
		err, next = pg.svc.Remove(ctx, clientID, o.ID, who, memberAt(o, arg)), "removed"
	case "transfer":
		_, err = pg.svc.OfferTransfer(ctx, clientID, o.ID, who, orgs.Person{FamilyName: r.PostFormValue("family_name"),
			URN: r.PostFormValue("urn"), Email: r.PostFormValue("email")})
		next = "offered"
		if errors.Is(err, orgs.ErrNotMember) {
			pg.render(w, r, v, cfg, o, "", "", []ui.FieldError{{Field: "family_name", Message: pg.ui.T(v.lang, "org.error.person")}})
			return
		}
	case "accept", "decline", "leave":
		switch r.PathValue("action") {
		case "accept":
			err, next = pg.svc.AcceptTransfer(ctx, clientID, o.ID, who), "accepted"
		case "decline":
			err, next = pg.svc.DeclineTransfer(ctx, clientID, o.ID, who), "declined"
		default:
			err, next = pg.svc.Leave(ctx, clientID, o.ID, who), "left"
		}
		if err == nil {
			http.Redirect(w, r, orgsPath+"?done="+next, http.StatusSeeOther)
			return
		}
	default:
		pg.core.pages.errorPage(w, r, http.StatusNotFound, nil, errNotFound)
		return
	}
	if err != nil {
		if !orgs.Refusal(err) {
			pg.fail(w, r, "organization change", err)
			return
		}
		pg.render(w, r, v, cfg, o, "", "", []ui.FieldError{{Message: pg.ui.T(v.lang, refusalKey(err))}})
		return
	}
	http.Redirect(w, r, orgsPath+clientPart(r)+"?done="+next, http.StatusSeeOther)
}

// clientPart is "/{client}/{org}" of the request's path, escaped.
func clientPart(r *http.Request) string {
	return "/" + url.PathEscape(r.PathValue("client")) + "/" + url.PathEscape(r.PathValue("org"))
}
