package httpapi

import (
	"bytes"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/programs"
)

func (s *Server) listPrograms(c *fiber.Ctx) error {
	progs, err := s.deps.Programs.Programs(c.UserContext(), mustPrincipal(c))
	if err != nil {
		return err
	}
	out := make([]programView, len(progs))
	for i, p := range progs {
		out[i] = programJSON(p)
	}
	return c.JSON(list(out, ""))
}

func (s *Server) getProgram(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := mustPrincipal(c)
	pr, err := s.deps.Programs.Program(ctx, p, c.Params("id"))
	if err != nil {
		return err
	}
	v := programJSON(pr)
	cs, err := s.deps.Programs.Cohorts(ctx, p, pr.ID)
	if err != nil {
		return err
	}
	v.Cohorts = []cohortView{}
	for _, co := range cs {
		v.Cohorts = append(v.Cohorts, cohortJSON(co))
	}
	if programs.IsStaff(p, pr) {
		counts, err := s.deps.Programs.Counts(ctx, p, pr.ID)
		if err != nil {
			return err
		}
		cv := &countsView{ByStatus: map[string]int{}}
		for st, n := range counts {
			cv.ByStatus[string(st)] = n
			cv.Total += n
		}
		cv.Active = counts[programs.Active]
		v.Counts = cv
		for _, m := range pr.Staff {
			v.Staff = append(v.Staff, staffView{UserID: m.UserID, Role: string(m.Role)})
		}
	}
	return c.JSON(v)
}

type createInstitutionRequest struct {
	Name string `json:"name" validate:"required,max=200"`
}

func (s *Server) createInstitution(c *fiber.Ctx) error {
	p := mustPrincipal(c)
	if !p.IsAdmin() {
		return apperr.New(apperr.Forbidden, "Only an admin can add institutions.")
	}
	var req createInstitutionRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	in, err := s.deps.Programs.CreateInstitution(c.UserContext(), p, req.Name)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(institutionView{ID: in.ID, Name: in.Name})
}

func (s *Server) listInstitutions(c *fiber.Ctx) error {
	ins, err := s.deps.Programs.Institutions(c.UserContext(), mustPrincipal(c))
	if err != nil {
		return err
	}
	out := make([]institutionView, len(ins))
	for i, in := range ins {
		out[i] = institutionView{ID: in.ID, Name: in.Name}
	}
	return c.JSON(list(out, ""))
}

type createProgramRequest struct {
	InstitutionID   string `json:"institutionId" validate:"required,max=64"`
	Slug            string `json:"slug" validate:"required,max=80"`
	Name            string `json:"name" validate:"required,max=200"`
	Credential      string `json:"credential" validate:"required,max=20"`
	AccreditationID string `json:"accreditationId" validate:"max=50"`
}

func (s *Server) createProgram(c *fiber.Ctx) error {
	p := mustPrincipal(c)
	if !p.IsAdmin() {
		return apperr.New(apperr.Forbidden, "Only an admin can add programs.")
	}
	var req createProgramRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	pr, err := s.deps.Programs.CreateProgram(c.UserContext(), p, programs.Program{
		InstitutionID: req.InstitutionID, Slug: req.Slug, Name: req.Name, Credential: req.Credential, AccreditationID: req.AccreditationID,
	})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(programJSON(pr))
}

type assignStaffRequest struct {
	UserID string `json:"userId" validate:"required,max=64"`
	Role   string `json:"role" validate:"required,oneof=coordinator instructor"`
}

func (s *Server) assignStaff(c *fiber.Ctx) error {
	p := mustPrincipal(c)
	if !p.IsAdmin() {
		return apperr.New(apperr.Forbidden, "Only an admin can assign program staff.")
	}
	var req assignStaffRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	pr, err := s.deps.Programs.AssignStaff(c.UserContext(), p, c.Params("id"), req.UserID, programs.StaffRole(req.Role))
	if err != nil {
		return err
	}
	v := programJSON(pr)
	for _, m := range pr.Staff {
		v.Staff = append(v.Staff, staffView{UserID: m.UserID, Role: string(m.Role)})
	}
	return c.JSON(v)
}

func (s *Server) listCohorts(c *fiber.Ctx) error {
	cs, err := s.deps.Programs.Cohorts(c.UserContext(), mustPrincipal(c), c.Params("id"))
	if err != nil {
		return err
	}
	out := make([]cohortView, len(cs))
	for i, co := range cs {
		out[i] = cohortJSON(co)
	}
	return c.JSON(list(out, ""))
}

type createCohortRequest struct {
	Name      string `json:"name" validate:"required,max=100"`
	EntryYear int    `json:"entryYear" validate:"required,min=1990,max=2100"`
}

