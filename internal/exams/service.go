package exams

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/bank"
	"github.com/chartroom-him/chartroom/internal/content"
	"github.com/chartroom-him/chartroom/internal/programs"
)

// Store is the persistence exams need. Every method is a single-document operation or a
// read, so it works on the embedded store without transactions.
type Store interface {
	CreateExam(ctx context.Context, e *Exam) error
	ExamByID(ctx context.Context, id string) (Exam, error)
	ExamsByPrograms(ctx context.Context, programIDs []string) ([]Exam, error)

	// Accommodations returns the student's course-wide accommodation and the one for examID.
	Accommodations(ctx context.Context, studentID, examID string) ([]Accommodation, error)
	SetAccommodation(ctx context.Context, a Accommodation) error

	// CreateAttempt stores the attempt and its frozen form; apperr.Conflict when the
	// student already has an attempt with that number.
	CreateAttempt(ctx context.Context, a *Attempt, form []FormQuestion) error
	AttemptByID(ctx context.Context, id string) (Attempt, error)
	AttemptForm(ctx context.Context, id string) ([]FormQuestion, error)
	AttemptsOf(ctx context.Context, examID, studentID string) ([]Attempt, error)
	AttemptsOfExam(ctx context.Context, examID string) ([]Attempt, error)
	// SaveResponse stores r unless a response with the same or a newer Seq is stored;
	// it reports whether r was applied.
	SaveResponse(ctx context.Context, attemptID string, r Response, at time.Time) (bool, error)
	Responses(ctx context.Context, attemptID string) (map[string]Response, error)
	SetPosition(ctx context.Context, attemptID string, pos int) error
	// FinishAttempt moves an open attempt to status with its score; when the attempt is no
	// longer open it changes nothing and returns the stored attempt.
	FinishAttempt(ctx context.Context, id string, status Status, at time.Time, s Score) (Attempt, error)
	SetDeadline(ctx context.Context, id string, deadline time.Time, extension time.Duration) error
	// DueAttempts returns open, timed attempts whose deadline is before t.
	DueAttempts(ctx context.Context, t time.Time, limit int) ([]Attempt, error)
	// MarkReset sets an attempt's status to reset.
	MarkReset(ctx context.Context, id string, at time.Time) (Attempt, error)
}

// Bank is what exams need from the question bank.
type Bank interface {
	ActiveItems(ctx context.Context, exam string) ([]bank.Item, error)
	// Item returns one item (any status); not found is apperr.NotFound.
	Item(ctx context.Context, id string) (bank.Item, error)
}

// Programs is what exams need from programs.
type Programs interface {
	Program(ctx context.Context, p accounts.Principal, id string) (programs.Program, error)
	MyEnrollments(ctx context.Context, p accounts.Principal) ([]programs.Enrollment, error)
	EnrollmentsOf(ctx context.Context, studentID string) ([]programs.Enrollment, error)
}

// Options tune the service.
type Options struct {
	Now        func() time.Time
	Grace      time.Duration // saves up to this long after the deadline are accepted
	Blueprints map[string]*content.Blueprint
	Rand       func() *rand.Rand
}

// Service runs exams.
type Service struct {
	store Store
	bank  Bank
	progs Programs
	audit *audit.Log
	opt   Options
	forms *formCache
	pool  *poolCache
	// starts bounds how many attempts are being created at once: a class starting together
	// queues here instead of flooding the store with concurrent writes.
	starts chan struct{}
}

// NewService returns an exams Service.
func NewService(store Store, b Bank, progs Programs, log *audit.Log, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Grace == 0 {
		opt.Grace = 10 * time.Second
	}
	if opt.Rand == nil {
		opt.Rand = func() *rand.Rand { return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())) }
	}
	return &Service{store: store, bank: b, progs: progs, audit: log, opt: opt, forms: newFormCache(5000), pool: newPoolCache(opt.Now, 30*time.Second), starts: make(chan struct{}, 4)}
}

