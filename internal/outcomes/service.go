package outcomes

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/programs"
)

// Store is the persistence the outcomes service needs.
type Store interface {
	// Records returns a program's records in the compact form the figures use: students'
	// lifecycles, certification results, follow-ups and survey responses. It must stay
	// cheap for large programs (the adapter keeps a packed read model).
	Records(ctx context.Context, programID string) (Records, error)
	// StreamResults and StreamEmployment call fn for every full record of a program
	// (listings); StreamMockAttempts for every finished full-length mock attempt.
	StreamResults(ctx context.Context, programID string, fn func(Result) error) error
	StreamEmployment(ctx context.Context, programID string, fn func(Employment) error) error
	StreamMockAttempts(ctx context.Context, programID string, fn func(MockAttempt) error) error

	// InsertResults inserts results; a result whose id exists is an apperr.Conflict.
	InsertResults(ctx context.Context, rs []Result) error
	ResultsByIDs(ctx context.Context, ids []string) ([]Result, error)
	DeleteResults(ctx context.Context, ids []string) error
	// VerifyResult marks a result verified; apperr.NotFound when it does not exist.
	VerifyResult(ctx context.Context, id, by string, at time.Time) error

	// InsertEmployment inserts follow-ups; one whose id exists is an apperr.Conflict.
	InsertEmployment(ctx context.Context, es []Employment) error
	EmploymentByIDs(ctx context.Context, ids []string) ([]Employment, error)
	DeleteEmployment(ctx context.Context, ids []string) error

	// AddStatusChange appends a dated status change to an enrollment and sets its current
	// status (and expected completion when not zero).
	AddStatusChange(ctx context.Context, st Student, programID string, c Change, status programs.Status, by string, at time.Time) error
	// RemoveStatusChange undoes AddStatusChange (import compensation).
	RemoveStatusChange(ctx context.Context, st Student, programID string, c Change, status programs.Status) error
	SetExpectedCompletion(ctx context.Context, st Student, programID string, expected time.Time) error

	CreateSurvey(ctx context.Context, s Survey) error
	SurveysByProgram(ctx context.Context, programID string) ([]SurveyWithCount, error)
	// SurveyByToken returns apperr.NotFound for an unknown token.
	SurveyByToken(ctx context.Context, token string) (Survey, error)
	InsertResponse(ctx context.Context, r *Response) error

	Goals(ctx context.Context, programID string) ([]Goal, error)
	PutGoal(ctx context.Context, g Goal) error
	// DeleteGoal returns apperr.NotFound when the program has no such goal.
	DeleteGoal(ctx context.Context, programID, id string) error

	// OutcomeSettings returns the program's settings and false when none were saved.
	OutcomeSettings(ctx context.Context, programID string) (Settings, bool, error)
	PutOutcomeSettings(ctx context.Context, programID string, s Settings) error
}

// Programs is what outcomes needs from the programs service.
type Programs interface {
	Program(ctx context.Context, p accounts.Principal, id string) (programs.Program, error)
	ProgramBySlug(ctx context.Context, slug string) (programs.Program, error)
	Cohorts(ctx context.Context, p accounts.Principal, programID string) ([]programs.Cohort, error)
}

// Users is what outcomes needs from accounts: students' names and emails by id.
type Users interface {
	UsersByIDs(ctx context.Context, ids []string) ([]accounts.User, error)
}

// Settings are a program's outcome settings.
type Settings struct {
	// NormalMonths is the normal time to completion (24 for an associate degree).
	NormalMonths int
	// PublicFigures are the figures shown on the public page besides graduation and
	// employment, which are always shown.
	PublicFigures []string
	UpdatedBy     string
	UpdatedAt     time.Time
}

// Validate checks the settings' invariants.
func (s Settings) Validate() error {
	var f apperr.Fields
	if s.NormalMonths < 6 || s.NormalMonths > 96 {
		f.Add("normalMonths", "must be between 6 and 96")
	}
	for i, k := range s.PublicFigures {
		if !slices.Contains(FigureKeys, k) {
			f.Add("publicFigures["+itoa(i)+"]", "must be one of "+strings.Join(FigureKeys, ", "))
		}
	}
	return f.Err()
}

// AlwaysPublic are the figures the public page always shows.
var AlwaysPublic = []string{Graduation100, Graduation150, Employment6, Employment12}

