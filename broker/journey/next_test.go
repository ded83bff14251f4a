package journey

import (
	"testing"

	"github.com/passerelle/passerelle/store"
)

func TestNext(t *testing.T) {
	up := &store.UpstreamIdentity{Provider: "bank-a", Subject: "s"}
	ok := func(ar store.AuthRequest) State { return State{AR: &ar, PolicyOK: true, GatePassed: true} }
	for _, tc := range []struct {
		name string
		s    State
		want Stage
	}{
		{"complete already", State{AR: &store.AuthRequest{Done: true, AccountID: "a"}}, Reissue},
		{"nobody yet", State{AR: &store.AuthRequest{}}, Identify},
		{"a new credential: the person may pick again", State{AR: &store.AuthRequest{NewIdentity: up}}, Identify},
		{"linking: sign in with the existing one", State{AR: &store.AuthRequest{NewIdentity: up, Linking: true}}, Identify},
		{"locked, gate passed", State{AR: &store.AuthRequest{AccountID: "a"}, Locked: true, PolicyOK: true, GatePassed: true}, Locked},
		{"policy nobody meets", State{AR: &store.AuthRequest{AccountID: "a"}}, Policy},
		{"gate not passed", State{AR: &store.AuthRequest{AccountID: "a"}, PolicyOK: true}, SecondFactor},
		{"gate not passed, linking", State{AR: &store.AuthRequest{AccountID: "a", NewIdentity: up, Linking: true}, PolicyOK: true}, SecondFactor},
		{"gate not passed, link leg", State{AR: &store.AuthRequest{AccountID: "a", LinkProvider: "bank-b"}, PolicyOK: true}, SecondFactor},
		{"gate not passed, add a factor", State{AR: &store.AuthRequest{AccountID: "a", AddKind: "totp"}, PolicyOK: true}, SecondFactor},
		{"new recovery codes not yet saved", ok(store.AuthRequest{AccountID: "a", MFA: store.MFAProgress{UnsavedCodes: []byte{1}}}), SaveCodes},
		{"codes not saved, gate not passed", State{AR: &store.AuthRequest{AccountID: "a", MFA: store.MFAProgress{UnsavedCodes: []byte{1}}}, PolicyOK: true}, SecondFactor},
		{"link", ok(store.AuthRequest{AccountID: "a", NewIdentity: up, Linking: true}), Link},
		{"link leg", ok(store.AuthRequest{AccountID: "a", LinkProvider: "bank-b"}), LinkLeg},
		{"add a factor", ok(store.AuthRequest{AccountID: "a", AddKind: "totp"}), Enrol},
		{"the client's steps", ok(store.AuthRequest{AccountID: "a"}), ClientSteps},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Next(tc.s); got != tc.want {
				t.Errorf("Next = %v, want %v", got, tc.want)
			}
		})
	}
}
