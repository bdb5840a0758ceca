package httpapi

import (
	"bytes"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/classroom"
	"github.com/chartroom-him/chartroom/internal/realtime"
)

// classroomRoutes registers the live classroom: sections, sessions, attendance, polls and
// the room's WebSocket.
func (s *Server) classroomRoutes(v1 string) {
	s.handle(fiber.MethodGet, v1+"/sections", Authenticated, s.listSections)
	s.handle(fiber.MethodPost, v1+"/sections", Authenticated, s.createSection)
	s.handle(fiber.MethodGet, v1+"/sections/:sectionId", Authenticated, s.getSection)
	s.handle(fiber.MethodPost, v1+"/sections/:sectionId/students", Authenticated, s.addSectionStudents)
	s.handle(fiber.MethodGet, v1+"/sections/:sectionId/sessions", Authenticated, s.listClassSessions)
	s.handle(fiber.MethodPost, v1+"/sections/:sectionId/sessions", Authenticated, s.createClassSession)
	s.handle(fiber.MethodGet, v1+"/sections/:sectionId/attendance", Authenticated, s.sectionAttendance)
	s.handle(fiber.MethodGet, v1+"/sections/:sectionId/attendance.csv", Authenticated, s.sectionAttendanceCSV)
	s.handle(fiber.MethodGet, v1+"/sessions/:sessionId", Authenticated, s.getClassSession)
	s.handle(fiber.MethodPost, v1+"/sessions/:sessionId/start", Authenticated, s.startClassSession)
	s.handle(fiber.MethodPost, v1+"/sessions/:sessionId/end", Authenticated, s.endClassSession)
	s.handle(fiber.MethodGet, v1+"/sessions/:sessionId/code", Authenticated, s.checkinCode)
	s.handle(fiber.MethodPost, v1+"/sessions/:sessionId/checkin", Authenticated, s.checkIn)
	s.handle(fiber.MethodPut, v1+"/sessions/:sessionId/attendance/:studentId", Authenticated, s.markAttendance)
	s.handle(fiber.MethodGet, v1+"/sessions/:sessionId/polls", Authenticated, s.listPolls)
	s.handle(fiber.MethodPost, v1+"/sessions/:sessionId/polls", Authenticated, s.openPoll)
	s.handle(fiber.MethodPost, v1+"/polls/:pollId/answer", Authenticated, s.answerPoll)
	s.handle(fiber.MethodPost, v1+"/polls/:pollId/close", Authenticated, s.closePoll)
	s.handle(fiber.MethodPost, v1+"/polls/:pollId/reveal", Authenticated, s.revealPoll)
	s.handle(fiber.MethodGet, v1+"/sessions/:sessionId/ws", Authenticated, s.roomSocket)
	s.handle(fiber.MethodGet, v1+"/realtime/stats", Authenticated, s.realtimeStats)
}

func (s *Server) classroomReady() error {
	if s.deps.Classroom == nil {
		return apperr.New(apperr.Unavailable, "The live classroom is not configured on this server.")
	}
	return nil
}

// managedSection returns the section of the route if the caller runs it: access is
// checked before the body is read, so outsiders learn nothing from validation errors.
func (s *Server) managedSection(c *fiber.Ctx) (classroom.Section, error) {
	ctx, p := c.UserContext(), mustPrincipal(c)
	sec, err := s.deps.Classroom.Section(ctx, p, c.Params("sectionId"))
	if err != nil {
		return classroom.Section{}, err
	}
	ok, err := s.deps.Classroom.CanManage(ctx, p, sec)
	if err != nil {
		return classroom.Section{}, err
	}
	if !ok {
		return classroom.Section{}, apperr.New(apperr.Forbidden, "Only the section's instructors can do this.")
	}
	return sec, nil
}

// sessionFor returns the session of the route if the caller may see it; staff requires
// that the caller runs it, and student that the caller is enrolled.
func (s *Server) sessionFor(c *fiber.Ctx, staff, student bool) (classroom.SessionAccess, error) {
	p := mustPrincipal(c)
	sa, err := s.deps.Classroom.Session(c.UserContext(), p, c.Params("sessionId"))
	if err != nil {
		return sa, err
	}
	if staff && !sa.Staff {
		return sa, apperr.New(apperr.Forbidden, "Only the section's instructors can do this.")
	}
	if student && !sa.Section.HasStudent(p.UserID) {
		return sa, apperr.New(apperr.Forbidden, "Only students enrolled in the section can do this.")
	}
	return sa, nil
}

