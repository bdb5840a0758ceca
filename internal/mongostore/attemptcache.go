package mongostore

import (
	"sync"

	"github.com/chartroom-him/chartroom/internal/exams"
)

// attemptCache keeps attempts read by _id in memory when the store is embedded. Only this
// process writes to the embedded store, and every write to an attempt goes through this
// package, which drops the cached copy after writing; so a cached attempt is never stale.
// Each save reads its attempt (owner, status, deadline), and this spares the store that
// read. On a shared MongoDB other instances write too, so there it stays off.
type attemptCache struct {
	mu      sync.Mutex
	gen     uint64 // bumped by every invalidation
	max     int
	entries map[string]exams.Attempt
}

func newAttemptCache(max int) *attemptCache {
	return &attemptCache{max: max, entries: make(map[string]exams.Attempt)}
}

// get returns a cached attempt and, on a miss, the generation to pass to put.
func (c *attemptCache) get(id string) (exams.Attempt, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.entries[id]
	return a, c.gen, ok
}

// put caches an attempt read at generation gen, unless something was invalidated since.
func (c *attemptCache) put(id string, a exams.Attempt, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.entries) >= c.max {
		for k := range c.entries { // drop an arbitrary one: the cache only saves reads
			delete(c.entries, k)
			break
		}
	}
	c.entries[id] = a
}

func (c *attemptCache) invalidate(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.entries, id)
}
