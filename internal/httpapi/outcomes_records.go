package httpapi

import (
	"bytes"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/outcomes"
	"github.com/chartroom-him/chartroom/internal/programs"
)

type resultView struct {
	ID         string `json:"id"`
	StudentID  string `json:"studentId"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	Exam       string `json:"exam"`
	Date       string `json:"date"`
	Attempt    int    `json:"attempt"`
	Passed     bool   `json:"passed"`
	Scaled     int    `json:"scaledScore,omitempty"`
	Source     string `json:"source"`
	Verified   bool   `json:"verified"`
	VerifiedAt string `json:"verifiedAt,omitempty"`
}

func resultJSON(r outcomes.Result, name, email string) resultView {
	v := resultView{ID: r.ID, StudentID: r.StudentID, Name: name, Email: email, Exam: r.Exam, Date: r.Date.Format(outcomes.DateLayout), Attempt: r.Attempt,
		Passed: r.Passed, Scaled: r.Scaled, Source: string(r.Source), Verified: r.Verified}
	if !r.VerifiedAt.IsZero() {
		v.VerifiedAt = r.VerifiedAt.Format(outcomes.DateLayout)
	}
	return v
}

func (s *Server) listResults(c *fiber.Ctx) error {
	rs, err := s.deps.Outcomes.Results(c.UserContext(), mustPrincipal(c), c.Params("id"))
	if err != nil {
		return err
	}
	out := make([]resultView, len(rs))
	for i, r := range rs {
		out[i] = resultJSON(r.Record, r.Name, r.Email)
	}
	return c.JSON(list(out, ""))
}

type resultRequest struct {
	StudentID   string `json:"studentId" validate:"max=64"`
	Exam        string `json:"exam" validate:"required,oneof=RHIT RHIA CCA"`
	Date        string `json:"date" validate:"required,datetime=2006-01-02"`
	Attempt     int    `json:"attempt" validate:"required,min=1,max=20"`
	Passed      *bool  `json:"passed" validate:"required"`
	ScaledScore int    `json:"scaledScore" validate:"omitempty,min=100,max=400"`
}

// recordResult takes a coordinator's entry (verified) or a student's self-report.
func (s *Server) recordResult(c *fiber.Ctx) error {
	// Any viewer of the program may post: the service decides between a verified entry and
	// a self-report, and refuses everyone else.
	if _, err := s.deps.Programs.Program(c.UserContext(), mustPrincipal(c), c.Params("id")); err != nil {
		return err
	}
	var req resultRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	date, _ := parseDate("date", req.Date)
	r, err := s.deps.Outcomes.RecordResult(c.UserContext(), mustPrincipal(c), c.Params("id"), outcomes.Result{
		StudentID: req.StudentID, Exam: req.Exam, Date: date, Attempt: req.Attempt, Passed: *req.Passed, Scaled: req.ScaledScore,
	})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(resultJSON(r, "", ""))
}

type verifyRequest struct {
	ID string `json:"id" validate:"required,max=300"`
}

func (s *Server) verifyResult(c *fiber.Ctx) error {
	if err := s.authorizeOutcomes(c, true); err != nil {
		return err
	}
	var req verifyRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	r, err := s.deps.Outcomes.VerifyResult(c.UserContext(), mustPrincipal(c), c.Params("id"), req.ID)
	if err != nil {
		return err
	}
	return c.JSON(resultJSON(r, "", ""))
}

type employmentView struct {
	ID        string `json:"id"`
	StudentID string `json:"studentId"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Status    string `json:"status"`
	Date      string `json:"date"`
	Setting   string `json:"setting"`
}

func (s *Server) listEmployment(c *fiber.Ctx) error {
	es, err := s.deps.Outcomes.EmploymentRecords(c.UserContext(), mustPrincipal(c), c.Params("id"))
	if err != nil {
		return err
	}
	out := make([]employmentView, len(es))
	for i, e := range es {
		out[i] = employmentView{ID: e.Record.ID, StudentID: e.Record.StudentID, Name: e.Name, Email: e.Email, Status: string(e.Record.Status),
			Date: e.Record.Date.Format(outcomes.DateLayout), Setting: e.Record.Setting}
	}
	return c.JSON(list(out, ""))
}

