package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/chartroom-him/chartroom/internal/httpapi"
)

func TestProblemResponses(t *testing.T) {
	f := newFixture(t)
	admin := f.token("admin")
	tests := []struct {
		name       string
		method     string
		path       string
		body       any
		headers    []string
		wantStatus int
		wantType   string
		wantField  string
	}{
		{"wrong password", "POST", "/api/v1/auth/token", map[string]string{"email": "student@example.edu", "password": "nope-nope-nope"}, nil, 401, "/problems/bad-credentials", ""},
		{"unknown email looks the same", "POST", "/api/v1/auth/token", map[string]string{"email": "ghost@example.edu", "password": "nope-nope-nope"}, nil, 401, "/problems/bad-credentials", ""},
		{"missing password", "POST", "/api/v1/auth/token", map[string]string{"email": "student@example.edu"}, nil, 400, "/problems/invalid", "password"},
		{"malformed JSON", "POST", "/api/v1/auth/token", []byte(`{"email":`), nil, 400, "/problems/invalid", "body"},
		{"wrong JSON type", "POST", "/api/v1/auth/token", []byte(`{"email":5,"password":"x"}`), nil, 400, "/problems/invalid", "email"},
		{"unknown field is refused", "POST", "/api/v1/auth/token", []byte(`{"email":"a@b.c","password":"x","$where":"1"}`), nil, 400, "/problems/invalid", "$where"},
		{"operator object cannot reach a query", "POST", "/api/v1/auth/token", []byte(`{"email":{"$ne":""},"password":"x"}`), nil, 400, "/problems/invalid", "email"},
		{"not JSON content type", "POST", "/api/v1/auth/token", "email=a", nil, 400, "/problems/invalid", "Content-Type"},
		{"no token", "GET", "/api/v1/me", nil, nil, 401, "/problems/unauthenticated", ""},
		{"garbage token", "GET", "/api/v1/me", nil, []string{"Authorization", "Bearer garbage"}, 401, "/problems/unauthenticated", ""},
		{"unknown API path", "GET", "/api/v1/nope", nil, nil, 404, "/problems/not-found", ""},
		{"short password", "POST", "/api/v1/users", map[string]any{"email": "new@example.edu", "name": "New", "roles": []string{"student"}, "password": "short"}, []string{"Authorization", "Bearer " + admin}, 400, "/problems/invalid", "password"},
		{"unknown role", "POST", "/api/v1/users", map[string]any{"email": "new@example.edu", "name": "New", "roles": []string{"wizard"}}, []string{"Authorization", "Bearer " + admin}, 400, "/problems/invalid", "roles[0]"},
		{"duplicate email any case", "POST", "/api/v1/users", map[string]any{"email": "STUDENT@example.edu", "name": "Dup", "roles": []string{"student"}}, []string{"Authorization", "Bearer " + admin}, 409, "/problems/conflict", "email"},
		{"bad cohort year", "POST", "/api/v1/programs/" + f.program.ID + "/cohorts", map[string]any{"name": "X", "entryYear": 1800}, []string{"Authorization", "Bearer " + admin}, 400, "/problems/invalid", "entryYear"},
		{"bad status filter", "GET", "/api/v1/programs/" + f.program.ID + "/enrollments?status=lost", nil, []string{"Authorization", "Bearer " + admin}, 400, "/problems/invalid", "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.do(tt.method, tt.path, "", tt.body, tt.headers...)
			if res.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", res.status, tt.wantStatus, res.body)
			}
			if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			if got := res.json["type"]; got != tt.wantType {
				t.Errorf("type = %v, want %s", got, tt.wantType)
			}
			if res.header.Get("X-Request-Id") == "" || res.json["requestId"] != res.header.Get("X-Request-Id") {
				t.Errorf("request id header %q and body %v disagree", res.header.Get("X-Request-Id"), res.json["requestId"])
			}
			if tt.wantField != "" && !hasFieldError(res.json, tt.wantField) {
				t.Errorf("errors = %v, want one for field %q", res.json["errors"], tt.wantField)
			}
		})
	}
}

func hasFieldError(body map[string]any, field string) bool {
	errs, _ := body["errors"].([]any)
	for _, e := range errs {
		if m, _ := e.(map[string]any); m["field"] == field {
			return true
		}
	}
	return false
}

