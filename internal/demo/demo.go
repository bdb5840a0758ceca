// Package demo loads the demo data (seed/demo.yaml) through the domain services, so the
// same rules and audit trail apply as for any other change. Loading is idempotent: what
// already exists is left as it is and counted as unchanged.
package demo

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/exams"
	"github.com/chartroom-him/chartroom/internal/programs"
)

// Data is the shape of seed/demo.yaml.
type Data struct {
	Password    string `yaml:"password"`
	Institution string `yaml:"institution"`
	Program     struct {
		Slug            string `yaml:"slug"`
		Name            string `yaml:"name"`
		Credential      string `yaml:"credential"`
		AccreditationID string `yaml:"accreditation_id"`
	} `yaml:"program"`
	Cohorts []struct {
		Name      string `yaml:"name"`
		EntryYear int    `yaml:"entry_year"`
		StartDate string `yaml:"start_date"`
	} `yaml:"cohorts"`
	Staff []struct {
		Email       string   `yaml:"email"`
		Name        string   `yaml:"name"`
		Roles       []string `yaml:"roles"`
		ProgramRole string   `yaml:"program_role"`
	} `yaml:"staff"`
	Students []struct {
		Email  string `yaml:"email"`
		Name   string `yaml:"name"`
		Cohort string `yaml:"cohort"`
	} `yaml:"students"`
	Exams []struct {
		Title            string `yaml:"title"`
		Kind             string `yaml:"kind"`
		Exam             string `yaml:"exam"`
		Domain           string `yaml:"domain"`
		ScoredItems      int    `yaml:"scored_items"`
		PretestItems     int    `yaml:"pretest_items"`
		TimeLimitMinutes int    `yaml:"time_limit_minutes"`
		AttemptsAllowed  int    `yaml:"attempts_allowed"`
		CreatedBy        string `yaml:"created_by"`
	} `yaml:"exams"`
}

// Exams is what the demo needs to define its exams.
type Exams interface {
	StaffExams(ctx context.Context, p accounts.Principal, programID string) ([]exams.Exam, error)
	CreateExam(ctx context.Context, p accounts.Principal, e exams.Exam) (exams.Exam, error)
}

// Summary counts what a load created and what it found already in place.
type Summary struct {
	Created   int
	Unchanged int
}

func (s Summary) String() string {
	return fmt.Sprintf("%d created, %d unchanged", s.Created, s.Unchanged)
}

// Load reads demo.yaml from fsys and applies it.
func Load(ctx context.Context, fsys fs.FS, acc *accounts.Service, progs *programs.Service, ex Exams) (Summary, error) {
	b, err := fs.ReadFile(fsys, "demo.yaml")
	if err != nil {
		return Summary{}, err
	}
	var d Data
	if err := yaml.Unmarshal(b, &d); err != nil {
		return Summary{}, fmt.Errorf("demo.yaml: %w", err)
	}
	return Apply(ctx, d, acc, progs, ex)
}

