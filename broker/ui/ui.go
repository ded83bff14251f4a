package ui

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/passerelle/passerelle/internal/validate"
)

//go:embed messages/*.json
var messageFS embed.FS

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// UI renders the broker's pages. It is safe for concurrent use once built.
type UI struct {
	// Logger receives render failures; nil means slog.Default().
	Logger *slog.Logger

	langs    []string                     // offered, in order of preference
	secure   bool                         // cookies: __Host- prefix and Secure
	messages map[string]map[string]string // lang → key → text
	pages    map[pageLang]*template.Template
	static   fs.FS // theme directory over the embedded assets
	footer   FooterLinks
	banner   map[string]string
}

// New checks cfg, loads the catalogues and parses the templates. It fails
// when a catalogue lacks a key another one has, so an incomplete
// translation stops the broker at start-up instead of showing a key.
// secureCookies selects the __Host- cookie name and the Secure attribute.
func New(cfg Config, secureCookies bool) (*UI, error) {
	cfg.SetDefaults()
	var ps validate.Problems
	cfg.Validate(&ps, "ui")
	if err := ps.Err(); err != nil {
		return nil, err
	}
	u := &UI{langs: slices.Clone(cfg.Languages), secure: secureCookies, footer: cfg.Footer, banner: cfg.Banner}

	msgs, err := loadMessages()
	if err != nil {
		return nil, err
	}
	u.messages = msgs

	u.pages = make(map[pageLang]*template.Template, len(pageSpecs)*len(u.langs))
	for page := range pageSpecs {
		for _, lang := range u.langs {
			t, err := u.parsePage(page, lang)
			if err != nil {
				return nil, fmt.Errorf("ui: parse page %s: %w", page, err)
			}
			u.pages[pageLang{page, lang}] = t
		}
	}

	assets, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("ui: static assets: %w", err)
	}
	u.static = assets
	if cfg.ThemeDir != "" {
		// os.Root keeps the theme's files inside ThemeDir, symlinks included.
		root, err := os.OpenRoot(cfg.ThemeDir)
		if err != nil {
			return nil, fmt.Errorf("ui: theme_dir: %w", err)
		}
		u.static = overlayFS{top: root.FS(), base: assets}
	}
	return u, nil
}

// pageLang names a page's templates in one language.
type pageLang struct{ page, lang string }

// constText is a translation whose key is a constant and that takes no
// arguments, alone in its action: {{.T "key"}}, {{$.T "key"}} or
// {{.L "key"}}, trim markers allowed.
var constText = regexp.MustCompile(`\{\{(-\s+)?\$?\.([TL]) ("[a-z0-9._]+")(\s+-)?\}\}`)

