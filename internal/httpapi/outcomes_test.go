package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/programs"
)

// enrollOutcomeStudents enrolls n students who started on 2023-01-09 and returns their ids.
func enrollOutcomeStudents(t *testing.T, f *fixture, n int) []string {
	t.Helper()
	var ids []string
	for i := 1; i <= n; i++ {
		v, _, err := f.progs.Enroll(context.Background(), accounts.SystemPrincipal, f.program.ID, programs.EnrollRequest{
			Email: fmt.Sprintf("grad%d@example.edu", i), Name: fmt.Sprintf("Grad %d", i), CohortID: f.cohort.ID, StartDate: time.Date(2023, 1, 9, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.Student.ID)
	}
	return ids
}

func figure(t *testing.T, body map[string]any, key string) map[string]any {
	t.Helper()
	figs, _ := body["figures"].([]any)
	for _, x := range figs {
		if m, _ := x.(map[string]any); m["key"] == key {
			return m
		}
	}
	t.Fatalf("figure %s missing from %v", key, body["figures"])
	return nil
}

func TestOutcomesImportIsAllOrNothingAndIdempotent(t *testing.T) {
	f := newFixture(t)
	enrollOutcomeStudents(t, f, 6)
	coord := f.token("coordinator")
	imp := func(kind, csv string) response {
		return f.do("POST", "/api/v1/programs/"+f.program.ID+"/outcomes/import?kind="+kind, coord, csv)
	}

	life := "email,status,date\n"
	for i := 1; i <= 5; i++ {
		life += fmt.Sprintf("grad%d@example.edu,graduated,2024-12-15\n", i)
	}
	life += "grad6@example.edu,withdrawn,2024-10-01\n"
	if res := imp("lifecycle", life); res.status != 200 || res.json["created"] != float64(6) {
		t.Fatalf("lifecycle import: %d %s", res.status, res.body)
	}
	if res := imp("lifecycle", life); res.status != 200 || res.json["created"] != float64(0) || res.json["unchanged"] != float64(6) {
		t.Fatalf("lifecycle re-import: %d %s, want nothing created", res.status, res.body)
	}

	bad := "email,exam,date,attempt,result,scaled_score\n" +
		"grad1@example.edu,RHIT,2025-02-10,1,pass,320\n" + // fine
		"ghost@example.edu,RHIT,2025-02-10,1,pass,\n" + // row 3: not a student
		"grad2@example.edu,RHXX,2025-02-10,1,pass,\n" + // row 4: exam
		"grad3@example.edu,RHIT,10/02/2025,1,pass,\n" + // row 5: date
		"grad4@example.edu,RHIT,2025-02-10,one,pass,\n" + // row 6: attempt
		"grad5@example.edu,RHIT,2025-02-10,1,maybe,\n" + // row 7: result
		"grad1@example.edu,RHIT,2025-02-10,1,pass,320\n" // row 8: repeats row 2
	res := imp("certification", bad)
	if res.status != 400 {
		t.Fatalf("bad import: status %d, want 400: %s", res.status, res.body)
	}
	for _, field := range []string{"row 3.email", "row 4.exam", "row 5.date", "row 6.attempt", "row 7.result", "row 8.email"} {
		if !hasFieldError(res.json, field) {
			t.Errorf("bad import: no error for %s in %s", field, res.body)
		}
	}
	if hasFieldError(res.json, "row 2.email") {
		t.Errorf("the good row 2 is reported bad: %s", res.body)
	}
	list := f.do("GET", "/api/v1/programs/"+f.program.ID+"/outcomes/certifications", coord, nil)
	if items, _ := list.json["items"].([]any); len(items) != 0 {
		t.Fatalf("after a failed import %d results exist, want none", len(items))
	}

	good := "email,exam,date,attempt,result,scaled_score\n" +
		"grad1@example.edu,RHIT,2025-02-10,1,pass,320\n" +
		"grad2@example.edu,RHIT,2025-02-10,1,fail,280\n" +
		"grad2@example.edu,RHIT,2025-04-10,2,pass,\n"
	if res := imp("certification", good); res.status != 200 || res.json["created"] != float64(3) {
		t.Fatalf("good import: %d %s", res.status, res.body)
	}
	if res := imp("certification", good); res.status != 200 || res.json["created"] != float64(0) || res.json["unchanged"] != float64(3) {
		t.Fatalf("re-import: %d %s, want 0 created, 3 unchanged", res.status, res.body)
	}
	contra := "email,exam,date,attempt,result\ngrad1@example.edu,RHIT,2025-02-10,1,fail\n"
	if res := imp("certification", contra); res.status != 400 || !hasFieldError(res.json, "row 2.attempt") {
		t.Fatalf("contradicting row: %d %s, want 400 on row 2.attempt", res.status, res.body)
	}
	emp := "email,status,date,setting\ngrad1@example.edu,in_field,2025-03-01,hospital\ngrad6@example.edu,seeking,2025-03-01,\n"
	if res := imp("employment", emp); res.status != 400 || !hasFieldError(res.json, "row 3.email") {
		t.Fatalf("employment of a non-graduate: %d %s, want 400 on row 3.email", res.status, res.body)
	}
	if res := imp("unknown", "email\n"); res.status != 400 || !hasFieldError(res.json, "kind") {
		t.Fatalf("unknown kind: %d %s", res.status, res.body)
	}

	// The figures follow: 100% window of the 2023-01-09 starters ends 2025-01-09, in
	// reporting year 2025; five graduated within it, one withdrew.
	rep := f.do("GET", "/api/v1/programs/"+f.program.ID+"/outcomes?year=2025", coord, nil)
	if rep.status != 200 {
		t.Fatalf("outcomes: %d %s", rep.status, rep.body)
	}
	if g := figure(t, rep.json, "graduation_100"); g["numerator"] != float64(5) || g["denominator"] != float64(6) || g["definition"] == "" {
		t.Errorf("graduation_100 = %v, want 5/6 with a definition", g)
	}
	if c := figure(t, rep.json, "cert_first_time"); c["numerator"] != float64(1) || c["denominator"] != float64(2) {
		t.Errorf("cert_first_time = %v, want 1/2", c)
	}
	if tr, _ := rep.json["trends"].([]any); len(tr) != 5 {
		t.Errorf("trends has %d years, want 5", len(tr))
	}
}

func TestOutcomesAccessExportsAndPublicPage(t *testing.T) {
	f := newFixture(t)
	ids := enrollOutcomeStudents(t, f, 6)
	coord := f.token("coordinator")
	base := "/api/v1/programs/" + f.program.ID + "/outcomes"
	for i, id := range ids {
		status := "graduated"
		if i == 5 {
			status = "withdrawn"
		}
		res := f.do("POST", base+"/status", coord, map[string]any{"studentId": id, "status": status, "date": "2024-12-15"})
		if res.status != 200 {
			t.Fatalf("status change: %d %s", res.status, res.body)
		}
	}
	for i, id := range ids[:2] {
		res := f.do("POST", base+"/certifications", coord, map[string]any{"studentId": id, "exam": "RHIT", "date": "2025-02-10", "attempt": 1, "passed": i == 0})
		if res.status != 201 || res.json["verified"] != true {
			t.Fatalf("coordinator result: %d %s", res.status, res.body)
		}
	}

	// Another program's coordinator sees nothing of this one.
	for _, path := range []string{base + "?year=2025", base + ".csv", base + "/report.pdf", base + "/goals"} {
		if res := f.do("GET", path, f.token("othercoord"), nil); res.status != 404 && res.status != 403 {
			t.Errorf("othercoord GET %s: %d, want 403/404", path, res.status)
		}
	}
	if res := f.do("GET", base+"?year=12", coord, nil); res.status != 400 || !hasFieldError(res.json, "year") {
		t.Errorf("bad year: %d %s", res.status, res.body)
	}

	csvRes := f.do("GET", base+"?year=2025", coord, nil, "Accept", "text/csv")
	if !strings.HasPrefix(csvRes.header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(string(csvRes.body), "reporting_year,figure,label,numerator,denominator") {
		t.Errorf("Accept text/csv: %s %.80s", csvRes.header.Get("Content-Type"), csvRes.body)
	}
	for _, table := range []string{"figures", "trends", "cohorts", "surveys", "readiness", "goals", "coverage", "gaps"} {
		res := f.do("GET", base+".csv?year=2025&table="+table, coord, nil)
		if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") || len(res.body) == 0 {
			t.Errorf("table %s: %d %s", table, res.status, res.header.Get("Content-Type"))
		}
	}
	if res := f.do("GET", base+".csv?table=nope", coord, nil); res.status != 400 || !hasFieldError(res.json, "table") {
		t.Errorf("unknown table: %d", res.status)
	}
	pdf := f.do("GET", base+"/report.pdf?year=2025", coord, nil)
	if pdf.status != 200 || pdf.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(pdf.body), "%PDF") {
		t.Errorf("pdf: %d %s %.8q", pdf.status, pdf.header.Get("Content-Type"), pdf.body)
	}

	// A goal measured by a figure is evaluated against it.
	g := f.do("POST", base+"/goals", coord, map[string]any{"area": "students", "title": "Graduate on time", "measure": "graduation_100", "target": 70})
	if g.status != 201 {
		t.Fatalf("goal: %d %s", g.status, g.body)
	}
	if res := f.do("POST", base+"/goals", coord, map[string]any{"area": "nowhere", "title": "x", "target": 170}); res.status != 400 || !hasFieldError(res.json, "area") || !hasFieldError(res.json, "target") {
		t.Errorf("bad goal: %d %s", res.status, res.body)
	}
	rep := f.do("GET", base+"?year=2025", coord, nil)
	goals, _ := rep.json["goals"].([]any)
	if len(goals) != 1 || goals[0].(map[string]any)["met"] != true {
		t.Errorf("goals = %v, want the goal met (5/6 >= 70%%)", goals)
	}

	// Self-report and verification.
	st := f.token("student")
	self := f.do("POST", base+"/certifications", st, map[string]any{"exam": "RHIT", "date": "2025-06-01", "attempt": 1, "passed": true, "scaledScore": 310})
	if self.status != 201 || self.json["verified"] != false || self.json["source"] != "self" {
		t.Fatalf("self-report: %d %s", self.status, self.body)
	}
	if res := f.do("POST", base+"/certifications", st, map[string]any{"studentId": ids[0], "exam": "RHIT", "date": "2025-06-01", "attempt": 2, "passed": true}); res.status != 403 {
		t.Errorf("student reporting for another: %d, want 403", res.status)
	}
	if res := f.do("POST", base+"/certifications/verify", coord, map[string]any{"id": self.json["id"]}); res.status != 200 || res.json["verified"] != true {
		t.Errorf("verify: %d %s", res.status, res.body)
	}

	// Surveys: a link anyone can answer, anonymously.
	sv := f.do("POST", base+"/surveys", coord, map[string]any{"kind": "graduate", "title": "Graduate survey 2025"})
	if sv.status != 201 {
		t.Fatalf("survey: %d %s", sv.status, sv.body)
	}
	link := sv.json["link"].(string)
	token := strings.TrimPrefix(link, "/survey/")
	if res := f.do("POST", "/api/v1/surveys/"+token+"/responses", "", map[string]any{"answers": []int{5, 4, 4, 0, 3, 5}}); res.status != 201 {
		t.Errorf("survey response: %d %s", res.status, res.body)
	}
	if res := f.do("POST", "/api/v1/surveys/"+token+"/responses", "", map[string]any{"answers": []int{0, 0, 0, 0, 0, 0}}); res.status != 400 || !hasFieldError(res.json, "answers") {
		t.Errorf("empty survey response: %d %s", res.status, res.body)
	}
	if res := f.do("GET", link, "", nil); res.status != 200 || !strings.Contains(string(res.body), "Graduate survey 2025") {
		t.Errorf("survey page: %d", res.status)
	}
	form := f.do("POST", link, "", "q0=4&q1=3&comment=Great+practicum", "Content-Type", "application/x-www-form-urlencoded")
	if form.status != 201 || !strings.Contains(string(form.body), "Thank you") {
		t.Errorf("survey form: %d %s", form.status, form.body)
	}
	if res := f.do("POST", link, "", "q0=9", "Content-Type", "application/x-www-form-urlencoded"); res.status != 400 {
		t.Errorf("survey form with a bad answer: %d, want 400", res.status)
	}
	svs := f.do("GET", base+"/surveys", coord, nil)
	if items, _ := svs.json["items"].([]any); len(items) != 1 || items[0].(map[string]any)["responses"] != float64(2) {
		t.Errorf("surveys = %s, want one survey with 2 responses", svs.body)
	}
	if res := f.do("GET", "/survey/not-a-token", "", nil); res.status != 404 {
		t.Errorf("unknown survey: %d, want 404", res.status)
	}

	// The public page needs no login and hides cells of fewer than five students.
	if res := f.do("PUT", base+"/settings", coord, map[string]any{"normalMonths": 24, "publicFigures": []string{"cert_first_time", "bogus"}}); res.status != 400 || !hasFieldError(res.json, "publicFigures[1]") {
		t.Errorf("bad settings: %d %s", res.status, res.body)
	}
	if res := f.do("PUT", base+"/settings", coord, map[string]any{"normalMonths": 24, "publicFigures": []string{"cert_first_time"}}); res.status != 200 {
		t.Fatalf("settings: %d %s", res.status, res.body)
	}
	page := f.do("GET", "/outcomes/"+f.program.Slug, "", nil)
	if page.status != 200 || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") {
		t.Fatalf("public page: %d %s", page.status, page.header.Get("Content-Type"))
	}
	html := string(page.body)
	row := func(key string) string {
		i := strings.Index(html, `data-figure="`+key+`"`)
		if i < 0 {
			t.Fatalf("public page lacks %s", key)
		}
		j := strings.Index(html[i:], "</tr>")
		return html[i : i+j]
	}
	if r := row("graduation_100"); !strings.Contains(r, "83.3%") || !strings.Contains(r, "n=6") {
		t.Errorf("graduation row %q, want 83.3%% (n=6) for 2024-25", r)
	}
	if r := row("cert_first_time"); !strings.Contains(r, "Fewer than 5 students") || strings.Contains(r, "50.0%") {
		t.Errorf("certification row %q, want the 2-student cell suppressed", r)
	}
	for _, want := range []string{"employment_6", "employment_12", "graduation_150", "Published"} {
		if !strings.Contains(html, want) {
			t.Errorf("public page lacks %q", want)
		}
	}
	if strings.Contains(html, `data-figure="retention"`) {
		t.Errorf("public page shows retention, which the coordinator did not pick")
	}
	if res := f.do("GET", "/outcomes/no-such-program", "", nil); res.status != 404 {
		t.Errorf("unknown slug: %d", res.status)
	}
}
