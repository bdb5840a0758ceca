package httpapi_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/bank"
	"github.com/chartroom-him/chartroom/internal/classroom"
	"github.com/chartroom-him/chartroom/internal/courses"
	"github.com/chartroom-him/chartroom/internal/httpapi"
	"github.com/chartroom-him/chartroom/internal/mongostore"
	"github.com/chartroom-him/chartroom/internal/mongostore/mongotest"
	"github.com/chartroom-him/chartroom/internal/programs"
	"github.com/chartroom-him/chartroom/internal/realtime"
)

func startNATS(t *testing.T) string {
	t.Helper()
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(5 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	t.Cleanup(ns.Shutdown)
	return ns.ClientURL()
}

// instance is one app instance: its own services, hub and NATS broker over the shared store.
type instance struct {
	acc   *accounts.Service
	progs *programs.Service
	cls   *classroom.Service
	hub   *realtime.Hub
	base  string // http://host:port
}

func startInstance(t *testing.T, st *mongostore.Store, natsURL, name string) *instance {
	t.Helper()
	log := audit.NewLog(st, nil)
	in := &instance{acc: accounts.NewService(st, log, accounts.Options{HashParams: fastHash})}
	in.progs = programs.NewService(st, in.acc, log, nil)
	bk := bank.NewService(st, log, nil)
	crs := courses.NewService(st, log, nil)
	in.cls = classroom.NewService(st, in.progs, in.acc, bk, crs, nil, log, classroom.Options{})
	broker, err := realtime.DialNATS(natsURL, name)
	if err != nil {
		t.Fatal(err)
	}
	if in.hub, err = realtime.NewHub(st, broker, realtime.Options{}); err != nil {
		t.Fatal(err)
	}
	in.cls.SetBroadcaster(in.hub)
	srv := httpapi.New(httpapi.Deps{Accounts: in.acc, Programs: in.progs, Audit: log, Courses: crs, Bank: bk, Classroom: in.cls, Hub: in.hub, Ready: st.Ping})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.App().Listener(ln) }()
	t.Cleanup(func() {
		in.hub.Close()
		_ = srv.Shutdown(context.Background())
		_ = broker.Close()
	})
	in.base = "http://" + ln.Addr().String()
	return in
}

func (in *instance) token(t *testing.T, email string) string {
	t.Helper()
	body := strings.NewReader(`{"email":"` + email + `","password":"` + testPassword + `"}`)
	res, err := http.Post(in.base+"/api/v1/auth/token", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Token string }
	_ = json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != 201 {
		t.Fatalf("token: status %d", res.StatusCode)
	}
	return out.Token
}

func (in *instance) dial(t *testing.T, sessionID, token string) *websocket.Conn {
	t.Helper()
	h := http.Header{"Authorization": {"Bearer " + token}}
	ws, res, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(in.base, "http")+"/api/v1/sessions/"+sessionID+"/ws", h)
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		t.Fatalf("dial: %v (status %d)", err, status)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

func readEnv(t *testing.T, ws *websocket.Conn) realtime.Envelope {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var e realtime.Envelope
	if err := ws.ReadJSON(&e); err != nil {
		t.Fatalf("read: %v", err)
	}
	return e
}

// TestTwoInstancesOverNATS: a student on instance A sees, in order, the poll and the chat
// the instructor sends on instance B, and B sees A's messages, with one store behind both.
func TestTwoInstancesOverNATS(t *testing.T) {
	natsURL := startNATS(t)
	st := mongotest.Open(t)
	a, b := startInstance(t, st, natsURL, "a"), startInstance(t, st, natsURL, "b")
	ctx := context.Background()
	sys := accounts.SystemPrincipal
	users := map[string]accounts.User{}
	for name, role := range map[string]accounts.Role{"teacher": accounts.Instructor, "ana": accounts.Student} {
		u, _, err := a.acc.CreateUser(ctx, sys, accounts.NewUser{Email: name + "@example.edu", Name: name, Roles: []accounts.Role{role}, Password: testPassword})
		if err != nil {
			t.Fatal(err)
		}
		users[name] = u
	}
	inst, _ := a.progs.CreateInstitution(ctx, sys, "College")
	prog, err := a.progs.CreateProgram(ctx, sys, programs.Program{InstitutionID: inst.ID, Slug: "hit", Name: "HIT", Credential: "AAS"})
	if err != nil {
		t.Fatal(err)
	}
	teacher := accounts.Principal{UserID: users["teacher"].ID, Name: "teacher", Roles: []accounts.Role{accounts.Instructor}}
	if _, err := a.progs.AssignStaff(ctx, sys, prog.ID, teacher.UserID, programs.InstructorRole); err != nil {
		t.Fatal(err)
	}
	sec, err := a.cls.CreateSection(ctx, teacher, classroom.Section{ProgramID: prog.ID, Title: "HIT 101", StudentIDs: []string{users["ana"].ID}})
	if err != nil {
		t.Fatal(err)
	}
	ss, err := a.cls.CreateSession(ctx, teacher, sec.ID, classroom.NewSession{Title: "Week 1", Start: true})
	if err != nil {
		t.Fatal(err)
	}

	student := a.dial(t, ss.ID, a.token(t, "ana@example.edu"))
	if e := readEnv(t, student); e.Type != "snapshot" {
		t.Fatalf("student first message %s, want snapshot", e.Type)
	}
	instructor := b.dial(t, ss.ID, b.token(t, "teacher@example.edu"))
	if e := readEnv(t, instructor); e.Type != "snapshot" {
		t.Fatalf("instructor first message %s, want snapshot", e.Type)
	}

	// The instructor opens a poll and chats on B while the student chats on A.
	send := func(ws *websocket.Conn, typ string, data any) {
		t.Helper()
		if err := ws.WriteJSON(map[string]any{"type": typ, "data": data}); err != nil {
			t.Fatal(err)
		}
	}
	send(instructor, "poll.open", map[string]any{"stem": "Which record is the legal record?", "options": []map[string]any{{"id": "A", "text": "The EHR", "correct": true}, {"id": "B", "text": "A printout"}}})
	for i := 0; i < 5; i++ {
		send(instructor, "chat.send", map[string]string{"text": "from B"})
		send(student, "chat.send", map[string]string{"text": "from A"})
	}

	var last int64
	seen := map[string]int{}
	deadline := time.Now().Add(10 * time.Second)
	for (seen["poll.opened"] < 1 || seen["chat.message"] < 10) && time.Now().Before(deadline) {
		e := readEnv(t, student)
		if e.Seq == 0 {
			continue // an ack or error addressed to this connection
		}
		if e.Seq <= last {
			t.Fatalf("student on A got seq %d after %d: out of order", e.Seq, last)
		}
		last = e.Seq
		seen[e.Type]++
		if e.Type == "poll.opened" && !strings.Contains(string(e.Data), "legal record") {
			t.Errorf("poll.opened data %s", e.Data)
		}
		if e.Type == "poll.results" {
			t.Errorf("student received the staff-only poll.results")
		}
	}
	if seen["poll.opened"] != 1 || seen["chat.message"] < 10 {
		t.Fatalf("student on A saw %v, want the poll and 10 chat messages", seen)
	}
	// B's instructor sees A's student chat too.
	got := 0
	for got < 5 && time.Now().Before(deadline) {
		e := readEnv(t, instructor)
		if e.Type == "chat.message" && strings.Contains(string(e.Data), "from A") {
			got++
		}
	}
	if got != 5 {
		t.Fatalf("instructor on B saw %d of A's messages, want 5", got)
	}
}
