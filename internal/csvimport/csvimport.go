// Package csvimport reads CSV uploads for the all-or-nothing imports (enrollments,
// outcome records): a header naming the columns, then data rows, each problem reported
// as a field error naming the row and column ("row 3.email").
package csvimport

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/chartroom-him/chartroom/internal/apperr"
)

// Row is one data row of an upload.
type Row struct {
	Line int // the record number, the header being 1 (encoding/csv skips empty lines)
	rec  []string
	col  map[string]int
}

// Get returns the trimmed value of a column ("" when the row is short or the column absent).
func (r Row) Get(name string) string {
	if i, ok := r.col[name]; ok && i < len(r.rec) {
		return strings.TrimSpace(r.rec[i])
	}
	return ""
}

// Field names a cell for a field error, e.g. Field(3, "email") is "row 3.email".
func Field(line int, col string) string { return fmt.Sprintf("row %d.%s", line, col) }

// Read reads the header, which must name every one of columns (any order and case, a
// byte-order mark allowed), and calls each for every non-blank data row. An empty file,
// an unreadable header or missing columns end it with a field error. Problems further
// on (invalid CSV, more than maxRows rows, no data rows at all) are added to f, where
// each also adds the problems it finds in its row; an error from each stops the reading
// and is returned.
func Read(r io.Reader, columns []string, maxRows int, f *apperr.Fields, each func(Row) error) error {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return apperr.Field("file", "is empty: expected a header row "+strings.Join(columns, ","))
	}
	if err != nil {
		return apperr.Field("file", "is not valid CSV: "+err.Error())
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	var missing apperr.Fields
	for _, want := range columns {
		if _, ok := col[want]; !ok {
			missing.Add("header", "missing column "+want)
		}
	}
	if err := missing.Err(); err != nil {
		return err
	}
	rows, line := 0, 1
	for {
		rec, err := cr.Read()
		line++
		if err == io.EOF {
			break
		}
		if err != nil {
			f.Add(Field(line, "file"), "is not valid CSV: "+err.Error())
			break
		}
		if rows >= maxRows {
			f.Add("file", fmt.Sprintf("has more than %d rows", maxRows))
			break
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		rows++
		if err := each(Row{Line: line, rec: rec, col: col}); err != nil {
			return err
		}
	}
	if rows == 0 && len(*f) == 0 {
		f.Add("file", "has no data rows")
	}
	return nil
}