type employmentRequest struct {
	StudentID string `json:"studentId" validate:"required,max=64"`
	Status    string `json:"status" validate:"required,oneof=in_field out_of_field seeking not_seeking"`
	Date      string `json:"date" validate:"required,datetime=2006-01-02"`
	Setting   string `json:"setting" validate:"max=100"`
}

func (s *Server) recordEmployment(c *fiber.Ctx) error {
	if err := s.authorizeOutcomes(c, true); err != nil {
		return err
	}
	var req employmentRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	date, _ := parseDate("date", req.Date)
	e, err := s.deps.Outcomes.RecordEmployment(c.UserContext(), mustPrincipal(c), c.Params("id"), outcomes.Employment{
		StudentID: req.StudentID, Status: outcomes.EmploymentStatus(req.Status), Date: date, Setting: strings.TrimSpace(req.Setting),
	})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(employmentView{ID: e.ID, StudentID: e.StudentID, Status: string(e.Status), Date: e.Date.Format(outcomes.DateLayout), Setting: e.Setting})
}

type lifecycleRequest struct {
	StudentID          string `json:"studentId" validate:"required,max=64"`
	Status             string `json:"status" validate:"required,oneof=active withdrawn transferred graduated"`
	Date               string `json:"date" validate:"required,datetime=2006-01-02"`
	ExpectedCompletion string `json:"expectedCompletion" validate:"omitempty,datetime=2006-01-02"`
}

func (s *Server) changeStatus(c *fiber.Ctx) error {
	if err := s.authorizeOutcomes(c, true); err != nil {
		return err
	}
	var req lifecycleRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	on, _ := parseDate("date", req.Date)
	exp, _ := parseDate("expectedCompletion", req.ExpectedCompletion)
	st, err := s.deps.Outcomes.ChangeStatus(c.UserContext(), mustPrincipal(c), c.Params("id"), outcomes.StatusChange{
		StudentID: req.StudentID, Status: programs.Status(req.Status), On: on, Expected: exp,
	})
	if err != nil {
		return err
	}
	changes := make([]fiber.Map, len(st.Changes))
	for i, ch := range st.Changes {
		changes[i] = fiber.Map{"status": ch.Status, "date": ch.On.Format(outcomes.DateLayout)}
	}
	exps := ""
	if !st.Expected.IsZero() {
		exps = st.Expected.Format(outcomes.DateLayout)
	}
	return c.JSON(fiber.Map{"studentId": st.StudentID, "status": st.Status, "startDate": st.Start.Format(outcomes.DateLayout), "expectedCompletion": exps, "changes": changes})
}

// importOutcomes takes a CSV body of one kind (?kind=certification|employment|lifecycle)
// and imports all rows or none.
func (s *Server) importOutcomes(c *fiber.Ctx) error {
	if err := s.authorizeOutcomes(c, true); err != nil {
		return err
	}
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	if !strings.HasPrefix(ct, "text/csv") && !strings.HasPrefix(ct, "text/plain") {
		return apperr.Field("Content-Type", "must be text/csv")
	}
	res, err := s.deps.Outcomes.Import(c.UserContext(), mustPrincipal(c), c.Params("id"), outcomes.ImportKind(c.Query("kind")), bytes.NewReader(c.Body()))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"kind": res.Kind, "rows": res.Rows, "created": res.Created, "unchanged": res.Unchanged})
}

type surveyView struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	CohortID  string `json:"cohortId,omitempty"`
	Title     string `json:"title"`
	Link      string `json:"link"`
	Closed    bool   `json:"closed"`
	Responses int    `json:"responses"`
	CreatedAt string `json:"createdAt"`
}

func surveyJSON(sv outcomes.Survey, n int) surveyView {
	return surveyView{ID: sv.ID, Kind: string(sv.Kind), CohortID: sv.CohortID, Title: sv.Title, Link: "/survey/" + sv.Token, Closed: sv.Closed, Responses: n,
		CreatedAt: sv.CreatedAt.Format(outcomes.DateLayout)}
}