type sectionView struct {
	ID               string    `json:"id"`
	ProgramID        string    `json:"programId"`
	Title            string    `json:"title"`
	CourseSlug       string    `json:"courseSlug"`
	Room             string    `json:"room"`
	Meetings         []string  `json:"meetings"`
	InstructorIDs    []string  `json:"instructorIds"`
	StudentIDs       []string  `json:"studentIds,omitempty"`
	StudentCount     int       `json:"studentCount"`
	LateAfterMinutes int       `json:"lateAfterMinutes"`
	Staff            bool      `json:"staff"`
	CreatedAt        time.Time `json:"createdAt"`
}

func (s *Server) sectionJSON(c *fiber.Ctx, sec classroom.Section) (sectionView, error) {
	staff, err := s.deps.Classroom.CanManage(c.UserContext(), mustPrincipal(c), sec)
	if err != nil {
		return sectionView{}, err
	}
	v := sectionView{ID: sec.ID, ProgramID: sec.ProgramID, Title: sec.Title, CourseSlug: sec.CourseSlug, Room: sec.Room, Meetings: nonNilStrings(sec.Meetings),
		InstructorIDs: nonNilStrings(sec.InstructorIDs), StudentCount: len(sec.StudentIDs), LateAfterMinutes: int(sec.LateAfter / time.Minute), Staff: staff, CreatedAt: sec.CreatedAt}
	if staff {
		v.StudentIDs = nonNilStrings(sec.StudentIDs)
	}
	return v, nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type classSessionView struct {
	ID          string     `json:"id"`
	SectionID   string     `json:"sectionId"`
	Title       string     `json:"title"`
	Status      string     `json:"status"`
	ScheduledAt time.Time  `json:"scheduledAt"`
	StartedAt   *time.Time `json:"startedAt"`
	EndedAt     *time.Time `json:"endedAt"`
	Staff       *bool      `json:"staff,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func classSessionJSON(ss classroom.Session) classSessionView {
	return classSessionView{ID: ss.ID, SectionID: ss.SectionID, Title: ss.Title, Status: string(ss.Status), ScheduledAt: ss.ScheduledAt,
		StartedAt: timePtr(ss.StartedAt), EndedAt: timePtr(ss.EndedAt)}
}

type attendanceView struct {
	SessionID   string     `json:"sessionId"`
	StudentID   string     `json:"studentId"`
	Status      string     `json:"status"`
	Mode        string     `json:"mode"`
	CheckedInAt *time.Time `json:"checkedInAt"`
	IP          string     `json:"ip,omitempty"`
	UserAgent   string     `json:"userAgent,omitempty"`
	Manual      bool       `json:"manual"`
	Note        string     `json:"note,omitempty"`
}

func attendanceJSON(a classroom.Attendance) attendanceView {
	return attendanceView{SessionID: a.SessionID, StudentID: a.StudentID, Status: string(a.Status), Mode: string(a.Mode), CheckedInAt: timePtr(a.CheckedInAt),
		IP: a.IP, UserAgent: a.UserAgent, Manual: a.Manual, Note: a.Note}
}

func (s *Server) listSections(c *fiber.Ctx) error {
	if err := s.classroomReady(); err != nil {
		return err
	}
	secs, err := s.deps.Classroom.Sections(c.UserContext(), mustPrincipal(c))
	if err != nil {
		return err
	}
	out := make([]sectionView, 0, len(secs))
	for _, sec := range secs {
		v, err := s.sectionJSON(c, sec)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	return c.JSON(list(out, ""))
}

type createSectionRequest struct {
	ProgramID        string   `json:"programId" validate:"required,max=64"`
	Title            string   `json:"title" validate:"required,max=200"`
	CourseSlug       string   `json:"courseSlug" validate:"max=100"`
	Room             string   `json:"room" validate:"max=100"`
	Meetings         []string `json:"meetings" validate:"max=20,dive,max=100"`
	InstructorIDs    []string `json:"instructorIds" validate:"max=20,dive,max=64"`
	StudentIDs       []string `json:"studentIds" validate:"max=2000,dive,max=64"`
	LateAfterMinutes int      `json:"lateAfterMinutes" validate:"min=0,max=240"`
}

func (s *Server) createSection(c *fiber.Ctx) error {
	if err := s.classroomReady(); err != nil {
		return err
	}
	p := mustPrincipal(c)
	if !p.IsAdmin() && !p.Has("instructor") && !p.Has("coordinator") {
		return apperr.New(apperr.Forbidden, "Only instructors and coordinators can create sections.")
	}
	var req createSectionRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	sec, err := s.deps.Classroom.CreateSection(c.UserContext(), p, classroom.Section{ProgramID: req.ProgramID, Title: req.Title, CourseSlug: req.CourseSlug,
		Room: req.Room, Meetings: req.Meetings, InstructorIDs: req.InstructorIDs, StudentIDs: req.StudentIDs, LateAfter: time.Duration(req.LateAfterMinutes) * time.Minute})
	if err != nil {
		return err
	}
	v, err := s.sectionJSON(c, sec)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}

func (s *Server) getSection(c *fiber.Ctx) error {
	if err := s.classroomReady(); err != nil {
		return err
	}
	sec, err := s.deps.Classroom.Section(c.UserContext(), mustPrincipal(c), c.Params("sectionId"))
	if err != nil {
		return err
	}
	v, err := s.sectionJSON(c, sec)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

type addStudentsRequest struct {
	UserIDs []string `json:"userIds" validate:"max=2000,dive,max=64"`
	Emails  []string `json:"emails" validate:"max=2000,dive,email,max=254"`
}

func (s *Server) addSectionStudents(c *fiber.Ctx) error {
	if err := s.classroomReady(); err != nil {
		return err
	}
	ctx, p := c.UserContext(), mustPrincipal(c)
	if _, err := s.managedSection(c); err != nil {
		return err
	}
	var req addStudentsRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if len(req.UserIDs)+len(req.Emails) == 0 {
		return apperr.Field("userIds", "give userIds or emails")
	}
	sec, err := s.deps.Classroom.AddStudents(ctx, p, c.Params("sectionId"), req.UserIDs, req.Emails)
	if err != nil {
		return err
	}
	v, err := s.sectionJSON(c, sec)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) listClassSessions(c *fiber.Ctx) error {
	if err := s.classroomReady(); err != nil {
		return err
	}
	ss, err := s.deps.Classroom.Sessions(c.UserContext(), mustPrincipal(c), c.Params("sectionId"))
	if err != nil {
		return err
	}
	out := make([]classSessionView, len(ss))
	for i, x := range ss {
		out[i] = classSessionJSON(x)
	}
	return c.JSON(list(out, ""))
}

type createSessionRequest struct {
	Title       string     `json:"title" validate:"required,max=200"`
	ScheduledAt *time.Time `json:"scheduledAt"`
	Start       bool       `json:"start"`
}

func (s *Server) createClassSession(c *fiber.Ctx) error {
	if err := s.classroomReady(); err != nil {
		return err
	}
	ctx, p := c.UserContext(), mustPrincipal(c)
	if _, err := s.managedSection(c); err != nil {
		return err
	}
	var req createSessionRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	n := classroom.NewSession{Title: req.Title, Start: req.Start}
	if req.ScheduledAt != nil {
		n.ScheduledAt = *req.ScheduledAt
	}
	ss, err := s.deps.Classroom.CreateSession(ctx, p, c.Params("sectionId"), n)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(classSessionJSON(ss))
}

func (s *Server) getClassSession(c *fiber.Ctx) error {
	if err := s.classroomReady(); err != nil {
		return err
	}
	sa, err := s.deps.Classroom.Session(c.UserContext(), mustPrincipal(c), c.Params("sessionId"))
	if err != nil {
		return err
	}
	v := classSessionJSON(sa.Session)
	v.Staff = &sa.Staff
	return c.JSON(fiber.Map{"session": v, "section": fiber.Map{"id": sa.Section.ID, "title": sa.Section.Title, "room": sa.Section.Room, "courseSlug": sa.Section.CourseSlug}})
}

func (s *Server) startClassSession(c *fiber.Ctx) error {
	if err := s.classroomReady(); err != nil {
		return err
	}
	ss, err := s.deps.Classroom.StartSession(c.UserContext(), mustPrincipal(c), c.Params("sessionId"))
	if err != nil {
		return err
	}
	return c.JSON(classSessionJSON(ss))
}

func (s *Server) endClassSession(c *fiber.Ctx) error {
	if err := s.classroomReady(); err != nil {
		return err
	}
	ss, absent, err := s.deps.Classroom.EndSession(c.UserContext(), mustPrincipal(c), c.Params("sessionId"))
	if err != nil {
		return err
	}
	if s.deps.Hub != nil {
		// Other instances' clients close on the session.ended event.
		s.deps.Hub.CloseRoom(ss.ID, realtime.CloseEnded, "the session has ended")
	}
	return c.JSON(fiber.Map{"session": classSessionJSON(ss), "markedAbsent": absent})
}

func (s *Server) checkinCode(c *fiber.Ctx) error {
	if err := s.classroomReady(); err != nil {
		return err
	}
	code, err := s.deps.Classroom.Code(c.UserContext(), mustPrincipal(c), c.Params("sessionId"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"code": code.Code, "shownAt": code.ShownAt, "rotatesAt": code.RotatesAt, "validUntil": code.ValidTill})
}

type checkInRequest struct {
	Mode string `json:"mode" validate:"required,oneof=in-person remote"`
	Code string `json:"code" validate:"max=12"`
}

func (s *Server) checkIn(c *fiber.Ctx) error {
	if err := s.classroomReady(); err != nil {
		return err
	}
	ctx, p := c.UserContext(), mustPrincipal(c)
	if _, err := s.sessionFor(c, false, true); err != nil {
		return err
	}
	var req checkInRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	a, err := s.deps.Classroom.CheckIn(ctx, p, c.Params("sessionId"), classroom.CheckIn{Mode: classroom.Mode(req.Mode), Code: req.Code,
		IP: strings.Clone(c.IP()), UserAgent: string(c.Request().Header.UserAgent())})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(attendanceJSON(a))
}

type markRequest struct {
	Status string `json:"status" validate:"required,oneof=present late absent"`
	Note   string `json:"note" validate:"max=500"`
}

func (s *Server) markAttendance(c *fiber.Ctx) error {
	if err := s.classroomReady(); err != nil {
		return err
	}
	ctx, p := c.UserContext(), mustPrincipal(c)
	if _, err := s.sessionFor(c, true, false); err != nil {
		return err
	}
	var req markRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	a, err := s.deps.Classroom.Mark(ctx, p, c.Params("sessionId"), c.Params("studentId"), classroom.Status(req.Status), req.Note)
	if err != nil {
		return err
	}
	return c.JSON(attendanceJSON(a))
}

func (s *Server) attendanceReport(c *fiber.Ctx) (classroom.Report, error) {
	if err := s.classroomReady(); err != nil {
		return classroom.Report{}, err
	}
	sid := c.Query("studentId")
	if len(sid) > 64 {
		return classroom.Report{}, apperr.Field("studentId", "must be at most 64 characters")
	}
	return s.deps.Classroom.Attendance(c.UserContext(), mustPrincipal(c), c.Params("sectionId"), sid)
}

func (s *Server) sectionAttendance(c *fiber.Ctx) error {
	r, err := s.attendanceReport(c)
	if err != nil {
		return err
	}
	type student struct {
		ID    string `json:"id"`
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	out := struct {
		Sessions []classSessionView `json:"sessions"`
		Students []student          `json:"students"`
		Records  []attendanceView   `json:"records"`
	}{Sessions: []classSessionView{}, Students: []student{}, Records: []attendanceView{}}
	for _, ss := range r.Sessions {
		out.Sessions = append(out.Sessions, classSessionJSON(ss))
	}
	for _, u := range r.Students {
		out.Students = append(out.Students, student{ID: u.ID, Name: u.Name, Email: u.Email})
	}
	for _, ss := range r.Sessions {
		for _, u := range r.Students {
			if a, ok := r.Records[ss.ID][u.ID]; ok {
				out.Records = append(out.Records, attendanceJSON(a))
			}
		}
	}
	return c.JSON(out)
}

func (s *Server) sectionAttendanceCSV(c *fiber.Ctx) error {
	r, err := s.attendanceReport(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="attendance.csv"`)
	return c.Send(buf.Bytes())
}

