package programs

import (
	"context"
	"strings"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/csvimport"
)

// Store is the persistence the programs service needs.
type Store interface {
	CreateInstitution(ctx context.Context, in *Institution) error
	ListInstitutions(ctx context.Context) ([]Institution, error)
	InstitutionByID(ctx context.Context, id string) (Institution, error)

	// CreateProgram returns apperr.Conflict when the slug is taken.
	CreateProgram(ctx context.Context, p *Program) error
	ProgramByID(ctx context.Context, id string) (Program, error)
	ProgramBySlug(ctx context.Context, slug string) (Program, error)
	// ListPrograms returns all programs when staffUserID and ids are empty, else the
	// programs where the user is staff or whose id is in ids.
	ListPrograms(ctx context.Context, staffUserID string, ids []string) ([]Program, error)
	SetStaff(ctx context.Context, programID string, staff []StaffMember) error

	// CreateCohort returns apperr.Conflict when the program has a cohort of that name.
	CreateCohort(ctx context.Context, c *Cohort) error
	CohortsByProgram(ctx context.Context, programID string) ([]Cohort, error)

	// CreateEnrollment returns apperr.Conflict when the student is already enrolled.
	CreateEnrollment(ctx context.Context, e *Enrollment) error
	EnrollmentsByProgram(ctx context.Context, f EnrollmentFilter) ([]Enrollment, string, error)
	EnrollmentsByStudent(ctx context.Context, studentID string) ([]Enrollment, error)
	EnrollmentByStudent(ctx context.Context, programID, studentID string) (Enrollment, error)
	CountEnrollments(ctx context.Context, programID string) (map[Status]int, error)
	DeleteEnrollmentsByImport(ctx context.Context, importID string) error
}

// Users is what the programs service needs from accounts.
type Users interface {
	CreateUser(ctx context.Context, actor accounts.Principal, n accounts.NewUser) (accounts.User, string, error)
	UserByEmail(ctx context.Context, email string) (accounts.User, error)
	UsersByIDs(ctx context.Context, ids []string) ([]accounts.User, error)
}

// EnrollmentFilter selects a page of a program's enrollments.
type EnrollmentFilter struct {
	ProgramID string
	CohortID  string
	Status    Status
	Cursor    string
	Limit     int
}

// Service implements programs, cohorts and enrollments with their access rules.
type Service struct {
	store Store
	users Users
	audit *audit.Log
	now   func() time.Time
}

// NewService returns a Service; now defaults to time.Now.
func NewService(store Store, users Users, log *audit.Log, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, users: users, audit: log, now: now}
}

// CanView reports whether p may see program pr: admins, its staff, and its students.
func (s *Service) CanView(ctx context.Context, p accounts.Principal, pr Program) (bool, error) {
	if p.IsAdmin() {
		return true, nil
	}
	if _, ok := pr.StaffRoleOf(p.UserID); ok {
		return true, nil
	}
	_, err := s.store.EnrollmentByStudent(ctx, pr.ID, p.UserID)
	if apperr.Is(err, apperr.NotFound) {
		return false, nil
	}
	return err == nil, err
}

// CanManage reports whether p may change program pr: admins and its coordinators.
func CanManage(p accounts.Principal, pr Program) bool {
	if p.IsAdmin() {
		return true
	}
	r, ok := pr.StaffRoleOf(p.UserID)
	return ok && r == CoordinatorRole && p.Has(accounts.Coordinator)
}

// IsStaff reports whether p teaches in or coordinates pr (admins count).
func IsStaff(p accounts.Principal, pr Program) bool {
	if p.IsAdmin() {
		return true
	}
	_, ok := pr.StaffRoleOf(p.UserID)
	return ok
}

// Program returns the program with id if p may see it. A program the caller may not see
// is reported as not found, so its existence does not leak.
func (s *Service) Program(ctx context.Context, p accounts.Principal, id string) (Program, error) {
	pr, err := s.store.ProgramByID(ctx, id)
	if err != nil {
		return Program{}, err
	}
	ok, err := s.CanView(ctx, p, pr)
	if err != nil {
		return Program{}, err
	}
	if !ok {
		return Program{}, apperr.New(apperr.NotFound, "No such program.")
	}
	return pr, nil
}

