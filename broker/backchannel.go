package broker

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// backchannel delivers logout tokens (OpenID Connect Back-Channel Logout
// 1.0 §2.5) to the clients of an ended session: POSTed as the form
// parameter logout_token, answered 200 (or 204) on success. A delivery
// that fails (no answer, another status, a redirect) is tried again after
// each delay of logoutBackoff in turn, then abandoned; each outcome goes
// to the audit log ("logout.backchannel": delivered or abandoned, with
// the attempts), which the store keeps under its retention.
//
// Pending deliveries are kept in memory, at most maxPendingLogouts (a
// logout beyond it is audited as abandoned at once): a restart forgets
// the retries in progress, as Keycloak, which tries once, would. Nothing
// here sleeps: deliverDue attempts what is due on the injected clock,
// and Run calls it when a logout is queued and when the next retry falls
// due.
type backchannel struct {
	http   *http.Client
	now    func() time.Time
	sign   func(ctx context.Context, alg, typ string, claims any) (string, error)
	issuer string
	audit  func(ctx context.Context, d logoutDelivery, outcome string)
	log    *slog.Logger

	mu      sync.Mutex
	pending []*logoutDelivery
	kick    chan struct{} // a logout was queued
}

// logoutDelivery is one logout token to send to one client.
type logoutDelivery struct {
	ClientID, AccountID string
	URI                 string // the client's backchannel_logout_uri
	Alg                 string // the client's ID token algorithm
	Subject, SID        string
	attempts            int
	due                 time.Time
}

// logoutBackoff are the delays before each retry of a failed delivery.
var logoutBackoff = []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour}

// maxPendingLogouts bounds the deliveries kept for retry.
const maxPendingLogouts = 10000

// logoutTokenTTL is a logout token's life: each attempt signs a new one.
const logoutTokenTTL = 2 * time.Minute

// backchannelEvent is the events member of a logout token (§2.4).
const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

func newBackchannel(client *http.Client, now func() time.Time, log *slog.Logger) *backchannel {
	c := *client
	// A redirect is a failed delivery: the token goes to the registered URI only.
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &backchannel{http: &c, now: now, log: log, kick: make(chan struct{}, 1)}
}

// queue adds deliveries, due at once.
func (n *backchannel) queue(ctx context.Context, ds []logoutDelivery) {
	n.mu.Lock()
	var dropped []logoutDelivery
	for _, d := range ds {
		if len(n.pending) >= maxPendingLogouts {
			dropped = append(dropped, d)
			continue
		}
		d.due = n.now()
		n.pending = append(n.pending, &d)
	}
	n.mu.Unlock()
	for _, d := range dropped {
		n.log.ErrorContext(ctx, "back-channel logout queue full; delivery abandoned", "client_id", d.ClientID)
		n.audit(ctx, d, "abandoned")
	}
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

// deliverDue attempts every delivery due now, at most eight at a time,
// and returns how many are still pending.
func (n *backchannel) deliverDue(ctx context.Context) int {
	now := n.now()
	n.mu.Lock()
	var due []*logoutDelivery
	rest := n.pending[:0]
	for _, d := range n.pending {
		if d.due.After(now) {
			rest = append(rest, d)
		} else {
			due = append(due, d)
		}
	}
	n.pending = rest
	n.mu.Unlock()

	var wg sync.WaitGroup
	slots := make(chan struct{}, 8)
	failed := make([]bool, len(due))
	for i, d := range due {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			failed[i] = !n.attempt(ctx, d)
		}()
	}
	wg.Wait()

	n.mu.Lock()
	defer n.mu.Unlock()
	for i, d := range due {
		switch {
		case !failed[i]:
		case d.attempts > len(logoutBackoff):
			n.log.WarnContext(ctx, "back-channel logout abandoned", "client_id", d.ClientID, "attempts", d.attempts)
			n.audit(ctx, *d, "abandoned")
		default:
			d.due = n.now().Add(logoutBackoff[d.attempts-1])
			n.pending = append(n.pending, d)
		}
	}
	return len(n.pending)
}

