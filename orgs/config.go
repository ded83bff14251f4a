package orgs

import "github.com/passerelle/passerelle/store"

// Config is a client's organizations: its role table and how people join
// (clients[].organizations). It is part of the client's record
// (store.Client.Organizations), so a client added through the admin API
// has one as a configured client does; this package applies it.
type (
	Config = store.ClientOrgs
	Role   = store.OrgRole
)

// Defaults of Config, and AfterTransfer's value for an old owner who
// leaves.
const (
	DefaultInvitationTTL = store.DefaultInvitationTTL
	DefaultActivationTTL = store.DefaultActivationTTL
	Leave                = store.OrgLeave
)
