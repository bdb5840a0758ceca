package httpapi

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/outcomes"
)

// registerOutcomeRoutes adds the accreditation outcomes API and the public outcomes and
// survey pages; it runs before the web UI's catch-all route.
func (s *Server) registerOutcomeRoutes() {
	if s.deps.Outcomes == nil {
		return
	}
	const p = "/api/v1/programs/:id/outcomes"
	s.handle(fiber.MethodGet, p, Authenticated, s.getOutcomes)
	s.handle(fiber.MethodGet, "/api/v1/programs/:id/outcomes.csv", Authenticated, s.getOutcomesCSV)
	s.handle(fiber.MethodGet, p+"/report.pdf", Authenticated, s.getOutcomesPDF)
	s.handle(fiber.MethodGet, p+"/settings", Authenticated, s.getOutcomeSettings)
	s.handle(fiber.MethodPut, p+"/settings", Authenticated, s.putOutcomeSettings)
	s.handle(fiber.MethodGet, p+"/certifications", Authenticated, s.listResults)
	s.handle(fiber.MethodPost, p+"/certifications", Authenticated, s.recordResult)
	s.handle(fiber.MethodPost, p+"/certifications/verify", Authenticated, s.verifyResult)
	s.handle(fiber.MethodGet, p+"/employment", Authenticated, s.listEmployment)
	s.handle(fiber.MethodPost, p+"/employment", Authenticated, s.recordEmployment)
	s.handle(fiber.MethodPost, p+"/status", Authenticated, s.changeStatus)
	s.handle(fiber.MethodPost, p+"/import", Authenticated, s.importOutcomes)
	s.handle(fiber.MethodGet, p+"/surveys", Authenticated, s.listSurveys)
	s.handle(fiber.MethodPost, p+"/surveys", Authenticated, s.createSurvey)
	s.handle(fiber.MethodGet, p+"/goals", Authenticated, s.listGoals)
	s.handle(fiber.MethodPost, p+"/goals", Authenticated, s.createGoal)
	s.handle(fiber.MethodPut, p+"/goals/:goalId", Authenticated, s.updateGoal)
	s.handle(fiber.MethodDelete, p+"/goals/:goalId", Authenticated, s.deleteGoal)

	s.handle(fiber.MethodGet, "/api/v1/surveys/:token", Public, s.getSurvey)
	s.handle(fiber.MethodPost, "/api/v1/surveys/:token/responses", Public, s.respondSurvey)
	s.handle(fiber.MethodGet, "/outcomes/:programSlug", Public, s.publicOutcomesPage)
	s.handle(fiber.MethodGet, "/survey/:token", Public, s.surveyPage)
	s.handle(fiber.MethodPost, "/survey/:token", Public, s.surveyPageSubmit)
}

type figureView struct {
	Key         string   `json:"key"`
	Label       string   `json:"label"`
	Numerator   int      `json:"numerator"`
	Denominator int      `json:"denominator"`
	Value       *float64 `json:"value"`
	Pending     int      `json:"pending"`
	Excluded    int      `json:"excluded"`
	Provisional bool     `json:"provisional"`
	Definition  string   `json:"definition"`
}

func figuresJSON(fs []outcomes.Figure) []figureView {
	out := make([]figureView, len(fs))
	for i, f := range fs {
		out[i] = figureView{Key: f.Key, Label: f.Label, Numerator: f.Numerator, Denominator: f.Denominator, Value: f.Value, Pending: f.Pending,
			Excluded: f.Excluded, Provisional: f.Provisional, Definition: f.Definition}
	}
	return out
}

type yearView struct {
	Year    int          `json:"year"`
	Label   string       `json:"label"`
	Figures []figureView `json:"figures"`
}

type cohortOutcomesView struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	EntryYear int            `json:"entryYear"`
	Size      int            `json:"size"`
	ByStatus  map[string]int `json:"byStatus"`
	Figures   []figureView   `json:"figures"`
	Surveys   int            `json:"surveyResponses"`
}

type itemResultView struct {
	Item   string  `json:"item"`
	Counts [5]int  `json:"counts"`
	N      int     `json:"n"`
	Mean   float64 `json:"mean"`
	Agree  float64 `json:"agree"`
}

