package mongostore

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/chartroom-him/chartroom/internal/programs"
)

// The embedded store answers a query by _id in well under a millisecond but scans the
// whole collection for a query on any other field, and "which programs is this student
// in" is asked on every exam start. So each student has one small document, _id the
// student id, listing the ids of their enrollments.
//
// The id is added before the enrollment is inserted, so a crash in between leaves at most
// a dangling id (skipped on read), never an enrollment the index misses. A document is
// "complete" once it has been rebuilt from the enrollments collection; documents made
// only by later enrollments are completed by the first read; migration 5 builds complete
// documents for every student enrolled before the index existed, so after it the first
// enrollment of a student creates a complete document.

type studentEnrollmentsDoc struct {
	ID       string   `bson:"_id"`
	IDs      []string `bson:"ids"`
	Complete bool     `bson:"complete"`
}

func (s *Store) indexEnrollment(ctx context.Context, studentID, enrollmentID string) error {
	if s.Embedded {
		// The embedded store applies an update as read, modify, write back: two
		// enrollments of one student at once could otherwise drop an id.
		defer s.lockDoc("student_enrollments/" + studentID)()
	}
	_, err := s.db.Collection("student_enrollments").UpdateOne(ctx, bson.M{"_id": studentID},
		bson.M{"$addToSet": bson.M{"ids": enrollmentID}, "$setOnInsert": bson.M{"complete": true}}, options.Update().SetUpsert(true))
	return mapErr(err, "student enrollments")
}

// buildStudentEnrollments (migration 5) indexes the enrollments that existed before the
// per-student index, in one pass over the collection.
func buildStudentEnrollments(ctx context.Context, db *mongo.Database) error {
	cur, err := db.Collection("enrollments").Find(ctx, bson.M{}, options.Find().SetProjection(bson.M{"studentId": 1}))
	if err != nil {
		return err
	}
	byStudent := map[string][]string{}
	for cur.Next(ctx) {
		var d struct {
			ID        string `bson:"_id"`
			StudentID string `bson:"studentId"`
		}
		if err := cur.Decode(&d); err != nil {
			return err
		}
		byStudent[d.StudentID] = append(byStudent[d.StudentID], d.ID)
	}
	if err := cur.Err(); err != nil {
		return err
	}
	for student, ids := range byStudent {
		if _, err := db.Collection("student_enrollments").UpdateOne(ctx, bson.M{"_id": student},
			bson.M{"$addToSet": bson.M{"ids": bson.M{"$each": ids}}, "$set": bson.M{"complete": true}}, options.Update().SetUpsert(true)); err != nil {
			return err
		}
	}
	return nil
}

// EnrollmentsByStudent returns a student's enrollments, read by _id through the
// student's enrollment index.
func (s *Store) EnrollmentsByStudent(ctx context.Context, studentID string) ([]programs.Enrollment, error) {
	var idx studentEnrollmentsDoc
	err := s.db.Collection("student_enrollments").FindOne(ctx, bson.M{"_id": studentID}).Decode(&idx)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, mapErr(err, "student enrollments")
	}
	if errors.Is(err, mongo.ErrNoDocuments) || !idx.Complete {
		return s.rebuildStudentEnrollments(ctx, studentID)
	}
	out := make([]programs.Enrollment, 0, len(idx.IDs))
	for _, id := range idx.IDs {
		var d enrollmentDoc
		err := s.db.Collection("enrollments").FindOne(ctx, bson.M{"_id": id}).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue // removed by an import's compensation, or its insert never happened
		}
		if err != nil {
			return nil, mapErr(err, "enrollment")
		}
		out = append(out, d.enrollment())
	}
	return out, nil
}

// rebuildStudentEnrollments scans the enrollments once for a student and records the
// result as complete.
func (s *Store) rebuildStudentEnrollments(ctx context.Context, studentID string) ([]programs.Enrollment, error) {
	out, err := s.findEnrollments(ctx, bson.M{"studentId": studentID})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(out))
	for i, e := range out {
		ids[i] = e.ID
	}
	_, err = s.db.Collection("student_enrollments").UpdateOne(ctx, bson.M{"_id": studentID},
		bson.M{"$addToSet": bson.M{"ids": bson.M{"$each": ids}}, "$set": bson.M{"complete": true}}, options.Update().SetUpsert(true))
	if err != nil {
		return nil, mapErr(err, "student enrollments")
	}
	return out, nil
}

// EnrollmentByStudent returns a student's enrollment in one program.
func (s *Store) EnrollmentByStudent(ctx context.Context, programID, studentID string) (programs.Enrollment, error) {
	ens, err := s.EnrollmentsByStudent(ctx, studentID)
	if err != nil {
		return programs.Enrollment{}, err
	}
	for _, e := range ens {
		if e.ProgramID == programID {
			return e, nil
		}
	}
	return programs.Enrollment{}, mapErr(mongo.ErrNoDocuments, "enrollment")
}
