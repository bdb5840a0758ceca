package mongostore

import (
	"context"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/programs"
)

var _ programs.Store = (*Store)(nil)

type institutionDoc struct {
	ID        string    `bson:"_id"`
	Name      string    `bson:"name"`
	CreatedAt time.Time `bson:"createdAt"`
}

type staffDoc struct {
	UserID string `bson:"userId"`
	Role   string `bson:"role"`
}

type programDoc struct {
	ID              string     `bson:"_id"`
	Slug            string     `bson:"slug"`
	InstitutionID   string     `bson:"institutionId"`
	InstitutionName string     `bson:"institutionName"`
	Name            string     `bson:"name"`
	Credential      string     `bson:"credential"`
	AccreditationID string     `bson:"accreditationId"`
	Staff           []staffDoc `bson:"staff"`
	StaffIDs        []string   `bson:"staffIds"` // flat copy of Staff[].UserID for queries
	CreatedAt       time.Time  `bson:"createdAt"`
}

func (d programDoc) program() programs.Program {
	p := programs.Program{ID: d.ID, Slug: d.Slug, InstitutionID: d.InstitutionID, InstitutionName: d.InstitutionName,
		Name: d.Name, Credential: d.Credential, AccreditationID: d.AccreditationID, CreatedAt: d.CreatedAt.UTC()}
	for _, s := range d.Staff {
		p.Staff = append(p.Staff, programs.StaffMember{UserID: s.UserID, Role: programs.StaffRole(s.Role)})
	}
	return p
}

func staffDocs(staff []programs.StaffMember) ([]staffDoc, []string) {
	docs := make([]staffDoc, 0, len(staff))
	ids := make([]string, 0, len(staff))
	for _, s := range staff {
		docs = append(docs, staffDoc{UserID: s.UserID, Role: string(s.Role)})
		ids = append(ids, s.UserID)
	}
	return docs, ids
}

type cohortDoc struct {
	ID        string    `bson:"_id"`
	ProgramID string    `bson:"programId"`
	Name      string    `bson:"name"`
	NameKey   string    `bson:"nameKey"` // lower-cased name, unique per program
	EntryYear int       `bson:"entryYear"`
	CreatedAt time.Time `bson:"createdAt"`
}

type statusChangeDoc struct {
	Status string    `bson:"status"`
	On     time.Time `bson:"on"`
	By     string    `bson:"by"`
	At     time.Time `bson:"at"`
}

type enrollmentDoc struct {
	ID        string            `bson:"_id"`
	ProgramID string            `bson:"programId"`
	CohortID  string            `bson:"cohortId"`
	StudentID string            `bson:"studentId"`
	Status    string            `bson:"status"`
	StartDate time.Time         `bson:"startDate"`
	History   []statusChangeDoc `bson:"history"`
	ImportID  string            `bson:"importId,omitempty"`
	CreatedAt time.Time         `bson:"createdAt"`
}

func (d enrollmentDoc) enrollment() programs.Enrollment {
	e := programs.Enrollment{ID: d.ID, ProgramID: d.ProgramID, CohortID: d.CohortID, StudentID: d.StudentID,
		Status: programs.Status(d.Status), StartDate: d.StartDate.UTC(), ImportID: d.ImportID, CreatedAt: d.CreatedAt.UTC()}
	for _, h := range d.History {
		e.History = append(e.History, programs.StatusChange{Status: programs.Status(h.Status), On: h.On.UTC(), By: h.By, At: h.At.UTC()})
	}
	return e
}

// CreateInstitution inserts an institution and sets its ID.
func (s *Store) CreateInstitution(ctx context.Context, in *programs.Institution) error {
	if in.ID == "" {
		in.ID = newID()
	}
	_, err := s.db.Collection("institutions").InsertOne(ctx, institutionDoc{ID: in.ID, Name: in.Name, CreatedAt: in.CreatedAt})
	return mapErr(err, "institution")
}

