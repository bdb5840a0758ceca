package mongostore

import (
	"context"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/classroom"
)

var _ classroom.Store = (*Store)(nil)

type sectionDoc struct {
	ID            string    `bson:"_id"`
	ProgramID     string    `bson:"programId"`
	Title         string    `bson:"title"`
	CourseSlug    string    `bson:"courseSlug"`
	Room          string    `bson:"room"`
	Meetings      []string  `bson:"meetings"`
	InstructorIDs []string  `bson:"instructorIds"`
	StudentIDs    []string  `bson:"studentIds"`
	LateAfterSec  int64     `bson:"lateAfterSec"`
	CreatedAt     time.Time `bson:"createdAt"`
}

func (d sectionDoc) section() classroom.Section {
	return classroom.Section{ID: d.ID, ProgramID: d.ProgramID, Title: d.Title, CourseSlug: d.CourseSlug, Room: d.Room, Meetings: d.Meetings,
		InstructorIDs: d.InstructorIDs, StudentIDs: d.StudentIDs, LateAfter: time.Duration(d.LateAfterSec) * time.Second, CreatedAt: d.CreatedAt.UTC()}
}

// Raised hands and mutes are one document each, _id "sessionID/userID": raising or muting
// is an insert and lowering or unmuting a delete, both atomic on any store.
type handDoc struct {
	ID        string    `bson:"_id"`
	SessionID string    `bson:"sessionId"`
	UserID    string    `bson:"userId"`
	Name      string    `bson:"name"`
	At        time.Time `bson:"at"`
}

type muteDoc struct {
	ID        string `bson:"_id"`
	SessionID string `bson:"sessionId"`
	UserID    string `bson:"userId"`
}

type lessonRefDoc struct {
	CourseSlug string `bson:"courseSlug"`
	LessonID   string `bson:"lessonId"`
	Title      string `bson:"title"`
}

// classSessionDoc keeps the room's shared state in one document: the hand queue and the mutes
// are maps keyed by user id, changed with $set/$unset, so each change is atomic.
type classSessionDoc struct {
	ID           string        `bson:"_id"`
	SectionID    string        `bson:"sectionId"`
	Title        string        `bson:"title"`
	Status       string        `bson:"status"`
	ScheduledAt  time.Time     `bson:"scheduledAt"`
	StartedAt    time.Time     `bson:"startedAt,omitempty"`
	EndedAt      time.Time     `bson:"endedAt,omitempty"`
	Secret       string        `bson:"secret"`
	LateAfterSec int64         `bson:"lateAfterSec"`
	Lesson       *lessonRefDoc `bson:"lesson"`
	PollID       string        `bson:"pollId"`
	CreatedBy    string        `bson:"createdBy"`
	CreatedAt    time.Time     `bson:"createdAt"`
}

func (d classSessionDoc) session() classroom.Session {
	s := classroom.Session{ID: d.ID, SectionID: d.SectionID, Title: d.Title, Status: classroom.SessionStatus(d.Status),
		ScheduledAt: d.ScheduledAt.UTC(), StartedAt: d.StartedAt.UTC(), EndedAt: d.EndedAt.UTC(), Secret: d.Secret,
		LateAfter: time.Duration(d.LateAfterSec) * time.Second, PollID: d.PollID, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt.UTC()}
	if d.StartedAt.IsZero() {
		s.StartedAt = time.Time{}
	}
	if d.EndedAt.IsZero() {
		s.EndedAt = time.Time{}
	}
	if d.Lesson != nil {
		s.Lesson = &classroom.LessonRef{CourseSlug: d.Lesson.CourseSlug, LessonID: d.Lesson.LessonID, Title: d.Lesson.Title}
	}
	return s
}

type attendanceDoc struct {
	ID          string    `bson:"_id"`
	SessionID   string    `bson:"sessionId"`
	SectionID   string    `bson:"sectionId"`
	StudentID   string    `bson:"studentId"`
	Status      string    `bson:"status"`
	Mode        string    `bson:"mode"`
	CheckedInAt time.Time `bson:"checkedInAt,omitempty"`
	IP          string    `bson:"ip"`
	UserAgent   string    `bson:"userAgent"`
	Manual      bool      `bson:"manual"`
	MarkedBy    string    `bson:"markedBy"`
	Note        string    `bson:"note"`
	MarkedAt    time.Time `bson:"markedAt,omitempty"`
}