// form returns an attempt's frozen form, from memory when possible.
func (s *Service) form(ctx context.Context, attemptID string) ([]FormQuestion, error) {
	return s.forms.get(ctx, attemptID, s.store.AttemptForm)
}

// ErrAttemptClosed is the problem a save after deadline + grace gets.
func errAttemptClosed(msg string) error {
	return &apperr.Error{Kind: apperr.Conflict, Type: "attempt-closed", Message: msg}
}

// CreateExam defines an exam in a program the caller teaches or coordinates.
func (s *Service) CreateExam(ctx context.Context, p accounts.Principal, e Exam) (Exam, error) {
	pr, err := s.progs.Program(ctx, p, e.ProgramID)
	if err != nil {
		return Exam{}, err
	}
	if !programs.IsStaff(p, pr) {
		return Exam{}, apperr.New(apperr.Forbidden, "Only the program's instructors and coordinators can create exams.")
	}
	if e.CutPercent == 0 {
		e.CutPercent = 0.7
	}
	if err := e.Validate(); err != nil {
		return Exam{}, err
	}
	if s.opt.Blueprints[e.Exam] == nil {
		return Exam{}, apperr.Field("exam", "no blueprint for "+e.Exam)
	}
	e.CreatedBy, e.CreatedAt = p.UserID, s.opt.Now().UTC()
	if err := s.store.CreateExam(ctx, &e); err != nil {
		return Exam{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "exam.create", Subject: "exam:" + e.ID, Details: map[string]string{"program": e.ProgramID, "title": e.Title}})
	return e, nil
}

// Exams lists the exams the caller may take (students: their programs and cohorts) or
// manage (staff).
func (s *Service) Exams(ctx context.Context, p accounts.Principal) ([]Exam, error) {
	ens, err := s.progs.MyEnrollments(ctx, p)
	if err != nil {
		return nil, err
	}
	cohorts := map[string]string{}
	var ids []string
	for _, e := range ens {
		if e.Status == programs.Active {
			cohorts[e.ProgramID] = e.CohortID
			ids = append(ids, e.ProgramID)
		}
	}
	all, err := s.store.ExamsByPrograms(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []Exam
	for _, e := range all {
		if len(e.CohortIDs) == 0 || slices.Contains(e.CohortIDs, cohorts[e.ProgramID]) {
			out = append(out, e)
		}
	}
	return out, nil
}

// StaffExams lists the exams of a program for its staff.
func (s *Service) StaffExams(ctx context.Context, p accounts.Principal, programID string) ([]Exam, error) {
	pr, err := s.progs.Program(ctx, p, programID)
	if err != nil {
		return nil, err
	}
	if !programs.IsStaff(p, pr) {
		return nil, apperr.New(apperr.Forbidden, "Only program staff can list its exams.")
	}
	return s.store.ExamsByPrograms(ctx, []string{programID})
}

// SetAccommodation records a student's time accommodation: staff of a program the
// student is enrolled in, or an admin.
func (s *Service) SetAccommodation(ctx context.Context, p accounts.Principal, a Accommodation) error {
	ens, err := s.progs.EnrollmentsOf(ctx, a.StudentID)
	if err != nil {
		return err
	}
	allowed := p.IsAdmin()
	for _, e := range ens {
		if pr, err := s.progs.Program(ctx, p, e.ProgramID); err == nil && programs.IsStaff(p, pr) {
			allowed = true
		}
	}
	if !allowed {
		return apperr.New(apperr.Forbidden, "Only staff of the student's program can set accommodations.")
	}
	if a.Multiplier < 0 || a.Multiplier > 4 || a.ExtraMinutes < 0 || a.ExtraMinutes > 600 {
		return apperr.Field("multiplier", "multiplier 1-4 and extra minutes 0-600")
	}
	if err := s.store.SetAccommodation(ctx, a); err != nil {
		return err
	}
	return s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "exam.accommodation", Subject: "user:" + a.StudentID,
		Details: map[string]string{"exam": a.ExamID, "multiplier": fmt.Sprint(a.Multiplier), "extraMinutes": fmt.Sprint(a.ExtraMinutes), "untimed": fmt.Sprint(a.Untimed)}})
}

