package realtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/chartroom-him/chartroom/internal/realtime"
)

type env struct {
	hub    *realtime.Hub
	log    *realtime.MemLog
	broker *realtime.InProc
	url    string
}

func newEnv(t *testing.T, opt realtime.Options) *env {
	t.Helper()
	e := &env{log: realtime.NewMemLog(), broker: realtime.NewInProc()}
	var err error
	if e.hub, err = realtime.NewHub(e.log, e.broker, opt); err != nil {
		t.Fatal(err)
	}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		since := int64(-1)
		if s := r.URL.Query().Get("since"); s != "" {
			_ = json.Unmarshal([]byte(s), &since)
		}
		_ = e.hub.Serve(r.Context(), c, realtime.Client{
			Room: "room1", UserID: r.URL.Query().Get("user"), Staff: r.URL.Query().Get("staff") == "1", Since: since,
			Snapshot: func(_ context.Context, last int64, _ bool) (any, int64, error) {
				return map[string]string{"state": "fresh"}, last, nil
			},
			Handle: func(_ context.Context, in realtime.Inbound) (any, error) {
				if in.Type == "fail" {
					return nil, errors.New("refused")
				}
				return "ok", nil
			},
		})
	}))
	t.Cleanup(func() { e.hub.Close(); srv.Close() })
	e.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	return e
}

type client struct {
	t  *testing.T
	ws *websocket.Conn
}

func (e *env) dial(t *testing.T, query string, readBuf int) *client {
	t.Helper()
	d := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil && readBuf > 0 {
			_ = c.(*net.TCPConn).SetReadBuffer(readBuf)
		}
		return c, err
	}}
	ws, _, err := d.Dial(e.url+"?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return &client{t: t, ws: ws}
}

func (c *client) next() realtime.Envelope {
	c.t.Helper()
	_ = c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, b, err := c.ws.ReadMessage()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var env realtime.Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		c.t.Fatal(err)
	}
	return env
}

func (c *client) send(v any) {
	c.t.Helper()
	if err := c.ws.WriteJSON(v); err != nil {
		c.t.Fatal(err)
	}
}

func publish(t *testing.T, e *env, staff bool, typ string, data any) int64 {
	t.Helper()
	seq, err := e.hub.Publish(context.Background(), "room1", staff, typ, data)
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func TestSnapshotThenEventsInOrder(t *testing.T) {
	e := newEnv(t, realtime.Options{})
	c := e.dial(t, "user=a", 0)
	if got := c.next(); got.Type != "snapshot" || got.Seq != 0 {
		t.Fatalf("first message = %s seq %d, want snapshot seq 0", got.Type, got.Seq)
	}
	for i := 1; i <= 3; i++ {
		publish(t, e, false, "chat.message", map[string]int{"n": i})
	}
	for i := int64(1); i <= 3; i++ {
		if got := c.next(); got.Seq != i || got.Type != "chat.message" {
			t.Fatalf("got %s seq %d, want chat.message seq %d", got.Type, got.Seq, i)
		}
	}
}

func TestStaffOnlyEventsSkipStudents(t *testing.T) {
	e := newEnv(t, realtime.Options{})
	staff, student := e.dial(t, "user=t&staff=1", 0), e.dial(t, "user=s", 0)
	staff.next()
	student.next()
	publish(t, e, true, "poll.results", nil)
	publish(t, e, false, "poll.closed", nil)
	if got := staff.next(); got.Type != "poll.results" {
		t.Errorf("staff got %s, want poll.results", got.Type)
	}
	if got := student.next(); got.Type != "poll.closed" || got.Seq != 2 {
		t.Errorf("student got %s seq %d, want poll.closed seq 2", got.Type, got.Seq)
	}
}

func TestResumeReplaysMissedEvents(t *testing.T) {
	e := newEnv(t, realtime.Options{History: 8})
	keep := e.dial(t, "user=k", 0) // keeps the room (and its history) alive
	keep.next()
	publish(t, e, false, "chat.message", "one")
	tests := []struct {
		name     string
		since    string
		wantType string
		wantSeqs []int64
	}{
		{"within history", "1", "resumed", []int64{2, 3, 4}},
		{"too far behind", "-5", "snapshot", nil},
		{"ahead of the room", "99", "snapshot", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantSeqs == nil {
				c := e.dial(t, "user=b&since="+tt.since, 0)
				if got := c.next(); got.Type != tt.wantType {
					t.Fatalf("got %s, want %s", got.Type, tt.wantType)
				}
				return
			}
			for _, s := range tt.wantSeqs {
				if got := publish(t, e, false, "chat.message", s); got != s {
					t.Fatalf("published seq %d, want %d", got, s)
				}
			}
			c := e.dial(t, "user=b&since="+tt.since, 0)
			if got := c.next(); got.Type != tt.wantType {
				t.Fatalf("got %s, want %s", got.Type, tt.wantType)
			}
			for _, s := range tt.wantSeqs {
				if got := c.next(); got.Seq != s {
					t.Fatalf("replayed seq %d, want %d", got.Seq, s)
				}
			}
		})
	}
	// Far behind the ring: 20 more events, a client at seq 4 gets a snapshot at the room's seq.
	for i := 0; i < 20; i++ {
		publish(t, e, false, "chat.message", i)
	}
	c := e.dial(t, "user=c&since=4", 0)
	if got := c.next(); got.Type != "snapshot" || got.Seq != 24 {
		t.Fatalf("got %s seq %d, want snapshot seq 24", got.Type, got.Seq)
	}
}

