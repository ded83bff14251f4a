package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// cookieMaxAge keeps the language choice for one year.
const cookieMaxAge = 365 * 24 * 60 * 60

// CookieName is the language cookie's name: with secure cookies it carries
// the __Host- prefix, so only this host, over HTTPS, can set it.
func (u *UI) CookieName() string {
	if u.secure {
		return "__Host-passerelle-lang"
	}
	return "passerelle-lang"
}

// Language picks the page language: the first offered language among
// uiLocales (the OIDC ui_locales parameter, already split), then the
// language cookie, then Accept-Language by q-value. A regional tag counts
// for its language ("fr-CA" is fr). ok is false when none of them gives
// an offered language; the caller then renders PageLanguage.
func (u *UI) Language(r *http.Request, uiLocales []string) (lang string, ok bool) {
	for _, s := range uiLocales {
		if t, err := language.Parse(s); err == nil {
			if l, ok := u.match(t); ok {
				return l, true
			}
		}
	}
	if c, err := r.Cookie(u.CookieName()); err == nil && slices.Contains(u.langs, c.Value) {
		return c.Value, true
	}
	// ParseAcceptLanguage sorts by q-value and drops q=0; on a malformed
	// header it returns nothing and the choice page is shown.
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	for _, t := range tags {
		if l, ok := u.match(t); ok {
			return l, true
		}
	}
	return "", false
}

// match maps t to an offered language by its base language. Only an exact
// base counts: "und" or "*" would otherwise be guessed as English.
func (u *UI) match(t language.Tag) (string, bool) {
	b, conf := t.Base()
	if conf != language.Exact {
		return "", false
	}
	l := b.String()
	return l, slices.Contains(u.langs, l)
}

// SetLanguage stores the choice in the language cookie (Path=/,
// SameSite=Lax, HttpOnly, Secure with secure cookies, one year).
func (u *UI) SetLanguage(w http.ResponseWriter, lang string) {
	http.SetCookie(w, &http.Cookie{
		Name:     u.CookieName(),
		Value:    lang,
		Path:     "/",
		MaxAge:   cookieMaxAge,
		HttpOnly: true,
		Secure:   u.secure,
		SameSite: http.SameSiteLaxMode,
	})
}

// LanguageHandler serves GET /lang?l=fr&next=/login/abc: it sets the
// cookie when l is an offered language and redirects (303) to next when
// next is a local path, else to "/". Nothing else is ever a redirect
// target, so /lang cannot serve as an open redirector.
func (u *UI) LanguageHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		q := r.URL.Query()
		if l := q.Get("l"); slices.Contains(u.langs, l) {
			u.SetLanguage(w, l)
		}
		next := q.Get("next")
		if !localPath(next) {
			next = "/"
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Location", next)
		w.WriteHeader(http.StatusSeeOther)
	})
}

// localPath reports whether s is a path on this host. Browsers read "//x"
// and "/\x" as another host, drop tabs and newlines inside URLs, and turn
// "\" into "/", so any control character or backslash is refused.
func localPath(s string) bool {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.ContainsRune(s, '\\') {
		return false
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	p, err := url.Parse(s)
	return err == nil && p.Scheme == "" && p.Host == "" && p.User == nil
}
