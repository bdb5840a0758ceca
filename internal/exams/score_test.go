package exams_test

import (
	"testing"

	"github.com/chartroom-him/chartroom/internal/bank"
	"github.com/chartroom-him/chartroom/internal/exams"
)

func fq(id, dom, sub string, pretest bool, angoff *float64, keys ...string) exams.FormQuestion {
	q := exams.FormQuestion{QuestionID: id, Domain: dom, Subdomain: sub, Pretest: pretest, Angoff: angoff, Type: "single", Choose: len(keys)}
	for _, o := range []string{"A", "B", "C", "D", "E"} {
		correct := false
		for _, k := range keys {
			correct = correct || k == o
		}
		q.Options = append(q.Options, bank.Option{ID: o, Correct: correct})
	}
	if len(keys) > 1 {
		q.Type = "multiple"
	}
	return q
}

func f(x float64) *float64 { return &x }

// TestScoreFixture is computed by hand:
// scored questions q1-q5 (q6 is pretest). Correct: q1 (A), q3 (B,D exactly), q5 (C) = 3 of 5.
// q2 is wrong, q4 picks only one of two keys (all or nothing: wrong).
// Cut = 0.6 + 0.8 + 0.7 (Angoff) + 0.7 + 0.7 (cutPercent for q4, q5) = 3.5.
// 3 < 3.5, so scaled = 100 + 200 x 3 / 3.5 = 271.43 -> 271, failed.
// Domain 1: q1, q2 -> 1/2; domain 2: q3, q4, q5 -> 2/3. Subdomain 2.1: q3 1/1, 2.2: q4, q5 1/2.
func TestScoreFixture(t *testing.T) {
	form := []exams.FormQuestion{
		fq("q1", "1", "1.1", false, f(0.6), "A"),
		fq("q2", "1", "1.1", false, f(0.8), "B"),
		fq("q3", "2", "2.1", false, f(0.7), "B", "D"),
		fq("q4", "2", "2.2", false, nil, "A", "C"),
		fq("q5", "2", "2.2", false, nil, "C"),
		fq("q6", "1", "1.1", true, nil, "A"),
	}
	resp := map[string]exams.Response{
		"q1": {Choices: []string{"A"}}, "q2": {Choices: []string{"C"}}, "q3": {Choices: []string{"D", "B"}},
		"q4": {Choices: []string{"A"}}, "q5": {Choices: []string{"C"}}, "q6": {Choices: []string{"A"}},
	}
	s := exams.ScoreForm(form, resp, 0.7)
	if s.Raw != 3 || s.Total != 5 || s.Percent != 60 || s.Cut != 3.5 || s.Scaled != 271 || s.Passed {
		t.Errorf("score = %+v; want raw 3/5, 60%%, cut 3.5, scaled 271, failed", s)
	}
	want := []exams.DomainScore{{Code: "1", Correct: 1, Total: 2}, {Code: "2", Correct: 2, Total: 3}}
	if len(s.Domains) != 2 || s.Domains[0] != want[0] || s.Domains[1] != want[1] {
		t.Errorf("domains = %+v, want %+v", s.Domains, want)
	}
	if len(s.Subdomains) != 3 || s.Subdomains[2] != (exams.DomainScore{Code: "2.2", Correct: 1, Total: 2}) {
		t.Errorf("subdomains = %+v", s.Subdomains)
	}
	// All correct maps to 400. Below the cut: 2 of 4 with cut 0.6+0.8+0.7+0.5 = 2.6 gives
	// 100 + 200 x 2 / 2.6 = 253.8 -> 253.
	all := map[string]exams.Response{"q1": {Choices: []string{"A"}}, "q2": {Choices: []string{"B"}}, "q3": {Choices: []string{"B", "D"}}, "q4": {Choices: []string{"A", "C"}}, "q5": {Choices: []string{"C"}}}
	if s := exams.ScoreForm(form, all, 0.7); s.Scaled != 400 || !s.Passed {
		t.Errorf("all correct: scaled %d passed %v, want 400 true", s.Scaled, s.Passed)
	}
	if s := exams.ScoreForm(form[:4], map[string]exams.Response{"q1": {Choices: []string{"A"}}, "q2": {Choices: []string{"B"}}}, 0.5); s.Cut != 2.6 || s.Scaled != 253 {
		t.Errorf("below cut: %+v", s)
	}
}
