package csvimport_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/csvimport"
)

func TestRead(t *testing.T) {
	cases := []struct {
		name, in string
		wantErr  string   // from Read
		wantF    []string // fields added to f
		wantRows []string // Line:email of the rows seen
	}{
		{name: "empty", in: "", wantErr: "expected a header row email,name"},
		{name: "missing column", in: "Email\n", wantErr: "missing column name"},
		{name: "rows, a BOM, case and blank lines", in: "\ufeffEMAIL, Name\na@x.org,Ann\n\nb@x.org,Bo\n", wantRows: []string{"2:a@x.org", "3:b@x.org"}},
		{name: "short row", in: "email,name\nc@x.org\n", wantRows: []string{"2:c@x.org"}},
		{name: "no data rows", in: "email,name\n\n", wantF: []string{"file"}},
		{name: "too many rows", in: "email,name\na,1\nb,2\nc,3\n", wantF: []string{"file"}, wantRows: []string{"2:a", "3:b"}},
		{name: "bad quote", in: "email,name\n\"a,1\n", wantF: []string{"row 2.file"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var f apperr.Fields
			var rows []string
			err := csvimport.Read(strings.NewReader(c.in), []string{"email", "name"}, 2, &f, func(r csvimport.Row) error {
				rows = append(rows, strconv.Itoa(r.Line)+":"+r.Get("email"))
				return nil
			})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var fields []string
			for _, fe := range f {
				fields = append(fields, fe.Field)
			}
			if strings.Join(fields, "|") != strings.Join(c.wantF, "|") || strings.Join(rows, "|") != strings.Join(c.wantRows, "|") {
				t.Errorf("fields %v rows %v, want fields %v rows %v", fields, rows, c.wantF, c.wantRows)
			}
		})
	}
}

func TestReadStopsOnError(t *testing.T) {
	stop := errors.New("store down")
	var f apperr.Fields
	n := 0
	err := csvimport.Read(strings.NewReader("email,name\na,1\nb,2\n"), []string{"email", "name"}, 10, &f, func(csvimport.Row) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err %v after %d rows, want the callback's error after 1", err, n)
	}
}