type pollOptionRequest struct {
	ID      string `json:"id" validate:"required,max=8"`
	Text    string `json:"text" validate:"required,max=500"`
	Correct bool   `json:"correct"`
}

type openPollRequest struct {
	ItemID     string              `json:"itemId" validate:"max=100"`
	QuestionID string              `json:"questionId" validate:"max=100"`
	Stem       string              `json:"stem" validate:"max=2000"`
	Options    []pollOptionRequest `json:"options" validate:"max=8,dive"`
	Choose     int                 `json:"choose" validate:"min=0,max=8"`
	Rationale  string              `json:"rationale" validate:"max=4000"`
	Seconds    int                 `json:"seconds" validate:"min=0,max=3600"`
}

func (r openPollRequest) poll() classroom.NewPoll {
	n := classroom.NewPoll{ItemID: r.ItemID, QuestionID: r.QuestionID, Stem: r.Stem, Choose: r.Choose, Rationale: r.Rationale, Seconds: r.Seconds}
	for _, o := range r.Options {
		n.Options = append(n.Options, classroom.PollOption{ID: o.ID, Text: o.Text, Correct: o.Correct})
	}
	return n
}

func (s *Server) openPoll(c *fiber.Ctx) error {
	if err := s.classroomReady(); err != nil {
		return err
	}
	ctx, p := c.UserContext(), mustPrincipal(c)
	if _, err := s.sessionFor(c, true, false); err != nil {
		return err
	}
	var req openPollRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	pl, err := s.deps.Classroom.OpenPoll(ctx, p, c.Params("sessionId"), req.poll())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(s.deps.Classroom.PollViewFor(pl, true))
}