func (s *Server) createCohort(c *fiber.Ctx) error {
	p := mustPrincipal(c)
	// Authorize before looking at the body, so that a caller without access learns nothing.
	if _, err := s.managedProgram(c); err != nil {
		return err
	}
	var req createCohortRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	co, err := s.deps.Programs.CreateCohort(c.UserContext(), p, c.Params("id"), req.Name, req.EntryYear)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cohortJSON(co))
}

func (s *Server) managedProgram(c *fiber.Ctx) (programs.Program, error) {
	p := mustPrincipal(c)
	pr, err := s.deps.Programs.Program(c.UserContext(), p, c.Params("id"))
	if err != nil {
		return programs.Program{}, err
	}
	if !programs.CanManage(p, pr) {
		return programs.Program{}, apperr.New(apperr.Forbidden, "Only the program's coordinators can change it.")
	}
	return pr, nil
}

func (s *Server) listEnrollments(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := mustPrincipal(c)
	f := programs.EnrollmentFilter{ProgramID: c.Params("id"), CohortID: c.Query("cohortId"), Cursor: c.Query("cursor"), Limit: c.QueryInt("limit", 50)}
	if st := c.Query("status"); st != "" {
		f.Status = programs.Status(st)
		if !validStatus(f.Status) {
			return apperr.Field("status", "must be active, withdrawn, transferred or graduated")
		}
	}
	rows, next, err := s.deps.Programs.Enrollments(ctx, p, f)
	if err != nil {
		return err
	}
	cs, err := s.deps.Programs.Cohorts(ctx, p, f.ProgramID)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, co := range cs {
		names[co.ID] = co.Name
	}
	out := make([]enrollmentView, len(rows))
	for i, r := range rows {
		out[i] = enrollmentJSON(r.Enrollment, names[r.CohortID])
		out[i].Student = &studentRef{ID: r.Student.ID, Name: r.Student.Name, Email: r.Student.Email}
	}
	return c.JSON(list(out, next))
}

func validStatus(s programs.Status) bool {
	for _, x := range programs.Statuses {
		if x == s {
			return true
		}
	}
	return false
}

type enrollRequest struct {
	Email     string `json:"email" validate:"required,email,max=254"`
	Name      string `json:"name" validate:"required,max=200"`
	CohortID  string `json:"cohortId" validate:"required,max=64"`
	StartDate string `json:"startDate" validate:"required,datetime=2006-01-02"`
}

func (s *Server) enroll(c *fiber.Ctx) error {
	p := mustPrincipal(c)
	if _, err := s.managedProgram(c); err != nil {
		return err
	}
	var req enrollRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	start, _ := time.Parse("2006-01-02", req.StartDate)
	v, generated, err := s.deps.Programs.Enroll(c.UserContext(), p, c.Params("id"), programs.EnrollRequest{Email: req.Email, Name: req.Name, CohortID: req.CohortID, StartDate: start})
	if err != nil {
		return err
	}
	cs, _ := s.deps.Programs.Cohorts(c.UserContext(), p, v.ProgramID)
	name := ""
	for _, co := range cs {
		if co.ID == v.CohortID {
			name = co.Name
		}
	}
	out := enrollmentJSON(v.Enrollment, name)
	out.Student = &studentRef{ID: v.Student.ID, Name: v.Student.Name, Email: v.Student.Email}
	body := fiber.Map{"enrollment": out}
	if generated != "" {
		body["generatedPassword"] = generated
	}
	return c.Status(fiber.StatusCreated).JSON(body)
}

// importEnrollments takes a CSV body (text/csv) of students and enrolls them all or none.
func (s *Server) importEnrollments(c *fiber.Ctx) error {
	p := mustPrincipal(c)
	if _, err := s.managedProgram(c); err != nil {
		return err
	}
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	if !strings.HasPrefix(ct, "text/csv") && !strings.HasPrefix(ct, "text/plain") {
		return apperr.Field("Content-Type", "must be text/csv")
	}
	// Fiber reuses the body buffer after the handler returns; the import finishes within it.
	res, err := s.deps.Programs.ImportStudents(c.UserContext(), p, c.Params("id"), bytes.NewReader(c.Body()), s.deps.Accounts)
	if err != nil {
		return err
	}
	pw := make([]fiber.Map, len(res.Passwords))
	for i, g := range res.Passwords {
		pw[i] = fiber.Map{"email": g.Email, "password": g.Password}
	}
	return c.JSON(fiber.Map{"importId": res.ImportID, "created": res.Created, "enrolled": res.Enrolled, "unchanged": res.Unchanged, "generatedPasswords": pw})
}