// parsePage parses the layout and page's template for lang with every
// constText put in as the constant string it gives in lang, which
// html/template escapes where the call stood: rendering then calls no
// method for them (found by reflection at each call, they were about a
// fifth of a page's render time, BenchmarkRenderCode). The language
// page's .L shows every language at once and stays a call.
func (u *UI) parsePage(page, lang string) (*template.Template, error) {
	t := template.New(page)
	for _, name := range []string{"layout", page} {
		src, err := templateFS.ReadFile("templates/" + name + ".html")
		if err != nil {
			return nil, err
		}
		folded := constText.ReplaceAllStringFunc(string(src), func(action string) string {
			m := constText.FindStringSubmatch(action)
			key, err := strconv.Unquote(m[3])
			if err != nil || (m[2] == "L" && page == PageLanguage) {
				return action
			}
			return "{{" + m[1] + strconv.Quote(u.T(lang, key)) + m[4] + "}}"
		})
		if _, err := t.New(name + ".html").Parse(folded); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// loadMessages reads every embedded catalogue and checks that they all
// hold the same keys.
func loadMessages() (map[string]map[string]string, error) {
	msgs := make(map[string]map[string]string, len(supported))
	for _, l := range supported {
		b, err := messageFS.ReadFile("messages/" + l + ".json")
		if err != nil {
			return nil, fmt.Errorf("ui: catalogue %s: %w", l, err)
		}
		m := make(map[string]string)
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("ui: catalogue %s: %w", l, err)
		}
		msgs[l] = m
	}
	for _, a := range supported {
		for _, b := range supported {
			for k := range msgs[a] {
				if _, ok := msgs[b][k]; !ok {
					return nil, fmt.Errorf("ui: catalogue %s lacks key %q (present in %s)", b, k, a)
				}
			}
		}
	}
	return msgs, nil
}

// T translates key into lang; args are fmt.Sprintf arguments. A key
// missing from the catalogue (a bug the tests catch) comes back as the key
// itself; an unknown lang falls back to the first offered language.
func (u *UI) T(lang, key string, args ...any) string {
	m, ok := u.messages[lang]
	if !ok {
		m = u.messages[u.langs[0]]
	}
	s, ok := m[key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// has reports whether the catalogue of the first offered language (every
// catalogue holds the same keys) has key.
func (u *UI) has(key string) bool {
	_, ok := u.messages[u.langs[0]][key]
	return ok
}

// Render writes a full page with status. page is one of the Page*
// constants and data the matching *Data struct (nil stands for its zero
// value). The page is rendered into a buffer first: a wrong data type or
// a template error gives a plain 500 "internal error" and a log line,
// never half a page. Render does not change data.
func (u *UI) Render(w http.ResponseWriter, r *http.Request, status int, lang string, page string, data any) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if !slices.Contains(u.langs, lang) {
		lang = u.langs[0]
	}
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer pageBuffers.Put(buf)
	buf.Reset()
	if err := u.render(buf, r, lang, page, data); err != nil {
		u.logger().ErrorContext(r.Context(), "ui: render page", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", lang)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// pageBuffers hold the pages being rendered, reused: a page is several
// kilobytes, which a fresh buffer reaches by doubling, some ten
// allocations for every page.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render writes page into buf.
func (u *UI) render(buf *bytes.Buffer, r *http.Request, lang, page string, data any) error {
	spec, ok := pageSpecs[page]
	if !ok {
		return fmt.Errorf("unknown page %q", page)
	}
	// Work on a copy so that filling in defaults never changes the
	// caller's value.
	cp := reflect.New(spec.data.Elem())
	if data != nil {
		v := reflect.ValueOf(data)
		if v.Type() != spec.data {
			return fmt.Errorf("page %q wants %v, got %T", page, spec.data, data)
		}
		if !v.IsNil() {
			cp.Elem().Set(v.Elem())
		}
	}
	d := cp.Interface()
	c := d.(interface{ common() *Common }).common()
	if c.Path == "" {
		c.Path = r.URL.RequestURI()
	}
	v := &view{Lang: lang, Page: page, C: c, D: d, u: u}

	title := spec.title
	switch d := d.(type) {
	case *LanguageData:
		if d.Next == "" {
			d.Next = c.Path
		}
		v.Languages = u.langLinks(d.Next, "")
		v.bilingual = true
		if c.Title == "" {
			titles := make([]string, 0, len(v.Languages))
			for _, l := range v.Languages {
				titles = append(titles, l.Title)
			}
			c.Title = strings.Join(titles, " / ")
		}
	case *BanksData:
		if c.Title == "" {
			c.Title = d.GroupName
		}
	case *ErrorData:
		if d.Heading == "" {
			d.Heading = u.T(lang, "error.generic.title")
		}
		if d.Message == "" {
			d.Message = u.T(lang, "error.generic.message")
		}
		if c.Title == "" {
			c.Title = d.Heading
		}
	case *FormPostData:
		if d.Action == "" {
			return fmt.Errorf("page %q needs an Action", page)
		}
	case *MFAChooseData:
		if d.Enrol {
			title = "mfa.enrol.title"
		}
	case *TOTPEnrolData:
		if d.Action == "" || d.Secret == "" {
			return fmt.Errorf("page %q needs an Action and a Secret", page)
		}
	case *EmailEnrolData:
		if d.Action == "" {
			return fmt.Errorf("page %q needs an Action", page)
		}
	case *CodeData:
		if title = codeKey(d.Kind, "title"); !u.has(title) || !u.has(codeKey(d.Kind, "label")) || d.Action == "" {
			return fmt.Errorf("page %q needs an Action and a Kind with a title and label in the catalogue (code.<kind>.title), got %q", page, d.Kind)
		}
	case *WebAuthnData:
		if d.Action == "" || d.OptionsJSON == "" {
			return fmt.Errorf("page %q needs an Action and OptionsJSON", page)
		}
		if d.Register {
			title = "webauthn.register.title"
		}
	case *RecoveryCodesData:
		if d.Action == "" || len(d.Codes) == 0 {
			return fmt.Errorf("page %q needs an Action and Codes", page)
		}
	case *ConfirmData:
		if d.Action == "" || d.Submit == "" {
			return fmt.Errorf("page %q needs an Action and a Submit label", page)
		}
	case *SecurityData:
		for _, f := range d.Factors {
			if !u.has(kindKey(f.Kind)) || f.ID == "" {
				return fmt.Errorf("page %q: factor %q needs an ID and a known Kind, got %q", page, f.ID, f.Kind)
			}
		}
	}
	if err := u.prepareLocal(v); err != nil {
		return fmt.Errorf("page %q %w", page, err)
	}
	if c.Title == "" {
		c.Title = u.T(lang, title)
	}
	if !v.bilingual {
		v.Toggles = u.langLinks(c.Path, lang)
	}

	return u.pages[pageLang{page, lang}].ExecuteTemplate(buf, "layout", v)
}

func (u *UI) logger() *slog.Logger {
	if u.Logger != nil {
		return u.Logger
	}
	return slog.Default()
}
