package outcomes

import (
	"context"
	"slices"
	"time"

	"github.com/chartroom-him/chartroom/internal/programs"
)

// MinCell is the smallest number of students a public figure may be computed from; a
// figure whose denominator is smaller is suppressed on the public page.
const MinCell = 5

// PublicCell is one figure of one year on the public page.
type PublicCell struct {
	Year        int
	Value       *float64 // nil when suppressed or when nobody is counted
	N           int      // the denominator; 0 when suppressed
	Suppressed  bool
	Provisional bool
}

// PublicFigure is one figure's row on the public page: the latest full year and the trend.
type PublicFigure struct {
	Key, Label, Definition string
	Cells                  []PublicCell // oldest year first; the last is the reporting year
}

// PublicPage is what the public "Program outcomes" page shows.
type PublicPage struct {
	Program   programs.Program
	Period    Period
	Published time.Time
	Figures   []PublicFigure
}

// Public builds the public outcomes page of the program with slug: the last full reporting
// year and its trend, graduation and employment rates plus the figures the coordinator
// picked, with every cell of fewer than MinCell students suppressed. No login needed.
func (s *Service) Public(ctx context.Context, slug string) (PublicPage, error) {
	pr, err := s.programs.ProgramBySlug(ctx, slug)
	if err != nil {
		return PublicPage{}, err
	}
	st, err := s.settings(ctx, pr)
	if err != nil {
		return PublicPage{}, err
	}
	recs, err := s.load(ctx, pr.ID)
	if err != nil {
		return PublicPage{}, err
	}
	return BuildPublic(pr, st, recs, s.now()), nil
}

// BuildPublic computes the public page from loaded records; it does no I/O.
func BuildPublic(pr programs.Program, st Settings, recs Records, now time.Time) PublicPage {
	asOf := day(now)
	year := LastFullYear(asOf)
	page := PublicPage{Program: pr, Period: ReportingYear(year), Published: asOf}
	keys := slices.Clone(AlwaysPublic)
	for _, k := range FigureKeys {
		if slices.Contains(st.PublicFigures, k) && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	params := Params{NormalMonths: st.NormalMonths, AsOf: asOf}
	years := make([][]Figure, 0, TrendYears)
	for y := year - TrendYears + 1; y <= year; y++ {
		years = append(years, YearFigures(recs, params, y))
	}
	for _, k := range FigureKeys {
		if !slices.Contains(keys, k) {
			continue
		}
		pf := PublicFigure{Key: k, Label: Labels[k], Definition: yearDefinitions[k]}
		for i, figs := range years {
			f, _ := FigureByKey(figs, k)
			c := PublicCell{Year: year - TrendYears + 1 + i, Provisional: f.Provisional}
			if f.Denominator > 0 && f.Denominator < MinCell {
				c.Suppressed = true
			} else {
				c.Value, c.N = f.Value, f.Denominator
			}
			pf.Cells = append(pf.Cells, c)
		}
		page.Figures = append(page.Figures, pf)
	}
	return page
}
