package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/store"
)

// Administration while the broker runs. bbolt lets one process hold the
// file, and a serving broker holds it; so when the file is locked, the
// clients commands ask the running broker to do the same operation
// through its admin API (admin.token as the bearer token), at -server or
// by default at the broker's own listener, exactly as `store backup`
// does. (PostgreSQL is shared: the commands use it directly.) The
// operations, their checks and their audit events are the admin
// package's either way.

// clientAdmin is what the clients commands need: *admin.Service on the
// store, or apiClients through a running broker.
type clientAdmin interface {
	ListClients(ctx context.Context) ([]admin.ClientView, error)
	AddClient(ctx context.Context, in store.Client) (store.Client, string, error)
	RemoveClient(ctx context.Context, id string) error
	RotateClientSecret(ctx context.Context, id string) (string, error)
}

var _ clientAdmin = (*admin.Service)(nil)

// apiClients runs the clients operations through a broker's admin API.
type apiClients struct {
	base, token string
	http        *http.Client
}

// runningBroker is the admin API of the broker that holds the store
// file, or an error that says what to set.
func runningBroker(cfgPath, server string) (*apiClients, error) {
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return nil, err
	}
	token, err := cfg.Admin.ResolveToken()
	if err != nil {
		return nil, err
	}
	if token == "" {
		return nil, errors.New("the store file is in use by a running broker and admin.token is not set: set it (the command then asks the broker) or stop the broker")
	}
	if server == "" {
		server = listenerURL(cfg)
	}
	return &apiClients{base: server, token: token, http: &http.Client{Timeout: 30 * time.Second}}, nil
}

// call sends a JSON request and decodes the JSON answer into out (nil:
// none expected).
func (a *apiClients) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("the store file is in use; asking the running broker at %s: %w", a.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e struct {
			Error    string `json:"error"`
			Problems []struct {
				Path, Rule string
			} `json:"problems"`
		}
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if json.Unmarshal(raw, &e) == nil && e.Error != "" {
			msg := e.Error
			for _, p := range e.Problems {
				msg += "; " + p.Path + ": " + p.Rule
			}
			return fmt.Errorf("the broker at %s answered %s: %s", a.base, resp.Status, msg)
		}
		return fmt.Errorf("the broker at %s answered %s: %s", a.base, resp.Status, raw)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(out)
}

func (a *apiClients) ListClients(ctx context.Context) ([]admin.ClientView, error) {
	var out struct {
		Clients []admin.ClientView `json:"clients"`
	}
	err := a.call(ctx, http.MethodGet, "/admin/clients", nil, &out)
	return out.Clients, err
}

func (a *apiClients) AddClient(ctx context.Context, in store.Client) (store.Client, string, error) {
	var out struct {
		Client admin.ClientView `json:"client"`
		Secret string           `json:"secret"`
	}
	err := a.call(ctx, http.MethodPost, "/admin/clients", in, &out)
	return out.Client.Client, out.Secret, err
}

func (a *apiClients) RemoveClient(ctx context.Context, id string) error {
	return a.call(ctx, http.MethodDelete, "/admin/clients/"+url.PathEscape(id), nil, nil)
}

func (a *apiClients) RotateClientSecret(ctx context.Context, id string) (string, error) {
	var out struct {
		Secret string `json:"secret"`
	}
	err := a.call(ctx, http.MethodPost, "/admin/clients/"+url.PathEscape(id)+"/secret", nil, &out)
	return out.Secret, err
}
