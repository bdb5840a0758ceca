package exams

import (
	"math"
	"sort"
	"strings"
)

// ItemStat is the classical item analysis of one question version.
type ItemStat struct {
	QuestionID     string
	ItemID         string
	Version        int
	Domain         string
	N              int                // scored responses (attempts that had the question)
	Facility       float64            // share correct (p)
	Discrimination float64            // p in the upper 27% minus p in the lower 27% by total score
	PointBiserial  float64            // correlation of the item with the rest score
	ChoiceRates    map[string]float64 // share of attempts choosing each option
	Key            []string
	Flags          []string // too-easy, too-hard, low-discrimination, negative-discrimination
}

// FormStat is the reliability of one distinct form (the same set of scored questions).
type FormStat struct {
	Questions int
	Attempts  int
	Mean      float64
	SD        float64
	KR20      float64
	SEM       float64
}

// Analysis is an exam's item analysis.
type Analysis struct {
	Attempts int
	Items    []ItemStat
	Forms    []FormStat
}

// AttemptData is one finished attempt as the analysis needs it.
type AttemptData struct {
	Form      []FormQuestion
	Responses map[string]Response
}

// Thresholds for flags (docs/SCORING.md).
const (
	TooEasy           = 0.90
	TooHard           = 0.20
	LowDiscrimination = 0.20
)

// Analyze computes item statistics over finished attempts. Pretest questions are analysed
// like the others (that is what they are for) but never count in totals. Upper and lower
// groups are the top and bottom 27% by total scored raw score (at least one attempt
// each); the point-biserial uses the rest score (total minus the item) so the item does
// not correlate with itself.
func Analyze(attempts []AttemptData) Analysis {
	type row struct {
		total   int
		correct map[string]bool
		choices map[string][]string
	}
	rows := make([]row, len(attempts))
	meta := map[string]FormQuestion{}
	forms := map[string][]int{}
	for i, a := range attempts {
		r := row{correct: map[string]bool{}, choices: map[string][]string{}}
		var scored []string
		for _, q := range a.Form {
			meta[q.QuestionID] = q
			resp := a.Responses[q.QuestionID]
			ok := Correct(q, resp.Choices)
			r.correct[q.QuestionID] = ok
			r.choices[q.QuestionID] = resp.Choices
			if !q.Pretest {
				scored = append(scored, q.QuestionID)
				if ok {
					r.total++
				}
			}
		}
		rows[i] = r
		sort.Strings(scored)
		key := strings.Join(scored, ",")
		forms[key] = append(forms[key], i)
	}

	// Groups by total score.
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rows[order[a]].total > rows[order[b]].total })
	g := int(math.Round(0.27 * float64(len(rows))))
	if g < 1 && len(rows) > 0 {
		g = 1
	}
	upper, lower := map[int]bool{}, map[int]bool{}
	for i := 0; i < g && i < len(order); i++ {
		upper[order[i]] = true
		lower[order[len(order)-1-i]] = true
	}

	var out Analysis
	out.Attempts = len(rows)
	ids := make([]string, 0, len(meta))
	for id := range meta {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		q := meta[id]
		st := ItemStat{QuestionID: id, ItemID: q.ItemID, Version: q.Version, Domain: q.Domain, ChoiceRates: map[string]float64{}}
		for _, o := range q.Options {
			st.ChoiceRates[o.ID] = 0
			if o.Correct {
				st.Key = append(st.Key, o.ID)
			}
		}
		var right, up, upN, low, lowN int
		var rest, restRight []float64
		for i, r := range rows {
			ok, took := r.correct[id]
			if !took {
				continue
			}
			st.N++
			for _, c := range r.choices[id] {
				st.ChoiceRates[c]++
			}
			score := r.total
			if ok {
				right++
				if !q.Pretest {
					score--
				}
			}
			rest = append(rest, float64(score))
			if ok {
				restRight = append(restRight, float64(score))
			}
			if upper[i] {
				upN++
				if ok {
					up++
				}
			}
			if lower[i] {
				lowN++
				if ok {
					low++
				}
			}
		}
		if st.N == 0 {
			continue
		}
		for k, v := range st.ChoiceRates {
			st.ChoiceRates[k] = round(v / float64(st.N))
		}
		p := float64(right) / float64(st.N)
		st.Facility = round(p)
		if upN > 0 && lowN > 0 {
			st.Discrimination = round(float64(up)/float64(upN) - float64(low)/float64(lowN))
		}
		st.PointBiserial = round(pointBiserial(rest, restRight, p))
		switch {
		case p > TooEasy:
			st.Flags = append(st.Flags, "too-easy")
		case p < TooHard:
			st.Flags = append(st.Flags, "too-hard")
		}
		switch {
		case st.Discrimination < 0:
			st.Flags = append(st.Flags, "negative-discrimination")
		case st.Discrimination < LowDiscrimination:
			st.Flags = append(st.Flags, "low-discrimination")
		}
		out.Items = append(out.Items, st)
	}

	keys := make([]string, 0, len(forms))
	for k := range forms {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		idx := forms[k]
		qs := strings.Split(k, ",")
		if k == "" {
			continue
		}
		fs := FormStat{Questions: len(qs), Attempts: len(idx)}
		var totals []float64
		for _, i := range idx {
			totals = append(totals, float64(rows[i].total))
		}
		mean, variance := meanVar(totals)
		fs.Mean, fs.SD = round(mean), round(math.Sqrt(variance))
		var sumPQ float64
		for _, q := range qs {
			c := 0
			for _, i := range idx {
				if rows[i].correct[q] {
					c++
				}
			}
			p := float64(c) / float64(len(idx))
			sumPQ += p * (1 - p)
		}
		if n := float64(len(qs)); n > 1 && variance > 0 {
			kr := n / (n - 1) * (1 - sumPQ/variance)
			fs.KR20 = round(kr)
			fs.SEM = round(math.Sqrt(variance) * math.Sqrt(math.Max(0, 1-kr)))
		}
		out.Forms = append(out.Forms, fs)
	}
	return out
}

// pointBiserial is (mean rest score of those right - of those wrong) / SD x sqrt(pq).
func pointBiserial(rest, restRight []float64, p float64) float64 {
	if p <= 0 || p >= 1 || len(rest) < 2 {
		return 0
	}
	_, v := meanVar(rest)
	if v == 0 {
		return 0
	}
	var sumAll, sumRight float64
	for _, x := range rest {
		sumAll += x
	}
	for _, x := range restRight {
		sumRight += x
	}
	mRight := sumRight / float64(len(restRight))
	mWrong := (sumAll - sumRight) / float64(len(rest)-len(restRight))
	return (mRight - mWrong) / math.Sqrt(v) * math.Sqrt(p*(1-p))
}

// meanVar returns the mean and the population variance.
func meanVar(xs []float64) (float64, float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	m := s / float64(len(xs))
	var v float64
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	return m, v / float64(len(xs))
}

func round(x float64) float64 { return math.Round(x*10000) / 10000 }
