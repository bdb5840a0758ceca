package mongostore_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/exams"
	"github.com/chartroom-him/chartroom/internal/mongostore"
	"github.com/chartroom-him/chartroom/internal/mongostore/mongotest"
	"github.com/chartroom-him/chartroom/internal/outcomes"
	"github.com/chartroom-him/chartroom/internal/programs"
)

// seedHistory creates a program with one cohort per entry year and synthesized history.
func seedHistory(tb testing.TB, st *mongostore.Store, years, perYear int, asOf time.Time) (programs.Program, outcomes.History) {
	tb.Helper()
	ctx := context.Background()
	in := programs.Institution{Name: "Bench College"}
	if err := st.CreateInstitution(ctx, &in); err != nil {
		tb.Fatal(err)
	}
	pr := programs.Program{Slug: "bench", Name: "Bench HIT", Credential: "AAS", InstitutionID: in.ID}
	if err := st.CreateProgram(ctx, &pr); err != nil {
		tb.Fatal(err)
	}
	ex := exams.Exam{ProgramID: pr.ID, Title: "RHIT mock", Kind: exams.FullLength, Exam: "RHIT", ScoredItems: 130}
	if err := st.CreateExam(ctx, &ex); err != nil {
		tb.Fatal(err)
	}
	var specs []outcomes.CohortSpec
	last := outcomes.LastFullYear(asOf)
	for y := last - years + 1; y <= last; y++ {
		c := programs.Cohort{ProgramID: pr.ID, Name: "Entry " + time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006"), EntryYear: y}
		if err := st.CreateCohort(ctx, &c); err != nil {
			tb.Fatal(err)
		}
		specs = append(specs, outcomes.CohortSpec{ID: c.ID, EntryYear: y, Start: time.Date(y, time.August, 22, 0, 0, 0, 0, time.UTC), Size: perYear})
	}
	h := outcomes.Synthesize(pr.ID, specs, 24, asOf, 42, "bench.example", ex.ID)
	if err := st.InsertHistory(ctx, pr.ID, h); err != nil {
		tb.Fatal(err)
	}
	return pr, h
}

func newOutcomes(st *mongostore.Store, now time.Time) *outcomes.Service {
	log := audit.NewLog(st, nil)
	progs := programs.NewService(st, nil, log, nil)
	return outcomes.NewService(st, progs, nil, log, outcomes.Options{Now: func() time.Time { return now }})
}

func TestOutcomeStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	st := mongotest.Open(t)
	asOf := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	pr, h := seedHistory(t, st, 3, 20, asOf)

	recs0, err := st.Records(ctx, pr.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := recs0.Students
	if len(got) != len(h.Students) {
		t.Fatalf("streamed %d students, want %d", len(got), len(h.Students))
	}
	byID := map[string]outcomes.Student{}
	for _, s := range got {
		byID[s.StudentID] = s
	}
	for _, want := range h.Students {
		s := byID[want.StudentID]
		if !s.Expected.Equal(want.Expected) || len(s.Changes) != len(want.Changes) || s.Status != want.Status {
			t.Fatalf("student %s = %+v, want %+v", want.StudentID, s, want.Student)
		}
	}

	// The report computed from the store equals the one computed from the history itself.
	svc := newOutcomes(st, asOf)
	rep, err := svc.Report(ctx, accounts.SystemPrincipal, pr.ID, 2026, true)
	if err != nil {
		t.Fatal(err)
	}
	recs := outcomes.Records{Results: h.Results, Employment: h.Employment, Responses: h.Responses}
	for _, s := range h.Students {
		recs.Students = append(recs.Students, s.Student)
	}
	want := outcomes.YearFigures(recs, outcomes.Params{NormalMonths: 24, AsOf: asOf}, 2026)
	for i, f := range rep.Figures {
		if f.Numerator != want[i].Numerator || f.Denominator != want[i].Denominator {
			t.Errorf("%s from the store %d/%d, from memory %d/%d", f.Key, f.Numerator, f.Denominator, want[i].Numerator, want[i].Denominator)
		}
	}
	takers := 0
	for _, r := range rep.Readiness {
		takers += r.Takers
	}
	if takers == 0 {
		t.Errorf("readiness %+v, want mock takers from the last cohorts", rep.Readiness)
	}

	// Status changes are appended and can be undone.
	s := got[0]
	ch := outcomes.Change{Status: programs.Withdrawn, On: asOf}
	if err := st.AddStatusChange(ctx, s, pr.ID, ch, programs.Withdrawn, "u", asOf); err != nil {
		t.Fatal(err)
	}
	if after, _ := st.Records(ctx, pr.ID); !hasChange(after.Students, s.StudentID, ch) {
		t.Errorf("the ledger lacks the status change just added")
	}
	if err := st.RemoveStatusChange(ctx, s, pr.ID, ch, s.Status); err != nil {
		t.Fatal(err)
	}
	if after, _ := st.Records(ctx, pr.ID); hasChange(after.Students, s.StudentID, ch) {
		t.Errorf("the ledger keeps the status change just removed")
	}
	e, err := st.EnrollmentByStudent(ctx, pr.ID, s.StudentID)
	if err != nil || string(e.Status) != string(s.Status) || len(e.History) != len(s.Changes)+1 {
		t.Errorf("after add and remove: %+v %v, want status %s and %d history entries", e, err, s.Status, len(s.Changes)+1)
	}
	if err := st.InsertResults(ctx, h.Results[:1]); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("inserting an existing result: %v, want conflict", err)
	}
	if err := st.DeleteGoal(ctx, pr.ID, "none"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("deleting a missing goal: %v, want not found", err)
	}
}

