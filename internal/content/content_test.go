package content_test

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/chartroom-him/chartroom/internal/content"
)

const blueprint = `exam: RHIT
title: Test
time_limit_minutes: 10
scored_items: 8
pretest_items: 2
domains:
  - code: "1"
    name: One
    min_percent: 40
    max_percent: 60
    subdomains: [{code: "1.1", name: A}]
  - code: "2"
    name: Two
    min_percent: 40
    max_percent: 60
    subdomains: [{code: "2.1", name: B}]
`

const competencies = `domains:
  - code: I
    name: One
    competencies: [{id: I.1, bloom: apply, text: t}]
`

func item(id string, extra string) string {
	return `  - id: ` + id + `
    version: 1
    type: single
    status: active
    exams: [RHIT]
    blueprint: {RHIT: "1.1"}
    competency: I.1
    bloom: apply
    level: application
    difficulty: 0.5
    author: w
    reviewer: r
    stem: What?
    references: [45 CFR 164.524]
    options:
      - {id: A, text: a, correct: true, rationale: yes}
      - {id: B, text: b, rationale: no}
      - {id: C, text: c, rationale: no}
      - {id: D, text: d, rationale: no}
` + extra
}

func tree(files map[string]string) fstest.MapFS {
	fs := fstest.MapFS{
		"blueprints/rhit.yaml": {Data: []byte(blueprint)},
		"competencies.yaml":    {Data: []byte(competencies)},
	}
	for k, v := range files {
		fs[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return fs
}

func problems(fs fstest.MapFS) []string {
	t, probs := content.Load(fs)
	probs = append(probs, content.Validate(t)...)
	out := make([]string, len(probs))
	for i, p := range probs {
		out[i] = p.String()
	}
	return out
}

func TestValidateFindsEachProblemWithFileAndLine(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string // a problem line must contain this
	}{
		{"duplicate id", map[string]string{"banks/b/x.yaml": "items:\n" + item("a-1", "") + item("a-1", "")}, "banks/b/x.yaml:21: duplicate id a-1 (first at banks/b/x.yaml:2)"},
		{"no key", map[string]string{"banks/b/x.yaml": "items:\n" + strings.Replace(item("a-1", ""), "correct: true, ", "", 1)}, "banks/b/x.yaml:16: item a-1: no key"},
		{"two keys on single", map[string]string{"banks/b/x.yaml": "items:\n" + strings.Replace(item("a-1", ""), "text: b,", "text: b, correct: true,", 1)}, "item a-1: a single best answer item needs exactly 1 key, has 2"},
		{"choose does not match keys", map[string]string{"banks/b/x.yaml": "items:\n" + strings.Replace(strings.Replace(item("a-1", ""), "type: single", "type: multiple\n    choose: 3", 1), "text: b,", "text: b, correct: true,", 1)}, "item a-1: choose is 3 but 2 options are keys"},
		{"unknown domain", map[string]string{"banks/b/x.yaml": "items:\n" + strings.Replace(item("a-1", ""), `"1.1"`, `"9.9"`, 1)}, `banks/b/x.yaml:7: item a-1: unknown RHIT domain "9.9"`},
		{"unknown exam", map[string]string{"banks/b/x.yaml": "items:\n" + strings.Replace(item("a-1", ""), "exams: [RHIT]", "exams: [RHIT, CPC]", 1)}, `banks/b/x.yaml:6: item a-1: unknown exam "CPC"`},
		{"missing rationale on active", map[string]string{"banks/b/x.yaml": "items:\n" + strings.Replace(item("a-1", ""), "text: c, rationale: no", "text: c", 1)}, "item a-1: option C has no rationale"},
		{"active without reviewer", map[string]string{"banks/b/x.yaml": "items:\n" + strings.Replace(item("a-1", ""), "    reviewer: r\n", "", 1)}, "banks/b/x.yaml:5: item a-1: an active item needs a reviewer"},
		{"broken reference", map[string]string{"banks/b/x.yaml": "items:\n" + strings.Replace(item("a-1", ""), "[45 CFR 164.524]", "[see]", 1)}, `banks/b/x.yaml:15: item a-1: reference "see" is too short`},
		{"yaml syntax", map[string]string{"banks/b/x.yaml": "items:\n  - id: [\n"}, "banks/b/x.yaml:"},
		{"blueprint cannot sum to 100", map[string]string{"blueprints/rhit.yaml": strings.ReplaceAll(blueprint, "max_percent: 60", "max_percent: 45")}, "blueprints/rhit.yaml:1: domain ranges cannot sum to 100% (minimums add to 80, maximums to 90)"},
		{"lesson file missing", map[string]string{"courses/c/course.yaml": "slug: c\ntitle: C\nexam: RHIT\nmodules:\n  - id: m1\n    title: M\n    domain: \"1\"\n    lessons: [gone.md]\n"}, "courses/c/course.yaml:5: module m1: lesson gone.md: file missing"},
		{"quiz names unknown item", map[string]string{"courses/c/course.yaml": "slug: c\ntitle: C\nexam: RHIT\nmodules:\n  - id: m1\n    title: M\n    domain: \"1\"\n    lessons: [l.md]\n    quiz: [nope-1]\n", "courses/c/m1/l.md": "---\nid: l1\ntitle: L\ncompetency: I.1\nbloom: apply\n---\n# L\ntext\n"}, `module m1: quiz names item "nope-1", which is in no bank`},
		{"scenario child overrides set field", map[string]string{"banks/b/x.yaml": "items:\n  - id: s-1\n    version: 1\n    type: scenario\n    status: draft\n    exams: [RHIT]\n    blueprint: {RHIT: \"1.1\"}\n    competency: I.1\n    scenario: case\n    items:\n" + strings.ReplaceAll(strings.Replace(item("s-1-1", ""), "  - id: s-1-1", "      - id: s-1-1", 1), "\n    ", "\n        ") + strings.ReplaceAll(strings.Replace(item("s-1-2", ""), "  - id: s-1-2", "      - id: s-1-2", 1), "\n    ", "\n        ")}, "item s-1-1: exams is taken from its scenario set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problems(tree(tt.files))
			for _, p := range got {
				if strings.Contains(p, tt.want) {
					return
				}
			}
			t.Errorf("no problem containing %q; got:\n%s", tt.want, strings.Join(got, "\n"))
		})
	}
}

