package accounts_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/mongostore/mongotest"
)

func TestMain(m *testing.M) { mongotest.Main(m) }

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func newService(t *testing.T) (*accounts.Service, *clock, *audit.Log) { return newServiceTB(t) }

func newServiceTB(t testing.TB) (*accounts.Service, *clock, *audit.Log) {
	t.Helper()
	st := mongotest.Open(t)
	clk := &clock{now: time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)}
	log := audit.NewLog(st, clk.Now)
	svc := accounts.NewService(st, log, accounts.Options{
		Now: clk.Now, HashParams: accounts.HashParams{Memory: 64, Time: 1, Threads: 1},
		SessionIdle: time.Hour, SessionAbsolute: 8 * time.Hour, AccountLimit: 3, IPLimit: 10, FailWindow: 10 * time.Minute,
	})
	if _, _, err := svc.CreateUser(context.Background(), accounts.SystemPrincipal, accounts.NewUser{Email: "Pat@Example.edu", Name: "Pat", Roles: []accounts.Role{accounts.Student}, Password: "twelve-chars-ok"}); err != nil {
		t.Fatal(err)
	}
	return svc, clk, log
}

func login(t *testing.T, svc *accounts.Service) string { return loginTB(t, svc) }

func loginTB(t testing.TB, svc *accounts.Service) string {
	t.Helper()
	_, secret, _, err := svc.Login(context.Background(), accounts.Credentials{Email: "pat@example.edu", Password: "twelve-chars-ok", IP: "10.0.0.1"}, accounts.TokenSession)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func TestSessionExpiry(t *testing.T) {
	tests := []struct {
		name  string
		steps []time.Duration // advance the clock, then authenticate, for each step
		valid []bool
	}{
		{"used within idle window stays valid", []time.Duration{30 * time.Minute, 50 * time.Minute, 50 * time.Minute}, []bool{true, true, true}},
		{"idle too long expires", []time.Duration{61 * time.Minute}, []bool{false}},
		{"absolute expiry wins over activity", []time.Duration{50 * time.Minute, 50 * time.Minute, 50 * time.Minute, 50 * time.Minute, 50 * time.Minute, 50 * time.Minute, 50 * time.Minute, 50 * time.Minute, 50 * time.Minute, 50 * time.Minute}, []bool{true, true, true, true, true, true, true, true, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, clk, _ := newService(t)
			secret := login(t, svc)
			for i, d := range tt.steps {
				clk.Advance(d)
				_, err := svc.Authenticate(context.Background(), secret)
				if got := err == nil; got != tt.valid[i] {
					t.Fatalf("step %d (+%v): valid = %v, want %v (err %v)", i, d, got, tt.valid[i], err)
				}
				if err != nil && !apperr.Is(err, apperr.Unauthenticated) {
					t.Fatalf("step %d: error kind %v, want unauthenticated", i, apperr.KindOf(err))
				}
			}
		})
	}
}

func TestSweepRemovesExpiredSessions(t *testing.T) {
	svc, clk, _ := newService(t)
	expired := login(t, svc)
	clk.Advance(2 * time.Hour)
	fresh := login(t, svc)
	n, err := svc.SweepSessions(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("SweepSessions = %d, %v; want 1", n, err)
	}
	if _, err := svc.Authenticate(context.Background(), expired); err == nil {
		t.Error("expired session still authenticates")
	}
	if _, err := svc.Authenticate(context.Background(), fresh); err != nil {
		t.Errorf("fresh session: %v", err)
	}
}

func TestLoginIsCaseInsensitiveAndAudited(t *testing.T) {
	svc, _, log := newService(t)
	ctx := context.Background()
	if _, _, _, err := svc.Login(ctx, accounts.Credentials{Email: "  PAT@example.EDU ", Password: "twelve-chars-ok"}, accounts.CookieSession); err != nil {
		t.Fatalf("mixed-case email: %v", err)
	}
	if _, _, _, err := svc.Login(ctx, accounts.Credentials{Email: "pat@example.edu", Password: "wrong-password"}, accounts.CookieSession); !apperr.Is(err, apperr.Unauthenticated) {
		t.Fatalf("wrong password: %v", err)
	}
	for _, action := range []string{"auth.login", "auth.login_failed", "user.create"} {
		es, err := log.List(ctx, audit.Filter{Action: action})
		if err != nil || len(es) != 1 {
			t.Errorf("audit %s: %d entries, %v; want 1", action, len(es), err)
		}
	}
}

func TestThrottleReleasesAfterWindow(t *testing.T) {
	svc, clk, _ := newService(t)
	ctx := context.Background()
	bad := accounts.Credentials{Email: "pat@example.edu", Password: "wrong-password", IP: "10.0.0.2"}
	for i := 0; i < 3; i++ {
		_, _, _, _ = svc.Login(ctx, bad, accounts.TokenSession)
	}
	_, _, _, err := svc.Login(ctx, bad, accounts.TokenSession)
	var ae *apperr.Error
	if !apperr.Is(err, apperr.TooMany) {
		t.Fatalf("4th failure: %v, want too many", err)
	}
	if ok := asErr(err, &ae); !ok || ae.RetryAfterSeconds <= 0 || ae.RetryAfterSeconds > 600 {
		t.Errorf("RetryAfterSeconds = %d, want within the 10 minute window", ae.RetryAfterSeconds)
	}
	clk.Advance(11 * time.Minute)
	if _, _, _, err := svc.Login(ctx, accounts.Credentials{Email: "pat@example.edu", Password: "twelve-chars-ok", IP: "10.0.0.2"}, accounts.TokenSession); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

func asErr(err error, target **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	if ok {
		*target = e
	}
	return ok
}

func TestCreateUserRules(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := context.Background()
	coord := accounts.Principal{UserID: "c1", Roles: []accounts.Role{accounts.Coordinator}}
	student := accounts.Principal{UserID: "s1", Roles: []accounts.Role{accounts.Student}}
	tests := []struct {
		name  string
		actor accounts.Principal
		in    accounts.NewUser
		want  apperr.Kind // "" for success
	}{
		{"admin creates instructor", accounts.SystemPrincipal, accounts.NewUser{Email: "i@example.edu", Name: "I", Roles: []accounts.Role{accounts.Instructor}}, ""},
		{"coordinator creates student", coord, accounts.NewUser{Email: "s@example.edu", Name: "S", Roles: []accounts.Role{accounts.Student}}, ""},
		{"coordinator cannot create admin", coord, accounts.NewUser{Email: "a@example.edu", Name: "A", Roles: []accounts.Role{accounts.Admin}}, apperr.Forbidden},
		{"student cannot create", student, accounts.NewUser{Email: "x@example.edu", Name: "X", Roles: []accounts.Role{accounts.Student}}, apperr.Forbidden},
		{"bad email", accounts.SystemPrincipal, accounts.NewUser{Email: "nope", Name: "N", Roles: []accounts.Role{accounts.Student}}, apperr.Invalid},
		{"short password", accounts.SystemPrincipal, accounts.NewUser{Email: "p@example.edu", Name: "P", Roles: []accounts.Role{accounts.Student}, Password: "short"}, apperr.Invalid},
		{"taken email other case", accounts.SystemPrincipal, accounts.NewUser{Email: "PAT@example.edu", Name: "P", Roles: []accounts.Role{accounts.Student}}, apperr.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, gen, err := svc.CreateUser(ctx, tt.actor, tt.in)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CreateUser: %v", err)
				}
				if gen == "" || len(gen) < accounts.MinPasswordLength {
					t.Errorf("generated password %q too short", gen)
				}
				if u.PasswordHash == "" || u.PasswordHash == gen {
					t.Error("password not hashed")
				}
				return
			}
			if got := apperr.KindOf(err); got != tt.want {
				t.Errorf("error kind = %q (%v), want %q", got, err, tt.want)
			}
		})
	}
}

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := accounts.HashPassword("a long passphrase", accounts.DefaultHashParams)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := accounts.CheckPassword(h, "a long passphrase"); !ok || err != nil {
		t.Errorf("right password: %v %v", ok, err)
	}
	if ok, _ := accounts.CheckPassword(h, "a long passphrasE"); ok {
		t.Error("wrong password accepted")
	}
	h2, _ := accounts.HashPassword("a long passphrase", accounts.DefaultHashParams)
	if h == h2 {
		t.Error("two hashes of one password are equal: salt missing")
	}
}