// View is an attempt as the student sees it while taking it.
type View struct {
	Attempt    Attempt
	Form       []FormQuestion
	Responses  map[string]Response
	ServerTime time.Time
}

// Start opens an attempt, or returns the student's open one (a reload or a second device
// resumes rather than starting over).
func (s *Service) Start(ctx context.Context, p accounts.Principal, examID string) (View, bool, error) {
	e, err := s.examFor(ctx, p, examID)
	if err != nil {
		return View{}, false, err
	}
	now := s.opt.Now().UTC()
	prev, err := s.store.AttemptsOf(ctx, examID, p.UserID)
	if err != nil {
		return View{}, false, err
	}
	for _, a := range prev {
		if a.Status == Open {
			v, err := s.view(ctx, a)
			return v, false, err
		}
	}
	select {
	case s.starts <- struct{}{}:
		defer func() { <-s.starts }()
	case <-ctx.Done():
		return View{}, false, apperr.Wrap(apperr.Unavailable, ctx.Err(), "Too many students are starting at once; try again in a moment.")
	}
	// The clock starts when the attempt is created, not when the request joined the queue.
	now = s.opt.Now().UTC()
	if !e.OpensAt.IsZero() && now.Before(e.OpensAt) {
		return View{}, false, errAttemptClosed("The exam opens at " + e.OpensAt.Format(time.RFC3339) + ".")
	}
	counted := 0
	for _, a := range prev {
		if a.Status != Reset {
			counted++
		}
	}
	if e.AttemptsAllowed > 0 && counted >= e.AttemptsAllowed {
		return View{}, false, &apperr.Error{Kind: apperr.Conflict, Type: "no-attempts-left", Message: fmt.Sprintf("You have used all %d attempts.", e.AttemptsAllowed)}
	}
	accs, err := s.store.Accommodations(ctx, p.UserID, examID)
	if err != nil {
		return View{}, false, err
	}
	acc := ResolveAccommodation(examID, accs)
	deadline, timed := Deadline(Timing{Start: now, Limit: e.TimeLimit, ClosesAt: e.ClosesAt, Acc: acc})
	if timed && !deadline.After(now) {
		return View{}, false, errAttemptClosed("The exam window has closed.")
	}
	seen := map[string]bool{}
	for _, a := range prev {
		for _, id := range a.ItemIDs {
			seen[id] = true
		}
	}
	items, err := s.itemPool(ctx, e)
	if err != nil {
		return View{}, false, err
	}
	form, err := BuildForm(FormSpec{Blueprint: s.opt.Blueprints[e.Exam], Kind: e.Kind, Domain: e.Domain, ItemIDs: e.ItemIDs,
		Size: e.ScoredItems + e.PretestItems, Pretest: e.PretestItems, ShuffleOptions: e.ShuffleOptions}, items, seen, s.opt.Rand())
	if err != nil {
		return View{}, false, err
	}
	a := Attempt{ExamID: e.ID, StudentID: p.UserID, Number: len(prev) + 1, Status: Open, StartedAt: now, Deadline: deadline, Timed: timed, CutPercent: e.CutPercent}
	for _, q := range form {
		if !slices.Contains(a.ItemIDs, q.ItemID) {
			a.ItemIDs = append(a.ItemIDs, q.ItemID)
		}
	}
	if err := s.store.CreateAttempt(ctx, &a, form); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			// A second click raced us: return the attempt it created.
			return s.Start(ctx, p, examID)
		}
		return View{}, false, err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "attempt.start", Subject: "attempt:" + a.ID, Details: map[string]string{"exam": e.ID, "number": fmt.Sprint(a.Number)}})
	return View{Attempt: a, Form: form, Responses: map[string]Response{}, ServerTime: now}, true, nil
}

