package classroom

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
)

// CheckIn is a student's check-in request.
type CheckIn struct {
	Mode      Mode
	Code      string // required in person: the code on the room display
	IP        string
	UserAgent string
}

// statusAt is present within the section's late window after the start, late after it.
func statusAt(ss Session, at time.Time) Status {
	if at.Sub(ss.StartedAt) <= ss.LateAfter {
		return Present
	}
	return Late
}

// CheckIn records a student's one check-in to a live session. In person needs the current
// code (accepted for 45 s after it is shown); a second check-in is refused with apperr.Conflict
// saying when and how the student checked in.
func (s *Service) CheckIn(ctx context.Context, p accounts.Principal, sessionID string, in CheckIn) (Attendance, error) {
	sa, err := s.liveSession(ctx, p, sessionID)
	if err != nil {
		return Attendance{}, err
	}
	if !sa.Section.HasStudent(p.UserID) {
		return Attendance{}, apperr.New(apperr.Forbidden, "Only students enrolled in the section check in.")
	}
	now := s.now()
	switch in.Mode {
	case InPerson:
		code := strings.TrimSpace(in.Code)
		if code == "" {
			return Attendance{}, apperr.Field("code", "is required to check in in person: type the code on the room display")
		}
		if !CheckCode(sa.Session.Secret, code, now) {
			return Attendance{}, &apperr.Error{Kind: apperr.Invalid, Type: "checkin-code", Message: "That check-in code is wrong or has expired (codes last 45 seconds): type the code on the display now.",
				Fields: []apperr.FieldError{{Field: "code", Message: "is wrong or has expired; type the code on the display now"}}}
		}
	case Remote:
	default:
		return Attendance{}, apperr.Field("mode", "must be in-person or remote")
	}
	a := Attendance{ID: AttendanceID(sessionID, p.UserID), SessionID: sessionID, SectionID: sa.Section.ID, StudentID: p.UserID,
		Status: statusAt(sa.Session, now), Mode: in.Mode, CheckedInAt: now, IP: truncate(in.IP, 64), UserAgent: truncate(in.UserAgent, 300)}
	if err := s.store.InsertAttendance(ctx, &a); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return Attendance{}, s.alreadyCheckedIn(ctx, a.ID)
		}
		return Attendance{}, err
	}
	s.record(ctx, p, "attendance.checkin", "session:"+sessionID, map[string]string{"mode": string(in.Mode), "status": string(a.Status), "ip": a.IP})
	s.emitPresence(ctx, sessionID, p.UserID, p.Name)
	return a, nil
}

func (s *Service) alreadyCheckedIn(ctx context.Context, id string) error {
	prev, err := s.store.AttendanceByID(ctx, id)
	msg := "You have already checked in to this session."
	if err == nil && !prev.CheckedInAt.IsZero() {
		msg = fmt.Sprintf("You have already checked in to this session (%s at %s UTC); one check-in per session.", prev.Mode, prev.CheckedInAt.Format("15:04:05"))
	} else if err == nil && prev.Manual {
		msg = fmt.Sprintf("Your instructor has already marked you %s for this session.", prev.Status)
	}
	return &apperr.Error{Kind: apperr.Conflict, Type: "already-checked-in", Message: msg}
}

// Presence is a roster entry as broadcast.
type Presence struct {
	UserID string `json:"userId"`
	Name   string `json:"name"`
	Status Status `json:"status,omitempty"`
	Mode   Mode   `json:"mode,omitempty"`
	Online bool   `json:"online"`
	Seen   bool   `json:"seen"` // checked in or connected at least once
}

func presenceOf(a Attendance, name string, online int, connected bool) Presence {
	return Presence{UserID: a.StudentID, Name: name, Status: a.Status, Mode: a.Mode, Online: online > 0, Seen: !a.CheckedInAt.IsZero() || connected}
}

// emitPresence broadcasts a student's roster entry as the store has it now.
func (s *Service) emitPresence(ctx context.Context, sessionID, userID, name string) {
	a, err := s.store.AttendanceByID(ctx, AttendanceID(sessionID, userID))
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return
	}
	a.StudentID = userID
	n, connected, err := s.store.Presence(ctx, sessionID, userID)
	if err != nil {
		return
	}
	s.emit(ctx, sessionID, false, "presence", presenceOf(a, name, n, connected))
}

// Joined is who entered a room.
type Joined struct {
	SessionAccess
	Name string
}

// Join admits p to a session's room (not an ended one). For a student the open connection
// counts towards presence until Leave; attendance needs a check-in (in person with the
// code, or remote).
//
// sa is the caller's access to the session as Session returned it (the upgrade checks it
// before joining, so it is not read twice).
func (s *Service) Join(ctx context.Context, p accounts.Principal, sa SessionAccess, ip, ua string) (Joined, error) {
	sessionID := sa.Session.ID
	if sa.Session.Status == Ended {
		return Joined{}, &apperr.Error{Kind: apperr.Conflict, Type: "session-ended", Message: "The session has ended."}
	}
	j := Joined{SessionAccess: sa, Name: p.Name}
	if sa.Staff || !sa.Section.HasStudent(p.UserID) || sa.Session.Status != Live {
		return j, nil
	}
	n, err := s.store.AddPresence(ctx, sessionID, p.UserID, 1, s.now())
	if err != nil {
		return Joined{}, err
	}
	if n == 1 { // a second tab or device changes nothing on the roster
		s.emitPresence(ctx, sessionID, p.UserID, p.Name)
	}
	return j, nil
}

