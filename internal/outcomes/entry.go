package outcomes

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/programs"
)

// student returns the program's student with id, or a field error naming field.
func (s *Service) student(ctx context.Context, programID, studentID, field string) (Student, error) {
	recs, err := s.store.Records(ctx, programID)
	if err != nil {
		return Student{}, err
	}
	for _, x := range recs.Students {
		if x.StudentID == studentID {
			return x, nil
		}
	}
	return Student{}, apperr.Field(field, "is not a student of this program")
}

// RecordResult records a certification result. A coordinator's entry is verified at once;
// a student may self-report only their own result, which waits for verification. A second
// entry for the same exam and attempt is an apperr.Conflict.
func (s *Service) RecordResult(ctx context.Context, p accounts.Principal, programID string, r Result) (Result, error) {
	pr, err := s.programs.Program(ctx, p, programID)
	if err != nil {
		return Result{}, err
	}
	now := s.now().UTC()
	switch {
	case programs.CanManage(p, pr):
		r.Source, r.Verified, r.VerifiedBy, r.VerifiedAt = Coordinator, true, p.UserID, now
	case r.StudentID == p.UserID || r.StudentID == "":
		r.StudentID, r.Source, r.Verified = p.UserID, SelfReported, false
	default:
		return Result{}, apperr.New(apperr.Forbidden, "Students can report only their own results.")
	}
	if err := r.Validate(); err != nil {
		return Result{}, err
	}
	if r.Date.After(now) {
		return Result{}, apperr.Field("date", "cannot be in the future")
	}
	if _, err := s.student(ctx, pr.ID, r.StudentID, "studentId"); err != nil {
		return Result{}, err
	}
	r.ProgramID, r.ID, r.RecordedBy, r.CreatedAt = pr.ID, ResultID(pr.ID, r.StudentID, r.Exam, r.Attempt), p.UserID, now
	if err := s.store.InsertResults(ctx, []Result{r}); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return Result{}, &apperr.Error{Kind: apperr.Conflict, Message: "This attempt is already recorded.", Fields: []apperr.FieldError{{Field: "attempt", Message: "already recorded for this exam"}}}
		}
		return Result{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "outcomes.result_record", Subject: "program:" + pr.ID,
		Details: map[string]string{"resultId": r.ID, "source": string(r.Source)}})
	return r, nil
}

// VerifyResult marks a self-reported result verified (coordinators).
func (s *Service) VerifyResult(ctx context.Context, p accounts.Principal, programID, resultID string) (Result, error) {
	pr, err := s.managed(ctx, p, programID)
	if err != nil {
		return Result{}, err
	}
	rs, err := s.store.ResultsByIDs(ctx, []string{resultID})
	if err != nil {
		return Result{}, err
	}
	if len(rs) == 0 || rs[0].ProgramID != pr.ID {
		return Result{}, apperr.New(apperr.NotFound, "No such result.")
	}
	r := rs[0]
	if r.Verified {
		return r, nil
	}
	now := s.now().UTC()
	if err := s.store.VerifyResult(ctx, r.ID, p.UserID, now); err != nil {
		return Result{}, err
	}
	r.Verified, r.VerifiedBy, r.VerifiedAt = true, p.UserID, now
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "outcomes.result_verify", Subject: "program:" + pr.ID, Details: map[string]string{"resultId": r.ID}})
	return r, nil
}

// Named pairs a record with its student's name and email.
type Named[T any] struct {
	Record T
	Name   string
	Email  string
}

// MaxListed bounds the records a list returns (newest first).
const MaxListed = 1000

// Results lists a program's certification results, newest first: every result for staff,
// a student's own for a student.
func (s *Service) Results(ctx context.Context, p accounts.Principal, programID string) ([]Named[Result], error) {
	pr, err := s.programs.Program(ctx, p, programID)
	if err != nil {
		return nil, err
	}
	staff := programs.IsStaff(p, pr)
	var out []Result
	err = s.store.StreamResults(ctx, pr.ID, func(r Result) error {
		if staff || r.StudentID == p.UserID {
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.After(out[j].Date) })
	if len(out) > MaxListed {
		out = out[:MaxListed]
	}
	return named(ctx, s.users, out, func(r Result) string { return r.StudentID })
}

// RecordEmployment records a graduate follow-up (coordinators). The student must have
// graduated; a record for the same student and date is an apperr.Conflict.
func (s *Service) RecordEmployment(ctx context.Context, p accounts.Principal, programID string, e Employment) (Employment, error) {
	pr, err := s.managed(ctx, p, programID)
	if err != nil {
		return Employment{}, err
	}
	if err := e.Validate(); err != nil {
		return Employment{}, err
	}
	st, err := s.student(ctx, pr.ID, e.StudentID, "studentId")
	if err != nil {
		return Employment{}, err
	}
	if _, ok := st.GraduatedOn(); !ok {
		return Employment{}, apperr.Field("studentId", "has not graduated: record the graduation first")
	}
	now := s.now().UTC()
	e.ProgramID, e.ID, e.RecordedBy, e.CreatedAt = pr.ID, EmploymentID(pr.ID, e.StudentID, e.Date), p.UserID, now
	if err := s.store.InsertEmployment(ctx, []Employment{e}); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return Employment{}, &apperr.Error{Kind: apperr.Conflict, Message: "A follow-up for this graduate and date exists.", Fields: []apperr.FieldError{{Field: "date", Message: "already recorded"}}}
		}
		return Employment{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "outcomes.employment_record", Subject: "program:" + pr.ID, Details: map[string]string{"recordId": e.ID}})
	return e, nil
}

