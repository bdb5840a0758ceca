package httpapi_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/outcomes"
)

var personas = []string{"anonymous", "student", "instructor", "coordinator", "admin", "othercoord"}

// allow lists, for every route, the personas that get past authorization. "othercoord"
// coordinates a different program. A persona not listed must get 401, 403 or 404.
// Every route the app registers needs a row: the test fails on a route without one.
var allow = map[string][]string{
	"GET /healthz": personas,
	"GET /readyz":  personas,
	"GET /*":       personas, // the web UI
	"ALL /api/*":   {},       // unknown API paths are 404 for everyone

	"POST /api/v1/auth/login":   personas,
	"POST /api/v1/auth/token":   personas,
	"POST /api/v1/auth/logout":  {"student", "instructor", "coordinator", "admin", "othercoord"},
	"DELETE /api/v1/auth/token": {"student", "instructor", "coordinator", "admin", "othercoord"},
	"GET /api/v1/me":            {"student", "instructor", "coordinator", "admin", "othercoord"},
	"POST /api/v1/me/password":  {"student", "instructor", "coordinator", "admin", "othercoord"},

	"GET /api/v1/users":  {"coordinator", "admin", "othercoord"},
	"POST /api/v1/users": {"coordinator", "admin", "othercoord"},
	"GET /api/v1/audit":  {"admin"},

	"GET /api/v1/institutions":  {"admin"},
	"POST /api/v1/institutions": {"admin"},
	"GET /api/v1/programs":      {"student", "instructor", "coordinator", "admin", "othercoord"},
	"POST /api/v1/programs":     {"admin"},

	"GET /api/v1/programs/:id":                     {"student", "instructor", "coordinator", "admin"},
	"POST /api/v1/programs/:id/staff":              {"admin"},
	"GET /api/v1/programs/:id/cohorts":             {"student", "instructor", "coordinator", "admin"},
	"POST /api/v1/programs/:id/cohorts":            {"coordinator", "admin"},
	"GET /api/v1/programs/:id/enrollments":         {"instructor", "coordinator", "admin"},
	"POST /api/v1/programs/:id/enrollments":        {"coordinator", "admin"},
	"POST /api/v1/programs/:id/enrollments/import": {"coordinator", "admin"},

	"GET /api/v1/courses":                              {"student", "instructor", "coordinator", "admin", "othercoord"},
	"GET /api/v1/courses/:slug":                        {"student", "instructor", "coordinator", "admin", "othercoord"},
	"GET /api/v1/courses/:slug/lessons/:lessonId":      {"student", "instructor", "coordinator", "admin", "othercoord"},
	"GET /api/v1/courses/:slug/lessons/:lessonId/quiz": {"student", "instructor", "coordinator", "admin", "othercoord"},
	"GET /api/v1/courses/:slug/modules/:moduleId/quiz": {"student", "instructor", "coordinator", "admin", "othercoord"},
	"GET /api/v1/courses/:slug/progress":               {"student", "instructor", "coordinator", "admin", "othercoord"},
	"PUT /api/v1/courses/:slug/progress/:lessonId":     {"student", "instructor", "coordinator", "admin", "othercoord"},
	"POST /api/v1/practice/answers":                    {"student", "instructor", "coordinator", "admin", "othercoord"},

	"GET /api/v1/exams":                                 {"student", "instructor", "coordinator", "admin", "othercoord"},
	"POST /api/v1/exams":                                {"instructor", "coordinator", "admin", "othercoord"},
	"POST /api/v1/exams/:examId/attempts":               {"student"},
	"GET /api/v1/attempts/:attemptId":                   {"student", "instructor", "coordinator", "admin"},
	"PUT /api/v1/attempts/:attemptId/responses/:itemId": {"student"},
	"POST /api/v1/attempts/:attemptId/submit":           {"student"},
	"GET /api/v1/attempts/:attemptId/review":            {"student", "instructor", "coordinator", "admin"},
	"POST /api/v1/attempts/:attemptId/extend":           {"instructor", "coordinator", "admin"},
	"GET /api/v1/exams/:examId/analysis":                {"instructor", "coordinator", "admin"},
	"GET /api/v1/exams/:examId/monitor":                 {"instructor", "coordinator", "admin"},
	"GET /api/v1/exams/:examId/grades.csv":              {"instructor", "coordinator", "admin"},
	"POST /api/v1/attempts/:attemptId/reset":            {"instructor", "coordinator", "admin"},
	"PUT /api/v1/accommodations":                        {"instructor", "coordinator", "admin"},

	"GET /api/v1/bank/items":             {"instructor", "coordinator", "admin", "othercoord"},
	"GET /api/v1/bank/items/:id":         {"instructor", "coordinator", "admin", "othercoord"},
	"PUT /api/v1/bank/items/:id":         {"instructor", "coordinator", "admin", "othercoord"},
	"POST /api/v1/bank/items/:id/status": {"instructor", "coordinator", "admin", "othercoord"},
	"GET /api/v1/bank/export":            {"instructor", "coordinator", "admin", "othercoord"},

	"GET /api/v1/sections":                                     {"student", "instructor", "coordinator", "admin", "othercoord"},
	"POST /api/v1/sections":                                    {"instructor", "coordinator", "admin", "othercoord"},
	"GET /api/v1/sections/:sectionId":                          {"student", "instructor", "coordinator", "admin"},
	"POST /api/v1/sections/:sectionId/students":                {"instructor", "coordinator", "admin"},
	"GET /api/v1/sections/:sectionId/sessions":                 {"student", "instructor", "coordinator", "admin"},
	"POST /api/v1/sections/:sectionId/sessions":                {"instructor", "coordinator", "admin"},
	"GET /api/v1/sections/:sectionId/attendance":               {"student", "instructor", "coordinator", "admin"},
	"GET /api/v1/sections/:sectionId/attendance.csv":           {"student", "instructor", "coordinator", "admin"},
	"GET /api/v1/sessions/:sessionId":                          {"student", "instructor", "coordinator", "admin"},
	"POST /api/v1/sessions/:sessionId/start":                   {"instructor", "coordinator", "admin"},
	"POST /api/v1/sessions/:sessionId/end":                     {"instructor", "coordinator", "admin"},
	"GET /api/v1/sessions/:sessionId/code":                     {"instructor", "coordinator", "admin"},
	"POST /api/v1/sessions/:sessionId/checkin":                 {"student"},
	"PUT /api/v1/sessions/:sessionId/attendance/:studentId":    {"instructor", "coordinator", "admin"},
	"GET /api/v1/sessions/:sessionId/polls":                    {"student", "instructor", "coordinator", "admin"},
	"POST /api/v1/sessions/:sessionId/polls":                   {"instructor", "coordinator", "admin"},
	"POST /api/v1/polls/:pollId/answer":                        {"student"},
	"POST /api/v1/polls/:pollId/close":                         {"instructor", "coordinator", "admin"},
	"POST /api/v1/polls/:pollId/reveal":                        {"instructor", "coordinator", "admin"},
	"GET /api/v1/sessions/:sessionId/ws":                       {"student", "instructor", "coordinator", "admin"},
	"GET /api/v1/realtime/stats":                               {"admin"},
	"GET /api/v1/billing":                                      {"student", "instructor", "coordinator", "admin", "othercoord"},
	"POST /api/v1/billing/checkout":                            {"student", "instructor", "coordinator", "admin", "othercoord"},
	"GET /api/v1/receipts/:receiptId":                          {"student", "coordinator", "admin"},
	"GET /api/v1/receipts/:receiptId.pdf":                      {"student", "coordinator", "admin"},
	"GET /api/v1/programs/:id/fees":                            {"student", "instructor", "coordinator", "admin"},
	"POST /api/v1/programs/:id/fees":                           {"coordinator", "admin"},
	"POST /api/v1/programs/:id/fees/:feeId/assign":             {"coordinator", "admin"},
	"POST /api/v1/programs/:id/payments":                       {"coordinator", "admin"},
	"POST /api/v1/programs/:id/refunds":                        {"coordinator", "admin"},
	"GET /api/v1/programs/:id/billing":                         {"coordinator", "admin"},
	"GET /api/v1/programs/:id/billing.csv":                     {"coordinator", "admin"},
	"GET /api/v1/programs/:id/billing/students/:studentId":     {"coordinator", "admin"},
	"POST /api/v1/webhooks/stripe":                             personas,
	"GET /api/v1/programs/:id/outcomes":                        {"instructor", "coordinator", "admin"},
	"GET /api/v1/programs/:id/outcomes.csv":                    {"instructor", "coordinator", "admin"},
	"GET /api/v1/programs/:id/outcomes/report.pdf":             {"instructor", "coordinator", "admin"},
	"GET /api/v1/programs/:id/outcomes/settings":               {"instructor", "coordinator", "admin"},
	"PUT /api/v1/programs/:id/outcomes/settings":               {"coordinator", "admin"},
	"GET /api/v1/programs/:id/outcomes/certifications":         {"student", "instructor", "coordinator", "admin"},
	"POST /api/v1/programs/:id/outcomes/certifications":        {"student", "instructor", "coordinator", "admin"},
	"POST /api/v1/programs/:id/outcomes/certifications/verify": {"coordinator", "admin"},
	"GET /api/v1/programs/:id/outcomes/employment":             {"instructor", "coordinator", "admin"},
	"POST /api/v1/programs/:id/outcomes/employment":            {"coordinator", "admin"},
	"POST /api/v1/programs/:id/outcomes/status":                {"coordinator", "admin"},
	"POST /api/v1/programs/:id/outcomes/import":                {"coordinator", "admin"},
	"GET /api/v1/programs/:id/outcomes/surveys":                {"instructor", "coordinator", "admin"},
	"POST /api/v1/programs/:id/outcomes/surveys":               {"coordinator", "admin"},
	"GET /api/v1/programs/:id/outcomes/goals":                  {"instructor", "coordinator", "admin"},
	"POST /api/v1/programs/:id/outcomes/goals":                 {"coordinator", "admin"},
	"PUT /api/v1/programs/:id/outcomes/goals/:goalId":          {"coordinator", "admin"},
	"DELETE /api/v1/programs/:id/outcomes/goals/:goalId":       {"coordinator", "admin"},
	"GET /api/v1/surveys/:token":                               personas,
	"POST /api/v1/surveys/:token/responses":                    personas,
	"GET /outcomes/:programSlug":                               personas,
	"GET /survey/:token":                                       personas,
	"POST /survey/:token":                                      personas,
}