func TestLoginThrottle(t *testing.T) {
	f := newFixture(t)
	bad := map[string]string{"email": "student@example.edu", "password": "wrong-password-x"}
	for i := 0; i < 3; i++ {
		if res := f.do("POST", "/api/v1/auth/token", "", bad); res.status != 401 {
			t.Fatalf("attempt %d: status %d, want 401", i+1, res.status)
		}
	}
	res := f.do("POST", "/api/v1/auth/token", "", bad)
	if res.status != 429 || res.header.Get("Retry-After") == "" {
		t.Fatalf("after the limit: status %d Retry-After %q, want 429 with Retry-After", res.status, res.header.Get("Retry-After"))
	}
	// Even the right password waits: the account is locked for the window.
	good := map[string]string{"email": "student@example.edu", "password": testPassword}
	if res := f.do("POST", "/api/v1/auth/token", "", good); res.status != 429 {
		t.Errorf("right password while locked: %d, want 429", res.status)
	}
	// Other accounts are not affected.
	if res := f.do("POST", "/api/v1/auth/token", "", map[string]string{"email": "admin@example.edu", "password": testPassword}); res.status != 201 {
		t.Errorf("other account: %d, want 201", res.status)
	}
}

func TestCookieSessionAndCSRF(t *testing.T) {
	f := newFixture(t)
	res := f.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "coordinator@example.edu", "password": testPassword})
	if res.status != 200 {
		t.Fatalf("login: %d %s", res.status, res.body)
	}
	cookie := res.header.Get("Set-Cookie")
	for _, want := range []string{"chartroom_session=", "HttpOnly", "SameSite=Lax", "path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("Set-Cookie %q lacks %q", cookie, want)
		}
	}
	if strings.Contains(cookie, "secure") {
		t.Errorf("Set-Cookie %q is Secure on an http base URL", cookie)
	}
	secret := strings.TrimPrefix(strings.SplitN(cookie, ";", 2)[0], "chartroom_session=")
	csrf, _ := res.json["csrfToken"].(string)
	withCookie := func(method, path string, body any, extra ...string) response {
		return f.do(method, path, "", body, append([]string{"Cookie", "chartroom_session=" + secret}, extra...)...)
	}
	if r := withCookie("GET", "/api/v1/me", nil); r.status != 200 || r.json["csrfToken"] != csrf {
		t.Fatalf("GET /me with cookie: %d %s", r.status, r.body)
	}
	cohort := map[string]any{"name": "Spring 2026", "entryYear": 2026}
	if r := withCookie("POST", "/api/v1/programs/"+f.program.ID+"/cohorts", cohort); r.status != 403 || r.json["type"] != "/problems/csrf" {
		t.Errorf("POST without CSRF token: %d %s, want 403 csrf", r.status, r.body)
	}
	if r := withCookie("POST", "/api/v1/programs/"+f.program.ID+"/cohorts", cohort, "X-CSRF-Token", "forged"); r.status != 403 {
		t.Errorf("POST with a wrong CSRF token: %d, want 403", r.status)
	}
	if r := withCookie("POST", "/api/v1/programs/"+f.program.ID+"/cohorts", cohort, "X-CSRF-Token", csrf); r.status != 201 {
		t.Errorf("POST with CSRF token: %d %s, want 201", r.status, r.body)
	}
	// A cookie secret is not a bearer token.
	if r := f.do("GET", "/api/v1/me", secret, nil); r.status != 401 {
		t.Errorf("cookie secret used as bearer: %d, want 401", r.status)
	}
	if r := withCookie("POST", "/api/v1/auth/logout", nil, "X-CSRF-Token", csrf); r.status != 204 {
		t.Fatalf("logout: %d %s", r.status, r.body)
	}
	if r := withCookie("GET", "/api/v1/me", nil); r.status != 401 {
		t.Errorf("after logout: %d, want 401", r.status)
	}
}

func TestSecureCookieOnHTTPS(t *testing.T) {
	f := newFixture(t)
	f.srv = httpapi.New(httpapi.Deps{Accounts: f.acc, Programs: f.progs, Audit: f.audit, SecureCookies: true})
	r := f.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "student@example.edu", "password": testPassword})
	if c := r.header.Get("Set-Cookie"); r.status != 200 || !strings.Contains(c, "secure") {
		t.Errorf("login on https: %d, Set-Cookie %q, want Secure", r.status, c)
	}
}

