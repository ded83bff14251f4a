package demoidp

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"html"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

var (
	//go:embed page.html
	pageHTML string
	//go:embed demo.css
	stylesheetCSS []byte

	page = template.Must(template.New("page").Parse(pageHTML))
)

// authParams are the authorization request parameters the sign-in form
// carries back, as hidden fields, from GET to POST.
var authParams = []string{"response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
	"code_challenge", "code_challenge_method", "ui_locales", "acr_values"}

// authRequest is a checked authorization request.
type authRequest struct {
	params      url.Values // authParams, with ui_locales set to lang
	redirectURI string
	state       string
	lang        string // "en" or "fr"
}

// parseAuthRequest checks an authorization request (RFC 6749 §4.1.1,
// OpenID Connect Core 1.0 §3.1.2.1, RFC 7636 §4.3). An unknown client or
// redirect URI gets an error page, since redirecting there could serve an
// attacker (RFC 6749 §4.1.2.1); other errors go back to the client.
func (s *Server) parseAuthRequest(w http.ResponseWriter, r *http.Request, v url.Values) (*authRequest, bool) {
	if v.Get("client_id") != s.cfg.ClientID || !slices.Contains(s.cfg.RedirectURIs, v.Get("redirect_uri")) {
		http.Error(w, "Unknown client_id or redirect_uri. / client_id ou redirect_uri inconnu.", http.StatusBadRequest)
		return nil, false
	}
	req := &authRequest{
		params:      url.Values{},
		redirectURI: v.Get("redirect_uri"),
		state:       v.Get("state"),
		lang:        pickLang(v.Get("ui_locales")),
	}
	for _, k := range authParams {
		if x := v.Get(k); x != "" {
			req.params.Set(k, x)
		}
	}
	req.params.Set("ui_locales", req.lang)

	fail := func(code, desc string) (*authRequest, bool) {
		s.redirect(w, r, req, url.Values{"error": {code}, "error_description": {desc}})
		return nil, false
	}
	switch {
	case v.Get("response_type") != "code":
		return fail("unsupported_response_type", "only response_type=code is supported")
	case !slices.Contains(strings.Fields(v.Get("scope")), "openid"):
		return fail("invalid_scope", "scope must include openid")
	case v.Get("code_challenge") == "" || v.Get("code_challenge_method") != "S256":
		return fail("invalid_request", "PKCE with code_challenge_method=S256 is required")
	case slices.Contains(strings.Fields(v.Get("prompt")), "none"):
		return fail("login_required", "this provider keeps no session")
	}
	return req, true
}

// pickLang returns "fr" when the first English or French tag of a
// ui_locales list is French, else "en".
func pickLang(uiLocales string) string {
	for _, tag := range strings.Fields(uiLocales) {
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if primary == "fr" || primary == "en" {
			return primary
		}
	}
	return "en"
}

// redirect sends the browser back to the client with params, state and
// iss (RFC 9207).
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, req *authRequest, params url.Values) {
	u, _ := url.Parse(req.redirectURI) // one of cfg.RedirectURIs, checked in New
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	if req.state != "" {
		q.Set("state", req.state)
	}
	q.Set("iss", s.cfg.Issuer)
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// authorizeGet shows the sign-in form.
func (s *Server) authorizeGet(w http.ResponseWriter, r *http.Request) {
	req, ok := s.parseAuthRequest(w, r, r.URL.Query())
	if !ok {
		return
	}
	s.render(w, req, "", false)
}

// authorizePost checks the submitted credentials. Success redirects with
// a code; "cancel" redirects with access_denied; a wrong username or
// password shows the form again with one generic error.
func (s *Server) authorizePost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Malformed form. / Formulaire mal formé.", http.StatusBadRequest)
		return
	}
	req, ok := s.parseAuthRequest(w, r, r.PostForm)
	if !ok {
		return
	}
	if r.PostForm.Get("action") == "cancel" {
		s.redirect(w, r, req, url.Values{"error": {"access_denied"}, "error_description": {"the person cancelled"}})
		return
	}
	username := r.PostForm.Get("username")
	user := s.accounts.check(username, r.PostForm.Get("password"))
	if user == nil {
		s.render(w, req, username, true)
		return
	}
	if asked := strings.Fields(req.params.Get("acr_values")); s.cfg.RefuseUnmetACR && len(asked) > 0 &&
		!slices.Contains(asked, cmp.Or(user.ACR, s.cfg.ACR)) {
		s.redirect(w, r, req, url.Values{"error": {"unmet_authentication_requirements"},
			"error_description": {"the person's identity is not at the level asked"}})
		return
	}
	now := s.now()
	code := s.issue(&grant{
		user:        user,
		clientID:    req.params.Get("client_id"),
		redirectURI: req.redirectURI,
		scopes:      strings.Fields(req.params.Get("scope")),
		nonce:       req.params.Get("nonce"),
		challenge:   req.params.Get("code_challenge"),
		locale:      req.lang,
		authTime:    now,
		codeExpires: now.Add(codeTTL),
	})
	s.redirect(w, r, req, url.Values{"code": {code}})
}

