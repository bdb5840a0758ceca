package outcomes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/csvimport"
	"github.com/chartroom-him/chartroom/internal/programs"
)

// MaxImportRows bounds one CSV import.
const MaxImportRows = 20000

// ImportKind names what a CSV import holds.
type ImportKind string

// The import kinds and their columns (a header row first, columns in any order;
// bracketed columns may be left out):
//
//	certification: email, exam, date, attempt, result (pass|fail), [scaled_score]
//	employment:    email, status (in_field|out_of_field|seeking|not_seeking), date, [setting]
//	lifecycle:     email, status (active|withdrawn|transferred|graduated), date, [expected_completion]
const (
	CertificationImport ImportKind = "certification"
	EmploymentImport    ImportKind = "employment"
	LifecycleImport     ImportKind = "lifecycle"
)

var importColumns = map[ImportKind][]string{
	CertificationImport: {"email", "exam", "date", "attempt", "result"},
	EmploymentImport:    {"email", "status", "date"},
	LifecycleImport:     {"email", "status", "date"},
}

// ImportResult summarises an outcomes CSV import.
type ImportResult struct {
	Kind      ImportKind
	Rows      int
	Created   int // records (or status changes) written
	Unchanged int // rows already in place
}

type importRow struct {
	line    int
	student Student
	result  Result
	emp     Employment
	change  StatusChange
	same    bool // already recorded exactly so
}

// Import reads a CSV file of one kind for a program the caller coordinates. Every row is
// checked first: any bad row makes the import an apperr.Invalid listing each bad row as
// "row N.<column>", and nothing is written. Rows already recorded identically count as
// unchanged, so re-importing a file changes nothing; a row that contradicts a recorded one
// is a bad row. Should a write fail midway, what the import wrote is removed again.
func (s *Service) Import(ctx context.Context, p accounts.Principal, programID string, kind ImportKind, r io.Reader) (ImportResult, error) {
	pr, err := s.managed(ctx, p, programID)
	if err != nil {
		return ImportResult{}, err
	}
	if _, ok := importColumns[kind]; !ok {
		return ImportResult{}, apperr.Field("kind", "must be certification, employment or lifecycle")
	}
	byEmail, err := s.studentsByEmail(ctx, pr.ID)
	if err != nil {
		return ImportResult{}, err
	}
	rows, err := s.parseImport(ctx, pr.ID, kind, byEmail, r)
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Kind: kind, Rows: len(rows)}
	now := s.now().UTC()
	switch kind {
	case CertificationImport:
		var fresh []Result
		for _, row := range rows {
			if row.same {
				res.Unchanged++
				continue
			}
			row.result.RecordedBy, row.result.CreatedAt, row.result.VerifiedBy, row.result.VerifiedAt = p.UserID, now, p.UserID, now
			fresh = append(fresh, row.result)
		}
		if len(fresh) > 0 {
			if err := s.store.InsertResults(ctx, fresh); err != nil {
				return ImportResult{}, errors.Join(err, s.store.DeleteResults(context.WithoutCancel(ctx), ids(fresh, func(x Result) string { return x.ID })))
			}
		}
		res.Created = len(fresh)
	case EmploymentImport:
		var fresh []Employment
		for _, row := range rows {
			if row.same {
				res.Unchanged++
				continue
			}
			row.emp.RecordedBy, row.emp.CreatedAt = p.UserID, now
			fresh = append(fresh, row.emp)
		}
		if len(fresh) > 0 {
			if err := s.store.InsertEmployment(ctx, fresh); err != nil {
				return ImportResult{}, errors.Join(err, s.store.DeleteEmployment(context.WithoutCancel(ctx), ids(fresh, func(x Employment) string { return x.ID })))
			}
		}
		res.Created = len(fresh)
	case LifecycleImport:
		type undo struct {
			st Student
			ch Change
		}
		var done []undo
		latest := map[string]Student{} // a student's lifecycle after earlier rows of this file
		for _, row := range rows {
			if st, ok := latest[row.student.StudentID]; ok {
				row.student = st
			}
			wrote, err := s.applyChange(ctx, p, pr.ID, row.student, row.change)
			if err != nil {
				// No multi-document transactions on the embedded store: compensate.
				cctx := context.WithoutCancel(ctx)
				errs := []error{fmt.Errorf("row %d: %w", row.line, err)}
				for _, u := range slices.Backward(done) {
					errs = append(errs, s.store.RemoveStatusChange(cctx, u.st, pr.ID, u.ch, u.st.Status))
					errs = append(errs, s.store.SetExpectedCompletion(cctx, u.st, pr.ID, u.st.Expected))
				}
				return ImportResult{}, errors.Join(errs...)
			}
			next := row.student
			next.Changes = append(slices.Clone(next.Changes), Change{Status: row.change.Status, On: day(row.change.On)})
			if !row.change.Expected.IsZero() {
				next.Expected = day(row.change.Expected)
			}
			latest[row.student.StudentID] = next
			if wrote {
				res.Created++
				done = append(done, undo{row.student, Change{Status: row.change.Status, On: day(row.change.On)}})
			} else {
				res.Unchanged++
			}
		}
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "outcomes.import", Subject: "program:" + pr.ID, Details: map[string]string{
		"kind": string(kind), "rows": strconv.Itoa(res.Rows), "created": strconv.Itoa(res.Created), "unchanged": strconv.Itoa(res.Unchanged),
	}})
	return res, nil
}

