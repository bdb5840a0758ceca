package outcomes

import (
	"fmt"
	"strconv"
)

// Tables are the report's tables for CSV export, by name.
var Tables = []string{"figures", "trends", "cohorts", "surveys", "readiness", "goals", "coverage", "gaps"}

func pct(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v*100, 'f', 1, 64)
}

// FormatPercent renders a share as "75.0%", or an en dash when there is no value.
func FormatPercent(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
}

// Table returns one of the report's tables as CSV records, a header row first; false
// when name is not one of Tables.
func (r Report) Table(name string) ([][]string, bool) {
	year := strconv.Itoa(r.Period.Year)
	switch name {
	case "figures":
		out := [][]string{{"reporting_year", "figure", "label", "numerator", "denominator", "percent", "pending", "excluded", "provisional", "definition"}}
		for _, f := range r.Figures {
			out = append(out, []string{year, f.Key, f.Label, strconv.Itoa(f.Numerator), strconv.Itoa(f.Denominator), pct(f.Value),
				strconv.Itoa(f.Pending), strconv.Itoa(f.Excluded), strconv.FormatBool(f.Provisional), f.Definition})
		}
		return out, true
	case "trends":
		out := [][]string{{"reporting_year", "figure", "numerator", "denominator", "percent", "provisional"}}
		for _, y := range r.Trends {
			for _, f := range y.Figures {
				out = append(out, []string{strconv.Itoa(y.Year), f.Key, strconv.Itoa(f.Numerator), strconv.Itoa(f.Denominator), pct(f.Value), strconv.FormatBool(f.Provisional)})
			}
		}
		return out, true
	case "cohorts":
		out := [][]string{{"cohort", "entry_year", "students", "active", "withdrawn", "transferred", "graduated", "figure", "numerator", "denominator", "percent", "pending", "excluded"}}
		for _, c := range r.Cohorts {
			for _, f := range c.Figures {
				out = append(out, []string{c.Name, strconv.Itoa(c.EntryYear), strconv.Itoa(c.Size), strconv.Itoa(c.ByStatus["active"]), strconv.Itoa(c.ByStatus["withdrawn"]),
					strconv.Itoa(c.ByStatus["transferred"]), strconv.Itoa(c.ByStatus["graduated"]), f.Key, strconv.Itoa(f.Numerator), strconv.Itoa(f.Denominator),
					pct(f.Value), strconv.Itoa(f.Pending), strconv.Itoa(f.Excluded)})
			}
		}
		return out, true
	case "surveys":
		out := [][]string{{"reporting_year", "survey", "item", "answers", "strongly_disagree", "disagree", "neutral", "agree", "strongly_agree", "mean", "agree_percent"}}
		for _, s := range r.Surveys {
			for _, it := range s.Items {
				row := []string{year, string(s.Kind), it.Item, strconv.Itoa(it.N)}
				for _, c := range it.Counts {
					row = append(row, strconv.Itoa(c))
				}
				mean, agree := "", ""
				if it.N > 0 {
					mean, agree = strconv.FormatFloat(it.Mean, 'f', 2, 64), strconv.FormatFloat(it.Agree*100, 'f', 1, 64)
				}
				out = append(out, append(row, mean, agree))
			}
		}
		return out, true
	case "readiness":
		out := [][]string{{"cohort", "exam", "students", "mock_takers", "ready_300", "ready_percent", "first_time_pass_percent", "first_time_takers", "domain", "domain_name", "blueprint_min", "blueprint_max", "domain_percent_correct"}}
		names := r.cohortNames()
		for _, x := range r.Readiness {
			base := []string{names[x.CohortID], x.Exam, strconv.Itoa(x.Students), strconv.Itoa(x.Takers), strconv.Itoa(x.Ready), pct(x.ReadyShare), pct(x.PassRate), strconv.Itoa(x.PassN)}
			if len(x.Domains) == 0 {
				out = append(out, append(base, "", "", "", "", ""))
			}
			for _, dm := range x.Domains {
				dp := ""
				if dm.Percent != nil {
					dp = strconv.FormatFloat(*dm.Percent, 'f', 1, 64)
				}
				out = append(out, append(append([]string{}, base...), dm.Code, dm.Name, fmt.Sprint(dm.MinPercent), fmt.Sprint(dm.MaxPercent), dp))
			}
		}
		return out, true
	case "goals":
		out := [][]string{{"area", "goal", "measure", "target_percent", "result_percent", "met", "tool", "analysis", "action_plan", "responsible", "timeframe"}}
		for _, g := range r.Goals {
			res, met := "", ""
			if g.Value != nil {
				res = strconv.FormatFloat(*g.Value, 'f', 1, 64)
			}
			if g.Met != nil {
				met = strconv.FormatBool(*g.Met)
			}
			out = append(out, []string{g.Area, g.Title, g.Measure, strconv.FormatFloat(g.Target, 'f', -1, 64), res, met, g.Tool, g.Analysis, g.ActionPlan, g.Responsible, g.Timeframe})
		}
		return out, true
	case "coverage":
		out := [][]string{{"domain", "bloom", "competencies", "courses", "lessons", "items"}}
		for _, c := range r.Coverage.Cells {
			out = append(out, []string{c.Domain, c.Bloom, strconv.Itoa(c.Competencies), strconv.Itoa(c.Courses), strconv.Itoa(c.Lessons), strconv.Itoa(c.Items)})
		}
		return out, true
	case "gaps":
		out := [][]string{{"competency", "domain", "bloom", "lessons", "items", "text"}}
		for _, g := range r.Coverage.Gaps {
			out = append(out, []string{g.Competency, g.Domain, g.Bloom, strconv.Itoa(g.Lessons), strconv.Itoa(g.Items), g.Text})
		}
		return out, true
	}
	return nil, false
}

func (r Report) cohortNames() map[string]string {
	m := map[string]string{}
	for _, c := range r.Cohorts {
		m[c.ID] = c.Name
	}
	return m
}