// ListInstitutions returns every institution.
func (s *Store) ListInstitutions(ctx context.Context) ([]programs.Institution, error) {
	cur, err := s.db.Collection("institutions").Find(ctx, bson.M{}, options.Find().SetSort(bson.D{{Key: "name", Value: 1}}))
	if err != nil {
		return nil, mapErr(err, "institutions")
	}
	var docs []institutionDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "institutions")
	}
	out := make([]programs.Institution, len(docs))
	for i, d := range docs {
		out[i] = programs.Institution{ID: d.ID, Name: d.Name, CreatedAt: d.CreatedAt.UTC()}
	}
	return out, nil
}

// InstitutionByID returns one institution.
func (s *Store) InstitutionByID(ctx context.Context, id string) (programs.Institution, error) {
	var d institutionDoc
	err := s.db.Collection("institutions").FindOne(ctx, bson.M{"_id": id}).Decode(&d)
	return programs.Institution{ID: d.ID, Name: d.Name, CreatedAt: d.CreatedAt.UTC()}, mapErr(err, "institution")
}

// CreateProgram inserts a program and sets its ID.
func (s *Store) CreateProgram(ctx context.Context, p *programs.Program) error {
	if p.ID == "" {
		p.ID = newID()
	}
	staff, ids := staffDocs(p.Staff)
	_, err := s.db.Collection("programs").InsertOne(ctx, programDoc{
		ID: p.ID, Slug: p.Slug, InstitutionID: p.InstitutionID, InstitutionName: p.InstitutionName, Name: p.Name,
		Credential: p.Credential, AccreditationID: p.AccreditationID, Staff: staff, StaffIDs: ids, CreatedAt: p.CreatedAt,
	})
	return mapErr(err, "program")
}

// ProgramByID returns one program.
func (s *Store) ProgramByID(ctx context.Context, id string) (programs.Program, error) {
	var d programDoc
	err := s.db.Collection("programs").FindOne(ctx, bson.M{"_id": id}).Decode(&d)
	return d.program(), mapErr(err, "program")
}

// ProgramBySlug returns one program by slug.
func (s *Store) ProgramBySlug(ctx context.Context, slug string) (programs.Program, error) {
	var d programDoc
	err := s.db.Collection("programs").FindOne(ctx, bson.M{"slug": slug}).Decode(&d)
	return d.program(), mapErr(err, "program")
}

// ListPrograms returns all programs, or those where staffUserID is staff or whose id is in ids.
func (s *Store) ListPrograms(ctx context.Context, staffUserID string, ids []string) ([]programs.Program, error) {
	filter := bson.M{}
	if staffUserID != "" || ids != nil {
		or := bson.A{bson.M{"staffIds": staffUserID}}
		if len(ids) > 0 {
			or = append(or, bson.M{"_id": bson.M{"$in": ids}})
		}
		filter = bson.M{"$or": or}
	}
	cur, err := s.db.Collection("programs").Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "name", Value: 1}}))
	if err != nil {
		return nil, mapErr(err, "programs")
	}
	var docs []programDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "programs")
	}
	out := make([]programs.Program, len(docs))
	for i, d := range docs {
		out[i] = d.program()
	}
	return out, nil
}

// SetStaff replaces a program's staff list.
func (s *Store) SetStaff(ctx context.Context, programID string, staff []programs.StaffMember) error {
	docs, ids := staffDocs(staff)
	r, err := s.db.Collection("programs").UpdateOne(ctx, bson.M{"_id": programID}, bson.M{"$set": bson.M{"staff": docs, "staffIds": ids}})
	if err != nil {
		return mapErr(err, "program")
	}
	if r.MatchedCount == 0 {
		return apperr.New(apperr.NotFound, "No such program.")
	}
	return nil
}

// CreateCohort inserts a cohort and sets its ID.
func (s *Store) CreateCohort(ctx context.Context, c *programs.Cohort) error {
	if c.ID == "" {
		c.ID = newID()
	}
	_, err := s.db.Collection("cohorts").InsertOne(ctx, cohortDoc{ID: c.ID, ProgramID: c.ProgramID, Name: c.Name,
		NameKey: strings.ToLower(c.Name), EntryYear: c.EntryYear, CreatedAt: c.CreatedAt})
	return mapErr(err, "cohort")
}

