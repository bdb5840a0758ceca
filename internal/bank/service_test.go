package bank_test

import (
	"context"
	"testing"

	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/bank"
	"github.com/chartroom-him/chartroom/internal/mongostore/mongotest"
)

func TestMain(m *testing.M) { mongotest.Main(m) }

func item(id, stem, status string) bank.Item {
	return bank.Item{ID: id, Bank: "b", Type: "single", Status: status, Exams: []string{"RHIT"}, Blueprint: map[string]string{"RHIT": "4.2"},
		Competency: "IV.2", Author: "w", Reviewer: "r", Questions: []bank.Question{{ID: id, Type: "single", Stem: stem, Choose: 1,
			Level: "application", Bloom: "apply", Difficulty: 0.5, Options: []bank.Option{{ID: "A", Text: "a", Correct: true}, {ID: "B", Text: "b"}, {ID: "C", Text: "c"}, {ID: "D", Text: "d"}}}}}
}

func TestImportIsIdempotentAndVersionsAnsweredItems(t *testing.T) {
	ctx := context.Background()
	st := mongotest.Open(t)
	svc := bank.NewService(st, audit.NewLog(st, nil), nil)

	first := []bank.Item{item("q-1", "Stem one?", "active"), item("q-2", "Stem two?", "active"), item("q-3", "Stem three?", "active")}
	r, err := svc.Import(ctx, "cli", first, nil)
	if err != nil || r != (bank.ImportResult{Added: 3}) {
		t.Fatalf("first import = %+v, %v; want 3 added", r, err)
	}
	r, err = svc.Import(ctx, "cli", first, nil)
	if err != nil || r != (bank.ImportResult{Unchanged: 3}) {
		t.Fatalf("second import = %+v, %v; want 3 unchanged", r, err)
	}

	// q-1 has been answered; q-2 has not.
	if err := svc.RecordResponses(ctx, "q-1", 1, 5); err != nil {
		t.Fatal(err)
	}
	edited := []bank.Item{item("q-1", "Stem one, clearer?", "active"), item("q-2", "Stem two, clearer?", "active"), item("q-3", "Stem three?", "retired")}
	r, err = svc.Import(ctx, "cli", edited, nil)
	if err != nil || r != (bank.ImportResult{Versioned: 1, Updated: 1, Retired: 1}) {
		t.Fatalf("edit import = %+v, %v; want 1 versioned, 1 updated, 1 retired", r, err)
	}
	cur, err := svc.Item(ctx, "q-1")
	if err != nil || cur.Version != 2 || cur.Questions[0].Stem != "Stem one, clearer?" || cur.Responses != 0 {
		t.Errorf("q-1 current = v%d %q responses %d, %v; want v2 with the new stem", cur.Version, cur.Questions[0].Stem, cur.Responses, err)
	}
	v1, err := svc.Version(ctx, "q-1", 1)
	if err != nil || v1.Questions[0].Stem != "Stem one?" || v1.Responses != 5 {
		t.Errorf("q-1 v1 = %q with %d responses, %v; want the old stem and its 5 responses", v1.Questions[0].Stem, v1.Responses, err)
	}
	if q2, _ := svc.Item(ctx, "q-2"); q2.Version != 1 {
		t.Errorf("unanswered q-2 is v%d, want edited in place as v1", q2.Version)
	}
	if q3, _ := svc.Item(ctx, "q-3"); q3.Status != "retired" {
		t.Errorf("q-3 status %q, want retired (kept, never drawn)", q3.Status)
	}
	// Responses to the old version still count against it.
	if err := svc.RecordResponses(ctx, "q-1", 1, 1); err != nil {
		t.Errorf("recording against archived v1: %v", err)
	}
	if v1, _ := svc.Version(ctx, "q-1", 1); v1.Responses != 6 {
		t.Errorf("v1 responses = %d, want 6", v1.Responses)
	}
	r, _ = svc.Import(ctx, "cli", edited, nil)
	if r != (bank.ImportResult{Unchanged: 3}) {
		t.Errorf("re-import after edit = %+v, want unchanged", r)
	}
	active, _, err := svc.List(ctx, bank.Filter{Exam: "RHIT", Domain: "4", Status: "active"})
	if err != nil || len(active) != 2 {
		t.Errorf("active RHIT domain 4 items = %d, %v; want 2", len(active), err)
	}
}
