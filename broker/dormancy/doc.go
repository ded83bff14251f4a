// Package dormancy decides when an account has gone unused for too long
// and keeps that decision: the trusted-trader portal's User Reference
// Number "expires after two years without a sign-in" (seed 002), and
// Login.gov and Keycloak's inactive-user policies do the same.
//
// An account is idle when neither a sign-in (LastLoginAt) nor an
// administrator's reactivation (ReactivatedAt) nor its creation happened
// within the deployment's accounts.dormant_after. An idle account is
// marked dormant (store.Account.DormantSince) either when someone next
// signs in with one of its credentials (Marker.SignedIn, after the
// upstream and before any second factor or code) or by the sweep
// (Marker.Pass, a bounded page of accounts each time the broker sweeps).
// Marking ends the account's SSO sessions and revokes its grants, so no
// session, refresh token or access token outlives it.
//
// Only Reactivate clears the mark: a dormant account's sign-in never
// updates LastLoginAt, and no page, link, reset or factor the person
// reaches revives it. A zero dormant_after turns dormancy off (the
// default: a deployment chooses its period).
package dormancy
