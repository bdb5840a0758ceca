package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Options tune a Hub; zero values take the defaults in brackets.
type Options struct {
	Shards       int           // room map shards [32]
	SendQueue    int           // messages queued per connection before it is closed as slow [64]
	History      int           // events kept per room for resume [512]
	PingInterval time.Duration // how often the server pings [25s]
	IdleTimeout  time.Duration // a connection silent this long (no message, no pong) is closed [60s]
	WriteTimeout time.Duration // one write may take this long [10s]
	ReadLimit    int64         // largest client message in bytes [8 KiB]
	Rate         float64       // client messages per second per connection [10]
	Burst        int           // burst of client messages [20]
	GapWait      time.Duration // how often a room waiting for missing events reads them from the log [500ms]
	GapSkip      time.Duration // how long a room waits for a missing event before skipping it [10s]
	Now          func() time.Time
	Logger       *slog.Logger
}

func (o *Options) defaults() {
	def := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	defd := func(p *time.Duration, v time.Duration) {
		if *p <= 0 {
			*p = v
		}
	}
	def(&o.Shards, 32)
	def(&o.SendQueue, 64)
	def(&o.History, 512)
	def(&o.Burst, 20)
	defd(&o.PingInterval, 25*time.Second)
	defd(&o.IdleTimeout, 60*time.Second)
	defd(&o.WriteTimeout, 10*time.Second)
	defd(&o.GapWait, 500*time.Millisecond)
	defd(&o.GapSkip, 10*time.Second)
	if o.ReadLimit <= 0 {
		o.ReadLimit = 8 << 10
	}
	if o.Rate <= 0 {
		o.Rate = 10
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Hub holds this instance's rooms and connections.
type Hub struct {
	opt    Options
	log    Log
	broker Broker
	shards []*shard
	unsub  func()

	seqMu sync.Mutex
	seqs  map[string]int64 // highest sequence number used or seen per room

	conns     atomic.Int64
	delivered atomic.Int64
	slow      atomic.Int64
}

type shard struct {
	mu    sync.Mutex
	rooms map[string]*room
}

// NewHub returns a hub that numbers events with log and exchanges them over broker.
func NewHub(log Log, broker Broker, opt Options) (*Hub, error) {
	opt.defaults()
	h := &Hub{opt: opt, log: log, broker: broker, shards: make([]*shard, opt.Shards), seqs: map[string]int64{}}
	for i := range h.shards {
		h.shards[i] = &shard{rooms: map[string]*room{}}
	}
	unsub, err := broker.Subscribe(h.receive)
	if err != nil {
		return nil, err
	}
	h.unsub = unsub
	return h, nil
}

// Close stops receiving events and closes every connection with CloseGoingAway.
func (h *Hub) Close() {
	h.unsub()
	for _, s := range h.shards {
		s.mu.Lock()
		rooms := make([]*room, 0, len(s.rooms))
		for _, r := range s.rooms {
			rooms = append(rooms, r)
		}
		s.mu.Unlock()
		for _, r := range rooms {
			r.mu.Lock()
			for c := range r.conns {
				c.closeWith(CloseGoingAway, "server shutting down")
			}
			r.mu.Unlock()
		}
	}
}

func (h *Hub) shardOf(room string) *shard {
	f := fnv.New32a()
	_, _ = f.Write([]byte(room))
	return h.shards[f.Sum32()%uint32(len(h.shards))]
}

// Publish numbers an event of room, stores it and sends it to every instance. staffOnly
// events reach only staff connections. It returns the event's sequence number.
func (h *Hub) Publish(ctx context.Context, roomID string, staffOnly bool, typ string, data any) (int64, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return 0, err
	}
	seq, err := h.reserve(ctx, roomID)
	if err != nil {
		return 0, err
	}
	for tries := 0; ; tries++ {
		body, err := encode(typ, seq, h.opt.Now(), json.RawMessage(raw))
		if err != nil {
			return 0, err
		}
		e := Event{Room: roomID, Seq: seq, Staff: staffOnly, Body: body}
		err = h.log.AppendEvent(ctx, e)
		if errors.Is(err, ErrSeqTaken) && tries < 100 {
			// Another instance numbered an event first: move past it.
			seq = h.retake(roomID, seq)
			continue
		}
		if err != nil {
			return 0, err
		}
		return seq, h.broker.Publish(ctx, e)
	}
}

// reserve returns the next sequence number this instance expects to be free in a room:
// one past the highest it has used or received (read from the log on first use).
func (h *Hub) reserve(ctx context.Context, roomID string) (int64, error) {
	h.seqMu.Lock()
	last, ok := h.seqs[roomID]
	h.seqMu.Unlock()
	if !ok {
		l, err := h.log.LastSeq(ctx, roomID)
		if err != nil {
			return 0, err
		}
		last = l
	}
	h.seqMu.Lock()
	defer h.seqMu.Unlock()
	n := max(h.seqs[roomID], last) + 1
	h.seqs[roomID] = n
	return n, nil
}

// retake returns the next number after a taken one.
func (h *Hub) retake(roomID string, taken int64) int64 {
	h.seqMu.Lock()
	defer h.seqMu.Unlock()
	n := max(h.seqs[roomID], taken) + 1
	h.seqs[roomID] = n
	return n
}

// noteSeq records a sequence number seen from the broker.
func (h *Hub) noteSeq(roomID string, seq int64) {
	h.seqMu.Lock()
	if seq > h.seqs[roomID] {
		h.seqs[roomID] = seq
	}
	h.seqMu.Unlock()
}

// Broadcast is Publish without the sequence number (it satisfies classroom.Broadcaster).
func (h *Hub) Broadcast(ctx context.Context, roomID string, staffOnly bool, typ string, data any) error {
	_, err := h.Publish(ctx, roomID, staffOnly, typ, data)
	return err
}

// CloseRoom closes every local connection of a room with code.
func (h *Hub) CloseRoom(roomID string, code int, text string) {
	s := h.shardOf(roomID)
	s.mu.Lock()
	r := s.rooms[roomID]
	s.mu.Unlock()
	if r == nil {
		return
	}
	r.mu.Lock()
	for c := range r.conns {
		c.closeWith(code, text)
	}
	r.mu.Unlock()
}

// receive is the broker subscription: it hands the event to the room if this instance has
// connections in it.
func (h *Hub) receive(e Event) {
	h.noteSeq(e.Room, e.Seq)
	s := h.shardOf(e.Room)
	s.mu.Lock()
	r := s.rooms[e.Room]
	s.mu.Unlock()
	if r == nil {
		return
	}
	r.mu.Lock()
	r.accept(e)
	r.mu.Unlock()
}

// Stats are the hub's counters, for the load generator and monitoring.
type Stats struct {
	Connections int64  `json:"connections"`
	Rooms       int    `json:"rooms"`
	Delivered   int64  `json:"delivered"`
	SlowClosed  int64  `json:"slowClosed"`
	HeapInuse   uint64 `json:"heapInuseBytes"`
	StackInuse  uint64 `json:"stackInuseBytes"`
	Goroutines  int    `json:"goroutines"`
}

// Stats returns the counters and the process memory in use (heap and stacks).
func (h *Hub) Stats(gc bool) Stats {
	st := Stats{Connections: h.conns.Load(), Delivered: h.delivered.Load(), SlowClosed: h.slow.Load(), Goroutines: runtime.NumGoroutine()}
	for _, s := range h.shards {
		s.mu.Lock()
		st.Rooms += len(s.rooms)
		s.mu.Unlock()
	}
	if gc {
		runtime.GC()
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	st.HeapInuse, st.StackInuse = m.HeapInuse, m.StackInuse
	return st
}

// room is one room on this instance: its local connections, the last sequence number
// delivered, a ring of recent events and the events waiting for a gap to fill.
type room struct {
	hub     *Hub
	id      string
	mu      sync.Mutex
	conns   map[*Conn]struct{}
	joining int // connections between join and enter
	inited  bool
	dead    bool
	last    int64
	ring    []Event // ring[i%len] holds seq i
	pending map[int64]Event
	gap     *time.Timer
	gapFrom time.Time // when the room started waiting for a missing event
}

// join returns the room with id, creating it and reading its last sequence number on this
// instance's first connection to it.
func (h *Hub) join(ctx context.Context, id string) (*room, error) {
	for {
		s := h.shardOf(id)
		s.mu.Lock()
		r := s.rooms[id]
		if r == nil {
			r = &room{hub: h, id: id, conns: map[*Conn]struct{}{}, ring: make([]Event, h.opt.History), pending: map[int64]Event{}}
			s.rooms[id] = r
		}
		s.mu.Unlock()
		r.mu.Lock()
		if r.dead {
			r.mu.Unlock()
			continue
		}
		if !r.inited {
			last, err := h.log.LastSeq(ctx, id)
			if err != nil {
				r.mu.Unlock()
				h.maybeDrop(r)
				return nil, err
			}
			r.inited, r.last = true, last
			for seq := range r.pending {
				if seq <= last {
					delete(r.pending, seq)
				}
			}
			r.flush()
		}
		r.joining++
		return r, nil // locked
	}
}

// maybeDrop removes an empty room.
func (h *Hub) maybeDrop(r *room) {
	s := h.shardOf(r.id)
	s.mu.Lock()
	r.mu.Lock()
	if len(r.conns) == 0 && r.joining == 0 && s.rooms[r.id] == r {
		r.dead = true
		delete(s.rooms, r.id)
		if r.gap != nil {
			r.gap.Stop()
		}
	}
	r.mu.Unlock()
	s.mu.Unlock()
}

// accept takes an event in sequence order; r.mu is held.
func (r *room) accept(e Event) {
	if !r.inited || e.Seq > r.last+1 {
		if e.Seq > r.last {
			r.pending[e.Seq] = e
		}
		if r.inited && r.gap == nil {
			r.gapFrom = time.Now()
			r.gap = time.AfterFunc(r.hub.opt.GapWait, r.fillGap)
		}
		return
	}
	if e.Seq <= r.last {
		return // a duplicate (gap fill racing the broker)
	}
	r.apply(e)
	r.flush()
}

// flush applies pending events that are now in order; r.mu is held.
func (r *room) flush() {
	for {
		e, ok := r.pending[r.last+1]
		if !ok {
			break
		}
		delete(r.pending, e.Seq)
		r.apply(e)
	}
	if len(r.pending) == 0 && r.gap != nil {
		r.gap.Stop()
		r.gap = nil
	}
}

// apply records the event in the ring and fans the same bytes out to the connections;
// r.mu is held.
func (r *room) apply(e Event) {
	r.last = e.Seq
	r.ring[e.Seq%int64(len(r.ring))] = e
	n := 0
	for c := range r.conns {
		if e.Staff && !c.staff {
			continue
		}
		if c.enqueue(e.Body) {
			n++
		}
	}
	r.hub.delivered.Add(int64(n))
}

// fillGap runs when an out-of-order event waited GapWait: it reads the missing events from
// the log; events that never made it there are skipped.
func (r *room) fillGap() {
	r.mu.Lock()
	after := r.last
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	evs, err := r.hub.log.EventsAfter(ctx, r.id, after, 1000)
	cancel()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gap = nil
	if err != nil {
		r.hub.opt.Logger.Warn("realtime: filling a gap", "room", r.id, "err", err)
	}
	for _, e := range evs {
		if e.Seq > r.last {
			r.pending[e.Seq] = e
		}
	}
	r.flush()
	if len(r.pending) > 0 && time.Since(r.gapFrom) < r.hub.opt.GapSkip {
		// A publisher may still be storing the missing event (a busy store can take
		// seconds): look again shortly.
		r.gap = time.AfterFunc(r.hub.opt.GapWait, r.fillGap)
		return
	}
	if len(r.pending) > 0 {
		// Still a hole after GapSkip: those events were numbered but never stored (a
		// publisher died between numbering and storing).
		lowest := int64(-1)
		for s := range r.pending {
			if lowest < 0 || s < lowest {
				lowest = s
			}
		}
		r.hub.opt.Logger.Warn("realtime: skipping lost events", "room", r.id, "from", r.last+1, "to", lowest-1)
		r.last = lowest - 1
		r.flush()
	}
}

// since returns the events after seq held in the ring, or false when the ring no longer
// holds them all; r.mu is held.
func (r *room) since(seq int64) ([]Event, bool) {
	if seq > r.last || seq < 0 {
		return nil, false
	}
	n := r.last - seq
	if n > int64(len(r.ring)) {
		return nil, false
	}
	out := make([]Event, 0, n)
	for s := seq + 1; s <= r.last; s++ {
		e := r.ring[s%int64(len(r.ring))]
		if e.Seq != s {
			return nil, false // never delivered here (room created after it)
		}
		out = append(out, e)
	}
	return out, true
}