func (d attendanceDoc) attendance() classroom.Attendance {
	a := classroom.Attendance{ID: d.ID, SessionID: d.SessionID, SectionID: d.SectionID, StudentID: d.StudentID, Status: classroom.Status(d.Status),
		Mode: classroom.Mode(d.Mode), CheckedInAt: d.CheckedInAt.UTC(), IP: d.IP, UserAgent: d.UserAgent, Manual: d.Manual, MarkedBy: d.MarkedBy,
		Note: d.Note, MarkedAt: d.MarkedAt.UTC()}
	if d.CheckedInAt.IsZero() {
		a.CheckedInAt = time.Time{}
	}
	if d.MarkedAt.IsZero() {
		a.MarkedAt = time.Time{}
	}
	return a
}

type chatDoc struct {
	ID        string    `bson:"_id"`
	SessionID string    `bson:"sessionId"`
	UserID    string    `bson:"userId"`
	Name      string    `bson:"name"`
	Text      string    `bson:"text"`
	At        time.Time `bson:"at"`
	Deleted   bool      `bson:"deleted"`
	DeletedBy string    `bson:"deletedBy,omitempty"`
}

func (d chatDoc) message() classroom.ChatMessage {
	return classroom.ChatMessage{ID: d.ID, SessionID: d.SessionID, UserID: d.UserID, Name: d.Name, Text: d.Text, At: d.At.UTC(), Deleted: d.Deleted, DeletedBy: d.DeletedBy}
}

type pollOptionDoc struct {
	ID      string `bson:"id"`
	Text    string `bson:"text"`
	Correct bool   `bson:"correct"`
}

type pollDoc struct {
	ID        string          `bson:"_id"`
	SessionID string          `bson:"sessionId"`
	ItemID    string          `bson:"itemId"`
	Stem      string          `bson:"stem"`
	Options   []pollOptionDoc `bson:"options"`
	Choose    int             `bson:"choose"`
	Rationale string          `bson:"rationale"`
	Status    string          `bson:"status"`
	OpenedAt  time.Time       `bson:"openedAt"`
	ClosesAt  time.Time       `bson:"closesAt,omitempty"`
	ClosedAt  time.Time       `bson:"closedAt,omitempty"`
	Counts    map[string]int  `bson:"counts"`
	Answered  int             `bson:"answered"`
	CreatedBy string          `bson:"createdBy"`
}

func (d pollDoc) poll() classroom.Poll {
	p := classroom.Poll{ID: d.ID, SessionID: d.SessionID, ItemID: d.ItemID, Stem: d.Stem, Choose: d.Choose, Rationale: d.Rationale,
		Status: classroom.PollStatus(d.Status), OpenedAt: d.OpenedAt.UTC(), Counts: d.Counts, Answered: d.Answered, CreatedBy: d.CreatedBy}
	if !d.ClosesAt.IsZero() {
		p.ClosesAt = d.ClosesAt.UTC()
	}
	if !d.ClosedAt.IsZero() {
		p.ClosedAt = d.ClosedAt.UTC()
	}
	if p.Counts == nil {
		p.Counts = map[string]int{}
	}
	for _, o := range d.Options {
		p.Options = append(p.Options, classroom.PollOption{ID: o.ID, Text: o.Text, Correct: o.Correct})
	}
	return p
}

type pollResponseDoc struct {
	ID        string    `bson:"_id"`
	PollID    string    `bson:"pollId"`
	SessionID string    `bson:"sessionId"`
	StudentID string    `bson:"studentId"`
	Choices   []string  `bson:"choices"`
	Correct   bool      `bson:"correct"`
	At        time.Time `bson:"at"`
}

func (d pollResponseDoc) response() classroom.PollResponse {
	return classroom.PollResponse{ID: d.ID, PollID: d.PollID, SessionID: d.SessionID, StudentID: d.StudentID, Choices: d.Choices, Correct: d.Correct, At: d.At.UTC()}
}

