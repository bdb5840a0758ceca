package accounts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
)

// Store is the persistence the accounts service needs.
type Store interface {
	// CreateUser inserts u and sets u.ID; a taken email is an apperr.Conflict.
	CreateUser(ctx context.Context, u *User) error
	// UserByID and UserByEmail return apperr.NotFound when there is no such user.
	UserByID(ctx context.Context, id string) (User, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	UsersByIDs(ctx context.Context, ids []string) ([]User, error)
	UpdatePassword(ctx context.Context, id, hash string, at time.Time) error
	DeleteUser(ctx context.Context, id string) error
	ListUsers(ctx context.Context, f UserFilter) ([]User, string, error)

	CreateSession(ctx context.Context, s Session) error
	// SessionByHash returns apperr.NotFound when there is no such session.
	SessionByHash(ctx context.Context, hash string) (Session, error)
	TouchSession(ctx context.Context, hash string, lastSeen, idleExpires time.Time) error
	DeleteSession(ctx context.Context, hash string) error
	DeleteUserSessions(ctx context.Context, userID, exceptHash string) (int64, error)
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
}

// UserFilter selects users for a list; Cursor is the opaque value a previous page returned.
type UserFilter struct {
	Query  string // matches email or name, case-insensitively
	Role   Role
	IDs    []string // when non-nil, only these users
	Cursor string
	Limit  int
}

// Principal is the signed-in caller of a request.
type Principal struct {
	UserID      string
	Email       string
	Name        string
	Roles       []Role
	SessionHash string
	Kind        SessionKind
	CSRFToken   string
	ExpiresAt   time.Time
}

// Has reports whether the caller has role r.
func (p Principal) Has(r Role) bool { return slices.Contains(p.Roles, r) }

// IsAdmin reports whether the caller is an admin.
func (p Principal) IsAdmin() bool { return p.Has(Admin) }

// SystemPrincipal acts for the command line and the seeder.
var SystemPrincipal = Principal{UserID: "system", Name: "system", Roles: []Role{Admin}}

// Options tune the service; zero values take defaults.
type Options struct {
	Now             func() time.Time
	HashParams      HashParams
	SessionIdle     time.Duration
	SessionAbsolute time.Duration
	// AccountLimit failures per account and IPLimit per client IP within FailWindow.
	AccountLimit int
	IPLimit      int
	FailWindow   time.Duration
	// CacheTTL is how long a resolved session is trusted without reading the store
	// (default DefaultCacheTTL). Revocations made through this Service (logout, password
	// change, user deletion) drop cached entries at once whatever the TTL; the TTL bounds
	// only how late this instance sees a revocation made by another instance. When nothing
	// else writes to the store (the embedded store) it can be long.
	CacheTTL time.Duration
}

// Service implements sign-in, sessions and user management.
type Service struct {
	store    Store
	audit    *audit.Log
	opt      Options
	accounts *Throttle
	ips      *Throttle

	dummyOnce sync.Once
	dummyHash string

	// cache remembers resolved sessions for Options.CacheTTL, so requests do not read the
	// session and the user every time. Logout, password changes and user deletion drop
	// entries here at once; another instance sees a revocation within the TTL.
	cacheMu sync.Mutex
	cache   map[string]cachedPrincipal
}

type cachedPrincipal struct {
	p     Principal
	until time.Time
}

// DefaultCacheTTL is how long a resolved session is trusted without reading the store when
// Options.CacheTTL is not set: short, because on a shared store another instance may have
// revoked it.
const DefaultCacheTTL = 5 * time.Second

func (s *Service) cached(hash string, now time.Time) (Principal, bool) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	c, ok := s.cache[hash]
	if !ok || !now.Before(c.until) || !now.Before(c.p.ExpiresAt) {
		return Principal{}, false
	}
	return c.p, true
}

func (s *Service) remember(hash string, p Principal, now time.Time) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if s.cache == nil || len(s.cache) > 100_000 {
		s.cache = map[string]cachedPrincipal{}
	}
	s.cache[hash] = cachedPrincipal{p: p, until: now.Add(s.opt.CacheTTL)}
}

func (s *Service) forget(match func(hash string, p Principal) bool) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	for h, c := range s.cache {
		if match(h, c.p) {
			delete(s.cache, h)
		}
	}
}

