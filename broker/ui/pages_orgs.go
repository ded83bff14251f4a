package ui

// The account pages of a person's organizations.
const (
	PageOrgs = "orgs" // *OrgsData: the person's organizations, offers of ownership, the code form
	PageOrg  = "org"  // *OrgData: one organization: members, invitations, and what the person may change
)

// OrgsData is for PageOrgs. JoinAction takes the field "code".
type OrgsData struct {
	Common
	Orgs       []OrgRow
	Offers     []OfferRow
	JoinAction string
	BackURL    string
	Notice     string // already translated, in a role=status box
}

// OrgRow is one organization of the person: Name and Service (the
// client) already in the page language, Role its translated name.
type OrgRow struct {
	Name, Service, Role, URL string
}

// OfferRow is an offer of ownership waiting for the person: Accept and
// Decline are POST targets.
type OfferRow struct {
	ID, Name, Service, AcceptAction, DeclineAction string
}

// OrgData is for PageOrg. Code is an invitation code just made, shown
// once. The invite form posts "role" (one of InviteRoles) to
// InviteAction; the transfer form posts family_name, urn and email to
// TransferAction (the owner only); LeaveAction is a POST button.
type OrgData struct {
	Common
	Name, Service, Role string
	Number              string
	Notice              string
	Code                string
	Members             []MemberRow // nil: the person may not see them
	Invitations         []InvitationRow
	InviteRoles         []Choice // ID and translated Name; empty: the person may not invite
	InviteAction        string
	TransferAction      string
	LeaveAction         string
	BackURL             string
}

// MemberRow is one member. Roles are the roles the person may give this
// member (empty: no change); RoleAction posts "role", RemoveAction is a
// POST button.
type MemberRow struct {
	ID, Name, URN, Role string
	Owner               bool
	Roles               []Choice
	RoleAction          string
	RemoveAction        string
}

// InvitationRow is one pending invitation; RevokeAction, when set, is a
// POST button.
type InvitationRow struct {
	ID, Role, Expires, RevokeAction string
}

// TransferFields are the transfer form's fields: ID (the input's id and
// name) and translated label.
func (v *view) TransferFields() []Choice {
	return []Choice{{ID: "family_name", Name: v.T("org.transfer.family")}, {ID: "urn", Name: v.T("org.transfer.urn")},
		{ID: "email", Name: v.T("org.transfer.email")}}
}
