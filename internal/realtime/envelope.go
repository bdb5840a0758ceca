// Package realtime is the WebSocket side of the live classroom: a hub per instance with
// rooms spread over shards, one reader and one writer goroutine per connection, a bounded
// send queue whose overflow closes the slow client, a per-room sequence with a bounded
// history for resume (or a fresh snapshot when a client is too far behind), and a Broker
// that carries events between instances (in-process by default, NATS when configured).
//
// Every room event is encoded once into an Envelope and the same bytes go to every
// connection. Sequence numbers come from a Log (the store), so they are per room across all
// instances, and each instance delivers a room's events in sequence order.
// The protocol is described in docs/REALTIME.md.
package realtime

import (
	"encoding/json"
	"time"
)

// Envelope is every message the server sends: Seq is the room sequence number for room
// events and 0 for messages addressed to one connection (snapshot, ack, error, pong).
type Envelope struct {
	Type string          `json:"type"`
	Seq  int64           `json:"seq"`
	TS   int64           `json:"ts"` // server time, Unix milliseconds
	Data json.RawMessage `json:"data,omitempty"`
}

// Inbound is a message a client sends. Ref, when given, is echoed in the ack or error.
type Inbound struct {
	Type string          `json:"type"`
	Ref  string          `json:"ref,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Event is one room event as it travels between instances: the encoded envelope and who
// may see it.
type Event struct {
	Room  string
	Seq   int64
	Staff bool // only staff connections receive it
	Body  []byte
}

// WebSocket close codes the server uses. 1000-1011 are the standard ones; 4000-4999 are
// Chartroom's own, documented in docs/REALTIME.md.
const (
	CloseNormal       = 1000 // the client or the server ended the connection normally
	CloseGoingAway    = 1001 // the server is shutting down; reconnect (to another instance)
	CloseTooBig       = 1009 // a message exceeded the read limit
	CloseInternal     = 1011 // the server failed; reconnect with backoff
	CloseIdle         = 4000 // no message or pong within the idle timeout
	CloseUnauthorized = 4001 // the session or token is no longer valid
	CloseSlow         = 4008 // the client did not keep up: its send queue overflowed
	CloseEnded        = 4010 // the live session ended
	CloseRateLimited  = 4029 // the client kept sending faster than the rate limit
)

// message types of the websocket frames (RFC 6455), the same in every Go implementation.
const (
	textMessage  = 1
	closeMessage = 8
	pingMessage  = 9
)

func encode(typ string, seq int64, now time.Time, data any) ([]byte, error) {
	var raw json.RawMessage
	switch d := data.(type) {
	case nil:
	case json.RawMessage:
		raw = d
	default:
		b, err := json.Marshal(d)
		if err != nil {
			return nil, err
		}
		raw = b
	}
	return json.Marshal(Envelope{Type: typ, Seq: seq, TS: now.UnixMilli(), Data: raw})
}

func closePayload(code int, text string) []byte {
	if len(text) > 120 {
		text = text[:120]
	}
	b := make([]byte, 2, 2+len(text))
	b[0], b[1] = byte(code>>8), byte(code)
	return append(b, text...)
}
