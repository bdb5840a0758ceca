package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/chartroom-him/chartroom/internal/billing"
	"github.com/chartroom-him/chartroom/internal/courses"
)

type lessonRef struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Minutes int    `json:"minutes"`
}

type moduleView struct {
	ID           string      `json:"id"`
	Title        string      `json:"title"`
	Domain       string      `json:"domain"`
	Competencies []string    `json:"competencies"`
	Lessons      []lessonRef `json:"lessons"`
	QuizSize     int         `json:"quizSize"`
}

type courseView struct {
	Slug    string       `json:"slug"`
	Title   string       `json:"title"`
	Exam    string       `json:"exam"`
	Summary string       `json:"summary"`
	Lessons int          `json:"lessons"`
	Modules []moduleView `json:"modules,omitempty"`
}

func (s *Server) listCourses(c *fiber.Ctx) error {
	cs, err := s.deps.Courses.List(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]courseView, len(cs))
	for i, co := range cs {
		out[i] = courseView{Slug: co.Slug, Title: co.Title, Exam: co.Exam, Summary: co.Summary}
		for _, m := range co.Modules {
			out[i].Lessons += len(m.Lessons)
		}
	}
	return c.JSON(list(out, ""))
}

func (s *Server) getCourse(c *fiber.Ctx) error {
	if err := s.requirePaid(c, billing.UnlockCourse, c.Params("slug")); err != nil {
		return err
	}
	co, err := s.deps.Courses.Course(c.UserContext(), c.Params("slug"))
	if err != nil {
		return err
	}
	v := courseView{Slug: co.Slug, Title: co.Title, Exam: co.Exam, Summary: co.Summary, Modules: []moduleView{}}
	for _, m := range co.Modules {
		mv := moduleView{ID: m.ID, Title: m.Title, Domain: m.Domain, Competencies: m.Competencies, Lessons: []lessonRef{}, QuizSize: len(m.Quiz)}
		for _, l := range m.Lessons {
			mv.Lessons = append(mv.Lessons, lessonRef{ID: l.ID, Title: l.Title, Minutes: l.Minutes})
			v.Lessons++
		}
		v.Modules = append(v.Modules, mv)
	}
	return c.JSON(v)
}

// getLesson returns a lesson with its Markdown rendered to sanitized HTML.
func (s *Server) getLesson(c *fiber.Ctx) error {
	if err := s.requirePaid(c, billing.UnlockCourse, c.Params("slug")); err != nil {
		return err
	}
	co, m, l, err := s.deps.Courses.Lesson(c.UserContext(), c.Params("slug"), c.Params("lessonId"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{
		"id": l.ID, "title": l.Title, "competency": l.Competency, "bloom": l.Bloom, "minutes": l.Minutes,
		"course": fiber.Map{"slug": co.Slug, "title": co.Title}, "module": fiber.Map{"id": m.ID, "title": m.Title},
		"html": courses.RenderMarkdown(l.Markdown),
	})
}

func (s *Server) getProgress(c *fiber.Ctx) error {
	v, err := s.deps.Courses.Progress(c.UserContext(), mustPrincipal(c).UserID, c.Params("slug"))
	if err != nil {
		return err
	}
	type mod struct {
		ID        string `json:"id"`
		Completed int    `json:"completed"`
		Total     int    `json:"total"`
		Percent   int    `json:"percent"`
	}
	mods := make([]mod, len(v.Modules))
	for i, m := range v.Modules {
		mods[i] = mod{ID: m.ModuleID, Completed: m.Completed, Total: m.Total, Percent: m.Percent}
	}
	return c.JSON(fiber.Map{"completed": v.Completed, "lastLesson": v.LastLesson, "percent": v.Percent, "modules": mods})
}

type progressRequest struct {
	// Completed marks the lesson done (true) or not done (false); absent only records the
	// lesson as the place to resume.
	Completed *bool `json:"completed"`
}

func (s *Server) putProgress(c *fiber.Ctx) error {
	var req progressRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	ctx, uid, slug, lesson := c.UserContext(), mustPrincipal(c).UserID, c.Params("slug"), c.Params("lessonId")
	var err error
	if req.Completed == nil {
		err = s.deps.Courses.VisitLesson(ctx, uid, slug, lesson)
	} else {
		err = s.deps.Courses.MarkLesson(ctx, uid, slug, lesson, *req.Completed)
	}
	if err != nil {
		return err
	}
	return s.getProgress(c)
}

type quizQuestionView struct {
	ItemID     string              `json:"itemId"`
	QuestionID string              `json:"questionId"`
	Type       string              `json:"type"`
	Scenario   string              `json:"scenario,omitempty"`
	Stem       string              `json:"stem"`
	Choose     int                 `json:"choose"`
	Options    []map[string]string `json:"options"`
}

func (s *Server) quiz(c *fiber.Ctx) error {
	if err := s.requirePaid(c, billing.UnlockCourse, c.Params("slug")); err != nil {
		return err
	}
	qs, err := s.deps.Courses.Quiz(c.UserContext(), c.Params("slug"), c.Params("moduleId"), c.Params("lessonId"))
	if err != nil {
		return err
	}
	out := make([]quizQuestionView, len(qs))
	for i, q := range qs {
		v := quizQuestionView{ItemID: q.ItemID, QuestionID: q.QuestionID, Type: q.Type, Scenario: q.Scenario, Stem: q.Stem, Choose: q.Choose}
		for _, o := range q.Options {
			v.Options = append(v.Options, map[string]string{"id": o.ID, "text": o.Text})
		}
		out[i] = v
	}
	return c.JSON(list(out, ""))
}

type answerRequest struct {
	ItemID     string   `json:"itemId" validate:"required,max=100"`
	QuestionID string   `json:"questionId" validate:"required,max=100"`
	Choices    []string `json:"choices" validate:"required,min=1,max=6,dive,max=4"`
}

func (s *Server) practiceAnswer(c *fiber.Ctx) error {
	var req answerRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	fb, err := s.deps.Courses.Answer(c.UserContext(), mustPrincipal(c).UserID, req.ItemID, req.QuestionID, req.Choices)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"correct": fb.Correct, "key": fb.Key, "rationales": fb.Rationales, "version": fb.Version})
}
