package httpapi_test

import (
	"net/http/httptest"
	"testing"
)

// BenchmarkMe measures an authenticated API request end to end inside the process: Fiber,
// token lookup in the embedded store, the user, programs and enrollments reads.
func BenchmarkMe(b *testing.B) {
	f := newFixture(b)
	tok := f.token("student")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := f.srv.App().Test(req, -1)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("me: %v %v", resp, err)
		}
		resp.Body.Close()
	}
}
