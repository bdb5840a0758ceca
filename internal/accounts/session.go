package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// SessionKind tells a browser session (cookie) from an API token (bearer).
type SessionKind string

// The session kinds.
const (
	CookieSession SessionKind = "cookie"
	TokenSession  SessionKind = "token"
)

// Session is a signed-in session or API token as stored. The secret itself is never
// stored: only its SHA-256 (IDHash).
type Session struct {
	IDHash          string
	UserID          string
	Kind            SessionKind
	CSRFToken       string
	CreatedAt       time.Time
	LastSeenAt      time.Time
	IdleExpiresAt   time.Time
	AbsoluteExpires time.Time
	IP              string
	UserAgent       string
}

// ExpiresAt is the earlier of the idle and the absolute expiry.
func (s Session) ExpiresAt() time.Time {
	if s.IdleExpiresAt.Before(s.AbsoluteExpires) {
		return s.IdleExpiresAt
	}
	return s.AbsoluteExpires
}

// Expired reports whether the session is no longer valid at now.
func (s Session) Expired(now time.Time) bool { return !now.Before(s.ExpiresAt()) }

// newSecret returns a 256-bit random secret, URL-safe encoded, and its storage hash.
func newSecret() (secret, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret)
}

// HashSecret returns the hex SHA-256 of a session secret, the form it is stored and looked up in.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
