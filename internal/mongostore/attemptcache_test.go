package mongostore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chartroom-him/chartroom/internal/exams"
	"github.com/chartroom-him/chartroom/internal/mongostore/mongotest"
)

// Concurrent starts, reads and saves must always see each attempt as its own.
func TestAttemptReadsUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	s := mongotest.Open(t)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			student := fmt.Sprint("student", i)
			a := exams.Attempt{ExamID: "exam1", StudentID: student, Number: 1, Status: exams.Open, StartedAt: time.Now(), Deadline: time.Now().Add(time.Hour), Timed: true}
			if err := s.CreateAttempt(ctx, &a, []exams.FormQuestion{{ItemID: "i1", Version: 1, QuestionID: "q1", Type: "single", Choose: 1}}); err != nil {
				t.Error(err)
				return
			}
			for n := range 30 {
				got, err := s.AttemptByID(ctx, a.ID)
				if err != nil || got.StudentID != student {
					t.Errorf("read %d of %s: %+v, %v", n, a.ID, got.StudentID, err)
					return
				}
				applied, err := s.SaveResponse(ctx, a.ID, exams.Response{QuestionID: "q1", Choices: []string{"A"}, Seq: int64(n + 1)}, time.Now())
				if err != nil || !applied {
					t.Errorf("save %d of %s: %v, %v", n, a.ID, applied, err)
					return
				}
			}
		}(i)
	}
	wg.Wait()
}

// A position save racing a submit must not bring the attempt back to open (the embedded
// store writes an update back as a whole document).
func TestPositionDoesNotUndoSubmit(t *testing.T) {
	ctx := context.Background()
	s := mongotest.Open(t)
	for i := range 10 {
		a := exams.Attempt{ExamID: "exam1", StudentID: fmt.Sprint("s", i), Number: 1, Status: exams.Open, StartedAt: time.Now(), Deadline: time.Now().Add(time.Hour), Timed: true}
		if err := s.CreateAttempt(ctx, &a, nil); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for p := range 8 {
			wg.Add(1)
			go func() { defer wg.Done(); _ = s.SetPosition(ctx, a.ID, p) }()
		}
		if _, err := s.FinishAttempt(ctx, a.ID, exams.Submitted, time.Now(), exams.Score{Raw: 1, Total: 1}); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		got, err := s.AttemptByID(ctx, a.ID)
		if err != nil || got.Status != exams.Submitted {
			t.Fatalf("attempt %d after racing position saves: %v, %v; want submitted", i, got.Status, err)
		}
	}
}
