package providers

import (
	"net/http"
	"time"
)

// IdleConnsPerUpstream is how many idle connections NewHTTPClient keeps
// to each upstream host. net/http's default transport keeps two, so a
// broker completing more than two callbacks at once at one upstream
// closes the extra connections and dials anew for the next ones: a TCP
// handshake, and a socket in TIME_WAIT, per sign-in at load. Sixty-four
// covers the concurrency one replica sees at an upstream.
const IdleConnsPerUpstream = 64

// NewHTTPClient is the client that carries upstream requests (token
// exchanges, discovery, key sets, metadata): a copy of net/http's default
// transport (proxy from the environment, HTTP/2, its dial and TLS
// timeouts) keeping IdleConnsPerUpstream connections per host, and
// timeout bounding each request.
func NewHTTPClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = IdleConnsPerUpstream
	tr.MaxIdleConns = max(tr.MaxIdleConns, 4*IdleConnsPerUpstream)
	return &http.Client{Timeout: timeout, Transport: tr}
}