// BenchmarkOutcomesReport times, for a program of 10,000 students over ten years on the
// embedded store, the full report (figures, five-year trends, ten cohorts, surveys,
// goals, coverage), the same with readiness (a scan of the mock exam attempts), and the
// public page: docs/BENCHMARKS.md records the results.
func BenchmarkOutcomesReport(b *testing.B) {
	ctx := context.Background()
	st := mongotest.Open(b)
	asOf := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	start := time.Now()
	pr, h := seedHistory(b, st, 10, 1000, asOf)
	b.Logf("seeded %d students, %d results, %d follow-ups, %d responses, %d mock attempts in %v",
		len(h.Students), len(h.Results), len(h.Employment), len(h.Responses), len(h.Mocks), time.Since(start).Round(time.Millisecond))
	svc := newOutcomes(st, asOf)
	for _, bc := range []struct {
		name      string
		readiness bool
	}{{"report", false}, {"report+readiness", true}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				rep, err := svc.Report(ctx, accounts.SystemPrincipal, pr.ID, 2026, bc.readiness)
				if err != nil {
					b.Fatal(err)
				}
				if rep.Students != 10000 {
					b.Fatalf("report over %d students, want 10000", rep.Students)
				}
			}
		})
	}
	b.Run("public page", func(b *testing.B) {
		for b.Loop() {
			if _, err := svc.Public(ctx, pr.Slug); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ledger rebuild", func(b *testing.B) {
		for b.Loop() {
			if err := st.RebuildLedger(ctx, pr.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func hasChange(sts []outcomes.Student, id string, c outcomes.Change) bool {
	for _, s := range sts {
		if s.StudentID != id {
			continue
		}
		for _, x := range s.Changes {
			if x.Status == c.Status && x.On.Equal(c.On) {
				return true
			}
		}
	}
	return false
}

// TestOutcomeLedgerRebuildsAfterACrash leaves a pending mark behind, as a crash between the
// record write and the ledger update would, and checks the next read rebuilds the ledger.
func TestOutcomeLedgerRebuildsAfterACrash(t *testing.T) {
	ctx := context.Background()
	st := mongotest.Open(t)
	asOf := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	pr, h := seedHistory(t, st, 1, 10, asOf)
	victim := h.Students[0]
	// The record changes, the ledger does not, and a stale pending mark says so.
	if _, err := st.DB().Collection("enrollments").UpdateOne(ctx, map[string]any{"_id": victim.EnrollmentID},
		map[string]any{"$set": map[string]any{"expectedCompletion": asOf}}); err != nil {
		t.Fatal(err)
	}
	for k := 0; k < 16; k++ {
		if _, err := st.DB().Collection("outcome_ledger").UpdateOne(ctx, map[string]any{"_id": pr.ID + "/" + strconv.Itoa(k)},
			map[string]any{"$set": map[string]any{"pending.crashed": asOf.Add(-time.Hour)}}); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := st.Records(ctx, pr.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range recs.Students {
		if s.StudentID == victim.StudentID && !s.Expected.Equal(asOf) {
			t.Errorf("expected completion %v after the rebuild, want %v", s.Expected, asOf)
		}
	}
	if len(recs.Students) != len(h.Students) {
		t.Errorf("%d students after the rebuild, want %d", len(recs.Students), len(h.Students))
	}
}

// TestOutcomeLedgerConcurrentEnrollments enrolls students from many goroutines at once:
// every enrollment must reach the ledger.
func TestOutcomeLedgerConcurrentEnrollments(t *testing.T) {
	ctx := context.Background()
	st := mongotest.Open(t)
	pr, _ := seedHistory(t, st, 1, 1, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
	const n = 60
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			e := programs.Enrollment{ProgramID: pr.ID, CohortID: "c", StudentID: "conc-" + strconv.Itoa(i), Status: programs.Active,
				StartDate: time.Date(2025, 8, 25, 0, 0, 0, 0, time.UTC), History: []programs.StatusChange{{Status: programs.Active, On: time.Date(2025, 8, 25, 0, 0, 0, 0, time.UTC)}}}
			errs <- st.CreateEnrollment(ctx, &e)
		}()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	recs, err := st.Records(ctx, pr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs.Students) != n+1 {
		t.Errorf("ledger holds %d students, want %d", len(recs.Students), n+1)
	}
}

// TestConcurrentSurveyResponsesAreAllKept answers one survey from many goroutines at once.
func TestConcurrentSurveyResponsesAreAllKept(t *testing.T) {
	ctx := context.Background()
	st := mongotest.Open(t)
	sv := outcomes.Survey{ID: "tok", Token: "tok", ProgramID: "p", Kind: outcomes.GraduateSurvey, Title: "Graduates"}
	if err := st.CreateSurvey(ctx, sv); err != nil {
		t.Fatal(err)
	}
	const n = 40
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			errs <- st.InsertResponse(ctx, &outcomes.Response{SurveyID: "tok", ProgramID: "p", Kind: outcomes.GraduateSurvey, SubmittedAt: time.Now(), Answers: []int{5, 4, 3, 2, 1, 0}})
		}()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	svs, err := st.SurveysByProgram(ctx, "p")
	if err != nil || len(svs) != 1 || svs[0].Responses != n {
		t.Fatalf("surveys %+v %v, want one with %d responses", svs, err, n)
	}
	recs, _ := st.Records(ctx, "p")
	if len(recs.Responses) != n || recs.Responses[0].Answers[0] != 5 {
		t.Errorf("records hold %d responses, want %d decoded", len(recs.Responses), n)
	}
}