// ProgramBySlug returns a program by slug without an access check (public pages).
func (s *Service) ProgramBySlug(ctx context.Context, slug string) (Program, error) {
	return s.store.ProgramBySlug(ctx, slug)
}

func (s *Service) managed(ctx context.Context, p accounts.Principal, id string) (Program, error) {
	pr, err := s.Program(ctx, p, id)
	if err != nil {
		return Program{}, err
	}
	if !CanManage(p, pr) {
		return Program{}, apperr.New(apperr.Forbidden, "Only the program's coordinators can change it.")
	}
	return pr, nil
}

// Programs lists the programs p may see: all for admins; for others the ones where they are
// staff or enrolled.
func (s *Service) Programs(ctx context.Context, p accounts.Principal) ([]Program, error) {
	if p.IsAdmin() {
		return s.store.ListPrograms(ctx, "", nil)
	}
	ens, err := s.store.EnrollmentsByStudent(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(ens))
	for _, e := range ens {
		ids = append(ids, e.ProgramID)
	}
	return s.store.ListPrograms(ctx, p.UserID, ids)
}

// CreateInstitution adds an institution (admins only).
func (s *Service) CreateInstitution(ctx context.Context, p accounts.Principal, name string) (Institution, error) {
	if !p.IsAdmin() {
		return Institution{}, apperr.New(apperr.Forbidden, "Only an admin can add institutions.")
	}
	in := Institution{Name: strings.TrimSpace(name), CreatedAt: s.now().UTC()}
	if in.Name == "" || len(in.Name) > 200 {
		return Institution{}, apperr.Field("name", "is required (at most 200 characters)")
	}
	if err := s.store.CreateInstitution(ctx, &in); err != nil {
		return Institution{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "institution.create", Subject: "institution:" + in.ID})
	return in, nil
}

// Institutions lists institutions (admins only).
func (s *Service) Institutions(ctx context.Context, p accounts.Principal) ([]Institution, error) {
	if !p.IsAdmin() {
		return nil, apperr.New(apperr.Forbidden, "Only an admin can list institutions.")
	}
	return s.store.ListInstitutions(ctx)
}

// CreateProgram adds a program (admins only).
func (s *Service) CreateProgram(ctx context.Context, p accounts.Principal, pr Program) (Program, error) {
	if !p.IsAdmin() {
		return Program{}, apperr.New(apperr.Forbidden, "Only an admin can add programs.")
	}
	if err := pr.Validate(); err != nil {
		return Program{}, err
	}
	in, err := s.store.InstitutionByID(ctx, pr.InstitutionID)
	if apperr.Is(err, apperr.NotFound) {
		return Program{}, apperr.Field("institutionId", "no such institution")
	} else if err != nil {
		return Program{}, err
	}
	pr.InstitutionName = in.Name
	pr.CreatedAt = s.now().UTC()
	if err := s.store.CreateProgram(ctx, &pr); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return Program{}, &apperr.Error{Kind: apperr.Conflict, Message: "A program with this slug exists.", Fields: []apperr.FieldError{{Field: "slug", Message: "is taken"}}}
		}
		return Program{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "program.create", Subject: "program:" + pr.ID})
	return pr, nil
}

// AssignStaff adds or changes a user's role in a program (admins only).
func (s *Service) AssignStaff(ctx context.Context, p accounts.Principal, programID, userID string, role StaffRole) (Program, error) {
	if !p.IsAdmin() {
		return Program{}, apperr.New(apperr.Forbidden, "Only an admin can assign program staff.")
	}
	if role != CoordinatorRole && role != InstructorRole {
		return Program{}, apperr.Field("role", "must be coordinator or instructor")
	}
	pr, err := s.store.ProgramByID(ctx, programID)
	if err != nil {
		return Program{}, err
	}
	us, err := s.users.UsersByIDs(ctx, []string{userID})
	if err != nil {
		return Program{}, err
	}
	if len(us) == 0 {
		return Program{}, apperr.Field("userId", "no such user")
	}
	staff := make([]StaffMember, 0, len(pr.Staff)+1)
	for _, m := range pr.Staff {
		if m.UserID != userID {
			staff = append(staff, m)
		}
	}
	staff = append(staff, StaffMember{UserID: userID, Role: role})
	if err := s.store.SetStaff(ctx, pr.ID, staff); err != nil {
		return Program{}, err
	}
	pr.Staff = staff
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "program.staff_assign", Subject: "program:" + pr.ID, Details: map[string]string{"userId": userID, "role": string(role)}})
	return pr, nil
}

