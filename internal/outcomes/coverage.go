package outcomes

import (
	"io/fs"
	"slices"
	"sort"

	"github.com/chartroom-him/chartroom/internal/content"
	"gopkg.in/yaml.v3"
)

// Curriculum is what the coverage matrix counts: competencies with their domain and Bloom
// level, and the courses, lessons and bank items mapped to them.
type Curriculum struct {
	Domains      []CurriculumDomain
	Competencies []CurriculumCompetency
	Lessons      []Mapped // one per lesson
	Items        []Mapped // one per deliverable question
}

// CurriculumDomain is a competency domain (I to VI).
type CurriculumDomain struct{ Code, Name string }

// CurriculumCompetency is one competency with its domain and target Bloom level.
type CurriculumCompetency struct {
	ID, Domain, Bloom, Text string
}

// Mapped is a lesson or item mapped to a competency, with the course it belongs to.
type Mapped struct {
	ID, Course, Competency, Bloom string
}

// CurriculumFromContent builds a Curriculum from the content tree at fsys (the tree of
// docs/CONTENT.md: competencies.yaml, banks and courses).
func CurriculumFromContent(fsys fs.FS) (Curriculum, error) {
	var c Curriculum
	t, _ := content.Load(fsys)
	b, err := fs.ReadFile(fsys, "competencies.yaml")
	if err != nil {
		return c, err
	}
	var comps content.Competencies
	if err := yaml.Unmarshal(b, &comps); err != nil {
		return c, err
	}
	for _, d := range comps.Domains {
		c.Domains = append(c.Domains, CurriculumDomain{Code: d.Code, Name: d.Name})
		for _, x := range d.Competencies {
			c.Competencies = append(c.Competencies, CurriculumCompetency{ID: x.ID, Domain: d.Code, Bloom: x.Bloom, Text: x.Text})
		}
	}
	for _, co := range t.Courses {
		for _, l := range co.Lessons {
			c.Lessons = append(c.Lessons, Mapped{ID: l.ID, Course: co.Slug, Competency: l.Competency, Bloom: l.Bloom})
		}
	}
	for _, it := range t.Items {
		for _, q := range it.Countable() {
			c.Items = append(c.Items, Mapped{ID: q.ID, Competency: q.Competency, Bloom: q.Bloom})
		}
	}
	return c, nil
}

// CoverageCell counts what covers one competency domain at one Bloom level.
type CoverageCell struct {
	Domain, Bloom string
	Competencies  int
	Courses       int
	Lessons       int
	Items         int
}

// Gap is a competency without lessons or without items.
type Gap struct {
	Competency, Domain, Bloom, Text string
	Lessons, Items                  int
}

// Coverage is the curriculum coverage matrix and its gaps.
type Coverage struct {
	Domains []CurriculumDomain
	Blooms  []string
	Cells   []CoverageCell // row-major: domain by Bloom level
	Gaps    []Gap
}

// CoverageOf computes the coverage matrix: a lesson or item counts at its own Bloom level
// when it has one, else at its competency's.
func CoverageOf(c Curriculum) Coverage {
	comp := map[string]CurriculumCompetency{}
	for _, x := range c.Competencies {
		comp[x.ID] = x
	}
	cov := Coverage{Domains: c.Domains, Blooms: content.BloomLevels}
	type key struct{ domain, bloom string }
	cells := map[key]*CoverageCell{}
	courses := map[key]map[string]bool{}
	for _, d := range c.Domains {
		for _, b := range content.BloomLevels {
			cells[key{d.Code, b}] = &CoverageCell{Domain: d.Code, Bloom: b}
			courses[key{d.Code, b}] = map[string]bool{}
		}
	}
	for _, x := range c.Competencies {
		if cell := cells[key{x.Domain, x.Bloom}]; cell != nil {
			cell.Competencies++
		}
	}
	lessons, items := map[string]int{}, map[string]int{}
	place := func(m Mapped) *CoverageCell {
		x, ok := comp[m.Competency]
		if !ok {
			return nil
		}
		b := m.Bloom
		if b == "" {
			b = x.Bloom
		}
		cell := cells[key{x.Domain, b}]
		if cell != nil && m.Course != "" {
			courses[key{x.Domain, b}][m.Course] = true
		}
		return cell
	}
	for _, l := range c.Lessons {
		if cell := place(l); cell != nil {
			cell.Lessons++
			lessons[l.Competency]++
		}
	}
	for _, it := range c.Items {
		if cell := place(it); cell != nil {
			cell.Items++
			items[it.Competency]++
		}
	}
	for _, d := range c.Domains {
		for _, b := range content.BloomLevels {
			cell := cells[key{d.Code, b}]
			cell.Courses = len(courses[key{d.Code, b}])
			cov.Cells = append(cov.Cells, *cell)
		}
	}
	for _, x := range c.Competencies {
		if lessons[x.ID] == 0 || items[x.ID] == 0 {
			cov.Gaps = append(cov.Gaps, Gap{Competency: x.ID, Domain: x.Domain, Bloom: x.Bloom, Text: x.Text, Lessons: lessons[x.ID], Items: items[x.ID]})
		}
	}
	sort.SliceStable(cov.Gaps, func(i, j int) bool {
		return slices.Index(domainOrder(c), cov.Gaps[i].Domain) < slices.Index(domainOrder(c), cov.Gaps[j].Domain)
	})
	return cov
}

func domainOrder(c Curriculum) []string {
	out := make([]string, len(c.Domains))
	for i, d := range c.Domains {
		out[i] = d.Code
	}
	return out
}
