package realtime

import (
	"context"
	"sync"
)

// Log gives each room its sequence numbers and keeps the events, so that any instance can
// fill a gap or tell how far a room has got. The store implements it.
type Log interface {
	// NextSeq atomically increments and returns the room's sequence number.
	NextSeq(ctx context.Context, room string) (int64, error)
	// LastSeq returns the room's last sequence number (0 for a new room).
	LastSeq(ctx context.Context, room string) (int64, error)
	AppendEvent(ctx context.Context, e Event) error
	// EventsAfter returns up to limit events with Seq > after, in order.
	EventsAfter(ctx context.Context, room string, after int64, limit int) ([]Event, error)
}

// MemLog is a Log in memory, for a single instance without a store and for tests.
type MemLog struct {
	mu     sync.Mutex
	seq    map[string]int64
	events map[string][]Event
}

// NewMemLog returns an empty MemLog.
func NewMemLog() *MemLog { return &MemLog{seq: map[string]int64{}, events: map[string][]Event{}} }

// NextSeq implements Log.
func (l *MemLog) NextSeq(_ context.Context, room string) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq[room]++
	return l.seq[room], nil
}

// LastSeq implements Log.
func (l *MemLog) LastSeq(_ context.Context, room string) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seq[room], nil
}

// AppendEvent implements Log.
func (l *MemLog) AppendEvent(_ context.Context, e Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events[e.Room] = append(l.events[e.Room], e)
	return nil
}

// EventsAfter implements Log.
func (l *MemLog) EventsAfter(_ context.Context, room string, after int64, limit int) ([]Event, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	for _, e := range l.events[room] {
		if e.Seq > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}
