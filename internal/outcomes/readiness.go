package outcomes

import (
	"slices"
	"time"

	"github.com/chartroom-him/chartroom/internal/content"
)

// MockAttempt is a finished full-length mock exam attempt, as readiness needs it.
type MockAttempt struct {
	StudentID  string
	Exam       string // RHIT, RHIA or CCA
	FinishedAt time.Time
	Scaled     int
	Domains    []DomainResult
}

// DomainResult is the number correct out of the scored questions of one blueprint domain.
type DomainResult struct {
	Code           string
	Correct, Total int
}

// BlueprintDomain is one domain of an exam blueprint with its weight range in percent.
type BlueprintDomain struct {
	Code, Name             string
	MinPercent, MaxPercent float64
}

// ReadinessRow is one cohort's mock exam results for one exam.
type ReadinessRow struct {
	CohortID string
	Exam     string
	Students int // cohort members
	// Takers counts members with at least one finished full-length mock of this exam.
	Takers int
	// Ready counts takers whose latest full-length mock is at or above 300 scaled.
	Ready      int
	ReadyShare *float64
	// Domains holds the percent correct per blueprint domain over the takers' latest mocks.
	Domains []DomainReadiness
	// PassRate is the cohort's actual first-time pass rate once results are known.
	PassRate *float64
	PassN    int
}

// DomainReadiness is the percent correct of one blueprint domain.
type DomainReadiness struct {
	Code, Name             string
	MinPercent, MaxPercent float64 // the blueprint's weight of the domain
	Correct, Total         int
	Percent                *float64
}

// Readiness computes, per cohort and exam, the share of students whose latest full-length
// mock reached the passing scaled score, results by blueprint domain, and the cohort's
// actual first-time pass rate for that exam.
func Readiness(r Records, attempts []MockAttempt, cohorts []string, blueprints map[string][]BlueprintDomain) []ReadinessRow {
	cohortOf := map[string]string{}
	size := map[string]int{}
	for _, s := range r.Students {
		cohortOf[s.StudentID] = s.CohortID
		size[s.CohortID]++
	}
	type key struct{ student, exam string }
	latest := map[key]MockAttempt{}
	for _, a := range attempts {
		k := key{a.StudentID, a.Exam}
		if cur, ok := latest[k]; !ok || a.FinishedAt.After(cur.FinishedAt) {
			latest[k] = a
		}
	}
	type rowKey struct{ cohort, exam string }
	rows := map[rowKey]*ReadinessRow{}
	for k, a := range latest {
		c, ok := cohortOf[k.student]
		if !ok {
			continue
		}
		rk := rowKey{c, k.exam}
		row := rows[rk]
		if row == nil {
			row = &ReadinessRow{CohortID: c, Exam: k.exam, Students: size[c]}
			for _, d := range blueprints[k.exam] {
				row.Domains = append(row.Domains, DomainReadiness{Code: d.Code, Name: d.Name, MinPercent: d.MinPercent, MaxPercent: d.MaxPercent})
			}
			rows[rk] = row
		}
		row.Takers++
		if a.Scaled >= 300 {
			row.Ready++
		}
		for _, d := range a.Domains {
			i := slices.IndexFunc(row.Domains, func(x DomainReadiness) bool { return x.Code == d.Code })
			if i < 0 {
				row.Domains = append(row.Domains, DomainReadiness{Code: d.Code, Name: d.Code})
				i = len(row.Domains) - 1
			}
			row.Domains[i].Correct += d.Correct
			row.Domains[i].Total += d.Total
		}
	}
	// Actual first-time pass rates per cohort and exam.
	type tally struct{ n, pass int }
	actual := map[rowKey]*tally{}
	for _, res := range r.Results {
		if !res.Verified || res.Attempt != 1 {
			continue
		}
		c, ok := cohortOf[res.StudentID]
		if !ok {
			continue
		}
		t := actual[rowKey{c, res.Exam}]
		if t == nil {
			t = &tally{}
			actual[rowKey{c, res.Exam}] = t
		}
		t.n++
		if res.Passed {
			t.pass++
		}
	}
	var out []ReadinessRow
	for _, c := range cohorts {
		for _, exam := range Exams {
			row := rows[rowKey{c, exam}]
			t := actual[rowKey{c, exam}]
			if row == nil && t == nil {
				continue
			}
			if row == nil {
				row = &ReadinessRow{CohortID: c, Exam: exam, Students: size[c]}
			}
			row.ReadyShare = ratio(row.Ready, row.Takers)
			for i := range row.Domains {
				row.Domains[i].Percent = ratio(row.Domains[i].Correct*100, row.Domains[i].Total)
			}
			if t != nil {
				row.PassRate, row.PassN = ratio(t.pass, t.n), t.n
			}
			out = append(out, *row)
		}
	}
	return out
}

func ratio(num, den int) *float64 {
	if den == 0 {
		return nil
	}
	v := float64(num) / float64(den)
	return &v
}

// BlueprintDomains converts content blueprints to the domains readiness reports against.
func BlueprintDomains(bps map[string]*content.Blueprint) map[string][]BlueprintDomain {
	out := map[string][]BlueprintDomain{}
	for exam, b := range bps {
		for _, d := range b.Domains {
			out[exam] = append(out[exam], BlueprintDomain{Code: d.Code, Name: d.Name, MinPercent: d.MinPercent, MaxPercent: d.MaxPercent})
		}
	}
	return out
}
