package httpapi

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
)

// me returns the caller with roles, programs (as staff or student) and enrollments.
func (s *Server) me(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := mustPrincipal(c)
	u, err := s.deps.Accounts.User(ctx, p.UserID)
	if err != nil {
		return err
	}
	progs, err := s.deps.Programs.Programs(ctx, p)
	if err != nil {
		return err
	}
	ens, err := s.deps.Programs.MyEnrollments(ctx, p)
	if err != nil {
		return err
	}
	type programRef struct {
		ID   string `json:"id"`
		Slug string `json:"slug"`
		Name string `json:"name"`
		Role string `json:"role"`
	}
	refs := []programRef{}
	names := map[string]string{}
	for _, pr := range progs {
		names[pr.ID] = pr.Name
		role := "student"
		if r, ok := pr.StaffRoleOf(p.UserID); ok {
			role = string(r)
		} else if p.IsAdmin() {
			role = "admin"
		}
		refs = append(refs, programRef{ID: pr.ID, Slug: pr.Slug, Name: pr.Name, Role: role})
	}
	envs := []enrollmentView{}
	for _, e := range ens {
		cohortName := ""
		if cs, err := s.deps.Programs.Cohorts(ctx, p, e.ProgramID); err == nil {
			for _, co := range cs {
				if co.ID == e.CohortID {
					cohortName = co.Name
				}
			}
		}
		v := enrollmentJSON(e, cohortName)
		v.ProgramName = names[e.ProgramID]
		envs = append(envs, v)
	}
	return c.JSON(fiber.Map{"user": userJSON(u), "csrfToken": p.CSRFToken, "expiresAt": p.ExpiresAt, "programs": refs, "enrollments": envs})
}

type createUserRequest struct {
	Email    string   `json:"email" validate:"required,email,max=254"`
	Name     string   `json:"name" validate:"required,max=200"`
	Roles    []string `json:"roles" validate:"required,min=1,dive,oneof=student instructor coordinator admin"`
	Password string   `json:"password" validate:"omitempty,min=12,max=256"`
}

func (s *Server) createUser(c *fiber.Ctx) error {
	p := mustPrincipal(c)
	if !p.IsAdmin() && !p.Has(accounts.Coordinator) {
		return apperr.New(apperr.Forbidden, "Only admins and coordinators can create accounts.")
	}
	var req createUserRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	roles := make([]accounts.Role, len(req.Roles))
	for i, r := range req.Roles {
		roles[i] = accounts.Role(r)
	}
	u, generated, err := s.deps.Accounts.CreateUser(c.UserContext(), p, accounts.NewUser{Email: req.Email, Name: req.Name, Roles: roles, Password: req.Password})
	if err != nil {
		return err
	}
	out := fiber.Map{"user": userJSON(u)}
	if generated != "" {
		out["generatedPassword"] = generated
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

// listUsers lists users: everyone for admins; for coordinators the students of their programs.
func (s *Server) listUsers(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := mustPrincipal(c)
	f := accounts.UserFilter{Query: strings.TrimSpace(c.Query("q")), Cursor: c.Query("cursor"), Limit: c.QueryInt("limit", 50)}
	if r := c.Query("role"); r != "" {
		role, ok := accounts.ParseRole(r)
		if !ok {
			return apperr.Field("role", "must be student, instructor, coordinator or admin")
		}
		f.Role = role
	}
	if len(f.Query) > 100 {
		return apperr.Field("q", "must be at most 100 characters")
	}
	var (
		users []accounts.User
		next  string
		err   error
	)
	switch {
	case p.IsAdmin():
		users, next, err = s.deps.Accounts.ListUsers(ctx, p, f)
	case p.Has(accounts.Coordinator):
		f.IDs, err = s.deps.Programs.ManagedStudentIDs(ctx, p)
		if err == nil {
			users, next, err = s.deps.Accounts.List(ctx, f)
		}
	default:
		err = apperr.New(apperr.Forbidden, "Only admins and coordinators can list users.")
	}
	if err != nil {
		return err
	}
	views := make([]userView, len(users))
	for i, u := range users {
		views[i] = userJSON(u)
	}
	return c.JSON(list(views, next))
}

func (s *Server) listAudit(c *fiber.Ctx) error {
	p := mustPrincipal(c)
	if !p.IsAdmin() {
		return apperr.New(apperr.Forbidden, "Only an admin can read the audit log.")
	}
	es, err := s.deps.Audit.List(c.UserContext(), auditFilter(c))
	if err != nil {
		return err
	}
	type entryView struct {
		ID      string            `json:"id"`
		At      string            `json:"at"`
		ActorID string            `json:"actorId"`
		Action  string            `json:"action"`
		Subject string            `json:"subject"`
		IP      string            `json:"ip,omitempty"`
		Details map[string]string `json:"details,omitempty"`
	}
	out := make([]entryView, len(es))
	for i, e := range es {
		out[i] = entryView{ID: e.ID, At: e.At.Format("2006-01-02T15:04:05.000Z07:00"), ActorID: e.ActorID, Action: e.Action, Subject: e.Subject, IP: e.IP, Details: e.Details}
	}
	return c.JSON(list(out, ""))
}

func auditFilter(c *fiber.Ctx) audit.Filter {
	return audit.Filter{Subject: c.Query("subject"), ActorID: c.Query("actorId"), Action: c.Query("action"), Limit: c.QueryInt("limit", 100)}
}