// Apply creates whatever part of d does not exist yet.
func Apply(ctx context.Context, d Data, acc *accounts.Service, progs *programs.Service, ex Exams) (Summary, error) {
	sys := accounts.SystemPrincipal
	var sum Summary
	ensureUser := func(email, name string, roles []accounts.Role) (accounts.User, error) {
		u, err := acc.UserByEmail(ctx, email)
		if err == nil {
			sum.Unchanged++
			return u, nil
		}
		if !apperr.Is(err, apperr.NotFound) {
			return accounts.User{}, err
		}
		u, _, err = acc.CreateUser(ctx, sys, accounts.NewUser{Email: email, Name: name, Roles: roles, Password: d.Password})
		if err == nil {
			sum.Created++
		}
		return u, err
	}

	// Institution and program.
	pr, err := progs.ProgramBySlug(ctx, d.Program.Slug)
	if apperr.Is(err, apperr.NotFound) {
		ins, err := progs.Institutions(ctx, sys)
		if err != nil {
			return sum, err
		}
		var inst programs.Institution
		for _, in := range ins {
			if in.Name == d.Institution {
				inst = in
			}
		}
		if inst.ID == "" {
			if inst, err = progs.CreateInstitution(ctx, sys, d.Institution); err != nil {
				return sum, err
			}
			sum.Created++
		}
		pr, err = progs.CreateProgram(ctx, sys, programs.Program{InstitutionID: inst.ID, Slug: d.Program.Slug, Name: d.Program.Name, Credential: d.Program.Credential, AccreditationID: d.Program.AccreditationID})
		if err != nil {
			return sum, err
		}
		sum.Created++
	} else if err != nil {
		return sum, err
	} else {
		sum.Unchanged++
	}

	// Staff.
	for _, st := range d.Staff {
		roles := make([]accounts.Role, 0, len(st.Roles))
		for _, r := range st.Roles {
			role, ok := accounts.ParseRole(r)
			if !ok {
				return sum, fmt.Errorf("demo.yaml: %s: unknown role %q", st.Email, r)
			}
			roles = append(roles, role)
		}
		u, err := ensureUser(st.Email, st.Name, roles)
		if err != nil {
			return sum, fmt.Errorf("demo.yaml: %s: %w", st.Email, err)
		}
		if st.ProgramRole == "" {
			continue
		}
		if r, ok := pr.StaffRoleOf(u.ID); ok && string(r) == st.ProgramRole {
			continue
		}
		if pr, err = progs.AssignStaff(ctx, sys, pr.ID, u.ID, programs.StaffRole(st.ProgramRole)); err != nil {
			return sum, err
		}
	}

	// Cohorts.
	existing, err := progs.Cohorts(ctx, sys, pr.ID)
	if err != nil {
		return sum, err
	}
	cohorts := map[string]programs.Cohort{}
	starts := map[string]time.Time{}
	for _, c := range existing {
		cohorts[c.Name] = c
	}
	for _, c := range d.Cohorts {
		start, err := time.Parse("2006-01-02", c.StartDate)
		if err != nil {
			return sum, fmt.Errorf("demo.yaml: cohort %s: %w", c.Name, err)
		}
		starts[c.Name] = start
		if _, ok := cohorts[c.Name]; ok {
			sum.Unchanged++
			continue
		}
		co, err := progs.CreateCohort(ctx, sys, pr.ID, c.Name, c.EntryYear)
		if err != nil {
			return sum, err
		}
		cohorts[c.Name] = co
		sum.Created++
	}

	// Students and enrollments.
	for _, st := range d.Students {
		co, ok := cohorts[st.Cohort]
		if !ok {
			return sum, fmt.Errorf("demo.yaml: %s: unknown cohort %q", st.Email, st.Cohort)
		}
		if _, err := ensureUser(st.Email, st.Name, []accounts.Role{accounts.Student}); err != nil {
			return sum, fmt.Errorf("demo.yaml: %s: %w", st.Email, err)
		}
		_, _, err := progs.Enroll(ctx, sys, pr.ID, programs.EnrollRequest{Email: st.Email, Name: st.Name, CohortID: co.ID, StartDate: starts[st.Cohort]})
		switch {
		case apperr.Is(err, apperr.Conflict):
			sum.Unchanged++
		case err != nil:
			return sum, fmt.Errorf("demo.yaml: enrolling %s: %w", st.Email, err)
		default:
			sum.Created++
		}
	}

	// Exams, created as their instructor.
	existingExams, err := ex.StaffExams(ctx, sys, pr.ID)
	if err != nil {
		return sum, err
	}
	for _, e := range d.Exams {
		if slices.ContainsFunc(existingExams, func(x exams.Exam) bool { return x.Title == e.Title }) {
			sum.Unchanged++
			continue
		}
		author, err := acc.UserByEmail(ctx, e.CreatedBy)
		if err != nil {
			return sum, fmt.Errorf("demo.yaml: exam %s: author %s: %w", e.Title, e.CreatedBy, err)
		}
		p := accounts.Principal{UserID: author.ID, Email: author.Email, Name: author.Name, Roles: author.Roles}
		all := exams.AfterSubmit
		_, err = ex.CreateExam(ctx, p, exams.Exam{ProgramID: pr.ID, Title: e.Title, Kind: exams.Kind(e.Kind), Exam: e.Exam, Domain: e.Domain,
			ScoredItems: e.ScoredItems, PretestItems: e.PretestItems, TimeLimit: time.Duration(e.TimeLimitMinutes) * time.Minute,
			AttemptsAllowed: e.AttemptsAllowed, ShuffleOptions: true, Review: exams.ReviewPolicy{Responses: all, Correctness: all, Key: all, Rationale: all}})
		if err != nil {
			return sum, fmt.Errorf("demo.yaml: exam %s: %w", e.Title, err)
		}
		sum.Created++
	}
	return sum, nil
}
