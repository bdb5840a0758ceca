package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

type classroomFlags struct {
	url, adminEmail, adminPassword string
	clients, roomSize, accounts    int
	rate                           float64
	duration, settle               time.Duration
	dialers                        int
	jsonOut, stagger               bool
}

// classroomResult is the one JSON line `loadgen classroom` prints.
type classroomResult struct {
	Mode          string  `json:"mode"`
	Rooms         int     `json:"rooms"`
	Clients       int     `json:"clients"`
	Connected     int64   `json:"connected"`
	ConnectSec    float64 `json:"connectSec"`
	Broadcasts    int64   `json:"broadcasts"`
	Expected      int64   `json:"expected"`
	Delivered     int64   `json:"delivered"`
	Lost          int64   `json:"lost"`
	Disconnects   int64   `json:"disconnects"`
	P50           float64 `json:"p50ms"`
	P99           float64 `json:"p99ms"`
	Max           float64 `json:"maxms"`
	BytesPerConn  float64 `json:"serverBytesPerConn"`
	HeapPerConn   float64 `json:"serverHeapBytesPerConn"`
	StackPerConn  float64 `json:"serverStackBytesPerConn"`
	KiBPerConn    float64 `json:"serverKiBPerConn"`
	ServerConns   int64   `json:"serverConnections"`
	ServerGorouts int     `json:"serverGoroutines"`
	ProvisionSec  float64 `json:"provisionSec"`
	FirstError    string  `json:"firstError,omitempty"`
}

func parseClassroomFlags(args []string, stderr io.Writer) (classroomFlags, error) {
	var f classroomFlags
	fs := flag.NewFlagSet("loadgen classroom", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.url, "url", "http://127.0.0.1:8080", "server base URL")
	fs.StringVar(&f.adminEmail, "admin-email", "admin@lakeside.example", "admin account")
	fs.StringVar(&f.adminPassword, "admin-password", "", "admin password")
	fs.IntVar(&f.clients, "clients", 5000, "student connections in total")
	fs.IntVar(&f.roomSize, "room-size", 500, "student connections per room (rooms = clients / room-size)")
	fs.IntVar(&f.accounts, "accounts", 20, "distinct student accounts per room; connections share them round-robin (each account costs two password hashes)")
	fs.Float64Var(&f.rate, "rate", 1, "broadcasts per second per room, sent by the room's instructor")
	fs.DurationVar(&f.duration, "duration", 30*time.Second, "broadcast phase")
	fs.DurationVar(&f.settle, "settle", 3*time.Second, "idle time before the memory reading and after the last broadcast")
	fs.IntVar(&f.dialers, "dialers", 32, "connections opened at once")
	fs.BoolVar(&f.jsonOut, "json", true, "print the result as one JSON line (false: one readable line)")
	fs.BoolVar(&f.stagger, "stagger", true, "spread the rooms' broadcasts over each interval instead of sending all rooms' at the same instant")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if f.adminPassword == "" || f.clients < 1 || f.roomSize < 1 || f.rate <= 0 || f.accounts < 1 {
		return f, errors.New("need --admin-password, and positive --clients, --room-size, --accounts and --rate")
	}
	return f, nil
}

// raiseFDLimit lifts the open-file limit to its hard maximum: every connection is a file.
func raiseFDLimit() uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0
	}
	l.Cur = l.Max
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l)
	return l.Cur
}

type liveRoom struct {
	sessionID string
	tokens    []string
}