func TestValidItemHasNoProblems(t *testing.T) {
	if got := problems(tree(map[string]string{"banks/b/x.yaml": "items:\n" + item("a-1", "") + item("a-2", "")})); len(got) != 0 {
		t.Errorf("problems in a valid tree:\n%s", strings.Join(got, "\n"))
	}
}

func TestFormsEstimate(t *testing.T) {
	// Form of 10: each domain 4-6 items. With 9 in domain 1 and 12 in domain 2, two forms
	// need 8 in each domain and 20 in all: 9 + min(12, 12) = 21 >= 20, so 2 forms; a third
	// would need 12 from domain 1.
	var b strings.Builder
	b.WriteString("items:\n")
	for i := 0; i < 21; i++ {
		it := item("q-"+string(rune('a'+i)), "")
		if i >= 9 {
			it = strings.Replace(it, `"1.1"`, `"2.1"`, 1)
		}
		b.WriteString(it)
	}
	tr, probs := content.Load(tree(map[string]string{"banks/b/x.yaml": b.String()}))
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	s := content.ComputeStats(tr)
	if len(s.Forms) != 1 || s.Forms[0].Forms != 2 {
		t.Errorf("forms = %+v, want 2", s.Forms)
	}
	if s.ActiveItems != 21 || s.Active.Single != 21 || s.Active.ApplicationPct != 100 {
		t.Errorf("stats = %+v", s.Active)
	}
}

// TestShippedContentIsValid keeps content/ valid: the same check as `chartroom content validate content/`.
func TestShippedContentIsValid(t *testing.T) {
	tr, probs := content.Load(os.DirFS("../../content"))
	probs = append(probs, content.Validate(tr)...)
	for _, p := range probs {
		t.Error(p)
	}
	if len(tr.Blueprints) != 3 {
		t.Errorf("blueprints = %d, want RHIT, RHIA and CCA", len(tr.Blueprints))
	}
}
