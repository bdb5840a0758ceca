package outcomes

import (
	"context"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/programs"
)

// TrendYears is how many reporting years a trend covers.
const TrendYears = 5

// YearRow is the figures of one reporting year.
type YearRow struct {
	Year    int
	Figures []Figure
}

// CohortRow is one cohort with its status counts and figures.
type CohortRow struct {
	ID, Name    string
	EntryYear   int
	Size        int
	ByStatus    map[programs.Status]int // status as of the report's as-of date
	Figures     []Figure
	SurveyCount int
}

// SurveySummary aggregates one kind of survey's responses in the reporting year.
type SurveySummary struct {
	Kind      SurveyKind
	Responses int
	Items     []ItemResult
}

// Report is everything the outcomes dashboard, CSV export and PDF report show for one
// program and reporting year.
type Report struct {
	Program      programs.Program
	Period       Period
	AsOf         time.Time
	NormalMonths int
	Figures      []Figure
	Trends       []YearRow // oldest first, ending with Period.Year
	Cohorts      []CohortRow
	Surveys      []SurveySummary
	Readiness    []ReadinessRow
	Goals        []GoalResult
	Coverage     Coverage
	Unverified   int // self-reported results waiting for verification
	Students     int
}

// Report computes the program's report for reporting year year (0: the last full year).
// Readiness reads the exams' attempts, which costs a scan of them: it is included only
// when withReadiness is set (the annual report), and the dashboard asks for it apart.
// Staff of the program only; others get apperr.NotFound or apperr.Forbidden.
func (s *Service) Report(ctx context.Context, p accounts.Principal, programID string, year int, withReadiness bool) (Report, error) {
	pr, err := s.viewable(ctx, p, programID)
	if err != nil {
		return Report{}, err
	}
	cohorts, err := s.programs.Cohorts(ctx, p, pr.ID)
	if err != nil {
		return Report{}, err
	}
	return s.report(ctx, pr, cohorts, year, withReadiness)
}

// ValidYear checks a requested reporting year.
func ValidYear(y int) bool { return y == 0 || (y >= 1990 && y <= 2100) }

func (s *Service) report(ctx context.Context, pr programs.Program, cohorts []programs.Cohort, year int, withReadiness bool) (Report, error) {
	asOf := day(s.now())
	if year == 0 {
		year = LastFullYear(asOf)
	}
	st, err := s.settings(ctx, pr)
	if err != nil {
		return Report{}, err
	}
	recs, err := s.load(ctx, pr.ID)
	if err != nil {
		return Report{}, err
	}
	var mocks []MockAttempt
	if withReadiness {
		if err := s.store.StreamMockAttempts(ctx, pr.ID, func(a MockAttempt) error { mocks = append(mocks, a); return nil }); err != nil {
			return Report{}, err
		}
	}
	goals, err := s.store.Goals(ctx, pr.ID)
	if err != nil {
		return Report{}, err
	}
	rep := Compute(pr, cohorts, st, recs, mocks, goals, Curriculum{}, s.blueprints, year, asOf)
	rep.Coverage = s.coverage
	if !withReadiness {
		rep.Readiness = nil
	}
	return rep, nil
}

// Compute builds a report from loaded records; it does no I/O.
func Compute(pr programs.Program, cohorts []programs.Cohort, st Settings, recs Records, mocks []MockAttempt, goals []Goal,
	cur Curriculum, blueprints map[string][]BlueprintDomain, year int, asOf time.Time) Report {
	params := Params{NormalMonths: st.NormalMonths, AsOf: asOf}
	rep := Report{Program: pr, Period: ReportingYear(year), AsOf: day(asOf), NormalMonths: st.NormalMonths, Students: len(recs.Students)}
	rep.Figures = YearFigures(recs, params, year)
	for y := year - TrendYears + 1; y <= year; y++ {
		if y == year {
			rep.Trends = append(rep.Trends, YearRow{Year: y, Figures: rep.Figures})
			continue
		}
		rep.Trends = append(rep.Trends, YearRow{Year: y, Figures: YearFigures(recs, params, y)})
	}
	ids := make([]string, 0, len(cohorts))
	for _, c := range cohorts {
		row := CohortRow{ID: c.ID, Name: c.Name, EntryYear: c.EntryYear, ByStatus: map[programs.Status]int{}}
		for _, s := range recs.Students {
			if s.CohortID == c.ID {
				row.Size++
				if st, ok := s.StatusOn(rep.AsOf); ok {
					row.ByStatus[st]++
				}
			}
		}
		for _, r := range recs.Responses {
			if r.CohortID == c.ID {
				row.SurveyCount++
			}
		}
		row.Figures = CohortFigures(recs, params, c.ID)
		rep.Cohorts = append(rep.Cohorts, row)
		ids = append(ids, c.ID)
	}
	var inYear []Response
	for _, r := range recs.Responses {
		if d := day(r.SubmittedAt); rep.Period.Contains(d) && !d.After(rep.AsOf) {
			inYear = append(inYear, r)
		}
	}
	for _, k := range []SurveyKind{GraduateSurvey, EmployerSurvey} {
		n := 0
		for _, r := range inYear {
			if r.Kind == k {
				n++
			}
		}
		rep.Surveys = append(rep.Surveys, SurveySummary{Kind: k, Responses: n, Items: SurveyResults(k, inYear)})
	}
	for _, r := range recs.Results {
		if !r.Verified {
			rep.Unverified++
		}
	}
	rep.Readiness = Readiness(recs, mocks, ids, blueprints)
	rep.Goals = EvaluateGoals(goals, rep.Figures)
	rep.Coverage = CoverageOf(cur)
	return rep
}

// FigureByKey returns the figure with key k.
func FigureByKey(fs []Figure, k string) (Figure, bool) {
	for _, f := range fs {
		if f.Key == k {
			return f, true
		}
	}
	return Figure{}, false
}
