package realtime

import (
	"context"
	"errors"
	"sync"
)

// ErrSeqTaken is what Log.AppendEvent returns when the room already has an event with
// that sequence number (another publisher got there first).
var ErrSeqTaken = errors.New("realtime: sequence number taken")

// Log keeps each room's events under unique sequence numbers, so that any instance can
// fill a gap or tell how far a room has got. The store implements it: the uniqueness of
// (room, seq) is what orders the events of all instances, so it needs no atomic counter.
type Log interface {
	// LastSeq returns the room's last sequence number (0 for a new room).
	LastSeq(ctx context.Context, room string) (int64, error)
	// AppendEvent stores e, or returns ErrSeqTaken when e.Seq is taken.
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
	for _, x := range l.events[e.Room] {
		if x.Seq == e.Seq {
			return ErrSeqTaken
		}
	}
	l.events[e.Room] = append(l.events[e.Room], e)
	l.seq[e.Room] = max(l.seq[e.Room], e.Seq)
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
