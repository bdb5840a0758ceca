package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/bank"
	"github.com/chartroom-him/chartroom/internal/exams"
)

var _ exams.Store = (*Store)(nil)

type reviewDoc struct {
	Responses   string `bson:"responses"`
	Correctness string `bson:"correctness"`
	Key         string `bson:"key"`
	Rationale   string `bson:"rationale"`
}

type examDoc struct {
	ID              string    `bson:"_id"`
	ProgramID       string    `bson:"programId"`
	Title           string    `bson:"title"`
	Kind            string    `bson:"kind"`
	Exam            string    `bson:"exam"`
	Domain          string    `bson:"domain,omitempty"`
	ItemIDs         []string  `bson:"itemIds,omitempty"`
	ScoredItems     int       `bson:"scoredItems"`
	PretestItems    int       `bson:"pretestItems"`
	TimeLimitSec    int64     `bson:"timeLimitSec"`
	OpensAt         time.Time `bson:"opensAt"`
	ClosesAt        time.Time `bson:"closesAt"`
	AttemptsAllowed int       `bson:"attemptsAllowed"`
	ShuffleOptions  bool      `bson:"shuffleOptions"`
	Review          reviewDoc `bson:"review"`
	CohortIDs       []string  `bson:"cohortIds,omitempty"`
	CutPercent      float64   `bson:"cutPercent"`
	FeeID           string    `bson:"feeId,omitempty"`
	CreatedBy       string    `bson:"createdBy"`
	CreatedAt       time.Time `bson:"createdAt"`
}

func (d examDoc) exam() exams.Exam {
	return exams.Exam{ID: d.ID, ProgramID: d.ProgramID, Title: d.Title, Kind: exams.Kind(d.Kind), Exam: d.Exam, Domain: d.Domain, ItemIDs: d.ItemIDs,
		ScoredItems: d.ScoredItems, PretestItems: d.PretestItems, TimeLimit: time.Duration(d.TimeLimitSec) * time.Second,
		OpensAt: utcOrZero(d.OpensAt), ClosesAt: utcOrZero(d.ClosesAt), AttemptsAllowed: d.AttemptsAllowed, ShuffleOptions: d.ShuffleOptions,
		Review:    exams.ReviewPolicy{Responses: exams.When(d.Review.Responses), Correctness: exams.When(d.Review.Correctness), Key: exams.When(d.Review.Key), Rationale: exams.When(d.Review.Rationale)},
		CohortIDs: d.CohortIDs, CutPercent: d.CutPercent, FeeID: d.FeeID, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt.UTC()}
}

func utcOrZero(t time.Time) time.Time {
	if t.IsZero() || t.Unix() <= 0 {
		return time.Time{}
	}
	return t.UTC()
}

// CreateExam inserts an exam and sets its ID.
func (s *Store) CreateExam(ctx context.Context, e *exams.Exam) error {
	if e.ID == "" {
		e.ID = newID()
	}
	_, err := s.db.Collection("exams").InsertOne(ctx, examDoc{ID: e.ID, ProgramID: e.ProgramID, Title: e.Title, Kind: string(e.Kind), Exam: e.Exam,
		Domain: e.Domain, ItemIDs: e.ItemIDs, ScoredItems: e.ScoredItems, PretestItems: e.PretestItems, TimeLimitSec: int64(e.TimeLimit / time.Second),
		OpensAt: e.OpensAt, ClosesAt: e.ClosesAt, AttemptsAllowed: e.AttemptsAllowed, ShuffleOptions: e.ShuffleOptions,
		Review:    reviewDoc{Responses: string(e.Review.Responses), Correctness: string(e.Review.Correctness), Key: string(e.Review.Key), Rationale: string(e.Review.Rationale)},
		CohortIDs: e.CohortIDs, CutPercent: e.CutPercent, FeeID: e.FeeID, CreatedBy: e.CreatedBy, CreatedAt: e.CreatedAt})
	return mapErr(err, "exam")
}

// ExamByID returns one exam.
func (s *Store) ExamByID(ctx context.Context, id string) (exams.Exam, error) {
	var d examDoc
	err := s.db.Collection("exams").FindOne(ctx, bson.M{"_id": id}).Decode(&d)
	return d.exam(), mapErr(err, "exam")
}

