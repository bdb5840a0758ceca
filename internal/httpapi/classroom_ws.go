package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/classroom"
	"github.com/chartroom-him/chartroom/internal/realtime"
)

// originAllowed accepts a WebSocket upgrade from the server's own origin (BaseURL or the
// Host the request came to) or one of the configured extra origins. A request without an
// Origin header is not from a browser; it is accepted only with a bearer token, which a
// page on another site cannot attach.
func (s *Server) originAllowed(c *fiber.Ctx, p accounts.Principal) bool {
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		return p.Kind == accounts.TokenSession
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if u.Host == string(c.Request().Host()) {
		return true
	}
	if b, err := url.Parse(s.deps.BaseURL); err == nil && b.Host != "" && strings.EqualFold(b.Scheme+"://"+b.Host, origin) {
		return true
	}
	return slices.ContainsFunc(s.deps.AllowedOrigins, func(o string) bool { return strings.EqualFold(strings.TrimRight(o, "/"), origin) })
}

// roomSocket upgrades to the room's WebSocket: the caller must see the session, come from
// an allowed origin and ask for an upgrade. ?since=N resumes after sequence number N.
func (s *Server) roomSocket(c *fiber.Ctx) error {
	if err := s.classroomReady(); err != nil {
		return err
	}
	if s.deps.Hub == nil {
		return apperr.New(apperr.Unavailable, "The live classroom is not configured on this server.")
	}
	p := mustPrincipal(c)
	sa, err := s.deps.Classroom.Session(c.UserContext(), p, c.Params("sessionId"))
	if err != nil {
		return err
	}
	if !s.originAllowed(c, p) {
		return &apperr.Error{Kind: apperr.Forbidden, Type: "origin", Message: "WebSocket connections from this origin are not allowed."}
	}
	since := int64(-1)
	if q := c.Query("since"); q != "" {
		n, err := strconv.ParseInt(q, 10, 64)
		if err != nil || n < 0 {
			return apperr.Field("since", "must be a sequence number (0 or more)")
		}
		since = n
	}
	if !websocket.IsWebSocketUpgrade(c) {
		return fiber.NewError(fiber.StatusUpgradeRequired, "This endpoint speaks WebSocket only.")
	}
	if sa.Session.Status == classroom.Ended {
		return &apperr.Error{Kind: apperr.Conflict, Type: "session-ended", Message: "The session has ended."}
	}
	// Copy what the connection needs: Fiber reuses the request's memory after the handler.
	ip, ua := strings.Clone(c.IP()), string(c.Request().Header.UserAgent())
	return websocket.New(func(conn *websocket.Conn) {
		s.serveRoom(conn, p, sa, ip, ua, since)
	}, websocket.Config{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 1024, WriteBufferPool: writeBuffers})(c)
}

func (s *Server) serveRoom(conn *websocket.Conn, p accounts.Principal, sa classroom.SessionAccess, ip, ua string, since int64) {
	sessionID := sa.Session.ID
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc := s.deps.Classroom
	// Join on a short-lived goroutine: this one lives as long as the connection, and the
	// store calls would grow its stack for good (see realtime.Hub.Serve).
	var j classroom.Joined
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		j, err = svc.Join(ctx, p, sa, ip, ua)
	}()
	<-done
	if err != nil {
		code := realtime.CloseInternal
		if apperr.Is(err, apperr.Conflict) {
			code = realtime.CloseEnded
		}
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, "cannot join: "+truncateReason(err)), time.Now().Add(time.Second))
		return
	}
	defer func() {
		go func() {
			// Generous: when a class ends hundreds leave at once and the store queues them.
			lctx, lcancel := context.WithTimeout(context.Background(), time.Minute)
			defer lcancel()
			svc.Leave(lctx, p, j)
		}()
	}()
	_ = s.deps.Hub.Serve(ctx, conn, realtime.Client{
		Room: sessionID, UserID: p.UserID, Staff: j.Staff, Since: since,
		Snapshot: func(ctx context.Context, last int64, fresh bool) (any, int64, error) {
			return svc.Snapshot(ctx, p, j.SessionAccess, last, fresh)
		},
		Handle: func(ctx context.Context, in realtime.Inbound) (any, error) {
			hctx, hcancel := context.WithTimeout(ctx, 10*time.Second)
			defer hcancel()
			return s.handleRoomMessage(hctx, p, sessionID, in)
		},
		Describe: func(err error) any { return s.describeRoomError(err) },
	})
}

// writeBuffers lends write buffers to connections only while they write, so idle
// connections hold none.
var writeBuffers = &sync.Pool{}

func truncateReason(err error) string {
	var ae *apperr.Error
	msg := "server error"
	if errors.As(err, &ae) {
		msg = ae.Message
	}
	if len(msg) > 100 {
		msg = msg[:100]
	}
	return msg
}

