package mongostore_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/mongostore"
	"github.com/chartroom-him/chartroom/internal/mongostore/mongotest"
	"github.com/chartroom-him/chartroom/internal/programs"
)

func TestEnrollmentsByStudentIndex(t *testing.T) {
	ctx := context.Background()
	s := mongotest.Open(t)
	// An enrollment written before the per-student index existed (straight into the
	// collection, then migration 5's data step run again) must be found, and a later enrollment must
	// not hide it.
	if _, err := s.DB().Collection("enrollments").InsertOne(ctx, bson.M{"_id": "old", "programId": "p1", "studentId": "s1", "status": "active"}); err != nil {
		t.Fatal(err)
	}
	if err := mongostore.BuildStudentEnrollments(ctx, s.DB()); err != nil {
		t.Fatal(err)
	}
	// An index document that is not complete (written by an instance that had not
	// migrated) is completed by the first read.
	if _, err := s.DB().Collection("enrollments").InsertOne(ctx, bson.M{"_id": "old2", "programId": "p1", "studentId": "s2", "status": "active"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Collection("student_enrollments").InsertOne(ctx, bson.M{"_id": "s2", "ids": bson.A{"other"}}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.EnrollmentsByStudent(ctx, "s2"); err != nil || len(got) != 1 || got[0].ID != "old2" {
		t.Errorf("EnrollmentsByStudent(s2) = %v, %v; want old2", got, err)
	}
	if err := s.CreateEnrollment(ctx, &programs.Enrollment{ID: "new", ProgramID: "p2", StudentID: "s1", Status: programs.Active}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateEnrollment(ctx, &programs.Enrollment{ID: "dup", ProgramID: "p2", StudentID: "s1", Status: programs.Active}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("second enrollment in p2: %v, want conflict", err)
	}
	for round := range 2 { // the first read rebuilds the index, the second uses it
		got, err := s.EnrollmentsByStudent(ctx, "s1")
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, e := range got {
			ids[e.ID] = true
		}
		if len(got) != 2 || !ids["old"] || !ids["new"] {
			t.Errorf("round %d: EnrollmentsByStudent = %v, want old and new (the failed duplicate skipped)", round, got)
		}
	}
	e, err := s.EnrollmentByStudent(ctx, "p1", "s1")
	if err != nil || e.ID != "old" {
		t.Errorf("EnrollmentByStudent(p1) = %v, %v; want old", e, err)
	}
	if _, err := s.EnrollmentByStudent(ctx, "p3", "s1"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("EnrollmentByStudent(p3) = %v, want not found", err)
	}
	if got, err := s.EnrollmentsByStudent(ctx, "nobody"); err != nil || len(got) != 0 {
		t.Errorf("EnrollmentsByStudent(nobody) = %v, %v; want none", got, err)
	}
}
