// Package content embeds the shipped content tree (blueprints, competencies, question
// banks, courses; format in docs/CONTENT.md) so that demo mode can import it.
package content

import "embed"

// FS holds the content tree.
//
//go:embed blueprints competencies.yaml all:banks all:courses
var FS embed.FS