// DefaultSettings returns the settings of a program that saved none: normal time by
// credential, and the first-time certification pass rate on the public page.
func DefaultSettings(pr programs.Program) Settings {
	months := 24
	switch pr.Credential {
	case "Certificate":
		months = 12
	case "BS", "BAS":
		months = 48
	}
	return Settings{NormalMonths: months, PublicFigures: []string{CertFirstTime}}
}

// Service implements outcome records, figures, reports and the public page.
type Service struct {
	store      Store
	programs   Programs
	users      Users
	audit      *audit.Log
	now        func() time.Time
	curriculum Curriculum
	coverage   Coverage // of curriculum, computed once
	blueprints map[string][]BlueprintDomain
}

// Options configure a Service.
type Options struct {
	Now        func() time.Time // defaults to time.Now
	Curriculum Curriculum       // what the coverage matrix counts
	// Blueprints are the domains of each exam's blueprint, for readiness by domain.
	Blueprints map[string][]BlueprintDomain
}

// NewService returns a Service.
func NewService(store Store, progs Programs, users Users, log *audit.Log, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{store: store, programs: progs, users: users, audit: log, now: o.Now, curriculum: o.Curriculum, coverage: CoverageOf(o.Curriculum), blueprints: o.Blueprints}
}

// viewable returns the program if p is its staff (coordinators, instructors) or an admin.
// Others get apperr.NotFound (not even its existence leaks) or apperr.Forbidden (students).
func (s *Service) viewable(ctx context.Context, p accounts.Principal, programID string) (programs.Program, error) {
	pr, err := s.programs.Program(ctx, p, programID)
	if err != nil {
		return programs.Program{}, err
	}
	if !programs.IsStaff(p, pr) {
		return programs.Program{}, apperr.New(apperr.Forbidden, "Only the program's staff can see its outcomes.")
	}
	return pr, nil
}

// managed returns the program if p coordinates it (or is an admin).
func (s *Service) managed(ctx context.Context, p accounts.Principal, programID string) (programs.Program, error) {
	pr, err := s.programs.Program(ctx, p, programID)
	if err != nil {
		return programs.Program{}, err
	}
	if !programs.CanManage(p, pr) {
		return programs.Program{}, apperr.New(apperr.Forbidden, "Only the program's coordinators can change its outcome records.")
	}
	return pr, nil
}

// Authorize checks that p may see (manage false) or change (manage true) the outcomes of
// a program, before a handler reads a request body.
func (s *Service) Authorize(ctx context.Context, p accounts.Principal, programID string, manage bool) error {
	var err error
	if manage {
		_, err = s.managed(ctx, p, programID)
	} else {
		_, err = s.viewable(ctx, p, programID)
	}
	return err
}

func (s *Service) settings(ctx context.Context, pr programs.Program) (Settings, error) {
	st, ok, err := s.store.OutcomeSettings(ctx, pr.ID)
	if err != nil {
		return Settings{}, err
	}
	if !ok {
		return DefaultSettings(pr), nil
	}
	return st, nil
}

// Settings returns a program's outcome settings (staff only).
func (s *Service) Settings(ctx context.Context, p accounts.Principal, programID string) (Settings, error) {
	pr, err := s.viewable(ctx, p, programID)
	if err != nil {
		return Settings{}, err
	}
	return s.settings(ctx, pr)
}

// SaveSettings validates and stores a program's outcome settings (coordinators).
func (s *Service) SaveSettings(ctx context.Context, p accounts.Principal, programID string, st Settings) (Settings, error) {
	pr, err := s.managed(ctx, p, programID)
	if err != nil {
		return Settings{}, err
	}
	if err := st.Validate(); err != nil {
		return Settings{}, err
	}
	st.PublicFigures = slices.Compact(slices.Clone(st.PublicFigures))
	st.UpdatedBy, st.UpdatedAt = p.UserID, s.now().UTC()
	if err := s.store.PutOutcomeSettings(ctx, pr.ID, st); err != nil {
		return Settings{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "outcomes.settings", Subject: "program:" + pr.ID,
		Details: map[string]string{"normalMonths": itoa(st.NormalMonths), "publicFigures": strings.Join(st.PublicFigures, ",")}})
	return st, nil
}

// load reads every record of a program in compact form.
func (s *Service) load(ctx context.Context, programID string) (Records, error) {
	return s.store.Records(ctx, programID)
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func itoa(n int) string { return strconv.Itoa(n) }
