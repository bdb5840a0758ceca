package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/outcomes"
)

type goalDoc struct {
	ID          string    `bson:"_id"` // programId/goalId
	GoalID      string    `bson:"goalId"`
	ProgramID   string    `bson:"programId"`
	Area        string    `bson:"area"`
	Title       string    `bson:"title"`
	Measure     string    `bson:"measure,omitempty"`
	Target      float64   `bson:"target"`
	Result      *float64  `bson:"result,omitempty"`
	Tool        string    `bson:"tool,omitempty"`
	Analysis    string    `bson:"analysis,omitempty"`
	ActionPlan  string    `bson:"actionPlan,omitempty"`
	Responsible string    `bson:"responsible,omitempty"`
	Timeframe   string    `bson:"timeframe,omitempty"`
	UpdatedBy   string    `bson:"updatedBy"`
	UpdatedAt   time.Time `bson:"updatedAt"`
}

// Goals lists a program's evaluation plan goals in the order they were created.
func (s *Store) Goals(ctx context.Context, programID string) ([]outcomes.Goal, error) {
	var out []outcomes.Goal
	err := stream(ctx, s.db.Collection("pep_goals"), bson.M{"programId": programID}, nil, "goals", func(d goalDoc) error {
		out = append(out, outcomes.Goal{ID: d.GoalID, ProgramID: d.ProgramID, Area: d.Area, Title: d.Title, Measure: d.Measure, Target: d.Target, Result: d.Result,
			Tool: d.Tool, Analysis: d.Analysis, ActionPlan: d.ActionPlan, Responsible: d.Responsible, Timeframe: d.Timeframe, UpdatedBy: d.UpdatedBy, UpdatedAt: d.UpdatedAt.UTC()})
		return nil
	})
	return out, err
}

// PutGoal inserts or replaces a goal.
func (s *Store) PutGoal(ctx context.Context, g outcomes.Goal) error {
	d := goalDoc{ID: g.ProgramID + "/" + g.ID, GoalID: g.ID, ProgramID: g.ProgramID, Area: g.Area, Title: g.Title, Measure: g.Measure, Target: g.Target, Result: g.Result,
		Tool: g.Tool, Analysis: g.Analysis, ActionPlan: g.ActionPlan, Responsible: g.Responsible, Timeframe: g.Timeframe, UpdatedBy: g.UpdatedBy, UpdatedAt: g.UpdatedAt}
	_, err := s.db.Collection("pep_goals").ReplaceOne(ctx, bson.M{"_id": d.ID}, d, options.Replace().SetUpsert(true))
	return mapErr(err, "goal")
}

// DeleteGoal removes one goal of a program.
func (s *Store) DeleteGoal(ctx context.Context, programID, id string) error {
	r, err := s.db.Collection("pep_goals").DeleteOne(ctx, bson.M{"_id": programID + "/" + id})
	if err != nil {
		return mapErr(err, "goal")
	}
	if r.DeletedCount == 0 {
		return apperr.New(apperr.NotFound, "No such goal.")
	}
	return nil
}

type outcomeSettingsDoc struct {
	ID            string    `bson:"_id"` // programId
	NormalMonths  int       `bson:"normalMonths"`
	PublicFigures []string  `bson:"publicFigures"`
	UpdatedBy     string    `bson:"updatedBy"`
	UpdatedAt     time.Time `bson:"updatedAt"`
}

// OutcomeSettings returns a program's outcome settings, false when none were saved.
func (s *Store) OutcomeSettings(ctx context.Context, programID string) (outcomes.Settings, bool, error) {
	var d outcomeSettingsDoc
	err := s.db.Collection("outcome_settings").FindOne(ctx, bson.M{"_id": programID}).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return outcomes.Settings{}, false, nil
	}
	if err != nil {
		return outcomes.Settings{}, false, mapErr(err, "outcome settings")
	}
	return outcomes.Settings{NormalMonths: d.NormalMonths, PublicFigures: d.PublicFigures, UpdatedBy: d.UpdatedBy, UpdatedAt: d.UpdatedAt.UTC()}, true, nil
}

// PutOutcomeSettings stores a program's outcome settings.
func (s *Store) PutOutcomeSettings(ctx context.Context, programID string, st outcomes.Settings) error {
	d := outcomeSettingsDoc{ID: programID, NormalMonths: st.NormalMonths, PublicFigures: st.PublicFigures, UpdatedBy: st.UpdatedBy, UpdatedAt: st.UpdatedAt}
	if d.PublicFigures == nil {
		d.PublicFigures = []string{}
	}
	_, err := s.db.Collection("outcome_settings").ReplaceOne(ctx, bson.M{"_id": programID}, d, options.Replace().SetUpsert(true))
	return mapErr(err, "outcome settings")
}