// itemPool returns the items a form for e is drawn from: the exam's bank of active items,
// or, for a hand-picked exam, just its items (read by id rather than the whole bank).
func (s *Service) itemPool(ctx context.Context, e Exam) ([]bank.Item, error) {
	if e.Kind != HandPicked {
		return s.pool.get(ctx, "bank:"+e.Exam, func(ctx context.Context) ([]bank.Item, error) { return s.bank.ActiveItems(ctx, e.Exam) })
	}
	return s.pool.get(ctx, "exam:"+e.ID, func(ctx context.Context) ([]bank.Item, error) {
		out := make([]bank.Item, 0, len(e.ItemIDs))
		for _, id := range e.ItemIDs {
			it, err := s.bank.Item(ctx, id)
			if apperr.Is(err, apperr.NotFound) {
				continue // BuildForm names the missing item
			}
			if err != nil {
				return nil, err
			}
			if it.Status == "active" {
				out = append(out, it)
			}
		}
		return out, nil
	})
}

// examFor returns an exam the student may take.
func (s *Service) examFor(ctx context.Context, p accounts.Principal, examID string) (Exam, error) {
	list, err := s.Exams(ctx, p)
	if err != nil {
		return Exam{}, err
	}
	for _, e := range list {
		if e.ID == examID {
			return e, nil
		}
	}
	return Exam{}, apperr.New(apperr.NotFound, "No such exam.")
}

func (s *Service) view(ctx context.Context, a Attempt) (View, error) {
	form, err := s.form(ctx, a.ID)
	if err != nil {
		return View{}, err
	}
	rs, err := s.store.Responses(ctx, a.ID)
	if err != nil {
		return View{}, err
	}
	return View{Attempt: a, Form: form, Responses: rs, ServerTime: s.opt.Now().UTC()}, nil
}

// attemptFor returns an attempt the caller owns, or (staff=true) one of an exam of a
// program they teach.
func (s *Service) attemptFor(ctx context.Context, p accounts.Principal, id string, staffOK bool) (Attempt, Exam, error) {
	a, err := s.store.AttemptByID(ctx, id)
	if err != nil {
		return Attempt{}, Exam{}, err
	}
	if !staffOK {
		// Only the owner may do this; no need to read the exam.
		if a.StudentID != p.UserID {
			return Attempt{}, Exam{}, apperr.New(apperr.NotFound, "No such attempt.")
		}
		return a, Exam{}, nil
	}
	e, err := s.store.ExamByID(ctx, a.ExamID)
	if err != nil {
		return Attempt{}, Exam{}, err
	}
	if a.StudentID == p.UserID {
		return a, e, nil
	}
	if staffOK {
		if pr, err := s.progs.Program(ctx, p, e.ProgramID); err == nil && programs.IsStaff(p, pr) {
			return a, e, nil
		}
	}
	return Attempt{}, Exam{}, apperr.New(apperr.NotFound, "No such attempt.")
}

// Get returns an attempt with its form and responses, closing it first when its deadline
// has passed.
func (s *Service) Get(ctx context.Context, p accounts.Principal, id string) (View, error) {
	a, _, err := s.attemptFor(ctx, p, id, true)
	if err != nil {
		return View{}, err
	}
	if a, err = s.closeIfDue(ctx, a); err != nil {
		return View{}, err
	}
	return s.view(ctx, a)
}

// SaveInput is one response change from the client.
type SaveInput struct {
	QuestionID string
	Choices    []string
	Flagged    bool
	Seq        int64
	Position   *int
}

// SaveResult tells the client what the server holds.
type SaveResult struct {
	Applied    bool // false: a newer change was already stored (still a success)
	Deadline   time.Time
	Timed      bool
	ServerTime time.Time
}