func TestOutOfOrderEventsAreReordered(t *testing.T) {
	e := newEnv(t, realtime.Options{GapWait: 2 * time.Second})
	c := e.dial(t, "user=a", 0)
	c.next()
	mk := func(seq int64) realtime.Event {
		b, _ := json.Marshal(realtime.Envelope{Type: "x", Seq: seq})
		return realtime.Event{Room: "room1", Seq: seq, Body: b}
	}
	ctx := context.Background()
	_ = e.broker.Publish(ctx, mk(2)) // arrives before 1, as from another instance
	_ = e.broker.Publish(ctx, mk(1))
	for _, want := range []int64{1, 2} {
		if got := c.next(); got.Seq != want {
			t.Fatalf("got seq %d, want %d", got.Seq, want)
		}
	}
}

func TestGapIsFilledFromTheLog(t *testing.T) {
	e := newEnv(t, realtime.Options{GapWait: 50 * time.Millisecond, GapSkip: 200 * time.Millisecond})
	c := e.dial(t, "user=a", 0)
	c.next()
	ctx := context.Background()
	for seq := int64(1); seq <= 2; seq++ {
		b, _ := json.Marshal(realtime.Envelope{Type: "x", Seq: seq})
		ev := realtime.Event{Room: "room1", Seq: seq, Body: b}
		_ = e.log.AppendEvent(ctx, ev)
		if seq == 2 { // event 1 is stored but its broker message was lost
			_ = e.broker.Publish(ctx, ev)
		}
	}
	for _, want := range []int64{1, 2} {
		if got := c.next(); got.Seq != want {
			t.Fatalf("got seq %d, want %d", got.Seq, want)
		}
	}
}

func TestAckErrorAndPing(t *testing.T) {
	e := newEnv(t, realtime.Options{})
	c := e.dial(t, "user=a", 0)
	c.next()
	c.send(map[string]string{"type": "hello", "ref": "r1"})
	if got := c.next(); got.Type != "ack" || !strings.Contains(string(got.Data), `"r1"`) {
		t.Errorf("got %s %s, want ack r1", got.Type, got.Data)
	}
	c.send(map[string]string{"type": "fail", "ref": "r2"})
	if got := c.next(); got.Type != "error" {
		t.Errorf("got %s, want error", got.Type)
	}
	c.send(map[string]string{"type": "ping"})
	if got := c.next(); got.Type != "pong" {
		t.Errorf("got %s, want pong", got.Type)
	}
	_ = c.ws.WriteMessage(websocket.TextMessage, []byte("not json"))
	if got := c.next(); got.Type != "error" || !strings.Contains(string(got.Data), "bad-message") {
		t.Errorf("got %s %s, want bad-message error", got.Type, got.Data)
	}
}

func closeCode(t *testing.T, c *client) int {
	t.Helper()
	_ = c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for n := 0; ; n++ {
		_, _, err := c.ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code
			}
			t.Fatalf("read ended without a close frame after %d messages: %v", n, err)
		}
	}
}

func TestLimitsCloseWithDocumentedCodes(t *testing.T) {
	t.Run("message too big", func(t *testing.T) {
		e := newEnv(t, realtime.Options{ReadLimit: 1024})
		c := e.dial(t, "user=a", 0)
		c.next()
		_ = c.ws.WriteJSON(map[string]string{"type": "chat.send", "data": strings.Repeat("x", 4096)})
		// The server stops reading mid-message, so the kernel may reset the connection
		// before the client reads the close frame; when the frame arrives it carries 1009.
		_ = c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _, err := c.ws.ReadMessage()
		var ce *websocket.CloseError
		if errors.As(err, &ce) && ce.Code != realtime.CloseTooBig {
			t.Errorf("close code %d, want %d", ce.Code, realtime.CloseTooBig)
		}
		if err == nil {
			t.Error("connection still open after an oversized message")
		}
	})
	t.Run("rate limit", func(t *testing.T) {
		e := newEnv(t, realtime.Options{Rate: 1, Burst: 3})
		c := e.dial(t, "user=a", 0)
		c.next()
		for i := 0; i < 20; i++ {
			if err := c.ws.WriteJSON(map[string]string{"type": "x"}); err != nil {
				break
			}
		}
		if got := closeCode(t, c); got != realtime.CloseRateLimited {
			t.Errorf("close code %d, want %d", got, realtime.CloseRateLimited)
		}
	})
	t.Run("idle timeout", func(t *testing.T) {
		e := newEnv(t, realtime.Options{IdleTimeout: 300 * time.Millisecond, PingInterval: time.Hour})
		c := e.dial(t, "user=a", 0)
		if got := closeCode(t, c); got != realtime.CloseIdle {
			t.Errorf("close code %d, want %d", got, realtime.CloseIdle)
		}
	})
}

