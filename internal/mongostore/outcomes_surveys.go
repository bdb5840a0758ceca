package mongostore

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/outcomes"
)

type surveyDoc struct {
	ID        string    `bson:"_id"` // the token
	ProgramID string    `bson:"programId"`
	Kind      string    `bson:"kind"`
	CohortID  string    `bson:"cohortId,omitempty"`
	Title     string    `bson:"title"`
	Closed    bool      `bson:"closed"`
	CreatedBy string    `bson:"createdBy"`
	CreatedAt time.Time `bson:"createdAt"`
	// Responses holds each response packed as "<RFC 3339 time>|<answers, comma-separated>":
	// one string per response keeps a survey a single cheap document.
	Responses []string `bson:"responses"`
}

func (d surveyDoc) survey() outcomes.Survey {
	return outcomes.Survey{ID: d.ID, Token: d.ID, ProgramID: d.ProgramID, Kind: outcomes.SurveyKind(d.Kind), CohortID: d.CohortID, Title: d.Title,
		Closed: d.Closed, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt.UTC()}
}

func encodeResponse(r outcomes.Response) string {
	parts := make([]string, len(r.Answers))
	for i, a := range r.Answers {
		parts[i] = strconv.Itoa(a)
	}
	return r.SubmittedAt.UTC().Format(time.RFC3339) + "|" + strings.Join(parts, ",")
}

func decodeResponse(sv outcomes.Survey, p string) (outcomes.Response, bool) {
	at, answers, ok := strings.Cut(p, "|")
	t, err := time.Parse(time.RFC3339, at)
	if !ok || err != nil {
		return outcomes.Response{}, false
	}
	r := outcomes.Response{SurveyID: sv.ID, ProgramID: sv.ProgramID, Kind: sv.Kind, CohortID: sv.CohortID, SubmittedAt: t}
	for _, a := range strings.Split(answers, ",") {
		n, _ := strconv.Atoi(a)
		r.Answers = append(r.Answers, n)
	}
	return r, true
}

// CreateSurvey inserts a survey; its token is its _id, so the public form reads by _id.
func (s *Store) CreateSurvey(ctx context.Context, sv outcomes.Survey) error {
	_, err := s.db.Collection("surveys").InsertOne(ctx, surveyDoc{ID: sv.Token, ProgramID: sv.ProgramID, Kind: string(sv.Kind), CohortID: sv.CohortID,
		Title: sv.Title, Closed: sv.Closed, CreatedBy: sv.CreatedBy, CreatedAt: sv.CreatedAt, Responses: []string{}})
	return mapErr(err, "survey")
}

func (s *Store) streamSurveys(ctx context.Context, programID string, fn func(outcomes.Survey, []string) error) error {
	return stream(ctx, s.db.Collection("surveys"), bson.M{"programId": programID}, nil, "surveys", func(d surveyDoc) error { return fn(d.survey(), d.Responses) })
}

// SurveysByProgram lists a program's surveys with their response counts, newest first.
func (s *Store) SurveysByProgram(ctx context.Context, programID string) ([]outcomes.SurveyWithCount, error) {
	var out []outcomes.SurveyWithCount
	err := s.streamSurveys(ctx, programID, func(sv outcomes.Survey, rs []string) error {
		out = append(out, outcomes.SurveyWithCount{Survey: sv, Responses: len(rs)})
		return nil
	})
	slices.SortStableFunc(out, func(a, b outcomes.SurveyWithCount) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, err
}

// SurveyByToken returns the survey with token.
func (s *Store) SurveyByToken(ctx context.Context, token string) (outcomes.Survey, error) {
	var d surveyDoc
	err := s.db.Collection("surveys").FindOne(ctx, bson.M{"_id": token}, options.FindOne().SetProjection(bson.M{"responses": 0})).Decode(&d)
	return d.survey(), mapErr(err, "survey")
}

// InsertResponse appends a response to its survey (one atomic update) and keeps any
// comment in survey_comments; it sets the response's ID.
func (s *Store) InsertResponse(ctx context.Context, r *outcomes.Response) error {
	if r.ID == "" {
		r.ID = newID()
	}
	unlock := s.lockDoc("surveys/" + r.SurveyID) // see lockDoc
	res, err := s.db.Collection("surveys").UpdateOne(ctx, bson.M{"_id": r.SurveyID}, bson.M{"$push": bson.M{"responses": encodeResponse(*r)}})
	unlock()
	if err != nil {
		return mapErr(err, "survey response")
	}
	if res.MatchedCount == 0 {
		return apperr.New(apperr.NotFound, "No such survey.")
	}
	if r.Comment != "" {
		_, err = s.db.Collection("survey_comments").InsertOne(ctx, bson.M{"_id": r.ID, "surveyId": r.SurveyID, "programId": r.ProgramID, "comment": r.Comment, "submittedAt": r.SubmittedAt})
	}
	return mapErr(err, "survey comment")
}