func (s *Server) listSurveys(c *fiber.Ctx) error {
	svs, err := s.deps.Outcomes.Surveys(c.UserContext(), mustPrincipal(c), c.Params("id"))
	if err != nil {
		return err
	}
	out := make([]surveyView, len(svs))
	for i, sv := range svs {
		out[i] = surveyJSON(sv.Survey, sv.Responses)
	}
	return c.JSON(list(out, ""))
}

type surveyRequest struct {
	Kind     string `json:"kind" validate:"required,oneof=graduate employer"`
	Title    string `json:"title" validate:"required,max=200"`
	CohortID string `json:"cohortId" validate:"max=64"`
}

func (s *Server) createSurvey(c *fiber.Ctx) error {
	if err := s.authorizeOutcomes(c, true); err != nil {
		return err
	}
	var req surveyRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	sv, err := s.deps.Outcomes.CreateSurvey(c.UserContext(), mustPrincipal(c), c.Params("id"), outcomes.Survey{Kind: outcomes.SurveyKind(req.Kind), Title: req.Title, CohortID: req.CohortID})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(surveyJSON(sv, 0))
}

func (s *Server) getSurvey(c *fiber.Ctx) error {
	sv, err := s.deps.Outcomes.SurveyByToken(c.UserContext(), c.Params("token"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"title": sv.Title, "kind": sv.Kind, "items": outcomes.SurveyItems[sv.Kind], "scale": outcomes.Likert})
}

type responseRequest struct {
	Answers []int  `json:"answers" validate:"required,max=20,dive,min=0,max=5"`
	Comment string `json:"comment" validate:"max=2000"`
}

func (s *Server) respondSurvey(c *fiber.Ctx) error {
	if _, err := s.deps.Outcomes.SurveyByToken(c.UserContext(), c.Params("token")); err != nil {
		return err
	}
	var req responseRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if _, err := s.deps.Outcomes.Respond(c.UserContext(), c.Params("token"), req.Answers, req.Comment); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"status": "thank you"})
}

func (s *Server) listGoals(c *fiber.Ctx) error {
	gs, err := s.deps.Outcomes.Goals(c.UserContext(), mustPrincipal(c), c.Params("id"))
	if err != nil {
		return err
	}
	out := make([]goalView, len(gs))
	for i, g := range gs {
		out[i] = goalJSON(g)
	}
	return c.JSON(list(out, ""))
}

type goalRequest struct {
	Area        string   `json:"area" validate:"required,oneof=students curriculum faculty community"`
	Title       string   `json:"title" validate:"required,max=300"`
	Measure     string   `json:"measure" validate:"max=40"`
	Target      *float64 `json:"target" validate:"required,min=0,max=100"`
	Result      *float64 `json:"result" validate:"omitempty,min=0,max=100"`
	Tool        string   `json:"tool" validate:"max=4000"`
	Analysis    string   `json:"analysis" validate:"max=4000"`
	ActionPlan  string   `json:"actionPlan" validate:"max=4000"`
	Responsible string   `json:"responsible" validate:"max=4000"`
	Timeframe   string   `json:"timeframe" validate:"max=4000"`
}

func (s *Server) saveGoal(c *fiber.Ctx, id string) error {
	if err := s.authorizeOutcomes(c, true); err != nil {
		return err
	}
	var req goalRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	g, err := s.deps.Outcomes.SaveGoal(c.UserContext(), mustPrincipal(c), c.Params("id"), outcomes.Goal{
		ID: id, Area: req.Area, Title: strings.TrimSpace(req.Title), Measure: req.Measure, Target: *req.Target, Result: req.Result, Tool: req.Tool,
		Analysis: req.Analysis, ActionPlan: req.ActionPlan, Responsible: req.Responsible, Timeframe: req.Timeframe,
	})
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if id == "" {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(goalJSON(g))
}

func (s *Server) createGoal(c *fiber.Ctx) error { return s.saveGoal(c, "") }

func (s *Server) updateGoal(c *fiber.Ctx) error { return s.saveGoal(c, c.Params("goalId")) }

func (s *Server) deleteGoal(c *fiber.Ctx) error {
	if err := s.deps.Outcomes.DeleteGoal(c.UserContext(), mustPrincipal(c), c.Params("id"), c.Params("goalId")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