// Save stores a response change. It is idempotent: repeating a change, or sending an
// older one after a newer, leaves the newest in place. After deadline + grace it fails
// with the problem type attempt-closed.
func (s *Service) Save(ctx context.Context, p accounts.Principal, attemptID string, in SaveInput) (SaveResult, error) {
	a, _, err := s.attemptFor(ctx, p, attemptID, false)
	if err != nil {
		return SaveResult{}, err
	}
	now := s.opt.Now().UTC()
	if a.Finished() {
		return SaveResult{}, errAttemptClosed("This attempt is finished; answers can no longer change.")
	}
	if a.Timed && now.After(a.Deadline.Add(s.opt.Grace)) {
		if _, err := s.closeIfDue(ctx, a); err != nil {
			return SaveResult{}, err
		}
		return SaveResult{}, errAttemptClosed("Time is up: the attempt closed at " + a.Deadline.Format(time.RFC3339) + ".")
	}
	form, err := s.form(ctx, a.ID)
	if err != nil {
		return SaveResult{}, err
	}
	i := slices.IndexFunc(form, func(q FormQuestion) bool { return q.QuestionID == in.QuestionID })
	if i < 0 {
		return SaveResult{}, apperr.Field("itemId", "is not a question of this attempt")
	}
	q := form[i]
	if len(in.Choices) > q.Choose {
		return SaveResult{}, apperr.Field("choices", fmt.Sprintf("choose at most %d", q.Choose))
	}
	for _, c := range in.Choices {
		if !slices.ContainsFunc(q.Options, func(o bank.Option) bool { return o.ID == c }) {
			return SaveResult{}, apperr.Field("choices", "names an option the question does not have: "+c)
		}
	}
	if in.Seq < 1 {
		return SaveResult{}, apperr.Field("seq", "must be 1 or more, increasing with each change")
	}
	applied, err := s.store.SaveResponse(ctx, a.ID, Response{QuestionID: q.QuestionID, Choices: in.Choices, Flagged: in.Flagged, Seq: in.Seq}, now)
	if err != nil {
		return SaveResult{}, err
	}
	if in.Position != nil && *in.Position >= 0 && *in.Position < len(form) {
		if err := s.store.SetPosition(ctx, a.ID, *in.Position); err != nil {
			return SaveResult{}, err
		}
	}
	return SaveResult{Applied: applied, Deadline: a.Deadline, Timed: a.Timed, ServerTime: now}, nil
}

// Submit scores and finishes an attempt. Submitting again returns the same result.
func (s *Service) Submit(ctx context.Context, p accounts.Principal, attemptID string) (Attempt, error) {
	a, _, err := s.attemptFor(ctx, p, attemptID, false)
	if err != nil {
		return Attempt{}, err
	}
	if a.Finished() {
		return a, nil
	}
	now := s.opt.Now().UTC()
	if a.Timed && now.After(a.Deadline.Add(s.opt.Grace)) {
		return s.closeIfDue(ctx, a)
	}
	return s.finish(ctx, a, Submitted, now, p.UserID)
}

func (s *Service) finish(ctx context.Context, a Attempt, st Status, at time.Time, actor string) (Attempt, error) {
	form, err := s.form(ctx, a.ID)
	if err != nil {
		return Attempt{}, err
	}
	rs, err := s.store.Responses(ctx, a.ID)
	if err != nil {
		return Attempt{}, err
	}
	score := ScoreForm(form, rs, a.CutPercent)
	out, err := s.store.FinishAttempt(ctx, a.ID, st, at, score)
	if err != nil {
		return Attempt{}, err
	}
	if out.Status == st && out.FinishedAt.Equal(at) {
		_ = s.audit.Record(ctx, audit.Entry{ActorID: actor, Action: "attempt." + string(st), Subject: "attempt:" + a.ID,
			Details: map[string]string{"raw": fmt.Sprint(score.Raw), "scaled": fmt.Sprint(score.Scaled)}})
	}
	return out, nil
}

