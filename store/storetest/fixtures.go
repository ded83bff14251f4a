package storetest

import (
	"time"

	"github.com/passerelle/passerelle/store"
)

// Record builders: every field a backend must keep is set, so a dropped
// column shows up as a JSON difference.

func client(id string) store.Client {
	return store.Client{
		ID:                     id,
		SecretHash:             store.HashToken("secret-" + id),
		Name:                   map[string]string{"en": "Trusted Trader", "fr": "Négociant fiable"},
		RedirectURIs:           []string{"https://rp.example/cb"},
		PostLogoutRedirectURIs: []string{"https://rp.example/bye"},
		AuthMethod:             "client_secret_basic",
		SubjectType:            "pairwise",
		IDTokenAlg:             "ES256",
		AllowedProviders:       []string{"gckey", "bank"},
		CreatedAt:              epoch,
	}
}

func account(id string) store.Account {
	return store.Account{
		ID:            id,
		URN:           "URN-" + id,
		Email:         id + "@example.ca",
		EmailVerified: true,
		GivenName:     "Jeanne",
		FamilyName:    "Mance",
		Locale:        "fr",
		CreatedAt:     epoch,
		LastLoginAt:   epoch,
	}
}

func link(provider, subject, accountID string) store.Link {
	return store.Link{Provider: provider, Subject: subject, AccountID: accountID, CreatedAt: epoch}
}

func authRequest(id string, ttl time.Duration) store.AuthRequest {
	maxAge := int64(600)
	return store.AuthRequest{
		ID:                  id,
		ClientID:            "portal",
		RedirectURI:         "https://rp.example/cb",
		Scopes:              []string{"openid", "profile"},
		State:               "st-" + id,
		Nonce:               "n-" + id,
		ResponseType:        "code",
		CodeChallenge:       "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256",
		MaxAge:              &maxAge,
		UILocales:           []string{"fr-CA", "en"},
		ACRValues:           []string{"urn:gc-ca:cyber-auth:assurance:loa2"},
		CreatedAt:           epoch,
		ExpiresAt:           epoch.Add(ttl),
	}
}

func grant(id, accountID, refresh string, ttl time.Duration) store.Grant {
	g := store.Grant{
		ID:        id,
		ClientID:  "portal",
		AccountID: accountID,
		Subject:   "pairwise-" + accountID,
		Scopes:    []string{"openid", "offline_access"},
		AuthTime:  epoch,
		AMR:       []string{"pwd", "otp"},
		ACR:       "urn:gc-ca:cyber-auth:assurance:loa2",
		SessionID: "sid-" + id,
		Provider:  "gckey",
		Locale:    "en",
		CreatedAt: epoch,
		ExpiresAt: epoch.Add(ttl),
	}
	if refresh != "" {
		g.RefreshHash = store.HashToken(refresh)
	}
	return g
}

func session(cookie, accountID string, ttl time.Duration) store.Session {
	return store.Session{
		Hash:       store.HashToken(cookie),
		ID:         "sid-" + cookie,
		AccountID:  accountID,
		Provider:   "bank",
		AuthTime:   epoch,
		AMR:        []string{"fed", "hwk"},
		ACR:        "urn:gc-ca:cyber-auth:assurance:loa3",
		Clients:    []string{"portal"},
		LastSeenAt: epoch,
		ExpiresAt:  epoch.Add(ttl),
	}
}

func signingKey(id string) store.SigningKey {
	return store.SigningKey{
		ID:        id,
		Alg:       "ES256",
		Private:   []byte("sealed-" + id),
		Public:    []byte("public-" + id),
		CreatedAt: epoch,
		ActiveAt:  epoch.Add(time.Hour),
	}
}
