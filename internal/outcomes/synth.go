package outcomes

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/chartroom-him/chartroom/internal/programs"
)

// CohortSpec describes one cohort to synthesize history for.
type CohortSpec struct {
	ID        string
	EntryYear int
	Start     time.Time
	Size      int
}

// HistoryStudent is a synthesized student with an account to create.
type HistoryStudent struct {
	Student
	Email, Name string
}

// HistoryMock is a synthesized full-length mock attempt at exam ExamID.
type HistoryMock struct {
	MockAttempt
	ExamID string
	Number int
}

// History is synthesized outcome history: students with their lifecycles, certification
// results, follow-ups, surveys with responses, and mock exam attempts.
type History struct {
	Students   []HistoryStudent
	Results    []Result
	Employment []Employment
	Surveys    []Survey
	Responses  []Response
	Mocks      []HistoryMock
}

var firstNames = []string{"Ava", "Ben", "Chloe", "Diego", "Emma", "Femi", "Grace", "Hiro", "Isla", "Jon", "Kira", "Liam", "Mia", "Noah", "Olu", "Pia", "Quinn", "Ravi", "Sara", "Tom", "Uma", "Vic", "Wen", "Yara", "Zane"}
var lastNames = []string{"Adams", "Baker", "Chen", "Diaz", "Evans", "Fox", "Garcia", "Hughes", "Ito", "Jones", "Khan", "Lopez", "Moore", "Nguyen", "Okoro", "Patel", "Reyes", "Silva", "Tran", "Usman", "Vega", "Wong", "Young", "Zhou"}

