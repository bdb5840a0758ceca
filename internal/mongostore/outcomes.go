package mongostore

import (
	"context"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/exams"
	"github.com/chartroom-him/chartroom/internal/outcomes"
	"github.com/chartroom-him/chartroom/internal/programs"
)

var _ outcomes.Store = (*Store)(nil)

// stream runs a find and decodes each document into a fresh T, calling fn with it; only
// one document is decoded at a time.
func stream[T any](ctx context.Context, coll *mongo.Collection, filter bson.M, proj bson.M, what string, fn func(T) error) error {
	opts := options.Find().SetBatchSize(1000)
	if proj != nil {
		opts.SetProjection(proj)
	}
	cur, err := coll.Find(ctx, filter, opts)
	if err != nil {
		return mapErr(err, what)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d T
		if err := cur.Decode(&d); err != nil {
			return mapErr(err, what)
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return mapErr(cur.Err(), what)
}

type lifecycleDoc struct {
	ID        string    `bson:"_id"`
	StudentID string    `bson:"studentId"`
	CohortID  string    `bson:"cohortId"`
	Status    string    `bson:"status"`
	StartDate time.Time `bson:"startDate"`
	Expected  time.Time `bson:"expectedCompletion"`
	History   []struct {
		Status string    `bson:"status"`
		On     time.Time `bson:"on"`
	} `bson:"history"`
}

// streamEnrollmentLifecycles streams a program's enrollments as lifecycles (a scan of the
// enrollments, for RebuildLedger). The first "active" entry of an enrollment's history is
// its start, not a change, and is left out.
func (s *Store) streamEnrollmentLifecycles(ctx context.Context, programID string, fn func(outcomes.Student) error) error {
	proj := bson.M{"studentId": 1, "cohortId": 1, "status": 1, "startDate": 1, "expectedCompletion": 1, "history": 1}
	return stream(ctx, s.db.Collection("enrollments"), bson.M{"programId": programID}, proj, "enrollments", func(d lifecycleDoc) error {
		st := outcomes.Student{EnrollmentID: d.ID, StudentID: d.StudentID, CohortID: d.CohortID, Start: d.StartDate.UTC(), Status: programs.Status(d.Status), Expected: utcOrZero(d.Expected)}
		for i, h := range d.History {
			if i == 0 && h.Status == string(programs.Active) {
				continue
			}
			st.Changes = append(st.Changes, outcomes.Change{Status: programs.Status(h.Status), On: h.On.UTC()})
		}
		return fn(st)
	})
}

// Records returns the program's outcome records from the outcome ledger and the surveys'
// packed responses: a few dozen documents, however many students the program has.
func (s *Store) Records(ctx context.Context, programID string) (outcomes.Records, error) {
	entries, err := s.ledgerRecords(ctx, programID)
	if err != nil {
		return outcomes.Records{}, err
	}
	var r outcomes.Records
	for _, e := range entries {
		r.Students = append(r.Students, e.st)
		r.Results = append(r.Results, e.res...)
		r.Employment = append(r.Employment, e.emp...)
	}
	err = s.streamSurveys(ctx, programID, func(sv outcomes.Survey, packed []string) error {
		for _, p := range packed {
			if x, ok := decodeResponse(sv, p); ok {
				r.Responses = append(r.Responses, x)
			}
		}
		return nil
	})
	return r, err
}

type resultDoc struct {
	ID         string    `bson:"_id"`
	ProgramID  string    `bson:"programId"`
	StudentID  string    `bson:"studentId"`
	Exam       string    `bson:"exam"`
	Date       time.Time `bson:"date"`
	Attempt    int       `bson:"attempt"`
	Passed     bool      `bson:"passed"`
	Scaled     int       `bson:"scaled,omitempty"`
	Source     string    `bson:"source"`
	Verified   bool      `bson:"verified"`
	VerifiedBy string    `bson:"verifiedBy,omitempty"`
	VerifiedAt time.Time `bson:"verifiedAt,omitempty"`
	RecordedBy string    `bson:"recordedBy"`
	CreatedAt  time.Time `bson:"createdAt"`
}

func (d resultDoc) result() outcomes.Result {
	return outcomes.Result{ID: d.ID, ProgramID: d.ProgramID, StudentID: d.StudentID, Exam: d.Exam, Date: d.Date.UTC(), Attempt: d.Attempt, Passed: d.Passed,
		Scaled: d.Scaled, Source: outcomes.Source(d.Source), Verified: d.Verified, VerifiedBy: d.VerifiedBy, VerifiedAt: utcOrZero(d.VerifiedAt),
		RecordedBy: d.RecordedBy, CreatedAt: d.CreatedAt.UTC()}
}

// StreamResults streams a program's certification results.
func (s *Store) StreamResults(ctx context.Context, programID string, fn func(outcomes.Result) error) error {
	return stream(ctx, s.db.Collection("outcome_results"), bson.M{"programId": programID}, nil, "certification results",
		func(d resultDoc) error { return fn(d.result()) })
}

// InsertResults inserts results in one batch.
func (s *Store) InsertResults(ctx context.Context, rs []outcomes.Result) error {
	docs := make([]any, len(rs))
	for i, r := range rs {
		docs[i] = resultDoc{ID: r.ID, ProgramID: r.ProgramID, StudentID: r.StudentID, Exam: r.Exam, Date: r.Date, Attempt: r.Attempt, Passed: r.Passed,
			Scaled: r.Scaled, Source: string(r.Source), Verified: r.Verified, VerifiedBy: r.VerifiedBy, VerifiedAt: r.VerifiedAt, RecordedBy: r.RecordedBy, CreatedAt: r.CreatedAt}
	}
	changes := map[string]ledgerChange{}
	for _, r := range rs {
		r := r
		prev := changes[r.StudentID]
		changes[r.StudentID] = func(e *ledgerEntry) *ledgerEntry {
			if prev != nil {
				e = prev(e)
			}
			if e == nil {
				return nil // not enrolled: nothing to count
			}
			// Idempotent: a rebuild running meanwhile may already hold the result.
			if !slices.ContainsFunc(e.res, func(x outcomes.Result) bool { return x.ID == r.ID }) {
				e.res = append(e.res, r)
			}
			return e
		}
	}
	programID := ""
	if len(rs) > 0 {
		programID = rs[0].ProgramID
	}
	return s.ledgerWrite(ctx, programID, changes, func() error {
		_, err := s.db.Collection("outcome_results").InsertMany(ctx, docs)
		return mapErr(err, "certification result")
	})
}

// recordKey splits a result or follow-up id "program/student/..." into program and student.
func recordKey(id string) (programID, studentID string) {
	p := strings.SplitN(id, "/", 3)
	if len(p) < 3 {
		return "", ""
	}
	return p[0], p[1]
}

// ResultsByIDs returns the results with the given ids (by _id).
func (s *Store) ResultsByIDs(ctx context.Context, ids []string) ([]outcomes.Result, error) {
	var out []outcomes.Result
	for i := 0; i < len(ids); i += 500 {
		err := stream(ctx, s.db.Collection("outcome_results"), bson.M{"_id": bson.M{"$in": ids[i:min(i+500, len(ids))]}}, nil, "certification results",
			func(d resultDoc) error { out = append(out, d.result()); return nil })
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DeleteResults removes results by id (import compensation).
func (s *Store) DeleteResults(ctx context.Context, ids []string) error {
	return s.deleteRecords(ctx, "outcome_results", ids, func(e *ledgerEntry, gone map[string]bool) {
		e.res = slices.DeleteFunc(e.res, func(r outcomes.Result) bool { return gone[r.ID] })
	})
}

// deleteRecords deletes records by id from coll and drops them from the ledger with drop.
func (s *Store) deleteRecords(ctx context.Context, coll string, ids []string, drop func(*ledgerEntry, map[string]bool)) error {
	byProgram := map[string]map[string]ledgerChange{}
	gone := map[string]bool{}
	for _, id := range ids {
		gone[id] = true
		pid, sid := recordKey(id)
		if byProgram[pid] == nil {
			byProgram[pid] = map[string]ledgerChange{}
		}
		byProgram[pid][sid] = func(e *ledgerEntry) *ledgerEntry {
			if e != nil {
				drop(e, gone)
			}
			return e
		}
	}
	for pid, changes := range byProgram {
		err := s.ledgerWrite(ctx, pid, changes, func() error {
			_, err := s.db.Collection(coll).DeleteMany(ctx, bson.M{"_id": bson.M{"$in": ids}})
			return mapErr(err, coll)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// VerifyResult marks one result verified.
func (s *Store) VerifyResult(ctx context.Context, id, by string, at time.Time) error {
	pid, sid := recordKey(id)
	change := func(e *ledgerEntry) *ledgerEntry {
		if e != nil {
			for i := range e.res {
				if e.res[i].ID == id {
					e.res[i].Verified = true
				}
			}
		}
		return e
	}
	return s.ledgerWrite(ctx, pid, map[string]ledgerChange{sid: change}, func() error {
		r, err := s.db.Collection("outcome_results").UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$set": bson.M{"verified": true, "verifiedBy": by, "verifiedAt": at}})
		if err != nil {
			return mapErr(err, "certification result")
		}
		if r.MatchedCount == 0 {
			return apperr.New(apperr.NotFound, "No such result.")
		}
		return nil
	})
}

type employmentDoc struct {
	ID         string    `bson:"_id"`
	ProgramID  string    `bson:"programId"`
	StudentID  string    `bson:"studentId"`
	Status     string    `bson:"status"`
	Date       time.Time `bson:"date"`
	Setting    string    `bson:"setting,omitempty"`
	RecordedBy string    `bson:"recordedBy"`
	CreatedAt  time.Time `bson:"createdAt"`
}

func (d employmentDoc) employment() outcomes.Employment {
	return outcomes.Employment{ID: d.ID, ProgramID: d.ProgramID, StudentID: d.StudentID, Status: outcomes.EmploymentStatus(d.Status), Date: d.Date.UTC(),
		Setting: d.Setting, RecordedBy: d.RecordedBy, CreatedAt: d.CreatedAt.UTC()}
}

// StreamEmployment streams a program's graduate follow-ups.
func (s *Store) StreamEmployment(ctx context.Context, programID string, fn func(outcomes.Employment) error) error {
	return stream(ctx, s.db.Collection("outcome_employment"), bson.M{"programId": programID}, nil, "employment records",
		func(d employmentDoc) error { return fn(d.employment()) })
}

// InsertEmployment inserts follow-ups in one batch.
func (s *Store) InsertEmployment(ctx context.Context, es []outcomes.Employment) error {
	docs := make([]any, len(es))
	for i, e := range es {
		docs[i] = employmentDoc{ID: e.ID, ProgramID: e.ProgramID, StudentID: e.StudentID, Status: string(e.Status), Date: e.Date, Setting: e.Setting, RecordedBy: e.RecordedBy, CreatedAt: e.CreatedAt}
	}
	changes := map[string]ledgerChange{}
	for _, e := range es {
		e := e
		prev := changes[e.StudentID]
		changes[e.StudentID] = func(le *ledgerEntry) *ledgerEntry {
			if prev != nil {
				le = prev(le)
			}
			if le == nil {
				return nil
			}
			if !slices.ContainsFunc(le.emp, func(x outcomes.Employment) bool { return x.ID == e.ID }) {
				le.emp = append(le.emp, e)
			}
			return le
		}
	}
	programID := ""
	if len(es) > 0 {
		programID = es[0].ProgramID
	}
	return s.ledgerWrite(ctx, programID, changes, func() error {
		_, err := s.db.Collection("outcome_employment").InsertMany(ctx, docs)
		return mapErr(err, "employment record")
	})
}

// EmploymentByIDs returns the follow-ups with the given ids.
func (s *Store) EmploymentByIDs(ctx context.Context, ids []string) ([]outcomes.Employment, error) {
	var out []outcomes.Employment
	for i := 0; i < len(ids); i += 500 {
		err := stream(ctx, s.db.Collection("outcome_employment"), bson.M{"_id": bson.M{"$in": ids[i:min(i+500, len(ids))]}}, nil, "employment records",
			func(d employmentDoc) error { out = append(out, d.employment()); return nil })
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DeleteEmployment removes follow-ups by id (import compensation).
func (s *Store) DeleteEmployment(ctx context.Context, ids []string) error {
	return s.deleteRecords(ctx, "outcome_employment", ids, func(e *ledgerEntry, gone map[string]bool) {
		e.emp = slices.DeleteFunc(e.emp, func(x outcomes.Employment) bool { return gone[x.ID] })
	})
}

// AddStatusChange appends a status change to an enrollment's history and sets its status.
func (s *Store) AddStatusChange(ctx context.Context, st outcomes.Student, programID string, c outcomes.Change, status programs.Status, by string, at time.Time) error {
	change := func(e *ledgerEntry) *ledgerEntry {
		if e != nil {
			if !slices.ContainsFunc(e.st.Changes, func(x outcomes.Change) bool { return x.Status == c.Status && x.On.Equal(c.On) }) {
				e.st.Changes = append(e.st.Changes, c)
			}
			e.st.Status = status
		}
		return e
	}
	return s.ledgerWrite(ctx, programID, map[string]ledgerChange{st.StudentID: change}, func() error {
		r, err := s.db.Collection("enrollments").UpdateOne(ctx, bson.M{"_id": st.EnrollmentID}, bson.M{
			"$push": bson.M{"history": statusChangeDoc{Status: string(c.Status), On: c.On, By: by, At: at}},
			"$set":  bson.M{"status": string(status)},
		})
		if err != nil {
			return mapErr(err, "enrollment")
		}
		if r.MatchedCount == 0 {
			return apperr.New(apperr.NotFound, "No such enrollment.")
		}
		return nil
	})
}

// RemoveStatusChange removes the last history entry matching c (added by AddStatusChange)
// and restores status. The history is filtered here and written back whole, because the
// embedded store does not support $pull with a condition on subdocuments.
func (s *Store) RemoveStatusChange(ctx context.Context, st outcomes.Student, programID string, c outcomes.Change, status programs.Status) error {
	change := func(e *ledgerEntry) *ledgerEntry {
		if e != nil {
			for i := len(e.st.Changes) - 1; i >= 0; i-- {
				if e.st.Changes[i].Status == c.Status && e.st.Changes[i].On.Equal(c.On) {
					e.st.Changes = append(e.st.Changes[:i], e.st.Changes[i+1:]...)
					break
				}
			}
			e.st.Status = status
		}
		return e
	}
	return s.ledgerWrite(ctx, programID, map[string]ledgerChange{st.StudentID: change}, func() error {
		var d enrollmentDoc
		if err := s.db.Collection("enrollments").FindOne(ctx, bson.M{"_id": st.EnrollmentID}).Decode(&d); err != nil {
			return mapErr(err, "enrollment")
		}
		for i := len(d.History) - 1; i >= 0; i-- {
			if d.History[i].Status == string(c.Status) && d.History[i].On.Equal(c.On) {
				d.History = append(d.History[:i], d.History[i+1:]...)
				break
			}
		}
		_, err := s.db.Collection("enrollments").UpdateOne(ctx, bson.M{"_id": st.EnrollmentID}, bson.M{"$set": bson.M{"history": d.History, "status": string(status)}})
		return mapErr(err, "enrollment")
	})
}

// SetExpectedCompletion sets (or, with a zero date, clears) an enrollment's expected completion.
func (s *Store) SetExpectedCompletion(ctx context.Context, st outcomes.Student, programID string, expected time.Time) error {
	change := func(e *ledgerEntry) *ledgerEntry {
		if e != nil {
			e.st.Expected = expected
		}
		return e
	}
	return s.ledgerWrite(ctx, programID, map[string]ledgerChange{st.StudentID: change}, func() error {
		update := bson.M{"$set": bson.M{"expectedCompletion": expected}}
		if expected.IsZero() {
			update = bson.M{"$unset": bson.M{"expectedCompletion": ""}}
		}
		_, err := s.db.Collection("enrollments").UpdateOne(ctx, bson.M{"_id": st.EnrollmentID}, update)
		return mapErr(err, "enrollment")
	})
}

type mockAttemptDoc struct {
	StudentID  string    `bson:"studentId"`
	ExamID     string    `bson:"examId"`
	FinishedAt time.Time `bson:"finishedAt"`
	Score      *struct {
		Scaled  int              `bson:"scaled"`
		Domains []domainScoreDoc `bson:"domains"`
	} `bson:"score"`
}

// StreamMockAttempts streams the finished, scored attempts at the program's full-length
// exams (read-only over the exams collections).
func (s *Store) StreamMockAttempts(ctx context.Context, programID string, fn func(outcomes.MockAttempt) error) error {
	examOf := map[string]string{}
	err := stream(ctx, s.db.Collection("exams"), bson.M{"programId": programID, "kind": string(exams.FullLength)}, bson.M{"exam": 1}, "exams",
		func(d struct {
			ID   string `bson:"_id"`
			Exam string `bson:"exam"`
		}) error {
			examOf[d.ID] = d.Exam
			return nil
		})
	if err != nil || len(examOf) == 0 {
		return err
	}
	ids := make([]string, 0, len(examOf))
	for id := range examOf {
		ids = append(ids, id)
	}
	filter := bson.M{"examId": bson.M{"$in": ids}, "status": bson.M{"$in": bson.A{string(exams.Submitted), string(exams.Closed)}}}
	proj := bson.M{"studentId": 1, "examId": 1, "finishedAt": 1, "score.scaled": 1, "score.domains": 1}
	return stream(ctx, s.db.Collection("attempts"), filter, proj, "attempts", func(d mockAttemptDoc) error {
		if d.Score == nil {
			return nil
		}
		a := outcomes.MockAttempt{StudentID: d.StudentID, Exam: examOf[d.ExamID], FinishedAt: d.FinishedAt.UTC(), Scaled: d.Score.Scaled}
		for _, x := range d.Score.Domains {
			a.Domains = append(a.Domains, outcomes.DomainResult{Code: x.Code, Correct: x.Correct, Total: x.Total})
		}
		return fn(a)
	})
}