// A long cache TTL (the embedded store's setting) must not delay a revocation made through
// the service, nor keep an idle or expired session alive.
func TestLongSessionCacheStillRevokes(t *testing.T) {
	ctx := context.Background()
	st := mongotest.Open(t)
	clk := &clock{now: time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)}
	svc := accounts.NewService(st, audit.NewLog(st, clk.Now), accounts.Options{
		Now: clk.Now, HashParams: accounts.HashParams{Memory: 64, Time: 1, Threads: 1},
		SessionIdle: time.Hour, SessionAbsolute: 8 * time.Hour, CacheTTL: 24 * time.Hour,
	})
	u, _, err := svc.CreateUser(ctx, accounts.SystemPrincipal, accounts.NewUser{Email: "pat@example.edu", Name: "Pat", Roles: []accounts.Role{accounts.Student}, Password: "twelve-chars-ok"})
	if err != nil {
		t.Fatal(err)
	}
	auth := func(secret string) error { _, err := svc.Authenticate(ctx, secret); return err }
	a, b, c := login(t, svc), login(t, svc), login(t, svc)
	for _, s := range []string{a, b, c} {
		if err := auth(s); err != nil { // now cached
			t.Fatal(err)
		}
	}

	// Active use over three hours: every request within the idle hour keeps it alive,
	// although the TTL asked for is a day (it is clamped to a quarter of the idle window).
	for range 12 {
		clk.Advance(15 * time.Minute)
		for _, s := range []string{a, b, c} {
			if err := auth(s); err != nil {
				t.Fatalf("active session rejected after %v: %v", clk.Now().Sub(time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)), err)
			}
		}
	}

	pa, _ := svc.Authenticate(ctx, a)
	if err := svc.Logout(ctx, pa); err != nil {
		t.Fatal(err)
	}
	if err := auth(a); !apperr.Is(err, apperr.Unauthenticated) {
		t.Fatalf("logged-out session: err = %v, want unauthenticated", err)
	}
	pb, _ := svc.Authenticate(ctx, b)
	if err := svc.ChangePassword(ctx, pb, "twelve-chars-ok", "another-twelve-chars"); err != nil {
		t.Fatal(err)
	}
	if err := auth(c); !apperr.Is(err, apperr.Unauthenticated) {
		t.Fatalf("other session after a password change: err = %v, want unauthenticated", err)
	}
	if err := auth(b); err != nil {
		t.Fatalf("the session that changed the password: %v", err)
	}
	if err := svc.DeleteUser(ctx, accounts.SystemPrincipal, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := auth(b); !apperr.Is(err, apperr.Unauthenticated) {
		t.Fatalf("deleted user's session: err = %v, want unauthenticated", err)
	}

	// Idle expiry with the cache warm.
	_, _, err = svc.CreateUser(ctx, accounts.SystemPrincipal, accounts.NewUser{Email: "pat@example.edu", Name: "Pat", Roles: []accounts.Role{accounts.Student}, Password: "twelve-chars-ok"})
	if err != nil {
		t.Fatal(err)
	}
	d := login(t, svc)
	if err := auth(d); err != nil {
		t.Fatal(err)
	}
	clk.Advance(61 * time.Minute)
	if err := auth(d); !apperr.Is(err, apperr.Unauthenticated) {
		t.Fatalf("idle session: err = %v, want unauthenticated", err)
	}
}
