package notify

import (
	"strings"
	"testing"
	"time"
)

func TestCodeMessage(t *testing.T) {
	for _, tc := range []struct {
		lang, purpose, first, second string
	}{
		{"en", PurposeSignIn, "Your sign-in code is:", "Votre code de connexion est\u00a0:"},
		{"fr-CA", PurposeSignIn, "Votre code de connexion est\u00a0:", "Your sign-in code is:"},
		{"", PurposeConfirmEmail, "Your code to confirm your email address is:", "Votre code pour confirmer votre adresse courriel est\u00a0:"},
		{"fr", PurposeResetPassword, "Votre code pour réinitialiser votre mot de passe est\u00a0:", "Your code to reset your password is:"},
		{"en", PurposeChangeEmail, "Your code to confirm your new email address is:", "Votre code pour confirmer votre nouvelle adresse courriel est\u00a0:"},
		{"en", "unknown", "Your verification code is:", "Votre code de vérification est\u00a0:"},
	} {
		t.Run(tc.lang+"/"+tc.purpose, func(t *testing.T) {
			m := CodeMessage("person@example.ca", tc.lang, tc.purpose, "004217", 10*time.Minute)
			if m.To != "person@example.ca" {
				t.Errorf("To %q", m.To)
			}
			for name, body := range map[string]string{"text": m.Text, "html": m.HTML} {
				i, j := strings.Index(body, tc.first), strings.Index(body, tc.second)
				if i < 0 || j < 0 || i > j {
					t.Errorf("%s: want %q before %q:\n%s", name, tc.first, tc.second, body)
				}
				if strings.Count(body, "004217") != 2 {
					t.Errorf("%s: the code does not appear once per language", name)
				}
				if strings.Contains(body, "http") || strings.Contains(body, "person@example.ca") {
					t.Errorf("%s: holds a link or the address", name)
				}
			}
			if !strings.Contains(m.Subject, " / ") || strings.Contains(m.Subject, "004217") {
				t.Errorf("subject %q: want both languages and no code", m.Subject)
			}
		})
	}
}

func TestCodeMessageHTML(t *testing.T) {
	m := CodeMessage("p@example.ca", "fr", PurposeSignIn, "<b>1</b>", time.Minute)
	if strings.Contains(m.HTML, "<b>1</b>") || !strings.Contains(m.HTML, "&lt;b&gt;1&lt;/b&gt;") {
		t.Error("the HTML part does not escape the code")
	}
	for _, want := range []string{`<html lang="fr">`, `<div lang="fr">`, `<div lang="en">`, "1 minute.", "pendant 1 minute."} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(m.HTML, "<script") {
		t.Error("HTML holds a script")
	}
}

func TestCodeMessageValidity(t *testing.T) {
	for ttl, want := range map[time.Duration]string{
		10 * time.Minute: "10 minutes", time.Minute: "1 minute.", 30 * time.Second: "1 minute.", 90 * time.Minute: "90 minutes",
	} {
		if m := CodeMessage("p@example.ca", "en", PurposeSignIn, "123456", ttl); !strings.Contains(m.Text, want) {
			t.Errorf("ttl %v: text lacks %q", ttl, want)
		}
	}
}

func TestValidPurpose(t *testing.T) {
	for _, p := range []string{PurposeSignIn, PurposeConfirmEmail, PurposeResetPassword, PurposeChangeEmail} {
		if !ValidPurpose(p) {
			t.Errorf("ValidPurpose(%q) = false", p)
		}
	}
	if ValidPurpose("") || ValidPurpose("marketing") {
		t.Error("ValidPurpose accepts an unknown purpose")
	}
}