// ExamsByPrograms returns the exams of the given programs, newest first.
func (s *Store) ExamsByPrograms(ctx context.Context, programIDs []string) ([]exams.Exam, error) {
	if len(programIDs) == 0 {
		return nil, nil
	}
	cur, err := s.db.Collection("exams").Find(ctx, bson.M{"programId": bson.M{"$in": programIDs}}, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}))
	if err != nil {
		return nil, mapErr(err, "exams")
	}
	var docs []examDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "exams")
	}
	out := make([]exams.Exam, len(docs))
	for i, d := range docs {
		out[i] = d.exam()
	}
	return out, nil
}

type accDoc struct {
	ID           string  `bson:"_id"` // studentId/examId
	StudentID    string  `bson:"studentId"`
	ExamID       string  `bson:"examId"`
	Multiplier   float64 `bson:"multiplier"`
	ExtraMinutes int     `bson:"extraMinutes"`
	Untimed      bool    `bson:"untimed"`
}

// Accommodations returns a student's course-wide accommodation and the one for examID,
// each read by _id.
func (s *Store) Accommodations(ctx context.Context, studentID, examID string) ([]exams.Accommodation, error) {
	var out []exams.Accommodation
	for _, id := range []string{studentID + "/", studentID + "/" + examID} {
		var d accDoc
		err := s.db.Collection("accommodations").FindOne(ctx, bson.M{"_id": id}).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return nil, mapErr(err, "accommodation")
		}
		out = append(out, exams.Accommodation{StudentID: d.StudentID, ExamID: d.ExamID, Multiplier: d.Multiplier, ExtraMinutes: d.ExtraMinutes, Untimed: d.Untimed})
	}
	return out, nil
}

// SetAccommodation inserts or replaces one accommodation.
func (s *Store) SetAccommodation(ctx context.Context, a exams.Accommodation) error {
	d := accDoc{ID: a.StudentID + "/" + a.ExamID, StudentID: a.StudentID, ExamID: a.ExamID, Multiplier: a.Multiplier, ExtraMinutes: a.ExtraMinutes, Untimed: a.Untimed}
	_, err := s.db.Collection("accommodations").ReplaceOne(ctx, bson.M{"_id": d.ID}, d, options.Replace().SetUpsert(true))
	return mapErr(err, "accommodation")
}

type domainScoreDoc struct {
	Code    string `bson:"code"`
	Correct int    `bson:"correct"`
	Total   int    `bson:"total"`
}

type scoreDoc struct {
	Raw        int              `bson:"raw"`
	Total      int              `bson:"total"`
	Percent    float64          `bson:"percent"`
	Cut        float64          `bson:"cut"`
	Scaled     int              `bson:"scaled"`
	Passed     bool             `bson:"passed"`
	Domains    []domainScoreDoc `bson:"domains"`
	Subdomains []domainScoreDoc `bson:"subdomains"`
}

type attemptDoc struct {
	ID           string    `bson:"_id"`
	ExamID       string    `bson:"examId"`
	StudentID    string    `bson:"studentId"`
	Number       int       `bson:"number"`
	NumberKey    string    `bson:"numberKey"` // examId/studentId/number: unique
	Status       string    `bson:"status"`
	StartedAt    time.Time `bson:"startedAt"`
	Deadline     time.Time `bson:"deadline"`
	Timed        bool      `bson:"timed"`
	ExtensionSec int64     `bson:"extensionSec"`
	Position     int       `bson:"position"`
	ItemIDs      []string  `bson:"itemIds"`
	CutPercent   float64   `bson:"cutPercent"`
	FinishedAt   time.Time `bson:"finishedAt"`
	Score        *scoreDoc `bson:"score,omitempty"`
}

