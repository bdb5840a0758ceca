package httpapi

import (
	"crypto/subtle"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
)

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "chartroom_session"

// CSRFHeader carries the CSRF token on cookie-authenticated unsafe requests.
const CSRFHeader = "X-CSRF-Token"

const principalKey = "principal"

// credentials returns the session secret from the bearer token or the cookie.
func credentials(c *fiber.Ctx) (secret string, kind accounts.SessionKind) {
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		if t, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(t), accounts.TokenSession
		}
		return "", accounts.TokenSession
	}
	return c.Cookies(SessionCookie), accounts.CookieSession
}

// optionalAuth resolves the caller when credentials are present and valid, and otherwise
// lets the request through anonymously.
func (s *Server) optionalAuth(c *fiber.Ctx) error {
	if secret, _ := credentials(c); secret != "" {
		if p, err := s.deps.Accounts.Authenticate(c.UserContext(), secret); err == nil {
			c.Locals(principalKey, p)
		}
	}
	return c.Next()
}

// requireAuth rejects requests without a valid session or token (401).
func (s *Server) requireAuth(c *fiber.Ctx) error {
	secret, kind := credentials(c)
	if secret == "" {
		return apperr.New(apperr.Unauthenticated, "Sign in to continue.")
	}
	p, err := s.deps.Accounts.Authenticate(c.UserContext(), secret)
	if err != nil {
		if kind == accounts.CookieSession && apperr.Is(err, apperr.Unauthenticated) {
			s.clearCookie(c)
		}
		return err
	}
	if p.Kind != kind {
		// A cookie session's secret is not a bearer token and vice versa.
		return apperr.New(apperr.Unauthenticated, "Sign in to continue.")
	}
	c.Locals(principalKey, p)
	return c.Next()
}

// csrf requires the session's CSRF token on unsafe requests authenticated by cookie.
// Bearer-token requests carry no ambient credentials, so they need none.
func (s *Server) csrf(c *fiber.Ctx) error {
	p, ok := principal(c)
	if !ok || p.Kind != accounts.CookieSession {
		return c.Next()
	}
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	got := c.Get(CSRFHeader)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.CSRFToken)) != 1 {
		return &apperr.Error{Kind: apperr.Forbidden, Type: "csrf", Message: "Missing or wrong CSRF token; reload the page and try again."}
	}
	return c.Next()
}

func principal(c *fiber.Ctx) (accounts.Principal, bool) {
	p, ok := c.Locals(principalKey).(accounts.Principal)
	return p, ok
}

// mustPrincipal returns the caller on routes behind requireAuth.
func mustPrincipal(c *fiber.Ctx) accounts.Principal {
	p, _ := principal(c)
	return p
}

func (s *Server) setCookie(c *fiber.Ctx, secret string, expires time.Time) {
	c.Cookie(&fiber.Cookie{
		Name: SessionCookie, Value: secret, Path: "/", Expires: expires,
		HTTPOnly: true, Secure: s.deps.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode,
	})
}

func (s *Server) clearCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{
		Name: SessionCookie, Value: "", Path: "/", Expires: time.Unix(1, 0), MaxAge: -1,
		HTTPOnly: true, Secure: s.deps.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode,
	})
}

type loginRequest struct {
	Email    string `json:"email" validate:"required,max=254"`
	Password string `json:"password" validate:"required,max=256"`
}

func (s *Server) credentialsFrom(c *fiber.Ctx) (accounts.Credentials, error) {
	var req loginRequest
	if err := decode(c, &req); err != nil {
		return accounts.Credentials{}, err
	}
	return accounts.Credentials{Email: req.Email, Password: req.Password, IP: c.IP(), UserAgent: string(c.Request().Header.UserAgent())}, nil
}

// login signs in a browser: it sets the session cookie and returns the user and CSRF token.
func (s *Server) login(c *fiber.Ctx) error {
	cr, err := s.credentialsFrom(c)
	if err != nil {
		return err
	}
	u, secret, sess, err := s.deps.Accounts.Login(c.UserContext(), cr, accounts.CookieSession)
	if err != nil {
		return err
	}
	s.setCookie(c, secret, sess.AbsoluteExpires)
	return c.JSON(fiber.Map{"user": userJSON(u), "csrfToken": sess.CSRFToken, "expiresAt": sess.ExpiresAt()})
}

// logout revokes the caller's session and clears the cookie.
func (s *Server) logout(c *fiber.Ctx) error {
	if err := s.deps.Accounts.Logout(c.UserContext(), mustPrincipal(c)); err != nil {
		return err
	}
	s.clearCookie(c)
	return c.SendStatus(fiber.StatusNoContent)
}

// createToken exchanges credentials for a bearer token (scripts, load generator, tests).
func (s *Server) createToken(c *fiber.Ctx) error {
	cr, err := s.credentialsFrom(c)
	if err != nil {
		return err
	}
	_, secret, sess, err := s.deps.Accounts.Login(c.UserContext(), cr, accounts.TokenSession)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"token": secret, "expiresAt": sess.ExpiresAt()})
}

// revokeToken revokes the bearer token (or cookie session) used for the request.
func (s *Server) revokeToken(c *fiber.Ctx) error {
	if err := s.deps.Accounts.Logout(c.UserContext(), mustPrincipal(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type changePasswordRequest struct {
	CurrentPassword string `json:"currentPassword" validate:"required,max=256"`
	NewPassword     string `json:"newPassword" validate:"required,min=12,max=256"`
}

func (s *Server) changePassword(c *fiber.Ctx) error {
	var req changePasswordRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if err := s.deps.Accounts.ChangePassword(c.UserContext(), mustPrincipal(c), req.CurrentPassword, req.NewPassword); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