// provisionClassroom creates, through the API, a program, the student accounts, one
// section per room with its students and a live session each.
func provisionClassroom(ctx context.Context, c *client, f classroomFlags, rooms int, log io.Writer) (string, []liveRoom, error) {
	adminTok, err := c.login(ctx, f.adminEmail, f.adminPassword)
	if err != nil {
		return "", nil, err
	}
	admin := c.with(adminTok)
	run := fmt.Sprint(time.Now().Unix())
	var in struct{ ID string }
	if err := admin.do(ctx, "POST", "/api/v1/institutions", map[string]string{"name": "Loadgen Classroom College " + run}, &in); err != nil {
		return "", nil, fmt.Errorf("institution: %w", err)
	}
	var prog struct{ ID string }
	if err := admin.do(ctx, "POST", "/api/v1/programs", map[string]string{"institutionId": in.ID, "slug": "loadgen-live-" + run, "name": "Loadgen Live " + run, "credential": "AAS"}, &prog); err != nil {
		return "", nil, fmt.Errorf("program: %w", err)
	}
	if err := admin.do(ctx, "POST", "/api/v1/programs/"+prog.ID+"/cohorts", map[string]any{"name": "Load", "entryYear": 2026}, nil); err != nil {
		return "", nil, fmt.Errorf("cohort: %w", err)
	}
	out := make([]liveRoom, rooms)
	for r := 0; r < rooms; r++ {
		var b strings.Builder
		b.WriteString("email,name,cohort,start_date\n")
		var emails []string
		for i := 0; i < f.accounts; i++ {
			e := fmt.Sprintf("loadgen-live-%s-r%02d-s%03d@example.test", run, r, i)
			emails = append(emails, e)
			fmt.Fprintf(&b, "%s,Live Student %d-%d,Load,2026-08-24\n", e, r, i)
		}
		var imp struct {
			GeneratedPasswords []struct{ Email, Password string } `json:"generatedPasswords"`
		}
		if err := admin.do(ctx, "POST", "/api/v1/programs/"+prog.ID+"/enrollments/import", b.String(), &imp); err != nil {
			return "", nil, fmt.Errorf("import students: %w", err)
		}
		var sec struct{ ID string }
		if err := admin.do(ctx, "POST", "/api/v1/sections", map[string]any{"programId": prog.ID, "title": fmt.Sprintf("Loadgen room %d", r)}, &sec); err != nil {
			return "", nil, fmt.Errorf("section: %w", err)
		}
		if err := admin.do(ctx, "POST", "/api/v1/sections/"+sec.ID+"/students", map[string]any{"emails": emails}, nil); err != nil {
			return "", nil, fmt.Errorf("section students: %w", err)
		}
		var ss struct{ ID string }
		if err := admin.do(ctx, "POST", "/api/v1/sections/"+sec.ID+"/sessions", map[string]any{"title": "Load " + run, "start": true}, &ss); err != nil {
			return "", nil, fmt.Errorf("session: %w", err)
		}
		out[r].sessionID = ss.ID
		for _, g := range imp.GeneratedPasswords {
			tok, err := c.login(ctx, g.Email, g.Password)
			if err != nil {
				return "", nil, err
			}
			out[r].tokens = append(out[r].tokens, tok)
		}
		fmt.Fprintf(log, "loadgen: room %d: section %s, session %s, %d accounts\n", r, sec.ID, ss.ID, len(out[r].tokens))
	}
	return adminTok, out, nil
}

// marker is the text of a loadgen broadcast: room, number and send time.
func marker(room, n int, at time.Time) string {
	return fmt.Sprintf("lg %d %d %d", room, n, at.UnixNano())
}

func parseMarker(s string) (room, n int, at time.Time, ok bool) {
	f := strings.Fields(s)
	if len(f) != 4 || f[0] != "lg" {
		return 0, 0, time.Time{}, false
	}
	r, e1 := strconv.Atoi(f[1])
	k, e2 := strconv.Atoi(f[2])
	ns, e3 := strconv.ParseInt(f[3], 10, 64)
	return r, k, time.Unix(0, ns), e1 == nil && e2 == nil && e3 == nil
}

