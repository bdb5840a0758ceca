package outcomes

import (
	"time"

	"github.com/chartroom-him/chartroom/internal/programs"
)

// Figure keys.
const (
	Retention          = "retention"
	Graduation100      = "graduation_100"
	Graduation150      = "graduation_150"
	CertFirstTime      = "cert_first_time"
	CertOverall        = "cert_overall"
	Employment6        = "employment_6"
	Employment12       = "employment_12"
	GraduateSatisfied  = "graduate_satisfaction"
	EmployerSatisfied  = "employer_satisfaction"
	satisfiedThreshold = 4 // "agree" or "strongly agree" on the overall item
)

// FigureKeys lists the figures in report order.
var FigureKeys = []string{Retention, Graduation100, Graduation150, CertFirstTime, CertOverall, Employment6, Employment12, GraduateSatisfied, EmployerSatisfied}

// Labels are the figures' display names.
var Labels = map[string]string{
	Retention:         "Retention rate",
	Graduation100:     "Graduation rate (100% of normal time)",
	Graduation150:     "Graduation rate (150% of normal time)",
	CertFirstTime:     "Certification pass rate, first time",
	CertOverall:       "Certification pass rate, overall",
	Employment6:       "Employment rate within 6 months",
	Employment12:      "Employment rate within 12 months",
	GraduateSatisfied: "Graduate satisfaction",
	EmployerSatisfied: "Employer satisfaction",
}

// yearDefinitions say who is counted in each figure of a reporting year (docs/OUTCOMES.md).
var yearDefinitions = map[string]string{
	Retention: "Students enrolled on the day before the reporting year began or who started during it, less those who transferred out by its end; " +
		"numerator: those still enrolled or graduated on 31 July. Withdrawals stay in the denominator.",
	Graduation100: "Students whose 100% of normal time (expected completion) ended in the reporting year, less transfers out before that date " +
		"and less students still enrolled whose window has not ended by the as-of date; numerator: those who graduated on or before it.",
	Graduation150: "As the 100% rate, with the window stretched to 150% of normal time.",
	CertFirstTime: "Verified first attempts at a certification exam (RHIT, RHIA, CCA) dated in the reporting year; numerator: those passed. " +
		"Unverified self-reports are not counted.",
	CertOverall: "Students (per exam) with a verified attempt dated in the reporting year; numerator: those who passed that exam on or before 31 July.",
	Employment6: "Graduates whose six months after graduation ended in the reporting year and who have a follow-up, less those not seeking work; " +
		"numerator: those employed in the field within six months of graduating. Graduates without a follow-up are reported apart.",
	Employment12:      "As the six-month rate, with twelve months.",
	GraduateSatisfied: "Graduate survey responses submitted in the reporting year that answer the overall item; numerator: those answering agree or strongly agree.",
	EmployerSatisfied: "Employer survey responses submitted in the reporting year that answer the overall item; numerator: those answering agree or strongly agree.",
}

// cohortDefinitions say who is counted in each figure of a cohort.
var cohortDefinitions = map[string]string{
	Retention: "First-year retention: cohort members one year after their start, less those who transferred out by then; " +
		"numerator: those enrolled or graduated then. Members whose first year has not ended are left out (pending).",
	Graduation100: "Cohort members less transfers out before the end of their 100% window; numerator: graduated within it. " +
		"Members still enrolled inside their window are left out (pending).",
	Graduation150:     "As the 100% rate, with 150% of normal time.",
	CertFirstTime:     "Cohort members' verified first attempts; numerator: those passed.",
	CertOverall:       "Cohort members (per exam) with a verified attempt; numerator: those who passed that exam.",
	Employment6:       "Cohort graduates at least six months past graduation with a follow-up, less those not seeking work; numerator: employed in the field within six months.",
	Employment12:      "As the six-month rate, with twelve months.",
	GraduateSatisfied: "Graduate survey responses sent to this cohort that answer the overall item; numerator: agree or strongly agree.",
	EmployerSatisfied: "Employer survey responses about this cohort that answer the overall item; numerator: agree or strongly agree.",
}

// Figure is one outcome figure with how it was computed.
type Figure struct {
	Key         string
	Label       string
	Numerator   int
	Denominator int
	// Value is Numerator/Denominator, or nil when nobody is in the denominator.
	Value *float64
	// Pending counts people left out because their window has not ended yet.
	Pending int
	// Excluded counts people left out by definition (transfers out, not seeking work,
	// graduates without a follow-up, unverified results).
	Excluded   int
	Definition string
	// Provisional is set when the reporting year has not ended on the as-of date.
	Provisional bool
}

func newFigure(key string, defs map[string]string) Figure {
	return Figure{Key: key, Label: Labels[key], Definition: defs[key]}
}

