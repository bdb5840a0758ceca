package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/chartroom-him/chartroom/internal/courses"
)

var _ courses.Store = (*Store)(nil)

type lessonDoc struct {
	ID         string   `bson:"id"`
	Title      string   `bson:"title"`
	Competency string   `bson:"competency"`
	Bloom      string   `bson:"bloom"`
	Minutes    int      `bson:"minutes"`
	Quiz       []string `bson:"quiz,omitempty"`
	Markdown   string   `bson:"markdown"`
}

type moduleDoc struct {
	ID           string      `bson:"id"`
	Title        string      `bson:"title"`
	Domain       string      `bson:"domain"`
	Competencies []string    `bson:"competencies"`
	Quiz         []string    `bson:"quiz,omitempty"`
	Lessons      []lessonDoc `bson:"lessons"`
}

type courseDoc struct {
	Slug      string      `bson:"_id"`
	Title     string      `bson:"title"`
	Exam      string      `bson:"exam"`
	Summary   string      `bson:"summary"`
	Modules   []moduleDoc `bson:"modules"`
	Hash      string      `bson:"hash"`
	UpdatedAt time.Time   `bson:"updatedAt"`
}

func (d courseDoc) course() courses.Course {
	c := courses.Course{Slug: d.Slug, Title: d.Title, Exam: d.Exam, Summary: d.Summary, Hash: d.Hash, UpdatedAt: d.UpdatedAt.UTC()}
	for _, m := range d.Modules {
		mod := courses.Module{ID: m.ID, Title: m.Title, Domain: m.Domain, Competencies: m.Competencies, Quiz: m.Quiz}
		for _, l := range m.Lessons {
			mod.Lessons = append(mod.Lessons, courses.Lesson(l))
		}
		c.Modules = append(c.Modules, mod)
	}
	return c
}

// CourseBySlug returns one course.
func (s *Store) CourseBySlug(ctx context.Context, slug string) (courses.Course, error) {
	var d courseDoc
	err := s.db.Collection("courses").FindOne(ctx, bson.M{"_id": slug}).Decode(&d)
	return d.course(), mapErr(err, "course")
}

// SaveCourse inserts or replaces a course.
func (s *Store) SaveCourse(ctx context.Context, c courses.Course) error {
	d := courseDoc{Slug: c.Slug, Title: c.Title, Exam: c.Exam, Summary: c.Summary, Hash: c.Hash, UpdatedAt: c.UpdatedAt}
	for _, m := range c.Modules {
		md := moduleDoc{ID: m.ID, Title: m.Title, Domain: m.Domain, Competencies: m.Competencies, Quiz: m.Quiz}
		for _, l := range m.Lessons {
			md.Lessons = append(md.Lessons, lessonDoc(l))
		}
		d.Modules = append(d.Modules, md)
	}
	_, err := s.db.Collection("courses").ReplaceOne(ctx, bson.M{"_id": c.Slug}, d, options.Replace().SetUpsert(true))
	return mapErr(err, "course")
}

// ListCourses returns every course by title.
func (s *Store) ListCourses(ctx context.Context) ([]courses.Course, error) {
	cur, err := s.db.Collection("courses").Find(ctx, bson.M{}, options.Find().SetSort(bson.D{{Key: "title", Value: 1}}))
	if err != nil {
		return nil, mapErr(err, "courses")
	}
	var docs []courseDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "courses")
	}
	out := make([]courses.Course, len(docs))
	for i, d := range docs {
		out[i] = d.course()
	}
	return out, nil
}