func findAll[D any, T any](ctx context.Context, c *mongo.Collection, filter bson.M, what string, conv func(D) T, opts ...*options.FindOptions) ([]T, error) {
	cur, err := c.Find(ctx, filter, opts...)
	if err != nil {
		return nil, mapErr(err, what)
	}
	var docs []D
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, what)
	}
	out := make([]T, len(docs))
	for i, d := range docs {
		out[i] = conv(d)
	}
	return out, nil
}

// CreateSection inserts a section and sets its ID.
func (s *Store) CreateSection(ctx context.Context, sec *classroom.Section) error {
	if sec.ID == "" {
		sec.ID = newID()
	}
	_, err := s.db.Collection("sections").InsertOne(ctx, sectionDoc{ID: sec.ID, ProgramID: sec.ProgramID, Title: sec.Title, CourseSlug: sec.CourseSlug,
		Room: sec.Room, Meetings: nonNil(sec.Meetings), InstructorIDs: nonNil(sec.InstructorIDs), StudentIDs: nonNil(sec.StudentIDs),
		LateAfterSec: int64(sec.LateAfter / time.Second), CreatedAt: sec.CreatedAt})
	return mapErr(err, "section")
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// SectionByID returns one section.
func (s *Store) SectionByID(ctx context.Context, id string) (classroom.Section, error) {
	var d sectionDoc
	err := s.db.Collection("sections").FindOne(ctx, bson.M{"_id": id}).Decode(&d)
	return d.section(), mapErr(err, "section")
}

// ListSections returns every section, oldest first.
func (s *Store) ListSections(ctx context.Context) ([]classroom.Section, error) {
	return findAll(ctx, s.db.Collection("sections"), bson.M{}, "sections", sectionDoc.section, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
}

// SetSectionStudents replaces a section's student list.
func (s *Store) SetSectionStudents(ctx context.Context, id string, studentIDs []string) error {
	r, err := s.db.Collection("sections").UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$set": bson.M{"studentIds": nonNil(studentIDs)}})
	if err != nil {
		return mapErr(err, "section")
	}
	if r.MatchedCount == 0 {
		return apperr.New(apperr.NotFound, "No such section.")
	}
	return nil
}

// CreateClassSession inserts a class session and sets its ID.
func (s *Store) CreateClassSession(ctx context.Context, ss *classroom.Session) error {
	if ss.ID == "" {
		ss.ID = newID()
	}
	_, err := s.db.Collection("class_sessions").InsertOne(ctx, classSessionDoc{ID: ss.ID, SectionID: ss.SectionID, Title: ss.Title, Status: string(ss.Status),
		ScheduledAt: ss.ScheduledAt, Secret: ss.Secret, LateAfterSec: int64(ss.LateAfter / time.Second),
		CreatedBy: ss.CreatedBy, CreatedAt: ss.CreatedAt})
	return mapErr(err, "session")
}

// ClassSessionByID returns one class session.
func (s *Store) ClassSessionByID(ctx context.Context, id string) (classroom.Session, error) {
	var d classSessionDoc
	err := s.db.Collection("class_sessions").FindOne(ctx, bson.M{"_id": id}).Decode(&d)
	return d.session(), mapErr(err, "session")
}

// SessionsBySection returns a section's sessions by scheduled time.
func (s *Store) SessionsBySection(ctx context.Context, sectionID string) ([]classroom.Session, error) {
	return findAll(ctx, s.db.Collection("class_sessions"), bson.M{"sectionId": sectionID}, "sessions", classSessionDoc.session,
		options.Find().SetSort(bson.D{{Key: "scheduledAt", Value: 1}, {Key: "_id", Value: 1}}))
}

// TransitionSession moves a session between statuses atomically.
func (s *Store) TransitionSession(ctx context.Context, id string, from, to classroom.SessionStatus, at time.Time, secret string) (classroom.Session, error) {
	set := bson.M{"status": string(to)}
	switch to {
	case classroom.Live:
		set["startedAt"], set["secret"] = at, secret
	case classroom.Ended:
		set["endedAt"] = at
	}
	defer s.lockDoc("class_sessions/" + id)()
	var d classSessionDoc
	err := s.db.Collection("class_sessions").FindOneAndUpdate(ctx, bson.M{"_id": id, "status": string(from)}, bson.M{"$set": set},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if err == mongo.ErrNoDocuments {
		if _, err := s.ClassSessionByID(ctx, id); err != nil {
			return classroom.Session{}, err
		}
		return classroom.Session{}, apperr.New(apperr.Conflict, "The session is not %s.", from)
	}
	return d.session(), mapErr(err, "session")
}

func (s *Store) updateSession(ctx context.Context, id string, update bson.M) error {
	defer s.lockDoc("class_sessions/" + id)()
	r, err := s.db.Collection("class_sessions").UpdateOne(ctx, bson.M{"_id": id}, update)
	if err != nil {
		return mapErr(err, "session")
	}
	if r.MatchedCount == 0 {
		return apperr.New(apperr.NotFound, "No such session.")
	}
	return nil
}

// SetHand raises (keeping the first raise time) or lowers a hand.
func (s *Store) SetHand(ctx context.Context, sessionID string, h classroom.Hand, raised bool) error {
	id := sessionID + "/" + h.UserID
	if !raised {
		_, err := s.db.Collection("hands").DeleteOne(ctx, bson.M{"_id": id})
		return mapErr(err, "hand")
	}
	_, err := s.db.Collection("hands").InsertOne(ctx, handDoc{ID: id, SessionID: sessionID, UserID: h.UserID, Name: h.Name, At: h.At})
	if mongo.IsDuplicateKeyError(err) {
		return nil // already raised: the queue keeps the first raise time
	}
	return mapErr(err, "hand")
}

// Hands returns a session's raised hands in the order they were raised.
func (s *Store) Hands(ctx context.Context, sessionID string) ([]classroom.Hand, error) {
	return findAll(ctx, s.db.Collection("hands"), bson.M{"sessionId": sessionID}, "hands", func(d handDoc) classroom.Hand {
		return classroom.Hand{UserID: d.UserID, Name: d.Name, At: d.At.UTC()}
	}, options.Find().SetSort(bson.D{{Key: "at", Value: 1}}))
}

// SetMuted mutes or unmutes a user.
func (s *Store) SetMuted(ctx context.Context, sessionID, userID string, muted bool) error {
	id := sessionID + "/" + userID
	if !muted {
		_, err := s.db.Collection("mutes").DeleteOne(ctx, bson.M{"_id": id})
		return mapErr(err, "mute")
	}
	_, err := s.db.Collection("mutes").InsertOne(ctx, muteDoc{ID: id, SessionID: sessionID, UserID: userID})
	if mongo.IsDuplicateKeyError(err) {
		return nil
	}
	return mapErr(err, "mute")
}

// IsMuted reports whether a user is muted in a session (an _id lookup).
func (s *Store) IsMuted(ctx context.Context, sessionID, userID string) (bool, error) {
	err := s.db.Collection("mutes").FindOne(ctx, bson.M{"_id": sessionID + "/" + userID}).Err()
	if err == mongo.ErrNoDocuments {
		return false, nil
	}
	return err == nil, mapErr(err, "mute")
}

// Muted returns the users muted in a session.
func (s *Store) Muted(ctx context.Context, sessionID string) ([]string, error) {
	out, err := findAll(ctx, s.db.Collection("mutes"), bson.M{"sessionId": sessionID}, "mutes", func(d muteDoc) string { return d.UserID })
	sort.Strings(out)
	return out, err
}

// SetLesson sets or clears the presented lesson.
func (s *Store) SetLesson(ctx context.Context, sessionID string, l *classroom.LessonRef) error {
	var v any
	if l != nil {
		v = lessonRefDoc{CourseSlug: l.CourseSlug, LessonID: l.LessonID, Title: l.Title}
	}
	return s.updateSession(ctx, sessionID, bson.M{"$set": bson.M{"lesson": v}})
}

// SetCurrentPoll sets the poll shown in the room.
func (s *Store) SetCurrentPoll(ctx context.Context, sessionID, pollID string) error {
	return s.updateSession(ctx, sessionID, bson.M{"$set": bson.M{"pollId": pollID}})
}

func toAttendanceDoc(a classroom.Attendance) attendanceDoc {
	return attendanceDoc{ID: a.ID, SessionID: a.SessionID, SectionID: a.SectionID, StudentID: a.StudentID, Status: string(a.Status), Mode: string(a.Mode),
		CheckedInAt: a.CheckedInAt, IP: a.IP, UserAgent: a.UserAgent, Manual: a.Manual, MarkedBy: a.MarkedBy, Note: a.Note, MarkedAt: a.MarkedAt}
}

// InsertAttendance inserts a record; its composed _id makes a second one a conflict.
func (s *Store) InsertAttendance(ctx context.Context, a *classroom.Attendance) error {
	_, err := s.db.Collection("attendance").InsertOne(ctx, toAttendanceDoc(*a))
	return mapErr(err, "check-in")
}

// AttendanceByID returns one record.
func (s *Store) AttendanceByID(ctx context.Context, id string) (classroom.Attendance, error) {
	var d attendanceDoc
	err := s.db.Collection("attendance").FindOne(ctx, bson.M{"_id": id}).Decode(&d)
	return d.attendance(), mapErr(err, "attendance record")
}

// MarkAttendance sets the status by hand, keeping check-in details of an existing record.
func (s *Store) MarkAttendance(ctx context.Context, a classroom.Attendance) error {
	defer s.lockDoc("attendance/" + a.ID)()
	_, err := s.db.Collection("attendance").UpdateOne(ctx, bson.M{"_id": a.ID}, bson.M{
		"$set":         bson.M{"status": string(a.Status), "manual": true, "markedBy": a.MarkedBy, "note": a.Note, "markedAt": a.MarkedAt},
		"$setOnInsert": bson.M{"sessionId": a.SessionID, "sectionId": a.SectionID, "studentId": a.StudentID, "mode": "", "ip": "", "userAgent": ""},
	}, options.Update().SetUpsert(true))
	return mapErr(err, "attendance record")
}

// MarkAbsent inserts an absent record for each student without one.
func (s *Store) MarkAbsent(ctx context.Context, sessionID, sectionID string, studentIDs []string) (int, error) {
	n := 0
	for _, id := range studentIDs {
		d := attendanceDoc{ID: classroom.AttendanceID(sessionID, id), SessionID: sessionID, SectionID: sectionID, StudentID: id, Status: string(classroom.Absent)}
		_, err := s.db.Collection("attendance").InsertOne(ctx, d)
		if mongo.IsDuplicateKeyError(err) {
			continue
		}
		if err != nil {
			return n, mapErr(err, "attendance record")
		}
		n++
	}
	return n, nil
}

// AttendanceBySession returns a session's records.
func (s *Store) AttendanceBySession(ctx context.Context, sessionID string) ([]classroom.Attendance, error) {
	return findAll(ctx, s.db.Collection("attendance"), bson.M{"sessionId": sessionID}, "attendance", attendanceDoc.attendance)
}

// AttendanceBySection returns a section's records.
func (s *Store) AttendanceBySection(ctx context.Context, sectionID string) ([]classroom.Attendance, error) {
	return findAll(ctx, s.db.Collection("attendance"), bson.M{"sectionId": sectionID}, "attendance", attendanceDoc.attendance)
}

// presenceDoc counts a user's open room connections; _id "sessionID/userID".
type presenceDoc struct {
	ID        string    `bson:"_id"`
	SessionID string    `bson:"sessionId"`
	UserID    string    `bson:"userId"`
	Online    int       `bson:"online"`
	LastSeen  time.Time `bson:"lastSeen"`
}

// AddPresence adds to a user's open connection count, creating it on first connect.
func (s *Store) AddPresence(ctx context.Context, sessionID, userID string, delta int, at time.Time) (int, error) {
	id := sessionID + "/" + userID
	defer s.lockDoc("presence/" + id)()
	var d presenceDoc
	err := s.db.Collection("presence").FindOneAndUpdate(ctx, bson.M{"_id": id}, bson.M{
		"$inc": bson.M{"online": delta}, "$set": bson.M{"lastSeen": at, "sessionId": sessionID, "userId": userID},
	}, options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
	return d.Online, mapErr(err, "presence")
}

// Presence returns a user's open connection count and whether they ever connected.
func (s *Store) Presence(ctx context.Context, sessionID, userID string) (int, bool, error) {
	var d presenceDoc
	err := s.db.Collection("presence").FindOne(ctx, bson.M{"_id": sessionID + "/" + userID}).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return 0, false, nil
	}
	return max(d.Online, 0), err == nil, mapErr(err, "presence")
}

// PresenceBySession returns the open connection counts of a session's users.
func (s *Store) PresenceBySession(ctx context.Context, sessionID string) (map[string]int, error) {
	docs, err := findAll(ctx, s.db.Collection("presence"), bson.M{"sessionId": sessionID}, "presence", func(d presenceDoc) presenceDoc { return d })
	out := map[string]int{}
	for _, d := range docs {
		out[d.UserID] = max(d.Online, 0)
	}
	return out, err
}

// CreateChat inserts a chat message and sets its ID.
func (s *Store) CreateChat(ctx context.Context, m *classroom.ChatMessage) error {
	if m.ID == "" {
		m.ID = newID()
	}
	_, err := s.db.Collection("chat").InsertOne(ctx, chatDoc{ID: m.ID, SessionID: m.SessionID, UserID: m.UserID, Name: m.Name, Text: m.Text, At: m.At})
	return mapErr(err, "message")
}

// ChatByID returns one message.
func (s *Store) ChatByID(ctx context.Context, id string) (classroom.ChatMessage, error) {
	var d chatDoc
	err := s.db.Collection("chat").FindOne(ctx, bson.M{"_id": id}).Decode(&d)
	return d.message(), mapErr(err, "message")
}

// DeleteChat marks a message deleted.
func (s *Store) DeleteChat(ctx context.Context, id, by string) error {
	_, err := s.db.Collection("chat").UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$set": bson.M{"deleted": true, "deletedBy": by}})
	return mapErr(err, "message")
}

// RecentChat returns a session's last limit messages, oldest first.
func (s *Store) RecentChat(ctx context.Context, sessionID string, limit int) ([]classroom.ChatMessage, error) {
	out, err := findAll(ctx, s.db.Collection("chat"), bson.M{"sessionId": sessionID}, "messages", chatDoc.message,
		options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(limit)))
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, err
}

// CreatePoll inserts a poll and sets its ID.
func (s *Store) CreatePoll(ctx context.Context, p *classroom.Poll) error {
	if p.ID == "" {
		p.ID = newID()
	}
	d := pollDoc{ID: p.ID, SessionID: p.SessionID, ItemID: p.ItemID, Stem: p.Stem, Choose: p.Choose, Rationale: p.Rationale, Status: string(p.Status),
		OpenedAt: p.OpenedAt, ClosesAt: p.ClosesAt, Counts: map[string]int{}, CreatedBy: p.CreatedBy}
	for _, o := range p.Options {
		d.Options = append(d.Options, pollOptionDoc{ID: o.ID, Text: o.Text, Correct: o.Correct})
		d.Counts[o.ID] = 0
	}
	_, err := s.db.Collection("polls").InsertOne(ctx, d)
	return mapErr(err, "poll")
}

// PollByID returns one poll.
func (s *Store) PollByID(ctx context.Context, id string) (classroom.Poll, error) {
	var d pollDoc
	err := s.db.Collection("polls").FindOne(ctx, bson.M{"_id": id}).Decode(&d)
	return d.poll(), mapErr(err, "poll")
}

// PollsBySession returns a session's polls, oldest first.
func (s *Store) PollsBySession(ctx context.Context, sessionID string) ([]classroom.Poll, error) {
	return findAll(ctx, s.db.Collection("polls"), bson.M{"sessionId": sessionID}, "polls", pollDoc.poll, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
}

// TransitionPoll moves a poll to status to if it is in one of from.
func (s *Store) TransitionPoll(ctx context.Context, id string, from []classroom.PollStatus, to classroom.PollStatus, at time.Time) (classroom.Poll, error) {
	fs := bson.A{}
	for _, f := range from {
		fs = append(fs, string(f))
	}
	defer s.lockDoc("polls/" + id)()
	set := bson.M{"status": string(to)}
	if to == classroom.PollClosed {
		set["closedAt"] = at
	}
	var d pollDoc
	err := s.db.Collection("polls").FindOneAndUpdate(ctx, bson.M{"_id": id, "status": bson.M{"$in": fs}}, bson.M{"$set": set},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if err == mongo.ErrNoDocuments {
		if _, err := s.PollByID(ctx, id); err != nil {
			return classroom.Poll{}, err
		}
		return classroom.Poll{}, apperr.New(apperr.Conflict, "The poll cannot become %s.", to)
	}
	return d.poll(), mapErr(err, "poll")
}

// SavePollResponse upserts a response and returns the choices it replaced.
func (s *Store) SavePollResponse(ctx context.Context, r classroom.PollResponse) ([]string, bool, error) {
	defer s.lockDoc("poll_responses/" + r.ID)()
	var prev pollResponseDoc
	err := s.db.Collection("poll_responses").FindOneAndUpdate(ctx, bson.M{"_id": r.ID}, bson.M{
		"$set": bson.M{"pollId": r.PollID, "sessionId": r.SessionID, "studentId": r.StudentID, "choices": r.Choices, "correct": r.Correct, "at": r.At},
	}, options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.Before)).Decode(&prev)
	if err == mongo.ErrNoDocuments {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, mapErr(err, "response")
	}
	return prev.Choices, true, nil
}

// AddPollCounts adds to a poll's counters atomically and returns the poll.
func (s *Store) AddPollCounts(ctx context.Context, pollID string, inc map[string]int, answered int) (classroom.Poll, error) {
	defer s.lockDoc("polls/" + pollID)()
	m := bson.M{"answered": answered}
	for k, v := range inc {
		if v != 0 {
			m["counts."+k] = v
		}
	}
	var d pollDoc
	err := s.db.Collection("polls").FindOneAndUpdate(ctx, bson.M{"_id": pollID}, bson.M{"$inc": m},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	return d.poll(), mapErr(err, "poll")
}

// ResponsesByPoll returns a poll's responses.
func (s *Store) ResponsesByPoll(ctx context.Context, pollID string) ([]classroom.PollResponse, error) {
	return findAll(ctx, s.db.Collection("poll_responses"), bson.M{"pollId": pollID}, "responses", pollResponseDoc.response)
}

// ResponsesBySession returns every response in a session.
func (s *Store) ResponsesBySession(ctx context.Context, sessionID string) ([]classroom.PollResponse, error) {
	return findAll(ctx, s.db.Collection("poll_responses"), bson.M{"sessionId": sessionID}, "responses", pollResponseDoc.response)
}

// CountResponses counts the answers of the listed students to a poll from their response
// documents (one _id lookup each), the exact result whatever the live counters say.
func (s *Store) CountResponses(ctx context.Context, pollID string, studentIDs []string) (map[string]int, int, error) {
	counts, answered := map[string]int{}, 0
	for _, id := range studentIDs {
		var d pollResponseDoc
		err := s.db.Collection("poll_responses").FindOne(ctx, bson.M{"_id": pollID + "/" + id}).Decode(&d)
		if err == mongo.ErrNoDocuments {
			continue
		}
		if err != nil {
			return nil, 0, mapErr(err, "response")
		}
		answered++
		for _, c := range d.Choices {
			counts[c]++
		}
	}
	return counts, answered, nil
}

// SetPollCounts replaces a poll's counters and returns the poll.
func (s *Store) SetPollCounts(ctx context.Context, pollID string, counts map[string]int, answered int) (classroom.Poll, error) {
	defer s.lockDoc("polls/" + pollID)()
	var d pollDoc
	err := s.db.Collection("polls").FindOneAndUpdate(ctx, bson.M{"_id": pollID}, bson.M{"$set": bson.M{"counts": counts, "answered": answered}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	return d.poll(), mapErr(err, "poll")
}

// PollResponse returns one student's response to a poll.
func (s *Store) PollResponse(ctx context.Context, pollID, studentID string) (classroom.PollResponse, bool, error) {
	var d pollResponseDoc
	err := s.db.Collection("poll_responses").FindOne(ctx, bson.M{"_id": pollID + "/" + studentID}).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return classroom.PollResponse{}, false, nil
	}
	return d.response(), err == nil, mapErr(err, "response")
}
