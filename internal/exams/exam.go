// Package exams runs timed mock exams: exam definitions, forms drawn from a blueprint,
// attempts with a server-authoritative deadline, idempotent sequenced saves, automatic
// closing of abandoned attempts, and scaled scoring with a domain report.
package exams

import (
	"slices"
	"strings"
	"time"

	"github.com/chartroom-him/chartroom/internal/apperr"
)

// Kind says how an exam's forms are built.
type Kind string

// The exam kinds.
const (
	FullLength Kind = "full"   // a form in the blueprint's proportions (full size or shorter)
	DomainQuiz Kind = "domain" // items of one blueprint domain
	HandPicked Kind = "custom" // a fixed list of items
)

// When says when a review element becomes visible to the student.
type When string

// Review timings.
const (
	Never       When = "never"
	During      When = "during"       // while the attempt is open
	AfterSubmit When = "after-submit" // once the attempt is submitted or closed
	AfterClose  When = "after-close"  // once the exam's window has closed
)

// ReviewPolicy decides what a student sees of a finished attempt, and when.
type ReviewPolicy struct {
	Responses   When
	Correctness When
	Key         When
	Rationale   When
}

// Exam is an exam definition.
type Exam struct {
	ID              string
	ProgramID       string
	Title           string
	Kind            Kind
	Exam            string   // RHIT, RHIA or CCA: the blueprint used
	Domain          string   // for DomainQuiz
	ItemIDs         []string // for HandPicked
	ScoredItems     int      // scored questions on a form
	PretestItems    int      // unscored questions mixed in
	TimeLimit       time.Duration
	OpensAt         time.Time
	ClosesAt        time.Time
	AttemptsAllowed int
	ShuffleOptions  bool
	Review          ReviewPolicy
	CohortIDs       []string // who may take it; empty: every student of the program
	CutPercent      float64  // passing share of raw score when items have no Angoff ratings
	FeeID           string   // a fee that must be paid first (billing), empty when free
	CreatedBy       string
	CreatedAt       time.Time
}

var whens = []When{Never, During, AfterSubmit, AfterClose}

// Validate checks the exam's invariants.
func (e Exam) Validate() error {
	var f apperr.Fields
	if t := strings.TrimSpace(e.Title); t == "" || len(t) > 200 {
		f.Add("title", "is required (at most 200 characters)")
	}
	if !slices.Contains([]string{"RHIT", "RHIA", "CCA"}, e.Exam) {
		f.Add("exam", "must be RHIT, RHIA or CCA")
	}
	switch e.Kind {
	case FullLength:
	case DomainQuiz:
		if e.Domain == "" {
			f.Add("domain", "is required for a domain quiz")
		}
	case HandPicked:
		if len(e.ItemIDs) == 0 {
			f.Add("itemIds", "a hand-picked exam needs items")
		}
	default:
		f.Add("kind", "must be full, domain or custom")
	}
	if e.Kind != HandPicked && (e.ScoredItems < 1 || e.ScoredItems > 300) {
		f.Add("scoredItems", "must be between 1 and 300")
	}
	if e.PretestItems < 0 || e.PretestItems > 50 {
		f.Add("pretestItems", "must be between 0 and 50")
	}
	if e.TimeLimit < 0 || e.TimeLimit > 8*time.Hour {
		f.Add("timeLimitMinutes", "must be between 0 (untimed) and 480")
	}
	if !e.ClosesAt.IsZero() && !e.ClosesAt.After(e.OpensAt) {
		f.Add("closesAt", "must be after opensAt")
	}
	if e.AttemptsAllowed < 0 {
		f.Add("attemptsAllowed", "must be 0 (unlimited) or more")
	}
	if e.CutPercent < 0 || e.CutPercent >= 1 {
		f.Add("cutPercent", "must be a share between 0 and 1")
	}
	for name, w := range map[string]When{"review.responses": e.Review.Responses, "review.correctness": e.Review.Correctness, "review.key": e.Review.Key, "review.rationale": e.Review.Rationale} {
		if !slices.Contains(whens, w) {
			f.Add(name, "must be never, during, after-submit or after-close")
		}
	}
	return f.Err()
}

// Accommodation adjusts a student's time, course-wide (ExamID empty) or for one exam.
type Accommodation struct {
	StudentID    string
	ExamID       string
	Multiplier   float64 // 1.25 for +25%; 0 or 1 for none
	ExtraMinutes int
	Untimed      bool
}
