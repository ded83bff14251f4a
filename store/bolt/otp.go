package bolt

import (
	"context"
	"errors"
	"time"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// CreateOTP stores a one-time code under its ID.
func (s *otpRecords) CreateOTP(ctx context.Context, o store.OTP) error {
	return create(ctx, s.base, otps, o)
}

// UpdateOTP applies fn to a live one-time code. Consuming it is fn
// checking Consumed and setting it: the read and the write share one
// transaction, so of two racing submissions exactly one sees it unused.
func (s *otpRecords) UpdateOTP(ctx context.Context, id string, fn func(store.OTP) (store.OTP, error)) error {
	return update(ctx, s.base, otps, []byte(id), fn, nil)
}

// hitWindow is the record of one rate counter: how many hits since the
// window started, and when it ends.
type hitWindow struct {
	Key       string    `json:"key"`
	Count     int       `json:"count"`
	Start     time.Time `json:"start"`
	ExpiresAt time.Time `json:"expires_at"` // Start + window
}

// Hit counts one event under key and returns the count in the current
// window, this hit included. The first hit, and the first hit after the
// window ended (its end before the store's clock, the expiry rule of every
// record), starts a new window of the given length. Read, increment and
// write share one transaction, so concurrent hits are all counted.
func (s *otpRecords) Hit(ctx context.Context, key string, window time.Duration) (int, error) {
	if key == "" {
		return 0, errEmptyHitKey
	}
	if window <= 0 {
		return 0, errHitWindow
	}
	var n int
	err := s.write(ctx, func(tx *bbolt.Tx) error {
		n = 0
		now := s.now()
		h, ok, err := load(tx, hits, []byte(key))
		if err != nil {
			return err
		}
		var old *hitWindow
		if ok {
			old = &hitWindow{}
			*old = h
		}
		if !ok || isExpired(h.ExpiresAt, now) {
			h = hitWindow{Key: key, Start: now, ExpiresAt: now.Add(window)}
		}
		h.Count++
		if err := saveOver(tx, hits, old, h); err != nil {
			return err
		}
		n = h.Count
		return nil
	})
	return n, err
}

var (
	errEmptyHitKey = errors.New("store/bolt: Hit with an empty key")
	errHitWindow   = errors.New("store/bolt: Hit with a window that is not positive")
)
