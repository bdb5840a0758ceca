package exams_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/bank"
	"github.com/chartroom-him/chartroom/internal/content"
	"github.com/chartroom-him/chartroom/internal/exams"
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

type world struct {
	st      *mongostore.Store
	clk     *clock
	acc     *accounts.Service
	progs   *programs.Service
	bank    *bank.Service
	program programs.Program
	student accounts.Principal
	teacher accounts.Principal
	bps     map[string]*content.Blueprint
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{st: mongotest.Open(t), clk: &clock{now: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}}
	log := audit.NewLog(w.st, w.clk.Now)
	w.acc = accounts.NewService(w.st, log, accounts.Options{Now: w.clk.Now, HashParams: accounts.HashParams{Memory: 64, Time: 1, Threads: 1}})
	w.progs = programs.NewService(w.st, w.acc, log, w.clk.Now)
	w.bank = bank.NewService(w.st, log, w.clk.Now)
	sys := accounts.SystemPrincipal
	in, _ := w.progs.CreateInstitution(ctx, sys, "College")
	p, err := w.progs.CreateProgram(ctx, sys, programs.Program{InstitutionID: in.ID, Slug: "hit", Name: "HIT", Credential: "AAS"})
	if err != nil {
		t.Fatal(err)
	}
	tu, _, _ := w.acc.CreateUser(ctx, sys, accounts.NewUser{Email: "t@example.edu", Name: "T", Roles: []accounts.Role{accounts.Instructor}, Password: "long-enough-password"})
	if w.program, err = w.progs.AssignStaff(ctx, sys, p.ID, tu.ID, programs.InstructorRole); err != nil {
		t.Fatal(err)
	}
	co, _ := w.progs.CreateCohort(ctx, sys, p.ID, "Fall", 2025)
	ev, _, err := w.progs.Enroll(ctx, sys, p.ID, programs.EnrollRequest{Email: "s@example.edu", Name: "S", CohortID: co.ID, StartDate: w.clk.Now()})
	if err != nil {
		t.Fatal(err)
	}
	w.student = accounts.Principal{UserID: ev.Student.ID, Email: "s@example.edu", Roles: []accounts.Role{accounts.Student}}
	w.teacher = accounts.Principal{UserID: tu.ID, Email: "t@example.edu", Roles: []accounts.Role{accounts.Instructor}}
	w.bps = map[string]*content.Blueprint{"RHIT": blueprint(t, "RHIT")}
	if _, err := w.bank.Import(ctx, "test", synthBank(w.bps["RHIT"], 20), nil); err != nil {
		t.Fatal(err)
	}
	return w
}

// service returns a fresh service over the same store: calling it again is a restart.
func (w *world) service() *exams.Service {
	return exams.NewService(w.st, w.bank, w.progs, audit.NewLog(w.st, w.clk.Now), exams.Options{Now: w.clk.Now, Grace: 10 * time.Second, Blueprints: w.bps})
}

