// Package classroom is the live hybrid classroom: sections (course offerings with their
// instructors and students), live sessions, attendance with a rotating check-in code, chat
// moderation, the raised-hand queue, reactions, live polls and lesson sync.
//
// Every decision that matters (attendance, poll answers and results, mutes, the hand queue,
// the presented lesson) is kept in the store, so several app instances can serve one room.
// Live events go out through a Broadcaster (the realtime hub).
package classroom

import (
	"slices"
	"strings"
	"time"

	"github.com/chartroom-him/chartroom/internal/apperr"
)

// Section is one offering of a course: who teaches it, who is enrolled, when and where it meets.
type Section struct {
	ID            string
	ProgramID     string
	Title         string
	CourseSlug    string // optional: the prep course whose lessons are presented
	Room          string
	Meetings      []string // free text such as "Mon 09:00-10:15"
	InstructorIDs []string
	StudentIDs    []string
	// LateAfter is how long after a session starts a first check-in still counts as present.
	LateAfter time.Duration
	CreatedAt time.Time
}

// DefaultLateAfter is the present window when a section does not set one.
const DefaultLateAfter = 10 * time.Minute

// Validate checks the section's invariants.
func (s Section) Validate() error {
	var f apperr.Fields
	if s.ProgramID == "" {
		f.Add("programId", "is required")
	}
	if t := strings.TrimSpace(s.Title); t == "" || len(t) > 200 {
		f.Add("title", "is required (at most 200 characters)")
	}
	if len(s.Room) > 100 {
		f.Add("room", "at most 100 characters")
	}
	if len(s.Meetings) > 20 {
		f.Add("meetings", "at most 20 meeting times")
	}
	for _, m := range s.Meetings {
		if strings.TrimSpace(m) == "" || len(m) > 100 {
			f.Add("meetings", "each meeting time is required text of at most 100 characters")
			break
		}
	}
	if s.LateAfter < 0 || s.LateAfter > 4*time.Hour {
		f.Add("lateAfterMinutes", "must be between 0 and 240")
	}
	if len(s.StudentIDs) > 2000 {
		f.Add("studentIds", "at most 2000 students")
	}
	return f.Err()
}

// HasInstructor reports whether userID teaches the section.
func (s Section) HasInstructor(userID string) bool { return slices.Contains(s.InstructorIDs, userID) }

// HasStudent reports whether userID is enrolled in the section.
func (s Section) HasStudent(userID string) bool { return slices.Contains(s.StudentIDs, userID) }

// SessionStatus is where a live session stands.
type SessionStatus string

// The session statuses.
const (
	Scheduled SessionStatus = "scheduled"
	Live      SessionStatus = "live"
	Ended     SessionStatus = "ended"
)

// Session is one meeting of a section, scheduled or started ad hoc.
type Session struct {
	ID          string
	SectionID   string
	Title       string
	Status      SessionStatus
	ScheduledAt time.Time
	StartedAt   time.Time
	EndedAt     time.Time
	// Secret keys the rotating check-in code; it never leaves the server.
	Secret    string
	LateAfter time.Duration
	Lesson    *LessonRef
	PollID    string // the poll shown now, if any
	CreatedBy string
	CreatedAt time.Time
}

// Validate checks the session's invariants.
func (s Session) Validate() error {
	var f apperr.Fields
	if t := strings.TrimSpace(s.Title); t == "" || len(t) > 200 {
		f.Add("title", "is required (at most 200 characters)")
	}
	return f.Err()
}

// Hand is a raised hand waiting in the queue.
type Hand struct {
	UserID string
	Name   string
	At     time.Time
}

// LessonRef names the lesson the instructor presents.
type LessonRef struct {
	CourseSlug string
	LessonID   string
	Title      string
}

// Mode is how a student attends.
type Mode string

// The attendance modes.
const (
	InPerson Mode = "in-person"
	Remote   Mode = "remote"
)

// Status is an attendance status.
type Status string

// The attendance statuses.
const (
	Present Status = "present"
	Late    Status = "late"
	Absent  Status = "absent"
)

// Statuses lists the attendance statuses.
var Statuses = []Status{Present, Late, Absent}

// Attendance is one student's record for one session. Its ID is "sessionID/studentID", so a
// second check-in hits the same document.
type Attendance struct {
	ID          string
	SessionID   string
	SectionID   string
	StudentID   string
	Status      Status
	Mode        Mode
	CheckedInAt time.Time // zero when never seen (absent, or marked by hand)
	IP          string
	UserAgent   string
	Manual      bool   // the status was set by hand
	MarkedBy    string // who set it by hand
	Note        string
	MarkedAt    time.Time
}

// AttendanceID composes the ID of a student's attendance in a session.
func AttendanceID(sessionID, studentID string) string { return sessionID + "/" + studentID }

// ChatMessage is one chat line in a session.
type ChatMessage struct {
	ID        string
	SessionID string
	UserID    string
	Name      string
	Text      string
	At        time.Time
	Deleted   bool
	DeletedBy string
}

// MaxChatLength is the longest chat message accepted, in characters.
const MaxChatLength = 500
