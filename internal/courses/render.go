package courses

import (
	"bytes"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

var (
	markdown = goldmark.New(goldmark.WithExtensions(extension.GFM))
	// sanitizer allows the HTML Markdown produces for prose, tables and code, and nothing
	// that runs: no script or style elements, no event-handler attributes, no javascript: URLs.
	sanitizer = bluemonday.UGCPolicy()
)

// RenderMarkdown turns lesson or item Markdown into sanitized HTML. Raw HTML in the source
// is escaped by goldmark and the result is sanitized again, so a payload has to get past both.
func RenderMarkdown(src string) string {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		return sanitizer.Sanitize("<p>" + src + "</p>")
	}
	return sanitizer.Sanitize(buf.String())
}