func (w *world) exam(t *testing.T, svc *exams.Service, e exams.Exam) exams.Exam {
	t.Helper()
	e.ProgramID, e.Exam = w.program.ID, "RHIT"
	if e.Title == "" {
		e.Title = "Mock"
	}
	if e.Kind == "" {
		e.Kind = exams.FullLength
	}
	if e.ScoredItems == 0 {
		e.ScoredItems = 30
	}
	if e.Review == (exams.ReviewPolicy{}) {
		e.Review = exams.ReviewPolicy{Responses: exams.AfterSubmit, Correctness: exams.AfterSubmit, Key: exams.AfterSubmit, Rationale: exams.AfterSubmit}
	}
	out, err := svc.CreateExam(context.Background(), w.teacher, e)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAttemptLifecycle(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	svc := w.service()
	e := w.exam(t, svc, exams.Exam{TimeLimit: time.Hour, PretestItems: 5, AttemptsAllowed: 2})

	if _, err := svc.CreateExam(ctx, w.student, exams.Exam{ProgramID: w.program.ID}); err == nil {
		t.Error("a student created an exam")
	}
	v, created, err := svc.Start(ctx, w.student, e.ID)
	if err != nil || !created || len(v.Form) != 35 || !v.Attempt.Deadline.Equal(w.clk.Now().Add(time.Hour)) {
		t.Fatalf("start: created %v, %d questions, deadline %v, %v", created, len(v.Form), v.Attempt.Deadline, err)
	}
	again, created, err := svc.Start(ctx, w.student, e.ID)
	if err != nil || created || again.Attempt.ID != v.Attempt.ID {
		t.Fatalf("second start did not resume: %v %v", created, err)
	}
	// Answer a scored question (a pretest one would rightly not count).
	q := v.Form[0]
	for _, fq := range v.Form {
		if !fq.Pretest {
			q = fq
			break
		}
	}
	key := ""
	for _, o := range q.Options {
		if o.Correct {
			key = o.ID
		}
	}
	save := func(seq int64, choice string, flagged bool) (exams.SaveResult, error) {
		return svc.Save(ctx, w.student, v.Attempt.ID, exams.SaveInput{QuestionID: q.QuestionID, Choices: []string{choice}, Flagged: flagged, Seq: seq})
	}
	if r, err := save(2, key, true); err != nil || !r.Applied {
		t.Fatalf("save seq 2: %+v %v", r, err)
	}
	if r, err := save(1, "Z", false); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("unknown option: %+v %v", r, err)
	}
	wrong := "A"
	if key == "A" {
		wrong = "B"
	}
	if r, err := save(1, wrong, false); err != nil || r.Applied {
		t.Errorf("older seq: applied=%v err=%v, want ignored", r.Applied, err)
	}
	if r, err := save(2, wrong, false); err != nil || r.Applied {
		t.Errorf("repeated seq: applied=%v err=%v, want ignored", r.Applied, err)
	}
	got, err := svc.Get(ctx, w.student, v.Attempt.ID)
	if err != nil || got.Responses[q.QuestionID].Choices[0] != key || !got.Responses[q.QuestionID].Flagged {
		t.Fatalf("after stale saves the response is %+v, want the seq-2 answer", got.Responses[q.QuestionID])
	}

	// Near the deadline: inside the grace a save lands; after it, 409 attempt-closed.
	w.clk.Advance(time.Hour + 5*time.Second)
	if _, err := save(3, key, false); err != nil {
		t.Errorf("save inside grace: %v", err)
	}
	w.clk.Advance(10 * time.Second)
	_, err = save(4, key, false)
	var ae *apperr.Error
	if !apperr.Is(err, apperr.Conflict) || !asErr(err, &ae) || ae.Type != "attempt-closed" {
		t.Fatalf("save after grace: %v, want 409 attempt-closed", err)
	}
	a, err := svc.Submit(ctx, w.student, v.Attempt.ID)
	if err != nil || a.Status != exams.Closed || a.Score == nil || !a.FinishedAt.Equal(v.Attempt.Deadline) {
		t.Fatalf("submit after the deadline: %+v %v; want closed at the deadline with a score", a, err)
	}
	again2, _ := svc.Submit(ctx, w.student, v.Attempt.ID)
	if again2.Score.Raw != a.Score.Raw || !again2.FinishedAt.Equal(a.FinishedAt) {
		t.Error("submitting twice changed the result")
	}
	if a.Score.Total != 30 || a.Score.Raw < 1 {
		t.Errorf("score %+v: want 30 scored questions (pretest excluded) and the one right answer counted", a.Score)
	}
	_, review, err := svc.Review(ctx, w.student, v.Attempt.ID)
	if err != nil || len(review) != 35 {
		t.Fatalf("review: %d items, %v", len(review), err)
	}
	for _, ri := range review {
		if ri.Question.QuestionID == q.QuestionID && (!ri.ShowKey || ri.Response == nil || ri.Correct == nil || !*ri.Correct) {
			t.Errorf("review of the answered question = %+v; want key, response and correct", ri)
		}
	}

	// Second attempt prefers unseen items; a third is refused.
	v2, _, err := svc.Start(ctx, w.student, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, id := range v.Attempt.ItemIDs {
		seen[id] = true
	}
	repeats := 0
	for _, id := range v2.Attempt.ItemIDs {
		if seen[id] {
			repeats++
		}
	}
	if repeats > 0 {
		t.Errorf("second attempt repeats %d items although the bank has unseen ones", repeats)
	}
	if _, err := svc.Submit(ctx, w.student, v2.Attempt.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Start(ctx, w.student, e.ID); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("third attempt of 2 allowed: %v", err)
	}
}

func asErr(err error, target **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	if ok {
		*target = e
	}
	return ok
}

func TestSweeperClosesAbandonedAttemptAfterRestart(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	svc := w.service()
	e := w.exam(t, svc, exams.Exam{TimeLimit: 30 * time.Minute})
	v, _, err := svc.Start(ctx, w.student, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Save(ctx, w.student, v.Attempt.ID, exams.SaveInput{QuestionID: v.Form[0].QuestionID, Choices: []string{"A"}, Seq: 1}); err != nil {
		t.Fatal(err)
	}
	// The server restarts (a new service on the same store) and the student never returns.
	w.clk.Advance(31 * time.Minute)
	restarted := w.service()
	n, err := restarted.Sweep(ctx)
	if err != nil || n != 1 {
		t.Fatalf("sweep closed %d, %v; want 1", n, err)
	}
	a, err := w.st.AttemptByID(ctx, v.Attempt.ID)
	if err != nil || a.Status != exams.Closed || a.Score == nil || !a.FinishedAt.Equal(v.Attempt.Deadline) {
		t.Errorf("after sweep: %+v %v; want closed and scored at the deadline", a, err)
	}
	if n, _ := restarted.Sweep(ctx); n != 0 {
		t.Errorf("second sweep closed %d, want 0", n)
	}
}

func TestExtensionAndAccommodation(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	svc := w.service()
	e := w.exam(t, svc, exams.Exam{TimeLimit: time.Hour})
	if err := svc.SetAccommodation(ctx, w.teacher, exams.Accommodation{StudentID: w.student.UserID, Multiplier: 1.5}); err != nil {
		t.Fatal(err)
	}
	v, _, err := svc.Start(ctx, w.student, e.ID)
	if err != nil || !v.Attempt.Deadline.Equal(w.clk.Now().Add(90*time.Minute)) {
		t.Fatalf("accommodated deadline %v, %v; want +90 min", v.Attempt.Deadline, err)
	}
	if _, err := svc.Extend(ctx, w.student, v.Attempt.ID, 10*time.Minute); err == nil {
		t.Error("a student extended their own attempt")
	}
	a, err := svc.Extend(ctx, w.teacher, v.Attempt.ID, 10*time.Minute)
	if err != nil || !a.Deadline.Equal(v.Attempt.Deadline.Add(10*time.Minute)) {
		t.Fatalf("extend: %v %v", a.Deadline, err)
	}
	got, _ := svc.Get(ctx, w.student, v.Attempt.ID)
	if !got.Attempt.Deadline.Equal(a.Deadline) {
		t.Errorf("student sees deadline %v, want the extended %v", got.Attempt.Deadline, a.Deadline)
	}
}

func TestResetMonitorAndGrades(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	svc := w.service()
	e := w.exam(t, svc, exams.Exam{TimeLimit: time.Hour, AttemptsAllowed: 1})
	v, _, err := svc.Start(ctx, w.student, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Save(ctx, w.student, v.Attempt.ID, exams.SaveInput{QuestionID: v.Form[0].QuestionID, Choices: []string{"A"}, Seq: 1}); err != nil {
		t.Fatal(err)
	}
	rows, err := svc.Monitor(ctx, w.teacher, e.ID)
	if err != nil || len(rows) != 1 || rows[0].Answered != 1 || rows[0].Total != 30 || rows[0].Left != time.Hour {
		t.Fatalf("monitor = %+v, %v", rows, err)
	}
	if _, err := svc.Monitor(ctx, w.student, e.ID); err == nil {
		t.Error("a student opened the monitor")
	}
	if _, err := svc.Submit(ctx, w.student, v.Attempt.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Start(ctx, w.student, e.ID); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("second attempt of 1: %v", err)
	}
	if _, err := svc.ResetAttempt(ctx, w.teacher, v.Attempt.ID, ""); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("reset without a reason: %v", err)
	}
	if a, err := svc.ResetAttempt(ctx, w.teacher, v.Attempt.ID, "Fire alarm during the exam"); err != nil || a.Status != exams.Reset {
		t.Fatalf("reset: %+v %v", a, err)
	}
	if _, created, err := svc.Start(ctx, w.student, e.ID); err != nil || !created {
		t.Errorf("after a reset the student may start again: %v %v", created, err)
	}
	csv, err := svc.GradesCSV(ctx, w.teacher, e.ID, w.acc)
	if err != nil || !strings.Contains(string(csv), "student_email") || !strings.Contains(string(csv), "s@example.edu,1,reset") {
		t.Errorf("grades csv: %v\n%s", err, csv)
	}
	es, _ := audit.NewLog(w.st, nil).List(ctx, audit.Filter{Action: "attempt.reset"})
	if len(es) != 1 || es[0].Details["reason"] != "Fire alarm during the exam" {
		t.Errorf("reset audit = %+v", es)
	}
}
