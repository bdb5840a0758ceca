package outcomes_test

import (
	"testing"

	"github.com/chartroom-him/chartroom/internal/outcomes"
	"github.com/chartroom-him/chartroom/internal/programs"
)

func TestPublicPageSuppressesSmallCells(t *testing.T) {
	r, p := fixture()
	pr := programs.Program{ID: "p", Slug: "hit", Name: "HIT", Credential: "AAS"}
	st := outcomes.Settings{NormalMonths: 24, PublicFigures: []string{outcomes.CertFirstTime, outcomes.Retention}}
	page := outcomes.BuildPublic(pr, st, r, p.AsOf)
	if page.Period.Year != 2025 || !page.Published.Equal(d("2025-10-01")) {
		t.Fatalf("period %d published %v, want the last full year 2025 published 2025-10-01", page.Period.Year, page.Published)
	}
	got := map[string]outcomes.PublicCell{}
	var keys []string
	for _, f := range page.Figures {
		keys = append(keys, f.Key)
		if len(f.Cells) != outcomes.TrendYears {
			t.Errorf("%s: %d cells, want %d", f.Key, len(f.Cells), outcomes.TrendYears)
		}
		got[f.Key] = f.Cells[len(f.Cells)-1]
	}
	wantKeys := []string{outcomes.Retention, outcomes.Graduation100, outcomes.Graduation150, outcomes.CertFirstTime, outcomes.Employment6, outcomes.Employment12}
	if len(keys) != len(wantKeys) {
		t.Fatalf("figures %v, want %v (graduation and employment always, plus the picked ones)", keys, wantKeys)
	}
	for _, k := range wantKeys {
		if _, ok := got[k]; !ok {
			t.Errorf("figure %s missing from %v", k, keys)
		}
	}
	tests := []struct {
		key        string
		suppressed bool
		n          int
	}{
		{outcomes.Retention, false, 8},
		{outcomes.Graduation100, false, 5},
		{outcomes.Graduation150, false, 5},
		{outcomes.CertFirstTime, true, 0}, // 2 students
		{outcomes.Employment6, true, 0},   // 2 graduates
		{outcomes.Employment12, false, 0}, // nobody counted: no value, nothing to hide
	}
	for _, tt := range tests {
		c := got[tt.key]
		if c.Suppressed != tt.suppressed || c.N != tt.n {
			t.Errorf("%s: suppressed %v n %d, want suppressed %v n %d", tt.key, c.Suppressed, c.N, tt.suppressed, tt.n)
		}
		if c.Suppressed && c.Value != nil {
			t.Errorf("%s: suppressed cell still carries a value", tt.key)
		}
	}
}

func TestSurveyResultsWithoutAnswers(t *testing.T) {
	items := outcomes.SurveyResults(outcomes.EmployerSurvey, nil)
	if len(items) != len(outcomes.SurveyItems[outcomes.EmployerSurvey]) {
		t.Fatalf("got %d items", len(items))
	}
	for _, it := range items {
		if it.N != 0 || it.Mean != 0 {
			t.Errorf("%q: N %d mean %v with no answers", it.Item, it.N, it.Mean)
		}
	}
	r, _ := fixture()
	g := outcomes.SurveyResults(outcomes.GraduateSurvey, r.Responses)
	if g[0].N != 3 || g[0].Counts[4] != 2 || g[0].Counts[2] != 1 {
		t.Errorf("overall item: N %d counts %v, want 3 answers (two 5s, one 3)", g[0].N, g[0].Counts)
	}
}

func TestReadiness(t *testing.T) {
	r, _ := fixture()
	mocks := []outcomes.MockAttempt{
		{StudentID: "x1", Exam: "RHIT", FinishedAt: d("2024-11-01"), Scaled: 280, Domains: []outcomes.DomainResult{{Code: "1", Correct: 10, Total: 20}}},
		{StudentID: "x1", Exam: "RHIT", FinishedAt: d("2024-12-01"), Scaled: 320, Domains: []outcomes.DomainResult{{Code: "1", Correct: 15, Total: 20}}},
		{StudentID: "x2", Exam: "RHIT", FinishedAt: d("2025-05-01"), Scaled: 290, Domains: []outcomes.DomainResult{{Code: "1", Correct: 11, Total: 20}}},
	}
	rows := outcomes.Readiness(r, mocks, []string{"X"}, map[string][]outcomes.BlueprintDomain{"RHIT": {{Code: "1", Name: "Data", MinPercent: 19, MaxPercent: 25}}})
	if len(rows) != 1 {
		t.Fatalf("got %d rows, want 1", len(rows))
	}
	row := rows[0]
	if row.Takers != 2 || row.Ready != 1 || row.ReadyShare == nil || *row.ReadyShare != 0.5 {
		t.Errorf("takers %d ready %d share %v, want 2, 1 (x1's latest mock), 0.5", row.Takers, row.Ready, row.ReadyShare)
	}
	if row.Domains[0].Correct != 26 || row.Domains[0].Total != 40 || row.Domains[0].Name != "Data" {
		t.Errorf("domain %+v, want 26/40 over the latest mocks", row.Domains[0])
	}
	if row.PassRate == nil || *row.PassRate != 0.5 || row.PassN != 2 {
		t.Errorf("pass rate %v of %d, want 0.5 of 2 first attempts", row.PassRate, row.PassN)
	}
}

func TestCoverageFindsGaps(t *testing.T) {
	cur := outcomes.Curriculum{
		Domains: []outcomes.CurriculumDomain{{Code: "I", Name: "Data"}, {Code: "II", Name: "Privacy"}},
		Competencies: []outcomes.CurriculumCompetency{
			{ID: "I.1", Domain: "I", Bloom: "understand"}, {ID: "I.2", Domain: "I", Bloom: "apply"}, {ID: "II.1", Domain: "II", Bloom: "apply"},
		},
		Lessons: []outcomes.Mapped{{ID: "l1", Course: "c", Competency: "I.1"}, {ID: "l2", Course: "c", Competency: "I.2", Bloom: "analyze"}},
		Items:   []outcomes.Mapped{{ID: "q1", Competency: "I.1"}, {ID: "q2", Competency: "II.1"}, {ID: "q3", Competency: "nope"}},
	}
	cov := outcomes.CoverageOf(cur)
	if len(cov.Cells) != 2*6 {
		t.Fatalf("%d cells, want 12", len(cov.Cells))
	}
	cell := func(dom, bloom string) outcomes.CoverageCell {
		for _, c := range cov.Cells {
			if c.Domain == dom && c.Bloom == bloom {
				return c
			}
		}
		t.Fatalf("no cell %s/%s", dom, bloom)
		return outcomes.CoverageCell{}
	}
	if c := cell("I", "understand"); c.Competencies != 1 || c.Lessons != 1 || c.Items != 1 || c.Courses != 1 {
		t.Errorf("I/understand = %+v", c)
	}
	if c := cell("I", "analyze"); c.Lessons != 1 || c.Competencies != 0 {
		t.Errorf("I/analyze = %+v: a lesson counts at its own Bloom level", c)
	}
	var gaps []string
	for _, g := range cov.Gaps {
		gaps = append(gaps, g.Competency)
	}
	if len(gaps) != 2 || gaps[0] != "I.2" || gaps[1] != "II.1" {
		t.Errorf("gaps %v, want [I.2 (no items) II.1 (no lessons)]", gaps)
	}
}
