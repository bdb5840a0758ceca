package httpapi

import (
	"github.com/gofiber/fiber/v2"

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