// NewService returns a Service over store, auditing to log.
func NewService(store Store, log *audit.Log, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.HashParams.Memory == 0 {
		opt.HashParams = DefaultHashParams
	}
	if opt.SessionIdle == 0 {
		opt.SessionIdle = 12 * time.Hour
	}
	if opt.SessionAbsolute == 0 {
		opt.SessionAbsolute = 7 * 24 * time.Hour
	}
	if opt.AccountLimit == 0 {
		opt.AccountLimit = 5
	}
	if opt.IPLimit == 0 {
		opt.IPLimit = 20
	}
	if opt.FailWindow == 0 {
		opt.FailWindow = 15 * time.Minute
	}
	if opt.CacheTTL == 0 {
		opt.CacheTTL = DefaultCacheTTL
	}
	// A cache hit does not slide the idle expiry; only a read of the store does. Keep the
	// TTL well inside the idle window so an active session is always slid in time.
	opt.CacheTTL = min(opt.CacheTTL, opt.SessionIdle/4)
	return &Service{
		store: store, audit: log, opt: opt,
		accounts: NewThrottle(opt.AccountLimit, opt.FailWindow),
		ips:      NewThrottle(opt.IPLimit, opt.FailWindow),
	}
}

// Credentials are what a user signs in with.
type Credentials struct {
	Email     string
	Password  string
	IP        string
	UserAgent string
}

// errBadCredentials is the single answer to any failed sign-in, so that a caller cannot
// tell an unknown email from a wrong password.
var errBadCredentials = &apperr.Error{Kind: apperr.Unauthenticated, Type: "bad-credentials", Message: "Email or password is incorrect."}

// Login checks credentials and opens a session of the given kind. It returns the session
// secret (to put in the cookie or hand out as a bearer token) and the session.
// Errors: apperr.Unauthenticated for bad credentials, apperr.TooMany when throttled.
func (s *Service) Login(ctx context.Context, c Credentials, kind SessionKind) (User, string, Session, error) {
	now := s.opt.Now()
	email := NormalizeEmail(c.Email)
	if wait := max(s.accounts.Blocked("acct:"+email, now), s.ips.Blocked("ip:"+c.IP, now)); wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		return User{}, "", Session{}, &apperr.Error{Kind: apperr.TooMany, Message: fmt.Sprintf("Too many sign-in attempts. Try again in %d seconds.", secs), RetryAfterSeconds: secs}
	}
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return User{}, "", Session{}, err
	}
	hash := u.PasswordHash
	if err != nil || hash == "" {
		// Spend the same work on an unknown email as on a known one.
		hash = s.dummy()
	}
	ok, cerr := CheckPassword(hash, c.Password)
	if err != nil || cerr != nil || !ok || u.PasswordHash == "" {
		s.accounts.Fail("acct:"+email, now)
		s.ips.Fail("ip:"+c.IP, now)
		_ = s.audit.Record(ctx, audit.Entry{ActorID: u.ID, Action: "auth.login_failed", Subject: "email:" + email, IP: c.IP})
		return User{}, "", Session{}, errBadCredentials
	}
	s.accounts.Reset("acct:" + email)
	secret, sess, err := s.openSession(ctx, u, kind, c.IP, c.UserAgent)
	if err != nil {
		return User{}, "", Session{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: u.ID, Action: "auth.login", Subject: "user:" + u.ID, IP: c.IP, Details: map[string]string{"kind": string(kind)}})
	return u, secret, sess, nil
}

func (s *Service) dummy() string {
	s.dummyOnce.Do(func() {
		s.dummyHash, _ = HashPassword(GeneratePassword(), s.opt.HashParams)
	})
	return s.dummyHash
}

func (s *Service) openSession(ctx context.Context, u User, kind SessionKind, ip, ua string) (string, Session, error) {
	now := s.opt.Now().UTC()
	secret, hash := newSecret()
	csrf, _ := newSecret()
	sess := Session{
		IDHash: hash, UserID: u.ID, Kind: kind, CSRFToken: csrf,
		CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: now.Add(s.opt.SessionIdle), AbsoluteExpires: now.Add(s.opt.SessionAbsolute),
		IP: ip, UserAgent: truncate(ua, 300),
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", Session{}, err
	}
	return secret, sess, nil
}

