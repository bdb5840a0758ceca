package exams

import (
	"context"
	"sync"
	"time"

	"github.com/chartroom-him/chartroom/internal/bank"
)

// formCache keeps recently used attempt forms in memory. Forms never change after an
// attempt starts, so a cached form is never stale; the bound keeps memory flat.
type formCache struct {
	mu    sync.Mutex
	max   int
	forms map[string][]FormQuestion
	order []string
}

func newFormCache(max int) *formCache {
	return &formCache{max: max, forms: make(map[string][]FormQuestion, max)}
}

func (c *formCache) get(ctx context.Context, id string, load func(context.Context, string) ([]FormQuestion, error)) ([]FormQuestion, error) {
	c.mu.Lock()
	f, ok := c.forms[id]
	c.mu.Unlock()
	if ok {
		return f, nil
	}
	f, err := load(ctx, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.forms[id]; !ok {
		if len(c.order) >= c.max {
			delete(c.forms, c.order[0])
			c.order = c.order[1:]
		}
		c.forms[id] = f
		c.order = append(c.order, id)
	}
	return f, nil
}

// poolCache keeps each exam's pool of active items for a short time: a class starting
// together would otherwise read the whole bank once per student. An item activated or
// retired in the bank reaches new forms within the TTL.
type poolCache struct {
	mu    sync.Mutex
	now   func() time.Time
	ttl   time.Duration
	pools map[string]pool
}

type pool struct {
	items []bank.Item
	at    time.Time
}

func newPoolCache(now func() time.Time, ttl time.Duration) *poolCache {
	return &poolCache{now: now, ttl: ttl, pools: map[string]pool{}}
}

func (c *poolCache) get(ctx context.Context, exam string, load func(context.Context, string) ([]bank.Item, error)) ([]bank.Item, error) {
	c.mu.Lock()
	p, ok := c.pools[exam]
	c.mu.Unlock()
	if ok && c.now().Sub(p.at) < c.ttl {
		return p.items, nil
	}
	items, err := load(ctx, exam)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.pools[exam] = pool{items: items, at: c.now()}
	c.mu.Unlock()
	return items, nil
}