func (s *Server) describeRoomError(err error) any {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind == apperr.Internal {
		s.deps.Logger.Error("room message failed", "err", err)
		return map[string]any{"code": string(apperr.Internal), "message": "Something went wrong on our side."}
	}
	code := ae.Type
	if code == "" {
		code = string(ae.Kind)
	}
	m := map[string]any{"code": code, "message": ae.Message}
	if len(ae.Fields) > 0 {
		m["errors"] = ae.Fields
	}
	if ae.RetryAfterSeconds > 0 {
		m["retryAfter"] = ae.RetryAfterSeconds
	}
	return m
}

// roomData decodes a room message's data strictly into dst and validates it.
func roomData(in realtime.Inbound, dst any) error {
	if len(in.Data) == 0 {
		in.Data = []byte("{}")
	}
	dec := json.NewDecoder(strings.NewReader(string(in.Data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	return validateStruct(dst)
}

type chatSendData struct {
	Text string `json:"text" validate:"required,max=2000"`
}

type idData struct {
	ID string `json:"id" validate:"required,max=64"`
}

type userData struct {
	UserID string `json:"userId" validate:"required,max=64"`
	Muted  bool   `json:"muted"`
}

type reactionData struct {
	Emoji string `json:"emoji" validate:"required,max=16"`
}

type pollAnswerData struct {
	PollID  string   `json:"pollId" validate:"required,max=64"`
	Choices []string `json:"choices" validate:"required,min=1,max=8,dive,max=8"`
}

type pollIDData struct {
	PollID string `json:"pollId" validate:"required,max=64"`
}

type presentData struct {
	CourseSlug string `json:"courseSlug" validate:"required,max=100"`
	LessonID   string `json:"lessonId" validate:"required,max=200"`
}

// handleRoomMessage acts on one client message (the types are listed in docs/REALTIME.md).
func (s *Server) handleRoomMessage(ctx context.Context, p accounts.Principal, sessionID string, in realtime.Inbound) (any, error) {
	svc := s.deps.Classroom
	switch in.Type {
	case "chat.send":
		var d chatSendData
		if err := roomData(in, &d); err != nil {
			return nil, err
		}
		m, err := svc.Chat(ctx, p, sessionID, d.Text)
		if err != nil {
			return nil, err
		}
		return map[string]string{"id": m.ID}, nil
	case "chat.delete":
		var d idData
		if err := roomData(in, &d); err != nil {
			return nil, err
		}
		return nil, svc.DeleteChat(ctx, p, sessionID, d.ID)
	case "chat.mute":
		var d userData
		if err := roomData(in, &d); err != nil {
			return nil, err
		}
		return nil, svc.Mute(ctx, p, sessionID, d.UserID, d.Muted)
	case "hand.raise", "hand.lower":
		return nil, svc.RaiseHand(ctx, p, sessionID, in.Type == "hand.raise")
	case "hand.ack":
		var d userData
		if err := roomData(in, &d); err != nil {
			return nil, err
		}
		return nil, svc.AckHand(ctx, p, sessionID, d.UserID)
	case "reaction":
		var d reactionData
		if err := roomData(in, &d); err != nil {
			return nil, err
		}
		return nil, svc.React(ctx, p, sessionID, d.Emoji)
	case "poll.open":
		var d openPollRequest
		if err := roomData(in, &d); err != nil {
			return nil, err
		}
		pl, err := svc.OpenPoll(ctx, p, sessionID, d.poll())
		if err != nil {
			return nil, err
		}
		return map[string]string{"pollId": pl.ID}, nil
	case "poll.answer":
		var d pollAnswerData
		if err := roomData(in, &d); err != nil {
			return nil, err
		}
		r, err := svc.Answer(ctx, p, d.PollID, d.Choices)
		if err != nil {
			return nil, err
		}
		return map[string]any{"pollId": r.PollID, "choices": r.Choices}, nil
	case "poll.close", "poll.reveal":
		var d pollIDData
		if err := roomData(in, &d); err != nil {
			return nil, err
		}
		var err error
		if in.Type == "poll.close" {
			_, err = svc.ClosePoll(ctx, p, d.PollID)
		} else {
			_, err = svc.RevealPoll(ctx, p, d.PollID)
		}
		return nil, err
	case "lesson.present":
		var d presentData
		if err := roomData(in, &d); err != nil {
			return nil, err
		}
		return nil, svc.Present(ctx, p, sessionID, d.CourseSlug, d.LessonID)
	case "lesson.clear":
		return nil, svc.Present(ctx, p, sessionID, "", "")
	}
	return nil, &apperr.Error{Kind: apperr.Invalid, Type: "unknown-type", Message: "Unknown message type " + strconv.Quote(in.Type) + "."}
}
