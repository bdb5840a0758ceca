package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/bank"
	"github.com/chartroom-him/chartroom/internal/billing"
	"github.com/chartroom-him/chartroom/internal/content"
	"github.com/chartroom-him/chartroom/internal/courses"
	"github.com/chartroom-him/chartroom/internal/exams"
	"github.com/chartroom-him/chartroom/internal/httpapi"
	"github.com/chartroom-him/chartroom/internal/mongostore"
	"github.com/chartroom-him/chartroom/internal/mongostore/mongotest"
	"github.com/chartroom-him/chartroom/internal/outcomes"
	"github.com/chartroom-him/chartroom/internal/programs"
	"github.com/chartroom-him/chartroom/internal/stripepay"
	"github.com/chartroom-him/chartroom/internal/stripepay/stripetest"
)

func TestMain(m *testing.M) { mongotest.Main(m) }

// fastHash keeps argon2id but cheap, so tests that sign in a hundred times stay fast.
var fastHash = accounts.HashParams{Memory: 64, Time: 1, Threads: 1}

const testPassword = "correct-horse-battery"

// fixture is a server over a fresh database with one user per persona and two programs.
type fixture struct {
	t       testing.TB
	srv     *httpapi.Server
	acc     *accounts.Service
	progs   *programs.Service
	audit   *audit.Log
	bank    *bank.Service
	exams   *exams.Service
	outc    *outcomes.Service
	exam    exams.Exam
	attempt string
	program programs.Program // coordinated by "coordinator", taught by "instructor"
	other   programs.Program // coordinated by "othercoord"
	cohort  programs.Cohort
	users   map[string]accounts.User
	live    *liveClassroom // the live classroom: a section of program with a live session and a poll
	store   *mongostore.Store
	courses *courses.Service
	billing *billing.Service
	fee     billing.FeeItem // a fee of program, charged to the student
	receipt string          // the receipt of a check the student paid towards it
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	st := mongotest.Open(t)
	log := audit.NewLog(st, nil)
	acc := accounts.NewService(st, log, accounts.Options{HashParams: fastHash, AccountLimit: 3, IPLimit: 50, FailWindow: time.Minute})
	progs := programs.NewService(st, acc, log, nil)
	f := &fixture{t: t, acc: acc, progs: progs, audit: log, users: map[string]accounts.User{}}
	bk := bank.NewService(st, log, nil)
	crs := courses.NewService(st, log, nil).WithProgress(st, bk)
	tr, _ := content.Load(os.DirFS("../../content"))
	bk.WithRules(bank.Rules{Blueprints: tr.Blueprints, Competencies: tr.Competencies})
	f.bank = bk
	ex := exams.NewService(st, bk, progs, log, exams.Options{Blueprints: tr.Blueprints})
	f.exams = ex
	f.live = newLiveClassroom(t, st, acc, progs, bk, crs, log)
	f.store, f.courses = st, crs
	f.billing = billing.NewService(st, progs, acc, log, billing.Options{Verifier: stripepay.NewVerifier(stripetest.Secret), BaseURL: "http://127.0.0.1"})
	f.outc = outcomes.NewService(st, progs, acc, log, outcomes.Options{})
	f.srv = httpapi.New(httpapi.Deps{Accounts: acc, Programs: progs, Audit: log, Courses: crs, Bank: bk, Exams: ex, Ready: st.Ping, BodyLimit: 64 << 10,
		Classroom: f.live.svc, Hub: f.live.hub, BaseURL: "http://chartroom.test", Billing: f.billing, Outcomes: f.outc})
	if _, err := crs.Import(ctx, "test", []courses.Course{{Slug: "test-course", Title: "Test course", Exam: "RHIT", Modules: []courses.Module{{
		ID: "m1", Title: "Module", Domain: "1", Quiz: []string{"q-1"}, Lessons: []courses.Lesson{{ID: "test-course-m1-intro", Title: "Intro", Markdown: "# Intro\n\nSafe <script>alert(1)</script> text."}},
	}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := bk.Import(ctx, "test", []bank.Item{{ID: "q-1", Type: "single", Status: "active", Exams: []string{"RHIT"}, Blueprint: map[string]string{"RHIT": "3.1"},
		Questions: []bank.Question{{ID: "q-1", Type: "single", Stem: "Which?", Choose: 1, Options: []bank.Option{
			{ID: "A", Text: "a", Correct: true, Rationale: "A is right."}, {ID: "B", Text: "b", Rationale: "B is wrong."},
			{ID: "C", Text: "c", Rationale: "C is wrong."}, {ID: "D", Text: "d", Rationale: "D is wrong."}}}}}}, nil); err != nil {
		t.Fatal(err)
	}

	sys := accounts.SystemPrincipal
	for name, role := range map[string]accounts.Role{
		"student": accounts.Student, "instructor": accounts.Instructor, "coordinator": accounts.Coordinator,
		"admin": accounts.Admin, "othercoord": accounts.Coordinator,
	} {
		u, _, err := acc.CreateUser(ctx, sys, accounts.NewUser{Email: name + "@example.edu", Name: name, Roles: []accounts.Role{role}, Password: testPassword})
		if err != nil {
			t.Fatal(err)
		}
		f.users[name] = u
	}
	in, err := progs.CreateInstitution(ctx, sys, "Test College")
	if err != nil {
		t.Fatal(err)
	}
	mk := func(slug string, staff map[string]programs.StaffRole) programs.Program {
		p, err := progs.CreateProgram(ctx, sys, programs.Program{InstitutionID: in.ID, Slug: slug, Name: slug, Credential: "AAS"})
		if err != nil {
			t.Fatal(err)
		}
		for user, role := range staff {
			if p, err = progs.AssignStaff(ctx, sys, p.ID, f.users[user].ID, role); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	f.program = mk("hit", map[string]programs.StaffRole{"coordinator": programs.CoordinatorRole, "instructor": programs.InstructorRole})
	f.other = mk("hia", map[string]programs.StaffRole{"othercoord": programs.CoordinatorRole})
	if f.cohort, err = progs.CreateCohort(ctx, sys, f.program.ID, "Fall 2025", 2025); err != nil {
		t.Fatal(err)
	}
	if _, _, err := progs.Enroll(ctx, sys, f.program.ID, programs.EnrollRequest{Email: "student@example.edu", CohortID: f.cohort.ID, StartDate: time.Date(2025, 8, 25, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	// A hand-picked exam with the one bank item, open to the program's students, and an
	// attempt of the student's at it.
	during := exams.ReviewPolicy{Responses: exams.During, Correctness: exams.During, Key: exams.AfterSubmit, Rationale: exams.AfterSubmit}
	if f.exam, err = ex.CreateExam(ctx, accounts.Principal{UserID: f.users["instructor"].ID, Roles: []accounts.Role{accounts.Instructor}},
		exams.Exam{ProgramID: f.program.ID, Title: "Quiz", Kind: exams.HandPicked, Exam: "RHIT", ItemIDs: []string{"q-1"}, TimeLimit: time.Hour, Review: during}); err != nil {
		t.Fatal(err)
	}
	v, _, err := ex.Start(ctx, accounts.Principal{UserID: f.users["student"].ID, Roles: []accounts.Role{accounts.Student}}, f.exam.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.attempt = v.Attempt.ID
	f.live.populate(t, f)
	f.addBilling(ctx)
	return f
}

// addBilling gives the program a fee charged to the student, partly paid by check.
func (f *fixture) addBilling(ctx context.Context) {
	f.t.Helper()
	coord := accounts.Principal{UserID: f.users["coordinator"].ID, Roles: []accounts.Role{accounts.Coordinator}}
	var err error
	f.fee, err = f.billing.CreateFee(ctx, coord, billing.FeeItem{ProgramID: f.program.ID, Kind: billing.Tuition, Name: "Tuition installment 1",
		Amount: 120000, Currency: "usd", DueDate: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), RefundPolicy: "Prorated until week 4."})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.billing.Assign(ctx, coord, f.fee.ID, nil, f.cohort.ID); err != nil {
		f.t.Fatal(err)
	}
	e, err := f.billing.RecordOffline(ctx, coord, billing.OfflinePayment{ChargeID: billing.ChargeID(f.fee.ID, f.users["student"].ID), Method: billing.Check, Amount: 20000, Reference: "check 1001"})
	if err != nil {
		f.t.Fatal(err)
	}
	f.receipt = e.ReceiptID
}

// token signs a persona in through the API and returns a bearer token ("" for anonymous).
func (f *fixture) token(persona string) string {
	f.t.Helper()
	if persona == "anonymous" {
		return ""
	}
	res := f.do("POST", "/api/v1/auth/token", "", map[string]string{"email": persona + "@example.edu", "password": testPassword})
	if res.status != 201 {
		f.t.Fatalf("token for %s: status %d: %s", persona, res.status, res.body)
	}
	return res.json["token"].(string)
}

type response struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

// do sends a request through app.Test. body is JSON-encoded unless it is a string or nil.
func (f *fixture) do(method, path, token string, body any, headers ...string) response {
	f.t.Helper()
	var r io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		r, ct = bytes.NewBufferString(b), "text/csv"
	case []byte:
		r, ct = bytes.NewReader(b), "application/json"
	default:
		buf, _ := json.Marshal(b)
		r, ct = bytes.NewReader(buf), "application/json"
	}
	req := httptest.NewRequest(method, path, r)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := f.srv.App().Test(req, 10_000)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out := response{status: resp.StatusCode, header: resp.Header}
	out.body, _ = io.ReadAll(resp.Body)
	_ = json.Unmarshal(out.body, &out.json)
	return out
}
