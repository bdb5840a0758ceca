// Package programs holds institutions, HIM programs, cohorts and student enrollments, and
// enforces that coordinators see and change only their own programs.
package programs

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/chartroom-him/chartroom/internal/apperr"
)

// Institution is a college or university.
type Institution struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// StaffRole is a person's role in one program.
type StaffRole string

// The staff roles.
const (
	CoordinatorRole StaffRole = "coordinator"
	InstructorRole  StaffRole = "instructor"
)

// StaffMember links a user to a program with a role.
type StaffMember struct {
	UserID string
	Role   StaffRole
}

// Program is an accredited (or candidate) HIM degree program.
type Program struct {
	ID              string
	Slug            string
	InstitutionID   string
	InstitutionName string
	Name            string
	Credential      string // AAS, AS, BS, MS, certificate ...
	AccreditationID string
	Staff           []StaffMember
	CreatedAt       time.Time
}

var slugRe = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Credentials are the credential levels a program may award.
var Credentials = []string{"Certificate", "AAS", "AS", "BS", "BAS", "MS", "MHA"}

// Validate checks the program's invariants.
func (p Program) Validate() error {
	var f apperr.Fields
	if !slugRe.MatchString(p.Slug) || len(p.Slug) > 80 {
		f.Add("slug", "must be lowercase letters, digits and single dashes (at most 80)")
	}
	if strings.TrimSpace(p.Name) == "" || len(p.Name) > 200 {
		f.Add("name", "is required (at most 200 characters)")
	}
	if !slices.Contains(Credentials, p.Credential) {
		f.Add("credential", "must be one of "+strings.Join(Credentials, ", "))
	}
	if p.InstitutionID == "" {
		f.Add("institutionId", "is required")
	}
	if len(p.AccreditationID) > 50 {
		f.Add("accreditationId", "at most 50 characters")
	}
	return f.Err()
}

// StaffRoleOf returns the role userID holds in the program, if any.
func (p Program) StaffRoleOf(userID string) (StaffRole, bool) {
	for _, s := range p.Staff {
		if s.UserID == userID {
			return s.Role, true
		}
	}
	return "", false
}

// Cohort is a group of students who entered a program in the same academic year.
type Cohort struct {
	ID        string
	ProgramID string
	Name      string
	EntryYear int // the academic year starting in August of this calendar year
	CreatedAt time.Time
}

// Validate checks the cohort's invariants.
func (c Cohort) Validate() error {
	var f apperr.Fields
	if strings.TrimSpace(c.Name) == "" || len(c.Name) > 100 {
		f.Add("name", "is required (at most 100 characters)")
	}
	if c.EntryYear < 1990 || c.EntryYear > 2100 {
		f.Add("entryYear", "must be a year between 1990 and 2100")
	}
	return f.Err()
}

// Status is where a student stands in a program.
type Status string

// The enrollment statuses.
const (
	Active      Status = "active"
	Withdrawn   Status = "withdrawn"
	Transferred Status = "transferred"
	Graduated   Status = "graduated"
)

// Statuses lists the enrollment statuses.
var Statuses = []Status{Active, Withdrawn, Transferred, Graduated}

// StatusChange records one status transition of an enrollment.
type StatusChange struct {
	Status Status
	On     time.Time // the date it took effect
	By     string    // actor user id
	At     time.Time // when it was recorded
}

// Enrollment is a student in a program and cohort.
type Enrollment struct {
	ID        string
	ProgramID string
	CohortID  string
	StudentID string
	Status    Status
	StartDate time.Time
	History   []StatusChange
	ImportID  string // set when the enrollment came from a CSV import
	CreatedAt time.Time
}

// Validate checks the enrollment's invariants.
func (e Enrollment) Validate() error {
	var f apperr.Fields
	if e.CohortID == "" {
		f.Add("cohortId", "is required")
	}
	if e.StudentID == "" {
		f.Add("studentId", "is required")
	}
	if !slices.Contains(Statuses, e.Status) {
		f.Add("status", "must be active, withdrawn, transferred or graduated")
	}
	if e.StartDate.IsZero() {
		f.Add("startDate", "is required (YYYY-MM-DD)")
	}
	return f.Err()
}
