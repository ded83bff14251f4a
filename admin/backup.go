package admin

import (
	"fmt"
	"io"
	"net/http"
	"os"
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
// copy cut short is seen short. The copy is first written to a temporary
// file (mode 0600, in os.TempDir, deleted after): the read transaction
// then lasts as long as a local write, not as long as a slow download,
// because while it is open bbolt neither reuses the pages writes free
// nor lets a write grow the file. A store without Backuper (PostgreSQL)
// is answered 501: back it up with pg_dump. The copy holds personal data
// and sealed secrets: it is served to the admin token only, and logged.
func (s *Service) serveBackup(w http.ResponseWriter, r *http.Request) {
	b, ok := s.st.(store.Backuper)
	if !ok {
		writeJSON(w, http.StatusNotImplemented, apiError{Error: "this store is not backed up through Passerelle: use the database's own tools (PostgreSQL: pg_dump)"})
		return
	}
	f, err := os.CreateTemp("", "passerelle-backup-*.db")
	if err != nil {
		s.writeError(w, r, fmt.Errorf("store backup: %w", err))
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	var size int64
	err = b.Backup(r.Context(), func(n int64) (io.Writer, error) { size = n; return f, nil })
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		s.writeError(w, r, fmt.Errorf("store backup: %w", err))
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(BackupWriteTimeout))
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="passerelle-backup.db"`)
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(http.StatusOK)
	if _, err := io.CopyN(w, f, size); err != nil {
		// The status is sent: the short body is the client's signal.
		s.log.ErrorContext(r.Context(), "admin: store backup cut short", "error", err, "remote", r.RemoteAddr)
		return
	}
	s.log.InfoContext(r.Context(), "admin: store backup served", "bytes", size, "remote", r.RemoteAddr)
}
