package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func env(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }

func TestVersionAndUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"version"}, env(nil), nil, &out, &errb); err != nil || !strings.HasPrefix(out.String(), "chartroom ") {
		t.Errorf("version: %v %q", err, out.String())
	}
	if err := run(context.Background(), nil, env(nil), nil, &out, &errb); err != errUsage || !strings.Contains(errb.String(), "chartroom serve") {
		t.Errorf("no args: %v, usage %q", err, errb.String())
	}
	if err := run(context.Background(), []string{"frobnicate"}, env(nil), nil, &out, &errb); err != errUsage {
		t.Errorf("unknown command: %v, want usage error", err)
	}
}

// startServer runs `chartroom serve` in-process and returns its base URL and a stop function
// that cancels the context (as SIGTERM does) and waits for run to return.
func startServer(t *testing.T, args ...string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "warn"}, args...), env(nil), nil, &out, &errb)
	}()
	re := regexp.MustCompile(`running at (http://\S+)`)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1], func() error {
				cancel()
				select {
				case err := <-done:
					return err
				case <-time.After(30 * time.Second):
					t.Fatal("serve did not stop within 30 s of cancel")
					return nil
				}
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited early: %v\n%s", err, errb.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("serve did not start:\n%s", errb.String())
	return "", nil
}

func post(t *testing.T, url string, body any, token string) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return send(t, req)
}

func get(t *testing.T, url, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

// TestServeDemoSurvivesRestart covers the foundation's acceptance: the demo loads on the
// embedded store, a student token reaches /me, and after a graceful stop and a restart on
// the same data directory the user and the session are still there.
func TestServeDemoSurvivesRestart(t *testing.T) {
	data := t.TempDir()
	url, stop := startServer(t, "--demo", "--data", data)
	if code, _ := get(t, url+"/readyz", ""); code != 200 {
		t.Fatalf("readyz: %d", code)
	}
	code, tok := post(t, url+"/api/v1/auth/token", map[string]string{"email": "student01@lakeside.example", "password": "demo-password-2026"}, "")
	if code != 201 {
		t.Fatalf("token: %d %v", code, tok)
	}
	token := tok["token"].(string)
	code, me := get(t, url+"/api/v1/me", token)
	if code != 200 || me["user"].(map[string]any)["roles"].([]any)[0] != "student" {
		t.Fatalf("me: %d %v", code, me)
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}

	url, stop = startServer(t, "--demo", "--data", data)
	defer stop()
	code, me = get(t, url+"/api/v1/me", token)
	if code != 200 || me["user"].(map[string]any)["email"] != "student01@lakeside.example" {
		t.Fatalf("after restart: %d %v", code, me)
	}
	code, progs := get(t, url+"/api/v1/programs", token)
	if code != 200 || len(progs["items"].([]any)) != 1 {
		t.Errorf("programs after restart: %d %v (demo loaded twice?)", code, progs)
	}
}

func TestSeedIsIdempotentAndUserCreate(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"seed", "--data", data}, env(nil), nil, &out, &errb); err != nil {
		t.Fatalf("seed: %v %s", err, errb.String())
	}
	if !strings.Contains(out.String(), "71 created, 0 unchanged") {
		t.Errorf("first seed: %q", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"seed", "--data", data}, env(nil), nil, &out, &errb); err != nil {
		t.Fatalf("second seed: %v", err)
	}
	if !strings.Contains(out.String(), "0 created") {
		t.Errorf("second seed changed something: %q", out.String())
	}

	out.Reset()
	err := run(ctx, []string{"user", "create", "--data", data, "--email", "New.Person@Example.edu", "--name", "New Person", "--role", "instructor"},
		env(nil), strings.NewReader("a-long-enough-password\n"), &out, &errb)
	if err != nil || !strings.Contains(out.String(), "new.person@example.edu") || strings.Contains(out.String(), "generated password") {
		t.Errorf("user create with stdin password: %v %q", err, out.String())
	}
	out.Reset()
	err = run(ctx, []string{"user", "create", "--data", data, "--email", "gen@example.edu", "--name", "Gen", "--role", "student"}, env(nil), strings.NewReader(""), &out, &errb)
	if err != nil || !strings.Contains(out.String(), "generated password (shown once): ") {
		t.Errorf("user create with generated password: %v %q", err, out.String())
	}
	err = run(ctx, []string{"user", "create", "--data", data, "--email", "gen@example.edu", "--name", "Gen", "--role", "student"}, env(nil), strings.NewReader(""), &out, &errb)
	if err == nil {
		t.Error("creating the same email twice succeeded")
	}
}

func TestContentValidateExitCodes(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"content", "validate", "../../content"}, env(nil), nil, &out, &errb); err != nil {
		t.Errorf("shipped content: %v\n%s", err, out.String())
	}
	bad := t.TempDir()
	if err := run(context.Background(), []string{"content", "validate", bad}, env(nil), nil, &out, &errb); err != errFailed {
		t.Errorf("empty dir: %v, want failure", err)
	}
}

func TestContentImportTwiceChangesNothing(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../content")); err != nil {
		t.Fatal(err)
	}
	bankDir := filepath.Join(dir, "banks", "fixture")
	if err := os.MkdirAll(bankDir, 0o755); err != nil {
		t.Fatal(err)
	}
	item := `items:
  - id: fixture-001
    version: 1
    type: single
    status: active
    exams: [RHIT]
    blueprint: {RHIT: "3.1"}
    competency: III.1
    bloom: apply
    level: application
    difficulty: 0.6
    author: writer
    reviewer: reviewer
    stem: A 40-bed unit had 1,120 inpatient service days in a 30-day month. What was its bed occupancy rate?
    references: [CDC NCHS glossary of hospital statistics terms]
    options:
      - {id: A, text: 93.3%, correct: true, rationale: 1120 / (40 x 30) = 0.933.}
      - {id: B, text: 28.0%, rationale: Divides service days by beds only.}
      - {id: C, text: 37.3%, rationale: Uses days instead of bed days.}
      - {id: D, text: 107.1%, rationale: Inverts the ratio.}
`
	if err := os.WriteFile(filepath.Join(bankDir, "stats.yaml"), []byte(item), 0o644); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"content", "import", "--data", data, dir}, env(nil), nil, &out, &errb); err != nil {
		t.Fatalf("import: %v %s", err, errb.String())
	}
	if !strings.Contains(out.String(), "items: ") || strings.Contains(out.String(), "items: 0 added") {
		t.Fatalf("first import added nothing: %q", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"content", "import", "--data", data, dir}, env(nil), nil, &out, &errb); err != nil {
		t.Fatalf("second import: %v", err)
	}
	if !strings.Contains(out.String(), "items: 0 added, 0 updated, 0 new versions, 0 retired") || !strings.Contains(out.String(), "courses: 0 added, 0 updated") {
		t.Errorf("second import changed something: %q", out.String())
	}
	// A broken tree imports nothing.
	if err := os.WriteFile(filepath.Join(bankDir, "broken.yaml"), []byte("items:\n  - id: Bad Id\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"content", "import", "--data", data, dir}, env(nil), nil, &out, &errb); err == nil {
		t.Error("a tree with problems was imported")
	}
}
