package classroom

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
)

// ChatView is a chat message as broadcast.
type ChatView struct {
	ID     string    `json:"id"`
	UserID string    `json:"userId"`
	Name   string    `json:"name"`
	Text   string    `json:"text"`
	At     time.Time `json:"at"`
}

func chatView(m ChatMessage) ChatView {
	return ChatView{ID: m.ID, UserID: m.UserID, Name: m.Name, Text: m.Text, At: m.At}
}

// allowChat applies the per-user chat rate limit (kept per instance: it protects the room,
// it decides nothing that is recorded).
func (s *Service) allowChat(userID string, now time.Time) (time.Duration, bool) {
	s.chatMu.Lock()
	defer s.chatMu.Unlock()
	sent := s.chatSent[userID]
	cut := 0
	for cut < len(sent) && now.Sub(sent[cut]) >= s.opt.ChatWindow {
		cut++
	}
	sent = sent[cut:]
	if len(sent) >= s.opt.ChatRate {
		s.chatSent[userID] = sent
		return s.opt.ChatWindow - now.Sub(sent[0]), false
	}
	s.chatSent[userID] = append(sent, now)
	if len(s.chatSent) > 10000 {
		for k, v := range s.chatSent {
			if len(v) == 0 || now.Sub(v[len(v)-1]) >= s.opt.ChatWindow {
				delete(s.chatSent, k)
			}
		}
	}
	return 0, true
}

// Chat posts a message to a live session. Muted users, empty or over-long messages and
// users over the rate limit are refused.
func (s *Service) Chat(ctx context.Context, p accounts.Principal, sessionID, text string) (ChatMessage, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return ChatMessage{}, apperr.Field("text", "is required")
	}
	if utf8.RuneCountInString(text) > MaxChatLength {
		return ChatMessage{}, apperr.Field("text", "must be at most 500 characters")
	}
	sa, err := s.liveSession(ctx, p, sessionID)
	if err != nil {
		return ChatMessage{}, err
	}
	muted, err := s.store.IsMuted(ctx, sessionID, p.UserID)
	if err != nil {
		return ChatMessage{}, err
	}
	if !sa.Staff && muted {
		return ChatMessage{}, &apperr.Error{Kind: apperr.Forbidden, Type: "muted", Message: "The instructor has muted you in this session's chat."}
	}
	now := s.now()
	// Instructors are not rate limited: they run the room (and announce to it).
	if wait, ok := s.allowChat(p.UserID, now); !sa.Staff && !ok {
		return ChatMessage{}, &apperr.Error{Kind: apperr.TooMany, Message: "You are sending messages too fast.", RetryAfterSeconds: int(wait/time.Second) + 1}
	}
	m := ChatMessage{SessionID: sessionID, UserID: p.UserID, Name: p.Name, Text: text, At: now}
	if err := s.store.CreateChat(ctx, &m); err != nil {
		return ChatMessage{}, err
	}
	s.emit(ctx, sessionID, false, "chat.message", chatView(m))
	return m, nil
}

// DeleteChat removes a message from the room (staff only); it stays in the store, marked.
func (s *Service) DeleteChat(ctx context.Context, p accounts.Principal, sessionID, messageID string) error {
	if _, err := s.staffSession(ctx, p, sessionID); err != nil {
		return err
	}
	m, err := s.store.ChatByID(ctx, messageID)
	if err != nil || m.SessionID != sessionID {
		return apperr.New(apperr.NotFound, "No such message.")
	}
	if err := s.store.DeleteChat(ctx, messageID, p.UserID); err != nil {
		return err
	}
	s.record(ctx, p, "chat.delete", "session:"+sessionID, map[string]string{"messageId": messageID, "authorId": m.UserID, "text": truncate(m.Text, 200)})
	s.emit(ctx, sessionID, false, "chat.deleted", map[string]string{"id": messageID})
	return nil
}

// Mute stops (or lets again) a student chat in a session (staff only).
func (s *Service) Mute(ctx context.Context, p accounts.Principal, sessionID, userID string, muted bool) error {
	sa, err := s.staffSession(ctx, p, sessionID)
	if err != nil {
		return err
	}
	if !sa.Section.HasStudent(userID) {
		return apperr.Field("userId", "is not a student of the section")
	}
	if err := s.store.SetMuted(ctx, sessionID, userID, muted); err != nil {
		return err
	}
	action := "chat.mute"
	if !muted {
		action = "chat.unmute"
	}
	s.record(ctx, p, action, "session:"+sessionID, map[string]string{"userId": userID})
	s.emit(ctx, sessionID, false, "chat.muted", map[string]any{"userId": userID, "muted": muted})
	return nil
}

