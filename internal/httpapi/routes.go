package httpapi

import (
	"context"
	"io/fs"
	"mime"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/chartroom-him/chartroom/internal/apperr"
)

func (s *Server) registerRoutes() {
	s.handle(fiber.MethodGet, "/healthz", Public, s.healthz)
	s.handle(fiber.MethodGet, "/readyz", Public, s.readyz)

	const v1 = "/api/v1"
	s.handle(fiber.MethodPost, v1+"/auth/login", Public, s.login)
	s.handle(fiber.MethodPost, v1+"/auth/logout", Authenticated, s.logout)
	s.handle(fiber.MethodPost, v1+"/auth/token", Public, s.createToken)
	s.handle(fiber.MethodDelete, v1+"/auth/token", Authenticated, s.revokeToken)

	s.handle(fiber.MethodGet, v1+"/me", Authenticated, s.me)
	s.handle(fiber.MethodPost, v1+"/me/password", Authenticated, s.changePassword)

	s.handle(fiber.MethodGet, v1+"/users", Authenticated, s.listUsers)
	s.handle(fiber.MethodPost, v1+"/users", Authenticated, s.createUser)
	s.handle(fiber.MethodGet, v1+"/audit", Authenticated, s.listAudit)

	s.handle(fiber.MethodGet, v1+"/institutions", Authenticated, s.listInstitutions)
	s.handle(fiber.MethodPost, v1+"/institutions", Authenticated, s.createInstitution)
	s.handle(fiber.MethodGet, v1+"/programs", Authenticated, s.listPrograms)
	s.handle(fiber.MethodPost, v1+"/programs", Authenticated, s.createProgram)
	s.handle(fiber.MethodGet, v1+"/programs/:id", Authenticated, s.getProgram)
	s.handle(fiber.MethodPost, v1+"/programs/:id/staff", Authenticated, s.assignStaff)
	s.handle(fiber.MethodGet, v1+"/programs/:id/cohorts", Authenticated, s.listCohorts)
	s.handle(fiber.MethodPost, v1+"/programs/:id/cohorts", Authenticated, s.createCohort)
	s.handle(fiber.MethodGet, v1+"/programs/:id/enrollments", Authenticated, s.listEnrollments)
	s.handle(fiber.MethodPost, v1+"/programs/:id/enrollments", Authenticated, s.enroll)
	s.handle(fiber.MethodPost, v1+"/programs/:id/enrollments/import", Authenticated, s.importEnrollments)

	s.handle(fiber.MethodGet, v1+"/courses", Authenticated, s.listCourses)
	s.handle(fiber.MethodGet, v1+"/courses/:slug", Authenticated, s.getCourse)
	s.handle(fiber.MethodGet, v1+"/courses/:slug/lessons/:lessonId", Authenticated, s.getLesson)
	s.handle(fiber.MethodGet, v1+"/courses/:slug/lessons/:lessonId/quiz", Authenticated, s.quiz)
	s.handle(fiber.MethodGet, v1+"/courses/:slug/modules/:moduleId/quiz", Authenticated, s.quiz)
	s.handle(fiber.MethodGet, v1+"/courses/:slug/progress", Authenticated, s.getProgress)
	s.handle(fiber.MethodPut, v1+"/courses/:slug/progress/:lessonId", Authenticated, s.putProgress)
	s.handle(fiber.MethodPost, v1+"/practice/answers", Authenticated, s.practiceAnswer)

	s.handle(fiber.MethodGet, v1+"/exams", Authenticated, s.listExams)
	s.handle(fiber.MethodPost, v1+"/exams", Authenticated, s.createExam)
	s.handle(fiber.MethodPost, v1+"/exams/:examId/attempts", Authenticated, s.startAttempt)
	s.handle(fiber.MethodGet, v1+"/attempts/:attemptId", Authenticated, s.getAttempt)
	s.handle(fiber.MethodPut, v1+"/attempts/:attemptId/responses/:itemId", Authenticated, s.saveResponse)
	s.handle(fiber.MethodPost, v1+"/attempts/:attemptId/submit", Authenticated, s.submitAttempt)
	s.handle(fiber.MethodGet, v1+"/attempts/:attemptId/review", Authenticated, s.reviewAttempt)
	s.handle(fiber.MethodPost, v1+"/attempts/:attemptId/extend", Authenticated, s.extendAttempt)
	s.handle(fiber.MethodPut, v1+"/accommodations", Authenticated, s.setAccommodation)
	s.handle(fiber.MethodGet, v1+"/exams/:examId/analysis", Authenticated, s.examAnalysis)
	s.handle(fiber.MethodGet, v1+"/exams/:examId/monitor", Authenticated, s.examMonitor)
	s.handle(fiber.MethodGet, v1+"/exams/:examId/grades.csv", Authenticated, s.examGrades)
	s.handle(fiber.MethodPost, v1+"/attempts/:attemptId/reset", Authenticated, s.resetAttempt)

	s.handle(fiber.MethodGet, v1+"/bank/items", Authenticated, s.browseBank)
	s.handle(fiber.MethodGet, v1+"/bank/items/:id", Authenticated, s.getItem)
	s.handle(fiber.MethodPut, v1+"/bank/items/:id", Authenticated, s.saveItem)
	s.handle(fiber.MethodPost, v1+"/bank/items/:id/status", Authenticated, s.setItemStatus)
	s.handle(fiber.MethodGet, v1+"/bank/export", Authenticated, s.exportBank)

	s.classroomRoutes(v1)
	s.registerBillingRoutes(v1)
	s.registerOutcomeRoutes()

	// Unknown API paths are problems, not the web UI.
	s.app.All("/api/*", func(c *fiber.Ctx) error {
		return apperr.New(apperr.NotFound, "No such API endpoint: %s %s", c.Method(), c.Path())
	})
	s.app.Get("/*", s.ui)
}

func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok", "version": s.deps.Version})
}

func (s *Server) readyz(c *fiber.Ctx) error {
	if s.deps.Ready == nil {
		return c.JSON(fiber.Map{"status": "ready"})
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	if err := s.deps.Ready(ctx); err != nil {
		return apperr.Wrap(apperr.Unavailable, err, "The database is not answering.")
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

const uiMissing = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Chartroom</title>
<body style="font-family:system-ui;max-width:40rem;margin:3rem auto"><h1>Chartroom</h1>
<p>The API is running, but this binary was built without the web UI. Run <code>make ui</code>
(or <code>make run</code>) and rebuild.</p></body></html>`

// ui serves the embedded single-page app: a file when one matches the path, otherwise
// index.html so the client-side router can take over.
func (s *Server) ui(c *fiber.Ctx) error {
	if s.deps.UI == nil {
		c.Type("html")
		return c.SendString(uiMissing)
	}
	p := strings.TrimPrefix(path.Clean("/"+c.Params("*")), "/")
	if p != "" && p != "index.html" {
		if b, err := fs.ReadFile(s.deps.UI, p); err == nil {
			if ct := mime.TypeByExtension(path.Ext(p)); ct != "" {
				c.Set(fiber.HeaderContentType, ct)
			}
			if strings.HasPrefix(p, "assets/") {
				// Vite fingerprints asset names, so they never change.
				c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
			}
			return c.Send(b)
		}
	}
	b, err := fs.ReadFile(s.deps.UI, "index.html")
	if err != nil {
		c.Type("html")
		return c.SendString(uiMissing)
	}
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Type("html")
	return c.Send(b)
}
