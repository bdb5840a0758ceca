package httpapi

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/billing"
	"github.com/chartroom-him/chartroom/internal/exams"
)

type examView struct {
	ID               string   `json:"id"`
	ProgramID        string   `json:"programId"`
	Title            string   `json:"title"`
	Kind             string   `json:"kind"`
	Exam             string   `json:"exam"`
	Domain           string   `json:"domain,omitempty"`
	Questions        int      `json:"questions"`
	TimeLimitMinutes int      `json:"timeLimitMinutes"`
	OpensAt          *string  `json:"opensAt"`
	ClosesAt         *string  `json:"closesAt"`
	AttemptsAllowed  int      `json:"attemptsAllowed"`
	CohortIDs        []string `json:"cohortIds,omitempty"`
}

func rfc(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func examJSON(e exams.Exam) examView {
	n := e.ScoredItems + e.PretestItems
	if e.Kind == exams.HandPicked {
		n = len(e.ItemIDs)
	}
	return examView{ID: e.ID, ProgramID: e.ProgramID, Title: e.Title, Kind: string(e.Kind), Exam: e.Exam, Domain: e.Domain, Questions: n,
		TimeLimitMinutes: int(e.TimeLimit / time.Minute), OpensAt: rfc(e.OpensAt), ClosesAt: rfc(e.ClosesAt), AttemptsAllowed: e.AttemptsAllowed, CohortIDs: e.CohortIDs}
}

func (s *Server) listExams(c *fiber.Ctx) error {
	var (
		found []exams.Exam
		err   error
	)
	if pid := c.Query("programId"); pid != "" {
		found, err = s.deps.Exams.StaffExams(c.UserContext(), mustPrincipal(c), pid)
	} else {
		found, err = s.deps.Exams.Exams(c.UserContext(), mustPrincipal(c))
	}
	if err != nil {
		return err
	}
	out := make([]examView, len(found))
	for i, e := range found {
		out[i] = examJSON(e)
	}
	return c.JSON(list(out, ""))
}

type reviewRequest struct {
	Responses   string `json:"responses" validate:"omitempty,oneof=never during after-submit after-close"`
	Correctness string `json:"correctness" validate:"omitempty,oneof=never during after-submit after-close"`
	Key         string `json:"key" validate:"omitempty,oneof=never during after-submit after-close"`
	Rationale   string `json:"rationale" validate:"omitempty,oneof=never during after-submit after-close"`
}

type createExamRequest struct {
	ProgramID        string        `json:"programId" validate:"required,max=64"`
	Title            string        `json:"title" validate:"required,max=200"`
	Kind             string        `json:"kind" validate:"required,oneof=full domain custom"`
	Exam             string        `json:"exam" validate:"required,oneof=RHIT RHIA CCA"`
	Domain           string        `json:"domain" validate:"max=10"`
	ItemIDs          []string      `json:"itemIds" validate:"max=300,dive,max=100"`
	ScoredItems      int           `json:"scoredItems" validate:"min=0,max=300"`
	PretestItems     int           `json:"pretestItems" validate:"min=0,max=50"`
	TimeLimitMinutes int           `json:"timeLimitMinutes" validate:"min=0,max=480"`
	OpensAt          *time.Time    `json:"opensAt"`
	ClosesAt         *time.Time    `json:"closesAt"`
	AttemptsAllowed  int           `json:"attemptsAllowed" validate:"min=0,max=100"`
	ShuffleOptions   bool          `json:"shuffleOptions"`
	Review           reviewRequest `json:"review"`
	CohortIDs        []string      `json:"cohortIds" validate:"max=50,dive,max=64"`
	CutPercent       float64       `json:"cutPercent" validate:"min=0,max=0.99"`
}

func orWhen(s string, d exams.When) exams.When {
	if s == "" {
		return d
	}
	return exams.When(s)
}

func (s *Server) createExam(c *fiber.Ctx) error {
	if p := mustPrincipal(c); !p.IsAdmin() && !p.Has(accounts.Instructor) && !p.Has(accounts.Coordinator) {
		return apperr.New(apperr.Forbidden, "Only instructors and coordinators can create exams.")
	}
	var req createExamRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	e := exams.Exam{ProgramID: req.ProgramID, Title: req.Title, Kind: exams.Kind(req.Kind), Exam: req.Exam, Domain: req.Domain, ItemIDs: req.ItemIDs,
		ScoredItems: req.ScoredItems, PretestItems: req.PretestItems, TimeLimit: time.Duration(req.TimeLimitMinutes) * time.Minute,
		AttemptsAllowed: req.AttemptsAllowed, ShuffleOptions: req.ShuffleOptions, CohortIDs: req.CohortIDs, CutPercent: req.CutPercent,
		Review: exams.ReviewPolicy{Responses: orWhen(req.Review.Responses, exams.AfterSubmit), Correctness: orWhen(req.Review.Correctness, exams.AfterSubmit),
			Key: orWhen(req.Review.Key, exams.AfterSubmit), Rationale: orWhen(req.Review.Rationale, exams.AfterSubmit)}}
	if req.OpensAt != nil {
		e.OpensAt = req.OpensAt.UTC()
	}
	if req.ClosesAt != nil {
		e.ClosesAt = req.ClosesAt.UTC()
	}
	out, err := s.deps.Exams.CreateExam(c.UserContext(), mustPrincipal(c), e)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(examJSON(out))
}

type deliveredOption struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// deliveredItem is a question as the student sees it: no key, no rationale, no pretest flag.
type deliveredItem struct {
	ID       string            `json:"id"`
	Type     string            `json:"type"`
	Stem     string            `json:"stem"`
	Options  []deliveredOption `json:"options"`
	Choose   int               `json:"choose"`
	Scenario string            `json:"scenario,omitempty"`
	SetID    string            `json:"setId,omitempty"`
}

type savedResponse struct {
	Choices []string `json:"choices"`
	Flagged bool     `json:"flagged"`
	Seq     int64    `json:"seq"`
}

func attemptJSON(v exams.View, withItems bool) fiber.Map {
	a := v.Attempt
	m := fiber.Map{"id": a.ID, "examId": a.ExamID, "number": a.Number, "status": a.Status, "startedAt": a.StartedAt,
		"deadline": rfc(a.Deadline), "timed": a.Timed, "serverTime": v.ServerTime.Format(time.RFC3339Nano), "position": a.Position}
	if withItems {
		items := make([]deliveredItem, len(v.Form))
		for i, q := range v.Form {
			d := deliveredItem{ID: q.QuestionID, Type: q.Type, Stem: q.Stem, Choose: q.Choose, Scenario: q.Scenario}
			if q.Scenario != "" {
				d.SetID = q.ItemID
			}
			for _, o := range q.Options {
				d.Options = append(d.Options, deliveredOption{ID: o.ID, Text: o.Text})
			}
			items[i] = d
		}
		m["items"] = items
	}
	rs := map[string]savedResponse{}
	for k, r := range v.Responses {
		rs[k] = savedResponse{Choices: r.Choices, Flagged: r.Flagged, Seq: r.Seq}
	}
	m["responses"] = rs
	if a.Score != nil {
		m["score"] = scoreJSON(*a.Score)
	}
	return m
}

func scoreJSON(sc exams.Score) fiber.Map {
	dom := func(ds []exams.DomainScore) []fiber.Map {
		out := make([]fiber.Map, len(ds))
		for i, d := range ds {
			out[i] = fiber.Map{"domain": d.Code, "correct": d.Correct, "total": d.Total}
		}
		return out
	}
	return fiber.Map{"raw": sc.Raw, "total": sc.Total, "percent": sc.Percent, "scaled": sc.Scaled, "passed": sc.Passed, "cut": sc.Cut,
		"domains": dom(sc.Domains), "subdomains": dom(sc.Subdomains)}
}

func (s *Server) startAttempt(c *fiber.Ctx) error {
	if err := s.requirePaid(c, billing.UnlockExam, c.Params("examId")); err != nil {
		return err
	}
	v, created, err := s.deps.Exams.Start(c.UserContext(), mustPrincipal(c), c.Params("examId"))
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(attemptJSON(v, true))
}

func (s *Server) getAttempt(c *fiber.Ctx) error {
	v, err := s.deps.Exams.Get(c.UserContext(), mustPrincipal(c), c.Params("attemptId"))
	if err != nil {
		return err
	}
	return c.JSON(attemptJSON(v, true))
}

type saveRequest struct {
	Choices  []string `json:"choices" validate:"max=6,dive,max=4"`
	Flagged  bool     `json:"flagged"`
	Seq      int64    `json:"seq" validate:"required,min=1"`
	Position *int     `json:"position" validate:"omitempty,min=0,max=1000"`
}

func (s *Server) saveResponse(c *fiber.Ctx) error {
	var req saveRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	r, err := s.deps.Exams.Save(c.UserContext(), mustPrincipal(c), c.Params("attemptId"), exams.SaveInput{
		QuestionID: c.Params("itemId"), Choices: req.Choices, Flagged: req.Flagged, Seq: req.Seq, Position: req.Position})
	if err != nil {
		return err
	}
	var deadline *string
	if r.Timed {
		deadline = rfc(r.Deadline)
	}
	return c.JSON(fiber.Map{"applied": r.Applied, "seq": req.Seq, "deadline": deadline, "serverTime": r.ServerTime.Format(time.RFC3339Nano)})
}

func (s *Server) submitAttempt(c *fiber.Ctx) error {
	a, err := s.deps.Exams.Submit(c.UserContext(), mustPrincipal(c), c.Params("attemptId"))
	if err != nil {
		return err
	}
	out := fiber.Map{"id": a.ID, "status": a.Status, "finishedAt": a.FinishedAt}
	if a.Score != nil {
		out["score"] = scoreJSON(*a.Score)
	}
	return c.JSON(out)
}

type extendRequest struct {
	Minutes int `json:"minutes" validate:"required,min=1,max=480"`
}

func (s *Server) extendAttempt(c *fiber.Ctx) error {
	var req extendRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	a, err := s.deps.Exams.Extend(c.UserContext(), mustPrincipal(c), c.Params("attemptId"), time.Duration(req.Minutes)*time.Minute)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": a.ID, "deadline": rfc(a.Deadline)})
}

func (s *Server) reviewAttempt(c *fiber.Ctx) error {
	a, items, err := s.deps.Exams.Review(c.UserContext(), mustPrincipal(c), c.Params("attemptId"))
	if err != nil {
		return err
	}
	out := make([]fiber.Map, len(items))
	for i, ri := range items {
		q := ri.Question
		m := fiber.Map{"id": q.QuestionID, "type": q.Type, "stem": q.Stem, "scenario": q.Scenario, "choose": q.Choose, "domain": q.Domain, "subdomain": q.Subdomain}
		opts := make([]fiber.Map, len(q.Options))
		for j, o := range q.Options {
			om := fiber.Map{"id": o.ID, "text": o.Text}
			if ri.ShowKey {
				om["correct"] = o.Correct
			}
			if ri.ShowReason {
				om["rationale"] = o.Rationale
			}
			opts[j] = om
		}
		m["options"] = opts
		if ri.Response != nil {
			m["choices"] = ri.Response.Choices
			m["flagged"] = ri.Response.Flagged
		}
		if ri.Correct != nil {
			m["correct"] = *ri.Correct
		}
		out[i] = m
	}
	body := fiber.Map{"id": a.ID, "status": a.Status, "items": out}
	if a.Score != nil {
		body["score"] = scoreJSON(*a.Score)
	}
	return c.JSON(body)
}

type accommodationRequest struct {
	StudentID    string  `json:"studentId" validate:"required,max=64"`
	ExamID       string  `json:"examId" validate:"max=64"`
	Multiplier   float64 `json:"multiplier" validate:"min=0,max=4"`
	ExtraMinutes int     `json:"extraMinutes" validate:"min=0,max=600"`
	Untimed      bool    `json:"untimed"`
}

func (s *Server) setAccommodation(c *fiber.Ctx) error {
	var req accommodationRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	a := exams.Accommodation(req)
	if err := s.deps.Exams.SetAccommodation(c.UserContext(), mustPrincipal(c), a); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) examAnalysis(c *fiber.Ctx) error {
	an, err := s.deps.Exams.Analysis(c.UserContext(), mustPrincipal(c), c.Params("examId"), c.Query("attempts") == "all")
	if err != nil {
		return err
	}
	items := make([]fiber.Map, len(an.Items))
	for i, it := range an.Items {
		flags := it.Flags
		if flags == nil {
			flags = []string{}
		}
		items[i] = fiber.Map{"questionId": it.QuestionID, "itemId": it.ItemID, "version": it.Version, "domain": it.Domain, "n": it.N,
			"facility": it.Facility, "discrimination": it.Discrimination, "pointBiserial": it.PointBiserial, "choiceRates": it.ChoiceRates, "key": it.Key, "flags": flags}
	}
	forms := make([]fiber.Map, len(an.Forms))
	for i, f := range an.Forms {
		forms[i] = fiber.Map{"questions": f.Questions, "attempts": f.Attempts, "mean": f.Mean, "sd": f.SD, "kr20": f.KR20, "sem": f.SEM}
	}
	return c.JSON(fiber.Map{"attempts": an.Attempts, "items": items, "forms": forms})
}

func (s *Server) examMonitor(c *fiber.Ctx) error {
	rows, err := s.deps.Exams.Monitor(c.UserContext(), mustPrincipal(c), c.Params("examId"))
	if err != nil {
		return err
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.Attempt.StudentID
	}
	us, err := s.deps.Accounts.UsersByIDs(c.UserContext(), ids)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, u := range us {
		names[u.ID] = u.Name
	}
	out := make([]fiber.Map, len(rows))
	for i, r := range rows {
		out[i] = fiber.Map{"attemptId": r.Attempt.ID, "student": fiber.Map{"id": r.Attempt.StudentID, "name": names[r.Attempt.StudentID]},
			"number": r.Attempt.Number, "status": r.Attempt.Status, "answered": r.Answered, "total": r.Total,
			"secondsLeft": int(r.Left / time.Second), "deadline": rfc(r.Attempt.Deadline)}
	}
	return c.JSON(fiber.Map{"items": out, "serverTime": time.Now().UTC().Format(time.RFC3339)})
}

func (s *Server) examGrades(c *fiber.Ctx) error {
	b, err := s.deps.Exams.GradesCSV(c.UserContext(), mustPrincipal(c), c.Params("examId"), s.deps.Accounts)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="grades.csv"`)
	return c.Send(b)
}

type resetRequest struct {
	Reason string `json:"reason" validate:"required,min=5,max=500"`
}

func (s *Server) resetAttempt(c *fiber.Ctx) error {
	var req resetRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	a, err := s.deps.Exams.ResetAttempt(c.UserContext(), mustPrincipal(c), c.Params("attemptId"), req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": a.ID, "status": a.Status})
}
