package ui

import (
	"errors"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// Static serves the embedded assets, overridden file by file by the
// theme directory, under /static/. Mount it at "/static/" as it is or
// behind http.StripPrefix("/static/", ...): it takes both "/static/x" and
// "x". Directories are not listed.
func (u *UI) Static() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/static/")
		if !ok && !strings.HasPrefix(r.URL.Path, "/") {
			name, ok = r.URL.Path, true
		}
		if !ok || !fs.ValidPath(name) || name == "." || path.Clean(name) != name {
			http.NotFound(w, r)
			return
		}
		f, err := u.static.Open(name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		rs, seekable := f.(io.ReadSeeker)
		if err != nil || fi.IsDir() || !seekable {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		http.ServeContent(w, r, fi.Name(), fi.ModTime(), rs)
	})
}

// overlayFS opens a file from top, or from base when top does not have it.
type overlayFS struct{ top, base fs.FS }

func (o overlayFS) Open(name string) (fs.File, error) {
	f, err := o.top.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return o.base.Open(name)
	}
	return f, err
}