// TestBodyLimit goes through a real listener: fasthttp refuses an oversized body before
// Fiber routes it, which app.Test does not show.
func TestBodyLimit(t *testing.T) {
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = f.srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = f.srv.App().Shutdown() })
	body := `{"name":"` + strings.Repeat("x", 70<<10) + `"}`
	resp, err := http.Post("http://"+ln.Addr().String()+"/api/v1/auth/token", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 413 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("oversized body: %d %q %s, want 413 problem+json", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
}

func TestTokenRevocationAndPasswordChange(t *testing.T) {
	f := newFixture(t)
	a, b := f.token("student"), f.token("student")
	if r := f.do("DELETE", "/api/v1/auth/token", a, nil); r.status != 204 {
		t.Fatalf("revoke: %d", r.status)
	}
	if r := f.do("GET", "/api/v1/me", a, nil); r.status != 401 {
		t.Errorf("revoked token: %d, want 401", r.status)
	}
	c := f.token("student")
	if r := f.do("POST", "/api/v1/me/password", c, map[string]string{"currentPassword": "not-it-at-all", "newPassword": "a-brand-new-passphrase"}); r.status != 401 || !hasFieldError(r.json, "currentPassword") {
		t.Errorf("wrong current password: %d %s", r.status, r.body)
	}
	if r := f.do("POST", "/api/v1/me/password", c, map[string]string{"currentPassword": testPassword, "newPassword": "short"}); r.status != 400 || !hasFieldError(r.json, "newPassword") {
		t.Errorf("short new password: %d %s", r.status, r.body)
	}
	if r := f.do("POST", "/api/v1/me/password", c, map[string]string{"currentPassword": testPassword, "newPassword": "a-brand-new-passphrase"}); r.status != 204 {
		t.Fatalf("change password: %d %s", r.status, r.body)
	}
	if r := f.do("GET", "/api/v1/me", b, nil); r.status != 401 {
		t.Errorf("other session after password change: %d, want 401 (revoked)", r.status)
	}
	if r := f.do("GET", "/api/v1/me", c, nil); r.status != 200 {
		t.Errorf("the session that changed the password: %d, want 200", r.status)
	}
	if r := f.do("POST", "/api/v1/auth/token", "", map[string]string{"email": "student@example.edu", "password": "a-brand-new-passphrase"}); r.status != 201 {
		t.Errorf("login with new password: %d", r.status)
	}
}

func TestMeShowsRolesProgramsAndEnrollments(t *testing.T) {
	f := newFixture(t)
	r := f.do("GET", "/api/v1/me", f.token("student"), nil)
	if r.status != 200 {
		t.Fatalf("me: %d", r.status)
	}
	user := r.json["user"].(map[string]any)
	if roles := fmt.Sprint(user["roles"]); roles != "[student]" {
		t.Errorf("roles = %s, want [student]", roles)
	}
	if _, ok := user["passwordHash"]; ok {
		t.Error("me leaks the password hash")
	}
	progs := r.json["programs"].([]any)
	ens := r.json["enrollments"].([]any)
	if len(progs) != 1 || len(ens) != 1 || ens[0].(map[string]any)["cohortName"] != "Fall 2025" {
		t.Errorf("programs %v enrollments %v, want one each in Fall 2025", progs, ens)
	}
}

func TestCSVImport(t *testing.T) {
	f := newFixture(t)
	coord := f.token("coordinator")
	path := "/api/v1/programs/" + f.program.ID + "/enrollments/import"
	bad := "email,name,cohort,start_date\n" +
		"ok1@example.edu,Ok One,Fall 2025,2025-08-25\n" +
		"not-an-email,Bad Email,Fall 2025,2025-08-25\n" +
		"ok2@example.edu,,Fall 2025,2025-08-25\n" +
		"ok3@example.edu,Ok Three,Winter 1999,2025-08-25\n" +
		"ok4@example.edu,Ok Four,Fall 2025,25/08/2025\n" +
		"ok1@example.edu,Ok Again,Fall 2025,2025-08-25\n" +
		"admin@example.edu,Staff,Fall 2025,2025-08-25\n"
	r := f.do("POST", path, coord, bad)
	if r.status != 400 {
		t.Fatalf("bad import: %d %s", r.status, r.body)
	}
	for _, field := range []string{"row 3.email", "row 4.name", "row 5.cohort", "row 6.start_date", "row 7.email", "row 8.email"} {
		if !hasFieldError(r.json, field) {
			t.Errorf("no error for %s in %v", field, r.json["errors"])
		}
	}
	if hasFieldError(r.json, "row 2.email") {
		t.Error("a good row was reported as bad")
	}
	list := f.do("GET", "/api/v1/programs/"+f.program.ID+"/enrollments", coord, nil)
	if n := len(list.json["items"].([]any)); n != 1 {
		t.Fatalf("after a refused import there are %d enrollments, want the 1 from before", n)
	}
	if u := f.do("GET", "/api/v1/users?q=ok1", f.token("admin"), nil); len(u.json["items"].([]any)) != 0 {
		t.Error("a refused import created an account")
	}

	good := "email,name,cohort,start_date\n" +
		"ok1@example.edu,Ok One,Fall 2025,2025-08-25\n" +
		"OK2@example.edu,Ok Two,fall 2025,2025-08-25\n" +
		"student@example.edu,Existing,Fall 2025,2025-08-25\n"
	r = f.do("POST", path, coord, good)
	if r.status != 200 || r.json["created"] != float64(2) || r.json["enrolled"] != float64(2) || r.json["unchanged"] != float64(1) {
		t.Fatalf("good import: %d %s", r.status, r.body)
	}
	if pw := r.json["generatedPasswords"].([]any); len(pw) != 2 {
		t.Errorf("generated passwords = %v, want 2", pw)
	}
	r = f.do("POST", path, coord, good)
	if r.status != 200 || r.json["created"] != float64(0) || r.json["enrolled"] != float64(0) || r.json["unchanged"] != float64(3) {
		t.Errorf("re-import: %d %s, want all unchanged", r.status, r.body)
	}
	// The other program's coordinator cannot import here.
	if r := f.do("POST", path, f.token("othercoord"), good); r.status != 404 {
		t.Errorf("other coordinator: %d, want 404", r.status)
	}
}

func TestEnrollmentPagination(t *testing.T) {
	f := newFixture(t)
	coord := f.token("coordinator")
	var csv strings.Builder
	csv.WriteString("email,name,cohort,start_date\n")
	for i := 0; i < 7; i++ {
		fmt.Fprintf(&csv, "p%d@example.edu,Student %d,Fall 2025,2025-08-25\n", i, i)
	}
	if r := f.do("POST", "/api/v1/programs/"+f.program.ID+"/enrollments/import", coord, csv.String()); r.status != 200 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	seen := map[string]bool{}
	cursor := ""
	for page := 0; page < 10; page++ {
		r := f.do("GET", "/api/v1/programs/"+f.program.ID+"/enrollments?limit=3&cursor="+cursor, coord, nil)
		for _, it := range r.json["items"].([]any) {
			id := it.(map[string]any)["id"].(string)
			if seen[id] {
				t.Fatalf("enrollment %s on two pages", id)
			}
			seen[id] = true
		}
		next, _ := r.json["nextCursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seen) != 8 {
		t.Errorf("paged through %d enrollments, want 8", len(seen))
	}
}

func TestReadiness(t *testing.T) {
	f := newFixture(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := f.do("GET", p, "", nil); r.status != 200 {
			t.Errorf("%s: %d", p, r.status)
		}
	}
}

func TestLessonIsRenderedAndSanitized(t *testing.T) {
	f := newFixture(t)
	tok := f.token("student")
	r := f.do("GET", "/api/v1/courses", tok, nil)
	if r.status != 200 || len(r.json["items"].([]any)) != 1 {
		t.Fatalf("courses: %d %s", r.status, r.body)
	}
	r = f.do("GET", "/api/v1/courses/test-course/lessons/test-course-m1-intro", tok, nil)
	html, _ := r.json["html"].(string)
	if r.status != 200 || !strings.Contains(html, "<h1") || strings.Contains(html, "<script") {
		t.Errorf("lesson: %d html %q", r.status, html)
	}
	if r := f.do("GET", "/api/v1/courses/test-course/lessons/nope", tok, nil); r.status != 404 {
		t.Errorf("unknown lesson: %d, want 404", r.status)
	}
}

func TestProgressAndPracticeQuiz(t *testing.T) {
	f := newFixture(t)
	tok := f.token("student")
	base := "/api/v1/courses/test-course"
	if r := f.do("PUT", base+"/progress/test-course-m1-intro", tok, map[string]any{}); r.status != 200 || r.json["lastLesson"] != "test-course-m1-intro" || r.json["percent"] != float64(0) {
		t.Fatalf("visit: %d %s", r.status, r.body)
	}
	if r := f.do("PUT", base+"/progress/test-course-m1-intro", tok, map[string]any{"completed": true}); r.status != 200 || r.json["percent"] != float64(100) {
		t.Fatalf("complete: %d %s", r.status, r.body)
	}
	// Progress is the student's own and survives a new sign-in.
	if r := f.do("GET", base+"/progress", f.token("student"), nil); r.json["percent"] != float64(100) {
		t.Errorf("progress after a new sign-in: %s", r.body)
	}
	if r := f.do("GET", base+"/progress", f.token("admin"), nil); r.json["percent"] != float64(0) {
		t.Errorf("another user's progress: %s", r.body)
	}
	if r := f.do("PUT", base+"/progress/nope", tok, map[string]any{"completed": true}); r.status != 404 {
		t.Errorf("unknown lesson: %d", r.status)
	}

	r := f.do("GET", base+"/modules/m1/quiz", tok, nil)
	items := r.json["items"].([]any)
	if r.status != 200 || len(items) != 1 {
		t.Fatalf("quiz: %d %s", r.status, r.body)
	}
	if strings.Contains(string(r.body), "correct") || strings.Contains(string(r.body), "rationale") {
		t.Errorf("quiz leaks the key or rationale: %s", r.body)
	}
	r = f.do("POST", "/api/v1/practice/answers", tok, map[string]any{"itemId": "q-1", "questionId": "q-1", "choices": []string{"B"}})
	if r.status != 200 || r.json["correct"] != false || fmt.Sprint(r.json["key"]) != "[A]" || r.json["rationales"].(map[string]any)["B"] != "B is wrong." {
		t.Fatalf("answer: %d %s", r.status, r.body)
	}
	if r := f.do("POST", "/api/v1/practice/answers", tok, map[string]any{"itemId": "q-1", "questionId": "q-1", "choices": []string{"Z"}}); r.status != 400 || !hasFieldError(r.json, "choices") {
		t.Errorf("unknown option: %d %s", r.status, r.body)
	}
	// The answer froze version 1: an edit now makes version 2, and v1 keeps its response.
	if it, _ := f.bank.Item(context.Background(), "q-1"); it.Responses != 1 {
		t.Errorf("responses on v1 = %d, want 1", it.Responses)
	}
}

func TestBankAuthoringAPI(t *testing.T) {
	f := newFixture(t)
	ins, other := f.token("instructor"), f.token("coordinator")
	if r := f.do("GET", "/api/v1/bank/items?q=which", f.token("student"), nil); r.status != 403 {
		t.Errorf("student browsing the bank (keys!): %d, want 403", r.status)
	}
	item := map[string]any{
		"id": "new-1", "bank": "authored", "type": "single", "status": "draft", "exams": []string{"RHIT"}, "blueprint": map[string]string{"RHIT": "3.1"},
		"topic": "ALOS", "competency": "III.1", "author": "", "reviewer": "", "references": []string{"CDC NCHS definitions"},
		"questions": []map[string]any{{"id": "new-1", "type": "single", "stem": "Average length of stay?", "choose": 1, "level": "application", "bloom": "apply", "difficulty": 0.5,
			"options": []map[string]any{{"id": "A", "text": "4.0", "correct": true, "rationale": "Discharge days over discharges."}, {"id": "B", "text": "3.0", "rationale": "x"}, {"id": "C", "text": "5.0", "rationale": "x"}, {"id": "D", "text": "6.0", "rationale": "x"}}}},
	}
	r := f.do("PUT", "/api/v1/bank/items/new-1", ins, item)
	if r.status != 200 || r.json["status"] != "draft" || r.json["author"] != "instructor@example.edu" {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	item["questions"].([]map[string]any)[0]["options"] = []map[string]any{{"id": "A", "text": "4.0", "correct": true, "rationale": "r"}}
	if r := f.do("PUT", "/api/v1/bank/items/new-1", ins, item); r.status != 400 || !strings.Contains(string(r.body), "exactly 4 options") {
		t.Errorf("invalid edit: %d %s", r.status, r.body)
	}
	if r := f.do("POST", "/api/v1/bank/items/new-1/status", ins, map[string]string{"status": "review"}); r.status != 200 {
		t.Fatalf("to review: %d %s", r.status, r.body)
	}
	if r := f.do("POST", "/api/v1/bank/items/new-1/status", ins, map[string]string{"status": "active"}); r.status != 403 {
		t.Errorf("author approving: %d, want 403", r.status)
	}
	if r := f.do("POST", "/api/v1/bank/items/new-1/status", other, map[string]string{"status": "active"}); r.status != 200 || r.json["reviewer"] != "coordinator@example.edu" {
		t.Errorf("second reader approving: %d %s", r.status, r.body)
	}
	r = f.do("GET", "/api/v1/bank/items?status=active&exam=RHIT&domain=3&q=length", ins, nil)
	if r.status != 200 || len(r.json["items"].([]any)) != 1 {
		t.Errorf("browse with filters: %d %s", r.status, r.body)
	}
	r = f.do("GET", "/api/v1/bank/export?bank=authored", ins, nil)
	if r.status != 200 || !strings.Contains(string(r.body), "id: new-1") || !strings.HasPrefix(r.header.Get("Content-Type"), "application/yaml") {
		t.Errorf("export: %d %q %s", r.status, r.header.Get("Content-Type"), r.body)
	}
}

func TestExamAPI(t *testing.T) {
	f := newFixture(t)
	tok := f.token("student")
	r := f.do("GET", "/api/v1/exams", tok, nil)
	if r.status != 200 || len(r.json["items"].([]any)) != 1 {
		t.Fatalf("exams: %d %s", r.status, r.body)
	}
	r = f.do("POST", "/api/v1/exams/"+f.exam.ID+"/attempts", tok, nil)
	if r.status != 200 || r.json["id"] != f.attempt || r.json["serverTime"] == nil || r.json["deadline"] == nil {
		t.Fatalf("start again resumes (200): %d %s", r.status, r.body)
	}
	for _, leak := range []string{`"correct"`, `"rationale"`, `"pretest"`, `"angoff"`} {
		if strings.Contains(string(r.body), leak) {
			t.Errorf("start response leaks %s: %s", leak, r.body)
		}
	}
	path := "/api/v1/attempts/" + f.attempt + "/responses/q-1"
	if r := f.do("PUT", path, tok, map[string]any{"choices": []string{"A"}, "flagged": true, "seq": 2}); r.status != 200 || r.json["applied"] != true {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	if r := f.do("PUT", path, tok, map[string]any{"choices": []string{"B"}, "seq": 1}); r.status != 200 || r.json["applied"] != false {
		t.Errorf("stale save: %d %s, want 200 applied=false", r.status, r.body)
	}
	if r := f.do("PUT", path, tok, map[string]any{"choices": []string{"B"}}); r.status != 400 || !hasFieldError(r.json, "seq") {
		t.Errorf("save without seq: %d %s", r.status, r.body)
	}
	r = f.do("GET", "/api/v1/attempts/"+f.attempt, tok, nil)
	if resp := r.json["responses"].(map[string]any)["q-1"].(map[string]any); resp["flagged"] != true || fmt.Sprint(resp["choices"]) != "[A]" {
		t.Errorf("restored response = %v", resp)
	}
	r = f.do("POST", "/api/v1/attempts/"+f.attempt+"/submit", tok, nil)
	score, _ := r.json["score"].(map[string]any)
	if r.status != 200 || score["raw"] != float64(1) || score["scaled"] != float64(400) || score["passed"] != true {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	if r := f.do("PUT", path, tok, map[string]any{"choices": []string{"B"}, "seq": 3}); r.status != 409 || r.json["type"] != "/problems/attempt-closed" {
		t.Errorf("save after submit: %d %s, want 409 attempt-closed", r.status, r.body)
	}
	r = f.do("GET", "/api/v1/attempts/"+f.attempt+"/review", tok, nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"rationale":"A is right."`) {
		t.Errorf("review: %d %s", r.status, r.body)
	}
}

func TestCoordinatorListsOnlyTheirStudents(t *testing.T) {
	f := newFixture(t)
	r := f.do("GET", "/api/v1/users", f.token("coordinator"), nil)
	items := r.json["items"].([]any)
	if r.status != 200 || len(items) != 1 || items[0].(map[string]any)["email"] != "student@example.edu" {
		t.Errorf("coordinator's users: %d %s; want only their one student", r.status, r.body)
	}
	if r := f.do("GET", "/api/v1/users", f.token("othercoord"), nil); len(r.json["items"].([]any)) != 0 {
		t.Errorf("other coordinator sees %s; want nobody", r.body)
	}
}