type pollResultView struct {
	Poll      classroom.PollView `json:"poll"`
	Responses []responseView     `json:"responses"`
}

type responseView struct {
	StudentID string    `json:"studentId"`
	Choices   []string  `json:"choices"`
	Correct   bool      `json:"correct"`
	At        time.Time `json:"at"`
}

func (s *Server) listPolls(c *fiber.Ctx) error {
	if err := s.classroomReady(); err != nil {
		return err
	}
	ctx, p := c.UserContext(), mustPrincipal(c)
	sa, err := s.deps.Classroom.Session(ctx, p, c.Params("sessionId"))
	if err != nil {
		return err
	}
	res, err := s.deps.Classroom.Polls(ctx, p, c.Params("sessionId"))
	if err != nil {
		return err
	}
	out := make([]pollResultView, 0, len(res))
	for _, r := range res {
		v := pollResultView{Poll: s.deps.Classroom.PollViewFor(r.Poll, sa.Staff), Responses: []responseView{}}
		for _, x := range r.Responses {
			v.Responses = append(v.Responses, responseView{StudentID: x.StudentID, Choices: x.Choices, Correct: x.Correct, At: x.At})
		}
		out = append(out, v)
	}
	return c.JSON(list(out, ""))
}

type pollAnswerRequest struct {
	Choices []string `json:"choices" validate:"required,min=1,max=8,dive,max=8"`
}