func (d attemptDoc) attempt() exams.Attempt {
	a := exams.Attempt{ID: d.ID, ExamID: d.ExamID, StudentID: d.StudentID, Number: d.Number, Status: exams.Status(d.Status),
		StartedAt: d.StartedAt.UTC(), Deadline: utcOrZero(d.Deadline), Timed: d.Timed, Extension: time.Duration(d.ExtensionSec) * time.Second,
		Position: d.Position, ItemIDs: d.ItemIDs, CutPercent: d.CutPercent, FinishedAt: utcOrZero(d.FinishedAt)}
	if d.Score != nil {
		sc := exams.Score{Raw: d.Score.Raw, Total: d.Score.Total, Percent: d.Score.Percent, Cut: d.Score.Cut, Scaled: d.Score.Scaled, Passed: d.Score.Passed}
		for _, x := range d.Score.Domains {
			sc.Domains = append(sc.Domains, exams.DomainScore(x))
		}
		for _, x := range d.Score.Subdomains {
			sc.Subdomains = append(sc.Subdomains, exams.DomainScore(x))
		}
		a.Score = &sc
	}
	return a
}

type formQuestionDoc struct {
	ItemID     string      `bson:"itemId"`
	Version    int         `bson:"version"`
	QuestionID string      `bson:"questionId"`
	Type       string      `bson:"type"`
	Scenario   string      `bson:"scenario,omitempty"`
	Stem       string      `bson:"stem"`
	Choose     int         `bson:"choose"`
	Options    []optionDoc `bson:"options"`
	Domain     string      `bson:"domain"`
	Subdomain  string      `bson:"subdomain"`
	Pretest    bool        `bson:"pretest"`
	Angoff     *float64    `bson:"angoff,omitempty"`
}

// CreateAttempt stores a new attempt and, separately, its frozen form: saves then touch
// only small documents.
func (s *Store) CreateAttempt(ctx context.Context, a *exams.Attempt, form []exams.FormQuestion) error {
	// The id says whose attempt it is, so that a second start of the same number collides
	// on _id, and AttemptsOf reads by _id instead of scanning (the embedded store scans on
	// any other field).
	a.ID = attemptID(a.ExamID, a.StudentID, a.Number)
	qs := make([]formQuestionDoc, len(form))
	for i, q := range form {
		d := formQuestionDoc{ItemID: q.ItemID, Version: q.Version, QuestionID: q.QuestionID, Type: q.Type, Scenario: q.Scenario, Stem: q.Stem,
			Choose: q.Choose, Domain: q.Domain, Subdomain: q.Subdomain, Pretest: q.Pretest, Angoff: q.Angoff}
		for _, o := range q.Options {
			d.Options = append(d.Options, optionDoc(o))
		}
		qs[i] = d
	}
	// The form and the (empty) responses go first: an attempt is never visible without them.
	if _, err := s.db.Collection("attempt_forms").InsertOne(ctx, bson.M{"_id": a.ID, "questions": qs}); err != nil {
		return mapErr(err, "attempt form")
	}
	if _, err := s.db.Collection("responses").InsertOne(ctx, bson.M{"_id": a.ID, "r": bson.M{}}); err != nil {
		return mapErr(err, "attempt responses")
	}
	_, err := s.db.Collection("attempts").InsertOne(ctx, attemptDoc{ID: a.ID, ExamID: a.ExamID, StudentID: a.StudentID, Number: a.Number,
		NumberKey: fmt.Sprintf("%s/%s/%d", a.ExamID, a.StudentID, a.Number), Status: string(a.Status), StartedAt: a.StartedAt,
		Deadline: a.Deadline, Timed: a.Timed, ItemIDs: a.ItemIDs, CutPercent: a.CutPercent})
	s.attemptChanged(a.ID)
	if err != nil {
		_, _ = s.db.Collection("attempt_forms").DeleteOne(context.WithoutCancel(ctx), bson.M{"_id": a.ID})
	}
	return mapErr(err, "attempt")
}

// AttemptByID returns one attempt.
func (s *Store) AttemptByID(ctx context.Context, id string) (exams.Attempt, error) {
	var gen uint64
	if s.attempts != nil {
		a, g, ok := s.attempts.get(id)
		if ok {
			return a, nil
		}
		gen = g
	}
	var d attemptDoc
	err := s.db.Collection("attempts").FindOne(ctx, bson.M{"_id": id}).Decode(&d)
	if err != nil {
		return exams.Attempt{}, mapErr(err, "attempt")
	}
	a := d.attempt()
	if s.attempts != nil {
		s.attempts.put(id, a, gen)
	}
	return a, nil
}

