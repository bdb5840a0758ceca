package classroom

import (
	"context"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/bank"
	"github.com/chartroom-him/chartroom/internal/courses"
	"github.com/chartroom-him/chartroom/internal/programs"
)

// Store is the persistence the classroom needs. Lookups by ID are on the document _id.
type Store interface {
	CreateSection(ctx context.Context, s *Section) error
	SectionByID(ctx context.Context, id string) (Section, error)
	ListSections(ctx context.Context) ([]Section, error)
	SetSectionStudents(ctx context.Context, id string, studentIDs []string) error

	CreateClassSession(ctx context.Context, s *Session) error
	ClassSessionByID(ctx context.Context, id string) (Session, error)
	SessionsBySection(ctx context.Context, sectionID string) ([]Session, error)
	// TransitionSession moves a session from status from to to, setting the time field of
	// the new status (and the secret when going live). It returns apperr.Conflict when the
	// session is not in status from.
	TransitionSession(ctx context.Context, id string, from, to SessionStatus, at time.Time, secret string) (Session, error)
	SetHand(ctx context.Context, sessionID string, h Hand, raised bool) error
	// Hands returns the raised hands, first raised first.
	Hands(ctx context.Context, sessionID string) ([]Hand, error)
	SetMuted(ctx context.Context, sessionID, userID string, muted bool) error
	IsMuted(ctx context.Context, sessionID, userID string) (bool, error)
	Muted(ctx context.Context, sessionID string) ([]string, error)
	SetLesson(ctx context.Context, sessionID string, l *LessonRef) error
	SetCurrentPoll(ctx context.Context, sessionID, pollID string) error

	// InsertAttendance returns apperr.Conflict when the student already has a record.
	InsertAttendance(ctx context.Context, a *Attendance) error
	AttendanceByID(ctx context.Context, id string) (Attendance, error)
	// MarkAttendance sets a record's status by hand, creating the record when needed.
	MarkAttendance(ctx context.Context, a Attendance) error
	// MarkAbsent creates an absent record for each listed student who has none.
	MarkAbsent(ctx context.Context, sessionID, sectionID string, studentIDs []string) (int, error)
	AttendanceBySession(ctx context.Context, sessionID string) ([]Attendance, error)
	AttendanceBySection(ctx context.Context, sectionID string) ([]Attendance, error)
	// AddPresence adds delta to a user's open room connections (creating the count) and
	// returns the new count.
	AddPresence(ctx context.Context, sessionID, userID string, delta int, at time.Time) (int, error)
	// Presence returns a user's open connection count and whether they ever connected;
	// PresenceBySession returns the counts of everyone who ever connected.
	Presence(ctx context.Context, sessionID, userID string) (int, bool, error)
	PresenceBySession(ctx context.Context, sessionID string) (map[string]int, error)

	CreateChat(ctx context.Context, m *ChatMessage) error
	ChatByID(ctx context.Context, id string) (ChatMessage, error)
	DeleteChat(ctx context.Context, id, by string) error
	RecentChat(ctx context.Context, sessionID string, limit int) ([]ChatMessage, error)

	CreatePoll(ctx context.Context, p *Poll) error
	PollByID(ctx context.Context, id string) (Poll, error)
	PollsBySession(ctx context.Context, sessionID string) ([]Poll, error)
	// TransitionPoll moves a poll into status to from one of from; apperr.Conflict otherwise.
	TransitionPoll(ctx context.Context, id string, from []PollStatus, to PollStatus, at time.Time) (Poll, error)
	// SavePollResponse upserts a student's response and returns the choices it replaced (nil
	// and false when it is the first).
	SavePollResponse(ctx context.Context, r PollResponse) (prev []string, existed bool, err error)
	// AddPollCounts adds to the poll's per-option counts and answered count atomically.
	AddPollCounts(ctx context.Context, pollID string, inc map[string]int, answered int) (Poll, error)
	ResponsesByPoll(ctx context.Context, pollID string) ([]PollResponse, error)
	ResponsesBySession(ctx context.Context, sessionID string) ([]PollResponse, error)
	// PollResponse returns one student's response, if any (an _id lookup).
	PollResponse(ctx context.Context, pollID, studentID string) (PollResponse, bool, error)
	// CountResponses counts the listed students' answers from their response records.
	CountResponses(ctx context.Context, pollID string, studentIDs []string) (map[string]int, int, error)
	SetPollCounts(ctx context.Context, pollID string, counts map[string]int, answered int) (Poll, error)
}