// accounts are the demo users a sign-in form checks: by username, with
// the SHA-256 digest of each password computed once, so a sign-in hashes
// only what was typed and reads one entry however many users there are.
// A real service would check a slow password hash (tens of milliseconds
// of CPU with argon2id); this stand-in does not, so that a benchmark's
// upstream costs little beside the broker under test.
type accounts struct {
	users   []User
	byName  map[string]int // username → index in users and digests
	digests [][32]byte     // SHA-256 of each user's password
}

func newAccounts(users []User) accounts {
	a := accounts{users: users, byName: make(map[string]int, len(users))}
	for i, u := range users {
		a.byName[u.Username] = i
		a.digests = append(a.digests, sha256.Sum256([]byte(u.Password)))
	}
	return a
}

// check returns the user whose credentials these are, or nil. An unknown
// username costs the same digest and constant-time comparison as a known
// one, so timing does not tell which usernames exist.
func (a accounts) check(username, password string) *User {
	pass := sha256.Sum256([]byte(password))
	i, known := a.byName[username]
	var want [32]byte // no password's digest: an unknown username never matches
	if known {
		want = a.digests[i]
	}
	if subtle.ConstantTimeCompare(want[:], pass[:]) == 1 && known {
		return &a.users[i]
	}
	return nil
}

// pageData feeds page.html.
type pageData struct {
	Lang, OtherLang string
	Name            string
	M               messages
	Action          string
	ToggleURL       string
	Stylesheet      string
	Hidden          template.HTML // hiddenFields
	Username        string
	Error           bool
}

// render writes the sign-in form, with the error summary when failed.
func (s *Server) render(w http.ResponseWriter, req *authRequest, username string, failed bool) {
	renderForm(w, signInForm{name: s.cfg.Name, prefix: s.prefix, action: s.prefix + "/authorize", lang: req.lang,
		hidden: req.params, username: username, failed: failed})
}

// signInForm is one sign-in page of a demo service: the OpenID
// provider's (hidden: the authorization request) or the SAML IdP's
// (hidden: where to go back to). hidden carries ui_locales, which the
// language toggle flips.
type signInForm struct {
	name           map[string]string
	prefix, action string
	lang           string
	hidden         url.Values
	username       string
	failed         bool
}

// renderForm writes page.html for f, whole, with its Content-Length:
// written as it renders, a page over 2 KiB would go out in chunks, which
// cost the server and the browser more.
func renderForm(w http.ResponseWriter, f signInForm) {
	other := "fr"
	if f.lang == "fr" {
		other = "en"
	}
	toggle := url.Values{}
	for k, vs := range f.hidden {
		toggle[k] = vs
	}
	toggle.Set("ui_locales", other)
	buf := pages.Get().(*bytes.Buffer)
	defer pages.Put(buf)
	buf.Reset()
	err := page.Execute(buf, pageData{
		Lang:       f.lang,
		OtherLang:  other,
		Name:       f.name[f.lang],
		M:          catalogue[f.lang],
		Action:     f.action,
		ToggleURL:  f.action + "?" + toggle.Encode(),
		Stylesheet: f.prefix + "/demo.css",
		Hidden:     hiddenFields(f.hidden),
		Username:   f.username,
		Error:      f.failed,
	})
	if err != nil {
		http.Error(w, "The page cannot be shown. / La page ne peut pas être affichée.", http.StatusInternalServerError)
		return
	}
	securityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}

// pages are the buffers renderForm renders into, kept from one page to
// the next.
var pages = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// hiddenFields is the form's hidden inputs, one per value, names in
// sorted order, each name and value escaped for a quoted attribute.
// Written here rather than ranged over in page.html, where the
// template's escapers, called by reflection for every field, made about
// 40% of the cost of rendering the page.
func hiddenFields(v url.Values) template.HTML {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(v)) {
		for _, x := range v[k] {
			b.WriteString(`<input type="hidden" name="`)
			b.WriteString(html.EscapeString(k))
			b.WriteString(`" value="`)
			b.WriteString(html.EscapeString(x))
			b.WriteString("\">\n")
		}
	}
	return template.HTML(b.String())
}

// securityHeaders are every demo page's: no script, no framing, nothing
// cached.
func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

func stylesheet(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	_, _ = w.Write(stylesheetCSS)
}

// messages is the text of the sign-in page in one language.
type messages struct {
	Heading, Intro, Username, Password, SignIn, Cancel string
	ErrorTitle, ErrorHeading, BadCredentials, Toggle   string
}

var catalogue = map[string]messages{
	"en": {
		Heading:        "Sign in",
		Intro:          "This is a demonstration service. Use one of the demo accounts you were given.",
		Username:       "Username",
		Password:       "Password",
		SignIn:         "Sign in",
		Cancel:         "Cancel",
		ErrorTitle:     "Error:",
		ErrorHeading:   "There is a problem",
		BadCredentials: "The username or password is incorrect.",
		Toggle:         "Français",
	},
	"fr": {
		Heading:        "Ouvrir une session",
		Intro:          "Ceci est un service de démonstration. Utilisez l’un des comptes de démonstration qui vous ont été remis.",
		Username:       "Nom d’utilisateur",
		Password:       "Mot de passe",
		SignIn:         "Ouvrir une session",
		Cancel:         "Annuler",
		ErrorTitle:     "Erreur :",
		ErrorHeading:   "Un problème est survenu",
		BadCredentials: "Le nom d’utilisateur ou le mot de passe est incorrect.",
		Toggle:         "English",
	},
}