// CohortsByProgram returns a program's cohorts, newest entry year first.
func (s *Store) CohortsByProgram(ctx context.Context, programID string) ([]programs.Cohort, error) {
	cur, err := s.db.Collection("cohorts").Find(ctx, bson.M{"programId": programID},
		options.Find().SetSort(bson.D{{Key: "entryYear", Value: -1}, {Key: "name", Value: 1}}))
	if err != nil {
		return nil, mapErr(err, "cohorts")
	}
	var docs []cohortDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "cohorts")
	}
	out := make([]programs.Cohort, len(docs))
	for i, d := range docs {
		out[i] = programs.Cohort{ID: d.ID, ProgramID: d.ProgramID, Name: d.Name, EntryYear: d.EntryYear, CreatedAt: d.CreatedAt.UTC()}
	}
	return out, nil
}

// CreateEnrollment inserts an enrollment and sets its ID.
func (s *Store) CreateEnrollment(ctx context.Context, e *programs.Enrollment) error {
	if e.ID == "" {
		e.ID = newID()
	}
	d := enrollmentDoc{ID: e.ID, ProgramID: e.ProgramID, CohortID: e.CohortID, StudentID: e.StudentID,
		Status: string(e.Status), StartDate: e.StartDate, ImportID: e.ImportID, CreatedAt: e.CreatedAt}
	for _, h := range e.History {
		d.History = append(d.History, statusChangeDoc{Status: string(h.Status), On: h.On, By: h.By, At: h.At})
	}
	if err := s.indexEnrollment(ctx, e.StudentID, e.ID); err != nil {
		return err
	}
	// The outcome ledger (outcomes_ledger.go) follows every enrollment.
	return s.ledgerWrite(ctx, d.ProgramID, map[string]ledgerChange{d.StudentID: ledgerEnroll(d)}, func() error {
		_, err := s.db.Collection("enrollments").InsertOne(ctx, d)
		return mapErr(err, "enrollment")
	})
}

func (s *Store) findEnrollments(ctx context.Context, filter bson.M, opts ...*options.FindOptions) ([]programs.Enrollment, error) {
	cur, err := s.db.Collection("enrollments").Find(ctx, filter, opts...)
	if err != nil {
		return nil, mapErr(err, "enrollments")
	}
	var docs []enrollmentDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "enrollments")
	}
	out := make([]programs.Enrollment, len(docs))
	for i, d := range docs {
		out[i] = d.enrollment()
	}
	return out, nil
}

// EnrollmentsByProgram returns a page of a program's enrollments.
func (s *Store) EnrollmentsByProgram(ctx context.Context, f programs.EnrollmentFilter) ([]programs.Enrollment, string, error) {
	filter := bson.M{"programId": f.ProgramID}
	if f.CohortID != "" {
		filter["cohortId"] = f.CohortID
	}
	if f.Status != "" {
		filter["status"] = string(f.Status)
	}
	filter, opts := pageAnd(filter, f.Cursor, f.Limit)
	out, err := s.findEnrollments(ctx, filter, opts)
	if err != nil {
		return nil, "", err
	}
	out, next := nextCursor(out, f.Limit, func(e programs.Enrollment) string { return e.ID })
	return out, next, nil
}

// CountEnrollments counts a program's enrollments by status, aggregating in the store.
func (s *Store) CountEnrollments(ctx context.Context, programID string) (map[programs.Status]int, error) {
	cur, err := s.db.Collection("enrollments").Aggregate(ctx, bson.A{
		bson.M{"$match": bson.M{"programId": programID}},
		bson.M{"$group": bson.M{"_id": "$status", "n": bson.M{"$sum": 1}}},
	})
	if err != nil {
		return nil, mapErr(err, "enrollments")
	}
	var rows []struct {
		Status string `bson:"_id"`
		N      int    `bson:"n"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, mapErr(err, "enrollments")
	}
	out := make(map[programs.Status]int, len(rows))
	for _, r := range rows {
		out[programs.Status(r.Status)] = r.N
	}
	return out, nil
}

// DeleteEnrollmentsByImport removes the enrollments one import created (compensation).
func (s *Store) DeleteEnrollmentsByImport(ctx context.Context, importID string) error {
	return s.forgetEnrollments(ctx, bson.M{"importId": importID})
}
