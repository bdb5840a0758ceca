package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/outcomes"
)

// InsertHistory bulk-inserts synthesized outcome history (demo data and benchmarks):
// student accounts without a password (they cannot sign in), enrollments, results,
// follow-ups, surveys with their responses and mock attempts, a thousand documents per
// InsertMany, then the program's outcome ledger.
func (s *Store) InsertHistory(ctx context.Context, programID string, h outcomes.History) error {
	var users, enrollments, results, employment, surveys, attempts []any
	for _, st := range h.Students {
		users = append(users, userDoc{ID: st.StudentID, Email: st.Email, Name: st.Name, Roles: []string{string(accounts.Student)}, CreatedAt: st.Start, UpdatedAt: st.Start})
		d := enrollmentDoc{ID: st.EnrollmentID, ProgramID: programID, CohortID: st.CohortID, StudentID: st.StudentID, Status: string(st.Status), StartDate: st.Start, CreatedAt: st.Start,
			History: []statusChangeDoc{{Status: "active", On: st.Start, By: "system", At: st.Start}}}
		for _, c := range st.Changes {
			d.History = append(d.History, statusChangeDoc{Status: string(c.Status), On: c.On, By: "system", At: c.On})
		}
		raw, err := bson.Marshal(d)
		if err != nil {
			return err
		}
		doc := bson.D{}
		if err := bson.Unmarshal(raw, &doc); err != nil {
			return err
		}
		if !st.Expected.IsZero() {
			doc = append(doc, bson.E{Key: "expectedCompletion", Value: st.Expected})
		}
		enrollments = append(enrollments, doc)
	}
	for _, r := range h.Results {
		results = append(results, resultDoc{ID: r.ID, ProgramID: r.ProgramID, StudentID: r.StudentID, Exam: r.Exam, Date: r.Date, Attempt: r.Attempt, Passed: r.Passed,
			Scaled: r.Scaled, Source: string(r.Source), Verified: r.Verified, VerifiedBy: r.VerifiedBy, VerifiedAt: r.VerifiedAt, RecordedBy: r.RecordedBy, CreatedAt: r.CreatedAt})
	}
	for _, e := range h.Employment {
		employment = append(employment, employmentDoc{ID: e.ID, ProgramID: e.ProgramID, StudentID: e.StudentID, Status: string(e.Status), Date: e.Date, Setting: e.Setting, RecordedBy: e.RecordedBy, CreatedAt: e.CreatedAt})
	}
	packed := map[string][]string{}
	for _, r := range h.Responses {
		packed[r.SurveyID] = append(packed[r.SurveyID], encodeResponse(r))
	}
	for _, sv := range h.Surveys {
		rs := packed[sv.ID]
		if rs == nil {
			rs = []string{}
		}
		surveys = append(surveys, surveyDoc{ID: sv.Token, ProgramID: sv.ProgramID, Kind: string(sv.Kind), CohortID: sv.CohortID, Title: sv.Title, Closed: sv.Closed,
			CreatedBy: sv.CreatedBy, CreatedAt: sv.CreatedAt, Responses: rs})
	}
	for _, m := range h.Mocks {
		id := attemptID(m.ExamID, m.StudentID, m.Number)
		sc := &scoreDoc{Scaled: m.Scaled, Passed: m.Scaled >= 300}
		for _, d := range m.Domains {
			sc.Domains = append(sc.Domains, domainScoreDoc{Code: d.Code, Correct: d.Correct, Total: d.Total})
			sc.Raw += d.Correct
			sc.Total += d.Total
		}
		attempts = append(attempts, attemptDoc{ID: id, ExamID: m.ExamID, StudentID: m.StudentID, Number: m.Number, NumberKey: fmt.Sprintf("%s/%s/%d", m.ExamID, m.StudentID, m.Number),
			Status: "submitted", StartedAt: m.FinishedAt.Add(-3 * 3600e9), FinishedAt: m.FinishedAt, Score: sc})
	}
	for _, b := range []struct {
		coll string
		docs []any
	}{{"users", users}, {"enrollments", enrollments}, {"outcome_results", results}, {"outcome_employment", employment},
		{"surveys", surveys}, {"attempts", attempts}} {
		for i := 0; i < len(b.docs); i += 1000 {
			if _, err := s.db.Collection(b.coll).InsertMany(ctx, b.docs[i:min(i+1000, len(b.docs))], options.InsertMany().SetOrdered(true)); err != nil {
				return mapErr(err, b.coll)
			}
		}
	}
	// The ledger is written last; a program without one yet gets it built from the records.
	if err := s.db.Collection(ledgerColl).FindOne(ctx, bson.M{"_id": ledgerMetaID(programID)}).Err(); err == mongo.ErrNoDocuments {
		return s.rebuildLedger(ctx, programID, 0) // nobody else writes the program while it is seeded
	}
	entries := map[string]*ledgerEntry{}
	existing, err := s.ledgerRecords(ctx, programID)
	if err != nil {
		return err
	}
	for i := range existing {
		entries[existing[i].st.StudentID] = &existing[i]
	}
	for _, st := range h.Students {
		entries[st.StudentID] = &ledgerEntry{st: st.Student}
	}
	for _, r := range h.Results {
		if e := entries[r.StudentID]; e != nil {
			e.res = append(e.res, r)
		}
	}
	for _, x := range h.Employment {
		if e := entries[x.StudentID]; e != nil {
			e.emp = append(e.emp, x)
		}
	}
	return s.writeLedger(ctx, programID, entries)
}