// Cohorts lists a program's cohorts.
func (s *Service) Cohorts(ctx context.Context, p accounts.Principal, programID string) ([]Cohort, error) {
	if _, err := s.Program(ctx, p, programID); err != nil {
		return nil, err
	}
	return s.store.CohortsByProgram(ctx, programID)
}

// CreateCohort adds a cohort to a program the caller manages.
func (s *Service) CreateCohort(ctx context.Context, p accounts.Principal, programID, name string, entryYear int) (Cohort, error) {
	pr, err := s.managed(ctx, p, programID)
	if err != nil {
		return Cohort{}, err
	}
	c := Cohort{ProgramID: pr.ID, Name: strings.TrimSpace(name), EntryYear: entryYear, CreatedAt: s.now().UTC()}
	if err := c.Validate(); err != nil {
		return Cohort{}, err
	}
	if err := s.store.CreateCohort(ctx, &c); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return Cohort{}, &apperr.Error{Kind: apperr.Conflict, Message: "The program already has a cohort with this name.", Fields: []apperr.FieldError{{Field: "name", Message: "is taken"}}}
		}
		return Cohort{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "cohort.create", Subject: "program:" + pr.ID, Details: map[string]string{"cohortId": c.ID, "name": c.Name}})
	return c, nil
}

// Counts returns the number of enrollments of a program by status.
func (s *Service) Counts(ctx context.Context, p accounts.Principal, programID string) (map[Status]int, error) {
	if _, err := s.Program(ctx, p, programID); err != nil {
		return nil, err
	}
	return s.store.CountEnrollments(ctx, programID)
}

// EnrollmentView is an enrollment with its student's name and email.
type EnrollmentView struct {
	Enrollment
	Student accounts.User
}

// Enrollments lists a page of a program's enrollments; staff only.
func (s *Service) Enrollments(ctx context.Context, p accounts.Principal, f EnrollmentFilter) ([]EnrollmentView, string, error) {
	pr, err := s.Program(ctx, p, f.ProgramID)
	if err != nil {
		return nil, "", err
	}
	if !IsStaff(p, pr) {
		return nil, "", apperr.New(apperr.Forbidden, "Only program staff can list enrollments.")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	ens, next, err := s.store.EnrollmentsByProgram(ctx, f)
	if err != nil {
		return nil, "", err
	}
	return s.withStudents(ctx, ens, next)
}

func (s *Service) withStudents(ctx context.Context, ens []Enrollment, next string) ([]EnrollmentView, string, error) {
	ids := make([]string, len(ens))
	for i, e := range ens {
		ids[i] = e.StudentID
	}
	us, err := s.users.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, "", err
	}
	byID := make(map[string]accounts.User, len(us))
	for _, u := range us {
		byID[u.ID] = u
	}
	out := make([]EnrollmentView, len(ens))
	for i, e := range ens {
		out[i] = EnrollmentView{Enrollment: e, Student: byID[e.StudentID]}
	}
	return out, next, nil
}

