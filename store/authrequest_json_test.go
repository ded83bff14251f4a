package store

import (
	"encoding/json"
	"testing"
)

// TestAuthRequestStateBytes: a state that is not UTF-8, or holds NUL,
// comes back from JSON byte for byte; a plain one is written as before.
func TestAuthRequestStateBytes(t *testing.T) {
	for _, state := range []string{"plain-state", "\xff\xfe caf\xe9", "a\x00b", ""} {
		raw, err := json.Marshal(AuthRequest{ID: "ar", State: state, Scopes: []string{"openid"}})
		if err != nil {
			t.Fatal(err)
		}
		var back AuthRequest
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		if back.State != state || back.ID != "ar" || len(back.Scopes) != 1 {
			t.Errorf("state %q came back as %q (%+v)", state, back.State, back)
		}
	}
	raw, _ := json.Marshal(AuthRequest{State: "plain"})
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	if m["state"] != "plain" || m["state_bytes"] != nil {
		t.Errorf("a UTF-8 state is not stored as text: %s", raw)
	}
}
