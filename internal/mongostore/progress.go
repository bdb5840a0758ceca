package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/courses"
)

var _ courses.ProgressStore = (*Store)(nil)

type progressDoc struct {
	ID         string    `bson:"_id"` // userId/course
	UserID     string    `bson:"userId"`
	Course     string    `bson:"course"`
	Completed  []string  `bson:"completed"`
	LastLesson string    `bson:"lastLesson"`
	UpdatedAt  time.Time `bson:"updatedAt"`
}

func progressID(userID, course string) string { return userID + "/" + course }

// ProgressOf returns a user's progress in a course (zero when none).
func (s *Store) ProgressOf(ctx context.Context, userID, course string) (courses.Progress, error) {
	var d progressDoc
	err := s.db.Collection("progress").FindOne(ctx, bson.M{"_id": progressID(userID, course)}).Decode(&d)
	if err := mapErr(err, "progress"); apperr.Is(err, apperr.NotFound) {
		return courses.Progress{UserID: userID, Course: course}, nil
	} else if err != nil {
		return courses.Progress{}, err
	}
	return courses.Progress{UserID: d.UserID, Course: d.Course, Completed: d.Completed, LastLesson: d.LastLesson, UpdatedAt: d.UpdatedAt.UTC()}, nil
}

// MarkLesson adds or removes a completed lesson in one atomic update.
func (s *Store) MarkLesson(ctx context.Context, userID, course, lessonID string, done bool, at time.Time) error {
	op := "$pull"
	if done {
		op = "$addToSet"
	}
	_, err := s.db.Collection("progress").UpdateOne(ctx, bson.M{"_id": progressID(userID, course)}, bson.M{
		op:             bson.M{"completed": lessonID},
		"$set":         bson.M{"updatedAt": at},
		"$setOnInsert": bson.M{"userId": userID, "course": course},
	}, options.Update().SetUpsert(true))
	return mapErr(err, "progress")
}

// SetLastLesson records where to resume.
func (s *Store) SetLastLesson(ctx context.Context, userID, course, lessonID string, at time.Time) error {
	_, err := s.db.Collection("progress").UpdateOne(ctx, bson.M{"_id": progressID(userID, course)}, bson.M{
		"$set":         bson.M{"lastLesson": lessonID, "updatedAt": at},
		"$setOnInsert": bson.M{"userId": userID, "course": course},
	}, options.Update().SetUpsert(true))
	return mapErr(err, "progress")
}

// SavePracticeResponse appends a practice answer.
func (s *Store) SavePracticeResponse(ctx context.Context, r courses.PracticeResponse) error {
	_, err := s.db.Collection("practice_responses").InsertOne(ctx, bson.M{
		"_id": newID(), "userId": r.UserID, "itemId": r.ItemID, "version": r.Version, "questionId": r.QuestionID,
		"choices": r.Choices, "correct": r.Correct, "at": r.At,
	})
	return mapErr(err, "practice response")
}
