package classroom

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
)

// SnapshotTTL is how long a built room state is shared by clients joining the same room:
// when a class starts, hundreds of students join within seconds and most of the state
// (roster, chat, hands, poll) is the same for all of them.
const SnapshotTTL = time.Second

type cachedRoom struct {
	state RoomState
	seq   int64
	at    time.Time
}

// snapshots caches room states per session and audience (staff or student), with the
// room sequence number each reflects; concurrent misses of one key share one build.
type snapshots struct {
	mu       sync.Mutex
	m        map[string]cachedRoom
	building map[string]*flight
}

type flight struct {
	done chan struct{}
	c    cachedRoom
	err  error
}

// Snapshot returns p's room state and the room sequence number it reflects. last is the
// room's current number: a state built now reflects it; a state shared from the cache
// reflects the number it was built at, and the caller replays the events after it
// (applying an event twice is harmless: clients apply events idempotently). fresh skips
// the cache.
//
// sa is the caller's access to the session as Session returned it when they joined.
func (s *Service) Snapshot(ctx context.Context, p accounts.Principal, sa SessionAccess, last int64, fresh bool) (RoomState, int64, error) {
	key := sa.Session.ID
	if sa.Staff {
		key += "/staff"
	}
	c, err := s.shared(ctx, p, sa, key, last, fresh)
	if err != nil {
		return RoomState{}, 0, err
	}
	r, err := s.personal(ctx, p, sa, c.state)
	return r, c.seq, err
}

func (s *Service) shared(ctx context.Context, p accounts.Principal, sa SessionAccess, key string, last int64, fresh bool) (cachedRoom, error) {
	s.snaps.mu.Lock()
	if c, ok := s.snaps.m[key]; ok && !fresh {
		if s.now().Sub(c.at) > SnapshotTTL && s.snaps.building[key] == nil {
			// Serve the older state (the hub replays what came after it) and refresh
			// it in the background, so a join never waits for a build it can do without.
			f := &flight{done: make(chan struct{})}
			s.snaps.building[key] = f
			go s.build(context.WithoutCancel(ctx), p, sa, key, last, f)
		}
		s.snaps.mu.Unlock()
		return c, nil
	}
	if f, ok := s.snaps.building[key]; ok && !fresh {
		s.snaps.mu.Unlock()
		select {
		case <-f.done:
			return f.c, f.err
		case <-ctx.Done():
			return cachedRoom{}, ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{})}
	s.snaps.building[key] = f
	s.snaps.mu.Unlock()
	s.build(ctx, p, sa, key, last, f)
	return f.c, f.err
}

// build builds the shared state of key, caches it and completes f.
func (s *Service) build(ctx context.Context, p accounts.Principal, sa SessionAccess, key string, last int64, f *flight) {
	r, err := s.room(ctx, p, sa)
	f.c, f.err = cachedRoom{state: r, seq: last, at: s.now()}, err
	s.snaps.mu.Lock()
	if s.snaps.building[key] == f {
		delete(s.snaps.building, key)
	}
	if err == nil {
		if len(s.snaps.m) > 1000 {
			clear(s.snaps.m)
		}
		s.snaps.m[key] = f.c
	}
	s.snaps.mu.Unlock()
	close(f.done)
}

// personal fills in the parts of a shared room state that belong to p.
func (s *Service) personal(ctx context.Context, p accounts.Principal, sa SessionAccess, shared RoomState) (RoomState, error) {
	r := shared
	r.You.UserID, r.You.Name, r.You.Staff, r.You.Muted = p.UserID, p.Name, sa.Staff, slices.Contains(shared.Muted, p.UserID)
	r.Mine = nil
	if !sa.Staff && r.Poll != nil {
		resp, ok, err := s.store.PollResponse(ctx, r.Poll.ID, p.UserID)
		if err != nil {
			return RoomState{}, err
		}
		if ok {
			r.Mine = []MyResponse{{PollID: resp.PollID, Choices: resp.Choices}}
		}
	}
	return r, nil
}
