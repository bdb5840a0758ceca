package exams_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/chartroom-him/chartroom/internal/bank"
	"github.com/chartroom-him/chartroom/internal/content"
	"github.com/chartroom-him/chartroom/internal/exams"
)

func blueprint(t *testing.T, exam string) *content.Blueprint {
	t.Helper()
	tr, _ := content.Load(os.DirFS("../../content"))
	b := tr.Blueprints[exam]
	if b == nil {
		t.Fatalf("no %s blueprint", exam)
	}
	return b
}

func question(id string) bank.Question {
	return bank.Question{ID: id, Type: "single", Stem: "stem " + id, Choose: 1, Options: []bank.Option{
		{ID: "A", Text: "a", Correct: true}, {ID: "B", Text: "b"}, {ID: "C", Text: "c"}, {ID: "D", Text: "d"}}}
}

// synthBank makes per domain n single items and two scenario sets of three questions.
func synthBank(b *content.Blueprint, n int) []bank.Item {
	var items []bank.Item
	for _, d := range b.Domains {
		sub := d.Subdomains[0].Code
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("d%s-%03d", d.Code, i)
			items = append(items, bank.Item{ID: id, Version: 1, Type: "single", Status: "active", Exams: []string{b.Exam}, Blueprint: map[string]string{b.Exam: sub}, Questions: []bank.Question{question(id)}})
		}
		for s := 0; s < 2; s++ {
			id := fmt.Sprintf("d%s-s%d", d.Code, s)
			items = append(items, bank.Item{ID: id, Version: 1, Type: "scenario", Status: "active", Exams: []string{b.Exam}, Blueprint: map[string]string{b.Exam: sub}, Scenario: "case",
				Questions: []bank.Question{question(id + "-1"), question(id + "-2"), question(id + "-3")}})
		}
	}
	items = append(items, bank.Item{ID: "retired-1", Status: "retired", Exams: []string{b.Exam}, Blueprint: map[string]string{b.Exam: "1.1"}, Questions: []bank.Question{question("retired-1")}})
	return items
}

func TestBuildFullLengthForm(t *testing.T) {
	b := blueprint(t, "RHIA")
	items := synthBank(b, 60)
	rng := rand.New(rand.NewPCG(1, 2))
	form, err := exams.BuildForm(exams.FormSpec{Blueprint: b, Kind: exams.FullLength, Size: 150, Pretest: 20, ShuffleOptions: true}, items, nil, rng)
	if err != nil {
		t.Fatal(err)
	}
	if len(form) != 150 {
		t.Fatalf("form has %d questions, want 150", len(form))
	}
	perDomain, pretest, seenQ := map[string]int{}, 0, map[string]bool{}
	setPos := map[string][]int{}
	for i, q := range form {
		perDomain[q.Domain]++
		if q.Pretest {
			pretest++
		}
		if seenQ[q.QuestionID] {
			t.Errorf("question %s twice", q.QuestionID)
		}
		seenQ[q.QuestionID] = true
		if q.ItemID == "retired-1" {
			t.Error("a retired item was drawn")
		}
		setPos[q.ItemID] = append(setPos[q.ItemID], i)
	}
	if pretest != 20 {
		t.Errorf("pretest = %d, want 20", pretest)
	}
	for _, d := range b.Domains {
		lo, hi := int(math.Ceil(d.MinPercent*1.5)), int(math.Floor(d.MaxPercent*1.5))
		if n := perDomain[d.Code]; n < lo || n > hi {
			t.Errorf("domain %s has %d questions, want %d-%d (%s)", d.Code, n, lo, hi, exams.Describe(form))
		}
	}
	for id, pos := range setPos {
		if len(pos) > 1 && pos[len(pos)-1]-pos[0] != len(pos)-1 {
			t.Errorf("scenario set %s is split across the form at %v", id, pos)
		}
	}
}

func TestBuildFormPrefersUnseenItems(t *testing.T) {
	b := blueprint(t, "RHIT")
	items := synthBank(b, 40)
	first, err := exams.BuildForm(exams.FormSpec{Blueprint: b, Kind: exams.FullLength, Size: 60}, items, nil, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, q := range first {
		seen[q.ItemID] = true
	}
	second, err := exams.BuildForm(exams.FormSpec{Blueprint: b, Kind: exams.FullLength, Size: 60}, items, seen, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range second {
		if seen[q.ItemID] {
			t.Errorf("item %s repeated although unseen items were left", q.ItemID)
		}
	}
}

func TestBuildFormTooSmallBank(t *testing.T) {
	b := blueprint(t, "RHIT")
	_, err := exams.BuildForm(exams.FormSpec{Blueprint: b, Kind: exams.FullLength, Size: 150}, synthBank(b, 5), nil, rand.New(rand.NewPCG(1, 1)))
	if err == nil {
		t.Fatal("a 150-question form from a tiny bank succeeded")
	}
}

func TestBuildDomainQuizAndHandPicked(t *testing.T) {
	b := blueprint(t, "RHIT")
	items := synthBank(b, 20)
	form, err := exams.BuildForm(exams.FormSpec{Blueprint: b, Kind: exams.DomainQuiz, Domain: "3", Size: 10}, items, nil, rand.New(rand.NewPCG(1, 1)))
	if err != nil || len(form) != 10 {
		t.Fatalf("domain quiz: %d questions, %v", len(form), err)
	}
	for _, q := range form {
		if q.Domain != "3" {
			t.Errorf("domain quiz drew from domain %s", q.Domain)
		}
	}
	form, err = exams.BuildForm(exams.FormSpec{Blueprint: b, Kind: exams.HandPicked, ItemIDs: []string{"d1-000", "d2-s0"}}, items, nil, rand.New(rand.NewPCG(1, 1)))
	if err != nil || len(form) != 4 {
		t.Errorf("hand-picked: %d questions, %v; want 1 + a set of 3", len(form), err)
	}
}
