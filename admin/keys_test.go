package admin_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/store"
)

func TestKeys(t *testing.T) {
	f := newFixture(t)
	res := f.call(http.MethodGet, "/admin/keys", "")
	f.expect(res, http.StatusOK)
	var before struct{ Keys []admin.KeyView }
	res.json(t, &before)
	if len(before.Keys) != 3 { // ES256, RS256 and EdDSA, made by broker.New
		t.Fatalf("keys: %s", res.raw)
	}
	if strings.Contains(res.raw, "private") || strings.Contains(res.raw, "public") {
		t.Errorf("the list shows key material: %s", res.raw)
	}

	res = f.call(http.MethodPost, "/admin/keys/rotate", "")
	f.expect(res, http.StatusOK)
	var rotated struct{ Created []admin.KeyView }
	res.json(t, &rotated)
	if len(rotated.Created) != 3 || !rotated.Created[0].ActiveAt.After(epoch) {
		t.Fatalf("rotate: %s", res.raw)
	}

	res = f.call(http.MethodGet, "/admin/keys", "")
	var after struct{ Keys []admin.KeyView }
	res.json(t, &after)
	retired := 0
	for _, k := range after.Keys {
		if !k.ExpiresAt.IsZero() {
			retired++
		}
	}
	if len(after.Keys) != 6 || retired != 3 {
		t.Errorf("after rotation: %s", res.raw)
	}
	ev := f.audited("admin.keys.rotate")
	if len(ev) != 1 || !strings.Contains(ev[0].Detail["kids"], rotated.Created[0].ID) {
		t.Errorf("audit: %+v", ev)
	}
}

func TestKeysNeedKeys(t *testing.T) {
	f := newFixture(t)
	svc := admin.New(f.st, nil, mfa.LockoutConfig{}, store.ClientRules{}, nil, nil)
	if _, err := svc.Keys(context.Background()); err == nil {
		t.Error("Keys without keys: no error")
	}
	if _, err := svc.RotateKeys(context.Background()); err == nil {
		t.Error("RotateKeys without keys: no error")
	}
}
