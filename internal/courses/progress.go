package courses

import (
	"context"
	"slices"
	"time"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/bank"
)

// Progress is one student's progress through one course.
type Progress struct {
	UserID     string
	Course     string
	Completed  []string // lesson ids
	LastLesson string   // where to resume
	UpdatedAt  time.Time
}

// ProgressStore keeps progress and practice responses.
type ProgressStore interface {
	// ProgressOf returns the user's progress, or a zero Progress when they have none.
	ProgressOf(ctx context.Context, userID, course string) (Progress, error)
	// MarkLesson adds (done) or removes a completed lesson, atomically.
	MarkLesson(ctx context.Context, userID, course, lessonID string, done bool, at time.Time) error
	SetLastLesson(ctx context.Context, userID, course, lessonID string, at time.Time) error
	SavePracticeResponse(ctx context.Context, r PracticeResponse) error
}

// Bank is what practice quizzes need from the question bank.
type Bank interface {
	Item(ctx context.Context, id string) (bank.Item, error)
	RecordResponses(ctx context.Context, id string, version, n int) error
}

// ModuleProgress is the share of a module's lessons completed.
type ModuleProgress struct {
	ModuleID  string
	Completed int
	Total     int
	Percent   int
}

// ProgressView is a course's progress for display.
type ProgressView struct {
	Completed  []string
	LastLesson string
	Modules    []ModuleProgress
	Percent    int
}

// WithProgress lets the service keep progress and grade practice quizzes.
func (s *Service) WithProgress(ps ProgressStore, b Bank) *Service {
	s.progress, s.bank = ps, b
	return s
}

// Progress returns the user's progress through a course, per module.
func (s *Service) Progress(ctx context.Context, userID, slug string) (ProgressView, error) {
	c, err := s.store.CourseBySlug(ctx, slug)
	if err != nil {
		return ProgressView{}, err
	}
	p, err := s.progress.ProgressOf(ctx, userID, slug)
	if err != nil {
		return ProgressView{}, err
	}
	v := ProgressView{Completed: []string{}, LastLesson: p.LastLesson}
	done, total := 0, 0
	for _, m := range c.Modules {
		mp := ModuleProgress{ModuleID: m.ID, Total: len(m.Lessons)}
		for _, l := range m.Lessons {
			if slices.Contains(p.Completed, l.ID) {
				mp.Completed++
				v.Completed = append(v.Completed, l.ID)
			}
		}
		if mp.Total > 0 {
			mp.Percent = mp.Completed * 100 / mp.Total
		}
		done += mp.Completed
		total += mp.Total
		v.Modules = append(v.Modules, mp)
	}
	if total > 0 {
		v.Percent = done * 100 / total
	}
	return v, nil
}

// MarkLesson records a lesson as completed (or not) and as the place to resume.
func (s *Service) MarkLesson(ctx context.Context, userID, slug, lessonID string, done bool) error {
	if _, _, _, err := s.Lesson(ctx, slug, lessonID); err != nil {
		return err
	}
	now := s.now().UTC()
	if err := s.progress.MarkLesson(ctx, userID, slug, lessonID, done, now); err != nil {
		return err
	}
	return s.progress.SetLastLesson(ctx, userID, slug, lessonID, now)
}

// VisitLesson records where the user is, so they can resume there.
func (s *Service) VisitLesson(ctx context.Context, userID, slug, lessonID string) error {
	if _, _, _, err := s.Lesson(ctx, slug, lessonID); err != nil {
		return err
	}
	return s.progress.SetLastLesson(ctx, userID, slug, lessonID, s.now().UTC())
}

// QuizQuestion is a practice question as delivered: no key, no rationale.
type QuizQuestion struct {
	ItemID     string
	QuestionID string
	Type       string
	Scenario   string
	Stem       string
	Choose     int
	Options    []QuizOption
}

// QuizOption is an option without its key or rationale.
type QuizOption struct{ ID, Text string }

// Quiz returns the practice quiz of a module (moduleID) or of a lesson (lessonID), built
// from the active bank items it names. Retired or missing items are left out.
func (s *Service) Quiz(ctx context.Context, slug, moduleID, lessonID string) ([]QuizQuestion, error) {
	c, err := s.store.CourseBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	var ids []string
	found := false
	for _, m := range c.Modules {
		if moduleID != "" && m.ID == moduleID {
			ids, found = m.Quiz, true
		}
		for _, l := range m.Lessons {
			if lessonID != "" && l.ID == lessonID {
				ids, found = l.Quiz, true
			}
		}
	}
	if !found {
		return nil, apperr.New(apperr.NotFound, "No such module or lesson.")
	}
	out := []QuizQuestion{}
	for _, id := range ids {
		it, err := s.bank.Item(ctx, id)
		if apperr.Is(err, apperr.NotFound) || (err == nil && it.Status != "active") {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, q := range it.Questions {
			qq := QuizQuestion{ItemID: it.ID, QuestionID: q.ID, Type: q.Type, Scenario: it.Scenario, Stem: q.Stem, Choose: q.Choose}
			for _, o := range q.Options {
				qq.Options = append(qq.Options, QuizOption{ID: o.ID, Text: o.Text})
			}
			out = append(out, qq)
		}
	}
	return out, nil
}

// PracticeResponse is one answer to a practice question, kept with the item version.
type PracticeResponse struct {
	UserID     string
	ItemID     string
	Version    int
	QuestionID string
	Choices    []string
	Correct    bool
	At         time.Time
}

// Feedback is the immediate result of a practice answer.
type Feedback struct {
	Correct    bool
	Key        []string
	Rationales map[string]string // by option id
	Version    int
}

// Answer grades a practice answer (multiple response: all or nothing), records it against
// the item version that was shown, and returns the key and every option's rationale.
func (s *Service) Answer(ctx context.Context, userID, itemID, questionID string, choices []string) (Feedback, error) {
	it, err := s.bank.Item(ctx, itemID)
	if err != nil {
		return Feedback{}, err
	}
	var q *bank.Question
	for i := range it.Questions {
		if it.Questions[i].ID == questionID {
			q = &it.Questions[i]
		}
	}
	if q == nil {
		return Feedback{}, apperr.Field("questionId", "is not a question of this item")
	}
	fb := Feedback{Rationales: map[string]string{}, Version: it.Version}
	for _, c := range choices {
		if !slices.ContainsFunc(q.Options, func(o bank.Option) bool { return o.ID == c }) {
			return Feedback{}, apperr.Field("choices", "names an option the question does not have: "+c)
		}
	}
	if len(choices) != q.Choose {
		return Feedback{}, apperr.Field("choices", "choose exactly the number of options the question asks for")
	}
	for _, o := range q.Options {
		fb.Rationales[o.ID] = o.Rationale
		if o.Correct {
			fb.Key = append(fb.Key, o.ID)
		}
	}
	fb.Correct = sameSet(fb.Key, choices)
	now := s.now().UTC()
	if err := s.progress.SavePracticeResponse(ctx, PracticeResponse{UserID: userID, ItemID: it.ID, Version: it.Version, QuestionID: q.ID, Choices: choices, Correct: fb.Correct, At: now}); err != nil {
		return Feedback{}, err
	}
	if err := s.bank.RecordResponses(ctx, it.ID, it.Version, 1); err != nil {
		return Feedback{}, err
	}
	return fb, nil
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
