package exams

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chartroom-him/chartroom/internal/bank"
)

func TestPoolCache(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c := newPoolCache(clock, 30*time.Second)

	var loads atomic.Int32
	release := make(chan struct{})
	version := atomic.Int32{}
	load := func(context.Context) ([]bank.Item, error) {
		loads.Add(1)
		<-release
		return []bank.Item{{ID: "v" + string(rune('0'+version.Load()))}}, nil
	}

	// Twenty students starting together cause one load.
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			items, err := c.get(ctx, "bank:RHIT", load)
			if err != nil || len(items) != 1 || items[0].ID != "v0" {
				t.Errorf("get = %v, %v; want [v0]", items, err)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if got := loads.Load(); got != 1 {
		t.Fatalf("loads = %d, want 1", got)
	}

	// Past the TTL the old pool is served at once and refreshed in the background.
	version.Store(1)
	mu.Lock()
	now = now.Add(31 * time.Second)
	mu.Unlock()
	if items, _ := c.get(ctx, "bank:RHIT", load); items[0].ID != "v0" {
		t.Errorf("stale get = %v, want the previous pool", items)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		items, _ := c.get(ctx, "bank:RHIT", load)
		if items[0].ID == "v1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the pool was never refreshed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := loads.Load(); got != 2 {
		t.Errorf("loads after refresh = %d, want 2", got)
	}

	// A failed first load is not kept: the next caller loads again.
	fails := 0
	bad := func(context.Context) ([]bank.Item, error) { fails++; return nil, errors.New("store down") }
	if _, err := c.get(ctx, "bank:RHIA", bad); err == nil {
		t.Fatal("want the load error")
	}
	if _, err := c.get(ctx, "bank:RHIA", bad); err == nil || fails != 2 {
		t.Errorf("second get: err %v after %d loads, want an error after 2", err, fails)
	}
}