func (f *Figure) count(success bool) {
	f.Denominator++
	if success {
		f.Numerator++
	}
}

func (f *Figure) finish() {
	if f.Denominator > 0 {
		v := float64(f.Numerator) / float64(f.Denominator)
		f.Value = &v
	}
}

// Period is a reporting year: 1 August of Year-1 to 31 July of Year, both inclusive.
type Period struct {
	Year     int
	From, To time.Time
}

// ReportingYear returns the period of reporting year y (the one ending 31 July y).
func ReportingYear(y int) Period {
	return Period{Year: y, From: time.Date(y-1, time.August, 1, 0, 0, 0, 0, time.UTC), To: time.Date(y, time.July, 31, 0, 0, 0, 0, time.UTC)}
}

// YearOf returns the reporting year a date falls in.
func YearOf(d time.Time) int {
	if d.Month() >= time.August {
		return d.Year() + 1
	}
	return d.Year()
}

// LastFullYear returns the latest reporting year that has ended on or before asOf.
func LastFullYear(asOf time.Time) int {
	y := YearOf(asOf)
	if !ReportingYear(y).To.After(day(asOf)) {
		return y
	}
	return y - 1
}

// Contains reports whether d falls in the period.
func (p Period) Contains(d time.Time) bool { return !d.Before(p.From) && !d.After(p.To) }

// Records are the compact records the figures are computed from.
type Records struct {
	Students   []Student
	Results    []Result
	Employment []Employment
	Responses  []Response
}

// Params are the settings a computation needs.
type Params struct {
	NormalMonths int       // normal time to completion
	AsOf         time.Time // the day the figures are computed for; later records are ignored
}

// YearFigures computes every figure for one reporting year.
func YearFigures(r Records, pr Params, year int) []Figure {
	per := ReportingYear(year)
	asOf := day(pr.AsOf)
	in := func(d time.Time) bool { return per.Contains(d) && !d.After(asOf) }
	out := make([]Figure, 0, len(FigureKeys))

	ret := newFigure(Retention, yearDefinitions)
	before := per.From.AddDate(0, 0, -1)
	end := minDate(per.To, asOf)
	for _, s := range r.Students {
		st0, ok := s.StatusOn(before)
		if !(ok && st0 == programs.Active) && !in(s.Start) {
			continue
		}
		st, _ := s.StatusOn(end)
		if st == programs.Transferred {
			ret.Excluded++
			continue
		}
		ret.count(st == programs.Active || st == programs.Graduated)
	}
	ret.finish()
	out = append(out, ret)

	for _, k := range []string{Graduation100, Graduation150} {
		g := newFigure(k, yearDefinitions)
		for _, s := range r.Students {
			d100, d150 := s.Deadlines(pr.NormalMonths)
			dl := d100
			if k == Graduation150 {
				dl = d150
			}
			if !per.Contains(dl) {
				continue
			}
			graduationWithin(&g, s, dl, asOf)
		}
		out = append(out, g)
	}

	out = append(out, certFigures(r, func(res Result) bool { return in(res.Date) }, yearDefinitions, end, nil)...)

	for _, k := range []string{Employment6, Employment12} {
		months := 6
		if k == Employment12 {
			months = 12
		}
		e := newFigure(k, yearDefinitions)
		byStudent := employmentByStudent(r.Employment, asOf)
		for _, s := range r.Students {
			g, ok := s.GraduatedOn()
			if !ok || g.After(asOf) {
				continue
			}
			w := g.AddDate(0, months, 0)
			if !per.Contains(w) {
				continue
			}
			employedWithin(&e, byStudent[s.StudentID], w, asOf)
		}
		out = append(out, e)
	}

	for _, k := range []string{GraduateSatisfied, EmployerSatisfied} {
		out = append(out, satisfaction(k, r.Responses, func(x Response) bool { return in(day(x.SubmittedAt)) }, yearDefinitions))
	}
	if asOf.Before(per.To) {
		for i := range out {
			out[i].Provisional = true
		}
	}
	return out
}

