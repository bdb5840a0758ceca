package exams

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/bank"
	"github.com/chartroom-him/chartroom/internal/content"
)

// FormQuestion is one question of an attempt's form, frozen at start: later bank edits do
// not change it. Keys and rationales stay on the server.
type FormQuestion struct {
	ItemID     string
	Version    int
	QuestionID string
	Type       string // single | multiple
	Scenario   string
	Stem       string
	Choose     int
	Options    []bank.Option // in the order shown to this student
	Domain     string
	Subdomain  string
	Pretest    bool
	Angoff     *float64
}

// FormSpec says what to draw.
type FormSpec struct {
	Blueprint      *content.Blueprint
	Kind           Kind
	Domain         string
	ItemIDs        []string
	Size           int // questions in all, pretest included
	Pretest        int
	ShuffleOptions bool
}

type unit struct {
	item   bank.Item
	domain string
	sub    string
	seen   bool
}

// BuildForm draws a form from active items. A scenario set moves as one unit. Items the
// student has seen (seen[itemID]) are used only when unseen ones run out. Domains get
// shares inside their blueprint ranges. Pretest questions are picked at random among the
// drawn ones and look like any other. Errors: apperr.Conflict when the bank cannot fill it.
func BuildForm(spec FormSpec, items []bank.Item, seen map[string]bool, rng *rand.Rand) ([]FormQuestion, error) {
	exam := spec.Blueprint.Exam
	var units []unit
	for _, it := range items {
		if it.Status != "active" || !slices.Contains(it.Exams, exam) {
			continue
		}
		sub := it.Blueprint[exam]
		dom, _, _ := strings.Cut(sub, ".")
		units = append(units, unit{item: it, domain: dom, sub: sub, seen: seen[it.ID]})
	}
	// Unseen first, random within each group.
	rng.Shuffle(len(units), func(i, j int) { units[i], units[j] = units[j], units[i] })
	sort.SliceStable(units, func(i, j int) bool { return !units[i].seen && units[j].seen })

	var chosen []unit
	switch spec.Kind {
	case HandPicked:
		byID := map[string]unit{}
		for _, u := range units {
			byID[u.item.ID] = u
		}
		for _, id := range spec.ItemIDs {
			u, ok := byID[id]
			if !ok {
				return nil, apperr.New(apperr.Conflict, "Item %s is not an active item of the %s bank.", id, exam)
			}
			chosen = append(chosen, u)
		}
	case DomainQuiz:
		var err error
		chosen, _, err = fill(units, func(u unit) bool { return u.domain == spec.Domain }, spec.Size)
		if err != nil {
			return nil, err
		}
		if n := count(chosen); n < spec.Size {
			return nil, apperr.New(apperr.Conflict, "The bank has %d active %s questions in domain %s; the quiz needs %d.", n, exam, spec.Domain, spec.Size)
		}
	default:
		targets := domainTargets(spec.Blueprint, spec.Size)
		used := map[string]bool{}
		short := 0
		for _, d := range spec.Blueprint.Domains {
			got, _, _ := fill(units, func(u unit) bool { return u.domain == d.Code && !used[u.item.ID] }, targets[d.Code])
			for _, u := range got {
				used[u.item.ID] = true
			}
			chosen = append(chosen, got...)
			short += targets[d.Code] - count(got)
		}
		// Make up a shortfall from domains that still have room under their maximum.
		for _, d := range spec.Blueprint.Domains {
			if short <= 0 {
				break
			}
			_, hi := bounds(spec.Blueprint, d, spec.Size)
			room := hi - countDomain(chosen, d.Code)
			if room <= 0 {
				continue
			}
			got, _, _ := fill(units, func(u unit) bool { return u.domain == d.Code && !used[u.item.ID] }, min(room, short))
			for _, u := range got {
				used[u.item.ID] = true
			}
			chosen = append(chosen, got...)
			short -= count(got)
		}
		if short > 0 {
			return nil, apperr.New(apperr.Conflict, "The %s bank is %d active questions short of a %d-question form.", exam, short, spec.Size)
		}
	}

	rng.Shuffle(len(chosen), func(i, j int) { chosen[i], chosen[j] = chosen[j], chosen[i] })
	var form []FormQuestion
	for _, u := range chosen {
		for _, q := range u.item.Questions {
			opts := slices.Clone(q.Options)
			if spec.ShuffleOptions {
				rng.Shuffle(len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
			}
			form = append(form, FormQuestion{
				ItemID: u.item.ID, Version: u.item.Version, QuestionID: q.ID, Type: q.Type, Scenario: u.item.Scenario,
				Stem: q.Stem, Choose: q.Choose, Options: opts, Domain: u.domain, Subdomain: u.sub, Angoff: q.Angoff,
			})
		}
	}
	if spec.Pretest > 0 {
		if spec.Pretest >= len(form) {
			return nil, apperr.Field("pretestItems", "must be fewer than the questions on the form")
		}
		for _, i := range rng.Perm(len(form))[:spec.Pretest] {
			form[i].Pretest = true
		}
	}
	return form, nil
}

// fill takes units matching keep until want questions are reached, skipping a set that
// would overshoot.
func fill(units []unit, keep func(unit) bool, want int) ([]unit, int, error) {
	var got []unit
	n := 0
	for _, u := range units {
		if n >= want {
			break
		}
		size := len(u.item.Questions)
		if !keep(u) || size == 0 || n+size > want {
			continue
		}
		got = append(got, u)
		n += size
	}
	return got, n, nil
}

func count(us []unit) int {
	n := 0
	for _, u := range us {
		n += len(u.item.Questions)
	}
	return n
}

func countDomain(us []unit, d string) int {
	n := 0
	for _, u := range us {
		if u.domain == d {
			n += len(u.item.Questions)
		}
	}
	return n
}

func bounds(b *content.Blueprint, d content.Domain, size int) (int, int) {
	return int(math.Ceil(d.MinPercent * float64(size) / 100)), int(math.Floor(d.MaxPercent * float64(size) / 100))
}

// domainTargets splits size over the domains at the middle of their ranges (largest
// remainder), kept inside each range.
func domainTargets(b *content.Blueprint, size int) map[string]int {
	type share struct {
		code  string
		exact float64
	}
	var total float64
	for _, d := range b.Domains {
		total += (d.MinPercent + d.MaxPercent) / 2
	}
	out := map[string]int{}
	var shares []share
	sum := 0
	for _, d := range b.Domains {
		exact := float64(size) * (d.MinPercent + d.MaxPercent) / 2 / total
		out[d.Code] = int(exact)
		sum += out[d.Code]
		shares = append(shares, share{d.Code, exact - float64(int(exact))})
	}
	sort.SliceStable(shares, func(i, j int) bool { return shares[i].exact > shares[j].exact })
	for i := 0; sum < size; i = (i + 1) % len(shares) {
		out[shares[i].code]++
		sum++
	}
	return out
}

// Describe summarises a form's domain counts, for logs and tests.
func Describe(form []FormQuestion) string {
	c := map[string]int{}
	for _, q := range form {
		c[q.Domain]++
	}
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s:%d ", k, c[k])
	}
	return strings.TrimSpace(b.String())
}
