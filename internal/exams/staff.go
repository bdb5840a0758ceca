package exams

import (
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/programs"
)

// Reset is the status of an attempt an instructor reset: kept for the record, not counted.
const Reset Status = "reset"

// Users is what staff views need to name students.
type Users interface {
	UsersByIDs(ctx context.Context, ids []string) ([]accounts.User, error)
}

func (s *Service) staffExam(ctx context.Context, p accounts.Principal, examID string) (Exam, error) {
	e, err := s.store.ExamByID(ctx, examID)
	if err != nil {
		return Exam{}, err
	}
	pr, err := s.progs.Program(ctx, p, e.ProgramID)
	if err != nil {
		return Exam{}, apperr.New(apperr.NotFound, "No such exam.")
	}
	if !programs.IsStaff(p, pr) {
		return Exam{}, apperr.New(apperr.Forbidden, "Only the program's staff can see this.")
	}
	return e, nil
}

// Analysis computes the item analysis of an exam over first attempts, or all attempts.
func (s *Service) Analysis(ctx context.Context, p accounts.Principal, examID string, all bool) (Analysis, error) {
	if _, err := s.staffExam(ctx, p, examID); err != nil {
		return Analysis{}, err
	}
	atts, err := s.store.AttemptsOfExam(ctx, examID)
	if err != nil {
		return Analysis{}, err
	}
	var data []AttemptData
	for _, a := range atts {
		if !a.Finished() || a.Status == Reset || (!all && a.Number != 1) {
			continue
		}
		form, err := s.store.AttemptForm(ctx, a.ID)
		if err != nil {
			return Analysis{}, err
		}
		rs, err := s.store.Responses(ctx, a.ID)
		if err != nil {
			return Analysis{}, err
		}
		data = append(data, AttemptData{Form: form, Responses: rs})
	}
	return Analyze(data), nil
}

// MonitorRow is one running or finished attempt in the live monitor.
type MonitorRow struct {
	Attempt  Attempt
	Answered int
	Total    int
	Left     time.Duration // zero when untimed or finished
}

// Monitor lists an exam's attempts with progress and time left (staff).
func (s *Service) Monitor(ctx context.Context, p accounts.Principal, examID string) ([]MonitorRow, error) {
	if _, err := s.staffExam(ctx, p, examID); err != nil {
		return nil, err
	}
	atts, err := s.store.AttemptsOfExam(ctx, examID)
	if err != nil {
		return nil, err
	}
	now := s.opt.Now()
	out := make([]MonitorRow, 0, len(atts))
	for _, a := range atts {
		rs, err := s.store.Responses(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		row := MonitorRow{Attempt: a, Total: len(a.ItemIDs)}
		for _, r := range rs {
			if len(r.Choices) > 0 {
				row.Answered++
			}
		}
		if form, err := s.store.AttemptForm(ctx, a.ID); err == nil {
			row.Total = len(form)
		}
		if a.Status == Open && a.Timed {
			row.Left = max(0, a.Deadline.Sub(now))
		}
		out = append(out, row)
	}
	return out, nil
}

// ResetAttempt voids an attempt so that it no longer counts against the attempts allowed.
// A reason is required and the reset is audited; the attempt and its answers stay.
func (s *Service) ResetAttempt(ctx context.Context, p accounts.Principal, attemptID, reason string) (Attempt, error) {
	reason = strings.TrimSpace(reason)
	if len(reason) < 5 || len(reason) > 500 {
		return Attempt{}, apperr.Field("reason", "say why in 5 to 500 characters")
	}
	a, err := s.store.AttemptByID(ctx, attemptID)
	if err != nil {
		return Attempt{}, err
	}
	if _, err := s.staffExam(ctx, p, a.ExamID); err != nil {
		return Attempt{}, err
	}
	if a.Status == Reset {
		return a, nil
	}
	out, err := s.store.MarkReset(ctx, a.ID, s.opt.Now().UTC())
	if err != nil {
		return Attempt{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "attempt.reset", Subject: "attempt:" + a.ID,
		Details: map[string]string{"student": a.StudentID, "exam": a.ExamID, "from": string(a.Status), "reason": reason}})
	return out, nil
}

// GradesCSV writes one row per attempt: student, attempt, status and score.
func (s *Service) GradesCSV(ctx context.Context, p accounts.Principal, examID string, users Users) ([]byte, error) {
	e, err := s.staffExam(ctx, p, examID)
	if err != nil {
		return nil, err
	}
	atts, err := s.store.AttemptsOfExam(ctx, examID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(atts))
	for _, a := range atts {
		ids = append(ids, a.StudentID)
	}
	us, err := users.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := map[string]accounts.User{}
	for _, u := range us {
		byID[u.ID] = u
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"exam", "student_name", "student_email", "attempt", "status", "started_at", "finished_at", "raw", "total", "percent", "scaled", "passed"})
	for _, a := range atts {
		u := byID[a.StudentID]
		row := []string{e.Title, csvSafe(u.Name), u.Email, fmt.Sprint(a.Number), string(a.Status), a.StartedAt.Format(time.RFC3339), "", "", "", "", "", ""}
		if !a.FinishedAt.IsZero() {
			row[6] = a.FinishedAt.Format(time.RFC3339)
		}
		if a.Score != nil {
			row[7], row[8], row[9], row[10], row[11] = fmt.Sprint(a.Score.Raw), fmt.Sprint(a.Score.Total), fmt.Sprint(a.Score.Percent), fmt.Sprint(a.Score.Scaled), fmt.Sprint(a.Score.Passed)
		}
		_ = w.Write(row)
	}
	w.Flush()
	return []byte(b.String()), w.Error()
}

// csvSafe keeps spreadsheet programs from running a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