// attemptChanged drops the cached copy of an attempt after a write to it.
func (s *Store) attemptChanged(id string) {
	if s.attempts != nil {
		s.attempts.invalidate(id)
	}
}

// AttemptForm returns an attempt's frozen form.
func (s *Store) AttemptForm(ctx context.Context, id string) ([]exams.FormQuestion, error) {
	var d struct {
		Questions []formQuestionDoc `bson:"questions"`
	}
	if err := s.db.Collection("attempt_forms").FindOne(ctx, bson.M{"_id": id}).Decode(&d); err != nil {
		return nil, mapErr(err, "attempt form")
	}
	out := make([]exams.FormQuestion, len(d.Questions))
	for i, q := range d.Questions {
		fq := exams.FormQuestion{ItemID: q.ItemID, Version: q.Version, QuestionID: q.QuestionID, Type: q.Type, Scenario: q.Scenario, Stem: q.Stem,
			Choose: q.Choose, Domain: q.Domain, Subdomain: q.Subdomain, Pretest: q.Pretest, Angoff: q.Angoff}
		for _, o := range q.Options {
			fq.Options = append(fq.Options, bank.Option(o))
		}
		out[i] = fq
	}
	return out, nil
}

func (s *Store) findAttempts(ctx context.Context, filter bson.M, opts ...*options.FindOptions) ([]exams.Attempt, error) {
	cur, err := s.db.Collection("attempts").Find(ctx, filter, opts...)
	if err != nil {
		return nil, mapErr(err, "attempts")
	}
	var docs []attemptDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "attempts")
	}
	out := make([]exams.Attempt, len(docs))
	for i, d := range docs {
		out[i] = d.attempt()
	}
	return out, nil
}

func attemptID(examID, studentID string, number int) string {
	return fmt.Sprintf("%s-%s-%d", examID, studentID, number)
}

