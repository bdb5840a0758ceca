package outcomes

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
)

// Goal areas of a Program Evaluation Plan.
var GoalAreas = []string{"students", "curriculum", "faculty", "community"}

// Goal is one Program Evaluation Plan goal.
type Goal struct {
	ID        string
	ProgramID string
	Area      string // students, curriculum, faculty or community
	Title     string
	// Measure is the figure whose value is the goal's result; empty for a goal whose
	// result is entered by hand (Result).
	Measure string
	Target  float64  // percent, 0-100
	Result  *float64 // percent, for goals without a measure
	Tool    string   // measurement tool
	// Analysis, ActionPlan, Responsible and Timeframe complete the plan.
	Analysis    string
	ActionPlan  string
	Responsible string
	Timeframe   string
	UpdatedBy   string
	UpdatedAt   time.Time
}

// Validate checks the goal's invariants.
func (g Goal) Validate() error {
	var f apperr.Fields
	if !slices.Contains(GoalAreas, g.Area) {
		f.Add("area", "must be one of "+strings.Join(GoalAreas, ", "))
	}
	if t := strings.TrimSpace(g.Title); t == "" || len(t) > 300 {
		f.Add("title", "is required (at most 300 characters)")
	}
	if g.Measure != "" && !slices.Contains(FigureKeys, g.Measure) {
		f.Add("measure", "must be empty or one of "+strings.Join(FigureKeys, ", "))
	}
	if g.Target < 0 || g.Target > 100 {
		f.Add("target", "must be a percent between 0 and 100")
	}
	if g.Result != nil && (*g.Result < 0 || *g.Result > 100) {
		f.Add("result", "must be a percent between 0 and 100")
	}
	for name, v := range map[string]string{"tool": g.Tool, "analysis": g.Analysis, "actionPlan": g.ActionPlan, "responsible": g.Responsible, "timeframe": g.Timeframe} {
		if len(v) > 4000 {
			f.Add(name, "must be at most 4000 characters")
		}
	}
	return f.Err()
}

// GoalResult is a goal evaluated for a reporting year.
type GoalResult struct {
	Goal
	Value *float64 // percent
	Met   *bool
}

// EvaluateGoals sets each goal's result from the year's figures (or its entered result)
// and whether it met its target.
func EvaluateGoals(goals []Goal, figures []Figure) []GoalResult {
	out := make([]GoalResult, len(goals))
	for i, g := range goals {
		r := GoalResult{Goal: g, Value: g.Result}
		if g.Measure != "" {
			r.Value = nil
			for _, f := range figures {
				if f.Key == g.Measure && f.Value != nil {
					v := *f.Value * 100
					r.Value = &v
				}
			}
		}
		if r.Value != nil {
			met := *r.Value >= g.Target
			r.Met = &met
		}
		out[i] = r
	}
	return out
}

// Goals lists a program's evaluation plan goals (staff).
func (s *Service) Goals(ctx context.Context, p accounts.Principal, programID string) ([]Goal, error) {
	if _, err := s.viewable(ctx, p, programID); err != nil {
		return nil, err
	}
	return s.store.Goals(ctx, programID)
}

// SaveGoal creates (empty ID) or replaces a goal of a program the caller coordinates.
func (s *Service) SaveGoal(ctx context.Context, p accounts.Principal, programID string, g Goal) (Goal, error) {
	pr, err := s.managed(ctx, p, programID)
	if err != nil {
		return Goal{}, err
	}
	if err := g.Validate(); err != nil {
		return Goal{}, err
	}
	action := "outcomes.goal_update"
	if g.ID == "" {
		g.ID, action = newToken()[:16], "outcomes.goal_create"
	} else {
		existing, err := s.store.Goals(ctx, pr.ID)
		if err != nil {
			return Goal{}, err
		}
		if !slices.ContainsFunc(existing, func(x Goal) bool { return x.ID == g.ID }) {
			return Goal{}, apperr.New(apperr.NotFound, "No such goal.")
		}
	}
	g.ProgramID, g.UpdatedBy, g.UpdatedAt = pr.ID, p.UserID, s.now().UTC()
	if g.Measure != "" {
		g.Result = nil
	}
	if err := s.store.PutGoal(ctx, g); err != nil {
		return Goal{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: action, Subject: "program:" + pr.ID, Details: map[string]string{"goalId": g.ID, "title": g.Title}})
	return g, nil
}

// DeleteGoal removes a goal of a program the caller coordinates; deleting a goal that
// does not exist succeeds.
func (s *Service) DeleteGoal(ctx context.Context, p accounts.Principal, programID, goalID string) error {
	pr, err := s.managed(ctx, p, programID)
	if err != nil {
		return err
	}
	err = s.store.DeleteGoal(ctx, pr.ID, goalID)
	if apperr.Is(err, apperr.NotFound) {
		return nil // deleting is idempotent: the goal is gone either way
	}
	if err != nil {
		return err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "outcomes.goal_delete", Subject: "program:" + pr.ID, Details: map[string]string{"goalId": goalID}})
	return nil
}
