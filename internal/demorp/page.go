package demorp

import (
	_ "embed"
	"html/template"
	"net/http"
	"time"
)

var (
	//go:embed page.html
	pageHTML string
	//go:embed style.css
	styleCSS []byte

	page = template.Must(template.New("page").Parse(pageHTML))
)

// failure is an error shown on the page: one of our codes and, when the
// issuer answered with an error, its code and description. It never
// holds token values or secrets.
type failure struct {
	Code        string
	Upstream    string // the issuer's error code, if any
	Description string // the issuer's error_description, if any
}

// explanations say what each failure code means.
var explanations = map[string]Text{
	"discovery_failed":          {"Passerelle could not be reached (OpenID Connect discovery failed). Is it running? Try again.", "Passerelle est injoignable (la découverte OpenID Connect a échoué). Est-il démarré? Réessayez."},
	"invalid_request":           {"The request was malformed.", "La requête était mal formée."},
	"state_mismatch":            {"This answer does not match a sign-in started in this browser (state mismatch). Start again.", "Cette réponse ne correspond à aucune connexion commencée dans ce navigateur (state non concordant). Recommencez."},
	"issuer_mismatch":           {"The answer came from another issuer (iss mismatch).", "La réponse vient d’un autre émetteur (iss non concordant)."},
	"access_denied":             {"You declined the service’s terms of use, or cancelled the sign-in, so Passerelle did not sign you in here and told this service nothing about you. To use the service, sign in again and accept its terms.", "Vous avez refusé les conditions d’utilisation du service, ou annulé la connexion : Passerelle ne vous a donc pas connecté ici et n’a rien transmis à ce service à votre sujet. Pour utiliser le service, connectez-vous de nouveau et acceptez ses conditions."},
	"authorization_error":       {"Passerelle answered with an error instead of signing you in.", "Passerelle a répondu par une erreur au lieu de vous connecter."},
	"token_error":               {"The authorization code could not be exchanged for tokens.", "Le code d’autorisation n’a pas pu être échangé contre des jetons."},
	"id_token_missing":          {"The token response had no ID token.", "La réponse du point de jetons n’avait pas de jeton d’identité."},
	"id_token_invalid":          {"The ID token failed verification (signature, issuer, audience or expiry).", "Le jeton d’identité a échoué la vérification (signature, émetteur, audience ou expiration)."},
	"nonce_mismatch":            {"The ID token’s nonce does not match this sign-in.", "Le nonce du jeton d’identité ne correspond pas à cette connexion."},
	"subject_changed":           {"The refreshed ID token is about another person.", "Le jeton d’identité renouvelé concerne une autre personne."},
	"at_hash_mismatch":          {"The ID token does not match the access token (at_hash).", "Le jeton d’identité ne correspond pas au jeton d’accès (at_hash)."},
	"userinfo_failed":           {"The UserInfo endpoint did not answer properly.", "Le point UserInfo n’a pas répondu correctement."},
	"userinfo_subject_mismatch": {"UserInfo is about another person than the ID token.", "UserInfo concerne une autre personne que le jeton d’identité."},
	"not_signed_in":             {"You are not signed in (or the form expired). Reload the page.", "Vous n’êtes pas connecté (ou le formulaire a expiré). Rechargez la page."},
	"no_refresh_token":          {"Passerelle gave no refresh token, so the tokens cannot be refreshed.", "Passerelle n’a pas remis de jeton d’actualisation : les jetons ne peuvent pas être renouvelés."},
	"refresh_failed":            {"The refresh token was refused.", "Le jeton d’actualisation a été refusé."},
}

// Headings of the error box: a refusal is not a fault.
var (
	faultTitle  = Text{"Something went wrong", "Un problème est survenu"}
	deniedTitle = Text{"You are not signed in", "Vous n’êtes pas connecté"}
)

// serviceLink is a link to one of the demo's portals.
type serviceLink struct {
	Service
	Current bool
}

// view feeds page.html.
type view struct {
	Prefix     string // path of BaseURL, for links and form actions
	Name       Text
	About      Text
	Services   []serviceLink
	Error      *failure
	ErrorTitle Text
	Explain    Text
	SignedIn   bool
	Claims     string
	Userinfo   string
	Expiry     string // access token expiry, RFC 3339 UTC; "" when unknown
	Refreshed  bool
	Rotated    bool
	SignedOut  bool
	CSRF       string
	ACR        string
}

// home shows the portal page.
func (h *rp) home(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, nil)
}

// fail shows the page with f explained, with status.
func (h *rp) fail(w http.ResponseWriter, r *http.Request, status int, f failure) {
	h.render(w, r, status, &f)
}

// render writes the page for the browser's session, with f when set.
func (h *rp) render(w http.ResponseWriter, r *http.Request, status int, f *failure) {
	v := view{Prefix: h.prefix, Name: h.cfg.Name, About: h.cfg.About, Error: f, ACR: demoACR}
	for _, sv := range h.cfg.Services {
		v.Services = append(v.Services, serviceLink{Service: sv, Current: sv.URL == h.base+"/"})
	}
	if f != nil {
		v.Explain, v.ErrorTitle = explanations[f.Code], faultTitle
		if f.Code == "access_denied" {
			v.ErrorTitle = deniedTitle
		}
	}
	h.mu.Lock()
	if s := h.sessionLocked(r); s != nil {
		v.CSRF = s.csrf
		if s.token != nil {
			v.SignedIn = true
			v.Claims, v.Userinfo = string(s.claims), string(s.userinfo)
			if !s.token.Expiry.IsZero() {
				v.Expiry = s.token.Expiry.UTC().Format(time.RFC3339)
			}
			v.Refreshed, v.Rotated = s.refreshed, s.rotated
			s.refreshed, s.rotated = false, false // said once
		}
		if st := r.URL.Query().Get("state"); st != "" && st == s.logoutState && f == nil {
			v.SignedOut = true
			s.logoutState = ""
		}
	}
	h.mu.Unlock()

	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_ = page.Execute(w, v)
}

func stylesheet(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(styleCSS)
}