// TestSlowConsumerIsClosed: one client stops reading; the others keep getting every event
// on time, and the slow one is closed with CloseSlow instead of holding up the room.
func TestSlowConsumerIsClosed(t *testing.T) {
	e := newEnv(t, realtime.Options{SendQueue: 8, WriteTimeout: 20 * time.Second})
	slow := e.dial(t, "user=slow", 32<<10)
	slow.next() // then stops reading
	const fast = 3
	type got struct {
		n     int
		worst time.Duration
	}
	results := make([]got, fast)
	var wg sync.WaitGroup
	const events = 200
	for i := 0; i < fast; i++ {
		c := e.dial(t, "user=f", 0)
		c.next()
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for results[i].n < events {
				_ = c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
				_, b, err := c.ws.ReadMessage()
				if err != nil {
					return
				}
				var env struct {
					Data struct {
						Sent int64 `json:"sent"`
					} `json:"data"`
				}
				_ = json.Unmarshal(b, &env)
				if d := time.Since(time.Unix(0, env.Data.Sent)); d > results[i].worst {
					results[i].worst = d
				}
				results[i].n++
			}
		}(i)
	}
	pad := strings.Repeat("x", 64<<10) // large events fill the slow client's socket buffers quickly
	start := time.Now()
	for i := 0; i < events; i++ {
		publish(t, e, false, "chat.message", map[string]any{"sent": time.Now().UnixNano(), "pad": pad})
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
	for i, r := range results {
		if r.n != events {
			t.Errorf("fast client %d got %d events, want %d", i, r.n, events)
		}
		if r.worst > 500*time.Millisecond {
			t.Errorf("fast client %d: worst delivery %v, want under 500ms", i, r.worst)
		}
	}
	t.Logf("%d events of 64 KiB to %d fast clients in %v; worst delivery %v", events, fast, time.Since(start), results[0].worst)
	if st := e.hub.Stats(false); st.SlowClosed != 1 {
		t.Fatalf("slow closed = %d, want 1", st.SlowClosed)
	}
	if got := closeCode(t, slow); got != realtime.CloseSlow {
		t.Errorf("slow client close code %d, want %d", got, realtime.CloseSlow)
	}
}

// TestLateEventIsWaitedFor: an event numbered before a later one but stored after the first
// gap check (a slow store) is still delivered, in order, not skipped.
func TestLateEventIsWaitedFor(t *testing.T) {
	e := newEnv(t, realtime.Options{GapWait: 30 * time.Millisecond, GapSkip: 5 * time.Second})
	c := e.dial(t, "user=a", 0)
	c.next()
	ctx := context.Background()
	mk := func(seq int64) realtime.Event {
		b, _ := json.Marshal(realtime.Envelope{Type: "x", Seq: seq})
		return realtime.Event{Room: "room1", Seq: seq, Body: b}
	}
	_ = e.log.AppendEvent(ctx, mk(2))
	_ = e.broker.Publish(ctx, mk(2))
	time.Sleep(200 * time.Millisecond) // several gap checks find nothing
	_ = e.log.AppendEvent(ctx, mk(1))
	_ = e.broker.Publish(ctx, mk(1))
	for _, want := range []int64{1, 2} {
		if got := c.next(); got.Seq != want {
			t.Fatalf("got seq %d, want %d", got.Seq, want)
		}
	}
}

// TestNeverStoredEventIsSkipped: a number that never reaches the log stops holding up the
// room after GapSkip.
func TestNeverStoredEventIsSkipped(t *testing.T) {
	e := newEnv(t, realtime.Options{GapWait: 20 * time.Millisecond, GapSkip: 100 * time.Millisecond})
	c := e.dial(t, "user=a", 0)
	c.next()
	b, _ := json.Marshal(realtime.Envelope{Type: "x", Seq: 2})
	_ = e.broker.Publish(context.Background(), realtime.Event{Room: "room1", Seq: 2, Body: b})
	if got := c.next(); got.Seq != 2 {
		t.Fatalf("got seq %d, want 2 after skipping 1", got.Seq)
	}
}