// EmploymentRecords lists a program's follow-ups, newest first (staff).
func (s *Service) EmploymentRecords(ctx context.Context, p accounts.Principal, programID string) ([]Named[Employment], error) {
	pr, err := s.viewable(ctx, p, programID)
	if err != nil {
		return nil, err
	}
	var out []Employment
	if err := s.store.StreamEmployment(ctx, pr.ID, func(e Employment) error { out = append(out, e); return nil }); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.After(out[j].Date) })
	if len(out) > MaxListed {
		out = out[:MaxListed]
	}
	return named(ctx, s.users, out, func(e Employment) string { return e.StudentID })
}

// StatusChange is a coordinator's change of a student's status.
type StatusChange struct {
	StudentID string
	Status    programs.Status
	On        time.Time
	// Expected, when not zero, sets the student's expected completion date.
	Expected time.Time
}

// ChangeStatus records a dated status change (withdrawn, transferred, graduated, or back to
// active) and optionally the expected completion. Recording the same change twice changes
// nothing.
func (s *Service) ChangeStatus(ctx context.Context, p accounts.Principal, programID string, c StatusChange) (Student, error) {
	pr, err := s.managed(ctx, p, programID)
	if err != nil {
		return Student{}, err
	}
	if !slices.Contains(programs.Statuses, c.Status) {
		return Student{}, apperr.Field("status", "must be active, withdrawn, transferred or graduated")
	}
	st, err := s.student(ctx, pr.ID, c.StudentID, "studentId")
	if err != nil {
		return Student{}, err
	}
	if err := validChange(st, c, s.now()); err != nil {
		return Student{}, err
	}
	if _, err := s.applyChange(ctx, p, pr.ID, st, c); err != nil {
		return Student{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "outcomes.status_change", Subject: "program:" + pr.ID,
		Details: map[string]string{"studentId": c.StudentID, "status": string(c.Status), "on": c.On.Format(DateLayout)}})
	return s.student(ctx, pr.ID, c.StudentID, "studentId")
}

// validChange checks a status change against the student's lifecycle, naming fields.
func validChange(st Student, c StatusChange, now time.Time) error {
	var f apperr.Fields
	if c.On.IsZero() {
		f.Add("date", "is required (YYYY-MM-DD)")
	} else if c.On.Before(st.Start) {
		f.Add("date", "is before the student's start date "+st.Start.Format(DateLayout))
	} else if c.On.After(day(now)) {
		f.Add("date", "cannot be in the future")
	}
	if !c.Expected.IsZero() && !c.Expected.After(st.Start) {
		f.Add("expectedCompletion", "must be after the start date")
	}
	return f.Err()
}

// applyChange writes one status change unless the student already has it; it reports
// whether it wrote.
func (s *Service) applyChange(ctx context.Context, p accounts.Principal, programID string, st Student, c StatusChange) (bool, error) {
	ch := Change{Status: c.Status, On: day(c.On)}
	wrote := false
	if !slices.ContainsFunc(st.Changes, func(x Change) bool { return x.Status == ch.Status && x.On.Equal(ch.On) }) {
		next := st
		next.Changes = append(slices.Clone(st.Changes), ch)
		cur, _ := next.StatusOn(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
		if err := s.store.AddStatusChange(ctx, st, programID, ch, cur, p.UserID, s.now().UTC()); err != nil {
			return false, err
		}
		wrote = true
	}
	if !c.Expected.IsZero() && !day(c.Expected).Equal(st.Expected) {
		if err := s.store.SetExpectedCompletion(ctx, st, programID, day(c.Expected)); err != nil {
			return wrote, err
		}
		wrote = true
	}
	return wrote, nil
}

func named[T any](ctx context.Context, users Users, recs []T, id func(T) string) ([]Named[T], error) {
	ids := make([]string, 0, len(recs))
	seen := map[string]bool{}
	for _, r := range recs {
		if k := id(r); !seen[k] {
			seen[k] = true
			ids = append(ids, k)
		}
	}
	us, err := users.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	by := make(map[string]accounts.User, len(us))
	for _, u := range us {
		by[u.ID] = u
	}
	out := make([]Named[T], len(recs))
	for i, r := range recs {
		u := by[id(r)]
		out[i] = Named[T]{Record: r, Name: u.Name, Email: u.Email}
	}
	return out, nil
}