// closeIfDue closes an open attempt whose deadline + grace has passed; it counts as
// finished at the deadline.
func (s *Service) closeIfDue(ctx context.Context, a Attempt) (Attempt, error) {
	if a.Finished() || !a.Timed || !s.opt.Now().After(a.Deadline.Add(s.opt.Grace)) {
		return a, nil
	}
	return s.finish(ctx, a, Closed, a.Deadline, "system")
}

// Sweep closes every attempt whose deadline + grace has passed, even if the student never
// came back. The store is the source of truth, so this survives restarts.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	due, err := s.store.DueAttempts(ctx, s.opt.Now().UTC().Add(-s.opt.Grace), 200)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range due {
		if _, err := s.closeIfDue(ctx, a); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// RunSweeper sweeps every interval until ctx ends.
func (s *Service) RunSweeper(ctx context.Context, every time.Duration, onErr func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil && onErr != nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Extend gives a running attempt more time (staff of the exam's program).
func (s *Service) Extend(ctx context.Context, p accounts.Principal, attemptID string, add time.Duration) (Attempt, error) {
	a, _, err := s.attemptFor(ctx, p, attemptID, true)
	if err != nil {
		return Attempt{}, err
	}
	if a.StudentID == p.UserID && !p.IsAdmin() {
		return Attempt{}, apperr.New(apperr.Forbidden, "Students cannot extend their own time.")
	}
	if add <= 0 || add > 8*time.Hour {
		return Attempt{}, apperr.Field("minutes", "must be between 1 and 480")
	}
	if a.Finished() || !a.Timed {
		return Attempt{}, errAttemptClosed("Only a running, timed attempt can get more time.")
	}
	a.Deadline, a.Extension = a.Deadline.Add(add), a.Extension+add
	if err := s.store.SetDeadline(ctx, a.ID, a.Deadline, a.Extension); err != nil {
		return Attempt{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "attempt.extend", Subject: "attempt:" + a.ID, Details: map[string]string{"minutes": fmt.Sprint(add.Minutes())}})
	return a, nil
}

// ReviewItem is one question of a finished attempt as the review policy allows.
type ReviewItem struct {
	Question   FormQuestion
	Response   *Response // nil when hidden or unanswered
	Correct    *bool     // nil when hidden
	ShowKey    bool
	ShowReason bool
}

// Review returns what the exam's review policy lets the student see now.
func (s *Service) Review(ctx context.Context, p accounts.Principal, attemptID string) (Attempt, []ReviewItem, error) {
	a, e, err := s.attemptFor(ctx, p, attemptID, true)
	if err != nil {
		return Attempt{}, nil, err
	}
	if a, err = s.closeIfDue(ctx, a); err != nil {
		return Attempt{}, nil, err
	}
	now := s.opt.Now().UTC()
	staff := a.StudentID != p.UserID
	visible := func(w When) bool {
		switch {
		case staff:
			return true
		case w == During:
			return true
		case w == AfterSubmit:
			return a.Finished()
		case w == AfterClose:
			return a.Finished() && !e.ClosesAt.IsZero() && now.After(e.ClosesAt)
		}
		return false
	}
	form, err := s.store.AttemptForm(ctx, a.ID)
	if err != nil {
		return Attempt{}, nil, err
	}
	rs, err := s.store.Responses(ctx, a.ID)
	if err != nil {
		return Attempt{}, nil, err
	}
	out := make([]ReviewItem, 0, len(form))
	for _, q := range form {
		ri := ReviewItem{Question: q, ShowKey: visible(e.Review.Key), ShowReason: visible(e.Review.Rationale)}
		if r, ok := rs[q.QuestionID]; ok && visible(e.Review.Responses) {
			r := r
			ri.Response = &r
		}
		if visible(e.Review.Correctness) && a.Finished() {
			c := Correct(q, rs[q.QuestionID].Choices)
			ri.Correct = &c
		}
		out = append(out, ri)
	}
	if !staff && !a.Finished() && !visible(e.Review.Responses) {
		return Attempt{}, nil, apperr.New(apperr.Forbidden, "Review opens after you submit.")
	}
	return a, out, nil
}
