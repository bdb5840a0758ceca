package outcomes

import (
	"fmt"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"
)

// WritePDF renders the annual outcomes report for the report's reporting year: figures
// with their definitions, the five-year trend, cohorts, surveys, readiness and the
// Program Evaluation Plan goals.
func (r Report) WritePDF(w io.Writer) error {
	pdf := fpdf.New("P", "mm", "Letter", "")
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.SetTitle("Annual outcomes report "+r.Program.Name, true)
	pdf.SetAuthor("Chartroom", true)
	pdf.SetMargins(15, 15, 15)
	pdf.SetAutoPageBreak(true, 15)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("Helvetica", "I", 8)
		pdf.CellFormat(0, 6, tr(fmt.Sprintf("%s - reporting year %s - computed %s - page %d", r.Program.Name, r.Period.Label(), r.AsOf.Format(DateLayout), pdf.PageNo())), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.MultiCell(0, 8, tr("Annual outcomes report"), "", "L", false)
	pdf.SetFont("Helvetica", "", 11)
	pdf.MultiCell(0, 6, tr(fmt.Sprintf("%s (%s), %s", r.Program.Name, r.Program.Credential, r.Program.InstitutionName)), "", "L", false)
	pdf.MultiCell(0, 6, tr(fmt.Sprintf("Reporting year %s (1 August %d to 31 July %d). Computed %s. Normal time to completion: %d months.",
		r.Period.Label(), r.Period.Year-1, r.Period.Year, r.AsOf.Format(DateLayout), r.NormalMonths)), "", "L", false)
	if r.Unverified > 0 {
		pdf.MultiCell(0, 6, tr(fmt.Sprintf("%d self-reported certification results await verification and are not counted.", r.Unverified)), "", "L", false)
	}

	heading := func(s string) {
		pdf.Ln(4)
		pdf.SetFont("Helvetica", "B", 13)
		pdf.MultiCell(0, 7, tr(s), "", "L", false)
		pdf.SetFont("Helvetica", "", 9)
	}
	table := func(widths []float64, header []string, rows [][]string) {
		pdf.SetFont("Helvetica", "B", 9)
		pdf.SetFillColor(230, 236, 242)
		for i, h := range header {
			pdf.CellFormat(widths[i], 6, tr(h), "1", 0, "L", true, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetFont("Helvetica", "", 9)
		for _, row := range rows {
			for i, c := range row {
				align := "R"
				if i == 0 {
					align = "L"
				}
				pdf.CellFormat(widths[i], 6, tr(c), "1", 0, align, false, 0, "")
			}
			pdf.Ln(-1)
		}
	}

	heading("Figures")
	var rows [][]string
	for _, f := range r.Figures {
		rows = append(rows, []string{f.Label, fmt.Sprint(f.Numerator), fmt.Sprint(f.Denominator), FormatPercent(f.Value), fmt.Sprint(f.Excluded), fmt.Sprint(f.Pending)})
	}
	table([]float64{80, 20, 24, 20, 20, 20}, []string{"Figure", "Numerator", "Denominator", "Rate", "Excluded", "Pending"}, rows)

	heading("Five-year trend")
	header := []string{"Figure"}
	widths := []float64{66}
	for _, y := range r.Trends {
		header = append(header, Period{Year: y.Year}.Label())
		widths = append(widths, 23)
	}
	rows = nil
	for i, k := range FigureKeys {
		row := []string{Labels[k]}
		for _, y := range r.Trends {
			f := y.Figures[i]
			cell := FormatPercent(f.Value)
			if f.Value != nil {
				cell += fmt.Sprintf(" (%d)", f.Denominator)
			}
			row = append(row, cell)
		}
		rows = append(rows, row)
	}
	table(widths, header, rows)

	heading("Cohorts")
	rows = nil
	for _, c := range r.Cohorts {
		g100, _ := FigureByKey(c.Figures, Graduation100)
		g150, _ := FigureByKey(c.Figures, Graduation150)
		ret, _ := FigureByKey(c.Figures, Retention)
		cert, _ := FigureByKey(c.Figures, CertFirstTime)
		rows = append(rows, []string{c.Name, fmt.Sprint(c.Size), fmt.Sprint(c.ByStatus["active"]), fmt.Sprint(c.ByStatus["graduated"]),
			FormatPercent(ret.Value), FormatPercent(g100.Value), FormatPercent(g150.Value), FormatPercent(cert.Value)})
	}
	table([]float64{40, 18, 18, 20, 22, 22, 22, 22}, []string{"Cohort", "Students", "Active", "Graduated", "Retention", "Grad 100%", "Grad 150%", "Cert 1st"}, rows)

	heading("Surveys")
	for _, s := range r.Surveys {
		pdf.MultiCell(0, 5, tr(fmt.Sprintf("%s survey: %d responses in the year.", strings.ToUpper(string(s.Kind[:1]))+string(s.Kind[1:]), s.Responses)), "", "L", false)
	}

	if len(r.Readiness) > 0 {
		heading("Readiness (latest full-length mock at or above 300)")
		rows = nil
		names := r.cohortNames()
		for _, x := range r.Readiness {
			rows = append(rows, []string{names[x.CohortID] + " " + x.Exam, fmt.Sprint(x.Takers), fmt.Sprint(x.Ready), FormatPercent(x.ReadyShare), FormatPercent(x.PassRate)})
		}
		table([]float64{60, 25, 25, 30, 40}, []string{"Cohort / exam", "Takers", "Ready", "Ready share", "Actual 1st-time pass"}, rows)
	}

	heading("Program Evaluation Plan goals")
	if len(r.Goals) == 0 {
		pdf.MultiCell(0, 5, tr("No goals recorded."), "", "L", false)
	}
	for _, g := range r.Goals {
		met := "no result yet"
		if g.Met != nil && *g.Met {
			met = "met"
		} else if g.Met != nil {
			met = "not met"
		}
		res := "-"
		if g.Value != nil {
			res = fmt.Sprintf("%.1f%%", *g.Value)
		}
		pdf.SetFont("Helvetica", "B", 9)
		pdf.MultiCell(0, 5, tr(fmt.Sprintf("[%s] %s: target %.0f%%, result %s, %s", g.Area, g.Title, g.Target, res, met)), "", "L", false)
		pdf.SetFont("Helvetica", "", 9)
		if g.ActionPlan != "" {
			pdf.MultiCell(0, 5, tr("Action plan: "+g.ActionPlan), "", "L", false)
		}
	}

	heading("Definitions")
	for _, f := range r.Figures {
		pdf.SetFont("Helvetica", "B", 9)
		pdf.MultiCell(0, 5, tr(f.Label), "", "L", false)
		pdf.SetFont("Helvetica", "", 9)
		pdf.MultiCell(0, 5, tr(f.Definition), "", "L", false)
	}
	return pdf.Output(w)
}

// Label renders the period as "2024-25".
func (p Period) Label() string { return fmt.Sprintf("%d-%02d", p.Year-1, p.Year%100) }
