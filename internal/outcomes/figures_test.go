package outcomes_test

import (
	"math"
	"testing"
	"time"

	"github.com/chartroom-him/chartroom/internal/outcomes"
	"github.com/chartroom-him/chartroom/internal/programs"
)

func d(s string) time.Time {
	t, err := time.Parse(outcomes.DateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func st(id, cohort, start string, changes ...string) outcomes.Student {
	s := outcomes.Student{EnrollmentID: "e-" + id, StudentID: id, CohortID: cohort, Start: d(start), Status: programs.Active}
	for i := 0; i+1 < len(changes); i += 2 {
		s.Changes = append(s.Changes, outcomes.Change{Status: programs.Status(changes[i]), On: d(changes[i+1])})
		s.Status = programs.Status(changes[i])
	}
	return s
}

func res(student string, attempt int, date string, passed, verified bool) outcomes.Result {
	return outcomes.Result{ID: student + "/RHIT/" + date, StudentID: student, Exam: "RHIT", Attempt: attempt, Date: d(date), Passed: passed, Verified: verified}
}

// fixture is the hand-computed case of docs/OUTCOMES.md: reporting year 2025
// (2024-08-01 to 2025-07-31), computed as of 2025-10-01, normal time 24 months.
// Cohort X started 2023-01-09 (100% window ends 2025-01-09, in the year); cohort Y started
// 2022-01-10 (150% window ends 2025-01-10, in the year); cohort Z started 2024-09-03.
func fixture() (outcomes.Records, outcomes.Params) {
	r := outcomes.Records{
		Students: []outcomes.Student{
			st("x1", "X", "2023-01-09", "graduated", "2024-12-15"),
			st("x2", "X", "2023-01-09", "graduated", "2025-05-20"),
			st("x3", "X", "2023-01-09", "transferred", "2024-03-01"),
			st("x4", "X", "2023-01-09", "withdrawn", "2024-10-01"),
			st("x5", "X", "2023-01-09"), // still enrolled past the window
			st("x6", "X", "2023-01-09", "transferred", "2025-02-01"),
			st("y1", "Y", "2022-01-10", "graduated", "2023-12-01"),
			st("y2", "Y", "2022-01-10", "graduated", "2024-11-30"),
			st("y3", "Y", "2022-01-10", "graduated", "2025-03-01"),
			st("y4", "Y", "2022-01-10", "withdrawn", "2023-05-01"),
			st("y5", "Y", "2022-01-10", "graduated", "2024-02-01"),
			st("z1", "Z", "2024-09-03"), // still enrolled inside the window
			st("z2", "Z", "2024-09-03", "withdrawn", "2025-02-14"),
			st("z3", "Z", "2024-09-03", "transferred", "2025-06-01"),
		},
		Results: []outcomes.Result{
			res("x1", 1, "2025-02-10", true, true),
			res("x2", 1, "2025-06-20", false, true),
			res("x2", 2, "2025-07-25", true, true),
			res("y2", 1, "2024-06-01", false, true),
			res("y2", 2, "2024-09-15", false, true),
			res("y2", 3, "2025-08-20", true, true),
			res("y1", 1, "2024-01-15", true, true),
			res("y3", 1, "2025-05-01", true, false), // self-reported, not verified
		},
		Employment: []outcomes.Employment{
			{StudentID: "x1", Status: outcomes.InField, Date: d("2025-03-01")},
			{StudentID: "y2", Status: outcomes.Seeking, Date: d("2025-04-01")},
			{StudentID: "y1", Status: outcomes.NotSeeking, Date: d("2024-06-01")},
		},
		Responses: []outcomes.Response{
			{Kind: outcomes.GraduateSurvey, CohortID: "X", SubmittedAt: d("2025-03-01"), Answers: []int{5, 4, 4, 4, 4, 4}},
			{Kind: outcomes.GraduateSurvey, CohortID: "X", SubmittedAt: d("2025-04-01"), Answers: []int{3, 4, 4, 4, 4, 4}},
			{Kind: outcomes.GraduateSurvey, CohortID: "Y", SubmittedAt: d("2025-05-01"), Answers: []int{0, 5, 5, 5, 5, 5}},
			{Kind: outcomes.GraduateSurvey, CohortID: "Y", SubmittedAt: d("2024-07-15"), Answers: []int{5, 5, 5, 5, 5, 5}},
		},
	}
	return r, outcomes.Params{NormalMonths: 24, AsOf: d("2025-10-01")}
}

type want struct {
	num, den, pending, excluded int
	value                       float64 // NaN: no value
}

func check(t *testing.T, figs []outcomes.Figure, wants map[string]want) {
	t.Helper()
	if len(figs) != len(outcomes.FigureKeys) {
		t.Fatalf("got %d figures, want %d", len(figs), len(outcomes.FigureKeys))
	}
	for key, w := range wants {
		f, ok := outcomes.FigureByKey(figs, key)
		if !ok {
			t.Errorf("%s: missing", key)
			continue
		}
		if f.Numerator != w.num || f.Denominator != w.den || f.Pending != w.pending || f.Excluded != w.excluded {
			t.Errorf("%s: got %d/%d pending %d excluded %d, want %d/%d pending %d excluded %d",
				key, f.Numerator, f.Denominator, f.Pending, f.Excluded, w.num, w.den, w.pending, w.excluded)
		}
		switch {
		case math.IsNaN(w.value) && f.Value != nil:
			t.Errorf("%s: value %v, want none (nobody counted)", key, *f.Value)
		case !math.IsNaN(w.value) && (f.Value == nil || math.Abs(*f.Value-w.value) > 1e-9):
			t.Errorf("%s: value %v, want %v", key, f.Value, w.value)
		}
		if f.Definition == "" || f.Label == "" {
			t.Errorf("%s: definition or label missing", key)
		}
	}
}

var none = math.NaN()

func TestYearFiguresMatchHandComputedFixture(t *testing.T) {
	r, p := fixture()
	figs := outcomes.YearFigures(r, p, 2025)
	check(t, figs, map[string]want{
		// x1 x2 x5 y2 y3 z1 retained; x4 z2 withdrew; x6 z3 transferred out (excluded);
		// x3 y1 y4 y5 had left before the year.
		outcomes.Retention: {6, 8, 0, 2, 0.75},
		// Cohort X: x1 on time; x2 late, x4 withdrew, x5 still enrolled, x6 transferred
		// after the window; x3 transferred before it (excluded).
		outcomes.Graduation100: {1, 5, 0, 1, 0.2},
		// Cohort Y: y1 y2 y5 within 150%; y3 late; y4 withdrew.
		outcomes.Graduation150: {3, 5, 0, 0, 0.6},
		// First attempts in the year: x1 pass, x2 fail; y3's is unverified (excluded).
		outcomes.CertFirstTime: {1, 2, 0, 1, 0.5},
		// x1 and x2 passed by 31 July; y2 passed only in August.
		outcomes.CertOverall: {2, 3, 0, 0, 2.0 / 3},
		// Six months ended in the year for x1 (in field), y2 (seeking), y5 (no follow-up).
		outcomes.Employment6: {1, 2, 0, 1, 0.5},
		// Twelve months ended in the year for y1 (not seeking) and y5 (no follow-up).
		outcomes.Employment12: {0, 0, 0, 2, none},
		// One satisfied, one not; one skipped the overall item; one is from the year before.
		outcomes.GraduateSatisfied: {1, 2, 0, 0, 0.5},
		// No employer answers at all.
		outcomes.EmployerSatisfied: {0, 0, 0, 0, none},
	})
	for _, f := range figs {
		if f.Provisional {
			t.Errorf("%s: provisional, but year 2025 ended before the as-of date", f.Key)
		}
	}
	// The year in progress is provisional.
	for _, f := range outcomes.YearFigures(r, p, 2026) {
		if !f.Provisional {
			t.Errorf("2026 %s: not provisional on 2025-10-01", f.Key)
		}
	}
}

func TestCohortFiguresMatchHandComputedFixture(t *testing.T) {
	r, p := fixture()
	check(t, outcomes.CohortFigures(r, p, "X"), map[string]want{
		outcomes.Retention:     {6, 6, 0, 0, 1},
		outcomes.Graduation100: {1, 5, 0, 1, 0.2},
		// The 150% window runs to 2026-01-09: x1 x2 graduated, x4 withdrew, x5 is still
		// enrolled inside it (pending), x3 and x6 transferred out within it (excluded).
		outcomes.Graduation150:     {2, 3, 1, 2, 2.0 / 3},
		outcomes.CertFirstTime:     {1, 2, 0, 0, 0.5},
		outcomes.GraduateSatisfied: {1, 2, 0, 0, 0.5},
		outcomes.EmployerSatisfied: {0, 0, 0, 0, none},
	})
	check(t, outcomes.CohortFigures(r, p, "Z"), map[string]want{
		// One year after 2024-09-03: z1 enrolled, z2 withdrew, z3 transferred out.
		outcomes.Retention: {1, 2, 0, 1, 0.5},
		// z1 is still enrolled inside the window: pending, not a failure.
		outcomes.Graduation100: {0, 1, 1, 1, 0},
		outcomes.Employment6:   {0, 0, 0, 0, none},
	})
}
