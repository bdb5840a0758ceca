// Package seed embeds the demo data: a fictional HIM program with its staff and students.
package seed

import "embed"

// FS holds demo.yaml.
//
//go:embed *.yaml
var FS embed.FS