func runClassroom(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseClassroomFlags(args, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "loadgen: open-file limit %d\n", raiseFDLimit())
	rooms := max(1, (f.clients+f.roomSize-1)/f.roomSize)
	c := newClient(f.url)
	t0 := time.Now()
	adminTok, rs, err := provisionClassroom(ctx, c, f, rooms, stderr)
	if err != nil {
		return err
	}
	res := classroomResult{Mode: "classroom", Rooms: rooms, Clients: f.clients, ProvisionSec: time.Since(t0).Seconds()}
	admin := c.with(adminTok)
	var before struct {
		HeapInuse  float64 `json:"heapInuseBytes"`
		StackInuse float64 `json:"stackInuseBytes"`
	}
	if err := admin.do(ctx, "GET", "/api/v1/realtime/stats?gc=1", nil, &before); err != nil {
		return fmt.Errorf("stats: %w", err)
	}

	wsURL := "ws" + strings.TrimPrefix(strings.TrimRight(f.url, "/"), "http")
	dialer := websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 512}
	dial := func(sessionID, token string) (*websocket.Conn, error) {
		h := http.Header{"Authorization": {"Bearer " + token}}
		ws, _, err := dialer.DialContext(ctx, wsURL+"/api/v1/sessions/"+sessionID+"/ws", h)
		return ws, err
	}

	var (
		lat         latencies
		delivered   atomic.Int64
		disconnects atomic.Int64
		connected   atomic.Int64
		stopping    atomic.Bool
		firstErr    atomic.Value
		readers     sync.WaitGroup
		conns       []*websocket.Conn
		connsMu     sync.Mutex
	)
	fail := func(err error) { firstErr.CompareAndSwap(nil, err.Error()) }
	read := func(ws *websocket.Conn) {
		defer readers.Done()
		for {
			_, b, err := ws.ReadMessage()
			if err != nil {
				if !stopping.Load() && ctx.Err() == nil && !errors.Is(err, websocket.ErrCloseSent) && !websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway) {
					disconnects.Add(1)
					fail(fmt.Errorf("connection closed: %w", err))
				}
				return
			}
			var env struct {
				Type string `json:"type"`
				Data struct {
					Text string `json:"text"`
				} `json:"data"`
			}
			if json.Unmarshal(b, &env) != nil || env.Type != "chat.message" {
				continue
			}
			if _, _, at, ok := parseMarker(env.Data.Text); ok {
				lat.add(time.Since(at))
				delivered.Add(1)
			}
		}
	}

	// Connect every student, f.dialers at a time, round-robin over the room's accounts.
	tc := time.Now()
	sem := make(chan struct{}, f.dialers)
	var dials sync.WaitGroup
	for i := 0; i < f.clients; i++ {
		r := i / f.roomSize
		if r >= rooms {
			r = rooms - 1
		}
		dials.Add(1)
		sem <- struct{}{}
		go func(i, r int) {
			defer dials.Done()
			defer func() { <-sem }()
			ws, err := dial(rs[r].sessionID, rs[r].tokens[i%len(rs[r].tokens)])
			if err != nil {
				fail(fmt.Errorf("dial: %w", err))
				return
			}
			connected.Add(1)
			connsMu.Lock()
			conns = append(conns, ws)
			connsMu.Unlock()
			readers.Add(1)
			go read(ws)
		}(i, r)
		if ctx.Err() != nil {
			break
		}
	}
	dials.Wait()
	res.Connected, res.ConnectSec = connected.Load(), time.Since(tc).Seconds()
	fmt.Fprintf(stderr, "loadgen: %d of %d connected in %.1fs\n", res.Connected, f.clients, res.ConnectSec)

	// Idle memory per connection, after the joins' presence traffic settles.
	time.Sleep(f.settle)
	var after struct {
		HeapInuse   float64 `json:"heapInuseBytes"`
		StackInuse  float64 `json:"stackInuseBytes"`
		Connections int64   `json:"connections"`
		Goroutines  int     `json:"goroutines"`
	}
	if err := admin.do(ctx, "GET", "/api/v1/realtime/stats?gc=1", nil, &after); err == nil && res.Connected > 0 {
		res.BytesPerConn = (after.HeapInuse + after.StackInuse - before.HeapInuse - before.StackInuse) / float64(res.Connected)
		res.KiBPerConn = float64(int(res.BytesPerConn/1024*10)) / 10
		res.HeapPerConn = (after.HeapInuse - before.HeapInuse) / float64(res.Connected)
		res.StackPerConn = (after.StackInuse - before.StackInuse) / float64(res.Connected)
		res.ServerConns, res.ServerGorouts = after.Connections, after.Goroutines
	}

	// Broadcast: each room's instructor (the admin, who runs the sections) sends at the rate.
	var sent atomic.Int64
	expected := atomic.Int64{}
	perRoom := make([]int64, rooms)
	for r := 0; r < rooms; r++ {
		perRoom[r] = int64(min(f.roomSize, f.clients-r*f.roomSize))
	}
	var bwg sync.WaitGroup
	for r := 0; r < rooms; r++ {
		ws, err := dial(rs[r].sessionID, adminTok)
		if err != nil {
			return fmt.Errorf("instructor dial: %w", err)
		}
		bwg.Add(1)
		go func(r int, ws *websocket.Conn) {
			defer bwg.Done()
			defer ws.Close()
			acks := make(chan struct{}, 1024)
			go func() {
				for {
					_, b, err := ws.ReadMessage()
					if err != nil {
						return
					}
					var env struct {
						Type string `json:"type"`
						Data struct {
							Ref     string `json:"ref"`
							Message string `json:"message"`
						} `json:"data"`
					}
					_ = json.Unmarshal(b, &env)
					switch env.Type {
					case "ack":
						acks <- struct{}{}
					case "error":
						fail(fmt.Errorf("broadcast refused: %s", env.Data.Message))
					}
				}
			}()
			interval := time.Duration(float64(time.Second) / f.rate)
			if f.stagger {
				time.Sleep(interval * time.Duration(r) / time.Duration(rooms))
			}
			tick := time.NewTicker(interval)
			defer tick.Stop()
			end := time.After(f.duration)
			for n := 0; ; n++ {
				select {
				case <-end:
					time.Sleep(f.settle)
					for len(acks) > 0 {
						<-acks
						expected.Add(perRoom[r])
					}
					return
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				msg := map[string]any{"type": "chat.send", "ref": strconv.Itoa(n), "data": map[string]string{"text": marker(r, n, time.Now())}}
				if err := ws.WriteJSON(msg); err != nil {
					fail(err)
					return
				}
				sent.Add(1)
				for len(acks) > 0 {
					<-acks
					expected.Add(perRoom[r])
				}
			}
		}(r, ws)
	}
	bwg.Wait()
	stopping.Store(true)
	connsMu.Lock()
	for _, ws := range conns {
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		_ = ws.Close()
	}
	connsMu.Unlock()
	readers.Wait()

	res.Broadcasts, res.Expected, res.Delivered = sent.Load(), expected.Load(), delivered.Load()
	res.Lost = max(0, res.Expected-res.Delivered)
	res.Disconnects = disconnects.Load()
	res.P50, res.P99 = lat.pct(50), lat.pct(99)
	res.Max = lat.pct(100)
	if e, ok := firstErr.Load().(string); ok {
		res.FirstError = e
	}
	if !f.jsonOut {
		fmt.Fprintf(stdout, "rooms %d, connected %d of %d in %.1fs; broadcasts %d; delivered %d of %d (lost %d, disconnects %d); p50 %.1f ms, p99 %.1f ms, max %.1f ms; server %.1f KiB per idle connection\n",
			res.Rooms, res.Connected, res.Clients, res.ConnectSec, res.Broadcasts, res.Delivered, res.Expected, res.Lost, res.Disconnects, res.P50, res.P99, res.Max, res.KiBPerConn)
		return nil
	}
	b, _ := json.Marshal(res)
	fmt.Fprintln(stdout, string(b))
	return nil
}