// HandView is a raised hand as broadcast.
type HandView struct {
	UserID string    `json:"userId"`
	Name   string    `json:"name"`
	At     time.Time `json:"at"`
}

// RaiseHand puts p in (or takes p out of) the hand queue.
func (s *Service) RaiseHand(ctx context.Context, p accounts.Principal, sessionID string, up bool) error {
	if _, err := s.liveSession(ctx, p, sessionID); err != nil {
		return err
	}
	h := Hand{UserID: p.UserID, Name: p.Name, At: s.now()}
	if err := s.store.SetHand(ctx, sessionID, h, up); err != nil {
		return err
	}
	if up {
		s.emit(ctx, sessionID, false, "hand.raised", HandView{UserID: h.UserID, Name: h.Name, At: h.At})
	} else {
		s.emit(ctx, sessionID, false, "hand.lowered", map[string]string{"userId": p.UserID, "by": p.UserID})
	}
	return nil
}

// AckHand acknowledges and lowers a student's hand (staff only).
func (s *Service) AckHand(ctx context.Context, p accounts.Principal, sessionID, userID string) error {
	if _, err := s.staffSession(ctx, p, sessionID); err != nil {
		return err
	}
	if err := s.store.SetHand(ctx, sessionID, Hand{UserID: userID}, false); err != nil {
		return err
	}
	s.emit(ctx, sessionID, false, "hand.lowered", map[string]string{"userId": userID, "by": p.UserID})
	return nil
}

// Reactions are the reactions a room accepts.
var Reactions = []string{"👍", "👏", "😮", "❓", "🎉", "😂"}

// React sends a reaction to the room; reactions are not stored.
func (s *Service) React(ctx context.Context, p accounts.Principal, sessionID, emoji string) error {
	if !slices.Contains(Reactions, emoji) {
		return apperr.Field("emoji", "must be one of "+strings.Join(Reactions, " "))
	}
	if _, err := s.liveSession(ctx, p, sessionID); err != nil {
		return err
	}
	s.emit(ctx, sessionID, false, "reaction", map[string]string{"userId": p.UserID, "name": p.Name, "emoji": emoji})
	return nil
}

// LessonView is the presented lesson as broadcast.
type LessonView struct {
	CourseSlug string `json:"courseSlug"`
	LessonID   string `json:"lessonId"`
	Title      string `json:"title"`
}

// Present shows a lesson to the room; students' views follow it. An empty lessonID stops presenting.
func (s *Service) Present(ctx context.Context, p accounts.Principal, sessionID, courseSlug, lessonID string) error {
	if _, err := s.staffSession(ctx, p, sessionID); err != nil {
		return err
	}
	if lessonID == "" {
		if err := s.store.SetLesson(ctx, sessionID, nil); err != nil {
			return err
		}
		s.record(ctx, p, "lesson.clear", "session:"+sessionID, nil)
		s.emit(ctx, sessionID, false, "lesson.cleared", map[string]string{})
		return nil
	}
	_, _, l, err := s.courses.Lesson(ctx, courseSlug, lessonID)
	if apperr.Is(err, apperr.NotFound) {
		return apperr.Field("lessonId", "no such lesson in that course")
	}
	if err != nil {
		return err
	}
	ref := &LessonRef{CourseSlug: courseSlug, LessonID: lessonID, Title: l.Title}
	if err := s.store.SetLesson(ctx, sessionID, ref); err != nil {
		return err
	}
	s.record(ctx, p, "lesson.present", "session:"+sessionID, map[string]string{"course": courseSlug, "lessonId": lessonID})
	s.emit(ctx, sessionID, false, "lesson.presented", LessonView{CourseSlug: courseSlug, LessonID: lessonID, Title: l.Title})
	return nil
}

