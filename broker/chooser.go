package broker

import (
	"net/http"

	"github.com/passerelle/passerelle/broker/ui"
)

// The chooser: the credentials a client allows, with a provider group
// (the Sign-In Partner banks) as one entry that opens its list.

func (s signIn) chooser(w http.ResponseWriter, r *http.Request, f *flow, allowed []string) {
	b := s.core
	var choices []ui.Choice
	groups, ups := map[string]bool{}, b.catalog().upstreams
	for _, id := range allowed {
		u := ups[id]
		if u.Group == "" {
			choices = append(choices, upstreamChoice(u, f.lang, f.stepURL("choose", id)))
			continue
		}
		if !groups[u.Group] {
			groups[u.Group] = true
			g := s.group(u.Group)
			choices = append(choices, ui.Choice{ID: u.Group, Name: name(g.Name, f.lang, u.Group), Description: g.Description[f.lang],
				Action: f.stepURL("choose", u.Group), Group: true})
		}
	}
	s.ui.Render(w, r, http.StatusOK, f.lang, ui.PageChooser, &ui.ChooserData{
		Common:     b.csrf(f),
		ClientName: f.client.displayName(f.lang), Choices: choices, CancelURL: f.stepURL("cancel"),
	})
}

func name(names map[string]string, lang, fallback string) string {
	if n := names[lang]; n != "" {
		return n
	}
	return fallback
}

// upstreamChoice is u's choice, in lang, posting to action: its name,
// description and logo as configured.
func upstreamChoice(u Upstream, lang, action string) ui.Choice {
	return ui.Choice{ID: u.ID, Name: name(u.Name, lang, u.ID), Description: u.Description[lang], Logo: u.Logo, Action: action}
}

// group is the configured provider group id (zero when there is none).
func (s signIn) group(id string) GroupConfig {
	for _, g := range s.core.catalog().groups {
		if g.ID == id {
			return g
		}
	}
	return GroupConfig{}
}

// groupPage lists the members of a provider group (the Sign-In Partner banks).
func (s signIn) groupPage(w http.ResponseWriter, r *http.Request) {
	b := s.core
	f, ok := b.loadFlow(w, r, r.PathValue("id"), true)
	if !ok {
		return
	}
	gid := r.PathValue("group")
	var banks []ui.Choice
	ups := b.catalog().upstreams
	for _, id := range b.flowUpstreams(f) {
		if u := ups[id]; u.Group == gid {
			banks = append(banks, upstreamChoice(u, f.lang, f.stepURL("choose", id)))
		}
	}
	if len(banks) == 0 {
		b.pages.errorPage(w, r, http.StatusNotFound, &f.ar, errNotFound)
		return
	}
	s.ui.Render(w, r, http.StatusOK, f.lang, ui.PageBanks, &ui.BanksData{
		Common:    b.csrf(f),
		GroupName: name(s.group(gid).Name, f.lang, gid), Banks: banks,
		BackURL: f.stepURL(), CancelURL: f.stepURL("cancel"),
	})
}