// Authenticate resolves a session secret (cookie value or bearer token) to its caller,
// enforcing idle and absolute expiry and sliding the idle expiry forward.
// Errors: apperr.Unauthenticated when the secret is unknown, revoked or expired.
func (s *Service) Authenticate(ctx context.Context, secret string) (Principal, error) {
	if secret == "" || len(secret) > 100 {
		return Principal{}, apperr.New(apperr.Unauthenticated, "Sign in to continue.")
	}
	hash := HashSecret(secret)
	if p, ok := s.cached(hash, s.opt.Now()); ok {
		return p, nil
	}
	sess, err := s.store.SessionByHash(ctx, hash)
	if apperr.Is(err, apperr.NotFound) {
		return Principal{}, apperr.New(apperr.Unauthenticated, "Your session has ended. Sign in again.")
	}
	if err != nil {
		return Principal{}, err
	}
	now := s.opt.Now().UTC()
	if sess.Expired(now) {
		_ = s.store.DeleteSession(ctx, hash)
		return Principal{}, apperr.New(apperr.Unauthenticated, "Your session has expired. Sign in again.")
	}
	u, err := s.store.UserByID(ctx, sess.UserID)
	if apperr.Is(err, apperr.NotFound) {
		_ = s.store.DeleteSession(ctx, hash)
		return Principal{}, apperr.New(apperr.Unauthenticated, "Sign in to continue.")
	}
	if err != nil {
		return Principal{}, err
	}
	// Writing on every request would double the store load; a minute's precision is plenty.
	if now.Sub(sess.LastSeenAt) > time.Minute {
		sess.IdleExpiresAt = now.Add(s.opt.SessionIdle)
		if err := s.store.TouchSession(ctx, hash, now, sess.IdleExpiresAt); err != nil {
			return Principal{}, err
		}
	}
	p := Principal{
		UserID: u.ID, Email: u.Email, Name: u.Name, Roles: u.Roles,
		SessionHash: hash, Kind: sess.Kind, CSRFToken: sess.CSRFToken, ExpiresAt: sess.ExpiresAt(),
	}
	s.remember(hash, p, now)
	return p, nil
}

// Logout revokes the caller's session or token.
func (s *Service) Logout(ctx context.Context, p Principal) error {
	s.forget(func(h string, _ Principal) bool { return h == p.SessionHash })
	if err := s.store.DeleteSession(ctx, p.SessionHash); err != nil && !apperr.Is(err, apperr.NotFound) {
		return err
	}
	return s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "auth.logout", Subject: "user:" + p.UserID, Details: map[string]string{"kind": string(p.Kind)}})
}

// ChangePassword replaces the caller's password after checking the current one, and
// revokes every other session and token of the user.
func (s *Service) ChangePassword(ctx context.Context, p Principal, current, next string) error {
	if err := validatePassword("newPassword", next); err != nil {
		return err
	}
	u, err := s.store.UserByID(ctx, p.UserID)
	if err != nil {
		return err
	}
	if ok, _ := CheckPassword(u.PasswordHash, current); !ok {
		return &apperr.Error{Kind: apperr.Unauthenticated, Message: "The current password is incorrect.", Fields: []apperr.FieldError{{Field: "currentPassword", Message: "is incorrect"}}}
	}
	hash, err := HashPassword(next, s.opt.HashParams)
	if err != nil {
		return err
	}
	if err := s.store.UpdatePassword(ctx, u.ID, hash, s.opt.Now().UTC()); err != nil {
		return err
	}
	n, err := s.store.DeleteUserSessions(ctx, u.ID, p.SessionHash)
	if err != nil {
		return err
	}
	s.forget(func(h string, c Principal) bool { return c.UserID == u.ID && h != p.SessionHash })
	return s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "user.password_change", Subject: "user:" + u.ID, Details: map[string]string{"revokedSessions": fmt.Sprint(n)}})
}

// NewUser is the input to CreateUser. An empty Password generates one.
type NewUser struct {
	Email    string
	Name     string
	Roles    []Role
	Password string
}

