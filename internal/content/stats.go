package content

import "sort"

// Stats summarises a content tree.
type Stats struct {
	Items       int             `json:"items"`       // countable questions (scenario children counted)
	ActiveItems int             `json:"activeItems"` // countable active questions
	ByStatus    map[string]int  `json:"byStatus"`
	Active      Mix             `json:"active"` // the mix of active questions
	Cells       []Cell          `json:"cells"`  // exam x domain x type x level x status
	Forms       []FormsEstimate `json:"forms"`
	Lessons     []LessonStat    `json:"lessons"`
}

// Mix gives counts and shares of active questions by type and cognitive level.
type Mix struct {
	Single         int     `json:"single"`
	Multiple       int     `json:"multiple"`
	InScenario     int     `json:"inScenario"`
	Recall         int     `json:"recall"`
	Application    int     `json:"application"`
	Analysis       int     `json:"analysis"`
	SinglePct      float64 `json:"singlePct"`
	MultiplePct    float64 `json:"multiplePct"`
	ScenarioPct    float64 `json:"scenarioPct"`
	RecallPct      float64 `json:"recallPct"`
	ApplicationPct float64 `json:"applicationPct"`
	AnalysisPct    float64 `json:"analysisPct"`
}

// Cell is one count of the exam x domain x type x level x status breakdown. Type is the
// question's own type, with "scenario:single" / "scenario:multiple" for children of sets.
type Cell struct {
	Exam   string `json:"exam"`
	Domain string `json:"domain"`
	Type   string `json:"type"`
	Level  string `json:"level"`
	Status string `json:"status"`
	Count  int    `json:"count"`
}

// FormsEstimate says how many disjoint full-length forms a blueprint's active items can fill.
type FormsEstimate struct {
	Exam      string            `json:"exam"`
	FormSize  int               `json:"formSize"`
	Forms     int               `json:"forms"`
	Available map[string]int    `json:"available"` // active questions per domain code
	PerForm   map[string][2]int `json:"perForm"`   // [min, max] questions per domain on one form
}

// LessonStat is a lesson's size.
type LessonStat struct {
	Course string `json:"course"`
	Module string `json:"module"`
	ID     string `json:"id"`
	Words  int    `json:"words"`
}

// ComputeStats counts the tree.
func ComputeStats(t *Tree) Stats {
	s := Stats{ByStatus: map[string]int{}}
	cells := map[Cell]int{}
	avail := map[string]map[string]int{}
	for _, it := range t.Items {
		for _, q := range it.Countable() {
			s.Items++
			s.ByStatus[q.Status]++
			typ := q.Type
			if it.Type == "scenario" {
				typ = "scenario:" + q.Type
			}
			for _, e := range q.Exams {
				dom := "?"
				if b, ok := t.Blueprints[e]; ok {
					if d, ok := b.DomainOf(q.Blueprint[e]); ok {
						dom = d.Code
					}
				}
				cells[Cell{Exam: e, Domain: dom, Type: typ, Level: q.Level, Status: q.Status}]++
				if q.Status == "active" {
					if avail[e] == nil {
						avail[e] = map[string]int{}
					}
					avail[e][dom]++
				}
			}
			if q.Status != "active" {
				continue
			}
			s.ActiveItems++
			switch {
			case it.Type == "scenario":
				s.Active.InScenario++
			case q.Type == "single":
				s.Active.Single++
			case q.Type == "multiple":
				s.Active.Multiple++
			}
			switch q.Level {
			case "recall":
				s.Active.Recall++
			case "application":
				s.Active.Application++
			case "analysis":
				s.Active.Analysis++
			}
		}
	}
	if n := float64(s.ActiveItems); n > 0 {
		pct := func(x int) float64 { return float64(int(float64(x)/n*1000+0.5)) / 10 }
		m := &s.Active
		m.SinglePct, m.MultiplePct, m.ScenarioPct = pct(m.Single), pct(m.Multiple), pct(m.InScenario)
		m.RecallPct, m.ApplicationPct, m.AnalysisPct = pct(m.Recall), pct(m.Application), pct(m.Analysis)
	}
	for c, n := range cells {
		c.Count = n
		s.Cells = append(s.Cells, c)
	}
	sort.Slice(s.Cells, func(i, j int) bool {
		a, b := s.Cells[i], s.Cells[j]
		for _, p := range [][2]string{{a.Exam, b.Exam}, {a.Domain, b.Domain}, {a.Type, b.Type}, {a.Level, b.Level}, {a.Status, b.Status}} {
			if p[0] != p[1] {
				return p[0] < p[1]
			}
		}
		return false
	})
	for _, b := range sortedBlueprints(t) {
		s.Forms = append(s.Forms, formsFor(b, avail[b.Exam]))
	}
	for _, c := range t.Courses {
		for _, l := range c.Lessons {
			s.Lessons = append(s.Lessons, LessonStat{Course: c.Slug, Module: l.Module, ID: l.ID, Words: l.Words})
		}
	}
	return s
}

// formsFor returns the largest k such that k disjoint forms fit: every domain can supply
// k times its per-form minimum, and the domains together can supply k full forms without
// any form passing a domain's maximum. Splitting each domain's total evenly over the k
// forms then gives k valid forms, so the condition is also sufficient. Scenario sets are
// counted by their questions; a form builder keeps each set whole.
func formsFor(b *Blueprint, avail map[string]int) FormsEstimate {
	fe := FormsEstimate{Exam: b.Exam, FormSize: b.FormSize(), Available: map[string]int{}, PerForm: map[string][2]int{}}
	for _, d := range b.Domains {
		lo, hi := domainBounds(b, d)
		fe.PerForm[d.Code] = [2]int{lo, hi}
		fe.Available[d.Code] = avail[d.Code]
	}
	n := b.FormSize()
	if n == 0 {
		return fe
	}
	for k := 1; ; k++ {
		total := 0
		for _, d := range b.Domains {
			lo, hi := domainBounds(b, d)
			a := avail[d.Code]
			if a < k*lo {
				return fe
			}
			total += min(a, k*hi)
		}
		if total < k*n {
			return fe
		}
		fe.Forms = k
	}
}
