package orgs

// TrustedTrader is the trusted-trader portal's table (seed 002), the one
// config.example.yaml ships: exactly one account owner; a delegated owner
// who does what the owner does but transfer; administrators who add,
// change and remove full-access users and administrators; full-access
// users who see the members. The old owner stays as a delegated owner,
// and businesses are activated by a code sent by mail. The demo and the
// tests use it; a deployment writes its own in its configuration file.
func TrustedTrader() *Config {
	managed := []string{"full_access", "administrator"}
	c := &Config{Required: true, Owner: "account_owner", AfterTransfer: "delegated_owner", Activation: true,
		Roles: []Role{
			{ID: "account_owner", Name: map[string]string{"en": "Account owner", "fr": "Propriétaire du compte"},
				Invite: append([]string{"delegated_owner"}, managed...), Manage: append([]string{"delegated_owner"}, managed...), SeeMembers: true},
			{ID: "delegated_owner", Name: map[string]string{"en": "Delegated account owner", "fr": "Propriétaire du compte mandataire"},
				Invite: managed, Manage: managed, SeeMembers: true},
			{ID: "full_access", Name: map[string]string{"en": "Full-access user", "fr": "Utilisateur à accès complet"}, SeeMembers: true},
			{ID: "administrator", Name: map[string]string{"en": "Administrator user", "fr": "Utilisateur-administrateur"},
				Invite: managed, Manage: managed, SeeMembers: true},
		}}
	c.SetDefaults()
	return c
}