func (s *Server) answerPoll(c *fiber.Ctx) error {
	if err := s.classroomReady(); err != nil {
		return err
	}
	p := mustPrincipal(c)
	_, sa, err := s.deps.Classroom.Poll(c.UserContext(), p, c.Params("pollId"))
	if err != nil {
		return err
	}
	if !sa.Section.HasStudent(p.UserID) {
		return apperr.New(apperr.Forbidden, "Only the section's students answer polls.")
	}
	var req pollAnswerRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	r, err := s.deps.Classroom.Answer(c.UserContext(), p, c.Params("pollId"), req.Choices)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"pollId": r.PollID, "choices": r.Choices, "at": r.At})
}

func (s *Server) closePoll(c *fiber.Ctx) error {
	if err := s.classroomReady(); err != nil {
		return err
	}
	pl, err := s.deps.Classroom.ClosePoll(c.UserContext(), mustPrincipal(c), c.Params("pollId"))
	if err != nil {
		return err
	}
	return c.JSON(s.deps.Classroom.PollViewFor(pl, true))
}

func (s *Server) revealPoll(c *fiber.Ctx) error {
	if err := s.classroomReady(); err != nil {
		return err
	}
	pl, err := s.deps.Classroom.RevealPoll(c.UserContext(), mustPrincipal(c), c.Params("pollId"))
	if err != nil {
		return err
	}
	return c.JSON(s.deps.Classroom.PollViewFor(pl, true))
}

func (s *Server) realtimeStats(c *fiber.Ctx) error {
	if !mustPrincipal(c).IsAdmin() {
		return apperr.New(apperr.Forbidden, "Only an admin can read realtime statistics.")
	}
	if s.deps.Hub == nil {
		return apperr.New(apperr.Unavailable, "The live classroom is not configured on this server.")
	}
	return c.JSON(s.deps.Hub.Stats(c.Query("gc") == "1"))
}
