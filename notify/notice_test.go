package notify

import (
	"strings"
	"testing"
	"time"
)

func TestNoticeMessageEveryKindInBothLanguages(t *testing.T) {
	at := time.Date(2026, 3, 4, 15, 6, 0, 0, time.FixedZone("EST", -5*3600))
	contact := map[string]string{"en": "Client services, 1-800-555-0100", "fr": "Services aux clients, 1-800-555-0100"}
	for kind := range noticeWords["en"] {
		for _, lang := range []string{"en", "fr-CA"} {
			t.Run(kind+"/"+lang, func(t *testing.T) {
				n := Notice{Kind: kind, At: at, Contact: contact}
				if kind == NoticeAccountCreated {
					n.URN = "1234-5678-9012"
				}
				m := NoticeMessage("person@example.ca", lang, n)
				en, fr := noticeWords["en"][kind], noticeWords["fr"][kind]
				if en.Subject == "" || fr.Subject == "" || fr.Subject == en.Subject {
					t.Fatalf("missing or untranslated wording: %+v / %+v", en, fr)
				}
				first, second := en.Happened, fr.Happened
				if lang != "en" {
					first, second = second, first
				}
				for name, body := range map[string]string{"text": m.Text, "html": m.HTML} {
					i, j := strings.Index(body, first), strings.Index(body, second)
					if i < 0 || j < 0 || i > j {
						t.Errorf("%s: want %q before %q:\n%s", name, first, second, body)
					}
					if !strings.Contains(body, "2026-03-04 20:06 UTC") || !strings.Contains(body, "1-800-555-0100") {
						t.Errorf("%s: no time in UTC or no contact:\n%s", name, body)
					}
					if strings.Contains(body, "http") || strings.Contains(body, "person@example.ca") {
						t.Errorf("%s: holds a link or the address", name)
					}
					if kind == NoticeAccountCreated && strings.Count(body, "1234-5678-9012") != 2 {
						t.Errorf("%s: the URN does not appear once per language", name)
					}
				}
				if m.Subject != map[bool]string{true: en.Subject + " / " + fr.Subject, false: fr.Subject + " / " + en.Subject}[lang == "en"] {
					t.Errorf("subject %q", m.Subject)
				}
			})
		}
	}
}

func TestNoticeWithoutContactSaysNoContactLine(t *testing.T) {
	m := NoticeMessage("p@example.ca", "en", Notice{Kind: NoticeFactorAdded, At: time.Unix(0, 0)})
	if strings.Contains(m.Text, "Contact:") || strings.Contains(m.Text, "joindre") {
		t.Errorf("a contact line without a contact:\n%s", m.Text)
	}
}
