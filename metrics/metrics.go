package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/passerelle/passerelle/store"
)

// Metrics holds the collectors of one process.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	storeOps *prometheus.HistogramVec
	events   *prometheus.CounterVec
	signins  *prometheus.CounterVec
}

// New registers the collectors (and Go's runtime and process metrics).
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "passerelle_http_requests_total",
			Help: "HTTP requests by route, method and status code."}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "passerelle_http_request_duration_seconds",
			Help: "HTTP request latency by route.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}, []string{"route"}),
		storeOps: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "passerelle_store_operation_duration_seconds",
			Help: "Store operation latency by operation and outcome.", Buckets: prometheus.ExponentialBuckets(0.0001, 2, 14)},
			[]string{"op", "outcome"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "passerelle_events_total",
			Help: "Audited events by kind and outcome (second factors, lockouts, links, administration)."}, []string{"kind", "outcome"}),
		signins: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "passerelle_signins_total",
			Help: "Completed sign-ins by credential provider."}, []string{"provider"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.storeOps, m.events, m.signins,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Middleware counts and times every request by the pattern the ServeMux
// matched (set on the request once it is routed).
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		m.requests.WithLabelValues(route, r.Method, strconv.Itoa(sw.status)).Inc()
		m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Event counts an audited event; a completed sign-in also counts under
// its provider.
func (m *Metrics) Event(e store.AuditEvent) {
	m.events.WithLabelValues(e.Kind, e.Outcome).Inc()
	if e.Kind == "signin" && e.Outcome == "success" {
		m.signins.WithLabelValues(e.Detail["provider"]).Inc()
	}
}

// observe records one store operation.
func (m *Metrics) observe(op string, start time.Time, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.storeOps.WithLabelValues(op, outcome).Observe(time.Since(start).Seconds())
}