// Broadcaster sends a live event to everyone in a session's room, or only to its staff.
type Broadcaster interface {
	Broadcast(ctx context.Context, room string, staffOnly bool, typ string, data any) error
}

// Programs looks up programs (for the staff who may run a section).
type Programs interface {
	Program(ctx context.Context, p accounts.Principal, id string) (programs.Program, error)
}

// Users resolves user names and emails.
type Users interface {
	UsersByIDs(ctx context.Context, ids []string) ([]accounts.User, error)
	UserByEmail(ctx context.Context, email string) (accounts.User, error)
}

// Bank gives bank items for polls.
type Bank interface {
	Item(ctx context.Context, id string) (bank.Item, error)
}

// Courses gives lessons to present.
type Courses interface {
	Lesson(ctx context.Context, slug, lessonID string) (courses.Course, courses.Module, courses.Lesson, error)
}

// Options tune the service; zero values take defaults.
type Options struct {
	Now func() time.Time
	// ChatRate messages per ChatWindow per user (per instance); defaults 5 per 10 s.
	ChatRate   int
	ChatWindow time.Duration
	Logger     *slog.Logger
}

// Service implements the classroom.
type Service struct {
	store    Store
	programs Programs
	users    Users
	bank     Bank
	courses  Courses
	events   Broadcaster
	audit    *audit.Log
	opt      Options

	chatMu   sync.Mutex
	chatSent map[string][]time.Time

	snaps snapshots
}

// NewService returns a Service. events may be nil until SetBroadcaster is called.
func NewService(store Store, progs Programs, users Users, bk Bank, crs Courses, events Broadcaster, log *audit.Log, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.ChatRate <= 0 {
		opt.ChatRate = 5
	}
	if opt.ChatWindow <= 0 {
		opt.ChatWindow = 10 * time.Second
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	return &Service{store: store, programs: progs, users: users, bank: bk, courses: crs, events: events, audit: log, opt: opt, chatSent: map[string][]time.Time{}, snaps: snapshots{m: map[string]cachedRoom{}, building: map[string]*flight{}}}
}

// SetBroadcaster sets where live events go (the hub is built after the service).
func (s *Service) SetBroadcaster(b Broadcaster) { s.events = b }

func (s *Service) now() time.Time { return s.opt.Now().UTC() }

// emit broadcasts a live event. The state it reports is already in the store, so a failed
// broadcast is logged, not returned: clients catch up from a snapshot.
func (s *Service) emit(ctx context.Context, sessionID string, staffOnly bool, typ string, data any) {
	if s.events == nil {
		return
	}
	if err := s.events.Broadcast(ctx, sessionID, staffOnly, typ, data); err != nil {
		s.opt.Logger.Warn("classroom broadcast failed", "session", sessionID, "type", typ, "err", err)
	}
}

func (s *Service) record(ctx context.Context, p accounts.Principal, action, subject string, details map[string]string) {
	if s.audit == nil {
		return
	}
	if err := s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: action, Subject: subject, Details: details}); err != nil {
		s.opt.Logger.Warn("audit failed", "action", action, "err", err)
	}
}

