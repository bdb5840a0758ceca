package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"sync"
	"time"
)

// Socket is the part of a WebSocket connection the hub uses. *websocket.Conn of
// gorilla/websocket, fasthttp/websocket and gofiber/contrib/websocket all satisfy it.
type Socket interface {
	ReadMessage() (messageType int, p []byte, err error)
	WriteMessage(messageType int, data []byte) error
	WriteControl(messageType int, data []byte, deadline time.Time) error
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
	SetReadLimit(limit int64)
	SetPongHandler(h func(appData string) error)
	Close() error
}

// Client describes who is connecting and how the room answers them.
type Client struct {
	Room   string
	UserID string
	Staff  bool // receives staff-only events
	// Since is the last sequence number the client holds; negative asks for a snapshot.
	Since int64
	// Snapshot returns the room state for this client and the sequence number it reflects.
	// last is the room's sequence number before the call: a state built now reflects last;
	// a cached state may reflect an earlier number, and the hub then replays the events
	// after it from the room history. fresh asks for a state built now.
	Snapshot func(ctx context.Context, last int64, fresh bool) (any, int64, error)
	// Handle acts on one client message; its result is sent back in an ack when the
	// message had a ref. An error is sent back as an "error" message built by Describe.
	Handle func(ctx context.Context, in Inbound) (any, error)
	// Describe turns a Handle error into the data of an "error" message.
	Describe func(err error) any
}

// Conn is one client connection: the reader runs in Serve's goroutine, the writer in its own.
type Conn struct {
	hub    *Hub
	sock   Socket
	staff  bool
	send   chan []byte
	quit   chan struct{}
	read   chan struct{} // closed when the reader stops
	once   sync.Once
	code   int
	reason string

	tokens     float64
	refilledAt time.Time
	violations int
}

// closeWith asks the writer to send a close frame with code and end the connection. It
// never blocks, so the room can call it while fanning out.
func (c *Conn) closeWith(code int, reason string) {
	c.once.Do(func() {
		c.code, c.reason = code, reason
		if code == CloseSlow {
			c.hub.slow.Add(1)
		}
		close(c.quit)
	})
}

// enqueue queues a message without waiting; a full queue closes the connection as slow.
func (c *Conn) enqueue(b []byte) bool {
	select {
	case <-c.quit:
		return false
	default:
	}
	select {
	case c.send <- b:
		return true
	default:
		c.closeWith(CloseSlow, "too slow: send queue full")
		return false
	}
}

func (c *Conn) direct(typ string, seq int64, data any) {
	b, err := encode(typ, seq, c.hub.opt.Now(), data)
	if err != nil {
		c.hub.opt.Logger.Error("realtime: encoding", "type", typ, "err", err)
		return
	}
	c.enqueue(b)
}

// allow applies the per-connection token bucket.
func (c *Conn) allow(now time.Time) bool {
	o := c.hub.opt
	c.tokens += now.Sub(c.refilledAt).Seconds() * o.Rate
	c.refilledAt = now
	if c.tokens > float64(o.Burst) {
		c.tokens = float64(o.Burst)
	}
	if c.tokens < 1 {
		return false
	}
	c.tokens--
	return true
}

// Serve runs a connection until it ends: it joins the room (replaying missed events from
// the room history when cl.Since allows, or sending a snapshot), starts the writer, and
// reads client messages in the calling goroutine.
func (h *Hub) Serve(ctx context.Context, sock Socket, cl Client) error {
	c := &Conn{hub: h, sock: sock, staff: cl.Staff, send: make(chan []byte, h.opt.SendQueue), quit: make(chan struct{}),
		read: make(chan struct{}), tokens: float64(h.opt.Burst), refilledAt: h.opt.Now()}
	if cl.Describe == nil {
		cl.Describe = func(err error) any { return map[string]string{"message": err.Error()} }
	}
	h.conns.Add(1)
	defer h.conns.Add(-1)
	sock.SetReadLimit(h.opt.ReadLimit)
	written := make(chan struct{})
	go func() {
		c.writeLoop()
		close(written)
	}()
	defer func() {
		close(c.read)
		<-written
	}()

	var r *room
	_, err := shallow(func() (any, error) {
		var err error
		if r, err = h.join(ctx, cl.Room); err != nil {
			c.closeWith(CloseInternal, "cannot join the room now")
			return nil, err
		}
		if err := c.enter(ctx, r, cl); err != nil {
			c.closeWith(CloseInternal, "cannot load the room now")
			h.maybeDrop(r)
			return nil, err
		}
		return nil, nil
	})
	if err != nil {
		return err
	}
	defer func() {
		r.mu.Lock()
		delete(r.conns, c)
		r.mu.Unlock()
		h.maybeDrop(r)
	}()

	_ = sock.SetReadDeadline(h.opt.Now().Add(h.opt.IdleTimeout))
	sock.SetPongHandler(func(string) error { return sock.SetReadDeadline(h.opt.Now().Add(h.opt.IdleTimeout)) })
	for {
		_, msg, err := sock.ReadMessage()
		if err != nil {
			c.closeWith(readCloseCode(err))
			return nil
		}
		select {
		case <-c.quit:
			return nil
		default:
		}
		now := h.opt.Now()
		_ = sock.SetReadDeadline(now.Add(h.opt.IdleTimeout))
		var in Inbound
		if !c.allow(now) {
			c.violations++
			if c.violations > h.opt.Burst {
				c.closeWith(CloseRateLimited, "too many messages")
				return nil
			}
			_ = json.Unmarshal(msg, &in)
			c.direct("error", 0, map[string]string{"ref": in.Ref, "code": "rate-limited", "message": "You are sending messages too fast; slow down."})
			continue
		}
		c.violations = 0
		if err := json.Unmarshal(msg, &in); err != nil || in.Type == "" {
			c.direct("error", 0, map[string]string{"ref": in.Ref, "code": "bad-message", "message": "Messages are JSON objects {type, ref, data}."})
			continue
		}
		if in.Type == "ping" {
			c.direct("pong", 0, map[string]string{"ref": in.Ref})
			continue
		}
		res, err := shallow(func() (any, error) { return cl.Handle(ctx, in) })
		if err != nil {
			d := cl.Describe(err)
			if m, ok := d.(map[string]any); ok {
				m["ref"] = in.Ref
			}
			c.direct("error", 0, d)
			continue
		}
		if in.Ref != "" {
			c.direct("ack", 0, map[string]any{"ref": in.Ref, "result": res})
		}
	}
}

