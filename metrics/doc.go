// Package metrics exposes Passerelle's Prometheus metrics: requests and
// latency by route, store operations and their latency, and the events
// that also go to the audit log (sign-ins by provider and outcome, second
// factors, lockouts, links, administration).
//
// Routes are the broker's ServeMux patterns ("GET /login/{id}"), never
// raw paths, so the label set stays bounded and holds no identifier.
// Event labels are the audit kind, outcome and provider: no account, no
// client secret, nothing personal.
package metrics