// AttemptsOf returns a student's attempts at an exam, in order, reading each by _id.
func (s *Store) AttemptsOf(ctx context.Context, examID, studentID string) ([]exams.Attempt, error) {
	var out []exams.Attempt
	for n := 1; ; n++ {
		a, err := s.AttemptByID(ctx, attemptID(examID, studentID, n))
		if apperr.Is(err, apperr.NotFound) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
}

// AttemptsOfExam returns every attempt at an exam.
func (s *Store) AttemptsOfExam(ctx context.Context, examID string) ([]exams.Attempt, error) {
	return s.findAttempts(ctx, bson.M{"examId": examID}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
}

type responseDoc struct {
	Choices []string  `bson:"choices"`
	Flagged bool      `bson:"flagged"`
	Seq     int64     `bson:"seq"`
	SavedAt time.Time `bson:"savedAt"`
}

// The responses of an attempt live in one document keyed by the attempt id, a field per
// question. Every read and write is then by _id, which the embedded store answers in well
// under a millisecond; a query on any other field scans the collection there.

// SaveResponse writes a response unless the stored one has the same or a newer sequence
// number, in one atomic single-document update: the filter matches only when the question
// has no response yet or an older one.
func (s *Store) SaveResponse(ctx context.Context, attemptID string, r exams.Response, at time.Time) (bool, error) {
	choices := r.Choices
	if choices == nil {
		choices = []string{}
	}
	field := "r." + r.QuestionID
	applied, err := s.updateIf(ctx, "responses", attemptID,
		bson.M{"$or": bson.A{bson.M{field: bson.M{"$exists": false}}, bson.M{field + ".seq": bson.M{"$lt": r.Seq}}}},
		func(doc bson.Raw) bool {
			seq, err := doc.LookupErr("r", r.QuestionID, "seq")
			if err != nil {
				return true // no response to this question yet
			}
			old, ok := seq.AsInt64OK()
			return !ok || old < r.Seq
		},
		bson.M{"$set": bson.M{field: responseDoc{Choices: choices, Flagged: r.Flagged, Seq: r.Seq, SavedAt: at}}})
	if err != nil {
		return false, mapErr(err, "response")
	}
	return applied, nil
}

// Responses returns an attempt's responses by question id.
func (s *Store) Responses(ctx context.Context, attemptID string) (map[string]exams.Response, error) {
	var d struct {
		R map[string]responseDoc `bson:"r"`
	}
	err := s.db.Collection("responses").FindOne(ctx, bson.M{"_id": attemptID}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return map[string]exams.Response{}, nil
	}
	if err != nil {
		return nil, mapErr(err, "responses")
	}
	out := make(map[string]exams.Response, len(d.R))
	for q, r := range d.R {
		out[q] = exams.Response{QuestionID: q, Choices: r.Choices, Flagged: r.Flagged, Seq: r.Seq}
	}
	return out, nil
}

// SetPosition records the question the student is on.
func (s *Store) SetPosition(ctx context.Context, attemptID string, pos int) error {
	// Through updateIf, so that on the embedded store (which writes an update back as a
	// whole document) it cannot undo a concurrent submit's status.
	_, err := s.updateIf(ctx, "attempts", attemptID, bson.M{}, func(bson.Raw) bool { return true }, bson.M{"$set": bson.M{"position": pos}})
	return mapErr(err, "attempt")
}

// FinishAttempt closes an open attempt with its score, atomically: only the first caller
// wins, later ones get the stored result.
func (s *Store) FinishAttempt(ctx context.Context, id string, status exams.Status, at time.Time, sc exams.Score) (exams.Attempt, error) {
	sd := &scoreDoc{Raw: sc.Raw, Total: sc.Total, Percent: sc.Percent, Cut: sc.Cut, Scaled: sc.Scaled, Passed: sc.Passed}
	for _, x := range sc.Domains {
		sd.Domains = append(sd.Domains, domainScoreDoc(x))
	}
	for _, x := range sc.Subdomains {
		sd.Subdomains = append(sd.Subdomains, domainScoreDoc(x))
	}
	_, err := s.updateIf(ctx, "attempts", id, bson.M{"status": string(exams.Open)},
		func(doc bson.Raw) bool { return stringField(doc, "status") == string(exams.Open) },
		bson.M{"$set": bson.M{"status": string(status), "finishedAt": at, "score": sd}})
	if err != nil {
		return exams.Attempt{}, mapErr(err, "attempt")
	}
	return s.AttemptByID(ctx, id)
}

// SetDeadline moves an attempt's deadline (instructor extension).
func (s *Store) SetDeadline(ctx context.Context, id string, deadline time.Time, ext time.Duration) error {
	matched, err := s.updateIf(ctx, "attempts", id, bson.M{"status": string(exams.Open)},
		func(doc bson.Raw) bool { return stringField(doc, "status") == string(exams.Open) },
		bson.M{"$set": bson.M{"deadline": deadline, "extensionSec": int64(ext / time.Second)}})
	if err != nil {
		return mapErr(err, "attempt")
	}
	if !matched {
		return apperr.New(apperr.Conflict, "The attempt is no longer open.")
	}
	return nil
}

// DueAttempts returns open timed attempts whose deadline is before t.
func (s *Store) DueAttempts(ctx context.Context, t time.Time, limit int) ([]exams.Attempt, error) {
	return s.findAttempts(ctx, bson.M{"status": string(exams.Open), "timed": true, "deadline": bson.M{"$lt": t}}, options.Find().SetLimit(int64(limit)))
}

// MarkReset sets an attempt's status to reset (any status but reset).
func (s *Store) MarkReset(ctx context.Context, id string, at time.Time) (exams.Attempt, error) {
	_, err := s.updateIf(ctx, "attempts", id, bson.M{"status": bson.M{"$ne": string(exams.Reset)}},
		func(doc bson.Raw) bool { return stringField(doc, "status") != string(exams.Reset) },
		bson.M{"$set": bson.M{"status": string(exams.Reset), "resetAt": at}})
	if err != nil {
		return exams.Attempt{}, mapErr(err, "attempt")
	}
	return s.AttemptByID(ctx, id)
}