func ids[T any](xs []T, id func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

// studentsByEmail maps the program's students by email, reading accounts by _id only.
func (s *Service) studentsByEmail(ctx context.Context, programID string) (map[string]Student, error) {
	recs, err := s.store.Records(ctx, programID)
	if err != nil {
		return nil, err
	}
	sts := recs.Students
	out := make(map[string]Student, len(sts))
	for i := 0; i < len(sts); i += 500 {
		batch := sts[i:min(i+500, len(sts))]
		us, err := s.users.UsersByIDs(ctx, ids(batch, func(x Student) string { return x.StudentID }))
		if err != nil {
			return nil, err
		}
		by := make(map[string]string, len(us))
		for _, u := range us {
			by[u.ID] = u.Email
		}
		for _, st := range batch {
			if e := by[st.StudentID]; e != "" {
				out[e] = st
			}
		}
	}
	return out, nil
}

func rowField(line int, col string) string { return csvimport.Field(line, col) }

func (s *Service) parseImport(ctx context.Context, programID string, kind ImportKind, byEmail map[string]Student, r io.Reader) ([]importRow, error) {
	var f apperr.Fields
	date := func(rec csvimport.Row, name string, required bool) time.Time {
		v := rec.Get(name)
		if v == "" && !required {
			return time.Time{}
		}
		t, err := time.Parse(DateLayout, v)
		if err != nil {
			f.Add(rowField(rec.Line, name), "must be a date YYYY-MM-DD")
		}
		return t
	}
	now := s.now()
	var rows []importRow
	seen := map[string]int{}
	err := csvimport.Read(r, importColumns[kind], MaxImportRows, &f, func(rec csvimport.Row) error {
		line := rec.Line
		row := importRow{line: line}
		var err error
		email := accounts.NormalizeEmail(rec.Get("email"))
		st, ok := byEmail[email]
		if !ok {
			f.Add(rowField(line, "email"), "is not a student of this program")
		}
		row.student = st
		d := date(rec, "date", true)
		if !d.IsZero() && d.After(day(now)) {
			f.Add(rowField(line, "date"), "cannot be in the future")
		}
		key := ""
		switch kind {
		case CertificationImport:
			res := Result{ProgramID: programID, StudentID: st.StudentID, Exam: strings.ToUpper(rec.Get("exam")), Date: d, Source: Imported, Verified: true}
			res.Attempt, err = strconv.Atoi(rec.Get("attempt"))
			if err != nil {
				f.Add(rowField(line, "attempt"), "must be a whole number")
			}
			switch strings.ToLower(rec.Get("result")) {
			case "pass", "passed":
				res.Passed = true
			case "fail", "failed":
			default:
				f.Add(rowField(line, "result"), "must be pass or fail")
			}
			if v := rec.Get("scaled_score"); v != "" {
				if res.Scaled, err = strconv.Atoi(v); err != nil {
					f.Add(rowField(line, "scaled_score"), "must be a whole number")
				}
			}
			if err := res.Validate(); err != nil && ok {
				addRowFields(&f, line, err, map[string]string{"scaledScore": "scaled_score", "studentId": "email"})
			}
			res.ID = ResultID(programID, st.StudentID, res.Exam, res.Attempt)
			row.result, key = res, res.ID
		case EmploymentImport:
			e := Employment{ProgramID: programID, StudentID: st.StudentID, Status: EmploymentStatus(strings.ToLower(rec.Get("status"))), Date: d, Setting: rec.Get("setting")}
			if err := e.Validate(); err != nil && ok {
				addRowFields(&f, line, err, map[string]string{"studentId": "email"})
			}
			if _, grad := st.GraduatedOn(); ok && !grad {
				f.Add(rowField(line, "email"), "has not graduated: import the graduation (lifecycle) first")
			}
			e.ID = EmploymentID(programID, st.StudentID, d)
			row.emp, key = e, e.ID
		case LifecycleImport:
			c := StatusChange{StudentID: st.StudentID, Status: programs.Status(strings.ToLower(rec.Get("status"))), On: d, Expected: date(rec, "expected_completion", false)}
			if !slices.Contains(programs.Statuses, c.Status) {
				f.Add(rowField(line, "status"), "must be active, withdrawn, transferred or graduated")
			}
			if ok && !d.IsZero() {
				if err := validChange(st, c, now); err != nil {
					addRowFields(&f, line, err, map[string]string{"expectedCompletion": "expected_completion"})
				}
			}
			row.change, key = c, st.StudentID+"/"+string(c.Status)+"/"+d.Format(DateLayout)
		}
		if ok && key != "" {
			if prev, dup := seen[key]; dup {
				f.Add(rowField(line, "email"), fmt.Sprintf("repeats row %d", prev))
			}
			seen[key] = line
		}
		rows = append(rows, row)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if err := s.markExisting(ctx, kind, rows, &f); err != nil {
		return nil, err
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return rows, nil
}

// markExisting flags rows already recorded identically, and reports rows that contradict
// a recorded record.
func (s *Service) markExisting(ctx context.Context, kind ImportKind, rows []importRow, f *apperr.Fields) error {
	switch kind {
	case CertificationImport:
		existing, err := s.store.ResultsByIDs(ctx, ids(rows, func(r importRow) string { return r.result.ID }))
		if err != nil {
			return err
		}
		by := map[string]Result{}
		for _, r := range existing {
			by[r.ID] = r
		}
		for i, row := range rows {
			if old, ok := by[row.result.ID]; ok {
				if old.Passed == row.result.Passed && old.Date.Equal(row.result.Date) && old.Scaled == row.result.Scaled {
					rows[i].same = true
				} else {
					f.Add(rowField(row.line, "attempt"), "this attempt is already recorded with a different date or result")
				}
			}
		}
	case EmploymentImport:
		existing, err := s.store.EmploymentByIDs(ctx, ids(rows, func(r importRow) string { return r.emp.ID }))
		if err != nil {
			return err
		}
		by := map[string]Employment{}
		for _, e := range existing {
			by[e.ID] = e
		}
		for i, row := range rows {
			if old, ok := by[row.emp.ID]; ok {
				if old.Status == row.emp.Status && old.Setting == row.emp.Setting {
					rows[i].same = true
				} else {
					f.Add(rowField(row.line, "status"), "a follow-up on this date is already recorded with a different status or setting")
				}
			}
		}
	}
	return nil
}

// addRowFields copies a record's field errors to row fields, renaming to CSV columns.
func addRowFields(f *apperr.Fields, line int, err error, rename map[string]string) {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		f.Add(rowField(line, "row"), err.Error())
		return
	}
	for _, fe := range ae.Fields {
		name := fe.Field
		if r, ok := rename[name]; ok {
			name = r
		}
		f.Add(rowField(line, name), fe.Message)
	}
}