func TestAuthorizationTableCoversEveryRoute(t *testing.T) {
	f := newFixture(t)
	seen := map[string]bool{}
	for _, r := range f.srv.App().GetRoutes(true) {
		key := r.Method + " " + r.Path
		if r.Path == "/api/*" {
			key = "ALL /api/*"
		}
		if r.Method == "HEAD" || seen[key] {
			continue
		}
		seen[key] = true
		if _, ok := allow[key]; !ok {
			t.Errorf("route %s has no row in the authorization table", key)
		}
	}
	for key := range allow {
		if !seen[key] {
			t.Errorf("authorization table row %s matches no registered route", key)
		}
	}
}

func TestAuthorization(t *testing.T) {
	f := newFixture(t)
	survey, err := f.outc.CreateSurvey(context.Background(), accounts.SystemPrincipal, f.program.ID, outcomes.Survey{Kind: outcomes.GraduateSurvey, Title: "Graduate survey"})
	if err != nil {
		t.Fatal(err)
	}
	for key, allowed := range allow {
		method, path, _ := strings.Cut(key, " ")
		if method == "ALL" {
			method, path = "GET", "/api/v1/nothing-here"
		}
		if strings.HasPrefix(path, "/api/v1/bank/items/:id") {
			path = strings.ReplaceAll(path, ":id", "q-1")
		}
		path = strings.ReplaceAll(path, ":feeId", f.fee.ID)
		path = strings.ReplaceAll(path, ":studentId", f.users["student"].ID)
		path = strings.ReplaceAll(path, ":receiptId", f.receipt)
		path = strings.ReplaceAll(path, ":id", f.program.ID)
		path = strings.ReplaceAll(path, ":slug", "test-course")
		path = strings.ReplaceAll(path, ":lessonId", "test-course-m1-intro")
		path = strings.ReplaceAll(path, ":moduleId", "m1")
		path = strings.ReplaceAll(path, ":examId", f.exam.ID)
		path = strings.ReplaceAll(path, ":attemptId", f.attempt)
		path = strings.ReplaceAll(path, ":itemId", "q-1")
		path = f.live.replace(path)
		path = strings.ReplaceAll(path, ":programSlug", f.program.Slug)
		path = strings.ReplaceAll(path, ":token", survey.Token)
		path = strings.ReplaceAll(path, ":goalId", "g-1")
		path = strings.ReplaceAll(path, "*", "some/page")
		for _, persona := range personas {
			t.Run(fmt.Sprintf("%s as %s", key, persona), func(t *testing.T) {
				var body any
				switch {
				case strings.HasSuffix(path, "/import"):
					body = "email,name,cohort,start_date\n"
				case strings.HasSuffix(path, "/responses/q-1"):
					body = map[string]any{"seq": 1, "choices": []string{"A"}}
				case strings.HasSuffix(path, "/reset"):
					body = map[string]any{"reason": "authorization table check"}
				case strings.HasSuffix(path, "/extend"):
					body = map[string]any{"minutes": 5}
				case path == "/api/v1/accommodations":
					body = map[string]any{"studentId": f.users["student"].ID, "multiplier": 1.25}
				case method == "POST" || method == "PUT":
					body = map[string]any{}
				}
				res := f.do(method, path, f.token(persona), body)
				denied := res.status == 401 || res.status == 403 || res.status == 404
				want := slices.Contains(allowed, persona)
				if want && denied {
					t.Errorf("%s as %s: status %d, want allowed; body %s", key, persona, res.status, res.body)
				}
				if !want && !denied {
					t.Errorf("%s as %s: status %d, want 401/403/404; body %s", key, persona, res.status, res.body)
				}
				if res.status >= 500 {
					t.Errorf("%s as %s: status %d: %s", key, persona, res.status, res.body)
				}
			})
		}
	}
}