type surveySummaryView struct {
	Kind      string           `json:"kind"`
	Responses int              `json:"responses"`
	Items     []itemResultView `json:"items"`
}

type goalView struct {
	ID          string   `json:"id"`
	Area        string   `json:"area"`
	Title       string   `json:"title"`
	Measure     string   `json:"measure"`
	Target      float64  `json:"target"`
	Result      *float64 `json:"result"`
	Tool        string   `json:"tool"`
	Analysis    string   `json:"analysis"`
	ActionPlan  string   `json:"actionPlan"`
	Responsible string   `json:"responsible"`
	Timeframe   string   `json:"timeframe"`
	Value       *float64 `json:"value,omitempty"`
	Met         *bool    `json:"met,omitempty"`
}

func goalJSON(g outcomes.Goal) goalView {
	return goalView{ID: g.ID, Area: g.Area, Title: g.Title, Measure: g.Measure, Target: g.Target, Result: g.Result, Tool: g.Tool,
		Analysis: g.Analysis, ActionPlan: g.ActionPlan, Responsible: g.Responsible, Timeframe: g.Timeframe}
}

type outcomesView struct {
	Program struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Slug string `json:"slug"`
	} `json:"program"`
	Year         int                     `json:"year"`
	Label        string                  `json:"label"`
	From         string                  `json:"from"`
	To           string                  `json:"to"`
	AsOf         string                  `json:"asOf"`
	NormalMonths int                     `json:"normalMonths"`
	Students     int                     `json:"students"`
	Unverified   int                     `json:"unverifiedResults"`
	Figures      []figureView            `json:"figures"`
	Trends       []yearView              `json:"trends"`
	Cohorts      []cohortOutcomesView    `json:"cohorts"`
	Surveys      []surveySummaryView     `json:"surveys"`
	Readiness    []outcomes.ReadinessRow `json:"readiness"`
	Goals        []goalView              `json:"goals"`
	Coverage     outcomes.Coverage       `json:"coverage"`
	Tables       []string                `json:"tables"`
	Links        map[string]string       `json:"links"`
}

func outcomesJSON(r outcomes.Report) outcomesView {
	var v outcomesView
	v.Program.ID, v.Program.Name, v.Program.Slug = r.Program.ID, r.Program.Name, r.Program.Slug
	v.Year, v.Label, v.From, v.To, v.AsOf = r.Period.Year, r.Period.Label(), r.Period.From.Format(outcomes.DateLayout), r.Period.To.Format(outcomes.DateLayout), r.AsOf.Format(outcomes.DateLayout)
	v.NormalMonths, v.Students, v.Unverified = r.NormalMonths, r.Students, r.Unverified
	v.Figures = figuresJSON(r.Figures)
	for _, y := range r.Trends {
		v.Trends = append(v.Trends, yearView{Year: y.Year, Label: outcomes.Period{Year: y.Year}.Label(), Figures: figuresJSON(y.Figures)})
	}
	v.Cohorts = []cohortOutcomesView{}
	for _, c := range r.Cohorts {
		cv := cohortOutcomesView{ID: c.ID, Name: c.Name, EntryYear: c.EntryYear, Size: c.Size, ByStatus: map[string]int{}, Figures: figuresJSON(c.Figures), Surveys: c.SurveyCount}
		for st, n := range c.ByStatus {
			cv.ByStatus[string(st)] = n
		}
		v.Cohorts = append(v.Cohorts, cv)
	}
	for _, s := range r.Surveys {
		sv := surveySummaryView{Kind: string(s.Kind), Responses: s.Responses}
		for _, it := range s.Items {
			sv.Items = append(sv.Items, itemResultView(it))
		}
		v.Surveys = append(v.Surveys, sv)
	}
	v.Readiness = r.Readiness // null unless asked for with ?readiness=true
	v.Goals = []goalView{}
	for _, g := range r.Goals {
		gv := goalJSON(g.Goal)
		gv.Value, gv.Met = g.Value, g.Met
		v.Goals = append(v.Goals, gv)
	}
	v.Coverage = r.Coverage
	v.Tables = outcomes.Tables
	base := "/api/v1/programs/" + r.Program.ID + "/outcomes"
	y := strconv.Itoa(r.Period.Year)
	v.Links = map[string]string{"pdf": base + "/report.pdf?year=" + y, "public": "/outcomes/" + r.Program.Slug}
	for _, t := range outcomes.Tables {
		v.Links[t] = base + ".csv?year=" + y + "&table=" + t
	}
	return v
}

