package exams

import "time"

// Timing is what decides an attempt's deadline.
type Timing struct {
	Start     time.Time
	Limit     time.Duration // 0: untimed
	ClosesAt  time.Time     // zero: no window close
	Acc       Accommodation
	Extension time.Duration // added by an instructor to a running attempt
}

// Deadline returns when an attempt must end and whether it has a deadline at all.
//
// The time limit is stretched by the student's accommodation (multiplier, then extra
// minutes). The window's close is extended by the same amount of extra time, so that an
// accommodation is never cut off by the close date. The deadline is the sooner of the two,
// plus any extension an instructor granted. An untimed accommodation removes the limit but
// not the (extended) window close.
func Deadline(t Timing) (time.Time, bool) {
	extra := time.Duration(t.Acc.ExtraMinutes) * time.Minute
	mult := t.Acc.Multiplier
	if mult <= 0 {
		mult = 1
	}
	var byLimit time.Time
	timed := t.Limit > 0 && !t.Acc.Untimed
	if timed {
		eff := time.Duration(float64(t.Limit)*mult) + extra
		byLimit = t.Start.Add(eff)
		extra = eff - t.Limit // the window grows by the same extra time
	}
	var byClose time.Time
	if !t.ClosesAt.IsZero() {
		byClose = t.ClosesAt.Add(extra)
	}
	var d time.Time
	switch {
	case timed && !byClose.IsZero():
		d = byLimit
		if byClose.Before(d) {
			d = byClose
		}
	case timed:
		d = byLimit
	case !byClose.IsZero():
		d = byClose
	default:
		return time.Time{}, false
	}
	return d.Add(t.Extension), true
}

// ResolveAccommodation picks the per-exam accommodation over the course-wide one.
func ResolveAccommodation(examID string, accs []Accommodation) Accommodation {
	var general Accommodation
	for _, a := range accs {
		if a.ExamID == examID {
			return a
		}
		if a.ExamID == "" {
			general = a
		}
	}
	return general
}
