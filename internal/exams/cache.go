package exams

import (
	"context"
	"sync"
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
