// Package accounts holds users, roles, passwords, sign-in sessions and API tokens.
package accounts

import (
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/chartroom-him/chartroom/internal/apperr"
)

// Role is what a user may do. A user has one or more roles.
type Role string

// The roles.
const (
	Student     Role = "student"
	Instructor  Role = "instructor"
	Coordinator Role = "coordinator"
	Admin       Role = "admin"
)

// AllRoles lists the roles in display order.
var AllRoles = []Role{Student, Instructor, Coordinator, Admin}

// ParseRole returns the Role named s, or false.
func ParseRole(s string) (Role, bool) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	return r, slices.Contains(AllRoles, r)
}

// User is a person who signs in.
type User struct {
	ID           string
	Email        string // stored lower-cased: unique case-insensitively
	Name         string
	Roles        []Role
	PasswordHash string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Has reports whether the user has role r.
func (u User) Has(r Role) bool { return slices.Contains(u.Roles, r) }

// NormalizeEmail trims and lower-cases an email address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Validate checks the user's invariants, naming each field at fault.
func (u User) Validate() error {
	var f apperr.Fields
	if _, err := mail.ParseAddress(u.Email); err != nil || u.Email != NormalizeEmail(u.Email) || !strings.Contains(u.Email, "@") {
		f.Add("email", "must be a valid email address")
	}
	if n := strings.TrimSpace(u.Name); n == "" || len(n) > 200 {
		f.Add("name", "is required (at most 200 characters)")
	}
	if len(u.Roles) == 0 {
		f.Add("roles", "at least one role is required")
	}
	for _, r := range u.Roles {
		if !slices.Contains(AllRoles, r) {
			f.Add("roles", "unknown role "+string(r))
		}
	}
	return f.Err()
}

func fieldErr(field, msg string) error { return apperr.Field(field, msg) }
