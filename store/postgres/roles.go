package postgres

import "github.com/passerelle/passerelle/store"

// Each role of store.Store is implemented by its own small type below,
// holding the shared *base; its methods live in the file of its area.
// Store composes them by embedding, so *Store satisfies store.Store while
// no type carries the whole contract. A role that needed another role's
// method would reach it through the composed Store, never by copying it.

// clientRecords implements store.Clients and store.SigningKeys.
type clientRecords struct{ *base }

// accountRecords implements store.Accounts (accounts and their links).
type accountRecords struct{ *base }

// flowRecords implements store.AuthRequests.
type flowRecords struct{ *base }

// grantRecords implements store.Grants (grants and their refresh index).
type grantRecords struct{ *base }

// sessionRecords implements store.Sessions.
type sessionRecords struct{ *base }

// factorRecords implements store.Factors.
type factorRecords struct{ *base }

// otpRecords implements store.OTPs (one-time codes and rate-limit hits).
type otpRecords struct{ *base }

// localUserRecords implements store.LocalUsers, the built-in service's
// credentials.
type localUserRecords struct{ *base }

// termsRecords implements store.Terms.
type termsRecords struct{ *base }

// orgRecords implements store.Organizations.
type orgRecords struct{ *base }

// recordRecords implements store.Records: the clients' record files,
// the links made to them and the requests for an agent's help.
type recordRecords struct{ *base }

// legacyRecords implements store.Legacy: imported legacy accounts and
// the links made to them.
type legacyRecords struct{ *base }

// auditLog implements store.Audit.
type auditLog struct{ *base }

// compose builds the Store of b: every role over the same base. Store's
// own methods are the maintenance ones (Ping, Close, Sweep, Export and
// what belongs to the backend alone).
func compose(b *base) *Store {
	b.audit = store.NewAuditQueue(b.commitAudit)
	b.grantReads = newGrantReads(b)
	return &Store{
		base:             b,
		clientRecords:    clientRecords{b},
		accountRecords:   accountRecords{b},
		flowRecords:      flowRecords{b},
		grantRecords:     grantRecords{b},
		sessionRecords:   sessionRecords{b},
		factorRecords:    factorRecords{b},
		otpRecords:       otpRecords{b},
		localUserRecords: localUserRecords{b},
		termsRecords:     termsRecords{b},
		orgRecords:       orgRecords{b},
		legacyRecords:    legacyRecords{b},
		recordRecords:    recordRecords{b},
		auditLog:         auditLog{b},
	}
}
