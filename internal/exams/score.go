package exams

import (
	"math"
	"slices"
	"sort"
)

// Response is a student's answer to one question.
type Response struct {
	QuestionID string
	Choices    []string
	Flagged    bool
	Seq        int64
}

// DomainScore is correct out of total scored questions in a domain or subdomain.
type DomainScore struct {
	Code    string
	Correct int
	Total   int
}

// Score is the result of an attempt. Pretest questions are left out of every figure.
type Score struct {
	Raw        int
	Total      int
	Percent    float64
	Cut        float64 // raw score that maps to the passing scaled score
	Scaled     int
	Passed     bool
	Domains    []DomainScore
	Subdomains []DomainScore
}

// Scale constants: the AHIMA-style 100-400 scale with 300 passing.
const (
	ScaleMin  = 100
	ScaleMax  = 400
	ScalePass = 300
)

// Correct reports whether choices match the keys exactly (multiple response: all or nothing).
func Correct(q FormQuestion, choices []string) bool {
	var key []string
	for _, o := range q.Options {
		if o.Correct {
			key = append(key, o.ID)
		}
	}
	if len(key) != len(choices) {
		return false
	}
	for _, c := range choices {
		if !slices.Contains(key, c) {
			return false
		}
	}
	return true
}

// ScoreForm scores responses against a form. The cut score is the sum of the scored
// questions' Angoff ratings, with cutPercent standing in for a question without one
// (docs/SCORING.md). Scaled score: linear from 0 to the cut onto 100-300, and from the cut
// to all correct onto 300-400.
func ScoreForm(form []FormQuestion, responses map[string]Response, cutPercent float64) Score {
	var s Score
	doms, subs := map[string]*DomainScore{}, map[string]*DomainScore{}
	for _, q := range form {
		if q.Pretest {
			continue
		}
		s.Total++
		if q.Angoff != nil {
			s.Cut += *q.Angoff
		} else {
			s.Cut += cutPercent
		}
		ok := false
		if r, has := responses[q.QuestionID]; has {
			ok = Correct(q, r.Choices)
		}
		for _, m := range []struct {
			into map[string]*DomainScore
			code string
		}{{doms, q.Domain}, {subs, q.Subdomain}} {
			d := m.into[m.code]
			if d == nil {
				d = &DomainScore{Code: m.code}
				m.into[m.code] = d
			}
			d.Total++
			if ok {
				d.Correct++
			}
		}
		if ok {
			s.Raw++
		}
	}
	if s.Total > 0 {
		s.Percent = math.Round(float64(s.Raw)/float64(s.Total)*1000) / 10
	}
	s.Cut = math.Round(s.Cut*100) / 100
	s.Scaled = scaled(float64(s.Raw), s.Cut, float64(s.Total))
	s.Passed = s.Scaled >= ScalePass
	s.Domains, s.Subdomains = sorted(doms), sorted(subs)
	return s
}

func scaled(raw, cut, total float64) int {
	if total <= 0 {
		return ScaleMin
	}
	cut = math.Min(math.Max(cut, 0.5), total-0.5)
	var v float64
	if raw < cut {
		v = ScaleMin + (ScalePass-ScaleMin)*raw/cut
	} else {
		v = ScalePass + (ScaleMax-ScalePass)*(raw-cut)/(total-cut)
	}
	return int(math.Floor(v + 1e-9))
}

func sorted(m map[string]*DomainScore) []DomainScore {
	out := make([]DomainScore, 0, len(m))
	for _, d := range m {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}