// Synthesize generates plausible, deterministic (for a given seed) history for a program
// up to asOf: about 62% of students graduate on time and 10% a year late, 10% withdraw,
// 5% transfer out; graduates sit the RHIT, answer follow-ups and surveys; students who
// started within three years of asOf sit full-length mocks at mockExamID
// (none when empty). normalMonths sets the expected completion. Emails use domain.
func Synthesize(programID string, cohorts []CohortSpec, normalMonths int, asOf time.Time, seed uint64, domain, mockExamID string) History {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	asOf = day(asOf)
	var h History
	days := func(lo, hi int) int { return lo + rng.IntN(hi-lo+1) }
	likert := func(bias float64) int {
		x := rng.Float64() + bias
		switch {
		case x < 0.03:
			return 1
		case x < 0.09:
			return 2
		case x < 0.24:
			return 3
		case x < 0.65:
			return 4
		}
		return 5
	}
	created := asOf
	for _, c := range cohorts {
		var grad, emp Survey
		grad = Survey{ID: fmt.Sprintf("hist-%s-graduate", c.ID), ProgramID: programID, Kind: GraduateSurvey, CohortID: c.ID,
			Title: fmt.Sprintf("Graduate survey, entry %d", c.EntryYear), Closed: true, CreatedBy: "system", CreatedAt: created}
		grad.Token = grad.ID
		emp = Survey{ID: fmt.Sprintf("hist-%s-employer", c.ID), ProgramID: programID, Kind: EmployerSurvey, CohortID: c.ID,
			Title: fmt.Sprintf("Employer survey, entry %d", c.EntryYear), Closed: true, CreatedBy: "system", CreatedAt: created}
		emp.Token = emp.ID
		h.Surveys = append(h.Surveys, grad, emp)
		expected := time.Date(c.Start.Year()+normalMonths/12, time.May, 15, 0, 0, 0, 0, time.UTC)
		// Students in their last year or just graduated have mock attempts on record.
		mocks := mockExamID != "" && !c.Start.Before(asOf.AddDate(-3, 0, 0))
		for i := 0; i < c.Size; i++ {
			id := fmt.Sprintf("h%s%05d", c.ID, i)
			st := HistoryStudent{Student: Student{EnrollmentID: "enr-" + id, StudentID: id, CohortID: c.ID, Start: c.Start, Expected: expected, Status: programs.Active},
				Name:  firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))],
				Email: fmt.Sprintf("hist%d.%d@%s", c.EntryYear, i, domain)}
			add := func(s programs.Status, on time.Time) bool {
				if on.After(asOf) {
					return false
				}
				st.Changes = append(st.Changes, Change{Status: s, On: on})
				st.Status = s
				return true
			}
			r := rng.Float64()
			graduated := time.Time{}
			switch {
			case r < 0.10:
				add(programs.Withdrawn, c.Start.AddDate(0, 0, days(30, 500)))
			case r < 0.15:
				add(programs.Transferred, c.Start.AddDate(0, 0, days(60, 400)))
			case r < 0.77:
				if g := expected.AddDate(0, 0, days(-20, 0)); add(programs.Graduated, g) {
					graduated = g
				}
			case r < 0.87:
				if g := expected.AddDate(1, 0, days(-60, 5)); add(programs.Graduated, g) {
					graduated = g
				}
			default:
				add(programs.Withdrawn, c.Start.AddDate(3, 0, days(0, 100)))
			}
			h.Students = append(h.Students, st)

			if mocks {
				n := 1 + rng.IntN(3)
				ability := rng.NormFloat64()*25 + 295
				for k := 1; k <= n; k++ {
					fin := c.Start.AddDate(1, 3, 0).AddDate(0, 0, 30*k)
					if fin.After(asOf) {
						break
					}
					scaled := min(400, max(100, int(ability)+k*6+rng.IntN(15)-7))
					m := HistoryMock{ExamID: mockExamID, Number: k, MockAttempt: MockAttempt{StudentID: id, Exam: "RHIT", FinishedAt: fin, Scaled: scaled}}
					for dcode, total := range []int{32, 20, 22, 22, 20, 14} {
						share := float64(scaled-100)/300*0.9 + rng.Float64()*0.1 - 0.05
						correct := min(total, max(0, int(share*float64(total))))
						m.Domains = append(m.Domains, DomainResult{Code: fmt.Sprint(dcode + 1), Correct: correct, Total: total})
					}
					h.Mocks = append(h.Mocks, m)
				}
			}
			if graduated.IsZero() {
				continue
			}
			// Certification: most graduates sit the RHIT within four months.
			if rng.Float64() < 0.85 {
				date := graduated.AddDate(0, 0, days(20, 120))
				pass := 0.72
				for attempt := 1; attempt <= 3 && !date.After(asOf); attempt++ {
					passed := rng.Float64() < pass
					scaled := 240 + rng.IntN(60)
					if passed {
						scaled = 300 + rng.IntN(60)
					}
					res := Result{ID: ResultID(programID, id, "RHIT", attempt), ProgramID: programID, StudentID: id, Exam: "RHIT", Date: date, Attempt: attempt,
						Passed: passed, Scaled: scaled, Source: Imported, Verified: true, RecordedBy: "system", CreatedAt: date, VerifiedBy: "system", VerifiedAt: date}
					if rng.Float64() < 0.05 {
						res.Source, res.Verified, res.VerifiedBy, res.VerifiedAt = SelfReported, false, "", time.Time{}
					}
					h.Results = append(h.Results, res)
					if passed {
						break
					}
					date, pass = date.AddDate(0, 0, days(45, 90)), 0.65
				}
			}
			// Follow-up.
			if rng.Float64() < 0.85 {
				e := Employment{ProgramID: programID, StudentID: id, RecordedBy: "system"}
				switch x := rng.Float64(); {
				case x < 0.78:
					e.Status, e.Date = InField, graduated.AddDate(0, 0, days(5, 330))
					e.Setting = []string{"hospital", "physician practice", "payer", "coding vendor", "long-term care", "public health"}[rng.IntN(6)]
				case x < 0.86:
					e.Status, e.Date = NotSeeking, graduated.AddDate(0, 0, 180)
				case x < 0.96:
					e.Status, e.Date = Seeking, graduated.AddDate(0, 0, 180)
				default:
					e.Status, e.Date = OutOfField, graduated.AddDate(0, 0, 180)
				}
				if !e.Date.After(asOf) {
					e.ID, e.CreatedAt = EmploymentID(programID, id, e.Date), e.Date
					h.Employment = append(h.Employment, e)
					if e.Status == InField && rng.Float64() < 0.3 {
						if at := e.Date.AddDate(0, 6, 0); !at.After(asOf) {
							h.Responses = append(h.Responses, synthResponse(emp, at, likert))
						}
					}
				}
			}
			if rng.Float64() < 0.45 {
				if at := graduated.AddDate(0, 0, days(150, 220)); !at.After(asOf) {
					h.Responses = append(h.Responses, synthResponse(grad, at, likert))
				}
			}
		}
	}
	for i := range h.Responses {
		h.Responses[i].ID = fmt.Sprintf("%s-%05d", h.Responses[i].SurveyID, i)
	}
	return h
}

func synthResponse(sv Survey, at time.Time, likert func(float64) int) Response {
	r := Response{SurveyID: sv.ID, ProgramID: sv.ProgramID, Kind: sv.Kind, CohortID: sv.CohortID, SubmittedAt: at}
	for range SurveyItems[sv.Kind] {
		r.Answers = append(r.Answers, likert(0))
	}
	return r
}
