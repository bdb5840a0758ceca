package programs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/csvimport"
)

// MaxImportRows bounds one CSV import.
const MaxImportRows = 5000

// ImportResult summarises a student CSV import.
type ImportResult struct {
	ImportID  string
	Created   int // accounts created
	Enrolled  int // enrollments created
	Unchanged int // rows already in place
	// Passwords holds the generated password of each created account, to hand out once.
	Passwords []GeneratedPassword
}

// GeneratedPassword is a created account's one-time password.
type GeneratedPassword struct {
	Email    string
	Password string
}

type importRow struct {
	line            int
	email, name     string
	cohort          Cohort
	start           time.Time
	existing        *accounts.User
	alreadyEnrolled bool
}

// Remover undoes a partly applied import; accounts.Service satisfies it.
type Remover interface {
	DeleteUser(ctx context.Context, actor accounts.Principal, id string) error
}

// ImportStudents reads CSV rows `email,name,cohort,start_date` (a header row first, columns
// in any order) and enrolls each student in the program, creating accounts as needed.
// Every row is checked before anything is written: any bad row makes the whole import an
// apperr.Invalid listing each bad row as "row N.<column>", and nothing is imported.
// Re-importing the same file changes nothing (rows count as unchanged).
func (s *Service) ImportStudents(ctx context.Context, p accounts.Principal, programID string, r io.Reader, undo Remover) (ImportResult, error) {
	pr, err := s.managed(ctx, p, programID)
	if err != nil {
		return ImportResult{}, err
	}
	cohorts, err := s.store.CohortsByProgram(ctx, pr.ID)
	if err != nil {
		return ImportResult{}, err
	}
	rows, err := s.parseImport(ctx, pr, cohorts, r)
	if err != nil {
		return ImportResult{}, err
	}

	res := ImportResult{ImportID: newImportID()}
	var createdUsers []string
	rollback := func(cause error) (ImportResult, error) {
		// No multi-document transactions on the embedded store: compensate instead.
		cctx := context.WithoutCancel(ctx)
		errs := []error{cause}
		errs = append(errs, s.store.DeleteEnrollmentsByImport(cctx, res.ImportID))
		for _, id := range createdUsers {
			if undo != nil {
				errs = append(errs, undo.DeleteUser(cctx, p, id))
			}
		}
		return ImportResult{}, errors.Join(errs...)
	}
	for _, row := range rows {
		if row.alreadyEnrolled {
			res.Unchanged++
			continue
		}
		studentID := ""
		if row.existing != nil {
			studentID = row.existing.ID
		} else {
			u, pw, err := s.users.CreateUser(ctx, p, accounts.NewUser{Email: row.email, Name: row.name, Roles: []accounts.Role{accounts.Student}})
			if err != nil {
				return rollback(fmt.Errorf("row %d: %w", row.line, err))
			}
			createdUsers = append(createdUsers, u.ID)
			studentID = u.ID
			res.Created++
			res.Passwords = append(res.Passwords, GeneratedPassword{Email: u.Email, Password: pw})
		}
		if _, err := s.enroll(ctx, p, pr.ID, row.cohort.ID, studentID, row.start, res.ImportID); err != nil {
			return rollback(fmt.Errorf("row %d: %w", row.line, err))
		}
		res.Enrolled++
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "enrollment.import", Subject: "program:" + pr.ID, Details: map[string]string{
		"importId": res.ImportID, "created": fmt.Sprint(res.Created), "enrolled": fmt.Sprint(res.Enrolled), "unchanged": fmt.Sprint(res.Unchanged),
	}})
	return res, nil
}

func (s *Service) parseImport(ctx context.Context, pr Program, cohorts []Cohort, r io.Reader) ([]importRow, error) {
	var f apperr.Fields
	var rows []importRow
	seen := map[string]int{}
	err := csvimport.Read(r, []string{"email", "name", "cohort", "start_date"}, MaxImportRows, &f, func(rec csvimport.Row) error {
		line := rec.Line
		row := importRow{line: line, email: accounts.NormalizeEmail(rec.Get("email")), name: rec.Get("name")}
		emailOK := false
		if a, err := mail.ParseAddress(row.email); err != nil || a.Address != row.email {
			f.Add(rowField(line, "email"), "is not a valid email address")
		} else if prev, dup := seen[row.email]; dup {
			f.Add(rowField(line, "email"), fmt.Sprintf("repeats row %d", prev))
		} else {
			seen[row.email] = line
			emailOK = true
		}
		if row.name == "" || len(row.name) > 200 {
			f.Add(rowField(line, "name"), "is required (at most 200 characters)")
		}
		c, ok := cohortByName(cohorts, rec.Get("cohort"))
		if !ok {
			f.Add(rowField(line, "cohort"), fmt.Sprintf("no cohort named %q in this program", rec.Get("cohort")))
		}
		row.cohort = c
		var err error
		row.start, err = time.Parse("2006-01-02", rec.Get("start_date"))
		if err != nil {
			f.Add(rowField(line, "start_date"), "must be a date YYYY-MM-DD")
		}
		if emailOK {
			if err := s.checkExisting(ctx, pr, &row, &f); err != nil {
				return err
			}
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
	return rows, nil
}

func (s *Service) checkExisting(ctx context.Context, pr Program, row *importRow, f *apperr.Fields) error {
	u, err := s.users.UserByEmail(ctx, row.email)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !u.Has(accounts.Student) {
		f.Add(rowField(row.line, "email"), "belongs to a staff account, not a student")
		return nil
	}
	row.existing = &u
	e, err := s.store.EnrollmentByStudent(ctx, pr.ID, u.ID)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if row.cohort.ID != "" && e.CohortID != row.cohort.ID {
		f.Add(rowField(row.line, "cohort"), "the student is already enrolled in another cohort of this program")
		return nil
	}
	row.alreadyEnrolled = true
	return nil
}

func newImportID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "imp-" + hex.EncodeToString(b)
}