func queryYear(c *fiber.Ctx) (int, error) {
	q := c.Query("year")
	if q == "" {
		return 0, nil
	}
	y, err := strconv.Atoi(q)
	if err != nil || !outcomes.ValidYear(y) {
		return 0, apperr.Field("year", "must be a reporting year YYYY (the year its 31 July falls in)")
	}
	return y, nil
}

// report computes the report the request asks for; readiness (a scan of the exams'
// attempts) only with ?readiness=true, and always for the PDF and the readiness table.
func (s *Server) report(c *fiber.Ctx, withReadiness bool) (outcomes.Report, error) {
	y, err := queryYear(c)
	if err != nil {
		return outcomes.Report{}, err
	}
	return s.deps.Outcomes.Report(c.UserContext(), mustPrincipal(c), c.Params("id"), y, withReadiness || c.QueryBool("readiness"))
}

func (s *Server) getOutcomes(c *fiber.Ctx) error {
	if strings.Contains(c.Get(fiber.HeaderAccept), "text/csv") {
		return s.getOutcomesCSV(c)
	}
	rep, err := s.report(c, false)
	if err != nil {
		return err
	}
	return c.JSON(outcomesJSON(rep))
}

func (s *Server) getOutcomesCSV(c *fiber.Ctx) error {
	table := c.Query("table", "figures")
	if !slices.Contains(outcomes.Tables, table) {
		return apperr.Field("table", "must be one of "+strings.Join(outcomes.Tables, ", "))
	}
	rep, err := s.report(c, table == "readiness")
	if err != nil {
		return err
	}
	rows, _ := rep.Table(table)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.WriteAll(rows)
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+rep.Program.Slug+"-"+table+"-"+rep.Period.Label()+`.csv"`)
	return c.Send(buf.Bytes())
}

func (s *Server) getOutcomesPDF(c *fiber.Ctx) error {
	rep, err := s.report(c, true)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := rep.WritePDF(&buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+rep.Program.Slug+"-outcomes-"+rep.Period.Label()+`.pdf"`)
	return c.Send(buf.Bytes())
}

type settingsView struct {
	NormalMonths  int      `json:"normalMonths"`
	PublicFigures []string `json:"publicFigures"`
	AlwaysPublic  []string `json:"alwaysPublic"`
	FigureKeys    []string `json:"figureKeys"`
}

func settingsJSON(st outcomes.Settings) settingsView {
	pf := st.PublicFigures
	if pf == nil {
		pf = []string{}
	}
	return settingsView{NormalMonths: st.NormalMonths, PublicFigures: pf, AlwaysPublic: outcomes.AlwaysPublic, FigureKeys: outcomes.FigureKeys}
}

func (s *Server) getOutcomeSettings(c *fiber.Ctx) error {
	st, err := s.deps.Outcomes.Settings(c.UserContext(), mustPrincipal(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(settingsJSON(st))
}

type settingsRequest struct {
	NormalMonths  int      `json:"normalMonths" validate:"required,min=6,max=96"`
	PublicFigures []string `json:"publicFigures" validate:"max=20,dive,max=40"`
}

// authorizeOutcomes checks access before a handler reads the body, so a caller without
// access learns nothing from validation messages.
func (s *Server) authorizeOutcomes(c *fiber.Ctx, manage bool) error {
	return s.deps.Outcomes.Authorize(c.UserContext(), mustPrincipal(c), c.Params("id"), manage)
}

func (s *Server) putOutcomeSettings(c *fiber.Ctx) error {
	if err := s.authorizeOutcomes(c, true); err != nil {
		return err
	}
	var req settingsRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	st, err := s.deps.Outcomes.SaveSettings(c.UserContext(), mustPrincipal(c), c.Params("id"), outcomes.Settings{NormalMonths: req.NormalMonths, PublicFigures: req.PublicFigures})
	if err != nil {
		return err
	}
	return c.JSON(settingsJSON(st))
}

func parseDate(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(outcomes.DateLayout, v)
	if err != nil {
		return time.Time{}, apperr.Field(field, "must be a date YYYY-MM-DD")
	}
	return t, nil
}
