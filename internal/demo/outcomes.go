package demo

import (
	"context"
	"fmt"
	"io/fs"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/exams"
	"github.com/chartroom-him/chartroom/internal/outcomes"
	"github.com/chartroom-him/chartroom/internal/programs"
)

// HistoryStore bulk-inserts synthesized outcome history (mongostore.Store).
type HistoryStore interface {
	InsertHistory(ctx context.Context, programID string, h outcomes.History) error
}

// The demo's outcome history: five graduated or graduating cohorts before the ones in
// demo.yaml, so that five full reporting years have figures on first run. The history is
// generated from a fixed seed, so every demo shows the same numbers.
const (
	historySeed        = 2026
	historyCohorts     = 5
	historyPerCohort   = 26
	historyEmailDomain = "alumni.lakeside.example"
)

// LoadOutcomes adds the demo program's synthesized outcome history, evaluation plan goals
// and public page settings, unless the history is already there.
func LoadOutcomes(ctx context.Context, fsys fs.FS, slug string, store HistoryStore, progs *programs.Service, ex Exams, out *outcomes.Service, now time.Time) (Summary, error) {
	sys := accounts.SystemPrincipal
	var sum Summary
	pr, err := progs.ProgramBySlug(ctx, slug)
	if err != nil {
		return sum, err
	}
	existing, err := progs.Cohorts(ctx, sys, pr.ID)
	if err != nil {
		return sum, err
	}
	names := map[string]bool{}
	for _, c := range existing {
		names[c.Name] = true
	}
	b, err := fs.ReadFile(fsys, "demo.yaml")
	if err != nil {
		return sum, err
	}
	var d Data
	if err := yaml.Unmarshal(b, &d); err != nil {
		return sum, fmt.Errorf("demo.yaml: %w", err)
	}
	// The history ends where demo.yaml's cohorts begin.
	last := outcomes.YearOf(now) - 2
	for _, c := range d.Cohorts {
		last = min(last, c.EntryYear-1)
	}
	var specs []outcomes.CohortSpec
	for y := last - historyCohorts + 1; y <= last; y++ {
		name := fmt.Sprintf("Class of %d", y+2)
		if names[name] {
			sum.Unchanged++
			continue
		}
		c, err := progs.CreateCohort(ctx, sys, pr.ID, name, y)
		if err != nil {
			return sum, err
		}
		specs = append(specs, outcomes.CohortSpec{ID: c.ID, EntryYear: y, Start: time.Date(y, time.August, 24, 0, 0, 0, 0, time.UTC), Size: historyPerCohort})
	}
	if len(specs) == 0 {
		return sum, nil
	}
	mockExam := ""
	if es, err := ex.StaffExams(ctx, sys, pr.ID); err == nil {
		for _, e := range es {
			if e.Kind == exams.FullLength && e.Exam == "RHIT" {
				mockExam = e.ID
			}
		}
	}
	h := outcomes.Synthesize(pr.ID, specs, 24, now, historySeed, historyEmailDomain, mockExam)
	if err := store.InsertHistory(ctx, pr.ID, h); err != nil {
		return sum, err
	}
	sum.Created += len(specs) + len(h.Students) + len(h.Results) + len(h.Employment) + len(h.Responses)

	if _, err := out.SaveSettings(ctx, sys, pr.ID, outcomes.Settings{NormalMonths: 24, PublicFigures: []string{outcomes.CertFirstTime, outcomes.Retention}}); err != nil {
		return sum, err
	}
	r := func(v float64) *float64 { return &v }
	for _, g := range []outcomes.Goal{
		{Area: "students", Title: "Graduates pass the RHIT on their first attempt", Measure: outcomes.CertFirstTime, Target: 70,
			Tool: "AHIMA score reports (verified)", ActionPlan: "Add a second full-length mock in the last term; review domain 4 results with students.", Responsible: "Program coordinator", Timeframe: "Annually, August"},
		{Area: "students", Title: "Students graduate within 150% of normal time", Measure: outcomes.Graduation150, Target: 60,
			Tool: "Enrollment records", ActionPlan: "Early-alert advising after the first term.", Responsible: "Program coordinator", Timeframe: "Annually"},
		{Area: "students", Title: "Graduates employed in the field within 12 months", Measure: outcomes.Employment12, Target: 75,
			Tool: "Graduate follow-up", Responsible: "Program coordinator", Timeframe: "Annually"},
		{Area: "community", Title: "Employers rate graduates as well prepared", Measure: outcomes.EmployerSatisfied, Target: 80,
			Tool: "Employer survey", Responsible: "Advisory committee chair", Timeframe: "Annually"},
		{Area: "curriculum", Title: "Every competency has a lesson and practice items", Target: 100, Result: r(88),
			Tool: "Curriculum coverage matrix", ActionPlan: "Write lessons for the domains IV to VI gaps.", Responsible: "Lead instructor", Timeframe: "By next fall"},
		{Area: "faculty", Title: "Faculty complete 10 hours of continuing education", Target: 100, Result: r(100),
			Tool: "CEU records", Responsible: "Program coordinator", Timeframe: "Annually"},
	} {
		if _, err := out.SaveGoal(ctx, sys, pr.ID, g); err != nil {
			return sum, err
		}
		sum.Created++
	}
	return sum, nil
}
