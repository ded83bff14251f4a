package admin

import (
	"net/http"

	"github.com/passerelle/passerelle/store"
)

// The route handlers of Handler: each decodes what the route takes, calls
// the operation and returns the status and body of its success.

func (s *Service) apiListClients(r *http.Request) (int, any, error) {
	list, err := s.ListClients(r.Context())
	return http.StatusOK, map[string]any{"clients": list}, err
}

func (s *Service) apiAddClient(r *http.Request) (int, any, error) {
	var in store.Client
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	c, secret, err := s.AddClient(r.Context(), in)
	return http.StatusCreated, struct {
		Client ClientView `json:"client"`
		Secret string     `json:"secret,omitempty"` // shown once
	}{NewClientView(c, SourceStore), secret}, err
}

func (s *Service) apiUpdateClient(r *http.Request) (int, any, error) {
	var in store.Client
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	c, err := s.UpdateClient(r.Context(), r.PathValue("id"), in)
	return http.StatusOK, map[string]any{"client": NewClientView(c, SourceStore)}, err
}

func (s *Service) apiRemoveClient(r *http.Request) (int, any, error) {
	return http.StatusNoContent, nil, s.RemoveClient(r.Context(), r.PathValue("id"))
}

func (s *Service) apiRotateSecret(r *http.Request) (int, any, error) {
	secret, err := s.RotateClientSecret(r.Context(), r.PathValue("id"))
	return http.StatusOK, map[string]string{"secret": secret}, err
}

func (s *Service) apiAccount(r *http.Request) (int, any, error) {
	v, err := s.Account(r.Context(), r.PathValue("urn"))
	return http.StatusOK, v, err
}

// accountAfter answers a change to an account with the account as it now is.
func (s *Service) accountAfter(r *http.Request, err error) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	return s.apiAccount(r)
}

func (s *Service) apiLock(r *http.Request) (int, any, error) {
	return s.accountAfter(r, s.Lock(r.Context(), r.PathValue("urn")))
}

func (s *Service) apiUnlock(r *http.Request) (int, any, error) {
	return s.accountAfter(r, s.Unlock(r.Context(), r.PathValue("urn")))
}

func (s *Service) apiReactivate(r *http.Request) (int, any, error) {
	return s.accountAfter(r, s.Reactivate(r.Context(), r.PathValue("urn")))
}

func (s *Service) apiResetMFA(r *http.Request) (int, any, error) {
	n, err := s.ResetMFA(r.Context(), r.PathValue("urn"))
	return http.StatusOK, map[string]int{"removed": n}, err
}

func (s *Service) apiUnlink(r *http.Request) (int, any, error) {
	return http.StatusNoContent, nil, s.Unlink(r.Context(), r.PathValue("urn"), r.PathValue("provider"))
}

func (s *Service) apiKeys(r *http.Request) (int, any, error) {
	keys, err := s.Keys(r.Context())
	return http.StatusOK, map[string]any{"keys": keys}, err
}

func (s *Service) apiRotateKeys(r *http.Request) (int, any, error) {
	created, err := s.RotateKeys(r.Context())
	return http.StatusOK, map[string]any{"created": created}, err
}

func (s *Service) apiLegacyLink(r *http.Request) (int, any, error) {
	v, err := s.LegacyLink(r.Context(), r.PathValue("id"), r.PathValue("urn"))
	return http.StatusOK, v, err
}

func (s *Service) apiUnlinkLegacy(r *http.Request) (int, any, error) {
	return http.StatusNoContent, nil, s.UnlinkLegacy(r.Context(), r.PathValue("id"), r.PathValue("urn"))
}

func (s *Service) apiLegacyHolder(r *http.Request) (int, any, error) {
	v, err := s.LegacyHolder(r.Context(), r.PathValue("id"), r.PathValue("legacy"))
	return http.StatusOK, v, err
}

func (s *Service) apiAssistRequests(r *http.Request) (int, any, error) {
	list, err := s.AssistRequests(r.Context(), r.PathValue("id"), r.URL.Query().Get("all") == "true")
	return http.StatusOK, map[string]any{"requests": list}, err
}

func (s *Service) apiResolveAssist(r *http.Request) (int, any, error) {
	var in struct {
		Link bool   `json:"link"`
		Note string `json:"note"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	v, err := s.ResolveAssist(r.Context(), r.PathValue("id"), r.PathValue("req"), in.Link, in.Note)
	return http.StatusOK, v, err
}

func (s *Service) apiRecordLink(r *http.Request) (int, any, error) {
	v, err := s.RecordLink(r.Context(), r.PathValue("id"), r.PathValue("urn"))
	return http.StatusOK, v, err
}

func (s *Service) apiUnlinkRecord(r *http.Request) (int, any, error) {
	return http.StatusNoContent, nil, s.UnlinkRecord(r.Context(), r.PathValue("id"), r.PathValue("urn"))
}
