package courses_test

import (
	"strings"
	"testing"

	"github.com/chartroom-him/chartroom/internal/courses"
)

func TestRenderMarkdownSanitizes(t *testing.T) {
	tests := []struct {
		name, src string
		want      string   // must appear
		banned    []string // must not appear
	}{
		{"table", "| a | b |\n|---|---|\n| 1 | 2 |\n", "<table>", nil},
		{"script tag", "hi <script>alert(1)</script>", "hi", []string{"<script"}},
		{"event handler", `<img src="x" onerror="alert(1)">`, "", []string{"onerror"}},
		{"javascript link", "[click](javascript:alert(1))", "click", []string{"javascript:"}},
		{"raw html link", `<a href="javascript:alert(1)">x</a>`, "", []string{"javascript:"}},
		{"svg onload", `<svg onload="alert(1)"></svg>`, "", []string{"onload", "<svg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := courses.RenderMarkdown(tt.src)
			if !strings.Contains(got, tt.want) {
				t.Errorf("RenderMarkdown(%q) = %q, want it to contain %q", tt.src, got, tt.want)
			}
			for _, b := range tt.banned {
				if strings.Contains(strings.ToLower(got), b) {
					t.Errorf("RenderMarkdown(%q) = %q, contains %q", tt.src, got, b)
				}
			}
		})
	}
}