// CreateUser creates a user. Admins may grant any role; coordinators may create students
// only. It returns the generated password when none was given (shown to the caller once).
// Errors: apperr.Forbidden, apperr.Invalid with fields, apperr.Conflict for a taken email.
func (s *Service) CreateUser(ctx context.Context, actor Principal, n NewUser) (User, string, error) {
	if !actor.IsAdmin() {
		if !actor.Has(Coordinator) || slices.ContainsFunc(n.Roles, func(r Role) bool { return r != Student }) {
			return User{}, "", apperr.New(apperr.Forbidden, "Only an admin can create staff accounts.")
		}
	}
	u := User{Email: NormalizeEmail(n.Email), Name: strings.TrimSpace(n.Name), Roles: dedupRoles(n.Roles)}
	if err := u.Validate(); err != nil {
		return User{}, "", err
	}
	generated := ""
	if n.Password == "" {
		generated = GeneratePassword()
		n.Password = generated
	} else if err := validatePassword("password", n.Password); err != nil {
		return User{}, "", err
	}
	hash, err := HashPassword(n.Password, s.opt.HashParams)
	if err != nil {
		return User{}, "", err
	}
	now := s.opt.Now().UTC()
	u.PasswordHash, u.CreatedAt, u.UpdatedAt = hash, now, now
	if err := s.store.CreateUser(ctx, &u); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return User{}, "", &apperr.Error{Kind: apperr.Conflict, Message: "A user with this email already exists.", Fields: []apperr.FieldError{{Field: "email", Message: "is already registered"}}}
		}
		return User{}, "", err
	}
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: actor.UserID, Action: "user.create", Subject: "user:" + u.ID, Details: map[string]string{"email": u.Email, "roles": strings.Join(roles, ",")}})
	return u, generated, nil
}

// DeleteUser removes a user and their sessions. Admins may delete anyone; coordinators only
// student accounts (used to undo a failed import).
func (s *Service) DeleteUser(ctx context.Context, actor Principal, id string) error {
	u, err := s.store.UserByID(ctx, id)
	if err != nil {
		return err
	}
	if !actor.IsAdmin() && (!actor.Has(Coordinator) || !slices.Equal(u.Roles, []Role{Student})) {
		return apperr.New(apperr.Forbidden, "Only an admin can delete this account.")
	}
	if _, err := s.store.DeleteUserSessions(ctx, id, ""); err != nil {
		return err
	}
	s.forget(func(_ string, c Principal) bool { return c.UserID == id })
	if err := s.store.DeleteUser(ctx, id); err != nil {
		return err
	}
	return s.audit.Record(ctx, audit.Entry{ActorID: actor.UserID, Action: "user.delete", Subject: "user:" + id, Details: map[string]string{"email": u.Email}})
}

// User returns the user with id.
func (s *Service) User(ctx context.Context, id string) (User, error) {
	return s.store.UserByID(ctx, id)
}

// UserByEmail returns the user with the given email (any case).
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	return s.store.UserByEmail(ctx, NormalizeEmail(email))
}

// UsersByIDs returns the users with the given ids that exist.
func (s *Service) UsersByIDs(ctx context.Context, ids []string) ([]User, error) {
	return s.store.UsersByIDs(ctx, ids)
}

// ListUsers lists users for an admin. Other callers get apperr.Forbidden; coordinators list
// their students through the programs service.
func (s *Service) ListUsers(ctx context.Context, actor Principal, f UserFilter) ([]User, string, error) {
	if !actor.IsAdmin() {
		return nil, "", apperr.New(apperr.Forbidden, "Only an admin can list all users.")
	}
	return s.List(ctx, f)
}

// List lists users without an authorization check, for callers that did their own.
func (s *Service) List(ctx context.Context, f UserFilter) ([]User, string, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	return s.store.ListUsers(ctx, f)
}

// SweepSessions deletes expired sessions; the embedded store has no TTL index, so the
// server calls this periodically. It also trims the sign-in throttles.
func (s *Service) SweepSessions(ctx context.Context) (int64, error) {
	now := s.opt.Now().UTC()
	s.accounts.Sweep(now)
	s.ips.Sweep(now)
	return s.store.DeleteExpiredSessions(ctx, now)
}

// RunSweeper calls SweepSessions every interval until ctx ends.
func (s *Service) RunSweeper(ctx context.Context, every time.Duration, onErr func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.SweepSessions(ctx); err != nil && !errors.Is(err, context.Canceled) && onErr != nil {
				onErr(err)
			}
		}
	}
}

func dedupRoles(rs []Role) []Role {
	out := make([]Role, 0, len(rs))
	for _, r := range rs {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Role) int { return slices.Index(AllRoles, a) - slices.Index(AllRoles, b) })
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
