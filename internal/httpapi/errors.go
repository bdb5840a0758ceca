package httpapi

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/chartroom-him/chartroom/internal/apperr"
)

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Instance  string              `json:"instance,omitempty"`
	RequestID string              `json:"requestId,omitempty"`
	Errors    []apperr.FieldError `json:"errors,omitempty"`
}

// ProblemContentType is the media type of error responses.
const ProblemContentType = "application/problem+json"

// statusOf is the one map from error kind to HTTP status.
var statusOf = map[apperr.Kind]int{
	apperr.Invalid:         http.StatusBadRequest,
	apperr.Unauthenticated: http.StatusUnauthorized,
	apperr.PaymentRequired: http.StatusPaymentRequired,
	apperr.Forbidden:       http.StatusForbidden,
	apperr.NotFound:        http.StatusNotFound,
	apperr.Conflict:        http.StatusConflict,
	apperr.TooLarge:        http.StatusRequestEntityTooLarge,
	apperr.TooMany:         http.StatusTooManyRequests,
	apperr.Unavailable:     http.StatusServiceUnavailable,
	apperr.Internal:        http.StatusInternalServerError,
}

// errorHandler renders every error a handler returns as problem+json. Unknown errors become
// a plain 500 that leaks nothing and are logged with the request id.
func errorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		p := problemFor(err)
		p.Instance = c.Path()
		p.RequestID = requestID(c)
		if p.Status >= 500 {
			log.Error("request failed", "requestId", p.RequestID, "method", c.Method(), "path", c.Path(), "status", p.Status, "err", err)
		}
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.RetryAfterSeconds > 0 {
			c.Set(fiber.HeaderRetryAfter, fmt.Sprint(ae.RetryAfterSeconds))
		}
		c.Set(fiber.HeaderContentType, ProblemContentType)
		return c.Status(p.Status).JSON(p, ProblemContentType)
	}
}

func problemFor(err error) Problem {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		// Errors Fiber raises itself: unknown route, method, body too large.
		slug := "http-" + fmt.Sprint(fe.Code)
		switch fe.Code {
		case http.StatusNotFound:
			slug = string(apperr.NotFound)
		case http.StatusRequestEntityTooLarge:
			slug = string(apperr.TooLarge)
		}
		return Problem{Type: problemType(slug), Title: http.StatusText(fe.Code), Status: fe.Code, Detail: fe.Message}
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return Problem{Type: problemType(string(apperr.Internal)), Title: http.StatusText(500), Status: 500, Detail: "Something went wrong on our side. The error has been logged."}
	}
	status, ok := statusOf[ae.Kind]
	if !ok {
		status = 500
	}
	slug := ae.Type
	if slug == "" {
		slug = string(ae.Kind)
	}
	p := Problem{Type: problemType(slug), Title: http.StatusText(status), Status: status, Detail: ae.Message, Errors: ae.Fields}
	if status == 500 {
		p.Detail = "Something went wrong on our side. The error has been logged."
		p.Errors = nil
	}
	return p
}

// problemType returns the problem type URI for a slug; docs/API.md lists them.
func problemType(slug string) string { return "/problems/" + slug }
