package exams_test

import (
	"testing"

	"github.com/chartroom-him/chartroom/internal/exams"
)

// TestAnalysisFixture checks the statistics against figures computed by hand.
//
// Five students, five scored items (all key A) and one pretest item. Correct answers:
//
//	      i1 i2 i3 i4 i5 | total
//	S1     1  1  1  1  1 |  5
//	S2     1  1  1  0  1 |  4
//	S3     1  1  0  0  1 |  3
//	S4     1  0  0  0  1 |  2
//	S5     0  0  0  0  1 |  1     (S5 chose B on i1)
//
// p: i1 .8, i2 .6, i3 .4, i4 .2, i5 1.  Σpq = .16+.24+.24+.16+0 = .8.
// Totals 5,4,3,2,1: mean 3, population variance 2, SD 1.4142.
// KR-20 = 5/4 x (1 - .8/2) = .75.  SEM = 1.4142 x sqrt(.25) = .7071.
// Groups: 27% of 5 rounds to 1: upper S1, lower S5. Discrimination: i1..i4 = 1, i5 = 0.
// Point-biserial of i1 on the rest score (4,3,2,1,1; mean 2.2, variance 1.36, SD 1.16619):
// right mean 2.5, wrong mean 1: (2.5 - 1) / 1.16619 x sqrt(.8 x .2) = .5145.
// Flags: i5 too easy and low discrimination; i4 (p = .2) is not below .2, so not too hard.
func TestAnalysisFixture(t *testing.T) {
	matrix := [][]int{{1, 1, 1, 1, 1}, {1, 1, 1, 0, 1}, {1, 1, 0, 0, 1}, {1, 0, 0, 0, 1}, {0, 0, 0, 0, 1}}
	ids := []string{"i1", "i2", "i3", "i4", "i5"}
	var attempts []exams.AttemptData
	for _, row := range matrix {
		a := exams.AttemptData{Responses: map[string]exams.Response{}}
		for j, id := range ids {
			a.Form = append(a.Form, fq(id, "1", "1.1", false, nil, "A"))
			choice := "A"
			if row[j] == 0 {
				choice = "B"
			}
			a.Responses[id] = exams.Response{Choices: []string{choice}}
		}
		a.Form = append(a.Form, fq("pre", "1", "1.1", true, nil, "A"))
		a.Responses["pre"] = exams.Response{Choices: []string{"C"}}
		attempts = append(attempts, a)
	}
	an := exams.Analyze(attempts)
	if an.Attempts != 5 || len(an.Items) != 6 || len(an.Forms) != 1 {
		t.Fatalf("analysis = %d attempts, %d items, %d forms", an.Attempts, len(an.Items), len(an.Forms))
	}
	f := an.Forms[0]
	if f.Questions != 5 || f.Mean != 3 || f.SD != 1.4142 || f.KR20 != 0.75 || f.SEM != 0.7071 {
		t.Errorf("form = %+v; want 5 questions, mean 3, SD 1.4142, KR-20 .75, SEM .7071", f)
	}
	by := map[string]exams.ItemStat{}
	for _, it := range an.Items {
		by[it.QuestionID] = it
	}
	i1 := by["i1"]
	if i1.Facility != 0.8 || i1.Discrimination != 1 || i1.PointBiserial != 0.5145 || i1.ChoiceRates["A"] != 0.8 || i1.ChoiceRates["B"] != 0.2 || i1.ChoiceRates["C"] != 0 {
		t.Errorf("i1 = %+v", i1)
	}
	if by["i4"].Facility != 0.2 || len(by["i4"].Flags) != 0 {
		t.Errorf("i4 = %+v; want p .2 and no flag", by["i4"])
	}
	if i5 := by["i5"]; i5.Facility != 1 || i5.Discrimination != 0 || len(i5.Flags) != 2 || i5.Flags[0] != "too-easy" || i5.Flags[1] != "low-discrimination" {
		t.Errorf("i5 = %+v; want too easy and low discrimination", i5)
	}
	if pre := by["pre"]; pre.Facility != 0 || pre.ChoiceRates["C"] != 1 || pre.Flags[0] != "too-hard" {
		t.Errorf("pretest item = %+v", pre)
	}
}
