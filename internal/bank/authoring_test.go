package bank_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/bank"
	"github.com/chartroom-him/chartroom/internal/content"
	"github.com/chartroom-him/chartroom/internal/mongostore/mongotest"
)

var (
	author   = accounts.Principal{UserID: "u1", Email: "author@example.edu", Roles: []accounts.Role{accounts.Instructor}}
	reviewer = accounts.Principal{UserID: "u2", Email: "reviewer@example.edu", Roles: []accounts.Role{accounts.Instructor}}
	student  = accounts.Principal{UserID: "u3", Email: "student@example.edu", Roles: []accounts.Role{accounts.Student}}
)

func rules(t *testing.T) bank.Rules {
	t.Helper()
	tr, probs := content.Load(os.DirFS("../../content"))
	if len(tr.Blueprints) == 0 {
		t.Fatalf("no blueprints: %v", probs)
	}
	return bank.Rules{Blueprints: tr.Blueprints, Competencies: tr.Competencies}
}

func newAuthoring(t *testing.T) *bank.Service {
	st := mongotest.Open(t)
	return bank.NewService(st, audit.NewLog(st, nil), nil).WithRules(rules(t))
}

func draft(id, stem string) bank.Item {
	it := item(id, stem, "")
	it.Bank = "authored"
	it.Questions[0].Options[0].Rationale = "Right because."
	for i := 1; i < 4; i++ {
		it.Questions[0].Options[i].Rationale = "Wrong because."
	}
	it.References = []string{"42 CFR 412.60"}
	return it
}

func TestReviewWorkflow(t *testing.T) {
	ctx := context.Background()
	svc := newAuthoring(t)
	if _, err := svc.Save(ctx, student, draft("a-1", "Stem?")); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("student saving: %v, want forbidden", err)
	}
	it, err := svc.Save(ctx, author, draft("a-1", "Stem?"))
	if err != nil || it.Status != "draft" || it.Author != author.Email {
		t.Fatalf("save = %+v, %v; want a draft by the author", it, err)
	}
	bad := draft("a-2", "Stem?")
	bad.Questions[0].Options = bad.Questions[0].Options[:3]
	if _, err := svc.Save(ctx, author, bad); !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), "exactly 4 options") {
		t.Errorf("three options: %v, want invalid naming the rule", err)
	}
	if _, err := svc.SetStatus(ctx, author, "a-1", "active"); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("draft straight to active: %v, want conflict", err)
	}
	if _, err := svc.SetStatus(ctx, author, "a-1", "review"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetStatus(ctx, author, "a-1", "active"); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("author approving own item: %v, want forbidden", err)
	}
	it, err = svc.SetStatus(ctx, reviewer, "a-1", "active")
	if err != nil || it.Status != "active" || it.Reviewer != reviewer.Email {
		t.Fatalf("approve = %+v, %v", it, err)
	}
	// Once answered, an edit makes version 2 and sends it back to review.
	if err := svc.RecordResponses(ctx, "a-1", 1, 3); err != nil {
		t.Fatal(err)
	}
	it, err = svc.Save(ctx, author, draft("a-1", "Clearer stem?"))
	if err != nil || it.Version != 2 || it.Status != "review" || it.Reviewer != "" {
		t.Fatalf("edit of answered item = v%d %s reviewer %q, %v; want v2 in review", it.Version, it.Status, it.Reviewer, err)
	}
	_, hist, err := svc.Get(ctx, reviewer, "a-1")
	if err != nil || len(hist) != 2 || hist[1].Version != 1 || hist[1].Responses != 3 || hist[1].Status != "active" {
		t.Errorf("history = %+v, %v; want v2 then v1 (active, 3 responses)", hist, err)
	}
}

func TestExportReimportsWithNoChange(t *testing.T) {
	ctx := context.Background()
	svc := newAuthoring(t)
	for _, id := range []string{"e-1", "e-2"} {
		if _, err := svc.Save(ctx, author, draft(id, "Stem "+id+"?")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.SetStatus(ctx, author, "e-1", "review"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetStatus(ctx, reviewer, "e-1", "active"); err != nil {
		t.Fatal(err)
	}
	y, err := svc.Export(ctx, reviewer, "authored")
	if err != nil {
		t.Fatal(err)
	}
	// Put the export in a content tree beside the shipped blueprints and import it.
	root := t.TempDir()
	must(t, os.CopyFS(filepath.Join(root, "blueprints"), os.DirFS("../../content/blueprints")))
	comp, _ := os.ReadFile("../../content/competencies.yaml")
	must(t, os.WriteFile(filepath.Join(root, "competencies.yaml"), comp, 0o644))
	must(t, os.MkdirAll(filepath.Join(root, "banks", "authored"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "banks", "authored", "export.yaml"), y, 0o644))
	tr, probs := content.Load(os.DirFS(root))
	probs = append(probs, content.Validate(tr)...)
	if len(probs) > 0 {
		t.Fatalf("exported YAML does not validate: %v\n%s", probs, y)
	}
	items := make([]bank.Item, 0, len(tr.Items))
	for _, c := range tr.Items {
		items = append(items, bank.FromContent(c))
	}
	r, err := svc.Import(ctx, "cli", items, nil)
	if err != nil || r != (bank.ImportResult{Unchanged: 2}) {
		t.Errorf("re-import of the export = %+v, %v; want 2 unchanged\n%s", r, err, y)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