// RoomState is the snapshot a client gets on joining or when it is too far behind to resume.
type RoomState struct {
	Session struct {
		ID        string        `json:"id"`
		SectionID string        `json:"sectionId"`
		Title     string        `json:"title"`
		Section   string        `json:"section"`
		Status    SessionStatus `json:"status"`
		StartedAt time.Time     `json:"startedAt"`
	} `json:"session"`
	You struct {
		UserID string `json:"userId"`
		Name   string `json:"name"`
		Staff  bool   `json:"staff"`
		Muted  bool   `json:"muted"`
	} `json:"you"`
	Roster []Presence   `json:"roster"`
	Hands  []HandView   `json:"hands"`
	Chat   []ChatView   `json:"chat"`
	Muted  []string     `json:"muted"`
	Lesson *LessonView  `json:"lesson"`
	Poll   *PollView    `json:"poll"`
	Emoji  []string     `json:"reactions"`
	Polls  []PollView   `json:"polls,omitempty"` // staff: every poll of the session
	Mine   []MyResponse `json:"myResponses,omitempty"`
}

// MyResponse is a student's own answer to a poll.
type MyResponse struct {
	PollID  string   `json:"pollId"`
	Choices []string `json:"choices"`
}

// Room builds the room snapshot for p from the store.
func (s *Service) Room(ctx context.Context, p accounts.Principal, sessionID string) (RoomState, error) {
	sa, err := s.Session(ctx, p, sessionID)
	if err != nil {
		return RoomState{}, err
	}
	r, err := s.room(ctx, p, sa)
	if err != nil {
		return RoomState{}, err
	}
	return s.personal(ctx, p, sa, r)
}

// room builds the state shared by everyone of p's audience (staff or student).
func (s *Service) room(ctx context.Context, p accounts.Principal, sa SessionAccess) (RoomState, error) {
	sessionID := sa.Session.ID
	var r RoomState
	// Read the session again: sa may be a few moments old, and the snapshot must reflect
	// at least the room number the hub read before asking for it.
	ss, err := s.store.ClassSessionByID(ctx, sessionID)
	if err != nil {
		return RoomState{}, err
	}
	r.Session.ID, r.Session.SectionID, r.Session.Title, r.Session.Section, r.Session.Status, r.Session.StartedAt = ss.ID, ss.SectionID, ss.Title, sa.Section.Title, ss.Status, ss.StartedAt
	muted, err := s.store.Muted(ctx, sessionID)
	if err != nil {
		return RoomState{}, err
	}
	r.Emoji = Reactions
	r.Muted = append([]string{}, muted...)
	recs, err := s.store.AttendanceBySession(ctx, sessionID)
	if err != nil {
		return RoomState{}, err
	}
	byStudent := map[string]Attendance{}
	for _, a := range recs {
		byStudent[a.StudentID] = a
	}
	nm, err := names(ctx, s.users, sa.Section.StudentIDs)
	if err != nil {
		return RoomState{}, err
	}
	online, err := s.store.PresenceBySession(ctx, sessionID)
	if err != nil {
		return RoomState{}, err
	}
	r.Roster = []Presence{}
	for _, id := range sa.Section.StudentIDs {
		a, ok := byStudent[id]
		if !ok {
			a = Attendance{StudentID: id}
		}
		n, connected := online[id]
		r.Roster = append(r.Roster, presenceOf(a, nm[id], n, connected))
	}
	hands, err := s.store.Hands(ctx, sessionID)
	if err != nil {
		return RoomState{}, err
	}
	sortHands(hands)
	r.Hands = []HandView{}
	for _, h := range hands {
		r.Hands = append(r.Hands, HandView{UserID: h.UserID, Name: h.Name, At: h.At})
	}
	msgs, err := s.store.RecentChat(ctx, sessionID, 100)
	if err != nil {
		return RoomState{}, err
	}
	r.Chat = []ChatView{}
	for _, m := range msgs {
		if !m.Deleted {
			r.Chat = append(r.Chat, chatView(m))
		}
	}
	if ss.Lesson != nil {
		r.Lesson = &LessonView{CourseSlug: ss.Lesson.CourseSlug, LessonID: ss.Lesson.LessonID, Title: ss.Lesson.Title}
	}
	if ss.PollID != "" {
		if pl, err := s.store.PollByID(ctx, ss.PollID); err == nil {
			v := pollView(pl, sa.Staff, s.now())
			r.Poll = &v
		}
	}
	if sa.Staff {
		ps, err := s.store.PollsBySession(ctx, sessionID)
		if err != nil {
			return RoomState{}, err
		}
		for _, pl := range ps {
			r.Polls = append(r.Polls, pollView(pl, true, s.now()))
		}
	}
	return r, nil
}
