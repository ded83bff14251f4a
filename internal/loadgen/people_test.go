package loadgen

import (
	"testing"
	"time"
)

// TestPeopleOneSignInInFlight: when the turn comes back to a person whose
// sign-in is still in flight (everyone between skipped), the next person
// is picked, though the first has steps left; once done, the first is
// picked again.
func TestPeopleOneSignInInFlight(t *testing.T) {
	at := time.Unix(1_000_000*30+10, 0) // ten seconds into a step
	p := NewPeople(3, func() time.Time { return at }, nil)
	for _, u := range p.Names {
		p.enrolled(u, "JBSWY3DPEHPK3PXP", 0)
	}
	first, _, _ := p.pick()
	p.next.Store(0) // the turn is back at the first person
	if second, _, _ := p.pick(); second == first {
		t.Fatalf("%s picked again while the first sign-in is in flight", first)
	}
	p.done(first)
	p.next.Store(0)
	if again, _, _ := p.pick(); again != first {
		t.Errorf("after %s's sign-in ended, %s was picked", first, again)
	}
}