// attempt sends a newly signed logout token once and says whether the
// client took it.
func (n *backchannel) attempt(ctx context.Context, d *logoutDelivery) bool {
	d.attempts++
	token, err := n.sign(ctx, d.Alg, "logout+jwt", n.claims(d))
	if err != nil {
		n.log.ErrorContext(ctx, "sign a logout token", "client_id", d.ClientID, "error", err)
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URI, strings.NewReader(url.Values{"logout_token": {token}}.Encode()))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := n.http.Do(req)
	if err != nil {
		n.log.WarnContext(ctx, "back-channel logout not delivered", "client_id", d.ClientID, "attempt", d.attempts, "error", err)
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		n.log.WarnContext(ctx, "back-channel logout refused", "client_id", d.ClientID, "attempt", d.attempts, "status", resp.StatusCode)
		return false
	}
	n.audit(ctx, *d, "delivered")
	return true
}

// claims are a logout token's (§2.4): no nonce, so it can never pass for
// an ID token; a new jti at each attempt.
func (n *backchannel) claims(d *logoutDelivery) map[string]any {
	now := n.now()
	return map[string]any{
		"iss": n.issuer, "aud": d.ClientID, "iat": now.Unix(), "exp": now.Add(logoutTokenTTL).Unix(),
		"jti": randomID(), "sub": d.Subject, "sid": d.SID,
		"events": map[string]any{backchannelEvent: map[string]any{}},
	}
}

// Run delivers logout tokens until ctx ends: when a logout is queued and
// when the next retry falls due.
func (n *backchannel) Run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if left := n.deliverDue(ctx); left > 0 {
			timer.Reset(max(n.nextDue().Sub(n.now()), time.Second))
		} else {
			timer.Reset(time.Hour)
		}
		select {
		case <-ctx.Done():
			return
		case <-n.kick:
		case <-timer.C:
		}
	}
}

func (n *backchannel) nextDue() time.Time {
	n.mu.Lock()
	defer n.mu.Unlock()
	var next time.Time
	for _, d := range n.pending {
		if next.IsZero() || d.due.Before(next) {
			next = d.due
		}
	}
	return next
}

// isLogoutToken says whether a JWT is one of Passerelle's logout tokens
// (typed logout+jwt, or carrying events), whatever its signature: a
// logout token must never pass for an ID token, as an id_token_hint
// least of all (a relying party holds it, and a hint ends a session
// without asking).
func isLogoutToken(raw string) bool {
	if raw == "" {
		return false
	}
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256, jose.RS256, jose.EdDSA})
	if err != nil || len(jws.Signatures) != 1 {
		return false // not a token Passerelle signed; the library refuses it
	}
	if typ, _ := jws.Signatures[0].Header.ExtraHeaders[jose.HeaderType].(string); strings.EqualFold(typ, "logout+jwt") {
		return true
	}
	var c struct {
		Events json.RawMessage `json:"events"`
	}
	return json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &c) == nil && c.Events != nil
}

// signJWT signs claims as a JWT of type typ with the key that signs for
// alg now.
func (k *Keys) signJWT(ctx context.Context, alg, typ string, claims any) (string, error) {
	key, err := k.Signer(ctx, alg)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: key.SignatureAlgorithm(),
		Key: jose.JSONWebKey{Key: key.Key(), KeyID: key.ID()}}, (&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		return "", fmt.Errorf("signer: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// auditLogout records a delivery's outcome.
func (b *Broker) auditLogout(ctx context.Context, d logoutDelivery, outcome string) {
	b.audits.record(ctx, "logout.backchannel", d.AccountID, d.ClientID, outcome,
		map[string]string{"sid": d.SID, "attempts": strconv.Itoa(d.attempts)})
}
