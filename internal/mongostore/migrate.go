package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// migration is one versioned schema step. Steps are idempotent (creating an index that
// exists is a no-op), so two instances starting at once cannot harm each other.
type migration struct {
	version int
	name    string
	indexes map[string][]mongo.IndexModel
}

// dataSteps are the data changes of some schema versions, run after that version's
// indexes; each must be idempotent too.
var dataSteps = map[int]func(ctx context.Context, db *mongo.Database) error{
	5: buildStudentEnrollments,
}

func idx(keys bson.D, unique bool, name string) mongo.IndexModel {
	o := options.Index().SetName(name)
	if unique {
		o.SetUnique(true)
	}
	return mongo.IndexModel{Keys: keys, Options: o}
}

// migrations lists every schema step in order; append, never edit a released one.
var migrations = []migration{
	{1, "accounts and programs", map[string][]mongo.IndexModel{
		"users":       {idx(bson.D{{Key: "email", Value: 1}}, true, "email_unique")},
		"sessions":    {idx(bson.D{{Key: "userId", Value: 1}}, false, "user"), idx(bson.D{{Key: "expiresAt", Value: 1}}, false, "expires")},
		"programs":    {idx(bson.D{{Key: "slug", Value: 1}}, true, "slug_unique")},
		"cohorts":     {idx(bson.D{{Key: "programId", Value: 1}, {Key: "nameKey", Value: 1}}, true, "program_name_unique")},
		"enrollments": {idx(bson.D{{Key: "programId", Value: 1}, {Key: "studentId", Value: 1}}, true, "program_student_unique"), idx(bson.D{{Key: "studentId", Value: 1}}, false, "student"), idx(bson.D{{Key: "importId", Value: 1}}, false, "import")},
		"audit":       {idx(bson.D{{Key: "subject", Value: 1}, {Key: "at", Value: -1}}, false, "subject_at"), idx(bson.D{{Key: "actorId", Value: 1}, {Key: "at", Value: -1}}, false, "actor_at")},
	}},
	{2, "question bank", map[string][]mongo.IndexModel{
		"items":         {idx(bson.D{{Key: "exams", Value: 1}, {Key: "status", Value: 1}}, false, "exam_status"), idx(bson.D{{Key: "domains", Value: 1}}, false, "domains")},
		"item_versions": {idx(bson.D{{Key: "itemId", Value: 1}, {Key: "version", Value: 1}}, true, "item_version_unique")},
	}},
	{3, "lesson progress and practice", map[string][]mongo.IndexModel{
		"progress":           {idx(bson.D{{Key: "userId", Value: 1}}, false, "user")},
		"practice_responses": {idx(bson.D{{Key: "itemId", Value: 1}, {Key: "version", Value: 1}}, false, "item_version"), idx(bson.D{{Key: "userId", Value: 1}}, false, "user")},
	}},
	{4, "exams and attempts", map[string][]mongo.IndexModel{
		"exams":          {idx(bson.D{{Key: "programId", Value: 1}}, false, "program")},
		"accommodations": {idx(bson.D{{Key: "studentId", Value: 1}}, false, "student")},
		"attempts": {
			idx(bson.D{{Key: "numberKey", Value: 1}}, true, "exam_student_number_unique"),
			idx(bson.D{{Key: "examId", Value: 1}, {Key: "studentId", Value: 1}}, false, "exam_student"),
			idx(bson.D{{Key: "status", Value: 1}, {Key: "deadline", Value: 1}}, false, "status_deadline"),
		},
	}},
	{5, "per-student enrollment index", nil},
	{6, "live classroom", map[string][]mongo.IndexModel{
		"sections":       {idx(bson.D{{Key: "programId", Value: 1}}, false, "program")},
		"class_sessions": {idx(bson.D{{Key: "sectionId", Value: 1}}, false, "section")},
		"attendance":     {idx(bson.D{{Key: "sessionId", Value: 1}}, false, "session"), idx(bson.D{{Key: "sectionId", Value: 1}}, false, "section")},
		"chat":           {idx(bson.D{{Key: "sessionId", Value: 1}}, false, "session")},
		"polls":          {idx(bson.D{{Key: "sessionId", Value: 1}}, false, "session")},
		"poll_responses": {idx(bson.D{{Key: "sessionId", Value: 1}}, false, "session"), idx(bson.D{{Key: "pollId", Value: 1}}, false, "poll")},
		"hands":          {idx(bson.D{{Key: "sessionId", Value: 1}}, false, "session")},
		"mutes":          {idx(bson.D{{Key: "sessionId", Value: 1}}, false, "session")},
		"presence":       {idx(bson.D{{Key: "sessionId", Value: 1}}, false, "session")},
	}},
	{7, "billing", map[string][]mongo.IndexModel{
		"fees":             {idx(bson.D{{Key: "programId", Value: 1}}, false, "program")},
		"billing_accounts": {idx(bson.D{{Key: "programIds", Value: 1}}, false, "programs")},
	}},
	{8, "accreditation outcomes", map[string][]mongo.IndexModel{
		"outcome_results":    {idx(bson.D{{Key: "programId", Value: 1}}, false, "program")},
		"outcome_employment": {idx(bson.D{{Key: "programId", Value: 1}}, false, "program")},
		"surveys":            {idx(bson.D{{Key: "programId", Value: 1}}, false, "program")},
		"survey_responses":   {idx(bson.D{{Key: "programId", Value: 1}}, false, "program")},
		"pep_goals":          {idx(bson.D{{Key: "programId", Value: 1}}, false, "program")},
	}},
}

// SchemaVersion is the version Migrate brings a database to.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// Migrate applies the schema steps newer than the database's recorded version.
func (s *Store) Migrate(ctx context.Context) error {
	meta := s.db.Collection("meta")
	var doc struct {
		Version int `bson:"version"`
	}
	err := meta.FindOne(ctx, bson.M{"_id": "schema"}).Decode(&doc)
	if err != nil && err != mongo.ErrNoDocuments {
		return fmt.Errorf("mongostore: reading schema version: %w", err)
	}
	for _, m := range migrations {
		if m.version <= doc.Version {
			continue
		}
		for coll, models := range m.indexes {
			if _, err := s.db.Collection(coll).Indexes().CreateMany(ctx, models); err != nil {
				return fmt.Errorf("mongostore: migration %d (%s) on %s: %w", m.version, m.name, coll, err)
			}
		}
		if step := dataSteps[m.version]; step != nil {
			if err := step(ctx, s.db); err != nil {
				return fmt.Errorf("mongostore: migration %d (%s): %w", m.version, m.name, err)
			}
		}
		if _, err := meta.UpdateOne(ctx, bson.M{"_id": "schema"}, bson.M{"$max": bson.M{"version": m.version}}, options.Update().SetUpsert(true)); err != nil {
			return fmt.Errorf("mongostore: recording migration %d: %w", m.version, err)
		}
		s.log.Info("schema migrated", "version", m.version, "name", m.name)
	}
	return nil
}
