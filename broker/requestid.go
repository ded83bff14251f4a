package broker

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/passerelle/passerelle/internal/randid"
)

// ctxRequestID keys the request ID in a request's context: the one value
// the broker keeps there, for log lines (slog reads it from the context).
type ctxKey int

const ctxRequestID ctxKey = 0

// withRequestID gives every request a short random ID: it is on every log
// line written with the request's context (see LogHandler) and on error
// pages, so a person can quote it to support.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := randid.Hex(6)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxRequestID, id)))
	})
}

// LogHandler wraps a slog.Handler so records logged with a request's
// context carry its request_id.
func LogHandler(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id, ok := ctx.Value(ctxRequestID).(string); ok {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
