package content

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
)

var idRe = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Validate checks the tree against the rules in docs/CONTENT.md and returns every problem,
// sorted by file and line.
func Validate(t *Tree) []Problem {
	v := &validator{t: t, ids: map[string]string{}}
	for _, b := range sortedBlueprints(t) {
		v.blueprint(b)
	}
	for _, it := range t.Items {
		v.item(it, nil)
	}
	lessonIDs := map[string]string{}
	for _, c := range t.Courses {
		v.course(c, lessonIDs)
	}
	sort.SliceStable(v.probs, func(i, j int) bool {
		if v.probs[i].File != v.probs[j].File {
			return v.probs[i].File < v.probs[j].File
		}
		return v.probs[i].Line < v.probs[j].Line
	})
	return v.probs
}

type validator struct {
	t     *Tree
	ids   map[string]string // item id -> file:line of first use
	probs []Problem
}

func (v *validator) add(file string, line int, format string, args ...any) {
	v.probs = append(v.probs, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) blueprint(b *Blueprint) {
	f, l := b.File, b.Line
	if !slices.Contains(Exams, b.Exam) {
		v.add(f, l, "unknown exam %q (want one of %s)", b.Exam, strings.Join(Exams, ", "))
	}
	if b.ScoredItems <= 0 || b.PretestItems < 0 || b.TimeLimitMinutes <= 0 {
		v.add(f, l, "scored_items and time_limit_minutes must be positive, pretest_items not negative")
	}
	var lo, hi float64
	codes := map[string]bool{}
	for _, d := range b.Domains {
		lo += d.MinPercent
		hi += d.MaxPercent
		if d.MinPercent < 0 || d.MaxPercent > 100 || d.MinPercent > d.MaxPercent {
			v.add(f, l, "domain %s: min_percent %.0f and max_percent %.0f are not a range within 0-100", d.Code, d.MinPercent, d.MaxPercent)
		}
		if codes[d.Code] {
			v.add(f, l, "domain code %s appears twice", d.Code)
		}
		codes[d.Code] = true
		for _, s := range d.Subdomains {
			if !strings.HasPrefix(s.Code, d.Code+".") {
				v.add(f, l, "subdomain %s does not belong to domain %s (want %s.<n>)", s.Code, d.Code, d.Code)
			}
			if codes[s.Code] {
				v.add(f, l, "subdomain code %s appears twice", s.Code)
			}
			codes[s.Code] = true
		}
	}
	if len(b.Domains) == 0 {
		v.add(f, l, "blueprint has no domains")
	} else if lo > 100 || hi < 100 {
		v.add(f, l, "domain ranges cannot sum to 100%% (minimums add to %.0f, maximums to %.0f)", lo, hi)
	}
}

func (v *validator) item(it *Item, set *Item) {
	f := it.File
	if !idRe.MatchString(it.ID) {
		v.add(f, it.lineOf("id"), "item id %q must be lowercase letters, digits and dashes", it.ID)
	} else if prev, dup := v.ids[it.ID]; dup {
		v.add(f, it.lineOf("id"), "duplicate id %s (first at %s)", it.ID, prev)
	} else {
		v.ids[it.ID] = fmt.Sprintf("%s:%d", f, it.lineOf("id"))
	}
	// Fields a child takes from its set.
	meta := it
	if set != nil {
		meta = set
		for _, k := range []string{"exams", "blueprint", "competency", "status", "author", "reviewer"} {
			if _, ok := it.lines[k]; ok {
				v.add(f, it.lineOf(k), "item %s: %s is taken from its scenario set and may not be set on a child", it.ID, k)
			}
		}
	} else {
		v.meta(it)
	}
	active := meta.Status == "active"

	switch it.Type {
	case "scenario":
		if set != nil {
			v.add(f, it.lineOf("type"), "item %s: a scenario set cannot contain another scenario set", it.ID)
			return
		}
		if strings.TrimSpace(it.Scenario) == "" {
			v.add(f, it.lineOf("scenario"), "item %s: scenario set has no scenario text", it.ID)
		}
		if n := len(it.Items); n < 2 || n > 6 {
			v.add(f, it.lineOf("items"), "item %s: a scenario set needs 2-6 child items, has %d", it.ID, n)
		}
		if active && len(it.References) == 0 {
			for _, c := range it.Items {
				if len(c.References) == 0 {
					v.add(f, it.lineOf("references"), "item %s: active scenario set needs references (on the set or on every child)", it.ID)
					break
				}
			}
		}
		v.references(it)
		for i := range it.Items {
			v.item(&it.Items[i], it)
		}
		return
	case "single", "multiple":
	default:
		v.add(f, it.lineOf("type"), "item %s: unknown type %q (single, multiple or scenario)", it.ID, it.Type)
		return
	}

	if !slices.Contains(Levels, it.Level) {
		v.add(f, it.lineOf("level"), "item %s: level %q is not recall, application or analysis", it.ID, it.Level)
	}
	if !slices.Contains(BloomLevels, it.Bloom) {
		v.add(f, it.lineOf("bloom"), "item %s: bloom %q is not a Bloom level (%s)", it.ID, it.Bloom, strings.Join(BloomLevels, ", "))
	}
	if it.Difficulty < 0.05 || it.Difficulty > 0.95 {
		v.add(f, it.lineOf("difficulty"), "item %s: difficulty %.2f must be between 0.05 and 0.95", it.ID, it.Difficulty)
	}
	if it.Angoff != nil && (*it.Angoff < 0 || *it.Angoff > 1) {
		v.add(f, it.lineOf("angoff"), "item %s: angoff %.2f must be between 0 and 1", it.ID, *it.Angoff)
	}
	if strings.TrimSpace(it.Stem) == "" {
		v.add(f, it.lineOf("stem"), "item %s: stem is empty", it.ID)
	}
	keys := 0
	optIDs := map[string]bool{}
	for _, o := range it.Options {
		if o.Correct {
			keys++
		}
		if o.ID == "" || optIDs[o.ID] {
			v.add(f, it.lineOf("options"), "item %s: option id %q is empty or repeated", it.ID, o.ID)
		}
		optIDs[o.ID] = true
		if strings.TrimSpace(o.Text) == "" {
			v.add(f, it.lineOf("options"), "item %s: option %s has no text", it.ID, o.ID)
		}
		if active && strings.TrimSpace(o.Rationale) == "" {
			v.add(f, it.lineOf("options"), "item %s: option %s has no rationale", it.ID, o.ID)
		}
	}
	n := len(it.Options)
	switch it.Type {
	case "single":
		if n != 4 {
			v.add(f, it.lineOf("options"), "item %s: a single best answer item needs exactly 4 options, has %d", it.ID, n)
		}
		if keys == 0 {
			v.add(f, it.lineOf("options"), "item %s: no key (no option has correct: true)", it.ID)
		} else if keys > 1 {
			v.add(f, it.lineOf("options"), "item %s: a single best answer item needs exactly 1 key, has %d", it.ID, keys)
		}
		if it.Choose != 0 && it.Choose != 1 {
			v.add(f, it.lineOf("choose"), "item %s: choose is only for multiple response items", it.ID)
		}
	case "multiple":
		if n < 4 || n > 6 {
			v.add(f, it.lineOf("options"), "item %s: a multiple response item needs 4-6 options, has %d", it.ID, n)
		}
		if it.Choose < 2 || it.Choose >= n {
			v.add(f, it.lineOf("choose"), "item %s: choose must be at least 2 and fewer than the options, is %d", it.ID, it.Choose)
		}
		if keys == 0 {
			v.add(f, it.lineOf("options"), "item %s: no key (no option has correct: true)", it.ID)
		} else if keys != it.Choose {
			v.add(f, it.lineOf("options"), "item %s: choose is %d but %d options are keys", it.ID, it.Choose, keys)
		}
	}
	if set == nil && active && len(it.References) == 0 {
		v.add(f, it.lineOf("references"), "item %s: an active item needs at least one reference", it.ID)
	}
	v.references(it)
}

func (v *validator) references(it *Item) {
	for _, r := range it.References {
		if len(strings.TrimSpace(r)) < 6 {
			v.add(it.File, it.lineOf("references"), "item %s: reference %q is too short to find the source", it.ID, r)
		}
	}
}

// meta checks the fields a top-level item (or set) carries for itself and its children.
func (v *validator) meta(it *Item) {
	f := it.File
	if !slices.Contains(Statuses, it.Status) {
		v.add(f, it.lineOf("status"), "item %s: status %q is not draft, review, active or retired", it.ID, it.Status)
	}
	if it.Version < 1 {
		v.add(f, it.lineOf("version"), "item %s: version must be 1 or more", it.ID)
	}
	if len(it.Exams) == 0 {
		v.add(f, it.lineOf("exams"), "item %s: exams is empty", it.ID)
	}
	for _, e := range it.Exams {
		b, ok := v.t.Blueprints[e]
		if !slices.Contains(Exams, e) || !ok {
			v.add(f, it.lineOf("exams"), "item %s: unknown exam %q", it.ID, e)
			continue
		}
		sub, ok := it.Blueprint[e]
		if !ok {
			v.add(f, it.lineOf("blueprint"), "item %s: blueprint has no subdomain for exam %s", it.ID, e)
			continue
		}
		if _, ok := b.DomainOf(sub); !ok {
			v.add(f, it.lineOf("blueprint"), "item %s: unknown %s domain %q (no such subdomain in %s)", it.ID, e, sub, b.File)
		}
	}
	for e := range it.Blueprint {
		if !slices.Contains(it.Exams, e) {
			v.add(f, it.lineOf("blueprint"), "item %s: blueprint names exam %s that is not in exams", it.ID, e)
		}
	}
	if _, ok := v.t.Competencies[it.Competency]; !ok {
		v.add(f, it.lineOf("competency"), "item %s: unknown competency %q", it.ID, it.Competency)
	}
	if it.Status == "active" {
		if strings.TrimSpace(it.Reviewer) == "" {
			v.add(f, it.lineOf("status"), "item %s: an active item needs a reviewer", it.ID)
		} else if it.Reviewer == it.Author {
			v.add(f, it.lineOf("reviewer"), "item %s: the reviewer must not be the author", it.ID)
		}
	}
}

func (v *validator) course(c *Course, lessonIDs map[string]string) {
	f := c.File
	if !idRe.MatchString(c.Slug) {
		v.add(f, c.Line, "course slug %q must be lowercase letters, digits and dashes", c.Slug)
	}
	b, ok := v.t.Blueprints[c.Exam]
	if !ok {
		v.add(f, c.Line, "course %s: unknown exam %q", c.Slug, c.Exam)
	}
	if strings.TrimSpace(c.Title) == "" {
		v.add(f, c.Line, "course %s: title is empty", c.Slug)
	}
	modIDs := map[string]bool{}
	for _, m := range c.Modules {
		if modIDs[m.ID] || !idRe.MatchString(m.ID) {
			v.add(f, m.Line, "module id %q is repeated or not lowercase letters, digits and dashes", m.ID)
		}
		modIDs[m.ID] = true
		if ok && !slices.ContainsFunc(b.Domains, func(d Domain) bool { return d.Code == m.Domain }) {
			v.add(f, m.Line, "module %s: unknown %s domain %q", m.ID, c.Exam, m.Domain)
		}
		for _, comp := range m.Competencies {
			if _, ok := v.t.Competencies[comp]; !ok {
				v.add(f, m.Line, "module %s: unknown competency %q", m.ID, comp)
			}
		}
		for _, q := range m.Quiz {
			if _, ok := v.ids[q]; !ok {
				v.add(f, m.Line, "module %s: quiz names item %q, which is in no bank", m.ID, q)
			}
		}
		if len(m.Lessons) == 0 {
			v.add(f, m.Line, "module %s has no lessons", m.ID)
		}
	}
	for _, l := range c.Lessons {
		if l.ID == "" || !idRe.MatchString(l.ID) {
			v.add(l.File, 2, "lesson id %q must be lowercase letters, digits and dashes", l.ID)
		} else if prev, dup := lessonIDs[l.ID]; dup {
			v.add(l.File, 2, "duplicate lesson id %s (also %s)", l.ID, prev)
		} else {
			lessonIDs[l.ID] = l.File
		}
		if strings.TrimSpace(l.Title) == "" {
			v.add(l.File, 2, "lesson %s: title is empty", l.ID)
		}
		if _, ok := v.t.Competencies[l.Competency]; !ok {
			v.add(l.File, 2, "lesson %s: unknown competency %q", l.ID, l.Competency)
		}
		if !slices.Contains(BloomLevels, l.Bloom) {
			v.add(l.File, 2, "lesson %s: bloom %q is not a Bloom level", l.ID, l.Bloom)
		}
		for _, q := range l.Quiz {
			if _, ok := v.ids[q]; !ok {
				v.add(l.File, 2, "lesson %s: quiz names item %q, which is in no bank", l.ID, q)
			}
		}
		if strings.TrimSpace(l.Markdown) == "" {
			v.add(l.File, 1, "lesson %s has no text", l.ID)
		}
	}
}

func sortedBlueprints(t *Tree) []*Blueprint {
	out := make([]*Blueprint, 0, len(t.Blueprints))
	for _, b := range t.Blueprints {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Exam < out[j].Exam })
	return out
}

// domainBounds returns the per-form item count range of a domain on a full-length form.
func domainBounds(b *Blueprint, d Domain) (lo, hi int) {
	n := float64(b.FormSize())
	return int(math.Ceil(d.MinPercent * n / 100)), int(math.Floor(d.MaxPercent * n / 100))
}
