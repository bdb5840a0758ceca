package httpapi

import (
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/programs"
)

// The JSON shapes of API responses. Domain types never go over the wire directly.

type userView struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Roles     []string  `json:"roles"`
	CreatedAt time.Time `json:"createdAt"`
}

func userJSON(u accounts.User) userView {
	v := userView{ID: u.ID, Email: u.Email, Name: u.Name, Roles: []string{}, CreatedAt: u.CreatedAt}
	for _, r := range u.Roles {
		v.Roles = append(v.Roles, string(r))
	}
	return v
}

type institutionView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type programView struct {
	ID              string          `json:"id"`
	Slug            string          `json:"slug"`
	Name            string          `json:"name"`
	Credential      string          `json:"credential"`
	AccreditationID string          `json:"accreditationId"`
	Institution     institutionView `json:"institution"`
	Cohorts         []cohortView    `json:"cohorts,omitempty"`
	Counts          *countsView     `json:"counts,omitempty"`
	Staff           []staffView     `json:"staff,omitempty"`
}

type staffView struct {
	UserID string `json:"userId"`
	Role   string `json:"role"`
}

type countsView struct {
	Active   int            `json:"active"`
	Total    int            `json:"total"`
	ByStatus map[string]int `json:"byStatus"`
}

func programJSON(p programs.Program) programView {
	return programView{ID: p.ID, Slug: p.Slug, Name: p.Name, Credential: p.Credential, AccreditationID: p.AccreditationID,
		Institution: institutionView{ID: p.InstitutionID, Name: p.InstitutionName}}
}

type cohortView struct {
	ID        string `json:"id"`
	ProgramID string `json:"programId"`
	Name      string `json:"name"`
	EntryYear int    `json:"entryYear"`
}

func cohortJSON(c programs.Cohort) cohortView {
	return cohortView{ID: c.ID, ProgramID: c.ProgramID, Name: c.Name, EntryYear: c.EntryYear}
}

type studentRef struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

type enrollmentView struct {
	ID          string      `json:"id"`
	ProgramID   string      `json:"programId"`
	ProgramName string      `json:"programName,omitempty"`
	CohortID    string      `json:"cohortId"`
	CohortName  string      `json:"cohortName"`
	Status      string      `json:"status"`
	StartDate   string      `json:"startDate"`
	Student     *studentRef `json:"student,omitempty"`
}

func enrollmentJSON(e programs.Enrollment, cohortName string) enrollmentView {
	return enrollmentView{ID: e.ID, ProgramID: e.ProgramID, CohortID: e.CohortID, CohortName: cohortName,
		Status: string(e.Status), StartDate: e.StartDate.Format("2006-01-02")}
}

type listView[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"nextCursor"`
}

func list[T any](items []T, next string) listView[T] {
	if items == nil {
		items = []T{}
	}
	v := listView[T]{Items: items}
	if next != "" {
		v.NextCursor = &next
	}
	return v
}
