// Package courses holds prep courses: modules by exam domain and Markdown lessons, imported
// from the content tree.
package courses

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/content"
)

// Lesson is one lesson of a module.
type Lesson struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Competency string   `json:"competency"`
	Bloom      string   `json:"bloom"`
	Minutes    int      `json:"minutes"`
	Quiz       []string `json:"quiz,omitempty"`
	Markdown   string   `json:"markdown"`
}

// Module is a course module, usually one exam domain.
type Module struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	Domain       string   `json:"domain"`
	Competencies []string `json:"competencies"`
	Quiz         []string `json:"quiz,omitempty"`
	Lessons      []Lesson `json:"lessons"`
}

// Course is a prep course for one exam.
type Course struct {
	Slug      string    `json:"slug"`
	Title     string    `json:"title"`
	Exam      string    `json:"exam"`
	Summary   string    `json:"summary"`
	Modules   []Module  `json:"modules"`
	Hash      string    `json:"-"`
	UpdatedAt time.Time `json:"-"`
}

// ContentHash is the SHA-256 of the course's content.
func (c Course) ContentHash() string {
	b, _ := json.Marshal(c)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// FromContent converts a validated content course.
func FromContent(c *content.Course) Course {
	out := Course{Slug: c.Slug, Title: c.Title, Exam: c.Exam, Summary: c.Summary}
	for _, m := range c.Modules {
		mod := Module{ID: m.ID, Title: m.Title, Domain: m.Domain, Competencies: m.Competencies, Quiz: m.Quiz}
		for _, l := range c.Lessons {
			if l.Module == m.ID {
				mod.Lessons = append(mod.Lessons, Lesson{ID: l.ID, Title: l.Title, Competency: l.Competency, Bloom: l.Bloom, Minutes: l.Minutes, Quiz: l.Quiz, Markdown: l.Markdown})
			}
		}
		out.Modules = append(out.Modules, mod)
	}
	out.Hash = out.ContentHash()
	return out
}

// Store is the persistence courses need.
type Store interface {
	CourseBySlug(ctx context.Context, slug string) (Course, error)
	SaveCourse(ctx context.Context, c Course) error
	ListCourses(ctx context.Context) ([]Course, error)
}

// ImportResult counts what an import did.
type ImportResult struct{ Added, Updated, Unchanged int }

// Service imports and reads courses.
type Service struct {
	store    Store
	progress ProgressStore
	bank     Bank
	audit    *audit.Log
	now      func() time.Time
}

// NewService returns a courses Service.
func NewService(store Store, log *audit.Log, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, audit: log, now: now}
}

// Import upserts courses by slug and content hash.
func (s *Service) Import(ctx context.Context, actorID string, cs []Course) (ImportResult, error) {
	var r ImportResult
	for _, c := range cs {
		c.Hash = c.ContentHash()
		c.UpdatedAt = s.now().UTC()
		cur, err := s.store.CourseBySlug(ctx, c.Slug)
		switch {
		case apperr.Is(err, apperr.NotFound):
			r.Added++
		case err != nil:
			return r, err
		case cur.Hash == c.Hash:
			r.Unchanged++
			continue
		default:
			r.Updated++
		}
		if err := s.store.SaveCourse(ctx, c); err != nil {
			return r, err
		}
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: actorID, Action: "courses.import", Subject: "courses", Details: map[string]string{
		"added": fmt.Sprint(r.Added), "updated": fmt.Sprint(r.Updated), "unchanged": fmt.Sprint(r.Unchanged)}})
	return r, nil
}

// List returns every course.
func (s *Service) List(ctx context.Context) ([]Course, error) { return s.store.ListCourses(ctx) }

// Course returns a course by slug.
func (s *Service) Course(ctx context.Context, slug string) (Course, error) {
	return s.store.CourseBySlug(ctx, slug)
}

// Lesson returns one lesson of a course with the module it belongs to.
func (s *Service) Lesson(ctx context.Context, slug, lessonID string) (Course, Module, Lesson, error) {
	c, err := s.store.CourseBySlug(ctx, slug)
	if err != nil {
		return Course{}, Module{}, Lesson{}, err
	}
	for _, m := range c.Modules {
		for _, l := range m.Lessons {
			if l.ID == lessonID {
				return c, m, l, nil
			}
		}
	}
	return Course{}, Module{}, Lesson{}, apperr.New(apperr.NotFound, "No such lesson.")
}
