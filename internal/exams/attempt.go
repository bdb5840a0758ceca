package exams

import "time"

// Status is where an attempt stands.
type Status string

// The attempt statuses. An attempt closed by the server at its deadline counts as
// finished at the deadline, like a submitted one.
const (
	Open      Status = "open"
	Submitted Status = "submitted"
	Closed    Status = "closed" // closed by the server at the deadline
)

// Attempt is one sitting of an exam by one student.
type Attempt struct {
	ID         string
	ExamID     string
	StudentID  string
	Number     int
	Status     Status
	StartedAt  time.Time
	Deadline   time.Time // zero when untimed
	Timed      bool
	Extension  time.Duration
	Position   int
	ItemIDs    []string // the items on the form, to prefer unseen items next time
	CutPercent float64
	FinishedAt time.Time
	Score      *Score
}

// Finished reports whether the attempt no longer takes answers.
func (a Attempt) Finished() bool { return a.Status != Open }