// ManagedStudentIDs returns the ids of every student enrolled in a program the caller
// manages (coordinators: their own programs; admins: all).
func (s *Service) ManagedStudentIDs(ctx context.Context, p accounts.Principal) ([]string, error) {
	progs, err := s.Programs(ctx, p)
	if err != nil {
		return nil, err
	}
	ids := []string{}
	for _, pr := range progs {
		if !CanManage(p, pr) {
			continue
		}
		cursor := ""
		for {
			page, next, err := s.store.EnrollmentsByProgram(ctx, EnrollmentFilter{ProgramID: pr.ID, Cursor: cursor, Limit: 200})
			if err != nil {
				return nil, err
			}
			for _, e := range page {
				ids = append(ids, e.StudentID)
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	return ids, nil
}

// EnrollmentsOf returns a student's enrollments without an access check, for services that
// decide access themselves (is the caller staff of one of these programs?).
func (s *Service) EnrollmentsOf(ctx context.Context, studentID string) ([]Enrollment, error) {
	return s.store.EnrollmentsByStudent(ctx, studentID)
}

// MyEnrollments returns the caller's own enrollments.
func (s *Service) MyEnrollments(ctx context.Context, p accounts.Principal) ([]Enrollment, error) {
	return s.store.EnrollmentsByStudent(ctx, p.UserID)
}

// EnrollRequest enrolls a student by email, creating the account when it does not exist.
type EnrollRequest struct {
	Email     string
	Name      string
	CohortID  string
	StartDate time.Time
}

// Enroll enrolls one student in a program the caller manages. It returns the generated
// password when it created the student's account.
func (s *Service) Enroll(ctx context.Context, p accounts.Principal, programID string, r EnrollRequest) (EnrollmentView, string, error) {
	pr, err := s.managed(ctx, p, programID)
	if err != nil {
		return EnrollmentView{}, "", err
	}
	cohorts, err := s.store.CohortsByProgram(ctx, pr.ID)
	if err != nil {
		return EnrollmentView{}, "", err
	}
	if !hasCohort(cohorts, r.CohortID) {
		return EnrollmentView{}, "", apperr.Field("cohortId", "no such cohort in this program")
	}
	u, generated, err := s.findOrCreateStudent(ctx, p, r.Email, r.Name)
	if err != nil {
		return EnrollmentView{}, "", err
	}
	e, err := s.enroll(ctx, p, pr.ID, r.CohortID, u.ID, r.StartDate, "")
	if err != nil {
		return EnrollmentView{}, "", err
	}
	return EnrollmentView{Enrollment: e, Student: u}, generated, nil
}

func (s *Service) enroll(ctx context.Context, p accounts.Principal, programID, cohortID, studentID string, start time.Time, importID string) (Enrollment, error) {
	now := s.now().UTC()
	e := Enrollment{
		ProgramID: programID, CohortID: cohortID, StudentID: studentID, Status: Active,
		StartDate: start, ImportID: importID, CreatedAt: now,
		History: []StatusChange{{Status: Active, On: start, By: p.UserID, At: now}},
	}
	if err := e.Validate(); err != nil {
		return Enrollment{}, err
	}
	if err := s.store.CreateEnrollment(ctx, &e); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return Enrollment{}, &apperr.Error{Kind: apperr.Conflict, Message: "The student is already enrolled in this program.", Fields: []apperr.FieldError{{Field: "email", Message: "already enrolled"}}}
		}
		return Enrollment{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "enrollment.create", Subject: "program:" + programID, Details: map[string]string{"studentId": studentID, "cohortId": cohortID, "importId": importID}})
	return e, nil
}

func (s *Service) findOrCreateStudent(ctx context.Context, p accounts.Principal, email, name string) (accounts.User, string, error) {
	u, err := s.users.UserByEmail(ctx, email)
	if err == nil {
		return u, "", nil
	}
	if !apperr.Is(err, apperr.NotFound) {
		return accounts.User{}, "", err
	}
	return s.users.CreateUser(ctx, p, accounts.NewUser{Email: email, Name: name, Roles: []accounts.Role{accounts.Student}})
}

func hasCohort(cs []Cohort, id string) bool {
	for _, c := range cs {
		if c.ID == id {
			return true
		}
	}
	return false
}

func cohortByName(cs []Cohort, name string) (Cohort, bool) {
	for _, c := range cs {
		if strings.EqualFold(c.Name, strings.TrimSpace(name)) {
			return c, true
		}
	}
	return Cohort{}, false
}

func rowField(row int, field string) string { return csvimport.Field(row, field) }
