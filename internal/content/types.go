// Package content reads Chartroom's content tree (blueprints, competencies, question banks,
// courses and lessons; docs/CONTENT.md), validates it with file:line problems, and computes
// statistics such as how many disjoint full-length forms a blueprint can fill.
package content

import "fmt"

// Exams are the certification exams content may serve.
var Exams = []string{"RHIT", "RHIA", "CCA"}

// Item types, statuses, levels and Bloom levels.
var (
	ItemTypes   = []string{"single", "multiple", "scenario"}
	Statuses    = []string{"draft", "review", "active", "retired"}
	Levels      = []string{"recall", "application", "analysis"}
	BloomLevels = []string{"remember", "understand", "apply", "analyze", "evaluate", "create"}
)

// Problem is one validation finding.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// Blueprint is an exam's content outline with domain weights.
type Blueprint struct {
	Exam             string                 `yaml:"exam"`
	Title            string                 `yaml:"title"`
	OutlineVersion   string                 `yaml:"outline_version"`
	Effective        string                 `yaml:"effective"`
	Source           string                 `yaml:"source"`
	TimeLimitMinutes int                    `yaml:"time_limit_minutes"`
	ScoredItems      int                    `yaml:"scored_items"`
	PretestItems     int                    `yaml:"pretest_items"`
	PassingScaled    int                    `yaml:"passing_scaled"`
	Scale            struct{ Min, Max int } `yaml:"scale"`
	Domains          []Domain               `yaml:"domains"`

	File string `yaml:"-"`
	Line int    `yaml:"-"`
}

// FormSize is the number of items on a full-length form.
func (b Blueprint) FormSize() int { return b.ScoredItems + b.PretestItems }

// Domain is one blueprint domain.
type Domain struct {
	Code       string      `yaml:"code"`
	Name       string      `yaml:"name"`
	MinPercent float64     `yaml:"min_percent"`
	MaxPercent float64     `yaml:"max_percent"`
	Verify     bool        `yaml:"verify"`
	Subdomains []Subdomain `yaml:"subdomains"`
}

// Subdomain is one subdivision of a domain.
type Subdomain struct {
	Code string `yaml:"code"`
	Name string `yaml:"name"`
}

// DomainOf returns the domain a subdomain code belongs to.
func (b Blueprint) DomainOf(sub string) (Domain, bool) {
	for _, d := range b.Domains {
		for _, s := range d.Subdomains {
			if s.Code == sub {
				return d, true
			}
		}
	}
	return Domain{}, false
}

// Competencies is content/competencies.yaml.
type Competencies struct {
	Domains []struct {
		Code         string       `yaml:"code"`
		Name         string       `yaml:"name"`
		Competencies []Competency `yaml:"competencies"`
	} `yaml:"domains"`
}

// Competency is one HIM competency with its Bloom level.
type Competency struct {
	ID    string `yaml:"id"`
	Bloom string `yaml:"bloom,omitempty"`
	Text  string `yaml:"text"`
}

// Option is one answer option of an item.
type Option struct {
	ID        string `yaml:"id"`
	Text      string `yaml:"text"`
	Correct   bool   `yaml:"correct,omitempty"`
	Rationale string `yaml:"rationale"`
}

// Item is a question, or a scenario set holding child questions in Items.
type Item struct {
	ID         string            `yaml:"id"`
	Version    int               `yaml:"version,omitempty"`
	Type       string            `yaml:"type"`
	Status     string            `yaml:"status,omitempty"`
	Exams      []string          `yaml:"exams,omitempty"`
	Blueprint  map[string]string `yaml:"blueprint,omitempty"`
	Topic      string            `yaml:"topic,omitempty"`
	Competency string            `yaml:"competency,omitempty"`
	Bloom      string            `yaml:"bloom,omitempty"`
	Level      string            `yaml:"level,omitempty"`
	Difficulty float64           `yaml:"difficulty,omitempty"`
	Angoff     *float64          `yaml:"angoff,omitempty"`
	Scenario   string            `yaml:"scenario,omitempty"`
	Stem       string            `yaml:"stem,omitempty"`
	Choose     int               `yaml:"choose,omitempty"`
	Options    []Option          `yaml:"options,omitempty"`
	References []string          `yaml:"references,omitempty"`
	Author     string            `yaml:"author,omitempty"`
	Reviewer   string            `yaml:"reviewer,omitempty"`
	Items      []Item            `yaml:"items,omitempty"`

	File  string         `yaml:"-"`
	Line  int            `yaml:"-"`
	lines map[string]int // line of each field, for problems
	Bank  string         `yaml:"-"`
}

// Countable returns the deliverable questions of an item: itself, or a set's children
// (which inherit the set's exams, blueprint, competency, status, author and reviewer).
func (it Item) Countable() []Item {
	if it.Type != "scenario" {
		return []Item{it}
	}
	out := make([]Item, len(it.Items))
	for i, c := range it.Items {
		c.Exams, c.Blueprint, c.Competency, c.Status, c.Author, c.Reviewer = it.Exams, it.Blueprint, it.Competency, it.Status, it.Author, it.Reviewer
		if len(c.References) == 0 {
			c.References = it.References
		}
		out[i] = c
	}
	return out
}

// Course is content/courses/<slug>/course.yaml.
type Course struct {
	Slug    string   `yaml:"slug"`
	Title   string   `yaml:"title"`
	Exam    string   `yaml:"exam"`
	Summary string   `yaml:"summary"`
	Modules []Module `yaml:"modules"`

	Dir     string    `yaml:"-"`
	File    string    `yaml:"-"`
	Line    int       `yaml:"-"`
	Lessons []*Lesson `yaml:"-"` // every lesson of every module, in order
}

// Module is one module of a course.
type Module struct {
	ID           string   `yaml:"id"`
	Title        string   `yaml:"title"`
	Domain       string   `yaml:"domain"`
	Competencies []string `yaml:"competencies"`
	Lessons      []string `yaml:"lessons"`
	Quiz         []string `yaml:"quiz"`

	Line int `yaml:"-"`
}

// Lesson is a Markdown lesson with its front matter.
type Lesson struct {
	ID         string   `yaml:"id"`
	Title      string   `yaml:"title"`
	Competency string   `yaml:"competency,omitempty"`
	Bloom      string   `yaml:"bloom,omitempty"`
	Minutes    int      `yaml:"minutes"`
	Quiz       []string `yaml:"quiz"`

	Module   string `yaml:"-"`
	File     string `yaml:"-"`
	Markdown string `yaml:"-"`
	Words    int    `yaml:"-"`
}

// Tree is a loaded content directory.
type Tree struct {
	Blueprints   map[string]*Blueprint
	Competencies map[string]Competency
	Items        []*Item
	Courses      []*Course
}
