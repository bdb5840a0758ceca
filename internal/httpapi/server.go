// Package httpapi is Chartroom's HTTP interface: Fiber routes under /api/v1, middleware,
// request decoding and validation, the single error handler (problem+json) and the
// embedded web UI with its single-page-app fallback.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/bank"
	"github.com/chartroom-him/chartroom/internal/billing"
	"github.com/chartroom-him/chartroom/internal/classroom"
	"github.com/chartroom-him/chartroom/internal/courses"
	"github.com/chartroom-him/chartroom/internal/exams"
	"github.com/chartroom-him/chartroom/internal/outcomes"
	"github.com/chartroom-him/chartroom/internal/programs"
	"github.com/chartroom-him/chartroom/internal/realtime"
)

// Deps are what the HTTP layer needs.
type Deps struct {
	Accounts *accounts.Service
	Programs *programs.Service
	Audit    *audit.Log
	Courses  *courses.Service
	Bank     *bank.Service
	Exams    *exams.Service
	// Billing is optional: without it fees are unavailable and nothing is locked.
	Billing *billing.Service
	// Outcomes serves accreditation outcomes; nil leaves its routes out.
	Outcomes *outcomes.Service
	// Ready reports whether the store answers; /readyz calls it.
	Ready func(ctx context.Context) error
	// UI holds the built web UI (index.html at its root); nil serves a notice instead.
	UI            fs.FS
	Logger        *slog.Logger
	SecureCookies bool
	BodyLimit     int
	Version       string
	// RequestTimeout bounds each request's context; zero means 30 s.
	RequestTimeout time.Duration
	// Classroom and Hub serve the live classroom; nil answers its routes with 503.
	Classroom *classroom.Service
	Hub       *realtime.Hub
	// BaseURL and AllowedOrigins decide which origins may open a WebSocket.
	BaseURL        string
	AllowedOrigins []string
}

// Access says who may call a route; the authorization test checks every route has one.
type Access string

// The access levels of routes. Finer rules (own program, own attempt) live in the services.
const (
	Public        Access = "public"        // anyone, signed in or not
	Authenticated Access = "authenticated" // any signed-in user
)

// Route describes a registered route.
type Route struct {
	Method, Path string
	Access       Access
}

// Server is the HTTP application.
type Server struct {
	app    *fiber.App
	deps   Deps
	routes []Route
}

// New builds the Fiber app with every route registered.
func New(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.BodyLimit == 0 {
		d.BodyLimit = 4 << 20
	}
	if d.RequestTimeout == 0 {
		d.RequestTimeout = 30 * time.Second
	}
	app := fiber.New(fiber.Config{
		AppName:               "chartroom",
		ErrorHandler:          errorHandler(d.Logger),
		BodyLimit:             d.BodyLimit,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		DisableStartupMessage: true,
		// Params, queries and headers are copies, not views into fasthttp's reused buffers:
		// services keep ids as map keys in caches, and a view would change under them.
		Immutable: true,
		// Prefork stays off: rate limiters and the live-classroom hub hold process state.
	})
	s := &Server{app: app, deps: d}
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		d.Logger.Error("panic", "requestId", requestID(c), "panic", e)
	}}))
	app.Use(s.requestContext)
	app.Use(s.securityHeaders)
	s.registerRoutes()
	return s
}

// App returns the Fiber app (for Listen and app.Test).
func (s *Server) App() *fiber.App { return s.app }

// Routes lists the registered routes with their declared access.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// Shutdown stops accepting connections and waits for in-flight requests up to ctx's deadline.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

// handle registers a route with its access level, wrapping the handler with the
// authentication it needs.
func (s *Server) handle(method, path string, access Access, h fiber.Handler) {
	s.routes = append(s.routes, Route{Method: method, Path: path, Access: access})
	switch access {
	case Public:
		s.app.Add(method, path, s.optionalAuth, h)
	default:
		s.app.Add(method, path, s.requireAuth, s.csrf, h)
	}
}

const requestIDHeader = "X-Request-ID"

type ctxKey int

const requestIDKey ctxKey = 0

// requestContext gives each request an id (echoed in X-Request-ID) and a context with a
// deadline that handlers pass down as c.UserContext().
func (s *Server) requestContext(c *fiber.Ctx) error {
	id := c.Get(requestIDHeader)
	if id == "" || len(id) > 64 || strings.ContainsAny(id, "\r\n") {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Locals("requestId", id)
	c.Set(requestIDHeader, id)
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), requestIDKey, id), s.deps.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	start := time.Now()
	err := c.Next()
	if err != nil {
		// Render now so the log line below has the final status.
		if herr := s.app.ErrorHandler(c, err); herr != nil {
			return herr
		}
	}
	if strings.HasPrefix(c.Path(), "/api/") {
		s.deps.Logger.Debug("request", "requestId", id, "method", c.Method(), "path", c.Path(), "status", c.Response().StatusCode(), "ms", time.Since(start).Milliseconds())
	}
	return nil
}

func (s *Server) securityHeaders(c *fiber.Ctx) error {
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("X-Frame-Options", "DENY")
	return c.Next()
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals("requestId").(string)
	return id
}
