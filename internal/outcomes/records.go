// Package outcomes keeps the records an accredited HIM program reports on (student
// lifecycle, certification results, employment follow-ups, graduate and employer surveys,
// Program Evaluation Plan goals) and computes the accreditation figures from them for any
// reporting year (1 August to 31 July) and cohort. docs/OUTCOMES.md defines every figure.
//
// The figures are pure functions over compact records and an injected "as of" date, so
// they can be checked against hand-computed fixtures; the Service adds access rules,
// entry forms, CSV import and export, and the public outcomes page.
package outcomes

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/programs"
)

// DateLayout is how dates are written in forms, CSV files and JSON.
const DateLayout = "2006-01-02"

// Change is one dated status change of a student.
type Change struct {
	Status programs.Status
	On     time.Time
}

// Student is the lifecycle of one enrolled student, as the figures need it: a compact
// projection of the program's enrollment, streamed from the store.
type Student struct {
	EnrollmentID string
	StudentID    string
	CohortID     string
	Start        time.Time
	// Expected is the expected completion date; zero means start + the program's normal time.
	Expected time.Time
	Status   programs.Status
	Changes  []Change // in the order they were recorded
}

// sorted returns the changes ordered by date (stable, so same-day changes keep their
// order); changes already in order (the usual case) are returned as they are.
func (s Student) sorted() []Change {
	byDate := func(a, b Change) int { return a.On.Compare(b.On) }
	if slices.IsSortedFunc(s.Changes, byDate) {
		return s.Changes
	}
	cs := slices.Clone(s.Changes)
	slices.SortStableFunc(cs, byDate)
	return cs
}

// StatusOn returns the student's status at the end of day d, and false when d is before
// the student started.
func (s Student) StatusOn(d time.Time) (programs.Status, bool) {
	if d.Before(s.Start) {
		return "", false
	}
	st := programs.Active
	for _, c := range s.sorted() {
		if c.On.After(d) {
			break
		}
		st = c.Status
	}
	return st, true
}

// firstOn returns the date of the first change to status st, if any.
func (s Student) firstOn(st programs.Status) (time.Time, bool) {
	for _, c := range s.sorted() {
		if c.Status == st {
			return c.On, true
		}
	}
	return time.Time{}, false
}

// GraduatedOn returns the graduation date, if the student graduated.
func (s Student) GraduatedOn() (time.Time, bool) { return s.firstOn(programs.Graduated) }

// TransferredOn returns the date the student transferred out, if they did.
func (s Student) TransferredOn() (time.Time, bool) { return s.firstOn(programs.Transferred) }

// Deadlines returns the ends of the 100% and 150% of normal time windows: the expected
// completion when set, else start + normalMonths; 150% stretches the same span by half.
func (s Student) Deadlines(normalMonths int) (d100, d150 time.Time) {
	if !s.Expected.IsZero() {
		span := s.Expected.Sub(s.Start)
		return s.Expected, day(s.Start.Add(span * 3 / 2))
	}
	return s.Start.AddDate(0, normalMonths, 0), s.Start.AddDate(0, normalMonths*3/2, 0)
}

// Exam names the certification exams results may be recorded for.
var Exams = []string{"RHIT", "RHIA", "CCA"}

// Source says who entered a certification result.
type Source string

// The sources of certification results. Self-reported results count in figures only
// once a coordinator verifies them.
const (
	SelfReported Source = "self"
	Coordinator  Source = "coordinator"
	Imported     Source = "import"
)

// Result is one certification exam attempt of a student.
type Result struct {
	ID         string // programId/studentId/exam/attempt
	ProgramID  string
	StudentID  string
	Exam       string
	Date       time.Time
	Attempt    int
	Passed     bool
	Scaled     int // 0 when unknown
	Source     Source
	Verified   bool
	VerifiedBy string
	VerifiedAt time.Time
	RecordedBy string
	CreatedAt  time.Time
}

// ResultID composes a result's id, so one attempt can be recorded only once.
func ResultID(programID, studentID, exam string, attempt int) string {
	return programID + "/" + studentID + "/" + exam + "/" + strconv.Itoa(attempt)
}

// Validate checks the result's invariants.
func (r Result) Validate() error {
	var f apperr.Fields
	if r.StudentID == "" {
		f.Add("studentId", "is required")
	}
	if !slices.Contains(Exams, r.Exam) {
		f.Add("exam", "must be one of "+strings.Join(Exams, ", "))
	}
	if r.Date.IsZero() {
		f.Add("date", "is required (YYYY-MM-DD)")
	}
	if r.Attempt < 1 || r.Attempt > 20 {
		f.Add("attempt", "must be between 1 and 20")
	}
	if r.Scaled != 0 && (r.Scaled < 100 || r.Scaled > 400) {
		f.Add("scaledScore", "must be between 100 and 400 when given")
	}
	if r.Scaled != 0 && (r.Scaled >= 300) != r.Passed {
		f.Add("scaledScore", "disagrees with the result: 300 and above passes")
	}
	return f.Err()
}

// EmploymentStatus is what a graduate follow-up found.
type EmploymentStatus string

// The employment statuses. Graduates not seeking work (continuing their education, for
// instance) are left out of the employment rate.
const (
	InField    EmploymentStatus = "in_field"
	OutOfField EmploymentStatus = "out_of_field"
	Seeking    EmploymentStatus = "seeking"
	NotSeeking EmploymentStatus = "not_seeking"
)

// EmploymentStatuses lists the employment statuses.
var EmploymentStatuses = []EmploymentStatus{InField, OutOfField, Seeking, NotSeeking}

// Employment is one graduate follow-up record.
type Employment struct {
	ID        string // programId/studentId/date
	ProgramID string
	StudentID string
	Status    EmploymentStatus
	// Date is when the status began: the start of the job, or the follow-up date.
	Date       time.Time
	Setting    string // hospital, physician practice, payer, vendor ...
	RecordedBy string
	CreatedAt  time.Time
}

// EmploymentID composes a follow-up record's id.
func EmploymentID(programID, studentID string, date time.Time) string {
	return programID + "/" + studentID + "/" + date.Format(DateLayout)
}

// Validate checks the record's invariants.
func (e Employment) Validate() error {
	var f apperr.Fields
	if e.StudentID == "" {
		f.Add("studentId", "is required")
	}
	if !slices.Contains(EmploymentStatuses, e.Status) {
		f.Add("status", "must be in_field, out_of_field, seeking or not_seeking")
	}
	if e.Date.IsZero() {
		f.Add("date", "is required (YYYY-MM-DD)")
	}
	if len(e.Setting) > 100 {
		f.Add("setting", "must be at most 100 characters")
	}
	return f.Err()
}

// day truncates t to midnight UTC.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
