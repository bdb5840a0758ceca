package mongostore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/mongostore"
	"github.com/chartroom-him/chartroom/internal/mongostore/mongotest"
	"github.com/chartroom-him/chartroom/internal/programs"
)

func TestMain(m *testing.M) { mongotest.Main(m) }

func TestUsers(t *testing.T) {
	ctx := context.Background()
	s := mongotest.Open(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	u := accounts.User{Email: "ann@example.edu", Name: "Ann", Roles: []accounts.Role{accounts.Student}, PasswordHash: "h", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	dup := accounts.User{Email: "ann@example.edu", Name: "Other", Roles: []accounts.Role{accounts.Student}}
	if err := s.CreateUser(ctx, &dup); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("duplicate email: got %v, want conflict", err)
	}
	got, err := s.UserByEmail(ctx, "ANN@example.edu")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != u.ID || got.Name != "Ann" || !got.CreatedAt.Equal(now) {
		t.Errorf("UserByEmail = %+v, want %+v", got, u)
	}
	if _, err := s.UserByID(ctx, "nope"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("UserByID(nope) = %v, want not found", err)
	}
	for i := 0; i < 5; i++ {
		x := accounts.User{Email: fmt.Sprintf("s%d@example.edu", i), Name: fmt.Sprintf("Student %d", i), Roles: []accounts.Role{accounts.Student}}
		if err := s.CreateUser(ctx, &x); err != nil {
			t.Fatal(err)
		}
	}
	var all []accounts.User
	cursor := ""
	for pages := 0; pages < 10; pages++ {
		items, next, err := s.ListUsers(ctx, accounts.UserFilter{Cursor: cursor, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, items...)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(all) != 6 {
		t.Errorf("paged through %d users, want 6", len(all))
	}
	items, _, err := s.ListUsers(ctx, accounts.UserFilter{Query: "student 3", Limit: 10})
	if err != nil || len(items) != 1 {
		t.Errorf("query: got %d items, err %v; want 1", len(items), err)
	}
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	s := mongotest.Open(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	mk := func(hash string, exp time.Duration) accounts.Session {
		return accounts.Session{IDHash: hash, UserID: "u1", Kind: accounts.TokenSession, CreatedAt: now, LastSeenAt: now, IdleExpiresAt: now.Add(exp), AbsoluteExpires: now.Add(time.Hour)}
	}
	for _, x := range []accounts.Session{mk("a", time.Minute), mk("b", -time.Minute), mk("c", time.Minute)} {
		if err := s.CreateSession(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.DeleteExpiredSessions(ctx, now)
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpiredSessions = %d, %v; want 1", n, err)
	}
	if err := s.TouchSession(ctx, "a", now.Add(time.Minute), now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := s.SessionByHash(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if !got.ExpiresAt().Equal(now.Add(time.Hour)) {
		t.Errorf("expiry after touch = %v, want the absolute %v", got.ExpiresAt(), now.Add(time.Hour))
	}
	if n, err := s.DeleteUserSessions(ctx, "u1", "a"); err != nil || n != 1 {
		t.Errorf("DeleteUserSessions = %d, %v; want 1", n, err)
	}
	if err := s.DeleteSession(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByHash(ctx, "a"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("after delete: %v, want not found", err)
	}
}

func TestProgramsAndEnrollments(t *testing.T) {
	ctx := context.Background()
	s := mongotest.Open(t)
	in := programs.Institution{Name: "Lakeside"}
	if err := s.CreateInstitution(ctx, &in); err != nil {
		t.Fatal(err)
	}
	p := programs.Program{Slug: "hit", InstitutionID: in.ID, Name: "HIT", Credential: "AAS", Staff: []programs.StaffMember{{UserID: "coord", Role: programs.CoordinatorRole}}}
	if err := s.CreateProgram(ctx, &p); err != nil {
		t.Fatal(err)
	}
	other := programs.Program{Slug: "hia", InstitutionID: in.ID, Name: "HIA", Credential: "BS"}
	if err := s.CreateProgram(ctx, &other); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateProgram(ctx, &programs.Program{Slug: "hit", Name: "x"}); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("duplicate slug: %v, want conflict", err)
	}
	mine, err := s.ListPrograms(ctx, "coord", nil)
	if err != nil || len(mine) != 1 || mine[0].ID != p.ID {
		t.Fatalf("ListPrograms(coord) = %v, %v; want only %s", mine, err, p.ID)
	}
	c := programs.Cohort{ProgramID: p.ID, Name: "Fall 2025", EntryYear: 2025}
	if err := s.CreateCohort(ctx, &c); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateCohort(ctx, &programs.Cohort{ProgramID: p.ID, Name: "fall 2025", EntryYear: 2025}); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("duplicate cohort name (other case): %v, want conflict", err)
	}
	for i, st := range []programs.Status{programs.Active, programs.Active, programs.Withdrawn} {
		e := programs.Enrollment{ProgramID: p.ID, CohortID: c.ID, StudentID: fmt.Sprint("s", i), Status: st, StartDate: time.Now(), ImportID: "imp1"}
		if err := s.CreateEnrollment(ctx, &e); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateEnrollment(ctx, &programs.Enrollment{ProgramID: p.ID, StudentID: "s0"}); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("double enrollment: %v, want conflict", err)
	}
	counts, err := s.CountEnrollments(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if counts[programs.Active] != 2 || counts[programs.Withdrawn] != 1 {
		t.Errorf("counts = %v, want 2 active 1 withdrawn", counts)
	}
	asStudent, err := s.ListPrograms(ctx, "s1", []string{p.ID})
	if err != nil || len(asStudent) != 1 {
		t.Errorf("ListPrograms(student) = %v, %v", asStudent, err)
	}
	if err := s.DeleteEnrollmentsByImport(ctx, "imp1"); err != nil {
		t.Fatal(err)
	}
	if counts, _ := s.CountEnrollments(ctx, p.ID); len(counts) != 0 {
		t.Errorf("after compensation counts = %v, want none", counts)
	}
}

func TestAudit(t *testing.T) {
	ctx := context.Background()
	s := mongotest.Open(t)
	log := audit.NewLog(s, nil)
	for i := 0; i < 3; i++ {
		if err := log.Record(ctx, audit.Entry{ActorID: "a", Action: fmt.Sprint("x.", i), Subject: "user:1"}); err != nil {
			t.Fatal(err)
		}
	}
	es, err := log.List(ctx, audit.Filter{Subject: "user:1"})
	if err != nil || len(es) != 3 || es[0].Action != "x.2" {
		t.Errorf("List = %+v, %v; want 3 newest first", es, err)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	s := mongotest.Open(t)
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
}

// The embedded store creates every listed collection at start, so that its _id index
// exists before the first query; a collection missing from the list would scan until
// the next periodic indexing.
func TestCollectionsListed(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, n := range mongostore.Collections() {
		listed[n] = true
	}
	re := regexp.MustCompile(`Collection\("([a-z_]+)"\)`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if !listed[m[1]] {
				t.Errorf("%s uses collection %q, which the collections list in store.go does not name", f, m[1])
			}
		}
	}
}
