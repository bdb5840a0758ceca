// Package audit records who changed what and when. Every state change that matters in
// Chartroom (sign-ins, user and enrollment changes, imports, payments, attempt resets)
// writes an Entry through a Log.
package audit

import (
	"context"
	"time"
)

// Entry is one audited event. Entries are append-only.
type Entry struct {
	ID      string
	At      time.Time
	ActorID string // user id, or "system" / "cli"
	Action  string // dotted verb such as "user.create" or "auth.login_failed"
	Subject string // what the action was about, e.g. "user:<id>" or "program:<id>"
	IP      string
	Details map[string]string
}

// Store appends and lists audit entries.
type Store interface {
	AppendAudit(ctx context.Context, e Entry) error
	ListAudit(ctx context.Context, f Filter) ([]Entry, error)
}

// Filter selects audit entries, newest first.
type Filter struct {
	Subject string
	ActorID string
	Action  string
	Limit   int
}

// Log writes audit entries with the time taken from a clock.
type Log struct {
	store Store
	now   func() time.Time
}

// NewLog returns a Log writing to store; now defaults to time.Now.
func NewLog(store Store, now func() time.Time) *Log {
	if now == nil {
		now = time.Now
	}
	return &Log{store: store, now: now}
}

// Record appends an entry, filling in the time when it is zero.
func (l *Log) Record(ctx context.Context, e Entry) error {
	if e.At.IsZero() {
		e.At = l.now().UTC()
	}
	return l.store.AppendAudit(ctx, e)
}

// List returns entries matching f, newest first.
func (l *Log) List(ctx context.Context, f Filter) ([]Entry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	return l.store.ListAudit(ctx, f)
}
