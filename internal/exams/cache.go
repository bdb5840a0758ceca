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

// poolCache keeps each exam's pool of active items in memory: a class starting together
// would otherwise read the whole bank once per student. One load runs at a time per pool
// (the others wait for it), and once a pool is older than the TTL the next caller
// refreshes it in the background while everyone keeps using the previous one, so an item
// activated or retired in the bank reaches new forms within about the TTL and no start
// ever waits on a refresh.
type poolCache struct {
	mu    sync.Mutex
	now   func() time.Time
	ttl   time.Duration
	pools map[string]*pool
}

type pool struct {
	items      []bank.Item
	at         time.Time
	loaded     chan struct{} // closed when the first load ends
	err        error         // of the first load
	refreshing bool
}

func newPoolCache(now func() time.Time, ttl time.Duration) *poolCache {
	return &poolCache{now: now, ttl: ttl, pools: map[string]*pool{}}
}

func (c *poolCache) get(ctx context.Context, key string, load func(context.Context) ([]bank.Item, error)) ([]bank.Item, error) {
	c.mu.Lock()
	p, ok := c.pools[key]
	if !ok {
		p = &pool{loaded: make(chan struct{})}
		c.pools[key] = p
		c.mu.Unlock()
		items, err := load(ctx)
		c.mu.Lock()
		p.items, p.err, p.at = items, err, c.now()
		if err != nil {
			delete(c.pools, key) // the next caller tries again
		}
		c.mu.Unlock()
		close(p.loaded)
		return items, err
	}
	c.mu.Unlock()
	select {
	case <-p.loaded:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if p.err != nil {
		return c.get(ctx, key, load)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now().Sub(p.at) >= c.ttl && !p.refreshing {
		p.refreshing = true
		go func() {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			items, err := load(rctx)
			c.mu.Lock()
			defer c.mu.Unlock()
			p.refreshing = false
			if err == nil {
				p.items, p.at = items, c.now()
			}
		}()
	}
	return p.items, nil
}
