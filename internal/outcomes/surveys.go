package outcomes

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/programs"
)

// SurveyKind says who a survey asks.
type SurveyKind string

// The built-in surveys.
const (
	GraduateSurvey SurveyKind = "graduate"
	EmployerSurvey SurveyKind = "employer"
)

// Likert is the five-point agreement scale every survey item uses; 0 means no answer.
var Likert = []string{"Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"}

// SurveyItems are the built-in Likert items of each survey. The first item of each is the
// overall satisfaction item the satisfaction figures count.
var SurveyItems = map[SurveyKind][]string{
	GraduateSurvey: {
		"Overall, I am satisfied with how the program prepared me for work in health information.",
		"The program prepared me for the certification exam.",
		"Coursework in coding and revenue cycle was current and relevant.",
		"Coursework in privacy, security and compliance was current and relevant.",
		"The professional practice experience prepared me for the workplace.",
		"Faculty were available and helpful.",
	},
	EmployerSurvey: {
		"Overall, the graduate's preparation meets or exceeds what we expect of a new HIM professional.",
		"The graduate applies coding and classification systems accurately.",
		"The graduate protects the privacy and security of health information.",
		"The graduate uses data and information systems competently.",
		"The graduate communicates and works well with others.",
		"The graduate acts professionally and ethically.",
	},
}

// Survey is a graduate or employer survey sent as a link with an unguessable token.
type Survey struct {
	ID        string
	ProgramID string
	Kind      SurveyKind
	CohortID  string // optional: the cohort whose graduates (or their employers) are asked
	Title     string
	Token     string
	Closed    bool
	CreatedBy string
	CreatedAt time.Time
}

// Validate checks the survey's invariants.
func (s Survey) Validate() error {
	var f apperr.Fields
	if _, ok := SurveyItems[s.Kind]; !ok {
		f.Add("kind", "must be graduate or employer")
	}
	if t := strings.TrimSpace(s.Title); t == "" || len(t) > 200 {
		f.Add("title", "is required (at most 200 characters)")
	}
	return f.Err()
}

// Response is one anonymous answer to a survey.
type Response struct {
	ID          string
	SurveyID    string
	ProgramID   string
	Kind        SurveyKind
	CohortID    string
	SubmittedAt time.Time
	Answers     []int // one per item, 1-5, or 0 for no answer
	Comment     string
}

// Validate checks the response against its survey's items.
func (r Response) Validate() error {
	var f apperr.Fields
	items := SurveyItems[r.Kind]
	if len(r.Answers) != len(items) {
		f.Add("answers", "must hold one answer per item")
	}
	answered := false
	for i, a := range r.Answers {
		if a < 0 || a > 5 {
			f.Add("answers["+strconv.Itoa(i)+"]", "must be 1 to 5, or 0 for no answer")
		}
		answered = answered || a > 0
	}
	if len(r.Answers) == len(items) && !answered {
		f.Add("answers", "answer at least one item")
	}
	if len(r.Comment) > 2000 {
		f.Add("comment", "must be at most 2000 characters")
	}
	return f.Err()
}

// ItemResult is the distribution of answers to one survey item.
type ItemResult struct {
	Item   string
	Counts [5]int // answers 1..5
	N      int
	Mean   float64
	// Agree is the share answering 4 or 5.
	Agree float64
}

// SurveyResults aggregates responses of one kind item by item.
func SurveyResults(kind SurveyKind, rs []Response) []ItemResult {
	items := SurveyItems[kind]
	out := make([]ItemResult, len(items))
	for i, it := range items {
		out[i].Item = it
	}
	for _, r := range rs {
		if r.Kind != kind {
			continue
		}
		for i, a := range r.Answers {
			if i < len(out) && a >= 1 && a <= 5 {
				out[i].Counts[a-1]++
				out[i].N++
			}
		}
	}
	for i := range out {
		if out[i].N == 0 {
			continue
		}
		sum, agree := 0, 0
		for v, c := range out[i].Counts {
			sum += (v + 1) * c
			if v >= 3 {
				agree += c
			}
		}
		out[i].Mean = float64(sum) / float64(out[i].N)
		out[i].Agree = float64(agree) / float64(out[i].N)
	}
	return out
}

// CreateSurvey creates a survey link for a program the caller coordinates.
func (s *Service) CreateSurvey(ctx context.Context, p accounts.Principal, programID string, sv Survey) (Survey, error) {
	pr, err := s.managed(ctx, p, programID)
	if err != nil {
		return Survey{}, err
	}
	if err := sv.Validate(); err != nil {
		return Survey{}, err
	}
	if sv.CohortID != "" {
		cs, err := s.programs.Cohorts(ctx, p, pr.ID)
		if err != nil {
			return Survey{}, err
		}
		if !slices.ContainsFunc(cs, func(c programs.Cohort) bool { return c.ID == sv.CohortID }) {
			return Survey{}, apperr.Field("cohortId", "no such cohort in this program")
		}
	}
	sv.Token = newToken()
	sv.ID, sv.ProgramID, sv.CreatedBy, sv.CreatedAt, sv.Title = sv.Token, pr.ID, p.UserID, s.now().UTC(), strings.TrimSpace(sv.Title)
	if err := s.store.CreateSurvey(ctx, sv); err != nil {
		return Survey{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "outcomes.survey_create", Subject: "program:" + pr.ID, Details: map[string]string{"kind": string(sv.Kind), "cohortId": sv.CohortID}})
	return sv, nil
}

// SurveyWithCount is a survey with the number of responses it received.
type SurveyWithCount struct {
	Survey
	Responses int
}

// Surveys lists a program's surveys with their response counts (staff).
func (s *Service) Surveys(ctx context.Context, p accounts.Principal, programID string) ([]SurveyWithCount, error) {
	pr, err := s.viewable(ctx, p, programID)
	if err != nil {
		return nil, err
	}
	return s.store.SurveysByProgram(ctx, pr.ID)
}

// SurveyByToken returns an open survey for its public form; no login needed.
func (s *Service) SurveyByToken(ctx context.Context, token string) (Survey, error) {
	sv, err := s.store.SurveyByToken(ctx, token)
	if apperr.Is(err, apperr.NotFound) {
		return Survey{}, apperr.New(apperr.NotFound, "No such survey: check the link.")
	}
	if err != nil {
		return Survey{}, err
	}
	if sv.Closed {
		return Survey{}, apperr.New(apperr.NotFound, "This survey is closed.")
	}
	return sv, nil
}

// Respond stores one anonymous response to the survey with token.
func (s *Service) Respond(ctx context.Context, token string, answers []int, comment string) (Response, error) {
	sv, err := s.SurveyByToken(ctx, token)
	if err != nil {
		return Response{}, err
	}
	r := Response{SurveyID: sv.ID, ProgramID: sv.ProgramID, Kind: sv.Kind, CohortID: sv.CohortID, SubmittedAt: s.now().UTC(), Answers: answers, Comment: strings.TrimSpace(comment)}
	if err := r.Validate(); err != nil {
		return Response{}, err
	}
	if err := s.store.InsertResponse(ctx, &r); err != nil {
		return Response{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: "anonymous", Action: "outcomes.survey_response", Subject: "program:" + sv.ProgramID, Details: map[string]string{"surveyId": sv.ID, "responseId": r.ID}})
	return r, nil
}