// CanManage reports whether p may run section sec: admins, its instructors and the staff
// of its program.
func (s *Service) CanManage(ctx context.Context, p accounts.Principal, sec Section) (bool, error) {
	if p.IsAdmin() || sec.HasInstructor(p.UserID) {
		return true, nil
	}
	if !p.Has(accounts.Instructor) && !p.Has(accounts.Coordinator) {
		return false, nil
	}
	pr, err := s.programs.Program(ctx, accounts.SystemPrincipal, sec.ProgramID)
	if apperr.Is(err, apperr.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return programs.IsStaff(p, pr), nil
}

// access is what a caller may do in a section.
type access struct {
	manage  bool
	student bool
}

func (s *Service) accessTo(ctx context.Context, p accounts.Principal, sec Section) (access, error) {
	m, err := s.CanManage(ctx, p, sec)
	if err != nil {
		return access{}, err
	}
	return access{manage: m, student: sec.HasStudent(p.UserID)}, nil
}

var errNoSection = apperr.New(apperr.NotFound, "No such section.")

// Section returns a section p may see (staff and enrolled students); others get NotFound.
func (s *Service) Section(ctx context.Context, p accounts.Principal, id string) (Section, error) {
	sec, _, err := s.section(ctx, p, id)
	return sec, err
}

func (s *Service) section(ctx context.Context, p accounts.Principal, id string) (Section, access, error) {
	sec, err := s.store.SectionByID(ctx, id)
	if err != nil {
		return Section{}, access{}, err
	}
	a, err := s.accessTo(ctx, p, sec)
	if err != nil {
		return Section{}, access{}, err
	}
	if !a.manage && !a.student {
		return Section{}, access{}, errNoSection
	}
	return sec, a, nil
}

func (s *Service) managedSection(ctx context.Context, p accounts.Principal, id string) (Section, error) {
	sec, a, err := s.section(ctx, p, id)
	if err != nil {
		return Section{}, err
	}
	if !a.manage {
		return Section{}, apperr.New(apperr.Forbidden, "Only the section's instructors can do this.")
	}
	return sec, nil
}

// Sections lists the sections p teaches, runs or attends (all for admins).
func (s *Service) Sections(ctx context.Context, p accounts.Principal) ([]Section, error) {
	all, err := s.store.ListSections(ctx)
	if err != nil {
		return nil, err
	}
	out := []Section{}
	for _, sec := range all {
		a, err := s.accessTo(ctx, p, sec)
		if err != nil {
			return nil, err
		}
		if a.manage || a.student {
			out = append(out, sec)
		}
	}
	return out, nil
}

// CreateSection creates a section in a program p is staff of. The caller becomes one of its
// instructors unless it is an admin who named others.
func (s *Service) CreateSection(ctx context.Context, p accounts.Principal, sec Section) (Section, error) {
	if !p.IsAdmin() && !p.Has(accounts.Instructor) && !p.Has(accounts.Coordinator) {
		return Section{}, apperr.New(apperr.Forbidden, "Only instructors and coordinators can create sections.")
	}
	if sec.LateAfter == 0 {
		sec.LateAfter = DefaultLateAfter
	}
	if err := sec.Validate(); err != nil {
		return Section{}, err
	}
	pr, err := s.programs.Program(ctx, accounts.SystemPrincipal, sec.ProgramID)
	if apperr.Is(err, apperr.NotFound) {
		return Section{}, apperr.Field("programId", "no such program")
	}
	if err != nil {
		return Section{}, err
	}
	if !programs.IsStaff(p, pr) {
		return Section{}, apperr.New(apperr.Forbidden, "You are not staff of that program.")
	}
	if !p.IsAdmin() || len(sec.InstructorIDs) == 0 {
		if !slices.Contains(sec.InstructorIDs, p.UserID) && p.UserID != accounts.SystemPrincipal.UserID {
			sec.InstructorIDs = append(sec.InstructorIDs, p.UserID)
		}
	}
	if err := s.checkUsers(ctx, "instructorIds", sec.InstructorIDs); err != nil {
		return Section{}, err
	}
	if err := s.checkUsers(ctx, "studentIds", sec.StudentIDs); err != nil {
		return Section{}, err
	}
	sec.StudentIDs = dedup(sec.StudentIDs)
	sec.CreatedAt = s.now()
	if err := s.store.CreateSection(ctx, &sec); err != nil {
		return Section{}, err
	}
	s.record(ctx, p, "section.create", "section:"+sec.ID, map[string]string{"programId": sec.ProgramID, "title": sec.Title})
	return sec, nil
}

func (s *Service) checkUsers(ctx context.Context, field string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	us, err := s.users.UsersByIDs(ctx, dedup(ids))
	if err != nil {
		return err
	}
	if len(us) != len(dedup(ids)) {
		return apperr.Field(field, "names a user that does not exist")
	}
	return nil
}

// AddStudents enrolls users (by id or email) in a section and returns it.
func (s *Service) AddStudents(ctx context.Context, p accounts.Principal, sectionID string, ids, emails []string) (Section, error) {
	sec, err := s.managedSection(ctx, p, sectionID)
	if err != nil {
		return Section{}, err
	}
	for i, e := range emails {
		u, err := s.users.UserByEmail(ctx, e)
		if apperr.Is(err, apperr.NotFound) {
			return Section{}, apperr.Field("emails["+strconv.Itoa(i)+"]", "no user has this email")
		}
		if err != nil {
			return Section{}, err
		}
		ids = append(ids, u.ID)
	}
	if err := s.checkUsers(ctx, "userIds", ids); err != nil {
		return Section{}, err
	}
	sec.StudentIDs = dedup(append(sec.StudentIDs, ids...))
	if err := sec.Validate(); err != nil {
		return Section{}, err
	}
	if err := s.store.SetSectionStudents(ctx, sec.ID, sec.StudentIDs); err != nil {
		return Section{}, err
	}
	s.record(ctx, p, "section.students_add", "section:"+sec.ID, map[string]string{"added": strconv.Itoa(len(ids))})
	return sec, nil
}

// NewSession describes a session to create.
type NewSession struct {
	Title       string
	ScheduledAt time.Time // zero: now
	Start       bool      // start it at once (ad hoc)
}

// CreateSession schedules a session of a section, or starts one ad hoc.
func (s *Service) CreateSession(ctx context.Context, p accounts.Principal, sectionID string, n NewSession) (Session, error) {
	sec, err := s.managedSection(ctx, p, sectionID)
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	if n.ScheduledAt.IsZero() {
		n.ScheduledAt = now
	}
	ss := Session{SectionID: sec.ID, Title: strings.TrimSpace(n.Title), Status: Scheduled, ScheduledAt: n.ScheduledAt.UTC(),
		LateAfter: sec.LateAfter, CreatedBy: p.UserID, CreatedAt: now}
	if err := ss.Validate(); err != nil {
		return Session{}, err
	}
	if err := s.store.CreateClassSession(ctx, &ss); err != nil {
		return Session{}, err
	}
	s.record(ctx, p, "session.create", "session:"+ss.ID, map[string]string{"sectionId": sec.ID})
	if n.Start {
		return s.StartSession(ctx, p, ss.ID)
	}
	return ss, nil
}

// Sessions lists a section's sessions for anyone who may see the section.
func (s *Service) Sessions(ctx context.Context, p accounts.Principal, sectionID string) ([]Session, error) {
	if _, _, err := s.section(ctx, p, sectionID); err != nil {
		return nil, err
	}
	return s.store.SessionsBySection(ctx, sectionID)
}

// SessionAccess is a session with its section and what the caller may do there.
type SessionAccess struct {
	Session Session
	Section Section
	Staff   bool // the caller runs the session
}

// Session returns a session p may see.
func (s *Service) Session(ctx context.Context, p accounts.Principal, id string) (SessionAccess, error) {
	ss, err := s.store.ClassSessionByID(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		return SessionAccess{}, apperr.New(apperr.NotFound, "No such session.")
	}
	if err != nil {
		return SessionAccess{}, err
	}
	sec, a, err := s.section(ctx, p, ss.SectionID)
	if apperr.Is(err, apperr.NotFound) {
		return SessionAccess{}, apperr.New(apperr.NotFound, "No such session.")
	}
	if err != nil {
		return SessionAccess{}, err
	}
	return SessionAccess{Session: ss, Section: sec, Staff: a.manage}, nil
}

func (s *Service) staffSession(ctx context.Context, p accounts.Principal, id string) (SessionAccess, error) {
	sa, err := s.Session(ctx, p, id)
	if err != nil {
		return sa, err
	}
	if !sa.Staff {
		return sa, apperr.New(apperr.Forbidden, "Only the section's instructors can do this.")
	}
	return sa, nil
}

func (s *Service) liveSession(ctx context.Context, p accounts.Principal, id string) (SessionAccess, error) {
	sa, err := s.Session(ctx, p, id)
	if err != nil {
		return sa, err
	}
	if sa.Session.Status != Live {
		return sa, &apperr.Error{Kind: apperr.Conflict, Type: "session-not-live", Message: "The session is not live."}
	}
	return sa, nil
}

// StartSession takes a scheduled session live and gives it a fresh check-in secret.
func (s *Service) StartSession(ctx context.Context, p accounts.Principal, id string) (Session, error) {
	if _, err := s.staffSession(ctx, p, id); err != nil {
		return Session{}, err
	}
	ss, err := s.store.TransitionSession(ctx, id, Scheduled, Live, s.now(), newSecret())
	if apperr.Is(err, apperr.Conflict) {
		return Session{}, &apperr.Error{Kind: apperr.Conflict, Type: "session-state", Message: "Only a scheduled session can be started."}
	}
	if err != nil {
		return Session{}, err
	}
	s.record(ctx, p, "session.start", "session:"+id, nil)
	s.emit(ctx, id, false, "session.started", map[string]any{"startedAt": ss.StartedAt})
	return ss, nil
}

// EndSession ends a live session and marks absent every enrolled student never seen.
func (s *Service) EndSession(ctx context.Context, p accounts.Principal, id string) (Session, int, error) {
	sa, err := s.staffSession(ctx, p, id)
	if err != nil {
		return Session{}, 0, err
	}
	ss, err := s.store.TransitionSession(ctx, id, Live, Ended, s.now(), "")
	if apperr.Is(err, apperr.Conflict) {
		return Session{}, 0, &apperr.Error{Kind: apperr.Conflict, Type: "session-state", Message: "Only a live session can be ended."}
	}
	if err != nil {
		return Session{}, 0, err
	}
	n, err := s.store.MarkAbsent(ctx, id, sa.Section.ID, sa.Section.StudentIDs)
	if err != nil {
		return Session{}, 0, err
	}
	s.record(ctx, p, "session.end", "session:"+id, map[string]string{"absent": strconv.Itoa(n)})
	s.emit(ctx, id, false, "session.ended", map[string]any{"endedAt": ss.EndedAt})
	return ss, n, nil
}

// Code returns the check-in code to show on the room display (staff only).
func (s *Service) Code(ctx context.Context, p accounts.Principal, id string) (Code, error) {
	sa, err := s.staffSession(ctx, p, id)
	if err != nil {
		return Code{}, err
	}
	if sa.Session.Status != Live {
		return Code{}, &apperr.Error{Kind: apperr.Conflict, Type: "session-not-live", Message: "Start the session to show a check-in code."}
	}
	return CurrentCode(sa.Session.Secret, s.now()), nil
}

func dedup(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// nameCache remembers user names for rosters: the embedded store answers a lookup of many
// users by scanning all of them, and names rarely change (a rename shows within NameTTL).
type nameCache struct {
	mu sync.Mutex
	m  map[string]cachedName
}

type cachedName struct {
	name string
	at   time.Time
}

// NameTTL is how long a roster name is trusted.
const NameTTL = 10 * time.Minute

var rosterNames = nameCache{m: map[string]cachedName{}}

func names(ctx context.Context, u Users, ids []string) (map[string]string, error) {
	out := map[string]string{}
	var missing []string
	now := time.Now()
	rosterNames.mu.Lock()
	for _, id := range dedup(ids) {
		if c, ok := rosterNames.m[id]; ok && now.Sub(c.at) < NameTTL {
			out[id] = c.name
		} else {
			missing = append(missing, id)
		}
	}
	rosterNames.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	us, err := u.UsersByIDs(ctx, missing)
	if err != nil {
		return nil, err
	}
	rosterNames.mu.Lock()
	defer rosterNames.mu.Unlock()
	if len(rosterNames.m) > 100_000 {
		clear(rosterNames.m)
	}
	for _, x := range us {
		out[x.ID] = x.Name
		rosterNames.m[x.ID] = cachedName{name: x.Name, at: now}
	}
	return out, nil
}

func sortHands(h []Hand) {
	sort.SliceStable(h, func(i, j int) bool { return h[i].At.Before(h[j].At) })
}
