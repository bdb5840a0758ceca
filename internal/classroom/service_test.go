package classroom_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/bank"
	"github.com/chartroom-him/chartroom/internal/classroom"
	"github.com/chartroom-him/chartroom/internal/courses"
	"github.com/chartroom-him/chartroom/internal/mongostore"
	"github.com/chartroom-him/chartroom/internal/mongostore/mongotest"
	"github.com/chartroom-him/chartroom/internal/programs"
)

func TestMain(m *testing.M) { mongotest.Main(m) }

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// events records broadcasts.
type events struct {
	mu  sync.Mutex
	got []string
}

func (e *events) Broadcast(_ context.Context, room string, staff bool, typ string, _ any) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = append(e.got, typ)
	return nil
}

func (e *events) types() string { e.mu.Lock(); defer e.mu.Unlock(); return strings.Join(e.got, ",") }

type world struct {
	st       *mongostore.Store
	clk      *clock
	svc      *classroom.Service
	ev       *events
	log      *audit.Log
	teacher  accounts.Principal
	students []accounts.Principal
	section  classroom.Section
}

func principal(u accounts.User) accounts.Principal {
	return accounts.Principal{UserID: u.ID, Name: u.Name, Email: u.Email, Roles: u.Roles}
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{st: mongotest.Open(t), clk: &clock{now: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}, ev: &events{}}
	w.log = audit.NewLog(w.st, w.clk.Now)
	acc := accounts.NewService(w.st, w.log, accounts.Options{Now: w.clk.Now, HashParams: accounts.HashParams{Memory: 64, Time: 1, Threads: 1}})
	progs := programs.NewService(w.st, acc, w.log, w.clk.Now)
	bk := bank.NewService(w.st, w.log, w.clk.Now)
	crs := courses.NewService(w.st, w.log, w.clk.Now)
	sys := accounts.SystemPrincipal
	in, _ := progs.CreateInstitution(ctx, sys, "College")
	p, err := progs.CreateProgram(ctx, sys, programs.Program{InstitutionID: in.ID, Slug: "hit", Name: "HIT", Credential: "AAS"})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(email string, role accounts.Role) accounts.User {
		u, _, err := acc.CreateUser(ctx, sys, accounts.NewUser{Email: email, Name: strings.Split(email, "@")[0], Roles: []accounts.Role{role}, Password: "long-enough-password"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	tu := mk("teacher@example.edu", accounts.Instructor)
	if _, err := progs.AssignStaff(ctx, sys, p.ID, tu.ID, programs.InstructorRole); err != nil {
		t.Fatal(err)
	}
	w.teacher = principal(tu)
	var ids []string
	for _, e := range []string{"ana@example.edu", "ben@example.edu", "cy@example.edu"} {
		u := mk(e, accounts.Student)
		w.students = append(w.students, principal(u))
		ids = append(ids, u.ID)
	}
	if _, err := bk.Import(ctx, "test", []bank.Item{{ID: "q-1", Type: "single", Status: "active", Exams: []string{"RHIT"},
		Questions: []bank.Question{{ID: "q-1", Type: "single", Stem: "Which form?", Choose: 1, Options: []bank.Option{
			{ID: "A", Text: "a", Correct: true, Rationale: "A is right."}, {ID: "B", Text: "b", Rationale: "B is wrong."}}}}}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := crs.Import(ctx, "test", []courses.Course{{Slug: "prep", Title: "Prep", Exam: "RHIT", Modules: []courses.Module{{
		ID: "m1", Title: "M1", Domain: "1", Lessons: []courses.Lesson{{ID: "prep-m1-l1", Title: "The legal health record", Markdown: "# LHR"}},
	}}}}); err != nil {
		t.Fatal(err)
	}
	w.svc = classroom.NewService(w.st, progs, acc, bk, crs, w.ev, w.log, classroom.Options{Now: w.clk.Now, ChatRate: 3, ChatWindow: 10 * time.Second})
	if w.section, err = w.svc.CreateSection(ctx, w.teacher, classroom.Section{ProgramID: p.ID, Title: "HIT 101 A", Room: "B-204", StudentIDs: ids}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) live(t *testing.T) classroom.Session {
	t.Helper()
	ss, err := w.svc.CreateSession(context.Background(), w.teacher, w.section.ID, classroom.NewSession{Title: "Week 1", Start: true})
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

func wantKind(t *testing.T, err error, k apperr.Kind, contains string) {
	t.Helper()
	if !apperr.Is(err, k) {
		t.Fatalf("err = %v, want %s", err, k)
	}
	if contains != "" && !strings.Contains(err.Error(), contains) {
		t.Fatalf("err = %v, want it to say %q", err, contains)
	}
}

func TestCheckInCode(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	ss := w.live(t)
	code, err := w.svc.Code(ctx, w.teacher, ss.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Code(ctx, w.students[0], ss.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("student reading the code: err = %v, want forbidden", err)
	}
	age := w.clk.Now().Sub(code.ShownAt)
	tests := []struct {
		name    string
		student int
		at      time.Duration // code age at check-in
		code    string
		mode    classroom.Mode
		kind    apperr.Kind
		says    string
	}{
		{"44 s old code is accepted", 0, 44 * time.Second, code.Code, classroom.InPerson, "", ""},
		{"second check-in is refused", 0, 44 * time.Second, code.Code, classroom.Remote, apperr.Conflict, "already checked in"},
		{"46 s old code is refused", 1, 46 * time.Second, code.Code, classroom.InPerson, apperr.Invalid, "expired"},
		{"wrong code is refused", 1, 46 * time.Second, "000000x", classroom.InPerson, apperr.Invalid, "wrong"},
		{"in person needs a code", 1, 46 * time.Second, "", classroom.InPerson, apperr.Invalid, "code"},
		{"bad mode", 1, 46 * time.Second, "", "teleport", apperr.Invalid, "mode"},
		{"remote needs no code", 1, 46 * time.Second, "", classroom.Remote, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.clk.Advance(tt.at - age)
			age = tt.at
			a, err := w.svc.CheckIn(ctx, w.students[tt.student], ss.ID, classroom.CheckIn{Mode: tt.mode, Code: tt.code, IP: "10.0.0.7", UserAgent: "phone"})
			if tt.kind != "" {
				wantKind(t, err, tt.kind, tt.says)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Mode != tt.mode || a.IP != "10.0.0.7" || a.UserAgent != "phone" || !a.CheckedInAt.Equal(w.clk.Now()) {
				t.Errorf("record = %+v", a)
			}
		})
	}
	// The current code at any moment is accepted; a rotated code stops 45 s after it was shown.
	now := classroom.CurrentCode("secret", w.clk.Now())
	if !classroom.CheckCode("secret", now.Code, now.ShownAt.Add(44*time.Second)) || classroom.CheckCode("secret", now.Code, now.ShownAt.Add(45*time.Second)) {
		t.Error("a code must be accepted for exactly 45 s after it is shown")
	}
	if now.RotatesAt.Sub(now.ShownAt) != 30*time.Second {
		t.Errorf("rotation = %v, want 30s", now.RotatesAt.Sub(now.ShownAt))
	}
}

func TestStatusesAndAbsentAtEnd(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	ss := w.live(t)
	w.clk.Advance(5 * time.Minute)
	a, err := w.svc.CheckIn(ctx, w.students[0], ss.ID, classroom.CheckIn{Mode: classroom.Remote})
	if err != nil || a.Status != classroom.Present {
		t.Fatalf("at 5 min: %v %v, want present", a.Status, err)
	}
	w.clk.Advance(10 * time.Minute)
	if a, err = w.svc.CheckIn(ctx, w.students[1], ss.ID, classroom.CheckIn{Mode: classroom.Remote}); err != nil || a.Status != classroom.Late {
		t.Fatalf("at 15 min: %v %v, want late", a.Status, err)
	}
	if _, err := w.svc.Mark(ctx, w.students[0], ss.ID, w.students[1].UserID, classroom.Present, ""); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("student marking: %v, want forbidden", err)
	}
	if a, err = w.svc.Mark(ctx, w.teacher, ss.ID, w.students[1].UserID, classroom.Present, "bus was late"); err != nil || a.Status != classroom.Present || !a.Manual || a.Mode != classroom.Remote {
		t.Fatalf("mark: %+v %v", a, err)
	}
	_, n, err := w.svc.EndSession(ctx, w.teacher, ss.ID)
	if err != nil || n != 1 {
		t.Fatalf("end: %d absent, %v; want 1", n, err)
	}
	rep, err := w.svc.Attendance(ctx, w.teacher, w.section.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	csv := buf.String()
	for _, want := range []string{"ana@example.edu,ana,present,remote", "ben@example.edu,ben,present,remote", "cy@example.edu,cy,absent", "bus was late"} {
		if !strings.Contains(csv, want) {
			t.Errorf("CSV lacks %q:\n%s", want, csv)
		}
	}
	mine, err := w.svc.Attendance(ctx, w.students[2], w.section.ID, "")
	if err != nil || len(mine.Students) != 1 || mine.Students[0].ID != w.students[2].UserID {
		t.Fatalf("student's own report: %+v %v", mine.Students, err)
	}
	if _, err := w.svc.CheckIn(ctx, w.students[2], ss.ID, classroom.CheckIn{Mode: classroom.Remote}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("check-in after the end: %v, want conflict", err)
	}
	entries, _ := w.log.List(ctx, audit.Filter{Subject: "session:" + ss.ID})
	if len(entries) < 5 {
		t.Errorf("audit has %d entries for the session, want start, check-ins, mark, end", len(entries))
	}
}

func TestPollFromBankAndTyped(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	ss := w.live(t)
	if _, err := w.svc.OpenPoll(ctx, w.students[0], ss.ID, classroom.NewPoll{ItemID: "q-1"}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("student opening a poll: %v", err)
	}
	pl, err := w.svc.OpenPoll(ctx, w.teacher, ss.ID, classroom.NewPoll{ItemID: "q-1", Seconds: 60})
	if err != nil {
		t.Fatal(err)
	}
	for i, choice := range []string{"A", "B", "A"} {
		if _, err := w.svc.Answer(ctx, w.students[i], pl.ID, []string{choice}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.svc.Answer(ctx, w.students[1], pl.ID, []string{"A"}); err != nil { // changes B to A
		t.Fatal(err)
	}
	if _, err := w.svc.Answer(ctx, w.students[1], pl.ID, []string{"Z"}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("unknown option: %v", err)
	}
	w.clk.Advance(61 * time.Second)
	if _, err := w.svc.Answer(ctx, w.students[1], pl.ID, []string{"B"}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("answer after the timer: %v, want conflict", err)
	}
	pl, err = w.svc.RevealPoll(ctx, w.teacher, pl.ID)
	if err != nil {
		t.Fatal(err)
	}
	if pl.Answered != 3 || pl.Counts["A"] != 3 || pl.Counts["B"] != 0 || pl.Status != classroom.PollRevealed {
		t.Fatalf("results = %d answered, %v, %s; want 3, A:3 B:0, revealed", pl.Answered, pl.Counts, pl.Status)
	}
	res, err := w.svc.Polls(ctx, w.teacher, ss.ID)
	if err != nil || len(res) != 1 || len(res[0].Responses) != 3 {
		t.Fatalf("polls: %+v %v", res, err)
	}
	for _, r := range res[0].Responses {
		if !r.Correct {
			t.Errorf("response %+v should be correct", r)
		}
	}
	typed, err := w.svc.OpenPoll(ctx, w.teacher, ss.ID, classroom.NewPoll{Stem: "Ready?", Options: []classroom.PollOption{{ID: "Y", Text: "Yes"}, {ID: "N", Text: "No"}}})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := w.svc.Polls(ctx, w.students[0], ss.ID)
	if err != nil || len(mine) != 2 || mine[0].Poll.Counts["A"] != 3 || len(mine[0].Responses) != 1 {
		t.Fatalf("student's polls: %+v %v", mine, err)
	}
	if _, err := w.svc.OpenPoll(ctx, w.teacher, ss.ID, classroom.NewPoll{Stem: "", Options: nil}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("empty poll: %v", err)
	}
	if got := w.ev.types(); !strings.Contains(got, "poll.opened") || !strings.Contains(got, "poll.revealed") || !strings.Contains(got, "poll.results") {
		t.Errorf("events = %s", got)
	}
	_ = typed
}

func TestChatModerationAndHands(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	ss := w.live(t)
	ana := w.students[0]
	m, err := w.svc.Chat(ctx, ana, ss.ID, "hello")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Chat(ctx, ana, ss.ID, strings.Repeat("x", 501)); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("long message: %v", err)
	}
	_, _ = w.svc.Chat(ctx, ana, ss.ID, "two")
	_, _ = w.svc.Chat(ctx, ana, ss.ID, "three")
	if _, err := w.svc.Chat(ctx, ana, ss.ID, "four"); !apperr.Is(err, apperr.TooMany) {
		t.Fatalf("fourth message in 10 s: %v, want too many", err)
	}
	if err := w.svc.DeleteChat(ctx, ana, ss.ID, m.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("student deleting: %v", err)
	}
	if err := w.svc.DeleteChat(ctx, w.teacher, ss.ID, m.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Mute(ctx, w.teacher, ss.ID, ana.UserID, true); err != nil {
		t.Fatal(err)
	}
	w.clk.Advance(time.Minute)
	if _, err := w.svc.Chat(ctx, ana, ss.ID, "let me talk"); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("muted chat: %v", err)
	}
	if err := w.svc.RaiseHand(ctx, w.students[1], ss.ID, true); err != nil {
		t.Fatal(err)
	}
	w.clk.Advance(time.Second)
	_ = w.svc.RaiseHand(ctx, ana, ss.ID, true)
	room, err := w.svc.Room(ctx, w.teacher, ss.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(room.Hands) != 2 || room.Hands[0].UserID != w.students[1].UserID {
		t.Fatalf("hands = %+v, want ben then ana", room.Hands)
	}
	if len(room.Chat) != 2 || len(room.Muted) != 1 || !room.You.Staff {
		t.Fatalf("room chat %d muted %v staff %v", len(room.Chat), room.Muted, room.You.Staff)
	}
	if err := w.svc.AckHand(ctx, w.teacher, ss.ID, w.students[1].UserID); err != nil {
		t.Fatal(err)
	}
	room, _ = w.svc.Room(ctx, ana, ss.ID)
	if len(room.Hands) != 1 || !room.You.Muted || room.You.Staff {
		t.Fatalf("after ack: hands %+v muted %v", room.Hands, room.You.Muted)
	}
	if err := w.svc.React(ctx, ana, ss.ID, "💩"); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("unknown reaction: %v", err)
	}
}

func TestPresenceLessonAndSnapshot(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	ss := w.live(t)
	ana := w.students[0]
	sa, err := w.svc.Session(ctx, ana, ss.ID)
	if err != nil {
		t.Fatal(err)
	}
	j1, err := w.svc.Join(ctx, ana, sa, "10.0.0.1", "phone")
	if err != nil {
		t.Fatal(err)
	}
	j2, _ := w.svc.Join(ctx, ana, sa, "10.0.0.1", "laptop") // a second tab
	room, _, err := w.svc.Snapshot(ctx, ana, sa, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	if !room.Roster[0].Online || room.Roster[0].Status != "" {
		t.Fatalf("roster = %+v, want ana online and not checked in (joining is not a check-in)", room.Roster[0])
	}
	w.svc.Leave(ctx, ana, j1)
	room, _, _ = w.svc.Snapshot(ctx, ana, sa, 0, true)
	if !room.Roster[0].Online {
		t.Fatal("one tab left, one open: still online")
	}
	w.svc.Leave(ctx, ana, j2)
	room, _, _ = w.svc.Snapshot(ctx, ana, sa, 0, true)
	if room.Roster[0].Online || !room.Roster[0].Seen {
		t.Fatalf("after both tabs closed: %+v, want left (seen, not online)", room.Roster[0])
	}

	if err := w.svc.Present(ctx, ana, ss.ID, "prep", "prep-m1-l1"); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("student presenting: %v", err)
	}
	if err := w.svc.Present(ctx, w.teacher, ss.ID, "prep", "nope"); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("unknown lesson: %v", err)
	}
	if err := w.svc.Present(ctx, w.teacher, ss.ID, "prep", "prep-m1-l1"); err != nil {
		t.Fatal(err)
	}
	pl, err := w.svc.OpenPoll(ctx, w.teacher, ss.ID, classroom.NewPoll{Stem: "Ready?", Options: []classroom.PollOption{{ID: "Y", Text: "Yes", Correct: true}, {ID: "N", Text: "No"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Answer(ctx, ana, pl.ID, []string{"Y"}); err != nil {
		t.Fatal(err)
	}
	// A shared snapshot is personal where it matters: ana's answer, and no key for students.
	room, _, err = w.svc.Snapshot(ctx, ana, sa, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	if room.Lesson == nil || room.Lesson.Title != "The legal health record" {
		t.Errorf("lesson = %+v", room.Lesson)
	}
	if len(room.Mine) != 1 || room.Mine[0].Choices[0] != "Y" || room.Poll.Options[0].Correct != nil || room.Poll.Counts != nil {
		t.Errorf("student snapshot: mine %+v, poll %+v", room.Mine, room.Poll)
	}
	ben := w.students[1]
	sb, _ := w.svc.Session(ctx, ben, ss.ID)
	other, _, _ := w.svc.Snapshot(ctx, ben, sb, 0, false) // from the cache
	if len(other.Mine) != 0 || other.You.UserID != ben.UserID {
		t.Errorf("ben's snapshot carries someone else's state: %+v %+v", other.You, other.Mine)
	}
	staff, _ := w.svc.Session(ctx, w.teacher, ss.ID)
	tv, _, _ := w.svc.Snapshot(ctx, w.teacher, staff, 0, true)
	if tv.Poll.Counts["Y"] != 1 || !tv.You.Staff {
		t.Errorf("staff snapshot poll %+v", tv.Poll)
	}
}