// Leave ends one of p's connections to a room.
func (s *Service) Leave(ctx context.Context, p accounts.Principal, j Joined) {
	if j.Staff || !j.Section.HasStudent(p.UserID) || j.Session.Status != Live {
		return
	}
	n, err := s.store.AddPresence(ctx, j.Session.ID, p.UserID, -1, s.now())
	if err != nil {
		s.opt.Logger.Warn("presence update failed", "err", err)
		return
	}
	if n <= 0 {
		s.emitPresence(ctx, j.Session.ID, p.UserID, p.Name)
	}
}

// Mark sets a student's status by hand.
func (s *Service) Mark(ctx context.Context, p accounts.Principal, sessionID, studentID string, st Status, note string) (Attendance, error) {
	sa, err := s.staffSession(ctx, p, sessionID)
	if err != nil {
		return Attendance{}, err
	}
	if !slices.Contains(Statuses, st) {
		return Attendance{}, apperr.Field("status", "must be present, late or absent")
	}
	if len(note) > 500 {
		return Attendance{}, apperr.Field("note", "at most 500 characters")
	}
	if !sa.Section.HasStudent(studentID) {
		return Attendance{}, apperr.New(apperr.NotFound, "That student is not enrolled in the section.")
	}
	now := s.now()
	a := Attendance{ID: AttendanceID(sessionID, studentID), SessionID: sessionID, SectionID: sa.Section.ID, StudentID: studentID,
		Status: st, Manual: true, MarkedBy: p.UserID, Note: note, MarkedAt: now}
	if err := s.store.MarkAttendance(ctx, a); err != nil {
		return Attendance{}, err
	}
	s.record(ctx, p, "attendance.mark", "session:"+sessionID, map[string]string{"studentId": studentID, "status": string(st), "note": note})
	a, err = s.store.AttendanceByID(ctx, a.ID)
	if err != nil {
		return Attendance{}, err
	}
	nm, _ := names(ctx, s.users, []string{studentID})
	s.emitPresence(ctx, sessionID, studentID, nm[studentID])
	return a, nil
}

// Report is a section's attendance: sessions by students.
type Report struct {
	Section  Section
	Sessions []Session
	Students []accounts.User
	// Records by session ID then student ID.
	Records map[string]map[string]Attendance
}

// Attendance returns a section's attendance report; staff see everyone, a student only
// themself. studentID narrows it to one student.
func (s *Service) Attendance(ctx context.Context, p accounts.Principal, sectionID, studentID string) (Report, error) {
	sec, a, err := s.section(ctx, p, sectionID)
	if err != nil {
		return Report{}, err
	}
	if !a.manage {
		if studentID != "" && studentID != p.UserID {
			return Report{}, apperr.New(apperr.Forbidden, "Students see only their own attendance.")
		}
		studentID = p.UserID
	}
	ids := sec.StudentIDs
	if studentID != "" {
		if !sec.HasStudent(studentID) {
			return Report{}, apperr.Field("studentId", "is not enrolled in the section")
		}
		ids = []string{studentID}
	}
	sessions, err := s.store.SessionsBySection(ctx, sectionID)
	if err != nil {
		return Report{}, err
	}
	recs, err := s.store.AttendanceBySection(ctx, sectionID)
	if err != nil {
		return Report{}, err
	}
	r := Report{Section: sec, Sessions: sessions, Records: map[string]map[string]Attendance{}}
	for _, a := range recs {
		if studentID != "" && a.StudentID != studentID {
			continue
		}
		if r.Records[a.SessionID] == nil {
			r.Records[a.SessionID] = map[string]Attendance{}
		}
		r.Records[a.SessionID][a.StudentID] = a
	}
	if len(ids) > 0 {
		if r.Students, err = s.users.UsersByIDs(ctx, ids); err != nil {
			return Report{}, err
		}
	}
	sort.Slice(r.Students, func(i, j int) bool { return r.Students[i].Name < r.Students[j].Name })
	return r, nil
}

// WriteCSV writes the report as one row per session and student.
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"section", "session", "session_date", "student_email", "student_name", "status", "mode", "checked_in_at", "ip", "user_agent", "marked_by_hand", "note"})
	for _, ss := range r.Sessions {
		date := ss.ScheduledAt
		if !ss.StartedAt.IsZero() {
			date = ss.StartedAt
		}
		for _, u := range r.Students {
			a, ok := r.Records[ss.ID][u.ID]
			status, mode, at, manual := "", "", "", ""
			if ok {
				status, mode, manual = string(a.Status), string(a.Mode), fmt.Sprint(a.Manual)
				if !a.CheckedInAt.IsZero() {
					at = a.CheckedInAt.Format(time.RFC3339)
				}
			} else if ss.Status == Ended {
				status = string(Absent)
			}
			_ = cw.Write([]string{csvSafe(r.Section.Title), csvSafe(ss.Title), date.Format("2006-01-02"), csvSafe(u.Email), csvSafe(u.Name),
				status, mode, at, csvSafe(a.IP), csvSafe(a.UserAgent), manual, csvSafe(a.Note)})
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps spreadsheet programs from running cell text as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
