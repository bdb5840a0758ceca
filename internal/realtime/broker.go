package realtime

import (
	"context"
	"sync"
)

// Broker carries room events between the app instances. Every instance, the publisher
// included, receives every published event through its subscription.
type Broker interface {
	Publish(ctx context.Context, e Event) error
	// Subscribe registers the handler for all rooms' events; it returns a function that
	// removes it.
	Subscribe(h func(Event)) (func(), error)
	Close() error
}

// InProc is the default broker of a single instance: Publish hands the event straight to
// the subscribers.
type InProc struct {
	mu   sync.RWMutex
	next int
	subs map[int]func(Event)
}

// NewInProc returns an in-process broker.
func NewInProc() *InProc { return &InProc{subs: map[int]func(Event){}} }

// Publish delivers e to every subscriber before it returns.
func (b *InProc) Publish(_ context.Context, e Event) error {
	b.mu.RLock()
	hs := make([]func(Event), 0, len(b.subs))
	for _, h := range b.subs {
		hs = append(hs, h)
	}
	b.mu.RUnlock()
	for _, h := range hs {
		h(e)
	}
	return nil
}

// Subscribe registers h.
func (b *InProc) Subscribe(h func(Event)) (func(), error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	id := b.next
	b.next++
	b.subs[id] = h
	return func() {
		b.mu.Lock()
		delete(b.subs, id)
		b.mu.Unlock()
	}, nil
}

// Close does nothing.
func (b *InProc) Close() error { return nil }
