package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/bank"
	"github.com/chartroom-him/chartroom/internal/classroom"
	"github.com/chartroom-him/chartroom/internal/courses"
	"github.com/chartroom-him/chartroom/internal/mongostore"
	"github.com/chartroom-him/chartroom/internal/programs"
	"github.com/chartroom-him/chartroom/internal/realtime"
)

// liveClassroom is the classroom part of the fixture: a section of the fixture's program
// taught by "instructor" with "student" enrolled, a live session and an open poll.
type liveClassroom struct {
	svc     *classroom.Service
	hub     *realtime.Hub
	section classroom.Section
	session classroom.Session
	poll    classroom.Poll
}

func newLiveClassroom(t testing.TB, st *mongostore.Store, acc *accounts.Service, progs *programs.Service, bk *bank.Service, crs *courses.Service, log *audit.Log) *liveClassroom {
	t.Helper()
	svc := classroom.NewService(st, progs, acc, bk, crs, nil, log, classroom.Options{})
	hub, err := realtime.NewHub(st, realtime.NewInProc(), realtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hub.Close)
	svc.SetBroadcaster(hub)
	return &liveClassroom{svc: svc, hub: hub}
}

func (l *liveClassroom) populate(t testing.TB, f *fixture) {
	t.Helper()
	ctx := context.Background()
	teacher := accounts.Principal{UserID: f.users["instructor"].ID, Name: "instructor", Roles: []accounts.Role{accounts.Instructor}}
	var err error
	if l.section, err = l.svc.CreateSection(ctx, teacher, classroom.Section{ProgramID: f.program.ID, Title: "HIT 101", StudentIDs: []string{f.users["student"].ID}}); err != nil {
		t.Fatal(err)
	}
	if l.session, err = l.svc.CreateSession(ctx, teacher, l.section.ID, classroom.NewSession{Title: "Week 1", Start: true}); err != nil {
		t.Fatal(err)
	}
	if l.poll, err = l.svc.OpenPoll(ctx, teacher, l.session.ID, classroom.NewPoll{ItemID: "q-1"}); err != nil {
		t.Fatal(err)
	}
}

// replace fills the classroom route parameters of path.
func (l *liveClassroom) replace(path string) string {
	return strings.NewReplacer(":sectionId", l.section.ID, ":sessionId", l.session.ID, ":pollId", l.poll.ID, ":studentId", "nobody").Replace(path)
}
