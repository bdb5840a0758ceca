package exams_test

import (
	"testing"
	"time"

	"github.com/chartroom-him/chartroom/internal/exams"
)

func TestDeadline(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	h := time.Hour
	tests := []struct {
		name      string
		timing    exams.Timing
		want      time.Time
		wantTimed bool
	}{
		{"limit only", exams.Timing{Start: start, Limit: 3*h + 30*time.Minute}, start.Add(210 * time.Minute), true},
		{"window closes first", exams.Timing{Start: start, Limit: 4 * h, ClosesAt: start.Add(2 * h)}, start.Add(2 * h), true},
		{"limit ends first", exams.Timing{Start: start, Limit: h, ClosesAt: start.Add(2 * h)}, start.Add(h), true},
		{"multiplier stretches the limit", exams.Timing{Start: start, Limit: 2 * h, Acc: exams.Accommodation{Multiplier: 1.5}}, start.Add(3 * h), true},
		{"extra minutes", exams.Timing{Start: start, Limit: 2 * h, Acc: exams.Accommodation{ExtraMinutes: 30}}, start.Add(150 * time.Minute), true},
		{"accommodation also extends the window close", exams.Timing{Start: start, Limit: 2 * h, ClosesAt: start.Add(2 * h), Acc: exams.Accommodation{Multiplier: 1.5}}, start.Add(3 * h), true},
		{"extended window still caps a late start", exams.Timing{Start: start.Add(90 * time.Minute), Limit: 2 * h, ClosesAt: start.Add(2 * h), Acc: exams.Accommodation{Multiplier: 1.5}}, start.Add(3 * h), true},
		{"untimed keeps the window", exams.Timing{Start: start, Limit: 2 * h, ClosesAt: start.Add(5 * h), Acc: exams.Accommodation{Untimed: true}}, start.Add(5 * h), true},
		{"untimed without a window has no deadline", exams.Timing{Start: start, Limit: 2 * h, Acc: exams.Accommodation{Untimed: true}}, time.Time{}, false},
		{"instructor extension is added on top", exams.Timing{Start: start, Limit: h, ClosesAt: start.Add(h), Extension: 10 * time.Minute}, start.Add(70 * time.Minute), true},
		{"no limit, no window", exams.Timing{Start: start}, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, timed := exams.Deadline(tt.timing)
			if timed != tt.wantTimed || !got.Equal(tt.want) {
				t.Errorf("Deadline() = %v, %v; want %v, %v", got, timed, tt.want, tt.wantTimed)
			}
		})
	}
}

func TestResolveAccommodation(t *testing.T) {
	accs := []exams.Accommodation{{ExamID: "", Multiplier: 1.25}, {ExamID: "e2", Untimed: true}}
	if got := exams.ResolveAccommodation("e1", accs); got.Multiplier != 1.25 {
		t.Errorf("course-wide: got %+v", got)
	}
	if got := exams.ResolveAccommodation("e2", accs); !got.Untimed {
		t.Errorf("per-exam override: got %+v", got)
	}
}
