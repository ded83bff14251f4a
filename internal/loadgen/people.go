package loadgen

import (
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/passerelle/passerelle/internal/demoidp"
)

// Every sign-in at Passerelle passes a second factor: each person sets up
// an authenticator app once (EnrolAll, not timed), then every timed
// sign-in answers a TOTP challenge with a fresh code. Passerelle accepts
// the codes of one step either side of its own and never a step at or
// before the person's last one, so a person can sign in at most twice in
// a 30-second step (steps now and now+1) and once more per step after
// that. People take turns (round robin), and a person has one sign-in in
// flight at a time (pick to done): two with the steps N and N+1 that
// finished in the other order would have the first refused, its step no
// longer after the last one accepted (a bench-compare run ended on "The
// code is not valid" so, when most people had used their steps and the
// turn came back to the few left within milliseconds). With a clock the
// bench can move (an in-process broker), it is moved forward whenever
// the next step would run ahead of the one step of skew accepted, so a
// few people suffice; otherwise, when nobody has a usable step left, the
// worker waits for the next step, and the waits are counted. A sign-in
// that reaches its challenge after its step went stale (a machine so
// slow that the upstream leg outlasted the margin) reads its code again,
// as a person looking at the phone would.

// UpstreamPassword is every person's password at the demo upstream.
const UpstreamPassword = "pw"

// Clock is a broker's clock: real time plus an offset the bench moves.
type Clock struct{ offset atomic.Int64 }

// Now is the clock's time.
func (c *Clock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// People are the people signing in at one Passerelle.
type People struct {
	Names   []string              // usernames, in turn order
	now     func() time.Time      // Passerelle's clock
	advance func(d time.Duration) // moves it, in-process only; nil otherwise
	next    atomic.Int64          // round robin
	mu      sync.Mutex            // guards secrets, last and busy
	secrets map[string]string     // username → TOTP secret
	last    map[string]int64      // username → last step used
	busy    map[string]bool       // username → a sign-in in flight
	waits   atomic.Int64          // times a worker waited for a step
}

// NewPeople is n people at a Passerelle whose clock is now; advance moves
// that clock, or is nil when the bench cannot.
func NewPeople(n int, now func() time.Time, advance func(time.Duration)) *People {
	p := &People{now: now, advance: advance, secrets: map[string]string{}, last: map[string]int64{}, busy: map[string]bool{}}
	for i := range n {
		p.Names = append(p.Names, fmt.Sprintf("user%05d", i))
	}
	return p
}

// UpstreamUsers are the upstream accounts of the people.
func (p *People) UpstreamUsers() []demoidp.User {
	out := make([]demoidp.User, len(p.Names))
	for i, n := range p.Names {
		out[i] = demoidp.User{Username: n, Password: UpstreamPassword, Email: n + "@example.org"}
	}
	return out
}

// Waits is how many times a worker waited for a fresh TOTP step.
func (p *People) Waits() int64 { return p.waits.Load() }

// low is the earliest step worth answering with: the previous one, unless
// the current step ends within five seconds (the code would then be
// checked two steps late and refused).
func (p *People) low() int64 {
	t := p.now().Unix()
	if t%30 < 25 {
		return t/30 - 1
	}
	return t / 30
}

// enrolled records user's TOTP secret and the step of the code they
// enrolled with.
func (p *People) enrolled(user, secret string, step int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.secrets[user] = secret
	p.last[user] = step
}

// pick chooses the next person who has a usable step and no sign-in in
// flight, and the instant whose code they answer with; done ends their
// turn.
func (p *People) pick() (user, secret string, at time.Time) {
	for {
		p.mu.Lock()
		now := p.now().Unix() / 30
		for range len(p.Names) {
			u := p.Names[(p.next.Add(1)-1)%int64(len(p.Names))]
			if p.busy[u] {
				continue
			}
			step := max(p.low(), p.last[u]+1)
			if step > now+1 && p.advance != nil {
				p.advance(time.Duration(step-now-1) * 30 * time.Second)
				now = step - 1
			}
			if step <= now+1 {
				p.last[u], p.busy[u] = step, true
				s := p.secrets[u]
				p.mu.Unlock()
				return u, s, stepTime(step)
			}
		}
		p.mu.Unlock()
		p.waits.Add(1)
		time.Sleep(time.Until(time.Unix((now+1)*30, 0)) + 10*time.Millisecond)
	}
}

// done ends user's sign-in that pick began.
func (p *People) done(user string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.busy, user)
}

// again is the instant whose code user answers with, read again when
// the challenge shows: at, unless its step has gone stale meanwhile (a
// slow machine kept the sign-in past the low() margin before it reached
// the challenge), then the earliest step still usable, if user has one.
func (p *People) again(user string, at time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	low := p.low()
	if at.Unix()/30 >= low {
		return at
	}
	step := max(low, p.last[user]+1)
	if step > p.now().Unix()/30+1 {
		return at
	}
	p.last[user] = step
	return stepTime(step)
}

// stepTime is the middle of a TOTP step.
func stepTime(step int64) time.Time { return time.Unix(step*30+15, 0) }

var secretRe = regexp.MustCompile(`<code class="secret">(.*?)</code>`)

// totpSecret reads the TOTP key that the enrolment page p shows.
func totpSecret(p Page) (string, error) {
	m := secretRe.FindStringSubmatch(p.Body)
	if m == nil {
		return "", fmt.Errorf("no TOTP key at %s: %.300s", p.URL, p.Body)
	}
	return tagRe.ReplaceAllString(m[1], ""), nil
}
