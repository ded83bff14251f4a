package admin

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/passerelle/passerelle/store"
)

// BackupWriteTimeout bounds how long one backup download may take; the
// public listener's own write timeout (seconds) is lifted for it.
const BackupWriteTimeout = 30 * time.Minute

// serveBackup answers GET /admin/store/backup with a consistent copy of
// the running store (store.Backuper: the bbolt file as of one read
// transaction), as application/octet-stream with its Content-Length, so a
// copy cut short is seen short. A store without Backuper (PostgreSQL) is
// answered 501: back it up with pg_dump. The copy holds personal data and
// sealed secrets: it is served to the admin token only, and logged.
func (s *Service) serveBackup(w http.ResponseWriter, r *http.Request) {
	b, ok := s.st.(store.Backuper)
	if !ok {
		writeJSON(w, http.StatusNotImplemented, apiError{Error: "this store is not backed up through Passerelle: use the database's own tools (PostgreSQL: pg_dump)"})
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(BackupWriteTimeout))
	started := false
	var size int64
	err := b.Backup(r.Context(), func(n int64) (io.Writer, error) {
		size, started = n, true
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="passerelle-backup.db"`)
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		w.WriteHeader(http.StatusOK)
		return w, nil
	})
	switch {
	case err == nil:
		s.log.InfoContext(r.Context(), "admin: store backup served", "bytes", size, "remote", r.RemoteAddr)
	case started:
		// The status is sent: the short body is the client's signal.
		s.log.ErrorContext(r.Context(), "admin: store backup cut short", "error", err, "remote", r.RemoteAddr)
	default:
		s.writeError(w, r, fmt.Errorf("store backup: %w", err))
	}
}
