// Package bank is the question bank as stored: items with stable ids, content hashes and
// versions. Importing the content tree is idempotent; changing an item that students have
// already answered creates a new version, so earlier responses keep pointing at the version
// they were given.
package bank

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/chartroom-him/chartroom/internal/content"
)

// Option is one answer option.
type Option struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	Correct   bool   `json:"correct"`
	Rationale string `json:"rationale"`
}

// Question is one deliverable question: a single or multiple response item, or a child of
// a scenario set.
type Question struct {
	ID         string   `json:"id"`
	Type       string   `json:"type"` // single | multiple
	Stem       string   `json:"stem"`
	Choose     int      `json:"choose"`
	Options    []Option `json:"options"`
	Level      string   `json:"level"`
	Bloom      string   `json:"bloom"`
	Difficulty float64  `json:"difficulty"`
	Angoff     *float64 `json:"angoff,omitempty"`
	References []string `json:"references,omitempty"`
}

// Item is a bank entry: one question, or a scenario set of questions drawn as a unit.
type Item struct {
	ID         string            `json:"id"`
	Version    int               `json:"-"`
	Hash       string            `json:"-"`
	Bank       string            `json:"bank"`
	Type       string            `json:"type"` // single | multiple | scenario
	Status     string            `json:"status"`
	Exams      []string          `json:"exams"`
	Blueprint  map[string]string `json:"blueprint"`
	Topic      string            `json:"topic"`
	Competency string            `json:"competency"`
	Scenario   string            `json:"scenario,omitempty"`
	Questions  []Question        `json:"questions"`
	References []string          `json:"references,omitempty"`
	Author     string            `json:"author"`
	Reviewer   string            `json:"reviewer"`
	// Responses counts responses given to this version; a change then makes a new version.
	Responses int       `json:"-"`
	UpdatedAt time.Time `json:"-"`
}

// ContentHash is the SHA-256 of the item's content (everything but version, counters and times).
func (it Item) ContentHash() string {
	b, _ := json.Marshal(it) // the json tags leave out Version, Hash, Responses, UpdatedAt
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// FromContent converts a validated content item.
func FromContent(c *content.Item) Item {
	it := Item{
		ID: c.ID, Bank: c.Bank, Type: c.Type, Status: c.Status, Exams: c.Exams, Blueprint: c.Blueprint,
		Topic: c.Topic, Competency: c.Competency, Scenario: c.Scenario, References: c.References,
		Author: c.Author, Reviewer: c.Reviewer, Version: max(c.Version, 1),
	}
	qs := []content.Item{*c}
	if c.Type == "scenario" {
		qs = c.Items
	}
	for _, q := range qs {
		bq := Question{ID: q.ID, Type: q.Type, Stem: q.Stem, Choose: q.Choose, Level: q.Level, Bloom: q.Bloom,
			Difficulty: q.Difficulty, Angoff: q.Angoff}
		if c.Type == "scenario" {
			bq.References = q.References
		}
		if bq.Type == "single" {
			bq.Choose = 1
		}
		for _, o := range q.Options {
			bq.Options = append(bq.Options, Option{ID: o.ID, Text: o.Text, Correct: o.Correct, Rationale: o.Rationale})
		}
		it.Questions = append(it.Questions, bq)
	}
	it.Hash = it.ContentHash()
	return it
}
