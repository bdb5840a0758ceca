package accounts

import (
	"sync"
	"time"
)

// Throttle counts failed sign-ins per key (an account or a client IP) in a sliding window
// and blocks a key that reached its limit until the oldest failure leaves the window.
// It lives in the process: with several instances each keeps its own counts, which still
// bounds guessing to limit x instances per window.
type Throttle struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	fails  map[string][]time.Time
}

// NewThrottle allows limit failures per key within window.
func NewThrottle(limit int, window time.Duration) *Throttle {
	return &Throttle{limit: limit, window: window, fails: make(map[string][]time.Time)}
}

// Blocked returns how long key must wait, or 0 when it may try.
func (t *Throttle) Blocked(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	ts := t.prune(key, now)
	if len(ts) < t.limit {
		return 0
	}
	return ts[len(ts)-t.limit].Add(t.window).Sub(now)
}

// Fail records a failure for key.
func (t *Throttle) Fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fails[key] = append(t.prune(key, now), now)
}

// Reset forgets key's failures (after a successful sign-in).
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, key)
}

// Sweep drops keys with no failure inside the window, bounding memory.
func (t *Throttle) Sweep(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k := range t.fails {
		t.prune(k, now)
	}
}

func (t *Throttle) prune(key string, now time.Time) []time.Time {
	ts := t.fails[key]
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-t.window)) {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(t.fails, key)
		return nil
	}
	t.fails[key] = ts
	return ts
}