// enter adds the connection to the room: it replays the events after cl.Since from the
// room history when it holds them all, or else sends a snapshot (with the sequence number
// it reflects) followed by any event that arrived while it was built.
func (c *Conn) enter(ctx context.Context, r *room, cl Client) error {
	// r.mu is held by join.
	if cl.Since >= 0 {
		if evs, ok := r.since(cl.Since); ok {
			c.direct("resumed", 0, map[string]int64{"from": cl.Since, "to": r.last})
			c.replay(evs)
			r.conns[c] = struct{}{}
			r.joining--
			r.mu.Unlock()
			return nil
		}
	}
	for attempt := 0; ; attempt++ {
		last := r.last
		r.mu.Unlock()
		snap, at, err := cl.Snapshot(ctx, last, attempt > 0)
		r.mu.Lock()
		if err != nil {
			r.joining--
			r.mu.Unlock()
			return err
		}
		last = min(at, last)
		evs, ok := r.since(last)
		if !ok && attempt < 3 {
			continue // the room moved on past its history while the snapshot was built
		}
		c.direct("snapshot", last, snap)
		c.replay(evs)
		r.conns[c] = struct{}{}
		r.joining--
		r.mu.Unlock()
		return nil
	}
}

func (c *Conn) replay(evs []Event) {
	for _, e := range evs {
		if !e.Staff || c.staff {
			c.enqueue(e.Body)
		}
	}
}

// writeLoop writes queued messages and pings until the connection is closed, then sends
// the close frame and waits briefly for the reader to see the client's reply.
func (c *Conn) writeLoop() {
	o := c.hub.opt
	ping := time.NewTicker(o.PingInterval)
	defer ping.Stop()
	defer func() {
		_ = c.sock.WriteControl(closeMessage, closePayload(c.code, c.reason), o.Now().Add(min(o.WriteTimeout, 5*time.Second)))
		select {
		case <-c.read:
		case <-time.After(2 * time.Second):
		}
		_ = c.sock.Close()
	}()
	for {
		select {
		case <-c.quit:
			return
		default:
		}
		select {
		case <-c.quit:
			return
		case b := <-c.send:
			_ = c.sock.SetWriteDeadline(o.Now().Add(o.WriteTimeout))
			if err := c.sock.WriteMessage(textMessage, b); err != nil {
				c.closeWith(CloseNormal, "")
				return
			}
		case <-ping.C:
			if err := c.sock.WriteControl(pingMessage, nil, o.Now().Add(o.WriteTimeout)); err != nil {
				c.closeWith(CloseNormal, "")
				return
			}
		}
	}
}

// shallow runs f on a short-lived goroutine and waits for it. The reader goroutine lives
// as long as the connection; work with deep call stacks (store queries, JSON) would grow its
// stack for good, and thousands of idle connections would keep that memory.
func shallow(f func() (any, error)) (any, error) {
	type result struct {
		v   any
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	r := <-ch
	return r.v, r.err
}

func readCloseCode(err error) (int, string) {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return CloseIdle, "idle timeout"
	case strings.Contains(err.Error(), "read limit exceeded"):
		return CloseTooBig, "message too big"
	}
	return CloseNormal, ""
}