// CohortFigures computes every figure for the members of one cohort, as of pr.AsOf.
func CohortFigures(r Records, pr Params, cohortID string) []Figure {
	asOf := day(pr.AsOf)
	members := map[string]bool{}
	var students []Student
	for _, s := range r.Students {
		if s.CohortID == cohortID {
			members[s.StudentID] = true
			students = append(students, s)
		}
	}
	out := make([]Figure, 0, len(FigureKeys))

	ret := newFigure(Retention, cohortDefinitions)
	for _, s := range students {
		at := s.Start.AddDate(1, 0, 0)
		st, _ := s.StatusOn(minDate(at, asOf))
		switch {
		case st == programs.Transferred:
			ret.Excluded++
		case at.After(asOf) && st == programs.Active:
			ret.Pending++
		default:
			ret.count(st == programs.Active || st == programs.Graduated)
		}
	}
	ret.finish()
	out = append(out, ret)

	for _, k := range []string{Graduation100, Graduation150} {
		g := newFigure(k, cohortDefinitions)
		for _, s := range students {
			d100, d150 := s.Deadlines(pr.NormalMonths)
			dl := d100
			if k == Graduation150 {
				dl = d150
			}
			graduationWithin(&g, s, dl, asOf)
		}
		out = append(out, g)
	}

	out = append(out, certFigures(r, func(res Result) bool { return members[res.StudentID] && !res.Date.After(asOf) }, cohortDefinitions, asOf, members)...)

	byStudent := employmentByStudent(r.Employment, asOf)
	for _, k := range []string{Employment6, Employment12} {
		months := 6
		if k == Employment12 {
			months = 12
		}
		e := newFigure(k, cohortDefinitions)
		for _, s := range students {
			g, ok := s.GraduatedOn()
			if !ok || g.After(asOf) {
				continue
			}
			employedWithin(&e, byStudent[s.StudentID], g.AddDate(0, months, 0), asOf)
		}
		out = append(out, e)
	}

	for _, k := range []string{GraduateSatisfied, EmployerSatisfied} {
		out = append(out, satisfaction(k, r.Responses, func(x Response) bool { return x.CohortID == cohortID && !day(x.SubmittedAt).After(asOf) }, cohortDefinitions))
	}
	return out
}

// graduationWithin counts one student in a graduation figure with window end dl.
func graduationWithin(f *Figure, s Student, dl, asOf time.Time) {
	defer f.finish()
	if t, ok := s.TransferredOn(); ok && !t.After(minDate(dl, asOf)) {
		f.Excluded++
		return
	}
	if g, ok := s.GraduatedOn(); ok && !g.After(asOf) {
		f.count(!g.After(dl))
		return
	}
	st, _ := s.StatusOn(asOf)
	if dl.After(asOf) && st == programs.Active {
		f.Pending++ // still enrolled inside the window: not decided yet
		return
	}
	f.count(false) // withdrawn, or still enrolled past the window
}

// certFigures computes the first-time and overall pass rates over the verified results
// that keep selects; passes on or before until count for the overall rate.
func certFigures(r Records, keep func(Result) bool, defs map[string]string, until time.Time, members map[string]bool) []Figure {
	first := newFigure(CertFirstTime, defs)
	overall := newFigure(CertOverall, defs)
	type pair struct{ student, exam string }
	took := map[pair]bool{}
	passed := map[pair]bool{}
	for _, res := range r.Results {
		if !res.Verified {
			if keep(res) {
				first.Excluded++
			}
			continue
		}
		p := pair{res.StudentID, res.Exam}
		if res.Passed && !res.Date.After(until) && (members == nil || members[res.StudentID]) {
			passed[p] = true
		}
		if !keep(res) {
			continue
		}
		took[p] = true
		if res.Attempt == 1 {
			first.count(res.Passed)
		}
	}
	for p := range took {
		overall.count(passed[p])
	}
	first.finish()
	overall.finish()
	return []Figure{first, overall}
}

func employmentByStudent(es []Employment, asOf time.Time) map[string][]Employment {
	m := map[string][]Employment{}
	for _, e := range es {
		if !e.Date.After(asOf) {
			m[e.StudentID] = append(m[e.StudentID], e)
		}
	}
	return m
}

// employedWithin counts one graduate whose window ends at w in an employment figure.
func employedWithin(f *Figure, recs []Employment, w, asOf time.Time) {
	defer f.finish()
	if w.After(asOf) {
		f.Pending++
		return
	}
	if len(recs) == 0 {
		f.Excluded++ // no follow-up: reported apart
		return
	}
	var latest Employment
	for _, e := range recs {
		if e.Status == InField && !e.Date.After(w) {
			f.count(true)
			return
		}
		if !e.Date.After(w) && !e.Date.Before(latest.Date) {
			latest = e
		}
	}
	if latest.Status == NotSeeking {
		f.Excluded++
		return
	}
	f.count(false)
}

func satisfaction(key string, rs []Response, keep func(Response) bool, defs map[string]string) Figure {
	kind := GraduateSurvey
	if key == EmployerSatisfied {
		kind = EmployerSurvey
	}
	f := newFigure(key, defs)
	for _, x := range rs {
		if x.Kind != kind || !keep(x) || len(x.Answers) == 0 || x.Answers[0] == 0 {
			continue
		}
		f.count(x.Answers[0] >= satisfiedThreshold)
	}
	f.finish()
	return f
}

func minDate(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
